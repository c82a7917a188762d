import Crypto
import Foundation
import GRDB
import Synchronization

/// The blob journal (ARCHITECTURE.md §4, I1): a small blob's put is made durable by the one
/// commit that publishes it, its content committed in `blob_journal`, instead of by its file's
/// and fan-out directory's fsyncs. Its file is written later (unless the put had written it
/// already), and ``Store/settleBlobJournal()`` makes many such files durable with one `syncfs`
/// and then deletes their journal rows. Until then, a file not yet written, lost or damaged is
/// written from the journal, verified, when a reader needs it.
extension Store {
    /// The largest blob the journal takes. SQLite reads and writes blobs up to about 100 KB
    /// faster than separate files do; beyond that the journal's second write of the content (the
    /// log, then the database) costs more than the fsyncs it saves.
    static let journaledBlobLimit: Int64 = 64 << 10

    /// Whether small blobs are journaled: SQLite metadata with every blob in this directory.
    /// (A server's commit is on another machine; remote blobs are uploaded before their row.)
    var journalsSmallBlobs: Bool {
        guard options.journalsSmallBlobs, options.remoteBlobs == nil, case .sqlite = metadata else { return false }
        return true
    }

    /// Whether this store directory holds the blob's content: its file, or its copy in the blob
    /// journal (put moments ago, its file still to be written). Says nothing of its row.
    public func hasLocalCopy(of digest: BlobDigest) -> Bool {
        // The file looked for again last: a settle may write it and drop the copy between the looks.
        localBlobFileExists(digest) || hasJournalCopy(digest) || localBlobFileExists(digest)
    }

    /// The blob's journal copy as stored (not yet checked against its digest), if it has one.
    static func journalCopy(of digest: BlobDigest, _ db: SQLSession) throws -> Data? {
        try Data.fetchOne(db.sqlite!.cachedStatement(sql: "SELECT content FROM blob_journal WHERE digest = ?"), arguments: [digest.hex])
    }

    /// Whether the blob journal holds a copy of the blob (a point lookup).
    func hasJournalCopy(_ digest: BlobDigest) -> Bool {
        guard journalsSmallBlobs else { return false }
        var found = false
        try? lookup("SELECT 1 FROM blob_journal WHERE digest = ?", arguments: [.text(digest.hex)]) { _ in found = true }
        return found
    }

    /// Makes every journaled blob durable in its file and drops its journal copy: each file is
    /// hashed (one not yet written, lost or damaged is written from its copy), then one `syncfs`
    /// writes them all to the disk (where there is none, each file and directory is fsynced),
    /// then their rows go. This settles every blob in the journal, those of other handles and of
    /// crashed processes included (`verify` runs it first); a handle settles its own puts on its
    /// own, within moments and when it closes. Returns how many blobs were settled.
    ///
    /// Safe beside other processes: a copy is only dropped if its file is still, under the
    /// write lock, the very file that was hashed or written before the sync.
    @discardableResult
    public func settleBlobJournal() throws -> Int {
        guard journalsSmallBlobs else { return 0 }
        return try blobJournal.settling {
            var settled = 0, after = ""
            while true {
                let copies = try read { db in
                    try SQLRow.fetchAll(db, sql: "SELECT digest, content FROM blob_journal WHERE digest > ? ORDER BY digest LIMIT \(Self.settledPerBatch)",
                                        arguments: [after]).map { (hex: $0[0] as String, content: $0[1] as Data) }
                }
                guard let last = copies.last else { return settled }
                after = last.hex
                settled += try settle(copies.compactMap { copy in (try? BlobDigest(validating: copy.hex)).map { ($0, copy.content) } })
                if copies.count < Self.settledPerBatch { return settled }
            }
        }
    }

    /// Settles the blobs this handle journaled since its last settle (its own background work:
    /// other handles settle theirs, and what a crashed process left is settled by the next
    /// ``settleBlobJournal()``, `verify` or a read of it).
    func settleOwnJournaledBlobs() throws {
        let digests = blobJournal.takePending()
        guard !digests.isEmpty else { return }
        try blobJournal.settling {
            for start in stride(from: 0, to: digests.count, by: Self.settledPerBatch) {
                let batch = digests[start..<min(digests.count, start + Self.settledPerBatch)]
                let copies = try read { db in try batch.compactMap { digest in try Self.journalCopy(of: digest, db).map { (digest, $0) } } }
                _ = try settle(copies)
            }
        }
    }

    /// How many journaled blobs one settle writes and syncs at once: its renames are one write
    /// transaction.
    static let settledPerBatch = 256

    /// Settles a batch of journaled blobs (``settleBlobJournal()``); returns how many copies went.
    private func settle(_ copies: [(digest: BlobDigest, content: Data)]) throws -> Int {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(Self.journaledBlobLimit), alignment: 16)
        defer { buffer.deallocate() }
        var placed: [(digest: BlobDigest, identity: InodeIdentity)] = []
        var writes: [JournalWrite] = []
        defer { for write in writes { FileSystem.removeIfPresent(write.temporary) } }
        for (digest, content) in copies {
            let replaced: InodeIdentity?
            switch Maintenance.hash(layout.blobPath(digest), buffer: buffer) {
            case .hashed(_, let actual, let device, let inode) where actual == digest:
                placed.append((digest, InodeIdentity(device: device, inode: inode)))
                continue
            case .hashed(_, _, let device, let inode): replaced = InodeIdentity(device: device, inode: inode)
            case .missing: replaced = nil
            case .symlink, .notRegular:
                // Never the store's: moved aside as a damaged file is.
                guard let identity = InodeIdentity.of(layout.blobPath(digest)) else { continue }
                replaced = identity
            case .unreadable: continue  // permissions: verify reports it; the copy stays
            }
            if let temporary = try temporaryCopy(of: digest, content) { writes.append(JournalWrite(digest: digest, replacing: replaced, temporary: temporary)) }
        }
        placed += try place(writes)
        // Each file held open until its copy is dropped: an inode cannot be reused meanwhile (by
        // a put renaming a new file into a place gc emptied), so equal identities are that file.
        var held: [(digest: BlobDigest, descriptor: Int32)] = []
        defer { for entry in held { FileSystem.close(entry.descriptor) } }
        for entry in placed {
            guard let descriptor = try? FileSystem.open(layout.blobPath(entry.digest), O_RDONLY | O_NOFOLLOW) else { continue }
            if let info = try? FileSystem.fstat(descriptor), InodeIdentity(info) == entry.identity {
                held.append((entry.digest, descriptor))
            } else {
                FileSystem.close(descriptor)
            }
        }
        guard !held.isEmpty else { return 0 }
        try ioCall {
            if try !FileSystem.syncFileSystem(blobsDirectory) {
                for entry in held { try FileSystem.fsync(entry.descriptor) }
                for directory in Set(held.map { layout.fanOutDirectory($0.digest) }) { try FileSystem.fsyncDirectory(directory) }
            }
        }
        // Not durable: a deletion the disk loses only leaves copies for the next settle.
        return try writeTransaction(durable: false) { db in
            let delete = try db.cachedStatement(sql: "DELETE FROM blob_journal WHERE digest = ?")
            var dropped = 0
            for entry in held {
                guard let info = try? FileSystem.fstat(entry.descriptor),
                      InodeIdentity.of(layout.blobPath(entry.digest)) == InodeIdentity(info)
                else { continue }
                try delete.execute(arguments: [entry.digest.hex])
                dropped += 1
            }
            return dropped
        }
    }

    /// Writes a blob's file from its journal copy, verified, in place of the file `replaced`
    /// names (nil: no file), which is moved aside to `quarantine/` if it is there. Not durable:
    /// the copy stays in the journal until a settle syncs the file. Returns the new file's
    /// identity; nil when there is nothing to do: the blob has no copy (or one that is not the
    /// content its digest names, which is logged and left for `verify`), no row any more, or
    /// another file took that place meanwhile.
    @discardableResult
    func writeFromJournal(_ digest: BlobDigest, replacing replaced: InodeIdentity?) throws -> InodeIdentity? {
        guard journalsSmallBlobs,
              let content = try read({ db in try Self.journalCopy(of: digest, db) }),
              let temporary = try temporaryCopy(of: digest, content)
        else { return nil }
        defer { FileSystem.removeIfPresent(temporary) }
        let identity = try place([JournalWrite(digest: digest, replacing: replaced, temporary: temporary)]).first?.identity
        // Written, not synced: this handle's next settle syncs it and drops the copy.
        if identity != nil { blobJournal.journaled(digest, by: self) }
        return identity
    }

    /// A journal copy's content in a new file in `tmp/`, read-only; nil when the content is
    /// not what its digest names (logged: `verify` then reports the blob, and nothing is written).
    private func temporaryCopy(of digest: BlobDigest, _ content: Data) throws -> String? {
        guard BlobDigest(rawBytes: SHA256.hash(data: content)) == digest else {
            options.logger.error("a blob's journal copy does not hash to its digest; it was not used", metadata: ["digest": "\(digest.hex)"])
            return nil
        }
        let (descriptor, temporary) = try ioCall { try FileSystem.makeTemporaryFile(in: layout.tmp, prefix: "journal-") }
        do {
            try ioCall {
                defer { FileSystem.close(descriptor) }
                try content.withUnsafeBytes { try FileSystem.writeAll(descriptor, $0) }
                try FileSystem.setMode(descriptor, 0o444)
            }
        } catch {
            FileSystem.removeIfPresent(temporary)
            throw error
        }
        return temporary
    }

    /// A blob's file written from its journal copy, to be renamed into place.
    private struct JournalWrite {
        var digest: BlobDigest
        /// The file it replaces (moved aside); nil when there was none.
        var replacing: InodeIdentity?
        var temporary: String
    }

    /// Renames files written from the journal into place, in one write transaction (I2): each
    /// only while its blob has its row, is not quarantined, and its path still holds what
    /// `replacing` says. Returns those placed, with their new identities.
    private func place(_ writes: [JournalWrite]) throws -> [(digest: BlobDigest, identity: InodeIdentity)] {
        guard !writes.isEmpty else { return [] }
        let now = nowSeconds
        return try ioCall {
            try writeTransaction(durable: false) { db in
                let live = try db.sqlite!.cachedStatement(sql: "SELECT 1 FROM blob WHERE digest = ? AND quarantined_at IS NULL")
                var placed: [(digest: BlobDigest, identity: InodeIdentity)] = []
                for write in writes {
                    let path = layout.blobPath(write.digest)
                    guard try Row.fetchOne(live, arguments: [write.digest.hex]) != nil, InodeIdentity.of(path) == write.replacing else { continue }
                    if write.replacing != nil {
                        _ = try Maintenance.moveToQuarantine(path, layout: layout, now: now)
                        options.logger.warning("a blob's file was damaged before it was settled; it was moved to quarantine/ and written again from the blob journal", metadata: ["digest": "\(write.digest.hex)"])
                    }
                    try renameIntoPlace(write.temporary, write.digest)
                    if let identity = InodeIdentity.of(path) { placed.append((write.digest, identity)) }
                }
                return placed
            }
        }
    }
}

/// Schedules a handle's settling of the blobs it journaled (``Store/settleBlobJournal()``): the
/// first put to journal a blob asks for a settle within `delay`, which settles every blob
/// journaled until it begins, so that the puts of that interval share one `syncfs`; and settles
/// run one at a time.
final class BlobJournalSettler: Sendable {
    /// How long after a journaled put its blob is settled, at most (plus the settle's own time).
    private let delay: TimeInterval

    init(delay: TimeInterval) {
        self.delay = delay
    }

    /// The blobs this handle journaled and has not settled yet; a settle is scheduled whenever
    /// this is not empty.
    private let pending = Mutex<[BlobDigest]>([])
    private let running = NSLock()
    private let queue = DispatchQueue(label: "artifact-store.blob-journal")

    /// Notes that `store` journaled blob `digest`: a settle is scheduled unless one already is.
    func journaled(_ digest: BlobDigest, by store: Store) {
        let schedule = pending.withLock { pending in
            defer { pending.append(digest) }
            return pending.isEmpty
        }
        guard schedule else { return }
        queue.asyncAfter(deadline: .now() + delay) { [weak store] in
            guard let store else { return }
            do {
                try store.settleOwnJournaledBlobs()
            } catch {
                store.options.logger.warning("settling the blob journal failed; the journal keeps the blobs, and the next settle tries again", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Takes the blobs journaled since the last settle (a blob journaled from now on schedules
    /// the next one).
    func takePending() -> [BlobDigest] {
        pending.withLock { pending in
            defer { pending = [] }
            return pending
        }
    }

    /// Whether blobs wait for their settle: what a handle closing settles itself.
    var hasPending: Bool { pending.withLock { !$0.isEmpty } }

    /// Runs `body` when no other settle of this handle runs.
    func settling<T>(_ body: () throws -> T) rethrows -> T {
        try running.withLock { try body() }
    }
}

/// A file as (device, inode): the same name holding another file compares unequal.
struct InodeIdentity: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64

    init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// The file `info` describes (`stat`, `fstat` or `lstat`).
    init(_ info: stat) {
        self.init(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// The file at `path` (not following a symbolic link), or nil when there is none.
    static func of(_ path: String) -> InodeIdentity? {
        guard let info = try? FileSystem.lstat(path) else { return nil }
        return InodeIdentity(info)
    }
}

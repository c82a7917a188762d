import Crypto
import Foundation
import GRDB

extension Store {
    /// Opens a blob for verified sequential reading.
    ///
    /// - Throws: ``StoreError`` `notFound` when the store has no such blob, `blobMissing` when
    ///   its file was deleted, `blobCorrupt` when it was quarantined.
    public func open(_ digest: BlobDigest) throws -> BlobReader {
        let path = layout.blobPath(digest)
        // A file without its row is not published: a crash between rename and commit left it.
        guard try isServable(digest) else {
            throw try absentBlobError(digest)
        }
        do {
            let (descriptor, info) = try openBlobFile(digest)
            noteUse(digest)
            return BlobReader(store: self, digest: digest, descriptor: descriptor, info: info)
        } catch let error as SystemError where error.errno == ENOENT {
            // A small blob put moments ago whose file is still to be written, or was lost before
            // it was settled (a power loss): written from its journal copy (by another reader
            // first, maybe).
            if hasJournalCopy(digest) { try writeFromJournal(digest, replacing: nil) }
            // Written just now, by this reader, another one, or a settle that has since dropped the copy.
            if journalsSmallBlobs, let (descriptor, info) = try? openBlobFile(digest) {
                noteUse(digest)
                return BlobReader(store: self, digest: digest, descriptor: descriptor, info: info)
            }
            // A blob this node lacks: from the remote blobs, if there are any.
            if options.remoteBlobs != nil {
                do {
                    _ = try fetchFromRemote(digest)
                } catch let error as StoreError where error.code == .notFound {
                    // A row names an uploaded object (§11): its absence is damage, as a
                    // deleted file is on one machine.
                    throw StoreError(.blobMissing, "blob \(digest.hex) is recorded but neither this node's directory nor the bucket holds it (\(error.message); deleted outside artifact-store?); put the original file again to restore it", underlying: error)
                }
                let (descriptor, info) = try ioCall { try openBlobFile(digest) }
                noteUse(digest)
                return BlobReader(store: self, digest: digest, descriptor: descriptor, info: info)
            }
            throw try absentBlobError(digest)
        } catch let error as SystemError where error.errno == ELOOP {
            throw StoreError(.blobCorrupt, "the file of blob \(digest.hex) is a symbolic link, which the store never creates; it was not followed. Remove it and put the original file again", underlying: error)
        } catch let error as SystemError {
            throw StoreError(.io, "cannot open blob \(digest.hex) at \(path); check the store's permissions", underlying: error)
        }
    }

    /// Opens the body of the response a verdict chose (``Verdict/satisfiable(_:)``), verified
    /// as it is read; nil when that response has no body (a `HEAD`'s).
    ///
    /// The verdict has just checked what ``open(_:)`` checks (the blob's row, not
    /// quarantined, its file in place), so the blob's file is opened without asking the database
    /// again. Nothing that has happened since can make it hand out other bytes: the content is
    /// verified against its digest as it is read, a blob quarantined or collected since has no
    /// file any more, and a file that cannot be opened is opened the checked way, which fetches it
    /// from the remote blobs or throws the error that says why (ARCHITECTURE.md §4).
    public func openBody(of satisfied: Satisfied) throws -> BlobReader? {
        guard let digest = satisfied.record.bodyDigest else { return nil }
        guard let (descriptor, info) = try? openBlobFile(digest) else { return try open(digest) }
        noteUse(digest)
        return BlobReader(store: self, digest: digest, descriptor: descriptor, info: info)
    }

    /// Reads the whole body of the response a verdict chose into memory, verified before it is
    /// returned (``openBody(of:)``); nil when that response has no body.
    public func readBody(of satisfied: Satisfied) throws -> [UInt8]? {
        guard let digest = satisfied.record.bodyDigest else { return nil }
        do {
            return try openBody(of: satisfied)?.readToEnd()
        } catch let error as StoreError where readsAgain(after: error) {
            // This node's copy was moved aside; the bucket's or the journal's is in its place.
            return try read(digest)
        }
    }

    /// Whether the blob has its row and is not quarantined (a point lookup on the lookup connection).
    private func isServable(_ digest: BlobDigest) throws -> Bool {
        var servable = false
        try lookup("SELECT quarantined_at IS NULL FROM blob WHERE digest = ?", arguments: [.text(digest.hex)]) { row in
            servable = row.value(at: 0) ?? false
        }
        return servable
    }

    /// Whether ``open(_:)`` can be expected to succeed: the blob has its row, is not quarantined,
    /// and its file is here or in the remote blobs (``Store/Options/remoteBlobs``).
    public func isReadable(_ digest: BlobDigest) throws -> Bool {
        try isServable(digest) && blobFileExists(digest)
    }

    /// Reads a whole blob into memory, verified before it is returned.
    public func read(_ digest: BlobDigest) throws -> [UInt8] {
        try verifiedOnce(digest) { try $0.readToEnd() }
    }

    /// Copies a blob to a file descriptor (standard output, a file), verifying the whole content
    /// before the first byte is written: a corrupt blob is never served, not even in part.
    public func copy(_ digest: BlobDigest, to output: Int32) throws {
        try verifiedOnce(digest) { reader in
            defer { reader.close() }
            try reader.verifyAndRewind()
            try copyVerified(reader, to: output)
        }
    }

    /// Opens the blob and runs `body`, which verifies it before handing out a byte. With remote
    /// blobs, a local copy that fails verification was only this node's cache (moved aside by
    /// ``quarantine(_:openedAs:actual:size:)``, the row untouched): `body` runs once more, on
    /// the bucket's copy, verified as it is downloaded; a file written again from the blob
    /// journal is read again the same way. `body` must hand nothing out before the content is
    /// verified (``BlobReader/verifyAndRewind()``, or reading to the end).
    func verifiedOnce<T>(_ digest: BlobDigest, _ body: (BlobReader) throws -> T) throws -> T {
        do {
            return try body(open(digest))
        } catch let error as StoreError where readsAgain(after: error) {
            return try body(open(digest))
        }
    }

    /// Whether a read that failed with `error` is worth once more: the file that failed
    /// verification was only a copy, moved aside, and another is in its place (the bucket's, or
    /// one rewritten from the blob journal).
    private func readsAgain(after error: StoreError) -> Bool {
        error.code == .blobCorrupt && (options.remoteBlobs != nil || error.underlying is RestoredFromJournal)
    }

    /// Copies the rest of an open blob, verified and rewound (``BlobReader/verifyAndRewind()``),
    /// to a file descriptor.
    func copyVerified(_ reader: BlobReader, to output: Int32) throws {
        let digest = reader.digest
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Store.ingestChunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try ioCall { try FileSystem.read(reader.fileDescriptor, into: buffer) }
            if count == 0 { return }
            do {
                try FileSystem.writeAll(output, UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            } catch {
                throw StoreError(.io, "cannot write blob \(digest.hex) to the output", underlying: error)
            }
        }
    }

    /// The error for a blob whose file is not there, told apart by its row.
    private func absentBlobError(_ digest: BlobDigest) throws -> StoreError {
        guard let info = try blob(digest) else {
            return StoreError(.notFound, "no blob \(digest.hex) in the store at \(layout.rootPath); `artifact-store ls` lists what is stored")
        }
        if let quarantinedAt = info.quarantinedAt {
            return StoreError(.blobCorrupt, "blob \(digest.hex) failed verification on \(Timestamp.iso8601(quarantinedAt)) (\(info.quarantineReason ?? "content mismatch")) and is quarantined: not served; put the file again to restore it")
        }
        return StoreError(.blobMissing, "blob \(digest.hex) is recorded but its file \(layout.blobPath(digest)) is gone (deleted outside artifact-store?); put the original file again to restore it")
    }

    /// Moves a blob that failed verification to `quarantine/` and marks its row, then throws the
    /// error that says so. Only the very file that was read is moved: if a concurrent put has
    /// already replaced it with good content, that content stays.
    ///
    /// A small blob not yet settled has an intact copy in the blob journal: the damaged file is
    /// moved aside the same way, the file is written again from the copy, the row is not marked,
    /// and the error says to read again (``readsAgain(after:)``).
    ///
    /// With remote blobs the file is only this node's cached copy of the bucket's object: it is
    /// moved aside the same way, but the shared row is not marked (other nodes' copies and the
    /// bucket's are not this disk's damage), and the next read fetches the object again,
    /// verified (ARCHITECTURE.md §11).
    func quarantine(_ digest: BlobDigest, openedAs descriptor: Int32, actual: BlobDigest, size: Int64) throws -> Never {
        let path = layout.blobPath(digest)
        let now = nowSeconds
        let destination = layout.quarantine + "/\(digest.hex).\(now).\(UInt32.random(in: 0...UInt32.max))"
        var moved = false
        var reason = "content hashes to \(actual.hex)"
        if options.remoteBlobs != nil {
            let opened = try FileSystem.fstat(descriptor)
            // Under the write lock, as every change to the published files is (I2).
            try writeTransaction(durable: false) { _ in
                if let current = try FileSystem.lstat(path), current.st_ino == opened.st_ino, current.st_dev == opened.st_dev {
                    try FileSystem.rename(path, destination)
                    moved = true
                }
            }
            let aside = moved ? "; it was moved to \(destination)" : ""
            options.logger.warning("this node's copy of a blob failed verification and was moved aside", metadata: ["digest": "\(digest.hex)", "reason": "\(reason)"])
            // The bucket's copy decides: fetched again, verified (a bad one marks the row).
            do {
                _ = try fetchFromRemote(digest)
            } catch let error as StoreError where error.code == .blobCorrupt {
                throw error
            } catch {
                throw StoreError(.blobCorrupt, "this node's copy of blob \(digest.hex) is corrupt: its \(reason)\(aside), and the bucket's copy could not be fetched (\(error)); read it again later", underlying: error)
            }
            throw StoreError(.blobCorrupt, "this node's copy of blob \(digest.hex) was corrupt: its \(reason)\(aside); the bucket's copy was fetched again, verified: read it again")
        }
        if hasJournalCopy(digest) {
            // Damaged before it was settled: the damaged file goes to quarantine/ and the
            // journal's copy takes its place. The row is not marked: the blob itself is intact.
            let opened = try FileSystem.fstat(descriptor)
            let identity = InodeIdentity(opened)
            if try writeFromJournal(digest, replacing: identity) != nil {
                throw StoreError(.blobCorrupt, "blob \(digest.hex) read back wrong (its \(reason)); the damaged file was moved to quarantine/ and the blob's file written again from the blob journal, verified: read it again",
                                 underlying: RestoredFromJournal())
            }
            // The copy is bad too (as any other blob, then), or the file changed meanwhile.
        }
        try writeTransaction { db in
            if let recorded = try Int64.fetchOne(db, sql: "SELECT size FROM blob WHERE digest = ?", arguments: [digest.hex]), recorded != size {
                reason += " and has \(size) bytes instead of \(recorded)"
            }
            let opened = try FileSystem.fstat(descriptor)
            if let current = try FileSystem.lstat(path), current.st_ino == opened.st_ino, current.st_dev == opened.st_dev {
                try FileSystem.rename(path, destination)
                moved = true
                try FileSystem.fsyncDirectory(layout.fanOutDirectory(digest))
                try FileSystem.fsyncDirectory(layout.quarantine)
                try db.execute(
                    sql: "UPDATE blob SET quarantined_at = ?, quarantine_reason = ? WHERE digest = ?",
                    arguments: [now, reason, digest.hex])
            }
        }
        guard moved else {
            // Another reader or a settle may have written it from the blob journal.
            throw StoreError(.blobCorrupt, "blob \(digest.hex) read back wrong (\(reason)), but another process has replaced its file meanwhile; read it again",
                             underlying: journalsSmallBlobs ? RestoredFromJournal() : nil)
        }
        options.logger.error("blob failed verification and was quarantined", metadata: ["digest": "\(digest.hex)", "reason": "\(reason)"])
        throw StoreError(.blobCorrupt, "blob \(digest.hex) is corrupt: its \(reason); it was moved to \(destination) and will not be served. Put the original file again to restore it")
    }
}

/// The mark of a read error after which the blob's file was written again from the blob journal,
/// or replaced meanwhile (``Store/quarantine(_:openedAs:actual:size:)``): reading again reads
/// the file now in place, verified.
struct RestoredFromJournal: Error, CustomStringConvertible {
    var description: String { "the blob journal held an intact copy" }
}

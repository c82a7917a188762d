import Crypto
import Foundation
import GRDB
import PythonPackaging

extension Store {
    /// Starts streaming a new blob into the store.
    public func makeBlobWriter() throws -> BlobWriter {
        try BlobWriter(store: self)
    }

    /// Stores the content of a file, reading it once.
    public func put(file: URL) throws -> StoredBlob {
        try put(file: file, pinNote: nil)
    }

    /// Stores the content of a file and pins it in the same write transaction: no gc can remove
    /// it between the two (one that keeps nothing recent would, between a put and a later
    /// ``pin(_:note:)``).
    ///
    /// - Parameters:
    ///   - file: the file, read once.
    ///   - note: kept with the pin.
    public func putPinned(file: URL, note: String = "") throws -> StoredBlob {
        try put(file: file, pinNote: note)
    }

    /// ``putPinned(file:note:)`` for everything readable from a file handle until end of file.
    public func putPinned(contentsOf handle: FileHandle, note: String = "") throws -> StoredBlob {
        try put(readingFrom: handle.fileDescriptor, name: "input", pinNote: note)
    }

    private func put(file: URL, pinNote: String?) throws -> StoredBlob {
        let path = file.path(percentEncoded: false)
        let descriptor: Int32
        do {
            descriptor = try FileSystem.open(path, O_RDONLY)
        } catch let error as SystemError {
            let reason = switch error.errno {
            case ENOENT: "no such file"
            case EACCES, EPERM: "permission denied; check that you can read it"
            default: "cannot be opened"
            }
            throw StoreError(.invalidInput, "\(path): \(reason)", underlying: error)
        }
        defer { FileSystem.close(descriptor) }
        let info = try ioCall { try FileSystem.fstat(descriptor) }
        guard FileSystem.isRegularFile(info) || (info.st_mode & S_IFMT) == S_IFIFO || (info.st_mode & S_IFMT) == S_IFCHR else {
            let kind = FileSystem.isDirectory(info) ? "is a directory; put takes files (for a tree: find DIR -type f -exec artifact-store put {} +)" : "is not a regular file"
            throw StoreError(.invalidInput, "\(path) \(kind)")
        }
        FileSystem.adviseSequential(descriptor)
        let stored = try put(readingFrom: descriptor, name: path, pinNote: pinNote)
        // A wheel keeps its name, so that can-install and export find it without any page.
        if let wheel = WheelFilename(file.lastPathComponent) {
            try recordName(stored.digest, wheel: wheel)
        }
        return stored
    }

    /// Records that blob `digest` is the wheel `wheel` (what `put` of a `.whl` file does), so
    /// ``storedWheels(for:environment:)`` lists it by name and digest even when no recorded page
    /// lists its hash.
    public func recordName(_ digest: BlobDigest, wheel: WheelFilename) throws {
        let now = nowSeconds
        try writeTransaction(grouped: true) { db in
            try db.execute(sql: """
                INSERT INTO named_wheel (digest, filename, project, named_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (digest, filename) DO UPDATE SET named_at = excluded.named_at
                """, arguments: [digest.hex, wheel.filename, wheel.name, now])
        }
    }

    /// Stores bytes held in memory.
    public func put(bytes: some ContiguousBytes) throws -> StoredBlob {
        let writer = try makeBlobWriter()
        try writer.write(bytes)
        return try writer.commit()
    }

    /// Stores everything readable from a file handle (a pipe, standard input) until end of file.
    public func put(contentsOf handle: FileHandle) throws -> StoredBlob {
        try put(readingFrom: handle.fileDescriptor, name: "input")
    }

    private func put(readingFrom descriptor: Int32, name: String, pinNote: String? = nil) throws -> StoredBlob {
        let writer = try makeBlobWriter()
        defer { writer.cancel() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.ingestChunkSize, alignment: 4096)
        defer { buffer.deallocate() }
        while true {
            let count: Int
            do {
                count = try FileSystem.read(descriptor, into: buffer)
            } catch {
                throw StoreError(.invalidInput, "\(name): read failed; nothing was stored", underlying: error)
            }
            if count == 0 { break }
            try writer.write(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        guard let pinNote else { return try writer.commit() }
        let now = nowSeconds
        return try publish(writer.finish(expecting: nil)) { stored, db in
            _ = try Self.insertPin(.digest(stored.digest), note: pinNote, now: now, db)
        }.blob
    }

    static let ingestChunkSize = 1 << 20

    /// Publishes a complete temporary file as its blob (ARCHITECTURE.md §4, I2): the rename and
    /// the row change happen in one write transaction, the rename before the commit. `then`
    /// runs in the same transaction, after the blob's row is written: what it writes is
    /// committed with the blob, by the same fsync. A small blob's content is committed with it
    /// too, in the blob journal, in place of its file's and directory's fsyncs (I1).
    ///
    /// With remote blobs, the content is uploaded first, unless `uploading` is false (it came
    /// from there).
    /// A blob fetched from the remote blobs or rewritten from the blob journal (`onlyIfRecorded`)
    /// is published only while its row exists: a gc that deleted the row (and the object)
    /// meanwhile must not see it recreated.
    func publish<T>(_ finished: BlobWriter.Finished, uploading: Bool = true, onlyIfRecorded: Bool = false,
                    then: (StoredBlob, SQLSession) throws -> T = { _, _ in () }) throws -> (blob: StoredBlob, then: T) {
        let uploadLease = uploading ? try uploadToRemote(finished) : nil
        let now = nowSeconds
        let digest = finished.digest, size = finished.size
        let path = layout.blobPath(digest)
        // Outside the write lock (hashing is unbounded work): does a file already there hold this
        // content? One of the right size but the wrong bytes is damage that putting the original
        // again must repair, not confirm.
        let found = Self.checkExistingFile(path, digest: digest, size: size)
        // Set once the file is renamed into place and its row written: if the commit itself then
        // fails (a full disk), the file must not stay behind as an orphan.
        var published: (UInt64, UInt64)?
        do {
            let result = try writeTransaction(grouped: true) { db in
                let stored = try publishInTransaction(temporaryPath: finished.temporaryPath, digest: digest, size: size, found: found, now: now,
                                                      journalCopy: finished.journalCopy, onlyIfRecorded: onlyIfRecorded, db)
                if !stored.alreadyStored, finished.temporaryPath != nil, let info = try FileSystem.lstat(path) { published = (UInt64(info.st_dev), UInt64(info.st_ino)) }
                // The row protects the uploaded object from now on.
                if let uploadLease { try db.execute(sql: "DELETE FROM lease WHERE id = ?", arguments: [uploadLease]) }
                return (stored, try then(stored, db))
            }
            if finished.journalCopy != nil, !result.0.alreadyStored { blobJournal.journaled(digest, by: self) }
            return result
        } catch {
            if let published { unpublishOrphan(digest, identity: published) }
            // The object stays uploaded, unnamed (gc of the bucket's unrecorded objects is not
            // written yet: ARCHITECTURE.md §11); its lease need not wait an hour.
            if let uploadLease { try? writeTransaction(durable: false) { db in try db.execute(sql: "DELETE FROM lease WHERE id = ?", arguments: [uploadLease]) } }
            throw error
        }
    }

    /// Removes a blob file this process renamed into place for a transaction that then failed to
    /// commit: under the write lock, and only if it is still that file and still has no row (so a
    /// concurrent put of the same content, which may have published it since, keeps it).
    private func unpublishOrphan(_ digest: BlobDigest, identity: (UInt64, UInt64)) {
        let path = layout.blobPath(digest)
        try? writeTransaction { db in
            guard try SQLRow.fetchOne(db, sql: "SELECT 1 FROM blob WHERE digest = ?", arguments: [digest.hex]) == nil,
                  let info = try FileSystem.lstat(path), (UInt64(info.st_dev), UInt64(info.st_ino)) == identity
            else { return }
            try FileSystem.unlink(path)
            try? FileSystem.fsyncDirectory(layout.fanOutDirectory(digest))
        }
    }

    private func publishInTransaction(temporaryPath: String?, digest: BlobDigest, size: Int64, found: ExistingFile, now: Int64,
                                      journalCopy: [UInt8]?, onlyIfRecorded: Bool = false, _ db: SQLSession) throws -> StoredBlob {
        let path = layout.blobPath(digest)
        let row = try SQLRow.fetchOne(db, sql: "SELECT quarantined_at FROM blob WHERE digest = ?", arguments: [digest.hex])
        if onlyIfRecorded, row == nil {
            throw StoreError(.notFound, "blob \(digest.hex) was removed from the store (gc) while this node fetched it from the remote blobs")
        }
        // An existing file that is not the very file just verified (truncated, altered,
        // replaced meanwhile) is replaced.
        let existing = try FileSystem.lstat(path)
        var intact = false
        if let existing, FileSystem.isRegularFile(existing), Int64(existing.st_size) == size,
           let checked = found.identity, checked == (UInt64(existing.st_dev), UInt64(existing.st_ino)) {
            intact = found.matches
            // Damage only when this very file was hashed: one that appeared after the check
            // (a concurrent put of the same content, published first) is replaced unread.
            if !intact {
                options.logger.warning("a put replaced a blob file whose content did not match its name", metadata: ["digest": "\(digest.hex)"])
            }
        }
        // A blob put moments ago whose file the journal's settle has yet to write is here too,
        // if its copy is this very content (compared when this put has it; a damaged copy is
        // replaced below, which nothing else could repair).
        if !intact, existing == nil, row != nil, journalsSmallBlobs {
            intact = try SQLRow.fetchOne(db, sql: "SELECT 1 FROM blob_journal WHERE digest = ? AND (? IS NULL OR content = ?)",
                                         arguments: [digest.hex, journalCopy.map { Data($0) }, journalCopy.map { Data($0) }]) != nil
        }
        if let row, row["quarantined_at"] as Int64? == nil, intact {
            if let temporaryPath { try? FileSystem.unlink(temporaryPath) }
            try db.execute(sql: "UPDATE blob SET last_used_at = ? WHERE digest = ?", arguments: [now, digest.hex])
            return StoredBlob(digest: digest, size: size, alreadyStored: true)
        }
        let fanOut = layout.fanOutDirectory(digest)
        if let temporaryPath { try renameIntoPlace(temporaryPath, digest) }
        do {
            // Journaled, the content reaches the disk with the commit; the file (written now or
            // by the settle) and its name later, with others (Store.settleBlobJournal).
            if let journalCopy {
                try db.execute(sql: "INSERT INTO blob_journal (digest, content) VALUES (?, ?) ON CONFLICT (digest) DO UPDATE SET content = excluded.content",
                               arguments: [digest.hex, Data(journalCopy)])
            } else {
                try FileSystem.fsyncDirectory(fanOut)
            }
            try db.execute(
            sql: """
                INSERT INTO blob (digest, size, created_at, last_used_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (digest) DO UPDATE SET
                    size = excluded.size, last_used_at = excluded.last_used_at,
                    quarantined_at = NULL, quarantine_reason = NULL
                """,
            arguments: [digest.hex, size, now, now])
        } catch {
            // The transaction rolls back: unpublish the file we just published (a file that
            // was already there stays; it had its row, or gc will judge it).
            if existing == nil, temporaryPath != nil { try? FileSystem.unlink(path) }
            throw error
        }
        return StoredBlob(digest: digest, size: size, alreadyStored: false)
    }

    /// Renames a complete file to a blob's path (inside a write transaction, I2). Its fan-out
    /// directory is made (and `blobs/` fsynced) only when the rename finds it missing: one system
    /// call under the write lock, not three.
    func renameIntoPlace(_ temporaryPath: String, _ digest: BlobDigest) throws {
        do {
            try FileSystem.rename(temporaryPath, layout.blobPath(digest))
        } catch let error as SystemError where error.errno == ENOENT {
            if try FileSystem.makeDirectory(layout.fanOutDirectory(digest)) {
                try FileSystem.fsyncDirectory(layout.blobs)
            }
            try FileSystem.rename(temporaryPath, layout.blobPath(digest))
        }
    }

    /// What a put found at its blob's path before its publishing transaction, where the file is
    /// looked at again (by identity: hashing is not done under the write lock).
    struct ExistingFile {
        /// The (device, inode) of the regular file of the blob's size that was hashed; nil when
        /// there was none (or it could not be read).
        var identity: (UInt64, UInt64)?
        /// Whether its content hashed to the digest.
        var matches = false
    }

    /// Hashes the file at `path` when it is a regular file of `size` bytes.
    static func checkExistingFile(_ path: String, digest: BlobDigest, size: Int64) -> ExistingFile {
        guard let info = try? FileSystem.lstat(path), FileSystem.isRegularFile(info), Int64(info.st_size) == size else { return ExistingFile() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ingestChunkSize, alignment: 16)
        defer { buffer.deallocate() }
        guard case .hashed(let hashedSize, let actual, let device, let inode) = Maintenance.hash(path, buffer: buffer) else { return ExistingFile() }
        return ExistingFile(identity: (device, inode), matches: hashedSize == size && actual == digest)
    }

    /// Runs file-system work, turning a `SystemError` into a `StoreError` that names the store.
    func ioCall<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SystemError {
            let hint = error.errno == ENOSPC ? "the disk is full; free some space and try again" : "check free space and permissions"
            throw StoreError(.io, "a file operation in the store at \(layout.rootPath) failed; \(hint)", underlying: error)
        }
    }
}

extension UInt64 {
    var hexString: String {
        let digits = String(self, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

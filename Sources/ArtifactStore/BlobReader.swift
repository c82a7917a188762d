import Crypto
import Foundation
import GRDB

/// Reads one blob sequentially and verifies it: when the last byte has been read, the content's
/// SHA-256 is compared with the digest, and a mismatch quarantines the blob and throws
/// (ARCHITECTURE.md §4, I4). Callers that need all-or-nothing should use ``Store/read(_:)`` or
/// ``Store/copy(_:to:)``, which verify before handing out any byte.
public final class BlobReader {
    /// The blob being read.
    public let digest: BlobDigest
    /// The size of the file when it was opened.
    public let size: Int64
    private let store: Store
    private var descriptor: Int32
    private var hasher = SHA256()
    private var bytesRead: Int64 = 0
    private var verified = false
    /// Which file was opened: two readers with equal identities read the same, unchanged file.
    public let identity: BlobFileIdentity

    init(store: Store, digest: BlobDigest, descriptor: Int32, info: stat) {
        self.store = store
        self.digest = digest
        self.descriptor = descriptor
        size = Int64(info.st_size)
        identity = BlobFileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                                    modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    deinit { close() }

    /// Reads up to `buffer.count` bytes; returns 0 at the end, after the content was verified.
    ///
    /// - Throws: ``StoreError`` `blobCorrupt` when the end is reached and the content does not
    ///   match its digest (the blob is then quarantined).
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        precondition(descriptor >= 0, "read after close")
        guard !buffer.isEmpty else { return 0 }
        let count = try store.ioCall { try FileSystem.read(descriptor, into: buffer) }
        if count > 0 {
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            bytesRead += Int64(count)
        } else if !verified {
            let actual = BlobDigest(rawBytes: hasher.finalize())
            if actual != digest {
                try store.quarantine(digest, openedAs: descriptor, actual: actual, size: bytesRead)
            }
            verified = true
        }
        return count
    }

    /// Reads the rest of the blob into memory, verified.
    public func readToEnd() throws -> [UInt8] {
        // Straight into the result, as large as the file was when opened: one allocation, no copy.
        let expected = Int(clamping: max(0, size - bytesRead))
        var result = [UInt8](repeating: 0, count: expected)
        var filled = 0
        try result.withUnsafeMutableBytes { bytes in
            while filled < expected {
                let count = try read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[filled...]))
                if count == 0 { break }
                filled += count
            }
        }
        result.removeLast(expected - filled)
        // Then to the end (the read that finds it verifies), should the file have grown.
        var tail = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = try tail.withUnsafeMutableBytes { try read(into: $0) }
            if count == 0 { return result }
            result.append(contentsOf: tail[..<count])
        }
    }

    /// Verifies the whole blob, then rewinds so that reading starts again at the first byte.
    /// The same open file is read both times, so a concurrent `gc` cannot swap it.
    ///
    /// - Throws: ``StoreError`` `blobCorrupt` on a mismatch (the blob is then quarantined).
    public func verifyAndRewind() throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Store.ingestChunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while try read(into: buffer) > 0 {}
        _ = try store.ioCall { try FileSystem.check("lseek") { lseek(descriptor, 0, SEEK_SET) } }
    }

    /// Moves the read position to `offset` bytes from the start. Only after
    /// ``verifyAndRewind()``: reading from elsewhere than the start cannot verify the content.
    public func seek(to offset: Int64) throws {
        precondition(verified, "seek before the blob was verified")
        _ = try store.ioCall { try FileSystem.check("lseek") { lseek(descriptor, off_t(offset), SEEK_SET) } }
    }

    /// Moves the read position to `offset` without verifying: what is read from here on is not
    /// checked. Only for a caller that verified this very file before (an equal ``identity``:
    /// same device, inode, size and modification time), such as a server answering a `Range`
    /// request for a blob it has just sent whole.
    public func seekWithoutVerifying(to offset: Int64) throws {
        verified = true
        _ = try store.ioCall { try FileSystem.check("lseek") { lseek(descriptor, off_t(offset), SEEK_SET) } }
    }

    /// The descriptor of the open blob file, for copying after ``verifyAndRewind()``.
    var fileDescriptor: Int32 { descriptor }

    /// Closes the blob's file; calling it again does nothing.
    public func close() {
        if descriptor >= 0 {
            FileSystem.close(descriptor)
            descriptor = -1
        }
    }
}

/// The identity of an open blob file: equal identities mean the same file, unchanged.
public struct BlobFileIdentity: Sendable, Hashable {
    /// The device of the file system that holds the file.
    public var device: UInt64
    /// The file's inode number on that device.
    public var inode: UInt64
    /// The file's size in bytes.
    public var size: Int64
    /// Modification time, nanoseconds since 1970.
    public var modified: Int64
}

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
            let descriptor = try openBlobFile(digest)
            let info = try FileSystem.fstat(descriptor)
            noteUse(digest)
            return BlobReader(store: self, digest: digest, descriptor: descriptor, info: info)
        } catch let error as SystemError where error.errno == ENOENT {
            throw try absentBlobError(digest)
        } catch let error as SystemError where error.errno == ELOOP {
            throw StoreError(.blobCorrupt, "the file of blob \(digest.hex) is a symbolic link, which the store never creates; it was not followed. Remove it and put the original file again", underlying: error)
        } catch let error as SystemError {
            throw StoreError(.io, "cannot open blob \(digest.hex) at \(path); check the store's permissions", underlying: error)
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

    /// Reads a whole blob into memory, verified before it is returned.
    public func read(_ digest: BlobDigest) throws -> [UInt8] {
        try open(digest).readToEnd()
    }

    /// Copies a blob to a file descriptor (standard output, a file), verifying the whole content
    /// before the first byte is written: a corrupt blob is never served, not even in part.
    public func copy(_ digest: BlobDigest, to output: Int32) throws {
        let reader = try open(digest)
        defer { reader.close() }
        try reader.verifyAndRewind()
        try copyVerified(reader, to: output)
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
            return StoreError(.blobCorrupt, "blob \(digest.hex) failed verification on \(Timestamp.iso8601(quarantinedAt)) and was moved to quarantine/ (\(info.quarantineReason ?? "content mismatch")); put the file again to restore it")
        }
        return StoreError(.blobMissing, "blob \(digest.hex) is recorded but its file \(layout.blobPath(digest)) is gone (deleted outside artifact-store?); put the original file again to restore it")
    }

    /// Moves a blob that failed verification to `quarantine/` and marks its row, then throws the
    /// error that says so. Only the very file that was read is moved: if a concurrent put has
    /// already replaced it with good content, that content stays.
    func quarantine(_ digest: BlobDigest, openedAs descriptor: Int32, actual: BlobDigest, size: Int64) throws -> Never {
        let path = layout.blobPath(digest)
        let now = nowSeconds
        let destination = layout.quarantine + "/\(digest.hex).\(now).\(UInt32.random(in: 0...UInt32.max))"
        var moved = false
        var reason = "content hashes to \(actual.hex)"
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
            throw StoreError(.blobCorrupt, "blob \(digest.hex) read back wrong (\(reason)), but another process has replaced its file meanwhile; read it again")
        }
        options.logger.error("blob failed verification and was quarantined", metadata: ["digest": "\(digest.hex)", "reason": "\(reason)"])
        throw StoreError(.blobCorrupt, "blob \(digest.hex) is corrupt: its \(reason); it was moved to \(destination) and will not be served. Put the original file again to restore it")
    }
}

import Crypto
import Foundation

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
        } else {
            try finishVerifying()
        }
        return count
    }

    /// Reads the rest of the blob into memory, verified.
    public func readToEnd() throws -> [UInt8] {
        // Straight into the result, as large as the file was when opened plus one byte: a read of
        // a regular file comes back short only at its end, so a blob is usually read, hashed and
        // verified with one read call and one allocation. Only a match is taken from a short
        // read; anything else reads on to the end proper, which decides (ARCHITECTURE.md §8).
        let capacity = Int(clamping: max(0, size - bytesRead)) + 1
        var atEnd = false
        var result = try [UInt8](unsafeUninitializedCapacity: capacity) { bytes, initialized in
            let buffer = UnsafeMutableRawBufferPointer(bytes)
            initialized = 0
            while initialized < capacity {
                let requested = capacity - initialized
                let count = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[initialized...]))
                initialized += count
                if count == 0 || (count < requested && verifiesAsRead()) {
                    atEnd = true
                    break
                }
            }
        }
        // The file is longer than when it was opened (damage), or read short: on to the end.
        guard !atEnd else { return result }
        var tail = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = try tail.withUnsafeMutableBytes { try read(into: $0) }
            if count == 0 { break }
            result.append(contentsOf: tail[..<count])
        }
        return result
    }

    /// Whether what was read so far is the whole blob (its digest): then it is verified.
    private func verifiesAsRead() -> Bool {
        guard BlobDigest(rawBytes: hasher.finalize()) == digest else { return false }
        verified = true
        return true
    }

    /// Compares what was read with the digest, once: a mismatch quarantines the blob and throws.
    private func finishVerifying() throws {
        guard !verified else { return }
        let actual = BlobDigest(rawBytes: hasher.finalize())
        if actual != digest {
            try store.quarantine(digest, openedAs: descriptor, actual: actual, size: bytesRead)
        }
        verified = true
    }

    /// Verifies the whole blob, then rewinds so that reading starts again at the first byte.
    /// The same open file is read both times, so a concurrent `gc` cannot swap it.
    ///
    /// - Throws: ``StoreError`` `blobCorrupt` on a mismatch (the blob is then quarantined).
    public func verifyAndRewind() throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Store.ingestChunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while try read(into: buffer) > 0 {}
        try store.ioCall { try FileSystem.seek(descriptor, to: 0) }
    }

    /// Moves the read position to `offset` bytes from the start. Only after
    /// ``verifyAndRewind()``: reading from elsewhere than the start cannot verify the content.
    public func seek(to offset: Int64) throws {
        precondition(verified, "seek before the blob was verified")
        try store.ioCall { try FileSystem.seek(descriptor, to: offset) }
    }

    /// Moves the read position to `offset` without verifying: what is read from here on is not
    /// checked. Only for a caller that verified this very file before (an equal ``identity``:
    /// same device, inode, size and modification time), such as a server answering a `Range`
    /// request for a blob it has just sent whole.
    public func seekWithoutVerifying(to offset: Int64) throws {
        verified = true
        try store.ioCall { try FileSystem.seek(descriptor, to: offset) }
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

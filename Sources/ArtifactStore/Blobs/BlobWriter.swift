import Crypto
import Foundation

/// Streams one blob into the store: bytes are hashed as they are written to a private file in
/// `tmp/`, and ``commit(expecting:)`` publishes the file under its digest (ARCHITECTURE.md §4, I1).
///
/// Until `commit`, nothing is visible to readers. A writer that is dropped, cancelled or killed
/// leaves at most a file in `tmp/`, which `gc` removes.
public final class BlobWriter {
    private let store: Store
    /// The private file in the store's `tmp/` the blob is written to. Another reader may open it
    /// to follow the bytes as they are written (``size`` says how many); it is renamed to the
    /// blob's path by ``commit(expecting:)`` or removed by ``cancel()``, and an open descriptor
    /// stays valid through both.
    public var temporaryFilePath: String { temporaryPath }
    private let temporaryPath: String
    private var descriptor: Int32
    private var hasher = SHA256()
    /// How many bytes have been written so far.
    public private(set) var size: Int64 = 0

    init(store: Store) throws {
        self.store = store
        let name = "ingest-\(FileSystem.processID)-\(UInt64.random(in: 0...UInt64.max).hexString)"
        let path = store.layout.tmp + "/" + name
        temporaryPath = path
        descriptor = try store.ioCall { try FileSystem.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600) }
    }

    deinit { cancel() }

    /// Set when a write failed: what is on disk no longer matches the hash, so the writer can
    /// only be cancelled.
    private var failed = false

    /// Appends bytes to the blob. After a failed write, the writer refuses to go on or commit.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(descriptor >= 0, "write after commit or cancel")
        guard !failed else { throw Self.failedError }
        guard !bytes.isEmpty else { return }
        do {
            try store.ioCall { try FileSystem.writeAll(descriptor, bytes) }
        } catch {
            failed = true
            throw error
        }
        hasher.update(bufferPointer: bytes)
        size += Int64(bytes.count)
        if size - flushedUpTo >= Self.writebackInterval {
            // Start writing the finished range to disk now, while we go on hashing, so that the
            // fsync in `commit` has little left to wait for (Linux; elsewhere fsync does it all).
            FileSystem.startWriteback(descriptor, offset: flushedUpTo, length: size - flushedUpTo)
            flushedUpTo = size
        }
    }

    private var flushedUpTo: Int64 = 0
    private static let writebackInterval: Int64 = 8 << 20

    /// Appends bytes to the blob.
    public func write(_ bytes: some ContiguousBytes) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Makes the blob durable and visible under its digest, and returns it.
    ///
    /// - Parameter expected: when given, the content must have this digest; otherwise nothing is
    ///   stored and the error says so (use it when an index page announced the file's hash).
    public func commit(expecting expected: BlobDigest? = nil) throws -> StoredBlob {
        defer { cancel() }
        let finished = try finish(expecting: expected)
        return try store.publish(finished).blob
    }

    /// A complete blob, its file fsynced in `tmp/` and not yet published.
    struct Finished {
        var temporaryPath: String
        var digest: BlobDigest
        var size: Int64
    }

    /// Checks the digest and makes the file durable, for the caller to publish it (and then
    /// ``cancel()``, which removes the file if publishing did not move it).
    func finish(expecting expected: BlobDigest?) throws -> Finished {
        precondition(descriptor >= 0, "commit after commit or cancel")
        guard !failed else { throw Self.failedError }
        let digest = BlobDigest(rawBytes: hasher.finalize())
        if let expected, expected != digest {
            throw StoreError(.blobCorrupt, "the content has SHA-256 \(digest.hex) but \(expected.hex) was expected; nothing was stored (the download is damaged or the source changed)")
        }
        try store.ioCall {
            try FileSystem.setMode(descriptor, 0o444)
            try FileSystem.fsync(descriptor)
        }
        FileSystem.close(descriptor)
        descriptor = -1
        return Finished(temporaryPath: temporaryPath, digest: digest, size: size)
    }

    private static let failedError = StoreError(.io, "an earlier write to this blob failed, so its content is incomplete; nothing was stored. Start a new put")

    /// Discards what was written. Safe to call more than once.
    public func cancel() {
        if descriptor >= 0 {
            FileSystem.close(descriptor)
            descriptor = -1
        }
        FileSystem.removeIfPresent(temporaryPath)
    }
}

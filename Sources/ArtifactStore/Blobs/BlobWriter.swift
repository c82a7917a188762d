import Crypto
import Foundation

/// Streams one blob into the store: bytes are hashed as they are written to a private file in
/// `tmp/`, and ``commit(expecting:)`` publishes the file under its digest (ARCHITECTURE.md §4, I1).
///
/// A small blob (at most 64 KiB, on a store whose metadata and blobs are both local) is kept in
/// memory instead, unless ``temporaryFilePath`` is asked for: its publishing commit makes it
/// durable in the blob journal, and its file is written soon after (``Store/settleBlobJournal()``).
///
/// Until `commit`, nothing is visible to readers. A writer that is dropped, cancelled or killed
/// leaves at most a file in `tmp/`, which `gc` removes.
public final class BlobWriter {
    private let store: Store
    /// The private file in the store's `tmp/` the blob is written to, created now if the content
    /// so far was kept in memory. Another reader may open it to follow the bytes as they are
    /// written (``size`` says how many); it is renamed to the blob's path by
    /// ``commit(expecting:)`` or removed by ``cancel()``, and an open descriptor stays valid
    /// through both.
    public var temporaryFilePath: String {
        get throws {
            try createFile()
            return temporaryPath
        }
    }
    private let temporaryPath: String
    /// The temporary file's descriptor; -1 while the content is only in memory (and after
    /// commit or cancel).
    private var descriptor: Int32 = -1
    private var created = false
    private var hasher = SHA256()
    /// How many bytes have been written so far.
    public private(set) var size: Int64 = 0
    /// The content so far, while it is small enough for the blob journal (nil otherwise).
    private var journalCopy: [UInt8]?

    /// A writer whose blob, if small, goes to the blob journal (unless `journaling` is false:
    /// then every blob is written and fsynced in its file).
    init(store: Store, journaling: Bool = true) throws {
        self.store = store
        temporaryPath = store.layout.tmp + "/ingest-\(FileSystem.processID)-\(UInt64.random(in: 0...UInt64.max).hexString)"
        if journaling && store.journalsSmallBlobs {
            journalCopy = []
        } else {
            try createFile()
        }
    }

    deinit { cancel() }

    /// Creates the temporary file, with what was kept in memory so far, if it is not there yet.
    private func createFile() throws {
        guard !created, !finished else { return }
        descriptor = try store.ioCall { try FileSystem.open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600) }
        created = true
        if let journalCopy, !journalCopy.isEmpty {
            do {
                try journalCopy.withUnsafeBytes { bytes in try store.ioCall { try FileSystem.writeAll(descriptor, bytes) } }
            } catch {
                failed = true
                throw error
            }
        }
    }

    /// Set when a write failed: what is on disk no longer matches the hash, so the writer can
    /// only be cancelled.
    private var failed = false
    /// Set by commit and cancel.
    private var finished = false

    /// Appends bytes to the blob. After a failed write, the writer refuses to go on or commit.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!finished, "write after commit or cancel")
        guard !failed else { throw Self.failedError }
        guard !bytes.isEmpty else { return }
        if journalCopy != nil, size + Int64(bytes.count) > Store.journaledBlobLimit {
            try createFile()  // too big for the journal: on to the file
            journalCopy = nil
        }
        if created {
            do {
                try store.ioCall { try FileSystem.writeAll(descriptor, bytes) }
            } catch {
                failed = true
                throw error
            }
        }
        journalCopy?.append(contentsOf: bytes)
        hasher.update(bufferPointer: bytes)
        size += Int64(bytes.count)
        if created, size - flushedUpTo >= Self.writebackInterval {
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

    /// A complete blob, not yet published: its file in `tmp/`, fsynced, or its content for the
    /// blob journal (with the file, unsynced, if one was made).
    struct Finished {
        /// The temporary file; nil when the content was only ever in memory.
        var temporaryPath: String?
        var digest: BlobDigest
        var size: Int64
        /// The content, when the publishing commit is to make it durable (the blob journal); nil
        /// when the file has been fsynced.
        var journalCopy: [UInt8]? = nil
    }

    /// Checks the digest and makes the content durable (the file fsynced), or has it ready for
    /// the blob journal when it is small, for the caller to publish it (and then ``cancel()``,
    /// which removes the file if publishing did not move it).
    func finish(expecting expected: BlobDigest?) throws -> Finished {
        precondition(!finished, "commit after commit or cancel")
        guard !failed else { throw Self.failedError }
        let digest = BlobDigest(rawBytes: hasher.finalize())
        if let expected, expected != digest {
            throw StoreError(.blobCorrupt, "the content has SHA-256 \(digest.hex) but \(expected.hex) was expected; nothing was stored (the download is damaged or the source changed)")
        }
        if created {
            try store.ioCall {
                try FileSystem.setMode(descriptor, 0o444)
                if journalCopy == nil { try FileSystem.fsync(descriptor) }
            }
            FileSystem.close(descriptor)
            descriptor = -1
        }
        return Finished(temporaryPath: created ? temporaryPath : nil, digest: digest, size: size, journalCopy: journalCopy)
    }

    private static let failedError = StoreError(.io, "an earlier write to this blob failed, so its content is incomplete; nothing was stored. Start a new put")

    /// Discards what was written. Safe to call more than once.
    public func cancel() {
        finished = true
        journalCopy = nil
        if descriptor >= 0 {
            FileSystem.close(descriptor)
            descriptor = -1
        }
        if created { FileSystem.removeIfPresent(temporaryPath) }
    }
}

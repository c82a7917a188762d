import Crypto
import Foundation

/// Where a store keeps its blobs: the operations a store needs, by ``BlobDigest``, whatever
/// holds the bytes (a local directory, an S3-compatible bucket). ARCHITECTURE.md §10.
///
/// Every implementation keeps the same rules, and one test suite holds each of them to it:
///
/// - **Idempotent put, verified before it is visible.** Putting content that is already stored
///   changes nothing. Content is hashed as it is written, and it becomes visible under its digest
///   only once complete (and, with `expecting`, only when it has that digest).
/// - **Verified get.** ``get(_:)`` hashes while the caller reads and fails at the end on a
///   mismatch, holding back the last chunk: a consumer that stops at the first error never holds
///   complete wrong content.
/// - **stat, delete and list agree** with what put and get see.
public protocol BlobStorage: Sendable {
    /// Stores the content of a local file under its SHA-256, reading it once.
    ///
    /// - Parameters:
    ///   - file: a regular file; it is read, never moved or changed.
    ///   - expected: when given, the content must have this digest; otherwise nothing becomes
    ///     visible under any digest and a ``StoreError`` `blobCorrupt` says so.
    /// - Returns: the digest and size, and whether the content was already stored.
    func put(file: URL, expecting expected: BlobDigest?) async throws -> StoredBlob

    /// Stores the bytes of a stream (chunks in order, read once, until it ends) under their SHA-256.
    ///
    /// - Parameters:
    ///   - bytes: the content, in chunks of any size.
    ///   - expected: as for ``put(file:expecting:)``.
    /// - Returns: the digest and size, and whether the content was already stored.
    func put<Bytes: AsyncSequence & Sendable>(_ bytes: Bytes, expecting expected: BlobDigest?) async throws -> StoredBlob
        where Bytes.Element == [UInt8]

    /// Opens a blob for verified streaming reading.
    ///
    /// - Throws: ``StoreError`` `notFound` when there is no such blob. Reading the returned
    ///   ``BlobBytes`` throws `blobCorrupt` when the content does not match its digest.
    func get(_ digest: BlobDigest) async throws -> BlobBytes

    /// The size of a stored blob in bytes, or nil when it is not stored.
    func stat(_ digest: BlobDigest) async throws -> Int64?

    /// Removes a blob. Removing a blob that is not stored does nothing.
    func delete(_ digest: BlobDigest) async throws

    /// One page of the stored digests.
    ///
    /// - Parameters:
    ///   - cursor: nil for the first page, then the previous page's ``BlobListPage/next``.
    ///   - limit: at most this many digests in the page (an implementation may return fewer).
    func list(from cursor: String?, limit: Int) async throws -> BlobListPage
}

/// One page of ``BlobStorage/list(from:limit:)``.
public struct BlobListPage: Sendable, Hashable {
    /// Stored digests, in ascending order within the page.
    public var digests: [BlobDigest]
    /// The cursor of the next page, or nil when this page is the last.
    public var next: String?

    /// A page of digests and the cursor of the page after it.
    public init(digests: [BlobDigest], next: String?) {
        self.digests = digests
        self.next = next
    }
}

extension BlobStorage {
    /// Every stored digest, page after page (`pageSize` digests per request).
    public func allDigests(pageSize: Int = 1000) async throws -> [BlobDigest] {
        var result: [BlobDigest] = []
        var cursor: String?
        repeat {
            let page = try await list(from: cursor, limit: pageSize)
            result += page.digests
            cursor = page.next
        } while cursor != nil
        return result
    }

    /// Stores bytes held in memory.
    public func put(bytes: [UInt8], expecting expected: BlobDigest? = nil) async throws -> StoredBlob {
        try await put(OneChunk(bytes: bytes), expecting: expected)
    }
}

/// A sequence of one chunk, for ``BlobStorage/put(bytes:expecting:)``.
struct OneChunk: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let bytes: [UInt8]

    struct AsyncIterator: AsyncIteratorProtocol {
        var bytes: [UInt8]?
        mutating func next() async -> [UInt8]? {
            defer { bytes = nil }
            return bytes
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes) }
}

/// The content of one blob as it is read, verified: a sequence of chunks whose end is reached
/// only when the content hashed to its digest and had its size.
///
/// The last chunk is held back until the end is verified: on a mismatch the sequence throws
/// ``StoreError`` `blobCorrupt` instead of delivering it, so a consumer that stops at the first
/// error never holds complete wrong content. Read it once.
public struct BlobBytes: AsyncSequence {
    /// A chunk of the content.
    public typealias Element = [UInt8]

    /// The blob being read.
    public let digest: BlobDigest
    /// Its size in bytes, as the storage announced it.
    public let size: Int64
    private let chunks: any AsyncSequence<[UInt8], any Error>
    private let hashes: Bool
    private let source: String

    /// Verified reading of `chunks`, the raw content of blob `digest` as a storage delivers it.
    ///
    /// - Parameters:
    ///   - digest: the digest the content must hash to.
    ///   - size: the size it must have.
    ///   - source: where it is read from, for the error message (a bucket and key, a path).
    ///   - chunks: the content, in order.
    public init(digest: BlobDigest, size: Int64, source: String, chunks: some AsyncSequence<[UInt8], any Error>) {
        self.init(digest: digest, size: size, source: source, chunks: chunks, hashes: true)
    }

    /// With `hashes` false, for a source that verifies on its own (a ``BlobReader``, which
    /// throws from the read that finds the end): only the last chunk is held back.
    init(digest: BlobDigest, size: Int64, source: String, chunks: some AsyncSequence<[UInt8], any Error>, hashes: Bool) {
        self.digest = digest
        self.size = size
        self.source = source
        self.chunks = chunks
        self.hashes = hashes
    }

    /// Starts reading.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(digest: digest, size: size, source: source, upstream: chunks.makeAsyncIterator(), hashes: hashes)
    }

    /// Reads the whole content into memory; it is returned only when verified.
    public func collect() async throws -> [UInt8] {
        var result: [UInt8] = []
        // The size is what the storage announced (a server's Content-Length): reserve no more
        // than a modest amount on its word.
        result.reserveCapacity(Int(clamping: Swift.min(size, 64 << 20)))
        for try await chunk in self { result += chunk }
        return result
    }

    /// Reads a blob's chunks, hashing them, one chunk behind the storage.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let digest: BlobDigest
        let size: Int64
        let source: String
        var upstream: any AsyncIteratorProtocol<[UInt8], any Error>
        let hashes: Bool
        private var hasher = SHA256()
        private var count: Int64 = 0
        private var pending: [UInt8]?
        private var finished = false
        private var failure: StoreError?

        init(digest: BlobDigest, size: Int64, source: String, upstream: any AsyncIteratorProtocol<[UInt8], any Error>, hashes: Bool) {
            self.digest = digest
            self.size = size
            self.source = source
            self.upstream = upstream
            self.hashes = hashes
        }

        /// The next chunk; nil once the whole content has been read and verified.
        ///
        /// - Throws: ``StoreError`` `blobCorrupt` when the content does not match its digest or
        ///   size (the last chunk is then never delivered), or the storage's read error.
        public mutating func next() async throws -> [UInt8]? {
            // A failed verification stays failed: asking again never looks like a clean end.
            if let failure { throw failure }
            if finished { return nil }
            while true {
                guard let chunk = try await upstream.next() else {
                    finished = true
                    if hashes {
                        let actual = BlobDigest(rawBytes: hasher.finalize())
                        guard actual == digest, count == size else {
                            return try fail("its content hashes to \(actual.hex) and has \(count) bytes (\(size) expected)")
                        }
                    }
                    defer { pending = nil }
                    return pending
                }
                if chunk.isEmpty { continue }
                if hashes { hasher.update(data: chunk) }
                count += Int64(chunk.count)
                // More bytes than announced: stop reading now rather than at the end.
                if count > size { return try fail("it sends more than the \(size) bytes it announced") }
                if let previous = pending {
                    pending = chunk
                    return previous
                }
                pending = chunk
            }
        }

        /// Ends the read with a verification failure, delivering nothing more.
        private mutating func fail(_ what: String) throws -> [UInt8]? {
            pending = nil
            finished = true
            let error = StoreError(.blobCorrupt, "blob \(digest.hex) read back wrong from \(source): \(what); it was not delivered. Put the original file again to restore it")
            failure = error
            throw error
        }
    }
}

extension StoredBlob {
    /// The result of a put into a ``BlobStorage`` other than the store's own directory.
    public init(_ digest: BlobDigest, size: Int64, alreadyStored: Bool) {
        self.digest = digest
        self.size = size
        self.alreadyStored = alreadyStored
    }
}

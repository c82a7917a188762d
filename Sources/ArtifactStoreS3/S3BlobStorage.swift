import ArtifactStore
import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// ``BlobStorage`` in an S3-compatible bucket (ARCHITECTURE.md §10).
///
/// - A blob is the object `sha256/ab/cd/<hex>` (`ab`, `cd`: the first two pairs of hex digits).
/// - A put uploads to a fresh temporary key `tmp/<uuid>`, hashing each byte as it is sent, with
///   at most one part in memory (``Options/partSize``); content above
///   ``Options/multipartThreshold`` goes as a multipart upload, aborted on any failure. Only once
///   the digest is known and matches what was expected is the object copied (server-side) to
///   its digest key; the temporary object is then deleted. A put cut short leaves at most an
///   object under `tmp/` (a bucket lifecycle rule on `tmp/` removes those), never a wrong or
///   partial object under a digest key.
/// - A get streams the object and verifies it as it is read (``BlobBytes``).
/// - stat is `HEAD`, delete is `DELETE`, list is `ListObjectsV2` under `sha256/`.
///
/// Requests are signed with SigV4 (``SigV4Signer``). Credentials never reach a log line or an
/// error message. Call ``shutdown()`` when done.
public final class S3BlobStorage: BlobStorage {
    /// How uploads are cut and what is logged.
    public struct Options: Sendable {
        /// Bytes per multipart part, and so the memory a put holds. S3 requires at least 5 MiB
        /// for every part but the last.
        public var partSize = 16 << 20
        /// Content larger than this (or than ``partSize``) is uploaded in parts; 0 sends every
        /// non-empty blob as a multipart upload.
        public var multipartThreshold = 16 << 20
        /// Where requests are logged (method, bucket and key; never a header or a credential).
        public var logger = Logger(label: "artifact-store.s3")
        /// How long a connection may take to open.
        public var connectTimeout: TimeAmount = .seconds(10)
        /// How long a response may stay silent.
        public var readTimeout: TimeAmount = .seconds(60)

        /// The defaults: 16 MiB parts, multipart above 16 MiB.
        public init() {}
    }

    /// The bucket, endpoint and region.
    public let location: S3Location
    private let signer: SigV4Signer
    private let options: Options
    private let http: HTTPClient

    /// A client for the bucket at `location`, signing with `credentials`. No request is made.
    public init(location: S3Location, credentials: S3Credentials, options: Options = Options()) {
        self.location = location
        self.signer = SigV4Signer(credentials: credentials, region: location.region, service: "s3")
        self.options = options
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: options.connectTimeout, read: options.readTimeout)
        configuration.decompression = .disabled
        // A refused connection fails the request at once (the error names the endpoint), rather
        // than being retried until the connect timeout: with the bucket down, every request
        // that needs it would otherwise wait that long.
        configuration.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Closes the client's connections. Call it once, when the storage is no longer used.
    public func shutdown() async throws {
        try await http.shutdown()
        isShutDown.withLock { $0 = true }
    }

    /// Whether ``shutdown()`` ran.
    private let isShutDown = Mutex(false)

    deinit {
        // A storage a store still held when its command ended: its client closes in the background.
        if !isShutDown.withLock({ $0 }) { http.shutdown { _ in } }
    }

    /// The object key of a blob: `sha256/ab/cd/<hex>`.
    public static func key(for digest: BlobDigest) -> String {
        let hex = digest.hex
        return "sha256/\(hex.prefix(2))/\(hex.dropFirst(2).prefix(2))/\(hex)"
    }

    /// The digest an object key names, or nil when the key is not exactly a blob key.
    public static func digest(forKey key: String) -> BlobDigest? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "sha256", parts[3].utf8.count == 64,
              parts[3].utf8.allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }),
              let digest = try? BlobDigest(validating: String(parts[3])), Self.key(for: digest) == key
        else { return nil }
        return digest
    }

    // MARK: BlobStorage

    /// Uploads the file's content (see the type's description).
    public func put(file: URL, expecting expected: BlobDigest?) async throws -> StoredBlob {
        guard FileManager.default.isReadableFile(atPath: file.path(percentEncoded: false)) else {
            throw StoreError(.invalidInput, "\(file.path(percentEncoded: false)): no such file, or it cannot be read; check the path and its permissions")
        }
        return try await put(FileChunks(url: file), expecting: expected)
    }

    /// Uploads the stream's content (see the type's description).
    public func put<Bytes: AsyncSequence & Sendable>(_ bytes: Bytes, expecting expected: BlobDigest?) async throws -> StoredBlob
        where Bytes.Element == [UInt8] {
        let temporaryKey = "tmp/" + UUID().uuidString.lowercased()
        var source = PartSource(iterator: bytes.makeAsyncIterator())
        let partSize = max(1, options.partSize)
        var first = try await source.fill(upTo: partSize)
        let digest: BlobDigest
        let size: Int64
        if source.ended && first.readableBytes <= options.multipartThreshold {
            let payloadHash = Self.payloadHash(first)
            _ = try await request("PUT", key: temporaryKey, body: first, payloadHash: payloadHash, expecting: [200])
            (digest, size) = source.result()
        } else {
            let uploadID = try await createMultipartUpload(temporaryKey)
            do {
                var parts: [String] = []
                while true {
                    parts.append(try await uploadPart(temporaryKey, uploadID: uploadID, number: parts.count + 1, body: first))
                    if source.ended { break }
                    first = try await source.fill(upTo: partSize)
                    if first.readableBytes == 0 && source.ended { break }
                }
                (digest, size) = source.result()
                if let expected, expected != digest {
                    // Never completed: the object never exists, not even under tmp/.
                    throw Self.mismatch(expected: expected, actual: digest)
                }
                try await completeMultipartUpload(temporaryKey, uploadID: uploadID, etags: parts)
            } catch {
                await abortMultipartUpload(temporaryKey, uploadID: uploadID)
                throw error
            }
        }
        do {
            if let expected, expected != digest { throw Self.mismatch(expected: expected, actual: digest) }
            let existed = try await stat(digest) != nil
            // Copied even when it exists: the content just verified replaces whatever is there,
            // so putting the original again repairs a damaged object.
            try await copy(from: temporaryKey, to: Self.key(for: digest))
            await deleteQuietly(temporaryKey)
            return StoredBlob(digest, size: size, alreadyStored: existed)
        } catch {
            await deleteQuietly(temporaryKey)
            throw error
        }
    }

    /// Streams the object; reading the result verifies it.
    public func get(_ digest: BlobDigest) async throws -> BlobBytes {
        let key = Self.key(for: digest)
        let response = try await request("GET", key: key, expecting: [200, 404], collectBody: false)
        if response.status == .notFound {
            try await Self.drain(response)
            throw StoreError(.notFound, "no blob \(digest.hex) in \(location.description) (no object \(key))")
        }
        guard let size = response.headers.first(name: "content-length").flatMap(Int64.init) else {
            try await Self.drain(response)
            throw StoreError(.io, "the S3 server answered GET \(key) without a Content-Length; it does not behave as S3 does")
        }
        return BlobBytes(digest: digest, size: size, source: "\(location.description) key \(key)",
                         chunks: BodyChunks(body: response.body))
    }

    /// `HEAD` of the blob's key: its `Content-Length`, or nil on 404.
    public func stat(_ digest: BlobDigest) async throws -> Int64? {
        let key = Self.key(for: digest)
        let response = try await request("HEAD", key: key, expecting: [200, 404])
        guard response.status == .ok else { return nil }
        guard let size = response.headers.first(name: "content-length").flatMap(Int64.init) else {
            throw StoreError(.io, "the S3 server answered HEAD \(key) without a Content-Length; it does not behave as S3 does")
        }
        return size
    }

    /// `DELETE` of the blob's key (S3 answers 204 whether or not it existed).
    public func delete(_ digest: BlobDigest) async throws {
        _ = try await request("DELETE", key: Self.key(for: digest), expecting: [200, 204])
    }

    /// One `ListObjectsV2` page under `sha256/`; the cursor is S3's continuation token. Keys
    /// that are not exactly blob keys are skipped, so a page may hold fewer than `limit`.
    public func list(from cursor: String?, limit: Int) async throws -> BlobListPage {
        var query: [(name: String, value: String)] = [("list-type", "2"), ("prefix", "sha256/"), ("max-keys", String(max(1, min(limit, 1000))))]
        if let cursor { query.append(("continuation-token", cursor)) }
        let response = try await request("GET", key: nil, query: query, expecting: [200])
        let xml = response.text
        let digests = XML.elements("Key", in: xml).compactMap(Self.digest(forKey:)).sorted()
        let truncated = XML.elements("IsTruncated", in: xml).first == "true"
        var next: String?
        if truncated {
            // A server that says "more" must say where: ending early would look like missing
            // blobs, and the same token again would never end.
            guard let token = XML.elements("NextContinuationToken", in: xml).first, !token.isEmpty, token != cursor else {
                throw StoreError(.io, "the S3 server's listing of \(location.bucket) says there is more but gives no new continuation token; it does not behave as S3 does")
            }
            next = token
        }
        return BlobListPage(digests: digests, next: next)
    }

    // MARK: S3 operations

    /// Writes an object as it is, unverified, under any key: for tests that damage a blob.
    func putRawObject(_ key: String, bytes: [UInt8]) async throws {
        let body = ByteBuffer(bytes: bytes)
        _ = try await request("PUT", key: key, body: body, expecting: [200])
    }

    /// Creates the bucket this storage names: for tests that want a bucket of their own.
    func createBucket() async throws {
        _ = try await request("PUT", key: nil, expecting: [200])
    }

    private func createMultipartUpload(_ key: String) async throws -> String {
        let response = try await request("POST", key: key, query: [("uploads", "")], expecting: [200])
        guard let id = XML.elements("UploadId", in: response.text).first, !id.isEmpty else {
            throw StoreError(.io, "the S3 server started a multipart upload of \(key) without an UploadId; it does not behave as S3 does")
        }
        return id
    }

    /// Each part's payload is signed with its SHA-256, as a single PUT's is: the server checks
    /// what it received against it, so a part damaged on the way is refused, never assembled
    /// into the object that is then copied under the digest key.
    private func uploadPart(_ key: String, uploadID: String, number: Int, body: ByteBuffer) async throws -> String {
        let response = try await request("PUT", key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)],
                                         body: body, payloadHash: Self.payloadHash(body), expecting: [200])
        guard let etag = response.headers.first(name: "etag") else {
            throw StoreError(.io, "the S3 server accepted part \(number) of \(key) without an ETag; it does not behave as S3 does")
        }
        return etag
    }

    private func completeMultipartUpload(_ key: String, uploadID: String, etags: [String]) async throws {
        var xml = "<CompleteMultipartUpload>"
        for (index, etag) in etags.enumerated() {
            xml += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(XML.escape(etag))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let body = ByteBuffer(string: xml)
        // S3 may answer 200 and put its error in the body: `request` looks there too.
        _ = try await request("POST", key: key, query: [("uploadId", uploadID)], body: body,
                              payloadHash: Self.payloadHash(body), expecting: [200], errorInOK: true)
    }

    /// Best effort: the upload's parts are not kept (a bucket lifecycle rule for incomplete
    /// multipart uploads covers a failure here).
    private func abortMultipartUpload(_ key: String, uploadID: String) async {
        do {
            _ = try await request("DELETE", key: key, query: [("uploadId", uploadID)], expecting: [200, 204, 404])
        } catch {
            options.logger.warning("could not abort a multipart upload; a bucket lifecycle rule for incomplete uploads removes its parts",
                                   metadata: ["key": "\(key)", "error": "\(error)"])
        }
    }

    private func copy(from source: String, to destination: String) async throws {
        let copySource = SigV4Signer.encodePath("/" + location.bucket + "/" + source)
        _ = try await request("PUT", key: destination, headers: [("x-amz-copy-source", copySource)], expecting: [200], errorInOK: true)
    }

    private func deleteQuietly(_ key: String) async {
        do {
            _ = try await request("DELETE", key: key, expecting: [200, 204, 404])
        } catch {
            options.logger.warning("could not delete a temporary object; a bucket lifecycle rule on tmp/ removes it", metadata: ["key": "\(key)", "error": "\(error)"])
        }
    }

    private static func mismatch(expected: BlobDigest, actual: BlobDigest) -> StoreError {
        StoreError(.blobCorrupt, "the content has SHA-256 \(actual.hex) but \(expected.hex) was expected; nothing was stored (the download is damaged or the source changed)")
    }

    /// The hex SHA-256 of a body.
    static func payloadHash(_ body: ByteBuffer) -> String {
        var hasher = SHA256()
        body.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        return SigV4Signer.hex(hasher.finalize())
    }

    private static func drain(_ response: Response) async throws {
        for try await _ in response.body {}
    }

    // MARK: Requests

    /// A response; `text` is the body when it was collected.
    struct Response {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: HTTPClientResponse.Body
        var text: String
    }

    /// Signs and sends one request, and turns anything but the expected statuses into a
    /// ``StoreError`` that says what to do. Neither the signature nor the credentials appear in
    /// a log line or an error.
    private func request(_ method: String, key: String?, query: [(name: String, value: String)] = [],
                         headers extra: [(name: String, value: String)] = [],
                         body: ByteBuffer? = nil, payloadHash: String? = nil,
                         expecting expected: Set<UInt>, collectBody: Bool = true, errorInOK: Bool = false) async throws -> Response {
        let path = "/" + location.bucket + (key.map { "/" + $0 } ?? "")
        let encodedPath = SigV4Signer.encodePath(path)
        let encodedQuery = query.map { SigV4Signer.uriEncode($0.name) + "=" + SigV4Signer.uriEncode($0.value) }.joined(separator: "&")
        let what = "\(method) \(path)"
        let hash = payloadHash ?? Self.payloadHash(body ?? ByteBuffer())
        let signed = signer.sign(SigV4Signer.Request(method: method, path: path, query: query,
                                                     headers: [("host", location.hostHeader)] + extra, payloadHash: hash),
                                 date: Date())
        var request = HTTPClientRequest(url: location.base + encodedPath + (encodedQuery.isEmpty ? "" : "?" + encodedQuery))
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in signed { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        options.logger.debug("S3 request", metadata: ["method": "\(method)", "path": "\(path)"])
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .hours(1))
        } catch {
            throw StoreError(.io, "cannot reach the S3 endpoint \(location.base) (bucket \(location.bucket)) for \(what) (\(Self.describe(error))); check the endpoint URL and that the server is running and reachable")
        }
        let status = response.status
        var text = ""
        if collectBody || !expected.contains(status.code) {
            let collected: ByteBuffer
            do {
                collected = try await response.body.collect(upTo: 16 << 20)
            } catch {
                throw StoreError(.io, "the S3 endpoint \(location.base) broke off its answer to \(what) (\(Self.describe(error))); try again")
            }
            text = String(buffer: collected)
        }
        if expected.contains(status.code), !(errorInOK && text.contains("<Error>")) {
            return Response(status: status, headers: response.headers, body: response.body, text: text)
        }
        throw error(status: status, text: text, what: what)
    }

    /// The error for an S3 error answer: its code and message (never the request's signature or
    /// headers, which the body of `SignatureDoesNotMatch` echoes), and what to do.
    private func error(status: HTTPResponseStatus, text: String, what: String) -> StoreError {
        let code = XML.elements("Code", in: text).first ?? ""
        let message = XML.elements("Message", in: text).first.map { ": " + String($0.prefix(300)) } ?? ""
        let said = code.isEmpty ? "HTTP \(status.code)" : "\(code)\(message), HTTP \(status.code)"
        switch code {
        case "NoSuchBucket":
            return StoreError(.unusableStore, "the bucket \(location.bucket) does not exist at \(location.base) (\(said)) for \(what); create it, or check the bucket name and the endpoint")
        case "SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied", "InvalidToken", "ExpiredToken", "AuthorizationHeaderMalformed", "InvalidClientTokenId":
            return StoreError(.unusableStore, "the S3 server at \(location.base) refused \(what) (\(said)); check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and the region (\(location.region))")
        default:
            if status == .forbidden {
                return StoreError(.unusableStore, "the S3 server at \(location.base) refused \(what) (\(said)); check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and the region (\(location.region))")
            }
            // A HEAD answer has no body to name its error. S3 answers 400 to a request signed for
            // another region (AuthorizationHeaderMalformed) or with an expired or invalid session
            // token (ExpiredToken, InvalidToken): for a HEAD, that is all a 400 says.
            if status == .badRequest && code.isEmpty && what.hasPrefix("HEAD ") {
                return StoreError(.unusableStore, "the S3 server at \(location.base) refused \(what) (HTTP 400, a HEAD answer has no body to say why); check the region (\(location.region)) and the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)")
            }
            if status == .notFound && what.split(separator: "/").count <= 2 {
                return StoreError(.unusableStore, "the bucket \(location.bucket) does not exist at \(location.base) (\(said)) for \(what); create it, or check the bucket name and the endpoint")
            }
            return StoreError(.io, "the S3 server at \(location.base) failed \(what) (\(said)); try again, and check the server's health if it persists")
        }
    }

    /// An HTTP client error in a few words (its own description, which names no credential).
    private static func describe(_ error: any Error) -> String {
        String(describing: error).prefix(200).description
    }
}

/// Reads a stream into parts, hashing every byte once, in order.
struct PartSource<Iterator: AsyncIteratorProtocol> where Iterator.Element == [UInt8] {
    var iterator: Iterator
    private(set) var ended = false
    private var carry: [UInt8] = []
    private var hasher = SHA256()
    private var size: Int64 = 0

    init(iterator: Iterator) {
        self.iterator = iterator
    }

    /// The next `count` bytes (fewer at the end). `ended` is true once the stream is exhausted
    /// and nothing is carried over.
    mutating func fill(upTo count: Int) async throws -> ByteBuffer {
        var part = ByteBufferAllocator().buffer(capacity: min(count, 1 << 20))
        while part.readableBytes < count {
            if carry.isEmpty {
                guard let chunk = try await iterator.next() else {
                    ended = true
                    break
                }
                carry = chunk
                if carry.isEmpty { continue }
            }
            let take = min(count - part.readableBytes, carry.count)
            carry.withUnsafeBytes { bytes in
                let slice = UnsafeRawBufferPointer(rebasing: bytes[..<take])
                hasher.update(bufferPointer: slice)
                part.writeBytes(slice)
            }
            size += Int64(take)
            carry.removeFirst(take)
        }
        if part.readableBytes == count, carry.isEmpty, !ended {
            // Look one chunk ahead, so that a stream whose length is a multiple of `count`
            // ends here rather than with an empty part.
            if let chunk = try await iterator.next() { carry = chunk } else { ended = true }
        }
        return part
    }

    /// The digest and size of everything read.
    func result() -> (BlobDigest, Int64) {
        let hex = SigV4Signer.hex(hasher.finalize())
        // 64 lowercase hex characters by construction.
        return ((try? BlobDigest(validating: hex))!, size)
    }
}

/// A file's content in 1 MiB chunks; the file is opened by the first read.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let url: URL

    struct AsyncIterator: AsyncIteratorProtocol {
        let url: URL
        var handle: FileHandle?
        var done = false

        mutating func next() async throws -> [UInt8]? {
            if done { return nil }
            do {
                if handle == nil { handle = try FileHandle(forReadingFrom: url) }
                guard let data = try handle?.read(upToCount: 1 << 20), !data.isEmpty else {
                    done = true
                    try? handle?.close()
                    return nil
                }
                return [UInt8](data)
            } catch {
                done = true
                try? handle?.close()
                throw StoreError(.invalidInput, "\(url.path(percentEncoded: false)): read failed; nothing was stored", underlying: error)
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(url: url) }
}

/// An HTTP response body as byte arrays.
struct BodyChunks: AsyncSequence {
    typealias Element = [UInt8]
    let body: HTTPClientResponse.Body

    struct AsyncIterator: AsyncIteratorProtocol {
        var upstream: HTTPClientResponse.Body.AsyncIterator

        mutating func next() async throws -> [UInt8]? {
            do {
                guard let buffer = try await upstream.next() else { return nil }
                return Array(buffer.readableBytesView)
            } catch {
                throw StoreError(.io, "the S3 download broke off (\(String(describing: error).prefix(200))); nothing was delivered as complete, try again")
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(upstream: body.makeAsyncIterator()) }
}

/// The little XML S3 answers with: the text of every `<name>…</name>`, unescaped. S3's answers
/// are flat enough for this, and it needs no XML library.
enum XML {
    static func elements(_ name: String, in xml: String) -> [String] {
        var result: [String] = []
        var rest = Substring(xml)
        let open = "<\(name)>", close = "</\(name)>"
        while let start = rest.range(of: open) {
            rest = rest[start.upperBound...]
            guard let end = rest.range(of: close) else { break }
            result.append(unescape(String(rest[..<end.lowerBound])))
            rest = rest[end.upperBound...]
        }
        return result
    }

    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&#34;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

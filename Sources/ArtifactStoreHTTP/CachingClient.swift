import ArtifactStore
import AsyncHTTPClient
import Foundation
import HTTPCaching
import NIOCore
import NIOHTTP1

/// The store's response head (NIOHTTP1 has a type of the same name).
typealias ResponseHead = HTTPCaching.HTTPResponseHead

/// An HTTP client that fetches through a ``ArtifactStore/Store``: fresh responses come from the
/// store, stale ones are revalidated with conditional requests, and every response the network
/// gives (stored, refused, redirect, error) or fails to give is recorded.
///
/// Bodies are streamed into the store (constant memory, whatever their size) and become visible
/// only when complete: a body shorter or longer than its `Content-Length` is not stored and the
/// fetch is recorded as a failure. Redirects are followed here, hop by hop, so that each hop is
/// recorded. Credentials in a URL (`https://user:secret@host/`) are sent as Basic authentication
/// to that origin and never recorded; `Authorization`, `Proxy-Authorization` and `Cookie` are
/// never recorded either.
///
/// Call ``shutdown()`` when done.
public final class CachingClient: Sendable {
    /// Settings of a client.
    public struct Configuration: Sendable {
        /// Seconds to wait for a connection to be established.
        public var connectTimeout: TimeInterval = 30
        /// Seconds to wait for the next bytes of a response (head or body) before giving up.
        public var readTimeout: TimeInterval = 60
        /// Seconds a whole fetch (every redirect hop and every body) may take; `nil` for no limit.
        public var totalTimeout: TimeInterval? = nil
        /// How many redirects one fetch follows before failing.
        public var maximumRedirects = 10
        /// The largest response header section accepted, in bytes (names, values and line
        /// framing). The HTTP parser also refuses more than 80 KiB on its own.
        public var maximumHeaderBytes = 64 * 1024
        /// Sent as `User-Agent` unless the request has its own.
        public var userAgent = "artifact-store/0.1.0"
        /// When on, the body of a response the store does not keep (refused by HTTP caching rules,
        /// an uncacheable error page) is handed to the caller in a temporary file
        /// (``FetchedBody/temporaryFile(path:size:)``); when off it is read and dropped.
        public var keepsUnstoredBodies = false
        /// Where those temporary files are created; nil (the default) means the store's own
        /// `tmp/`, private to the user, where gc removes what a crash leaves behind.
        public var temporaryDirectory: String?
        /// When on, the body of a complete `200` that HTTP caching rules refuse (`no-store`) is
        /// kept in the store as `archived`: never used while the server answers, but there to
        /// fall back on when it does not (see ``ArtifactStore/Store/recordingPlan(request:response:archivingRefused:)``).
        public var archivesRefusedBodies = false
        /// When on, a `5xx` answer is a failure (``FetchError/serverError(url:status:)``), recorded
        /// in the URL's history but never as its current response, so that a stored copy stays
        /// there to fall back on. When off, a `5xx` is an answer like any other.
        public var serverErrorsAreFailures = false
        /// Credentials by host (a `.netrc` file), sent as Basic authentication to that host only
        /// when its URL carries none; never recorded.
        public var netrc: Netrc?

        /// The defaults: 30 s to connect, 60 s between reads, no total limit, 10 redirects.
        public init() {}
    }

    /// The store this client records into and answers from.
    public let store: Store
    /// The settings given at creation.
    public let configuration: Configuration
    private let http: HTTPClient

    /// Creates a client over `store`. Call ``shutdown()`` before dropping it.
    public init(store: Store, configuration: Configuration = Configuration()) {
        self.store = store
        self.configuration = configuration
        var httpConfiguration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(
                connect: .nanoseconds(Self.nanoseconds(configuration.connectTimeout)),
                read: .nanoseconds(Self.nanoseconds(configuration.readTimeout))),
            decompression: .disabled)
        // Installers' indexes are plain HTTP/1.1 or HTTP/2 over TLS; let AHC negotiate.
        httpConfiguration.httpVersion = .automatic
        // A refused connection is an answer (recorded as a failure), not something to retry
        // until the connect timeout.
        httpConfiguration.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)
    }

    /// Shuts the underlying HTTP client down; no fetch may be started afterwards.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    private static func nanoseconds(_ seconds: TimeInterval) -> Int64 {
        Int64((max(0.001, seconds) * 1e9).rounded())
    }

    // MARK: - Fetch

    /// Fetches `request`, following redirects, and answers from the store when it can.
    ///
    /// - Parameters:
    ///   - mode: `.online` (default) fetches what the store cannot answer under the `online`
    ///     policy; `.offline` never touches the network and answers under the `offline` policy.
    ///   - progress: called as body bytes arrive from the network.
    ///   - bodyFile: called, before the first byte is written, with the path of the private file
    ///     in the store's `tmp/` that a `200` body from the network is streamed into, and the
    ///     `Content-Length` the body must have (nil when the server sent none). It may be
    ///     opened and read while it grows (``FetchProgress`` tells how far); it becomes the blob
    ///     only if the fetch succeeds, and is renamed or removed when the fetch ends. An `index
    ///     server` uses it to stream a download to clients while the store writes it.
    /// - Throws: ``FetchError``: `.unsatisfiable` with the verdict's reasons when offline and the
    ///   store cannot answer; `.unsupportedScheme` / `.invalidURL` for bad input (nothing is
    ///   recorded); transport, timeout, length and header-size failures after recording them.
    public func fetch(
        _ request: FetchRequest, mode: FetchMode = .online, progress: FetchProgress? = nil,
        bodyFile: (@Sendable (_ path: String, _ expectedLength: Int64?) -> Void)? = nil
    ) async throws -> FetchResult {
        let hooks = Hooks(expectedDigest: request.expectedDigest, progress: progress, bodyFile: bodyFile)
        guard request.method == "GET" || request.method == "HEAD" else {
            throw FetchError.unsupportedMethod(request.method)
        }
        var target = try Target(request.url)
        var method = request.method
        var headers = request.headers
        // Credentials in the URL are sent as Basic authentication; the store sees them as a
        // header too, so that `Vary: Authorization` selects by them.
        if let credentials = target.basicCredentials, !headers.contains("Authorization") {
            headers.append(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
        }
        let deadline = configuration.totalTimeout.map { Date().addingTimeInterval($0) }
        var redirects: [FetchRedirect] = []
        while true {
            let hop: Hop
            switch mode {
            case .offline: hop = try answerOffline(target: target, method: method, headers: headers, policy: .offline)
            case .archive: hop = try answerOffline(target: target, method: method, headers: headers, policy: .archive)
            case .online: hop = try await answerOnline(target: target, method: method, headers: headers, deadline: deadline, hooks: hooks)
            }
            guard Self.redirectStatuses.contains(hop.record.status), method == "GET" || method == "HEAD" else {
                return hop.result(url: target.recordedURL, redirects: redirects)
            }
            guard let location = hop.record.responseHeaders.values(for: "Location").first else {
                return hop.result(url: target.recordedURL, redirects: redirects)
            }
            guard redirects.count < configuration.maximumRedirects else {
                throw FetchError.tooManyRedirects(url: RecordedURL.redacted(request.url), limit: configuration.maximumRedirects)
            }
            let next = try target.following(location)
            if hop.record.status == 303 && method != "HEAD" { method = "GET" }
            if !next.sameOrigin(as: target) {
                // Credentials, and anything not known to be safe, stay with the origin they were
                // meant for (a custom header may carry a token just as well).
                headers = HeaderFields(headers.filter { Self.crossOriginSafeFields.contains($0.name.lowercased()) })
            }
            redirects.append(FetchRedirect(from: target.recordedURL, status: hop.record.status, to: next.recordedURL, fromStore: hop.fromStore))
            target = next
            // Only the final answer's body goes to the caller.
            if case .temporaryFile(let path, _) = hop.body { FileSystem.removeIfPresent(path) }
        }
    }

    static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]
    /// The only request fields a redirect to another origin carries: content negotiation and
    /// caching directives, never credentials or custom fields.
    static let crossOriginSafeFields: Set<String> = ["accept", "accept-language", "user-agent", "cache-control", "pragma"]

    /// The request as the store sees it: the recorded URL, and the header fields, credentials
    /// included: the store writes a credential only as its keyed hash, and only when a `Vary`
    /// names it, so that a response fetched with one credential is never served to another.
    /// Its URL is normalized once, in `Target`, for every question the store is asked about it.
    private func recordedHead(_ target: Target, method: String, headers: HeaderFields) -> StoreRequest {
        StoreRequest(url: target.normalizedURL, method: method, headers: headers)
    }

    // MARK: Offline

    private func answerOffline(target: Target, method: String, headers: HeaderFields, policy: CachePolicy) throws -> Hop {
        let head = recordedHead(target, method: method, headers: headers)
        let verdict = try storeCall { try store.verdict(for: head, policy: policy) }
        switch verdict {
        case .satisfiable(let satisfied):
            return try Hop(fromStore: satisfied, store: store)
        case .unsatisfiable(let reasons):
            throw FetchError.unsatisfiable(url: target.recordedURL, reasons: reasons)
        }
    }

    // MARK: Online

    private func answerOnline(target: Target, method: String, headers: HeaderFields, deadline: Date?, hooks: Hooks) async throws -> Hop {
        let head = recordedHead(target, method: method, headers: headers)
        if case .satisfiable(let satisfied) = try storeCall({ try store.verdict(for: head, policy: .online) }) {
            return try Hop(fromStore: satisfied, store: store)
        }
        // The caller's own validators are sent as they are; otherwise the store's, if any.
        let callerConditional = Self.conditionalFields.contains { headers.contains($0) }
        let conditional = callerConditional ? HeaderFields() : try storeCall { try store.conditionalHeaders(for: head) } ?? HeaderFields()
        if callerConditional || !conditional.isEmpty {
            let hop = try await exchange(target: target, head: head, wireHeaders: headers, conditional: conditional, deadline: deadline, hooks: hooks)
            if let hop { return hop }
        }
        // A 304 that freshened nothing usable (the stored response was replaced, evicted or its
        // body lost meanwhile, or the caller's validators matched nothing stored): ask again
        // without conditions, so that the store gets the full response.
        var unconditional = headers
        for name in Self.conditionalFields { unconditional.removeAll(named: name) }
        guard let hop = try await exchange(target: target, head: head, wireHeaders: unconditional, conditional: nil, deadline: deadline, hooks: hooks) else {
            throw fail(head, .transport(url: target.recordedURL, message: "the server answered an unconditional request with 304 Not Modified"))
        }
        return hop
    }

    /// Request fields that make a request conditional.
    static let conditionalFields = ["If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range"]

    /// One request on the wire and its recording. `conditional` holds the store's validators
    /// (empty when the caller's own are in `wireHeaders`; nil for an unconditional request).
    /// Returns nil only for a 304 that could not be merged into a usable stored response.
    private func exchange(
        target: Target, head: StoreRequest, wireHeaders: HeaderFields, conditional: HeaderFields?,
        deadline: Date?, hooks: Hooks
    ) async throws -> Hop? {
        var request = HTTPClientRequest(url: target.wireURL)
        request.method = HTTPMethod(rawValue: head.method)
        for field in wireHeaders { request.headers.add(name: field.name, value: field.value) }
        if let conditional { for field in conditional { request.headers.replaceOrAdd(name: field.name, value: field.value) } }
        if !request.headers.contains(name: "User-Agent") { request.headers.add(name: "User-Agent", value: configuration.userAgent) }
        let netrcCredentials = configuration.netrc?.credentials(for: target.host).map { $0.login + ":" + $0.password }
        if let credentials = target.basicCredentials ?? netrcCredentials, !request.headers.contains(name: "Authorization") {
            request.headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
        }

        let requestTime = Date()
        let response: HTTPClientResponse
        do {
            let remaining = deadline.map { $0.timeIntervalSinceNow } ?? 365 * 86_400
            guard remaining > 0 else { throw HTTPClientError.deadlineExceeded }
            response = try await http.execute(request, timeout: .nanoseconds(Self.nanoseconds(remaining)))
        } catch {
            throw fail(head, Self.fetchError(error, url: target.recordedURL, headerLimit: configuration.maximumHeaderBytes))
        }
        let responseTime = Date()
        let responseHead = ResponseHead(status: Int(response.status.code), headers: HeaderFields(response.headers.map { ($0.name, $0.value) }))

        let headerBytes = response.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
        guard headerBytes <= configuration.maximumHeaderBytes else {
            throw fail(head, .headersTooLarge(url: target.recordedURL, limit: configuration.maximumHeaderBytes))
        }

        let status = responseHead.status
        let hasBody = head.method != "HEAD" && status != 204 && status != 304 && !(100..<200).contains(status)
        let expectedLength = Self.declaredLength(response.headers)

        if status == 304 {
            // Never recorded as a response of its own (it would replace the stored one): it
            // freshens what it validates, or the caller asks again without conditions.
            guard conditional != nil else { return nil }
            _ = try await receive(response.body, into: .discard, expected: nil, target: target, head: head, deadline: deadline, progress: nil)
            let merged = try storeCall {
                try store.recordNotModified(request: head, response: responseHead, requestTime: requestTime, responseTime: responseTime)
            }
            // Nothing left to freshen, or a body that was lost or quarantined meanwhile: the
            // caller asks again without conditions.
            guard let merged, try storeCall({ try bodyIsIntact(merged) }) else { return nil }
            return Hop(source: .revalidated, record: merged, body: Self.storedBody(merged), freshness: nil)
        }

        if configuration.serverErrorsAreFailures, status >= 500 {
            _ = try? await receive(response.body, into: .discard, expected: nil, target: target, head: head, deadline: deadline, progress: nil)
            throw fail(head, .serverError(url: target.recordedURL, status: status))
        }
        let plan = try storeCall { try store.recordingPlan(request: head, response: responseHead, archivingRefused: configuration.archivesRefusedBodies) }
        var sink: BodySink = .discard
        if hasBody {
            if case .keepBody = plan {
                let writer = try storeCall { try store.makeBlobWriter() }
                sink = .blob(writer)
                // Asked for only when something follows it: a small body otherwise stays in memory.
                if status == 200, let bodyFile = hooks.bodyFile { bodyFile(try storeCall { try writer.temporaryFilePath }, expectedLength) }
            } else if configuration.keepsUnstoredBodies {
                sink = try .temporaryFile(in: configuration.temporaryDirectory ?? store.layout.temporaryDirectory)
            }
        }
        let received = try await receive(response.body, into: sink, expected: hasBody ? expectedLength : nil, target: target, head: head, deadline: deadline, progress: hooks.progress)

        var body = FetchedBody.none
        switch sink {
        case .blob(let writer):
            // The digest a caller expects binds only a complete 200 (an error page is not the file).
            let expected = status == 200 ? hooks.expectedDigest : nil
            do {
                // Published and recorded in one transaction: one fsync fewer per download.
                let (blob, record) = try store.record(request: head, response: responseHead, committing: writer, expecting: expected,
                                                      requestTime: requestTime, responseTime: responseTime,
                                                      archivingRefused: configuration.archivesRefusedBodies)
                return Hop(source: .network, record: record, body: .stored(digest: blob.digest, size: blob.size), freshness: nil)
            } catch let error as StoreError where error.code == .blobCorrupt && expected != nil {
                throw fail(head, .digestMismatch(url: target.recordedURL, message: error.message))
            } catch {
                throw fail(head, Self.fetchError(error, url: target.recordedURL, headerLimit: configuration.maximumHeaderBytes))
            }
        case .temporaryFile(let descriptor, let path):
            FileSystem.close(descriptor)
            body = .temporaryFile(path: path, size: received)
        case .discard:
            break
        }
        let record: ResponseRecord
        do {
            record = try storeCall {
                try store.record(request: head, response: responseHead, body: nil, requestTime: requestTime, responseTime: responseTime,
                                 archivingRefused: configuration.archivesRefusedBodies)
            }
        } catch {
            if case .temporaryFile(let path, _) = body { FileSystem.removeIfPresent(path) }
            throw error
        }
        return Hop(source: .network, record: record, body: body, freshness: nil)
    }

    /// Whether the record's body (if any) is still in the store and not quarantined.
    private func bodyIsIntact(_ record: ResponseRecord) throws -> Bool {
        guard let digest = record.bodyDigest else { return true }
        guard let info = try store.blob(digest), info.quarantinedAt == nil else { return false }
        return store.hasLocalCopy(of: digest)
    }

    /// Streams a body into `sink`, checking it against its `Content-Length` and the deadline.
    /// On any failure the sink is discarded (nothing stored) and the failure recorded.
    private func receive(
        _ body: HTTPClientResponse.Body, into sink: BodySink, expected: Int64?, target: Target, head: StoreRequest,
        deadline: Date?, progress: FetchProgress?
    ) async throws -> Int64 {
        var received: Int64 = 0
        do {
            progress?(0, expected)
            for try await buffer in body {
                received += Int64(buffer.readableBytes)
                if let expected, received > expected {
                    throw FetchError.bodyLengthMismatch(url: target.recordedURL, expected: expected, received: received)
                }
                try buffer.withUnsafeReadableBytes { bytes in try sink.write(bytes) }
                progress?(received, expected)
                if let deadline, Date() > deadline {
                    throw FetchError.timedOut(url: target.recordedURL, message: "the total timeout of \(configuration.totalTimeout ?? 0) s elapsed while receiving the body")
                }
            }
            if let expected, received != expected {
                throw FetchError.bodyLengthMismatch(url: target.recordedURL, expected: expected, received: received)
            }
            return received
        } catch {
            sink.discard()
            var failure = Self.fetchError(error, url: target.recordedURL, headerLimit: configuration.maximumHeaderBytes)
            if let expected, received < expected, case .transport = failure {
                // The connection ended early: say how much of the announced body arrived.
                failure = .bodyLengthMismatch(url: target.recordedURL, expected: expected, received: received)
            }
            throw fail(head, failure)
        }
    }

    /// Records a failed fetch (best effort: a store that cannot record it must not hide the
    /// original failure) and returns the error to throw.
    private func fail(_ head: StoreRequest, _ error: FetchError) -> FetchError {
        if case .store = error { return error }
        try? store.recordFailure(request: head, error: error.description, at: Date())
        return error
    }

    private func storeCall<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            throw FetchError.store(error)
        }
    }

    /// The `Content-Length` a body must have, unless the message is chunked.
    static func declaredLength(_ headers: HTTPHeaders) -> Int64? {
        guard !headers.contains(name: "Transfer-Encoding") else { return nil }
        let values = headers["Content-Length"]
        guard let first = values.first, let length = Int64(first.trimmingCharacters(in: .whitespaces)), length >= 0 else { return nil }
        return length
    }

    static func storedBody(_ record: ResponseRecord) -> FetchedBody {
        guard let digest = record.bodyDigest else { return .none }
        return .stored(digest: digest, size: record.bodySize ?? 0)
    }

    /// Maps AHC, NIO and store errors to ``FetchError``.
    static func fetchError(_ error: any Error, url: String, headerLimit: Int) -> FetchError {
        switch error {
        case let error as FetchError:
            return error
        case let error as StoreError:
            return .store(error)
        case is CancellationError:
            return .transport(url: url, message: "cancelled")
        case let error as HTTPParserError:
            switch error {
            case .headerOverflow:
                return .headersTooLarge(url: url, limit: min(headerLimit, 80 * 1024))
            default:
                return .transport(url: url, message: "the server's response is malformed (\(error))")
            }
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout: return .timedOut(url: url, message: "no connection within the connect timeout")
            case .readTimeout: return .timedOut(url: url, message: "the server sent nothing within the read timeout")
            case .deadlineExceeded: return .timedOut(url: url, message: "the total timeout elapsed")
            case .remoteConnectionClosed: return .transport(url: url, message: "the server closed the connection before the response was complete")
            case .cancelled: return .transport(url: url, message: "cancelled")
            case .bodyLengthMismatch: return .transport(url: url, message: "the body length does not match Content-Length")
            default: return .transport(url: url, message: "\(error)")
            }
        case let error as IOError:
            return .transport(url: url, message: "cannot connect or read: " + String(cString: strerror(error.errnoCode)).lowercased())
        default:
            return .transport(url: url, message: RecordedURL.redacted("\(error)"))
        }
    }
}

// MARK: - Pieces

/// Where a body goes while it is received.
private enum BodySink {
    /// Into the store (kept by HTTP rules or the archive policy).
    case blob(BlobWriter)
    /// Into a private temporary file for the caller (not kept by the store).
    case temporaryFile(Int32, String)
    /// Nowhere: counted and dropped.
    case discard

    static func temporaryFile(in directory: String) throws -> BodySink {
        do {
            let file = try FileSystem.makeTemporaryFile(in: directory, prefix: "artifact-store-body-")
            return .temporaryFile(file.descriptor, file.path)
        } catch let error as SystemError {
            throw FetchError.store(StoreError(.io, "cannot create a temporary file in \(directory): \(error.reason)"))
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        switch self {
        case .blob(let writer):
            try writer.write(bytes)
        case .temporaryFile(let descriptor, let path):
            do {
                try FileSystem.writeAll(descriptor, bytes)
            } catch let error as SystemError {
                throw FetchError.store(StoreError(.io, "cannot write the temporary file \(path): \(error.reason)"))
            }
        case .discard:
            break
        }
    }

    func discard() {
        switch self {
        case .blob(let writer): writer.cancel()
        case .temporaryFile(let descriptor, let path):
            FileSystem.close(descriptor)
            FileSystem.removeIfPresent(path)
        case .discard: break
        }
    }
}

/// A URL split into what goes on the wire and what is recorded.
struct Target: Sendable {
    /// The URL sent on the wire, without userinfo.
    var wireURL: String
    /// The URL as the store records it (normalized, no userinfo, no fragment).
    var normalizedURL: NormalizedURL
    /// ``normalizedURL`` as text, for messages and results.
    var recordedURL: String { normalizedURL.text }
    /// `user:password`, percent-decoded, for Basic authentication.
    var basicCredentials: String?
    var scheme: String
    var host: String
    var port: Int

    init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let shown = RecordedURL.redacted(trimmed)
        guard let colon = trimmed.firstIndex(of: ":"),
            trimmed[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }),
            trimmed[..<colon].first?.isLetter == true
        else {
            throw FetchError.invalidURL("not an absolute URL: \(shown); give one like https://pypi.org/simple/torch/")
        }
        let scheme = trimmed[..<colon].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw FetchError.unsupportedScheme(scheme: scheme, url: shown)
        }
        guard var components = URLComponents(string: trimmed), let host = components.host, !host.isEmpty else {
            throw FetchError.invalidURL("not a valid http(s) URL: \(shown)")
        }
        // A port out of range would reach the network library as something else (wrapped modulo
        // 65536, or a trap): refuse it here, before anything connects. It is read from the text:
        // URLComponents answers nil for a port too large for an Int, which would silently become
        // the scheme's default port.
        if let text = Self.portText(trimmed), !text.isEmpty, !(Int(text).map { (1...65_535).contains($0) } ?? false) {
            throw FetchError.invalidURL("the port \(text.prefix(24)) in \(shown) is out of range; a port is 1 to 65535")
        }
        if let port = components.port, !(1...65_535).contains(port) {
            throw FetchError.invalidURL("the port \(port) in \(shown) is out of range; a port is 1 to 65535")
        }
        if let user = components.user {
            basicCredentials = user + ":" + (components.password ?? "")
        }
        components.user = nil
        components.password = nil
        components.fragment = nil
        guard let wire = components.string else {
            throw FetchError.invalidURL("not a valid http(s) URL: \(shown)")
        }
        wireURL = wire
        do {
            normalizedURL = try NormalizedURL(wire)
        } catch let error as StoreError {
            throw FetchError.invalidURL(error.message)
        }
        self.scheme = scheme
        self.host = host.lowercased()
        port = components.port ?? (scheme == "https" ? 443 : 80)
    }

    /// The port of an absolute URL as it is written (digits or not, whatever their value); nil
    /// when the authority names none.
    static func portText(_ url: String) -> Substring? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest[..<(rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex)]
        let hostAndPort = authority[(authority.lastIndex(of: "@").map(authority.index(after:)) ?? authority.startIndex)...]
        let afterHost: Substring
        if hostAndPort.hasPrefix("[") {
            guard let close = hostAndPort.firstIndex(of: "]") else { return nil }
            afterHost = hostAndPort[hostAndPort.index(after: close)...]
        } else {
            afterHost = hostAndPort[(hostAndPort.firstIndex(of: ":") ?? hostAndPort.endIndex)...]
        }
        return afterHost.hasPrefix(":") ? afterHost.dropFirst() : nil
    }

    /// The target a `Location` points to, resolved against this one. Credentials carry over
    /// only to the same origin.
    ///
    /// - Throws: ``FetchError/badRedirect(url:location:reason:)`` when it is not a usable http(s) URL.
    func following(_ location: String) throws -> Target {
        guard let base = URL(string: wireURL), let resolved = URL(string: location, relativeTo: base)?.absoluteURL else {
            throw FetchError.badRedirect(url: recordedURL, location: location)
        }
        var next: Target
        do {
            next = try Target(resolved.absoluteString)
        } catch {
            throw FetchError.badRedirect(url: recordedURL, location: location, reason: "\(error)")
        }
        if next.basicCredentials == nil, next.sameOrigin(as: self) { next.basicCredentials = basicCredentials }
        return next
    }

    func sameOrigin(as other: Target) -> Bool {
        scheme == other.scheme && host == other.host && port == other.port
    }
}

/// What one fetch asks of every hop.
struct Hooks: Sendable {
    var expectedDigest: BlobDigest?
    var progress: FetchProgress?
    var bodyFile: (@Sendable (String, Int64?) -> Void)?
}

/// One answered hop of a fetch.
struct Hop {
    var source: FetchResult.Source
    var record: ResponseRecord
    var body: FetchedBody
    var freshness: Satisfied.Freshness?

    var fromStore: Bool { if case .store = source { return true } else { return false } }

    init(source: FetchResult.Source, record: ResponseRecord, body: FetchedBody, freshness: Satisfied.Freshness?) {
        self.source = source
        self.record = record
        self.body = body
        self.freshness = freshness
    }

    init(fromStore satisfied: Satisfied, store: Store) throws {
        self.init(source: .store(fresh: !satisfied.freshness.isStale), record: satisfied.record, body: CachingClient.storedBody(satisfied.record),
                  freshness: satisfied.freshness)
    }

    func result(url: String, redirects: [FetchRedirect]) -> FetchResult {
        FetchResult(source: source, url: url, redirects: redirects, status: record.status, headers: record.responseHeaders, body: body, record: record, freshness: freshness)
    }
}

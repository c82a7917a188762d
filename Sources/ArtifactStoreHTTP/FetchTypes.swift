import ArtifactStore
import Foundation
import HTTPCaching

/// One request to fetch through the store.
public struct FetchRequest: Sendable, Hashable {
    /// The absolute `http` or `https` URL. A `user:password@` in it is sent as HTTP Basic
    /// authentication to that origin and never recorded.
    public var url: String
    /// `GET` or `HEAD`.
    public var method: String
    /// Extra request header fields (`Accept`, `Cache-Control: max-age=0`, …). `Authorization`,
    /// `Proxy-Authorization` and `Cookie` are sent on the wire but never recorded.
    public var headers: HeaderFields
    /// The SHA-256 the body must have (an index page announced it). A complete `200` from the
    /// network whose body differs is not stored: the fetch fails with
    /// ``FetchError/digestMismatch(url:message:)``. An answer from the store is not checked here:
    /// compare its ``FetchResult/body``.
    public var expectedDigest: BlobDigest?

    /// Creates a request.
    public init(url: String, method: String = "GET", headers: HeaderFields = HeaderFields(), expectedDigest: BlobDigest? = nil) {
        self.url = url
        self.method = method
        self.headers = headers
        self.expectedDigest = expectedDigest
    }
}

/// Where a fetch should look for its answer.
public enum FetchMode: String, Sendable, Hashable, CaseIterable {
    /// Serve fresh responses from the store, revalidate stale ones, fetch the rest (RFC 9111).
    case online
    /// Never touch the network: answer from the store under the `offline` policy, or fail with
    /// the reasons why the store cannot answer.
    case offline
    /// Never touch the network: answer under the `archive` policy, which also serves the archived
    /// bodies of refused responses (an index server's last resort when its upstream is down).
    case archive
}

/// Called while a body is received: bytes received so far, and the announced size when the
/// server sent a `Content-Length`.
public typealias FetchProgress = @Sendable (_ receivedBytes: Int64, _ expectedBytes: Int64?) -> Void

/// The answer to a fetch.
public struct FetchResult: Sendable {
    /// Where the final answer came from.
    public enum Source: Sendable, Hashable {
        /// From the store, without touching the network; the verdict's freshness says how.
        case store(fresh: Bool)
        /// From the server (a full response, now recorded).
        case network
        /// The stored response, confirmed by the server with `304 Not Modified`.
        case revalidated
    }

    /// Where the answer came from.
    public var source: Source
    /// The URL of the final answer, as recorded (normalized, without credentials).
    public var url: String
    /// The redirects followed to get there, in order.
    public var redirects: [FetchRedirect]
    /// The final status code (a 500 is an answer too).
    public var status: Int
    /// The final response header fields (as stored, without `Set-Cookie`).
    public var headers: HeaderFields
    /// The final response body.
    public var body: FetchedBody
    /// The response row for the final answer.
    public var record: ResponseRecord
    /// For answers from the store: how fresh they are, and why a stale one is allowed.
    public var freshness: Satisfied.Freshness?

    /// True when the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }
}

/// One redirect followed during a fetch (each one is recorded as a response of its own).
public struct FetchRedirect: Sendable, Hashable, Codable {
    /// The URL that redirected (recorded form).
    public var from: String
    /// The redirect status (301, 302, 303, 307, 308).
    public var status: Int
    /// Where it pointed, resolved against `from` (recorded form).
    public var to: String
    /// True when this hop was answered by the store rather than the network.
    public var fromStore: Bool

    /// Creates a redirect description.
    public init(from: String, status: Int, to: String, fromStore: Bool) {
        self.from = from
        self.status = status
        self.to = to
        self.fromStore = fromStore
    }
}

/// Where the body of a fetched response is.
public enum FetchedBody: Sendable, Hashable {
    /// No body (`HEAD`, a `204`, or an empty body that was not stored).
    case none
    /// In the store: read it with ``ArtifactStore/Store/open(_:)`` or
    /// ``ArtifactStore/Store/copy(_:to:)`` (both verify it).
    case stored(digest: BlobDigest, size: Int64)
    /// Not kept by the store (refused by HTTP caching rules, or an error response), but handed to
    /// the caller in a private temporary file that the caller must delete. Only when
    /// ``CachingClient/Configuration/keepsUnstoredBodies`` is on.
    case temporaryFile(path: String, size: Int64)

    /// The size of the body, when there is one.
    public var size: Int64? {
        switch self {
        case .none: return nil
        case .stored(_, let size), .temporaryFile(_, let size): return size
        }
    }
}

/// Why a fetch did not produce an answer. Every failure that reached the network is also
/// recorded in the store (``ArtifactStore/Store/recordFailure(request:error:at:)``).
public enum FetchError: Error, Sendable, CustomStringConvertible {
    /// The URL is not an absolute `http`/`https` URL (the message says what is wrong).
    case invalidURL(String)
    /// The URL's scheme is not `http` or `https`.
    case unsupportedScheme(scheme: String, url: String)
    /// Only `GET` and `HEAD` are fetched through the store.
    case unsupportedMethod(String)
    /// Offline, and the store cannot answer: every reason the verdict gave.
    case unsatisfiable(url: String, reasons: [VerdictReason])
    /// The connection could not be made, broke, or the server's answer was malformed.
    case transport(url: String, message: String)
    /// A connect, read or total timeout elapsed.
    case timedOut(url: String, message: String)
    /// The body ended before (or went past) its `Content-Length`; nothing was stored.
    case bodyLengthMismatch(url: String, expected: Int64, received: Int64)
    /// The response header section exceeded the configured limit.
    case headersTooLarge(url: String, limit: Int)
    /// More redirects than ``CachingClient/Configuration/maximumRedirects``.
    case tooManyRedirects(url: String, limit: Int)
    /// A redirect without a usable `Location`, or to a URL that is not a valid http(s) URL
    /// (`reason` says what is wrong with it, when known).
    case badRedirect(url: String, location: String?, reason: String? = nil)
    /// The store failed (disk full, database error); the message says what to do.
    case store(StoreError)
    /// The body does not have the SHA-256 the request expected; nothing was stored.
    case digestMismatch(url: String, message: String)
    /// The server answered with a `5xx` status, taken as a failure
    /// (``CachingClient/Configuration/serverErrorsAreFailures``).
    case serverError(url: String, status: Int)

    /// One line saying what happened (URLs never carry credentials).
    public var description: String {
        switch self {
        case .invalidURL(let message):
            return message
        case .unsupportedScheme(let scheme, let url):
            return "cannot fetch \(url): the scheme \"\(scheme)\" is not supported; only http and https URLs are fetched"
        case .unsupportedMethod(let method):
            return "cannot fetch with method \(method): only GET and HEAD are fetched through the store"
        case .unsatisfiable(let url, let reasons):
            let why = reasons.map(\.message).joined(separator: "; ")
            return "\(url) cannot be answered offline: \(why.isEmpty ? "no reason given" : why)"
        case .transport(let url, let message):
            return "fetching \(url) failed: \(message)"
        case .timedOut(let url, let message):
            return "fetching \(url) timed out: \(message)"
        case .bodyLengthMismatch(let url, let expected, let received):
            let how = received < expected ? "ended after \(received) of \(expected) bytes" : "went past its Content-Length of \(expected) bytes (\(received) received)"
            return "the body of \(url) \(how); nothing was stored"
        case .headersTooLarge(let url, let limit):
            return "the response from \(url) has a header section larger than \(limit) bytes; it was rejected"
        case .tooManyRedirects(let url, let limit):
            return "fetching \(url) was redirected more than \(limit) times; stopped"
        case .badRedirect(let url, let location, let reason):
            if let location, let reason { return "\(url) redirects to \(RecordedURL.redacted(location)), which cannot be followed: \(reason)" }
            if let location { return "\(url) redirects to \(RecordedURL.redacted(location)), which cannot be followed (not an http or https URL)" }
            return "\(url) answered with a redirect but no Location"
        case .store(let error):
            return error.message
        case .digestMismatch(let url, let message):
            return "the body of \(url) is not the file its index page announced: \(message)"
        case .serverError(let url, let status):
            return "the server answered \(url) with status \(status)"
        }
    }
}

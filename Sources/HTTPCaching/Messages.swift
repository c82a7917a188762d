/// The parts of a request that caching depends on: method, target URI and header section.
public struct HTTPRequestHead: Hashable, Sendable, Codable {
    /// The method token, case-sensitive (RFC 9110 §9.1): `GET` is not `get`.
    public var method: String
    /// The target URI as an absolute URI string, e.g. `https://pypi.org/simple/torch/`.
    public var url: String
    /// The request header section.
    public var headers: HeaderFields

    /// Creates a request head.
    public init(method: String = "GET", url: String, headers: HeaderFields = HeaderFields()) {
        self.method = method
        self.url = url
        self.headers = headers
    }
}

/// The parts of a response that caching depends on: status code and header section.
public struct HTTPResponseHead: Hashable, Sendable, Codable {
    /// The three-digit status code.
    public var status: Int
    /// The response header section.
    public var headers: HeaderFields

    /// Creates a response head.
    public init(status: Int, headers: HeaderFields = HeaderFields()) {
        self.status = status
        self.headers = headers
    }
}

/// A response together with the request that produced it and the two clock readings that
/// RFC 9111 §4.2.3 needs: what a cache keeps about one exchange.
public struct StoredExchange: Hashable, Sendable, Codable {
    /// The request that caused the response (its Vary-nominated fields are compared later).
    public var request: HTTPRequestHead
    /// The response.
    public var response: HTTPResponseHead
    /// The cache's clock when the request was sent (`request_time`, RFC 9111 §4.2.3).
    public var requestTime: HTTPDate
    /// The cache's clock when the response was received (`response_time`, RFC 9111 §4.2.3).
    public var responseTime: HTTPDate

    /// Creates a stored exchange; `requestTime` defaults to `responseTime`.
    public init(request: HTTPRequestHead, response: HTTPResponseHead, requestTime: HTTPDate? = nil, responseTime: HTTPDate) {
        self.request = request
        self.response = response
        self.requestTime = requestTime ?? responseTime
        self.responseTime = responseTime
    }
}

/// Status-code facts from RFC 9110 §15 that caching needs.
public enum StatusCodes {
    /// Status codes defined as heuristically cacheable (RFC 9110 §15.1): 200, 203, 204, 206,
    /// 300, 301, 308, 404, 405, 410, 414 and 501.
    public static let heuristicallyCacheable: Set<Int> = [200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501]

    /// Final status codes whose caching requirements this module implements completely, i.e.
    /// those it "understands" in the sense of RFC 9111 §3: every final code defined by RFC 9110
    /// except 206 (needs range combination, §3.3-3.4, not implemented) and 304 (never stored on
    /// its own; it freshens a stored response, §4.3.4).
    public static let understood: Set<Int> = [
        200, 201, 202, 203, 204, 205,
        300, 301, 302, 303, 305, 307, 308,
        400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 426,
        500, 501, 502, 503, 504, 505,
    ]

    /// Whether the code is a final response (200...599; RFC 9110 §15: 1xx are interim).
    public static func isFinal(_ status: Int) -> Bool { (200...599).contains(status) }
}

import HTTPCaching

/// A request as the store looks it up and records it: its URL normalized (once), its method and
/// its header fields as the client sent them. Every lookup and record takes one; the variants
/// that take an `HTTPRequestHead` make one first. A caller that asks the store several things
/// about one request (look up, revalidate, record) makes it once and passes it on.
public struct StoreRequest: Sendable, Hashable {
    /// The normalized URL.
    public var url: NormalizedURL
    /// The method, as sent (`GET`).
    public var method: String
    /// The request's header fields, as sent.
    public var headers: HeaderFields

    /// A request for a normalized URL.
    public init(url: NormalizedURL, method: String = "GET", headers: HeaderFields = HeaderFields()) {
        self.url = url
        self.method = method
        self.headers = headers
    }

    /// The request `head` describes, its URL normalized.
    ///
    /// - Throws: ``StoreError`` `invalidInput` when the URL is not an absolute `http(s)` URL.
    public init(_ head: HTTPRequestHead) throws {
        self.init(url: try NormalizedURL(head.url), method: head.method, headers: head.headers)
    }

    /// The request as HTTPCaching's functions take it, with the normalized URL.
    public var head: HTTPRequestHead { HTTPRequestHead(method: method, url: url.text, headers: headers) }
}

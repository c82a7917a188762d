/// The rules of a *private* HTTP cache (RFC 9111), as pure functions of request, response and
/// clock values. The few settings RFC 9111 leaves to the implementation are the stored
/// properties; everything else is fixed by the RFC and documented where it is applied.
///
/// ```swift
/// let cache = PrivateCache()
/// let result = cache.evaluate(request: request, response: response,
///                             requestTime: sent, responseTime: received, now: now)
/// result.storability.refusalReasons   // [.noStoreResponse] for PyTorch's old index pages
/// ```
public struct PrivateCache: Hashable, Sendable, Codable {
    /// The heuristic freshness fraction, in percent of `Date - Last-Modified` (RFC 9111 §4.2.2
    /// suggests 10 %). Clamped to 0...100.
    public var heuristicPercent: Int64
    /// The largest heuristic freshness lifetime, in seconds. Default: one day (86 400 s). A
    /// wheel last modified a year ago would otherwise be considered fresh for 36 days without
    /// the origin ever having said so; a day keeps heuristic freshness an optimisation, while the
    /// store's offline policies, not heuristics, decide what is usable without a network.
    public var heuristicCap: Int64
    /// Whether to send the stored `Date` as `If-Modified-Since` when the stored response has no
    /// `Last-Modified` (default `false`; see ``conditionalHeaders(validating:for:)``).
    public var ifModifiedSinceFromDate: Bool

    /// The default heuristic cap: one day.
    public static let defaultHeuristicCap: Int64 = 86_400

    /// Creates a private cache with the given settings.
    public init(heuristicPercent: Int64 = 10, heuristicCap: Int64 = PrivateCache.defaultHeuristicCap,
                ifModifiedSinceFromDate: Bool = false) {
        self.heuristicPercent = min(max(heuristicPercent, 0), 100)
        self.heuristicCap = max(heuristicCap, 0)
        self.ifModifiedSinceFromDate = ifModifiedSinceFromDate
    }

    /// Whether a response may be stored, with reasons (RFC 9111 §3); see ``Storability``.
    public func storability(request: HTTPRequestHead, response: HTTPResponseHead) -> Storability {
        Storability(request: request, response: response)
    }

    /// Everything about one exchange at once: storability, freshness, reuse for `newRequest`
    /// (the original request when `nil`) and the conditional headers to revalidate with.
    public func evaluate(request: HTTPRequestHead, response: HTTPResponseHead, requestTime: HTTPDate? = nil,
                         responseTime: HTTPDate, now: HTTPDate, newRequest: HTTPRequestHead? = nil) -> CacheEvaluation {
        let exchange = StoredExchange(request: request, response: response, requestTime: requestTime, responseTime: responseTime)
        let presented = newRequest ?? request
        let storability = storability(request: request, response: response)
        let reuse = reuse(exchange, for: presented, now: now)
        let headers = storability.isStorable ? conditionalHeaders(validating: [exchange], for: presented) : HeaderFields()
        return CacheEvaluation(storability: storability, reuse: reuse, revalidationHeaders: headers)
    }
}

/// The combined result of ``PrivateCache/evaluate(request:response:requestTime:responseTime:now:newRequest:)``.
public struct CacheEvaluation: Hashable, Sendable, Codable {
    /// Whether the response may be stored, and why not.
    public var storability: Storability
    /// Freshness, key matching and revalidation reasons for the presented request.
    public var reuse: ReuseDecision
    /// The conditional headers to send when revalidating for the presented request; empty when
    /// the response is not storable (nothing would be stored to validate).
    public var revalidationHeaders: HeaderFields

    /// Creates a combined result.
    public init(storability: Storability, reuse: ReuseDecision, revalidationHeaders: HeaderFields) {
        self.storability = storability
        self.reuse = reuse
        self.revalidationHeaders = revalidationHeaders
    }

    /// The stored response's freshness.
    public var freshness: FreshnessEvaluation { reuse.freshness }

    /// Strict RFC 9111: the response would be stored and may answer the presented request
    /// without contacting the origin.
    public var isReusable: Bool { storability.isStorable && reuse.isReusable }
}

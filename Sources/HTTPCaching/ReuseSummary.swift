/// What deciding the reuse of a stored response needs from its header section, computed once
/// when the response is stored, so that a later decision parses nothing (RFC 9111 §4).
///
/// For a presented request whose `Vary`-nominated fields match the stored request's (the caller
/// compares them, e.g. through a key built from ``vary``), ``verdict(_:requestHasCacheDirectives:now:)``
/// gives the same ``ServingVerdict`` as ``PrivateCache/reuse(_:for:now:)`` followed by
/// ``ReuseDecision/verdict(_:)``; the tests hold the two to that over fuzzed exchanges.
public struct ReuseSummary: Hashable, Sendable, Codable {
    /// `freshness_lifetime` in seconds (§4.2.1).
    public var freshnessLifetime: Int64
    /// `corrected_initial_age` in seconds (§4.2.3).
    public var correctedInitialAge: Int64
    /// The response time, Unix seconds; `resident_time` counts from it (§4.2.3).
    public var responseTime: Int64
    /// `no-cache` (§5.2.2.4): `nil` when absent, else its qualifying field names (`[]` when
    /// unqualified; either way it is treated as unqualified).
    public var noCache: [String]?
    /// `must-revalidate` (§5.2.2.2).
    public var mustRevalidate: Bool
    /// The `Vary`-nominated field names, lowercased, in order, without repeats; `["*"]` when the
    /// response says `Vary: *` (§4.1).
    public var vary: [String]

    /// Creates a summary from its parts (as read back from storage).
    public init(freshnessLifetime: Int64, correctedInitialAge: Int64, responseTime: Int64,
                noCache: [String]?, mustRevalidate: Bool, vary: [String]) {
        self.freshnessLifetime = freshnessLifetime
        self.correctedInitialAge = correctedInitialAge
        self.responseTime = responseTime
        self.noCache = noCache
        self.mustRevalidate = mustRevalidate
        self.vary = vary
    }

    /// Summarizes a stored exchange under a cache's rules.
    public init(_ stored: StoredExchange, cache: PrivateCache) {
        let directives = ResponseCacheDirectives(stored.response.headers)
        let freshness = cache.freshness(of: stored, now: stored.responseTime, directives: directives)
        self.freshnessLifetime = freshness.lifetime.seconds
        self.correctedInitialAge = freshness.age.correctedInitialAge
        self.responseTime = stored.responseTime.secondsSince1970
        switch directives.noCache {
        case .fields(let names): self.noCache = names
        case .unqualified: self.noCache = []
        case nil: self.noCache = nil
        }
        self.mustRevalidate = directives.mustRevalidate
        self.vary = Self.nominatedFields(stored.response.headers)
    }

    /// The field names `Vary` nominates, lowercased and without repeats, as ``CacheKey`` compares
    /// them; `["*"]` when one of them is `*`.
    public static func nominatedFields(_ headers: HeaderFields) -> [String] {
        let members = headers.listMembers(for: "Vary")
        if members.contains("*") { return ["*"] }
        var names: [String] = []
        for member in members {
            let name = HeaderFields.lowercasedName(member)
            if !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// Whether the response says `Vary: *`: it matches no request (§4.1).
    public var variesOnEverything: Bool { vary.first == "*" }

    /// When the response stops (or stopped) being fresh, in Unix seconds.
    public var expiresAt: Int64 {
        responseTime.saturatingAdd(freshnessLifetime.saturatingSubtract(correctedInitialAge))
    }

    /// The verdict under `mode` at `now`, for a request whose `Vary`-nominated fields match, or
    /// `nil` when only the full evaluation can tell: in ``ServingMode/connected`` mode when the
    /// request carries `Cache-Control` or `Pragma` (its own freshness directives take part).
    /// The other modes ignore the request's directives, as ``ReuseDecision/verdict(_:)`` does.
    public func verdict(_ mode: ServingMode, requestHasCacheDirectives: Bool, now: HTTPDate) -> ServingVerdict? {
        if variesOnEverything { return .unusable([.varyAll]) }
        if mode == .connected && requestHasCacheDirectives { return nil }
        // §4.2.3: current_age = corrected_initial_age + resident_time, computed as AgeCalculation does.
        let residentTime = max(0, now.secondsSince1970.saturatingSubtract(responseTime))
        let currentAge = correctedInitialAge.saturatingAdd(residentTime)
        let timeToLive = freshnessLifetime.saturatingSubtract(currentAge)
        let isFresh = freshnessLifetime > currentAge
        let staleBy = max(0, currentAge.saturatingSubtract(freshnessLifetime))

        var prohibitions: [ServingProhibition] = []
        if noCache != nil { prohibitions.append(.noCache) }
        if mustRevalidate && !isFresh { prohibitions.append(.mustRevalidate) }
        switch mode {
        case .connected:
            var reasons: [RevalidationReason] = []
            if let noCache { reasons.append(.responseNoCache(fields: noCache)) }
            if !isFresh { reasons.append(.stale(by: staleBy)) }
            return reasons.isEmpty ? .fresh(timeToLive: timeToLive) : .revalidationRequired(reasons)
        case .disconnected:
            if !prohibitions.isEmpty { return .notAllowed(staleBy: staleBy, because: prohibitions) }
            return isFresh ? .fresh(timeToLive: timeToLive) : .stale(by: staleBy, allowedBecause: .disconnected)
        case .overridingDirectives:
            if !prohibitions.isEmpty { return .overridden(staleBy: staleBy, directives: prohibitions) }
            return isFresh ? .fresh(timeToLive: timeToLive) : .stale(by: staleBy, allowedBecause: .policy)
        }
    }
}

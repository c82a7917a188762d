/// Why a stored response cannot be used for a presented request at all: it belongs to another
/// cache key or another negotiated variant (RFC 9111 §4, §4.1).
public enum ReuseMismatch: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The target URIs differ after normalization (see ``CacheKey/normalizedURL(_:)``).
    case urlMismatch(stored: String, presented: String)
    /// The stored response's method cannot answer the presented method: a stored `GET`
    /// answers `GET` and `HEAD`, a stored `HEAD` only `HEAD`; other methods are written through.
    case methodMismatch(stored: String, presented: String)
    /// The stored response has `Vary: *`, which always fails to match (§4.1).
    case varyAll
    /// A field nominated by `Vary` differs between the original and the presented request
    /// (`nil` means absent). The values are the combined field values as sent.
    case varyMismatch(field: String, stored: String?, presented: String?)

    /// A stable code: `url-mismatch`, `method-mismatch`, `vary-star`, `vary-mismatch`.
    public var code: String {
        switch self {
        case .urlMismatch: "url-mismatch"
        case .methodMismatch: "method-mismatch"
        case .varyAll: "vary-star"
        case .varyMismatch: "vary-mismatch"
        }
    }

    /// A sentence explaining the mismatch.
    public var description: String {
        switch self {
        case .urlMismatch(let stored, let presented):
            "the stored response is for \(stored), not \(presented)"
        case .methodMismatch(let stored, let presented):
            "a stored response to \(stored) cannot answer a \(presented) request"
        case .varyAll:
            "the stored response has Vary: *, which never matches another request"
        case .varyMismatch(let field, let stored, let presented):
            "Vary nominates \(field): stored request had \(stored.map { "\"\($0)\"" } ?? "none"), "
                + "this request has \(presented.map { "\"\($0)\"" } ?? "none")"
        }
    }
}

/// Why the strict rules (a connected private cache, RFC 9111 §4) require contacting the origin
/// before a matching stored response may be used.
public enum RevalidationReason: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The response has `no-cache`; its qualified form (`no-cache="Set-Cookie"`) is treated as
    /// unqualified, as §5.2.2.4 notes caches commonly do. `fields` lists the qualified names.
    case responseNoCache(fields: [String])
    /// The request has `Cache-Control: no-cache` (§5.2.1.4).
    case requestNoCache
    /// The request has `Pragma: no-cache` and no `Cache-Control` (HTTP/1.0 compatibility).
    case requestPragmaNoCache
    /// The response is stale: its age is at least its freshness lifetime (§4.2).
    case stale(by: Int64)
    /// The request's `max-age` is exceeded (§5.2.1.1); `max-age=0` always requires validation.
    case requestMaxAge(limit: Int64, age: Int64)
    /// The request's `min-fresh` is not met (§5.2.1.3): fewer than `minFresh` seconds remain.
    case requestMinFresh(minFresh: Int64, timeToLive: Int64)
    /// The request allowed staleness up to `limit` seconds, but the response is staler.
    case maxStaleExceeded(limit: Int64, staleBy: Int64)
    /// The request allowed stale responses, but the response says `must-revalidate` (§5.2.2.2).
    case mustRevalidate

    /// A stable code.
    public var code: String {
        switch self {
        case .responseNoCache: "no-cache-response"
        case .requestNoCache: "no-cache-request"
        case .requestPragmaNoCache: "pragma-no-cache-request"
        case .stale: "stale"
        case .requestMaxAge: "request-max-age"
        case .requestMinFresh: "request-min-fresh"
        case .maxStaleExceeded: "max-stale-exceeded"
        case .mustRevalidate: "must-revalidate"
        }
    }

    /// A sentence explaining the reason.
    public var description: String {
        switch self {
        case .responseNoCache(let fields):
            fields.isEmpty ? "the response says no-cache"
                : "the response says no-cache=\"\(fields.joined(separator: ", "))\" (treated as no-cache)"
        case .requestNoCache: "the request says Cache-Control: no-cache"
        case .requestPragmaNoCache: "the request says Pragma: no-cache"
        case .stale(let by): "the response is stale by \(by) s"
        case .requestMaxAge(let limit, let age): "the request accepts an age of at most \(limit) s, the response is \(age) s old"
        case .requestMinFresh(let minFresh, let ttl): "the request wants \(minFresh) s of freshness left, the response has \(ttl) s"
        case .maxStaleExceeded(let limit, let staleBy): "the request accepts \(limit) s of staleness, the response is stale by \(staleBy) s"
        case .mustRevalidate: "the response says must-revalidate, so a stale copy needs validation even though the request accepts stale responses"
        }
    }
}

/// A response directive that forbids using a stored response without validation even by a
/// disconnected cache (RFC 9111 §4.2.4, §5.2.2.2, §5.2.2.4). `proxy-revalidate` and `s-maxage`
/// apply to shared caches only and never appear here.
public enum ServingProhibition: String, Hashable, Sendable, Codable, CustomStringConvertible {
    /// `no-cache`: never reused without successful validation (§5.2.2.4), fresh or not.
    case noCache = "no-cache"
    /// `must-revalidate` on a stale response: "if a cache is disconnected, the cache MUST
    /// generate an error response rather than reuse the stale response" (§5.2.2.2).
    case mustRevalidate = "must-revalidate"

    /// A stable code (the directive name).
    public var code: String { rawValue }

    /// A sentence explaining the prohibition.
    public var description: String {
        switch self {
        case .noCache: "the response says no-cache: it must be validated before every use"
        case .mustRevalidate: "the response says must-revalidate: once stale it must be validated before use"
        }
    }
}

/// Why a stale response may be used.
public enum StaleAllowance: Hashable, Sendable, Codable {
    /// The request's `max-stale` accepts it (`nil` limit: any staleness) (§5.2.1.2).
    case requestMaxStale(limit: Int64?)
    /// The cache is disconnected and no directive forbids serving stale (§4.2.4).
    case disconnected
    /// A local policy permits it (``ServingMode/overridingDirectives``); no directive forbade it.
    case policy

    /// A stable code: `max-stale`, `disconnected` or `policy`.
    public var code: String {
        switch self {
        case .requestMaxStale: "max-stale"
        case .disconnected: "disconnected"
        case .policy: "policy"
        }
    }
}

/// Under which rules a stored response is judged.
public enum ServingMode: String, Hashable, Sendable, Codable {
    /// Strict RFC 9111 for a connected private cache: stale or `no-cache` responses need
    /// validation unless the request's `max-stale` accepts them.
    case connected
    /// RFC 9111 §4.2.4 for a disconnected cache: stale responses may be served unless
    /// `must-revalidate` or `no-cache` forbids it; the request's advisory freshness directives
    /// (`max-age`, `min-fresh`, `no-cache`) cannot be honoured without an origin and are ignored.
    case disconnected
    /// An explicit local policy that overrides the response's directives (what an installer's
    /// `--offline` means): anything that matches is usable, and the overridden directives are
    /// reported. Key and `Vary` mismatches are never overridden.
    case overridingDirectives
}

/// The verdict on using a stored response for a request under a ``ServingMode``.
public enum ServingVerdict: Hashable, Sendable, Codable {
    /// Usable and fresh, for `timeToLive` more seconds.
    case fresh(timeToLive: Int64)
    /// Usable although stale by `by` seconds, for the stated reason.
    case stale(by: Int64, allowedBecause: StaleAllowance)
    /// Usable only because the policy overrides these directives (`staleBy` 0 when fresh).
    case overridden(staleBy: Int64, directives: [ServingProhibition])
    /// Connected mode: the origin must be contacted (conditional request) first.
    case revalidationRequired([RevalidationReason])
    /// Disconnected mode: the response's directives forbid using it.
    case notAllowed(staleBy: Int64, because: [ServingProhibition])
    /// The stored response does not match the request at all.
    case unusable([ReuseMismatch])

    /// Whether the stored response may be used under the chosen mode.
    public var isUsable: Bool {
        switch self {
        case .fresh, .stale, .overridden: true
        case .revalidationRequired, .notAllowed, .unusable: false
        }
    }
}

/// Everything about reusing one stored response for one presented request at one time
/// (RFC 9111 §4).
public struct ReuseDecision: Hashable, Sendable, Codable {
    /// The stored response's own freshness at ``FreshnessEvaluation/now``.
    public var freshness: FreshnessEvaluation
    /// Cache-key and Vary mismatches; non-empty means the response cannot answer the request.
    public var mismatches: [ReuseMismatch]
    /// Why a connected cache must validate first; empty when it may reuse directly.
    public var revalidationReasons: [RevalidationReason]
    /// Response directives forbidding use without validation even when disconnected.
    public var prohibitions: [ServingProhibition]
    /// The request's `max-stale` permission when it was needed (the response misses the
    /// request's freshness test) and could be considered; `.some(nil)` means unlimited.
    public var maxStaleAllowance: Int64??
    /// The request said `only-if-cached` (§5.2.1.7): if the response is not usable, a cache
    /// honouring it answers 504 instead of contacting the origin.
    public var onlyIfCached: Bool

    /// Strict RFC 9111 answer for a connected private cache: the stored response may answer the
    /// request without contacting the origin.
    public var isReusable: Bool { mismatches.isEmpty && revalidationReasons.isEmpty }

    /// The verdict under a serving mode.
    public func verdict(_ mode: ServingMode) -> ServingVerdict {
        if !mismatches.isEmpty { return .unusable(mismatches) }
        let staleBy = freshness.staleness
        switch mode {
        case .connected:
            if !revalidationReasons.isEmpty { return .revalidationRequired(revalidationReasons) }
            if let allowance = maxStaleAllowance {
                // Only set when the request's max-stale was needed and granted.
                return .stale(by: requestStaleness ?? staleBy, allowedBecause: .requestMaxStale(limit: allowance))
            }
            return .fresh(timeToLive: freshness.timeToLive)
        case .disconnected:
            if !prohibitions.isEmpty { return .notAllowed(staleBy: staleBy, because: prohibitions) }
            return freshness.isFresh ? .fresh(timeToLive: freshness.timeToLive)
                : .stale(by: staleBy, allowedBecause: .disconnected)
        case .overridingDirectives:
            if !prohibitions.isEmpty { return .overridden(staleBy: staleBy, directives: prohibitions) }
            return freshness.isFresh ? .fresh(timeToLive: freshness.timeToLive)
                : .stale(by: staleBy, allowedBecause: .policy)
        }
    }

    /// Staleness relative to the request's own limits (`max-age`, `min-fresh`), when those
    /// made a fresh response unacceptable; `nil` when they did not.
    var requestStaleness: Int64?
}

/// Cache-key helpers (RFC 9111 §2, §4, §4.1).
public enum CacheKey {
    /// Normalizes an absolute `http`/`https` URI for comparison (RFC 9110 §4.2.3, RFC 3986
    /// §6.2.2-6.2.3): scheme and host lowercased, default port (`:80` for http, `:443` for
    /// https) and empty port removed, empty path replaced by `/`, fragment removed,
    /// percent-encoded unreserved characters decoded and other percent-encodings uppercased.
    /// Reserved characters keep their form: `%2B` and `+` stay different. Other strings are
    /// returned unchanged.
    public static func normalizedURL(_ url: String) -> String {
        if isNormalized(url) { return url }
        let bytes = Array(url.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
              bytes.count >= colon + 3, bytes[colon + 1] == UInt8(ascii: "/"), bytes[colon + 2] == UInt8(ascii: "/")
        else { return url }
        let scheme = bytes[..<colon].map(HeaderFields.asciiLower)
        guard scheme == Array("http".utf8) || scheme == Array("https".utf8) else { return url }

        var rest = Array(bytes[(colon + 3)...])
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) { rest = Array(rest[..<hash]) }
        let authorityEnd = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? rest.count
        var authority = Array(rest[..<authorityEnd])
        var pathAndQuery = Array(rest[authorityEnd...])

        var userinfo: [UInt8] = []
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) {
            userinfo = Array(authority[...at])
            authority = Array(authority[(at + 1)...])
        }
        // Split host and port; an IPv6 literal's colons are inside brackets. An empty or default
        // port is dropped, and so is one that this uncovers (garbage such as `h:8080:`), so that
        // normalizing twice changes nothing.
        let defaultPort = scheme == Array("http".utf8) ? Array("80".utf8) : Array("443".utf8)
        var host = authority
        var port: [UInt8] = []
        while let lastColon = host.lastIndex(of: UInt8(ascii: ":")), !host[lastColon...].contains(UInt8(ascii: "]")) {
            port = Array(host[(lastColon + 1)...])
            host = Array(host[..<lastColon])
            if !port.isEmpty && port != defaultPort { break }
            port = []
        }
        host = normalizePercentEncoding(host.map(HeaderFields.asciiLower))

        if pathAndQuery.first != UInt8(ascii: "/") { pathAndQuery.insert(UInt8(ascii: "/"), at: 0) }
        pathAndQuery = normalizePercentEncoding(pathAndQuery)

        var result = scheme + Array("://".utf8) + userinfo + host
        if !port.isEmpty { result += [UInt8(ascii: ":")] + port }
        result += pathAndQuery
        return String(decoding: result, as: UTF8.self)
    }

    /// Whether normalization would leave the URL as it is, by a cheaper scan than normalizing
    /// (the common case: URLs read back from the store, or as indexes write them): a lowercase
    /// `http`/`https` scheme, an authority without uppercase letters, port, userinfo or brackets,
    /// a non-empty path, and no `%` or `#` anywhere.
    static func isNormalized(_ url: String) -> Bool {
        var utf8 = url.utf8[...]
        if utf8.starts(with: "https://".utf8) {
            utf8 = utf8.dropFirst(8)
        } else if utf8.starts(with: "http://".utf8) {
            utf8 = utf8.dropFirst(7)
        } else {
            return false
        }
        var inAuthority = true
        var authorityLength = 0
        for byte in utf8 {
            if byte == UInt8(ascii: "%") || byte == UInt8(ascii: "#") { return false }
            guard inAuthority else { continue }
            switch byte {
            case UInt8(ascii: "/"):
                inAuthority = false
            case UInt8(ascii: "?"), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                return false
            default:
                authorityLength += 1
            }
        }
        return !inAuthority && authorityLength > 0
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
    }

    private static func normalizePercentEncoding(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        let hexDigits = Array("0123456789ABCDEF".utf8)
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                let decoded = high << 4 | low
                if isUnreserved(decoded) {
                    result.append(decoded)
                } else {
                    result += [UInt8(ascii: "%"), hexDigits[Int(high)], hexDigits[Int(low)]]
                }
                index += 3
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return result
    }

    /// The value a `Vary`-nominated field is compared by (RFC 9111 §4.1), or `nil` when the
    /// field is absent: all lines combined with `", "` (RFC 9110 §5.3), then whitespace
    /// normalized outside quoted strings (removed next to `,` `;` `=` and at both ends, other
    /// runs collapsed to one space). Values are otherwise compared exactly (no case folding,
    /// no reordering: those depend on each field's own semantics). A present but empty field
    /// is not the same as an absent one.
    public static func normalizedSelectingValue(_ name: String, in headers: HeaderFields) -> String? {
        guard let combined = headers.combinedValue(for: name) else { return nil }
        var output: [UInt8] = []
        var pendingSpace = false
        var inQuotes = false
        var escaped = false
        func isDelimiter(_ byte: UInt8) -> Bool { byte == UInt8(ascii: ",") || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "=") }
        for byte in combined.utf8 {
            if inQuotes {
                output.append(byte)
                if escaped { escaped = false }
                else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inQuotes = false }
                continue
            }
            if HeaderFields.isWhitespace(byte) {
                pendingSpace = true
                continue
            }
            if isDelimiter(byte) {
                pendingSpace = false
                output.append(byte)
                continue
            }
            if pendingSpace, let last = output.last, !isDelimiter(last) { output.append(0x20) }
            pendingSpace = false
            if byte == UInt8(ascii: "\"") { inQuotes = true }
            output.append(byte)
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Mismatches between a stored exchange and a presented request: URI, method, and the
    /// `Vary`-nominated fields (RFC 9111 §4, §4.1). Empty means the stored response may be
    /// selected (freshness aside).
    public static func mismatches(_ stored: StoredExchange, _ presented: HTTPRequestHead) -> [ReuseMismatch] {
        var result: [ReuseMismatch] = []
        if normalizedURL(stored.request.url) != normalizedURL(presented.url) {
            result.append(.urlMismatch(stored: stored.request.url, presented: presented.url))
        }
        let methodAllowed: Bool
        switch (stored.request.method, presented.method) {
        case ("GET", "GET"), ("GET", "HEAD"), ("HEAD", "HEAD"): methodAllowed = true
        default: methodAllowed = false
        }
        if !methodAllowed {
            result.append(.methodMismatch(stored: stored.request.method, presented: presented.method))
        }
        let nominated = stored.response.headers.listMembers(for: "Vary")
        if nominated.contains("*") {
            result.append(.varyAll)
        } else {
            var seen: Set<String> = []
            for name in nominated {
                let lower = HeaderFields.lowercasedName(name)
                guard seen.insert(lower).inserted else { continue }
                if normalizedSelectingValue(name, in: stored.request.headers)
                    != normalizedSelectingValue(name, in: presented.headers) {
                    result.append(.varyMismatch(field: name,
                                                stored: stored.request.headers.combinedValue(for: name),
                                                presented: presented.headers.combinedValue(for: name)))
                }
            }
        }
        return result
    }
}

extension PrivateCache {
    /// Decides whether a stored exchange may answer `request` at `now` (RFC 9111 §4).
    ///
    /// Request freshness directives, consistent with the `freshness_lifetime > current_age`
    /// test of §4.2: `max-age=N` caps the lifetime at N (so `max-age=0` always requires
    /// validation, which is how pip asks for it); `min-fresh=N` subtracts N from it; `max-stale`
    /// then accepts a response that misses this test by at most its limit, unless the response
    /// says `must-revalidate`. `no-cache` in the response always requires validation.
    public func reuse(_ stored: StoredExchange, for request: HTTPRequestHead, now: HTTPDate) -> ReuseDecision {
        let responseDirectives = ResponseCacheDirectives(stored.response.headers)
        let freshness = freshness(of: stored, now: now, directives: responseDirectives)
        let mismatches = CacheKey.mismatches(stored, request)
        let requestDirectives = RequestCacheDirectives(request.headers)

        var reasons: [RevalidationReason] = []
        var prohibitions: [ServingProhibition] = []
        if let noCache = responseDirectives.noCache {
            if case .fields(let names) = noCache {
                reasons.append(.responseNoCache(fields: names))
            } else {
                reasons.append(.responseNoCache(fields: []))
            }
            prohibitions.append(.noCache)
        }
        if responseDirectives.mustRevalidate && !freshness.isFresh {
            prohibitions.append(.mustRevalidate)
        }
        if requestDirectives.noCache {
            reasons.append(.requestNoCache)
        } else if requestDirectives.pragmaNoCache {
            reasons.append(.requestPragmaNoCache)
        }

        let lifetime = freshness.lifetime.seconds
        let age = freshness.currentAge
        let maxAge = requestDirectives.effectiveMaxAge
        let minFresh = requestDirectives.effectiveMinFresh ?? 0
        let effectiveLifetime = min(lifetime, maxAge ?? lifetime).saturatingSubtract(minFresh)

        var maxStaleAllowance: Int64?? = nil
        switch requestDirectives.maxStale {
        case .unlimited: maxStaleAllowance = .some(nil)
        case .seconds(let limit): maxStaleAllowance = .some(limit)
        case .invalid, nil: maxStaleAllowance = nil
        }

        var requestStaleness: Int64? = nil
        if effectiveLifetime <= age {
            let staleness = age.saturatingSubtract(effectiveLifetime)
            var permitted = false
            var extra: RevalidationReason? = nil
            if let allowance = maxStaleAllowance {
                if responseDirectives.mustRevalidate {
                    extra = .mustRevalidate
                } else if let limit = allowance, staleness > limit {
                    extra = .maxStaleExceeded(limit: limit, staleBy: staleness)
                } else {
                    permitted = true
                }
            }
            if permitted {
                if freshness.isFresh { requestStaleness = staleness }
            } else {
                if lifetime <= age {
                    reasons.append(.stale(by: age.saturatingSubtract(lifetime)))
                } else if let maxAge, maxAge <= age {
                    reasons.append(.requestMaxAge(limit: maxAge, age: age))
                } else {
                    reasons.append(.requestMinFresh(minFresh: minFresh, timeToLive: freshness.timeToLive))
                }
                if let extra { reasons.append(extra) }
            }
        }
        var decision = ReuseDecision(
            freshness: freshness, mismatches: mismatches, revalidationReasons: reasons,
            prohibitions: prohibitions, maxStaleAllowance: effectiveLifetime <= age ? maxStaleAllowance : nil,
            onlyIfCached: requestDirectives.onlyIfCached)
        decision.requestStaleness = requestStaleness
        return decision
    }
}

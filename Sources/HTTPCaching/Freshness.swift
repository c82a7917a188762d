/// Where a response's freshness lifetime came from (RFC 9111 §4.2.1, §4.2.2).
public enum FreshnessSource: Hashable, Sendable, Codable {
    /// The `max-age` response directive.
    case maxAge(seconds: Int64)
    /// `max-age` is present with an invalid argument: the response is stale (§4.2.1 "Caches are
    /// encouraged to consider responses that have invalid freshness information ... to be
    /// stale"); `Expires` is still ignored because a `max-age` directive is present (§5.3).
    case invalidMaxAge(arguments: [String?])
    /// `max-age` appears with different values: the response is stale (§4.2.1 "either the first
    /// occurrence should be used or the response should be considered stale"; this module takes
    /// the conservative branch so the conflict is visible rather than silently resolved).
    case conflictingMaxAge(values: [Int64])
    /// `Expires` minus `Date` (or minus the response time when `Date` is absent or invalid).
    case expires(expires: HTTPDate, date: HTTPDate)
    /// `Expires` is not a valid HTTP-date (e.g. `0`): already expired (§5.3).
    case invalidExpires(value: String)
    /// Several `Expires` lines with different values: stale (§4.2.1, as for `max-age`).
    case conflictingExpires(values: [String])
    /// Heuristic: a fraction of `Date` minus `Last-Modified`, capped (§4.2.2).
    case heuristic(lastModified: HTTPDate, date: HTTPDate)
    /// Heuristics are allowed but there is no valid `Last-Modified` to base one on: lifetime 0.
    case noHeuristicBasis
    /// No explicit expiration and the status is not heuristically cacheable (and no `public` or
    /// `private`): heuristics are not allowed (§4.2.2), lifetime 0.
    case heuristicNotAllowed

    /// A stable code: `max-age`, `invalid-max-age`, `conflicting-max-age`, `expires`,
    /// `invalid-expires`, `conflicting-expires`, `heuristic`, `no-heuristic-basis`,
    /// `heuristic-not-allowed`.
    public var code: String {
        switch self {
        case .maxAge: "max-age"
        case .invalidMaxAge: "invalid-max-age"
        case .conflictingMaxAge: "conflicting-max-age"
        case .expires: "expires"
        case .invalidExpires: "invalid-expires"
        case .conflictingExpires: "conflicting-expires"
        case .heuristic: "heuristic"
        case .noHeuristicBasis: "no-heuristic-basis"
        case .heuristicNotAllowed: "heuristic-not-allowed"
        }
    }
}

/// A response's freshness lifetime in seconds and where it came from.
public struct FreshnessLifetime: Hashable, Sendable, Codable {
    /// The lifetime in seconds, never negative (an `Expires` before `Date` gives 0).
    public var seconds: Int64
    /// The rule that produced it.
    public var source: FreshnessSource

    /// Creates a lifetime.
    public init(seconds: Int64, source: FreshnessSource) {
        self.seconds = seconds
        self.source = source
    }

    /// Whether the lifetime is a heuristic one (§4.2.2).
    public var isHeuristic: Bool {
        if case .heuristic = source { return true }
        return false
    }
}

/// The age calculation of RFC 9111 §4.2.3, with every intermediate value kept for explanations.
/// All arithmetic saturates instead of overflowing.
public struct AgeCalculation: Hashable, Sendable, Codable {
    /// `age_value`: the `Age` header field in seconds, or 0. With several `Age` lines or list
    /// members the largest valid value is used (the conservative reading: an older response is
    /// never taken as fresher); invalid members are ignored.
    public var ageValue: Int64
    /// `date_value`: the first `Date` line if it is a valid HTTP-date, else the response time
    /// (RFC 9110 §6.6.1: a recipient records the time it received a message without `Date`).
    public var dateValue: HTTPDate
    /// `apparent_age = max(0, response_time - date_value)`.
    public var apparentAge: Int64
    /// `response_delay = response_time - request_time`, floored at 0 (a request time after the
    /// response time is a clock error, not a negative delay).
    public var responseDelay: Int64
    /// `corrected_age_value = age_value + response_delay`.
    public var correctedAgeValue: Int64
    /// `corrected_initial_age = max(apparent_age, corrected_age_value)`: the conservative form,
    /// since a cache cannot know whether every hop inserted `Age` correctly.
    public var correctedInitialAge: Int64
    /// `resident_time = now - response_time`, floored at 0 (a clock that went backwards does not
    /// make a response younger).
    public var residentTime: Int64
    /// `current_age = corrected_initial_age + resident_time`.
    public var currentAge: Int64

    /// Computes the age of `response` at `now`.
    public init(response: HTTPResponseHead, requestTime: HTTPDate, responseTime: HTTPDate, now: HTTPDate) {
        let ageValues = response.headers.listMembers(for: "Age").compactMap(parseDeltaSeconds)
        ageValue = ageValues.max() ?? 0
        dateValue = dateHeader(of: response, receivedAt: responseTime) ?? responseTime
        apparentAge = max(0, responseTime.seconds(since: dateValue))
        responseDelay = max(0, responseTime.seconds(since: requestTime))
        correctedAgeValue = ageValue.saturatingAdd(responseDelay)
        correctedInitialAge = max(apparentAge, correctedAgeValue)
        residentTime = max(0, now.seconds(since: responseTime))
        currentAge = correctedInitialAge.saturatingAdd(residentTime)
    }
}

/// The first `Date` line of a response, when it is a valid HTTP-date.
func dateHeader(of response: HTTPResponseHead, receivedAt responseTime: HTTPDate) -> HTTPDate? {
    response.headers.values(for: "Date").first.flatMap { HTTPDate.parse($0, relativeTo: responseTime) }
}

/// Whether a stored response is fresh at a given time, and for how long (RFC 9111 §4.2).
public struct FreshnessEvaluation: Hashable, Sendable, Codable {
    /// The freshness lifetime and its source.
    public var lifetime: FreshnessLifetime
    /// The age calculation at ``now``.
    public var age: AgeCalculation
    /// The clock value the evaluation was made at.
    public var now: HTTPDate

    /// Creates an evaluation from its parts.
    public init(lifetime: FreshnessLifetime, age: AgeCalculation, now: HTTPDate) {
        self.lifetime = lifetime
        self.age = age
        self.now = now
    }

    /// `current_age` in seconds.
    public var currentAge: Int64 { age.currentAge }

    /// `freshness_lifetime - current_age`: positive while fresh, zero or negative once stale
    /// (negative values say by how much). Not clamped, so that "stale by 3 days" can be read off
    /// directly as `-timeToLive`.
    public var timeToLive: Int64 { lifetime.seconds.saturatingSubtract(age.currentAge) }

    /// `response_is_fresh = (freshness_lifetime > current_age)` (§4.2).
    public var isFresh: Bool { lifetime.seconds > age.currentAge }

    /// How long the response has been stale: `max(0, current_age - freshness_lifetime)`.
    public var staleness: Int64 { max(0, age.currentAge.saturatingSubtract(lifetime.seconds)) }

    /// The instant the response stops (or stopped) being fresh: `now + timeToLive`.
    public var expiresAt: HTTPDate { now.adding(seconds: timeToLive) }
}

extension PrivateCache {
    /// The freshness lifetime of a response (RFC 9111 §4.2.1), first match of:
    /// 1. `max-age` (valid: its value; invalid or conflicting: 0, i.e. stale);
    /// 2. `Expires` minus `Date` (floored at 0; invalid or conflicting `Expires`: 0);
    /// 3. a heuristic (§4.2.2) when the status is heuristically cacheable or the response is
    ///    marked `public` or `private`: ``heuristicPercent`` % of `Date - Last-Modified`, at most
    ///    ``heuristicCap`` seconds; 0 without a valid `Last-Modified`.
    ///
    /// `s-maxage` is ignored (private cache). Dates are parsed relative to `responseTime` (for
    /// the two-digit-year rule), and `Date` falls back to `responseTime`.
    public func freshnessLifetime(of response: HTTPResponseHead, receivedAt responseTime: HTTPDate) -> FreshnessLifetime {
        freshnessLifetime(of: response, receivedAt: responseTime, directives: ResponseCacheDirectives(response.headers))
    }

    /// ``freshnessLifetime(of:receivedAt:)`` with the response's directives parsed already.
    func freshnessLifetime(of response: HTTPResponseHead, receivedAt responseTime: HTTPDate, directives: ResponseCacheDirectives) -> FreshnessLifetime {
        switch directives.maxAge {
        case .valid(let seconds):
            return FreshnessLifetime(seconds: seconds, source: .maxAge(seconds: seconds))
        case .invalid(let arguments):
            return FreshnessLifetime(seconds: 0, source: .invalidMaxAge(arguments: arguments))
        case .conflicting(let values):
            return FreshnessLifetime(seconds: 0, source: .conflictingMaxAge(values: values))
        case nil:
            break
        }

        let date = dateHeader(of: response, receivedAt: responseTime) ?? responseTime
        let expiresLines = response.headers.values(for: "Expires").map { HeaderFields.trimmingWhitespace($0) }
        if let firstExpires = expiresLines.first {
            let parsed = expiresLines.map { HTTPDate.parseStrictly($0, relativeTo: responseTime) }
            guard let expires = parsed[0] else {
                return FreshnessLifetime(seconds: 0, source: .invalidExpires(value: firstExpires))
            }
            guard parsed.allSatisfy({ $0 == expires }) else {
                return FreshnessLifetime(seconds: 0, source: .conflictingExpires(values: expiresLines))
            }
            let seconds = max(0, expires.seconds(since: date))
            return FreshnessLifetime(seconds: seconds, source: .expires(expires: expires, date: date))
        }

        guard StatusCodes.heuristicallyCacheable.contains(response.status) || directives.isPublic
                || directives.isPrivate != nil else {
            return FreshnessLifetime(seconds: 0, source: .heuristicNotAllowed)
        }
        guard let lastModifiedLine = response.headers.values(for: "Last-Modified").first,
              let lastModified = HTTPDate.parse(lastModifiedLine, relativeTo: responseTime) else {
            return FreshnessLifetime(seconds: 0, source: .noHeuristicBasis)
        }
        let interval = max(0, date.seconds(since: lastModified))
        let seconds = min(interval / 100 * heuristicPercent + interval % 100 * heuristicPercent / 100, heuristicCap)
        return FreshnessLifetime(seconds: max(0, seconds), source: .heuristic(lastModified: lastModified, date: date))
    }

    /// Freshness of a stored exchange at `now`: lifetime, age, time to live (§4.2).
    public func freshness(of exchange: StoredExchange, now: HTTPDate) -> FreshnessEvaluation {
        freshness(of: exchange, now: now, directives: ResponseCacheDirectives(exchange.response.headers))
    }

    /// ``freshness(of:now:)`` with the response's directives parsed already.
    func freshness(of exchange: StoredExchange, now: HTTPDate, directives: ResponseCacheDirectives) -> FreshnessEvaluation {
        FreshnessEvaluation(
            lifetime: freshnessLifetime(of: exchange.response, receivedAt: exchange.responseTime, directives: directives),
            age: AgeCalculation(response: exchange.response, requestTime: exchange.requestTime,
                                responseTime: exchange.responseTime, now: now),
            now: now)
    }
}

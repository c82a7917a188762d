import Testing
@testable import HTTPCaching

@Suite("Freshness lifetime and age (RFC 9111 §4.2)")
struct FreshnessTests {
    struct Input: Sendable {
        var status = 200
        var headers: [(String, String)]
        var request: Int64 = 0
        var response: Int64 = 0
        var now: Int64 = 0
    }

    struct Expected: Sendable, Equatable, CustomStringConvertible {
        var lifetime: Int64
        var source: String
        var age: Int64
        var fresh: Bool
        var description: String { "lifetime \(lifetime) (\(source)), age \(age), fresh \(fresh)" }
    }

    static let day: Int64 = 86_400
    static let date0 = ("Date", dateString(0))

    static let rows: [Case<Input, Expected>] = [
        // §4.2.1 max-age.
        Case("max-age gives the lifetime; 3 s later it is fresh", Input(headers: [date0, ("Cache-Control", "max-age=60")], now: 3), Expected(lifetime: 60, source: "max-age", age: 3, fresh: true)),
        Case("fresh means lifetime > age: at exactly max-age it is stale", Input(headers: [date0, ("Cache-Control", "max-age=60")], now: 60), Expected(lifetime: 60, source: "max-age", age: 60, fresh: false)),
        Case("one second before max-age it is fresh", Input(headers: [date0, ("Cache-Control", "max-age=60")], now: 59), Expected(lifetime: 60, source: "max-age", age: 59, fresh: true)),
        Case("max-age=0 is stale immediately", Input(headers: [date0, ("Cache-Control", "max-age=0")]), Expected(lifetime: 0, source: "max-age", age: 0, fresh: false)),
        Case("quoted max-age=\"60\" accepted", Input(headers: [date0, ("Cache-Control", "max-age=\"60\"")], now: 10), Expected(lifetime: 60, source: "max-age", age: 10, fresh: true)),
        Case("max-age=-1 is invalid freshness: stale (§4.2.1)", Input(headers: [date0, ("Cache-Control", "max-age=-1")]), Expected(lifetime: 0, source: "invalid-max-age", age: 0, fresh: false)),
        Case("max-age=abc is invalid: stale", Input(headers: [date0, ("Cache-Control", "max-age=abc")]), Expected(lifetime: 0, source: "invalid-max-age", age: 0, fresh: false)),
        Case("invalid max-age still overrides a future Expires (§5.3)", Input(headers: [date0, ("Cache-Control", "max-age=x"), ("Expires", dateString(3600))]), Expected(lifetime: 0, source: "invalid-max-age", age: 0, fresh: false)),
        Case("conflicting max-age values: considered stale (§4.2.1)", Input(headers: [date0, ("Cache-Control", "max-age=60, max-age=120")]), Expected(lifetime: 0, source: "conflicting-max-age", age: 0, fresh: false)),
        Case("conflicting max-age across lines: stale", Input(headers: [date0, ("Cache-Control", "max-age=600"), ("Cache-Control", "max-age=60")]), Expected(lifetime: 0, source: "conflicting-max-age", age: 0, fresh: false)),
        Case("identical duplicate max-age is one value", Input(headers: [date0, ("Cache-Control", "max-age=60"), ("Cache-Control", "max-age=60")], now: 1), Expected(lifetime: 60, source: "max-age", age: 1, fresh: true)),
        Case("absurd max-age saturates at 2^31 (§1.2.2)", Input(headers: [date0, ("Cache-Control", "max-age=99999999999999999999999")], now: 1), Expected(lifetime: 2_147_483_648, source: "max-age", age: 1, fresh: true)),
        Case("PyPI files: max-age=365000000", Input(headers: [date0, ("Cache-Control", "max-age=365000000, immutable, public")], now: 365 * day), Expected(lifetime: 365_000_000, source: "max-age", age: 365 * day, fresh: true)),
        Case("s-maxage is ignored by a private cache", Input(headers: [date0, ("Cache-Control", "s-maxage=600")]), Expected(lifetime: 0, source: "no-heuristic-basis", age: 0, fresh: false)),
        Case("max-age with must-revalidate still fresh", Input(headers: [date0, ("Cache-Control", "max-age=600, public, must-revalidate")], now: 599), Expected(lifetime: 600, source: "max-age", age: 599, fresh: true)),
        Case("max-age with no-cache: lifetime still computed", Input(headers: [date0, ("Cache-Control", "max-age=60, no-cache")], now: 1), Expected(lifetime: 60, source: "max-age", age: 1, fresh: true)),
        // §4.2.1 / §5.3 Expires.
        Case("Expires minus Date", Input(headers: [date0, ("Expires", dateString(3600))], now: 100), Expected(lifetime: 3600, source: "expires", age: 100, fresh: true)),
        Case("Expires in the past with a later max-age: max-age wins (§5.3)", Input(headers: [date0, ("Expires", dateString(-day)), ("Cache-Control", "max-age=600")], now: 10), Expected(lifetime: 600, source: "max-age", age: 10, fresh: true)),
        Case("Expires in the past: lifetime 0", Input(headers: [date0, ("Expires", dateString(-day))]), Expected(lifetime: 0, source: "expires", age: 0, fresh: false)),
        Case("Expires equal to Date: lifetime 0", Input(headers: [date0, ("Expires", dateString(0))]), Expected(lifetime: 0, source: "expires", age: 0, fresh: false)),
        Case("Expires without Date uses the response time (RFC 9110 §6.6.1)", Input(headers: [("Expires", dateString(600))], request: -5, response: 0, now: 0), Expected(lifetime: 600, source: "expires", age: 5, fresh: true)),
        Case("Expires: 0 means already expired (§5.3)", Input(headers: [date0, ("Expires", "0")]), Expected(lifetime: 0, source: "invalid-expires", age: 0, fresh: false)),
        Case("Expires: -1 means already expired", Input(headers: [date0, ("Expires", "-1")]), Expected(lifetime: 0, source: "invalid-expires", age: 0, fresh: false)),
        Case("empty Expires means already expired", Input(headers: [date0, ("Expires", "")]), Expected(lifetime: 0, source: "invalid-expires", age: 0, fresh: false)),
        Case("Expires with a non-GMT zone is invalid (§4.2)", Input(headers: [date0, ("Expires", "Thu, 01 Dec 2050 16:00:00 PST")]), Expected(lifetime: 0, source: "invalid-expires", age: 0, fresh: false)),
        Case("Expires with a doubled space is not an HTTP-date: expired (§5.3)", Input(headers: [date0, ("Expires", "Thu,  01 Dec 2050 16:00:00 GMT")]), Expected(lifetime: 0, source: "invalid-expires", age: 0, fresh: false)),
        Case("Expires in the dashed form with a four-digit year is invalid: expired (§5.3)", Input(headers: [date0, ("Expires", "Thursday, 01-Dec-2050 16:00:00 GMT")]), Expected(lifetime: 0, source: "invalid-expires", age: 0, fresh: false)),
        Case("Expires in RFC 850 form", Input(headers: [("Date", "Tuesday, 14-Nov-23 22:13:20 GMT"), ("Expires", "Tuesday, 14-Nov-23 23:13:20 GMT")]), Expected(lifetime: 3600, source: "expires", age: 0, fresh: true)),
        Case("Expires in asctime form", Input(headers: [("Date", "Tue Nov 14 22:13:20 2023"), ("Expires", "Tue Nov 14 22:23:20 2023")]), Expected(lifetime: 600, source: "expires", age: 0, fresh: true)),
        Case("two identical Expires lines are one value", Input(headers: [date0, ("Expires", dateString(60)), ("Expires", dateString(60))]), Expected(lifetime: 60, source: "expires", age: 0, fresh: true)),
        Case("two Expires lines in different forms of the same instant agree", Input(headers: [date0, ("Expires", "Tue, 14 Nov 2023 22:23:20 GMT"), ("Expires", "Tue Nov 14 22:23:20 2023")]), Expected(lifetime: 600, source: "expires", age: 0, fresh: true)),
        Case("two different Expires lines: stale (§4.2.1)", Input(headers: [date0, ("Expires", dateString(60)), ("Expires", dateString(120))]), Expected(lifetime: 0, source: "conflicting-expires", age: 0, fresh: false)),
        Case("an invalid first Expires line wins: expired", Input(headers: [date0, ("Expires", "0"), ("Expires", dateString(120))]), Expected(lifetime: 0, source: "invalid-expires", age: 0, fresh: false)),
        Case("Expires far in the future", Input(headers: [date0, ("Expires", "Fri, 31 Dec 9999 23:59:59 GMT")]), Expected(lifetime: 253_402_300_799 - 1_700_000_000, source: "expires", age: 0, fresh: true)),
        Case("Expires with invalid Date uses the response time", Input(headers: [("Date", "yesterday"), ("Expires", dateString(60))]), Expected(lifetime: 60, source: "expires", age: 0, fresh: true)),
        Case("Expires on a 302 gives explicit freshness", Input(status: 302, headers: [date0, ("Expires", dateString(60))]), Expected(lifetime: 60, source: "expires", age: 0, fresh: true)),
        // §4.2.2 heuristic.
        Case("heuristic: 10% of Date - Last-Modified (1 day -> 8640 s)", Input(headers: [date0, ("Last-Modified", dateString(-day))]), Expected(lifetime: 8_640, source: "heuristic", age: 0, fresh: true)),
        Case("heuristic: exactly at the 1-day cap (10 days old)", Input(headers: [date0, ("Last-Modified", dateString(-10 * day))]), Expected(lifetime: day, source: "heuristic", age: 0, fresh: true)),
        Case("heuristic capped at one day (a year-old wheel)", Input(headers: [date0, ("Last-Modified", dateString(-365 * day))], now: day - 1), Expected(lifetime: day, source: "heuristic", age: day - 1, fresh: true)),
        Case("heuristic wheel stale after the cap", Input(headers: [date0, ("Last-Modified", dateString(-365 * day))], now: day), Expected(lifetime: day, source: "heuristic", age: day, fresh: false)),
        Case("heuristic: Last-Modified after Date gives 0", Input(headers: [date0, ("Last-Modified", dateString(100))]), Expected(lifetime: 0, source: "heuristic", age: 0, fresh: false)),
        Case("heuristic: Last-Modified equal to Date gives 0", Input(headers: [date0, ("Last-Modified", dateString(0))]), Expected(lifetime: 0, source: "heuristic", age: 0, fresh: false)),
        Case("heuristic: 9 seconds old rounds down to 0", Input(headers: [date0, ("Last-Modified", dateString(-9))]), Expected(lifetime: 0, source: "heuristic", age: 0, fresh: false)),
        Case("heuristic: 100 seconds old gives 10", Input(headers: [date0, ("Last-Modified", dateString(-100))], now: 9), Expected(lifetime: 10, source: "heuristic", age: 9, fresh: true)),
        Case("heuristic without Date uses the response time", Input(headers: [("Last-Modified", dateString(-1000))]), Expected(lifetime: 100, source: "heuristic", age: 0, fresh: true)),
        Case("heuristic with an RFC 850 Last-Modified", Input(headers: [date0, ("Last-Modified", "Monday, 13-Nov-23 22:13:20 GMT")]), Expected(lifetime: 8_640, source: "heuristic", age: 0, fresh: true)),
        Case("no Last-Modified: no heuristic basis", Input(headers: [date0]), Expected(lifetime: 0, source: "no-heuristic-basis", age: 0, fresh: false)),
        Case("invalid Last-Modified: no heuristic basis", Input(headers: [date0, ("Last-Modified", "last week")]), Expected(lifetime: 0, source: "no-heuristic-basis", age: 0, fresh: false)),
        Case("heuristics not allowed for 302 (§4.2.2)", Input(status: 302, headers: [date0, ("Last-Modified", dateString(-day))]), Expected(lifetime: 0, source: "heuristic-not-allowed", age: 0, fresh: false)),
        Case("public makes a 302 heuristically cacheable (§5.2.2.9)", Input(status: 302, headers: [date0, ("Cache-Control", "public"), ("Last-Modified", dateString(-day))]), Expected(lifetime: 8_640, source: "heuristic", age: 0, fresh: true)),
        Case("private makes a 302 heuristically cacheable in a private cache (§5.2.2.7)", Input(status: 302, headers: [date0, ("Cache-Control", "private"), ("Last-Modified", dateString(-day))]), Expected(lifetime: 8_640, source: "heuristic", age: 0, fresh: true)),
        Case("404 is heuristically cacheable", Input(status: 404, headers: [date0, ("Last-Modified", dateString(-day))]), Expected(lifetime: 8_640, source: "heuristic", age: 0, fresh: true)),
        Case("Expires present forbids heuristics even if invalid", Input(headers: [date0, ("Expires", "0"), ("Last-Modified", dateString(-day))]), Expected(lifetime: 0, source: "invalid-expires", age: 0, fresh: false)),
        // §4.2.3 age.
        Case("Age larger than max-age: stale on arrival", Input(headers: [date0, ("Cache-Control", "max-age=60"), ("Age", "100")]), Expected(lifetime: 60, source: "max-age", age: 100, fresh: false)),
        Case("Age adds to the age", Input(headers: [date0, ("Cache-Control", "max-age=600"), ("Age", "500")], now: 50), Expected(lifetime: 600, source: "max-age", age: 550, fresh: true)),
        Case("multiple Age lines: the largest is used", Input(headers: [date0, ("Cache-Control", "max-age=600"), ("Age", "10"), ("Age", "20")]), Expected(lifetime: 600, source: "max-age", age: 20, fresh: true)),
        Case("Age as a list: the largest is used", Input(headers: [date0, ("Cache-Control", "max-age=600"), ("Age", "30, 5")]), Expected(lifetime: 600, source: "max-age", age: 30, fresh: true)),
        Case("invalid Age ignored", Input(headers: [date0, ("Cache-Control", "max-age=600"), ("Age", "abc")]), Expected(lifetime: 600, source: "max-age", age: 0, fresh: true)),
        Case("negative Age ignored", Input(headers: [date0, ("Cache-Control", "max-age=600"), ("Age", "-50")]), Expected(lifetime: 600, source: "max-age", age: 0, fresh: true)),
        Case("empty Age ignored", Input(headers: [date0, ("Cache-Control", "max-age=600"), ("Age", "")]), Expected(lifetime: 600, source: "max-age", age: 0, fresh: true)),
        Case("huge Age clamps to 2^31", Input(headers: [date0, ("Cache-Control", "max-age=600"), ("Age", "99999999999999999999")]), Expected(lifetime: 600, source: "max-age", age: 2_147_483_648, fresh: false)),
        Case("apparent age from an old Date", Input(headers: [("Date", dateString(-100)), ("Cache-Control", "max-age=600")]), Expected(lifetime: 600, source: "max-age", age: 100, fresh: true)),
        Case("Date in the future: apparent age 0", Input(headers: [("Date", dateString(100)), ("Cache-Control", "max-age=600")]), Expected(lifetime: 600, source: "max-age", age: 0, fresh: true)),
        Case("response delay is added to Age (corrected_age_value)", Input(headers: [date0, ("Cache-Control", "max-age=600"), ("Age", "10")], request: -5, response: 0), Expected(lifetime: 600, source: "max-age", age: 15, fresh: true)),
        Case("corrected_initial_age is the larger of apparent and corrected", Input(headers: [("Date", dateString(-100)), ("Cache-Control", "max-age=600"), ("Age", "10")], request: -5, response: 0), Expected(lifetime: 600, source: "max-age", age: 100, fresh: true)),
        Case("request time after response time: delay floored at 0", Input(headers: [date0, ("Cache-Control", "max-age=600")], request: 50, response: 0), Expected(lifetime: 600, source: "max-age", age: 0, fresh: true)),
        Case("now before the response time: resident time floored at 0", Input(headers: [date0, ("Cache-Control", "max-age=600")], response: 0, now: -1000), Expected(lifetime: 600, source: "max-age", age: 0, fresh: true)),
        Case("resident time adds up", Input(headers: [date0, ("Cache-Control", "max-age=600")], response: 0, now: 700), Expected(lifetime: 600, source: "max-age", age: 700, fresh: false)),
        Case("invalid Date falls back to the response time", Input(headers: [("Date", "garbage"), ("Cache-Control", "max-age=600")], now: 5), Expected(lifetime: 600, source: "max-age", age: 5, fresh: true)),
        Case("first Date line is used", Input(headers: [("Date", dateString(-50)), ("Date", dateString(0)), ("Cache-Control", "max-age=600")]), Expected(lifetime: 600, source: "max-age", age: 50, fresh: true)),
        Case("Date in RFC 850 form", Input(headers: [("Date", "Tuesday, 14-Nov-23 22:12:20 GMT"), ("Cache-Control", "max-age=600")]), Expected(lifetime: 600, source: "max-age", age: 60, fresh: true)),
        Case("uppercase header names", Input(headers: [("DATE", dateString(0)), ("CACHE-CONTROL", "MAX-AGE=60"), ("AGE", "5")]), Expected(lifetime: 60, source: "max-age", age: 5, fresh: true)),
        // Real-world fixtures.
        Case("PyPI simple page fresh for 600 s", Input(headers: [date0, ("Cache-Control", "max-age=600, public"), ("Vary", "Accept"), ("ETag", "\"x\""), ("Age", "120")], now: 100), Expected(lifetime: 600, source: "max-age", age: 220, fresh: true)),
        Case("NVIDIA max-age=0: lifetime 0", Input(headers: [date0, ("Cache-Control", "max-age=0, no-cache, no-store")]), Expected(lifetime: 0, source: "max-age", age: 0, fresh: false)),
        Case("PyTorch legacy index: no explicit freshness, no Last-Modified", Input(headers: [date0, ("Cache-Control", "no-cache,no-store,must-revalidate")]), Expected(lifetime: 0, source: "no-heuristic-basis", age: 0, fresh: false)),
    ]

    @Test("freshness lifetime, age and fresh", arguments: rows)
    func freshness(_ row: Case<Input, Expected>) {
        let exchange = stored(get(), response(row.input.status, row.input.headers),
                              requestTime: at(row.input.request), responseTime: at(row.input.response))
        let evaluation = PrivateCache().freshness(of: exchange, now: at(row.input.now))
        let actual = Expected(lifetime: evaluation.lifetime.seconds, source: evaluation.lifetime.source.code,
                              age: evaluation.currentAge, fresh: evaluation.isFresh)
        #expect(actual == row.expected)
        #expect(evaluation.timeToLive == row.expected.lifetime - row.expected.age)
        #expect(evaluation.staleness == max(0, row.expected.age - row.expected.lifetime))
        #expect(evaluation.expiresAt == at(row.input.now).adding(seconds: evaluation.timeToLive))
    }

    static let heuristicSettings: [Case<(Int64, Int64, Int64), Int64>] = [
        Case("7-day cap lets a year-old file be fresh 7 days", (10, 7 * 86_400, 365 * 86_400), 7 * 86_400),
        Case("20 percent of 1 day", (20, 86_400, 86_400), 17_280),
        Case("0 percent disables heuristics", (0, 86_400, 86_400), 0),
        Case("percent above 100 clamps to 100", (500, 10 * 86_400, 86_400), 86_400),
        Case("negative cap clamps to 0", (10, -5, 86_400), 0),
        Case("cap 0 disables heuristics", (10, 0, 86_400), 0),
    ]

    @Test("heuristic fraction and cap are settings", arguments: heuristicSettings)
    func heuristicSettingsApply(_ row: Case<(Int64, Int64, Int64), Int64>) {
        let cache = PrivateCache(heuristicPercent: row.input.0, heuristicCap: row.input.1)
        let lifetime = cache.freshnessLifetime(of: response(200, [("Date", dateString(0)), ("Last-Modified", dateString(-row.input.2))]), receivedAt: t0)
        #expect(lifetime.seconds == row.expected)
        #expect(lifetime.isHeuristic)
    }

    @Test("age calculation keeps every intermediate value (§4.2.3)")
    func ageIntermediates() {
        let exchange = stored(get(), response(200, [("Date", dateString(-20)), ("Age", "7")]), requestTime: at(-3), responseTime: at(0))
        let age = AgeCalculation(response: exchange.response, requestTime: exchange.requestTime, responseTime: exchange.responseTime, now: at(100))
        #expect(age.ageValue == 7)
        #expect(age.dateValue == at(-20))
        #expect(age.apparentAge == 20)
        #expect(age.responseDelay == 3)
        #expect(age.correctedAgeValue == 10)
        #expect(age.correctedInitialAge == 20)
        #expect(age.residentTime == 100)
        #expect(age.currentAge == 120)
    }

    static let extremeTimes: [Case<(Int64, Int64, Int64), Void>] = [
        Case("all times at Int64.max", (.max, .max, .max), ()),
        Case("all times at Int64.min", (.min, .min, .min), ()),
        Case("request at min, response at max, now at max", (.min, .max, .max), ()),
        Case("response at min, now at max", (0, .min, .max), ()),
        Case("now at min, response at max", (0, .max, .min), ()),
    ]

    @Test("extreme clock values saturate instead of trapping", arguments: extremeTimes)
    func extremes(_ row: Case<(Int64, Int64, Int64), Void>) {
        let exchange = stored(get(), response(200, [("Date", "Fri, 31 Dec 9999 23:59:59 GMT"), ("Age", "99999999999999999999"),
                                                   ("Cache-Control", "max-age=99999999999999999999")]),
                              requestTime: HTTPDate(secondsSince1970: row.input.0), responseTime: HTTPDate(secondsSince1970: row.input.1))
        let evaluation = PrivateCache().freshness(of: exchange, now: HTTPDate(secondsSince1970: row.input.2))
        #expect(evaluation.currentAge >= 0)
        _ = evaluation.timeToLive
        _ = evaluation.expiresAt
        _ = evaluation.staleness
    }
}

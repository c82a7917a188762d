import Testing
@testable import HTTPCaching
import TestSupport

@Suite("Reuse summary: a stored response's facts decide as the full evaluation does")
struct ReuseSummaryTests {
    static let modes: [ServingMode] = [.connected, .disconnected, .overridingDirectives]

    static func hasCacheDirectives(_ request: HTTPRequestHead) -> Bool {
        request.headers.contains("Cache-Control") || request.headers.contains("Pragma")
    }

    /// The summary's verdict, or the full one where the summary defers; compared by the tests.
    static func check(_ exchange: StoredExchange, presented: HTTPRequestHead, now: HTTPDate,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        let cache = PrivateCache()
        let summary = ReuseSummary(exchange, cache: cache)
        let full = cache.reuse(exchange, for: presented, now: now)
        let varyMatches = !summary.variesOnEverything && summary.vary.allSatisfy {
            CacheKey.normalizedSelectingValue($0, in: exchange.request.headers) == CacheKey.normalizedSelectingValue($0, in: presented.headers)
        }
        // The nominated names are exactly the ones the full evaluation compares.
        #expect(varyMatches == full.mismatches.isEmpty, sourceLocation: sourceLocation)
        guard varyMatches || summary.variesOnEverything else { return }
        for mode in modes {
            let quick = summary.verdict(mode, requestHasCacheDirectives: hasCacheDirectives(presented), now: now)
            if let quick {
                #expect(quick == full.verdict(mode), "\(mode)", sourceLocation: sourceLocation)
            } else {
                #expect(mode == .connected && hasCacheDirectives(presented), sourceLocation: sourceLocation)
            }
        }
    }

    static let fixtures: [Case<[(String, String)], Void>] = [
        Case("PyPI page: max-age=600, Vary: Accept", [("Cache-Control", "max-age=600, public"), ("Vary", "Accept, Accept-Encoding"), ("ETag", "\"1\""), ("Date", dateString(0))], ()),
        Case("PyTorch page: max-age=600, must-revalidate", [("Cache-Control", "max-age=600, public, must-revalidate"), ("Date", dateString(-30))], ()),
        Case("PyPI file: immutable", [("Cache-Control", "max-age=365000000, immutable, public")], ()),
        Case("wheel with only Last-Modified (heuristic)", [("Last-Modified", dateString(-86_400 * 400)), ("Date", dateString(0))], ()),
        Case("no-cache with field names", [("Cache-Control", "no-cache=\"Set-Cookie, X-A\", max-age=60")], ()),
        Case("unqualified no-cache", [("Cache-Control", "no-cache, max-age=60")], ()),
        Case("Age and Expires", [("Age", "100"), ("Expires", dateString(3_600)), ("Date", dateString(-5))], ()),
        Case("Vary: *", [("Vary", "Accept, *"), ("Cache-Control", "max-age=60")], ()),
        Case("Vary repeated in two lines and cases", [("Vary", "accept"), ("VARY", "Accept, User-Agent"), ("Cache-Control", "max-age=60")], ()),
        Case("conflicting max-age", [("Cache-Control", "max-age=60, max-age=120")], ()),
    ]

    @Test("real-world response heads, before and after they go stale, under every mode", arguments: fixtures)
    func fixture(_ row: Case<[(String, String)], Void>) {
        let accept = ("Accept", "application/vnd.pypi.simple.v1+json, text/html; q=0.01")
        let exchange = stored(get("https://pypi.org/simple/torch/", [accept, ("User-Agent", "pip/24")]), response(200, row.input),
                              requestTime: at(-2), responseTime: at(0))
        let requests = [
            get("https://pypi.org/simple/torch/", [accept, ("User-Agent", "pip/24")]),
            get("https://pypi.org/simple/torch/", [accept, ("User-Agent", "pip/24"), ("Cache-Control", "max-age=0")]),
            get("https://pypi.org/simple/torch/", [("Accept", "text/html")]),
        ]
        for request in requests {
            for offset: Int64 in [-100, 0, 1, 59, 60, 61, 599, 600, 601, 86_400, 86_400 * 400] {
                Self.check(exchange, presented: request, now: at(offset))
            }
        }
    }

    @Test("random exchanges, extreme clocks included (seeded, 5 x 3000 iterations)", arguments: FuzzTests.seeds)
    func fuzz(_ seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for _ in 0..<3000 {
            let request = HTTPRequestHead(method: "GET", url: "https://example.org/a", headers: FuzzTests.randomHeaders(&rng))
            let resp = HTTPResponseHead(status: [200, 203, 204, 301, 404, 500].randomElement(using: &rng)!, headers: FuzzTests.randomHeaders(&rng))
            let exchange = stored(request, resp, requestTime: FuzzTests.randomTime(&rng), responseTime: FuzzTests.randomTime(&rng))
            let presentedHeaders = Bool.random(using: &rng) ? request.headers : FuzzTests.randomHeaders(&rng)
            let presented = HTTPRequestHead(method: "GET", url: "https://example.org/a", headers: presentedHeaders)
            Self.check(exchange, presented: presented, now: FuzzTests.randomTime(&rng))
        }
    }
}

import Testing
@testable import HTTPCaching

@Suite("Cache key: URL normalization (RFC 9110 §4.2.3)")
struct URLNormalizationTests {
    static let equal: [Case<(String, String), Bool>] = [
        Case("identical URLs match", ("https://pypi.org/simple/torch/", "https://pypi.org/simple/torch/"), true),
        Case("scheme is case-insensitive", ("HTTPS://pypi.org/simple/", "https://pypi.org/simple/"), true),
        Case("host is case-insensitive", ("https://PyPI.org/simple/", "https://pypi.org/simple/"), true),
        Case("default https port is dropped", ("https://pypi.org:443/simple/", "https://pypi.org/simple/"), true),
        Case("default http port is dropped", ("http://example.org:80/a", "http://example.org/a"), true),
        Case("empty port is dropped", ("https://pypi.org:/simple/", "https://pypi.org/simple/"), true),
        Case("non-default port is kept", ("https://pypi.org:8443/simple/", "https://pypi.org/simple/"), false),
        Case("443 on http is not default", ("http://example.org:443/", "http://example.org/"), false),
        Case("empty path is /", ("https://pypi.org", "https://pypi.org/"), true),
        Case("empty path with query", ("https://pypi.org?x=1", "https://pypi.org/?x=1"), true),
        Case("fragment is not part of the key", ("https://x.org/a.whl#sha256=abc", "https://x.org/a.whl"), true),
        Case("path is case-sensitive", ("https://pypi.org/simple/Torch/", "https://pypi.org/simple/torch/"), false),
        Case("percent-encoded unreserved is decoded", ("https://x.org/%7Euser/%41", "https://x.org/~user/A"), true),
        Case("percent-encoding hex case is normalized", ("https://x.org/a%2bb", "https://x.org/a%2Bb"), true),
        Case("PyTorch %2B is not +", ("https://download.pytorch.org/whl/torch-2.5.1%2Bcpu.whl", "https://download.pytorch.org/whl/torch-2.5.1+cpu.whl"), false),
        Case("trailing slash matters", ("https://pypi.org/simple/torch", "https://pypi.org/simple/torch/"), false),
        Case("query matters", ("https://x.org/a?b=1", "https://x.org/a?b=2"), false),
        Case("userinfo kept", ("https://u@x.org/a", "https://x.org/a"), false),
        Case("IPv6 literal host with default port", ("http://[::1]:80/a", "http://[::1]/a"), true),
        Case("IPv6 literal without port keeps colons", ("http://[::1]/a", "http://[::1]/a"), true),
        Case("different hosts", ("https://a.org/", "https://b.org/"), false),
        Case("different schemes", ("http://a.org/", "https://a.org/"), false),
        Case("non-http strings compared as-is", ("file:///tmp/x", "file:///tmp/x"), true),
        Case("garbage strings compared as-is", ("not a url", "not a url"), true),
        Case("truncated percent escape left alone", ("https://x.org/a%2", "https://x.org/a%2"), true),
    ]

    @Test("URL equivalence", arguments: equal)
    func equivalence(_ row: Case<(String, String), Bool>) {
        #expect((CacheKey.normalizedURL(row.input.0) == CacheKey.normalizedURL(row.input.1)) == row.expected)
    }
}

@Suite("Vary matching (RFC 9111 §4.1)")
struct VaryTests {
    struct Input: Sendable {
        var vary: [String]
        var original: [(String, String)]
        var presented: [(String, String)]
    }

    static let pipAccept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"

    static let rows: [Case<Input, [String]>] = [
        Case("no Vary always matches", Input(vary: [], original: [("Accept", "a")], presented: [("Accept", "b")]), []),
        Case("same Accept matches", Input(vary: ["Accept"], original: [("Accept", "text/html")], presented: [("Accept", "text/html")]), []),
        Case("different Accept mismatches", Input(vary: ["Accept"], original: [("Accept", "text/html")], presented: [("Accept", "application/json")]), ["vary-mismatch"]),
        Case("nominated field names are case-insensitive", Input(vary: ["ACCEPT"], original: [("accept", "x")], presented: [("Accept", "x")]), []),
        Case("absent matches absent", Input(vary: ["Accept-Language"], original: [], presented: []), []),
        Case("absent does not match present", Input(vary: ["Accept"], original: [], presented: [("Accept", "x")]), ["vary-mismatch"]),
        Case("present does not match absent", Input(vary: ["Accept"], original: [("Accept", "x")], presented: []), ["vary-mismatch"]),
        Case("empty value does not match absent", Input(vary: ["Accept"], original: [("Accept", "")], presented: []), ["vary-mismatch"]),
        Case("empty value matches empty value", Input(vary: ["Accept"], original: [("Accept", "")], presented: [("Accept", " ")]), []),
        Case("Vary: * never matches", Input(vary: ["*"], original: [], presented: []), ["vary-star"]),
        Case("Vary with * among names never matches", Input(vary: ["Accept, *"], original: [("Accept", "x")], presented: [("Accept", "x")]), ["vary-star"]),
        Case("two lines combine with comma-space", Input(vary: ["Accept"], original: [("Accept", "a"), ("Accept", "b")], presented: [("Accept", "a, b")]), []),
        Case("whitespace after comma is not significant", Input(vary: ["Accept"], original: [("Accept", "a,b")], presented: [("Accept", "a,   b")]), []),
        Case("whitespace around ; is not significant", Input(vary: ["Accept"], original: [("Accept", "text/html;q=0.1")], presented: [("Accept", "text/html ; q=0.1")]), []),
        Case("whitespace around = is not significant", Input(vary: ["Accept"], original: [("Accept", "text/html; q=0.1")], presented: [("Accept", "text/html; q = 0.1")]), []),
        Case("leading and trailing whitespace ignored", Input(vary: ["Accept"], original: [("Accept", "  x  ")], presented: [("Accept", "x")]), []),
        Case("whitespace inside a token value matters", Input(vary: ["User-Agent"], original: [("User-Agent", "pip/24.0 CPython")], presented: [("User-Agent", "pip/24.0CPython")]), ["vary-mismatch"]),
        Case("runs of spaces collapse", Input(vary: ["User-Agent"], original: [("User-Agent", "pip/24.0   CPython")], presented: [("User-Agent", "pip/24.0 CPython")]), []),
        Case("quoted strings are compared verbatim", Input(vary: ["X"], original: [("X", "a=\"b  c\"")], presented: [("X", "a=\"b c\"")]), ["vary-mismatch"]),
        Case("values are case-sensitive (no field-specific folding)", Input(vary: ["Accept"], original: [("Accept", "Text/HTML")], presented: [("Accept", "text/html")]), ["vary-mismatch"]),
        Case("order is significant", Input(vary: ["Accept"], original: [("Accept", "a, b")], presented: [("Accept", "b, a")]), ["vary-mismatch"]),
        Case("several names, all match", Input(vary: ["Accept, Accept-Encoding"], original: [("Accept", "x"), ("Accept-Encoding", "gzip")], presented: [("Accept-Encoding", "gzip"), ("Accept", "x")]), []),
        Case("several names, one differs", Input(vary: ["Accept, Accept-Encoding"], original: [("Accept", "x"), ("Accept-Encoding", "gzip")], presented: [("Accept", "x"), ("Accept-Encoding", "br")]), ["vary-mismatch"]),
        Case("several names, both differ", Input(vary: ["Accept, Accept-Encoding"], original: [("Accept", "x"), ("Accept-Encoding", "gzip")], presented: [("Accept", "y")]), ["vary-mismatch", "vary-mismatch"]),
        Case("Vary over two lines", Input(vary: ["Accept", "Accept-Encoding"], original: [("Accept", "x")], presented: [("Accept", "x"), ("Accept-Encoding", "br")]), ["vary-mismatch"]),
        Case("duplicate nominations reported once", Input(vary: ["Accept, accept"], original: [("Accept", "x")], presented: [("Accept", "y")]), ["vary-mismatch"]),
        Case("empty Vary matches", Input(vary: [""], original: [("Accept", "a")], presented: [("Accept", "b")]), []),
        Case("PyPI Vary: Accept with pip's Accept", Input(vary: ["Accept"], original: [("Accept", pipAccept)], presented: [("Accept", pipAccept)]), []),
        Case("PyPI Vary: Accept, pip vs a browser", Input(vary: ["Accept"], original: [("Accept", pipAccept)], presented: [("Accept", "text/html")]), ["vary-mismatch"]),
        Case("PyPI Vary: Accept, pip vs uv's spacing", Input(vary: ["Accept"], original: [("Accept", pipAccept)], presented: [("Accept", pipAccept.replacingOccurrences(", ", ","))]), []),
        Case("garbage Vary name compared as a field name", Input(vary: ["\u{1}weird"], original: [], presented: []), []),
    ]

    @Test("selecting header fields", arguments: rows)
    func vary(_ row: Case<Input, [String]>) {
        let original = get("https://pypi.org/simple/torch/", row.input.original)
        let exchange = stored(original, response(200, row.input.vary.map { ("Vary", $0) }))
        let mismatches = CacheKey.mismatches(exchange, get("https://pypi.org/simple/torch/", row.input.presented))
        #expect(mismatches.map(\.code) == row.expected)
    }

    @Test("a Vary mismatch names the field and both values")
    func mismatchDetails() {
        let exchange = stored(get("https://pypi.org/simple/x/", [("Accept", "a")]), response(200, [("Vary", "Accept")]))
        let mismatches = CacheKey.mismatches(exchange, get("https://pypi.org/simple/x/"))
        #expect(mismatches == [.varyMismatch(field: "Accept", stored: "a", presented: nil)])
        #expect(mismatches[0].description.contains("Accept"))
    }

    static let methods: [Case<(String, String), Bool>] = [
        Case("stored GET answers GET", ("GET", "GET"), true),
        Case("stored GET answers HEAD", ("GET", "HEAD"), true),
        Case("stored HEAD answers HEAD", ("HEAD", "HEAD"), true),
        Case("stored HEAD cannot answer GET (no body)", ("HEAD", "GET"), false),
        Case("POST is written through (§4)", ("GET", "POST"), false),
        Case("PUT is written through", ("GET", "PUT"), false),
        Case("lowercase get is a different method", ("GET", "get"), false),
    ]

    @Test("method part of the cache key", arguments: methods)
    func method(_ row: Case<(String, String), Bool>) {
        let exchange = stored(HTTPRequestHead(method: row.input.0, url: "https://x.org/"), response(200, [("Cache-Control", "max-age=60")]))
        let mismatches = CacheKey.mismatches(exchange, HTTPRequestHead(method: row.input.1, url: "https://x.org/"))
        #expect(mismatches.isEmpty == row.expected)
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

@Suite("Reuse decisions (RFC 9111 §4, §4.2.4, §5.2)")
struct ReuseDecisionTests {
    struct Input: Sendable {
        var response: [(String, String)]
        var request: [(String, String)] = []
        var now: Int64
        var status = 200
    }

    struct Expected: Sendable, Equatable, CustomStringConvertible {
        var reusable: Bool
        var reasons: [String]
        var connected: String
        var disconnected: String
        var overriding: String
        var description: String { "reusable \(reusable) \(reasons) connected \(connected) disconnected \(disconnected) overriding \(overriding)" }
    }

    static func summary(_ verdict: ServingVerdict) -> String {
        switch verdict {
        case .fresh(let ttl): "fresh \(ttl)"
        case .stale(let by, let because): "stale \(by) \(because.code)"
        case .overridden(let staleBy, let directives): "overridden \(staleBy) \(directives.map(\.code).joined(separator: ","))"
        case .revalidationRequired(let reasons): "revalidate \(reasons.map(\.code).joined(separator: ","))"
        case .notAllowed(let staleBy, let because): "not-allowed \(staleBy) \(because.map(\.code).joined(separator: ","))"
        case .unusable(let mismatches): "unusable \(mismatches.map(\.code).joined(separator: ","))"
        }
    }

    static let d0 = ("Date", dateString(0))
    static let day: Int64 = 86_400

    static let rows: [Case<Input, Expected>] = [
        Case("fresh max-age response is reusable", Input(response: [d0, ("Cache-Control", "max-age=60")], now: 10),
             Expected(reusable: true, reasons: [], connected: "fresh 50", disconnected: "fresh 50", overriding: "fresh 50")),
        Case("stale response needs revalidation; a disconnected cache may serve it (§4.2.4)", Input(response: [d0, ("Cache-Control", "max-age=60")], now: 100),
             Expected(reusable: false, reasons: ["stale"], connected: "revalidate stale", disconnected: "stale 40 disconnected", overriding: "stale 40 policy")),
        Case("must-revalidate forbids serving stale even when disconnected (§5.2.2.2)", Input(response: [d0, ("Cache-Control", "max-age=600, public, must-revalidate")], now: 3 * day),
             Expected(reusable: false, reasons: ["stale"], connected: "revalidate stale", disconnected: "not-allowed 258600 must-revalidate", overriding: "overridden 258600 must-revalidate")),
        Case("must-revalidate does not matter while fresh", Input(response: [d0, ("Cache-Control", "max-age=600, public, must-revalidate")], now: 100),
             Expected(reusable: true, reasons: [], connected: "fresh 500", disconnected: "fresh 500", overriding: "fresh 500")),
        Case("response no-cache forces revalidation even when fresh (§5.2.2.4)", Input(response: [d0, ("Cache-Control", "max-age=600, no-cache")], now: 1),
             Expected(reusable: false, reasons: ["no-cache-response"], connected: "revalidate no-cache-response", disconnected: "not-allowed 0 no-cache", overriding: "overridden 0 no-cache")),
        Case("qualified no-cache is treated as unqualified (§5.2.2.4 note)", Input(response: [d0, ("Cache-Control", "max-age=600, no-cache=\"Set-Cookie\"")], now: 1),
             Expected(reusable: false, reasons: ["no-cache-response"], connected: "revalidate no-cache-response", disconnected: "not-allowed 0 no-cache", overriding: "overridden 0 no-cache")),
        Case("proxy-revalidate is irrelevant for a private cache", Input(response: [d0, ("Cache-Control", "max-age=60, proxy-revalidate")], now: 100),
             Expected(reusable: false, reasons: ["stale"], connected: "revalidate stale", disconnected: "stale 40 disconnected", overriding: "stale 40 policy")),
        Case("s-maxage is irrelevant for a private cache", Input(response: [d0, ("Cache-Control", "max-age=60, s-maxage=0")], now: 10),
             Expected(reusable: true, reasons: [], connected: "fresh 50", disconnected: "fresh 50", overriding: "fresh 50")),
        Case("request no-cache forces revalidation (§5.2.1.4)", Input(response: [d0, ("Cache-Control", "max-age=60")], request: [("Cache-Control", "no-cache")], now: 1),
             Expected(reusable: false, reasons: ["no-cache-request"], connected: "revalidate no-cache-request", disconnected: "fresh 59", overriding: "fresh 59")),
        Case("request Pragma: no-cache forces revalidation (§5.4)", Input(response: [d0, ("Cache-Control", "max-age=60")], request: [("Pragma", "no-cache")], now: 1),
             Expected(reusable: false, reasons: ["pragma-no-cache-request"], connected: "revalidate pragma-no-cache-request", disconnected: "fresh 59", overriding: "fresh 59")),
        Case("request Pragma ignored when Cache-Control present", Input(response: [d0, ("Cache-Control", "max-age=60")], request: [("Pragma", "no-cache"), ("Cache-Control", "max-stale")], now: 1),
             Expected(reusable: true, reasons: [], connected: "fresh 59", disconnected: "fresh 59", overriding: "fresh 59")),
        Case("pip's request max-age=0 always revalidates", Input(response: [d0, ("Cache-Control", "max-age=600, public")], request: [("Cache-Control", "max-age=0")], now: 0),
             Expected(reusable: false, reasons: ["request-max-age"], connected: "revalidate request-max-age", disconnected: "fresh 600", overriding: "fresh 600")),
        Case("request max-age larger than age is fine", Input(response: [d0, ("Cache-Control", "max-age=600")], request: [("Cache-Control", "max-age=100")], now: 50),
             Expected(reusable: true, reasons: [], connected: "fresh 550", disconnected: "fresh 550", overriding: "fresh 550")),
        Case("request max-age smaller than age revalidates", Input(response: [d0, ("Cache-Control", "max-age=600")], request: [("Cache-Control", "max-age=30")], now: 50),
             Expected(reusable: false, reasons: ["request-max-age"], connected: "revalidate request-max-age", disconnected: "fresh 550", overriding: "fresh 550")),
        Case("invalid request max-age reads as 0", Input(response: [d0, ("Cache-Control", "max-age=600")], request: [("Cache-Control", "max-age=soon")], now: 0),
             Expected(reusable: false, reasons: ["request-max-age"], connected: "revalidate request-max-age", disconnected: "fresh 600", overriding: "fresh 600")),
        Case("min-fresh satisfied", Input(response: [d0, ("Cache-Control", "max-age=600")], request: [("Cache-Control", "min-fresh=100")], now: 100),
             Expected(reusable: true, reasons: [], connected: "fresh 500", disconnected: "fresh 500", overriding: "fresh 500")),
        Case("min-fresh not satisfied (§5.2.1.3)", Input(response: [d0, ("Cache-Control", "max-age=600")], request: [("Cache-Control", "min-fresh=100")], now: 550),
             Expected(reusable: false, reasons: ["request-min-fresh"], connected: "revalidate request-min-fresh", disconnected: "fresh 50", overriding: "fresh 50")),
        Case("max-stale without value accepts any staleness (§5.2.1.2)", Input(response: [d0, ("Cache-Control", "max-age=60")], request: [("Cache-Control", "max-stale")], now: 10 * day),
             Expected(reusable: true, reasons: [], connected: "stale 863940 max-stale", disconnected: "stale 863940 disconnected", overriding: "stale 863940 policy")),
        Case("max-stale=N accepts staleness up to N", Input(response: [d0, ("Cache-Control", "max-age=60")], request: [("Cache-Control", "max-stale=100")], now: 160),
             Expected(reusable: true, reasons: [], connected: "stale 100 max-stale", disconnected: "stale 100 disconnected", overriding: "stale 100 policy")),
        Case("max-stale=N rejects staleness beyond N", Input(response: [d0, ("Cache-Control", "max-age=60")], request: [("Cache-Control", "max-stale=100")], now: 161),
             Expected(reusable: false, reasons: ["stale", "max-stale-exceeded"], connected: "revalidate stale,max-stale-exceeded", disconnected: "stale 101 disconnected", overriding: "stale 101 policy")),
        Case("max-stale cannot override must-revalidate", Input(response: [d0, ("Cache-Control", "max-age=60, must-revalidate")], request: [("Cache-Control", "max-stale")], now: 100),
             Expected(reusable: false, reasons: ["stale", "must-revalidate"], connected: "revalidate stale,must-revalidate", disconnected: "not-allowed 40 must-revalidate", overriding: "overridden 40 must-revalidate")),
        Case("max-stale cannot override no-cache", Input(response: [d0, ("Cache-Control", "max-age=60, no-cache")], request: [("Cache-Control", "max-stale")], now: 100),
             Expected(reusable: false, reasons: ["no-cache-response"], connected: "revalidate no-cache-response", disconnected: "not-allowed 40 no-cache", overriding: "overridden 40 no-cache")),
        Case("invalid max-stale grants nothing", Input(response: [d0, ("Cache-Control", "max-age=60")], request: [("Cache-Control", "max-stale=later")], now: 100),
             Expected(reusable: false, reasons: ["stale"], connected: "revalidate stale", disconnected: "stale 40 disconnected", overriding: "stale 40 policy")),
        Case("max-age=0 with max-stale: accepted as stale relative to the request", Input(response: [d0, ("Cache-Control", "max-age=600")], request: [("Cache-Control", "max-age=0, max-stale")], now: 30),
             Expected(reusable: true, reasons: [], connected: "stale 30 max-stale", disconnected: "fresh 570", overriding: "fresh 570")),
        Case("Age larger than max-age: stale on arrival", Input(response: [d0, ("Cache-Control", "max-age=60"), ("Age", "100")], now: 0),
             Expected(reusable: false, reasons: ["stale"], connected: "revalidate stale", disconnected: "stale 40 disconnected", overriding: "stale 40 policy")),
        Case("Expires in the past with a later max-age: fresh by max-age", Input(response: [d0, ("Expires", dateString(-day)), ("Cache-Control", "max-age=600")], now: 5),
             Expected(reusable: true, reasons: [], connected: "fresh 595", disconnected: "fresh 595", overriding: "fresh 595")),
        Case("Expires: 0 is already stale", Input(response: [d0, ("Expires", "0")], now: 0),
             Expected(reusable: false, reasons: ["stale"], connected: "revalidate stale", disconnected: "stale 0 disconnected", overriding: "stale 0 policy")),
        Case("PyTorch legacy no-cache,no-store,must-revalidate", Input(response: [d0, ("Cache-Control", "no-cache,no-store,must-revalidate")], now: 0),
             Expected(reusable: false, reasons: ["no-cache-response", "stale"], connected: "revalidate no-cache-response,stale", disconnected: "not-allowed 0 no-cache,must-revalidate", overriding: "overridden 0 no-cache,must-revalidate")),
        Case("NVIDIA max-age=0, no-cache, no-store", Input(response: [d0, ("Cache-Control", "max-age=0, no-cache, no-store")], now: 0),
             Expected(reusable: false, reasons: ["no-cache-response", "stale"], connected: "revalidate no-cache-response,stale", disconnected: "not-allowed 0 no-cache", overriding: "overridden 0 no-cache")),
        Case("PyPI simple page within 600 s", Input(response: [d0, ("Cache-Control", "max-age=600, public"), ("Vary", "Accept"), ("ETag", "\"e\"")], now: 300),
             Expected(reusable: true, reasons: [], connected: "fresh 300", disconnected: "fresh 300", overriding: "fresh 300")),
        Case("PyPI simple page after 3 days", Input(response: [d0, ("Cache-Control", "max-age=600, public"), ("Vary", "Accept"), ("ETag", "\"e\"")], now: 3 * day),
             Expected(reusable: false, reasons: ["stale"], connected: "revalidate stale", disconnected: "stale 258600 disconnected", overriding: "stale 258600 policy")),
        Case("PyPI file a year later is still fresh", Input(response: [d0, ("Cache-Control", "max-age=365000000, immutable, public")], now: 365 * day),
             Expected(reusable: true, reasons: [], connected: "fresh 333464000", disconnected: "fresh 333464000", overriding: "fresh 333464000")),
        Case("wheel with only Last-Modified: heuristic fresh", Input(response: [d0, ("Last-Modified", dateString(-30 * day))], now: 3600),
             Expected(reusable: true, reasons: [], connected: "fresh 82800", disconnected: "fresh 82800", overriding: "fresh 82800")),
        Case("wheel with only Last-Modified: stale after the 1-day cap", Input(response: [d0, ("Last-Modified", dateString(-30 * day))], now: 2 * day),
             Expected(reusable: false, reasons: ["stale"], connected: "revalidate stale", disconnected: "stale 86400 disconnected", overriding: "stale 86400 policy")),
        Case("conflicting max-age is stale", Input(response: [d0, ("Cache-Control", "max-age=600, max-age=60")], now: 1),
             Expected(reusable: false, reasons: ["stale"], connected: "revalidate stale", disconnected: "stale 1 disconnected", overriding: "stale 1 policy")),
        Case("max-age=-1 is stale", Input(response: [d0, ("Cache-Control", "max-age=-1")], now: 0),
             Expected(reusable: false, reasons: ["stale"], connected: "revalidate stale", disconnected: "stale 0 disconnected", overriding: "stale 0 policy")),
        Case("max-age=\"60\" is fresh", Input(response: [d0, ("Cache-Control", "max-age=\"60\"")], now: 0),
             Expected(reusable: true, reasons: [], connected: "fresh 60", disconnected: "fresh 60", overriding: "fresh 60")),
        Case("only-if-cached does not change the decision", Input(response: [d0, ("Cache-Control", "max-age=60")], request: [("Cache-Control", "only-if-cached")], now: 1),
             Expected(reusable: true, reasons: [], connected: "fresh 59", disconnected: "fresh 59", overriding: "fresh 59")),
    ]

    @Test("reuse decision under every serving mode", arguments: rows)
    func decision(_ row: Case<Input, Expected>) {
        let exchange = stored(get(), response(row.input.status, row.input.response))
        let decision = PrivateCache().reuse(exchange, for: get("https://example.org/simple/torch/", row.input.request), now: at(row.input.now))
        let actual = Expected(reusable: decision.isReusable, reasons: decision.revalidationReasons.map(\.code),
                              connected: Self.summary(decision.verdict(.connected)),
                              disconnected: Self.summary(decision.verdict(.disconnected)),
                              overriding: Self.summary(decision.verdict(.overridingDirectives)))
        #expect(actual == row.expected)
        #expect(decision.verdict(.connected).isUsable == row.expected.reusable)
    }

    @Test("mismatches make a response unusable in every mode")
    func mismatchUnusable() {
        let exchange = stored(get("https://pypi.org/simple/a/", [("Accept", "text/html")]), response(200, [("Cache-Control", "max-age=600"), ("Vary", "Accept")]))
        let decision = PrivateCache().reuse(exchange, for: get("https://pypi.org/simple/a/", [("Accept", "application/json")]), now: t0)
        #expect(!decision.isReusable)
        for mode in [ServingMode.connected, .disconnected, .overridingDirectives] {
            #expect(decision.verdict(mode) == .unusable([.varyMismatch(field: "Accept", stored: "text/html", presented: "application/json")]))
        }
    }

    @Test("only-if-cached is reported")
    func onlyIfCached() {
        let exchange = stored(get(), response(200, [("Cache-Control", "max-age=1")]))
        let decision = PrivateCache().reuse(exchange, for: get("https://example.org/simple/torch/", [("Cache-Control", "only-if-cached")]), now: at(100))
        #expect(decision.onlyIfCached)
        #expect(!decision.isReusable)
    }

    @Test("reasons and prohibitions have sentences")
    func sentences() {
        let reasons: [RevalidationReason] = [.responseNoCache(fields: []), .responseNoCache(fields: ["a"]), .requestNoCache, .requestPragmaNoCache,
                                             .stale(by: 3), .requestMaxAge(limit: 0, age: 1), .requestMinFresh(minFresh: 5, timeToLive: 1),
                                             .maxStaleExceeded(limit: 1, staleBy: 2), .mustRevalidate]
        #expect(Set(reasons.map(\.code)).count == 8)
        #expect(reasons.allSatisfy { $0.description.count > 10 })
        #expect(ServingProhibition.mustRevalidate.description.contains("must-revalidate"))
        #expect(ReuseMismatch.varyAll.description.contains("Vary: *"))
    }
}

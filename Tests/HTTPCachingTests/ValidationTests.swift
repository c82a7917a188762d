import Testing
@testable import HTTPCaching

@Suite("Revalidation (RFC 9111 §4.3, §3.2)")
struct ValidationTests {
    static let etags: [Case<String, EntityTag?>] = [
        Case("strong tag", "\"abc\"", EntityTag(opaqueTag: "abc")),
        Case("weak tag", "W/\"abc\"", EntityTag(opaqueTag: "abc", isWeak: true)),
        Case("empty tag", "\"\"", EntityTag(opaqueTag: "")),
        Case("surrounding whitespace", "  \"x\" ", EntityTag(opaqueTag: "x")),
        Case("lowercase w/ is not the weak prefix", "w/\"abc\"", nil),
        Case("unquoted is not an entity tag", "abc", nil),
        Case("missing closing quote", "\"abc", nil),
        Case("quote inside", "\"a\"b\"", nil),
        Case("empty", "", nil),
        Case("list is not one tag", "\"a\", \"b\"", nil),
    ]

    @Test("entity tag syntax (RFC 9110 §8.8.3)", arguments: etags)
    func entityTags(_ row: Case<String, EntityTag?>) {
        #expect(EntityTag(parsing: row.input) == row.expected)
    }

    @Test("strong and weak comparison (RFC 9110 §8.8.3.2)")
    func comparison() {
        let strong = EntityTag(opaqueTag: "1"), weak = EntityTag(opaqueTag: "1", isWeak: true), other = EntityTag(opaqueTag: "2")
        #expect(strong.matchesStrongly(strong))
        #expect(!strong.matchesStrongly(weak))
        #expect(!weak.matchesStrongly(weak))
        #expect(weak.matchesWeakly(strong))
        #expect(!strong.matchesWeakly(other))
        #expect(weak.description == "W/\"1\"")
    }

    struct ConditionalInput: Sendable {
        var stored: [[(String, String)]]
        var request: [(String, String)] = []
        var fromDate = false
    }

    static let conditionals: [Case<ConditionalInput, [String]>] = [
        Case("ETag becomes If-None-Match (MUST)", ConditionalInput(stored: [[("ETag", "\"abc\"")]]), ["If-None-Match: \"abc\""]),
        Case("weak ETag is sent as is", ConditionalInput(stored: [[("ETag", "W/\"abc\"")]]), ["If-None-Match: W/\"abc\""]),
        Case("Last-Modified becomes If-Modified-Since (SHOULD)", ConditionalInput(stored: [[("Last-Modified", "Tue, 01 Oct 2024 10:00:00 GMT")]]), ["If-Modified-Since: Tue, 01 Oct 2024 10:00:00 GMT"]),
        Case("both validators are sent", ConditionalInput(stored: [[("ETag", "\"e\""), ("Last-Modified", "Tue, 01 Oct 2024 10:00:00 GMT")]]),
             ["If-None-Match: \"e\"", "If-Modified-Since: Tue, 01 Oct 2024 10:00:00 GMT"]),
        Case("Last-Modified is sent exactly as received (obsolete form)", ConditionalInput(stored: [[("Last-Modified", "Tuesday, 01-Oct-24 10:00:00 GMT")]]), ["If-Modified-Since: Tuesday, 01-Oct-24 10:00:00 GMT"]),
        Case("invalid Last-Modified is not sent", ConditionalInput(stored: [[("Last-Modified", "yesterday")]]), []),
        Case("no validators: nothing to send", ConditionalInput(stored: [[("Date", dateString(0))]]), []),
        Case("Date is not used by default (RFC 9110 §13.1.3: Last-Modified is most interoperable)", ConditionalInput(stored: [[("Date", "Tue, 14 Nov 2023 22:13:20 GMT")]]), []),
        Case("Date is used when configured and there is no Last-Modified", ConditionalInput(stored: [[("Date", "Tue, 14 Nov 2023 22:13:20 GMT")]], fromDate: true), ["If-Modified-Since: Tue, 14 Nov 2023 22:13:20 GMT"]),
        Case("Date option does not replace a present Last-Modified", ConditionalInput(stored: [[("Date", "Tue, 14 Nov 2023 22:13:20 GMT"), ("Last-Modified", "Tue, 01 Oct 2024 10:00:00 GMT")]], fromDate: true), ["If-Modified-Since: Tue, 01 Oct 2024 10:00:00 GMT"]),
        Case("subrange request gets no If-Modified-Since", ConditionalInput(stored: [[("ETag", "\"e\""), ("Last-Modified", "Tue, 01 Oct 2024 10:00:00 GMT")]], request: [("Range", "bytes=0-10")]), ["If-None-Match: \"e\""]),
        Case("several stored responses: union of entity tags", ConditionalInput(stored: [[("ETag", "\"a\"")], [("ETag", "\"b\"")], [("ETag", "\"a\"")]]), ["If-None-Match: \"a\", \"b\""]),
        Case("several stored responses: no If-Modified-Since", ConditionalInput(stored: [[("Last-Modified", "Tue, 01 Oct 2024 10:00:00 GMT")], [("Last-Modified", "Wed, 02 Oct 2024 10:00:00 GMT")]]), []),
        Case("unquoted ETag passed through as received", ConditionalInput(stored: [[("ETag", " abc ")]]), ["If-None-Match: abc"]),
        Case("empty ETag ignored", ConditionalInput(stored: [[("ETag", "")]]), []),
        Case("header names are case-insensitive", ConditionalInput(stored: [[("etag", "\"x\""), ("LAST-MODIFIED", "Tue, 01 Oct 2024 10:00:00 GMT")]]),
             ["If-None-Match: \"x\"", "If-Modified-Since: Tue, 01 Oct 2024 10:00:00 GMT"]),
        Case("PyPI page: ETag only", ConditionalInput(stored: [[("Cache-Control", "max-age=600, public"), ("Vary", "Accept"), ("ETag", "\"7d2-5f3\"")]]), ["If-None-Match: \"7d2-5f3\""]),
    ]

    @Test("conditional request headers (§4.3.1)", arguments: conditionals)
    func conditional(_ row: Case<ConditionalInput, [String]>) {
        let cache = PrivateCache(ifModifiedSinceFromDate: row.input.fromDate)
        let exchanges = row.input.stored.map { stored(get(), response(200, $0)) }
        let result = cache.conditionalHeaders(validating: exchanges, for: get("https://example.org/simple/torch/", row.input.request))
        #expect(result.map(\.description) == row.expected)
    }

    @Test("revalidation headers only for a request the stored response can answer: same URL, a method it serves")
    func onlyForAnswerableRequests() {
        let cache = PrivateCache()
        let exchange = stored(get(), response(200, [("ETag", "\"a\"")]))
        #expect(cache.conditionalHeaders(validating: [exchange], for: get("https://example.org/simple/other/")).isEmpty)
        #expect(cache.conditionalHeaders(validating: [exchange], for: HTTPRequestHead(method: "POST", url: "https://example.org/simple/torch/")).isEmpty)
        #expect(cache.conditionalHeaders(validating: [exchange], for: HTTPRequestHead(method: "HEAD", url: "https://example.org/simple/torch/")).map(\.description) == ["If-None-Match: \"a\""])
        #expect(cache.conditionalHeaders(validating: [exchange], for: get("HTTPS://EXAMPLE.org:443/simple/torch/")).map(\.description) == ["If-None-Match: \"a\""])
    }

    @Test("the conditional request carries the stored request's Vary-selected fields (§4.3.1)")
    func varySelectedFields() {
        let cache = PrivateCache()
        let exchange = stored(get("https://example.org/simple/torch/", [("Accept", "application/vnd.pypi.simple.v1+json")]),
                              response(200, [("Vary", "Accept"), ("ETag", "\"j\"")]))
        #expect(cache.conditionalHeaders(validating: [exchange], for: get()).map(\.description)
                == ["Accept: application/vnd.pypi.simple.v1+json", "If-None-Match: \"j\""])
        #expect(cache.conditionalHeaders(validating: [exchange], for: get("https://example.org/simple/torch/", [("Accept", "application/vnd.pypi.simple.v1+json")])).map(\.description)
                == ["If-None-Match: \"j\""], "a field the request has is not repeated")
    }

    struct SelectionInput: Sendable {
        var notModified: [(String, String)]
        var candidates: [[(String, String)]]
    }

    static let lm1 = "Tue, 01 Oct 2024 10:00:00 GMT"
    static let lm2 = "Wed, 02 Oct 2024 10:00:00 GMT"

    static let selections: [Case<SelectionInput, [Int]>] = [
        Case("strong validator selects every stored response with it", SelectionInput(notModified: [("ETag", "\"a\"")], candidates: [[("ETag", "\"a\"")], [("ETag", "\"b\"")], [("ETag", "\"a\"")]]), [0, 2]),
        Case("strong validator matching nothing updates nothing (MUST NOT)", SelectionInput(notModified: [("ETag", "\"z\"")], candidates: [[("ETag", "\"a\"")]]), []),
        Case("strong validator does not match a weak stored tag", SelectionInput(notModified: [("ETag", "\"a\"")], candidates: [[("ETag", "W/\"a\"")]]), []),
        Case("strong validator takes precedence over Last-Modified", SelectionInput(notModified: [("ETag", "\"z\""), ("Last-Modified", lm1)], candidates: [[("Last-Modified", lm1)]]), []),
        Case("weak validator selects the most recent match", SelectionInput(notModified: [("ETag", "W/\"a\"")], candidates: [[("ETag", "\"a\""), ("Date", dateString(-100))], [("ETag", "W/\"a\""), ("Date", dateString(-10))], [("ETag", "\"b\"")]]), [1]),
        Case("weak validator matching nothing updates nothing", SelectionInput(notModified: [("ETag", "W/\"q\"")], candidates: [[("ETag", "\"a\"")]]), []),
        Case("Last-Modified is treated as a weak validator", SelectionInput(notModified: [("Last-Modified", lm1)], candidates: [[("Last-Modified", lm1), ("Date", dateString(-5))], [("Last-Modified", lm1), ("Date", dateString(-50))], [("Last-Modified", lm2)]]), [0]),
        Case("Last-Modified compared as dates, not strings", SelectionInput(notModified: [("Last-Modified", "Tue Oct  1 10:00:00 2024")], candidates: [[("Last-Modified", lm1)]]), [0]),
        Case("no validator, one stored response without validator", SelectionInput(notModified: [("Cache-Control", "max-age=60")], candidates: [[("Date", dateString(0))]]), [0]),
        Case("no validator, stored response has one", SelectionInput(notModified: [], candidates: [[("ETag", "\"a\"")]]), []),
        Case("no validator, two stored responses", SelectionInput(notModified: [], candidates: [[], []]), []),
        Case("no candidates", SelectionInput(notModified: [("ETag", "\"a\"")], candidates: []), []),
    ]

    @Test("which stored responses a 304 freshens (§4.3.4)", arguments: selections)
    func selection(_ row: Case<SelectionInput, [Int]>) {
        let candidates = row.input.candidates.map { stored(get(), response(200, $0)) }
        let chosen = PrivateCache().responsesToFreshen(with: response(304, row.input.notModified), receivedAt: at(1000),
                                                       among: candidates, for: get())
        #expect(chosen == row.expected)
    }

    @Test("candidates that do not match the request (Vary) are not freshened")
    func selectionRespectsVary() {
        let html = stored(get("https://example.org/simple/torch/", [("Accept", "text/html")]), response(200, [("ETag", "\"a\""), ("Vary", "Accept")]))
        let json = stored(get("https://example.org/simple/torch/", [("Accept", "application/json")]), response(200, [("ETag", "\"a\""), ("Vary", "Accept")]))
        let chosen = PrivateCache().responsesToFreshen(with: response(304, [("ETag", "\"a\"")]), receivedAt: t0, among: [html, json],
                                                       for: get("https://example.org/simple/torch/", [("Accept", "application/json")]))
        #expect(chosen == [1])
    }

    static let merges: [Case<([(String, String)], [(String, String)]), [String]>] = [
        Case("304 fields replace stored ones (§3.2)",
             ([("Cache-Control", "max-age=60"), ("ETag", "\"a\""), ("Content-Type", "text/html")], [("Cache-Control", "max-age=600"), ("Date", dateString(10))]),
             ["Cache-Control: max-age=600", "ETag: \"a\"", "Content-Type: text/html", "Date: \(dateString(10))"]),
        Case("all stored lines of a replaced field go, the new ones take the first place",
             ([("Cache-Control", "max-age=60"), ("X", "1"), ("Cache-Control", "public")], [("cache-control", "no-cache"), ("cache-control", "max-age=5"), ("Date", dateString(10))]),
             ["cache-control: no-cache", "cache-control: max-age=5", "X: 1", "Date: \(dateString(10))"]),
        Case("Content-Length is never updated (§3.2)",
             ([("Content-Length", "100"), ("Date", dateString(0))], [("Content-Length", "0"), ("Date", dateString(10))]),
             ["Content-Length: 100", "Date: \(dateString(10))"]),
        Case("Content-Encoding is not updated: the stored bytes depend on it",
             ([("Content-Encoding", "gzip")], [("Content-Encoding", "br"), ("Date", dateString(10))]),
             ["Content-Encoding: gzip", "Date: \(dateString(10))"]),
        Case("Content-Range is not updated", ([("Content-Range", "bytes 0-1/2")], [("Content-Range", "bytes 0-1/3"), ("Date", dateString(10))]),
             ["Content-Range: bytes 0-1/2", "Date: \(dateString(10))"]),
        Case("Content-Type is updated (§3.2: the Content- prefix is no signal)", ([("Content-Type", "text/html")], [("Content-Type", "text/plain"), ("Date", dateString(10))]),
             ["Content-Type: text/plain", "Date: \(dateString(10))"]),
        Case("hop-by-hop fields are not updated (§3.1)", ([("Date", dateString(0))], [("Connection", "close, X-Hop"), ("X-Hop", "1"), ("Keep-Alive", "timeout=5"), ("Transfer-Encoding", "chunked"), ("Date", dateString(10))]),
             ["Date: \(dateString(10))"]),
        Case("proxy authentication fields are not stored (§3.1)", ([("Date", dateString(0))], [("Proxy-Authenticate", "Basic"), ("Date", dateString(10))]),
             ["Date: \(dateString(10))"]),
        Case("new fields are appended", ([("Date", dateString(0))], [("X-PyPI-Last-Serial", "42"), ("Date", dateString(10))]),
             ["Date: \(dateString(10))", "X-PyPI-Last-Serial: 42"]),
        Case("a 304 without Date gets the receipt time as Date (RFC 9110 §6.6.1)", ([("Date", dateString(0)), ("Cache-Control", "max-age=60")], [("Cache-Control", "max-age=60")]),
             ["Date: \(dateString(1000))", "Cache-Control: max-age=60"]),
        Case("a 304 with an invalid Date gets the receipt time", ([("Date", dateString(0))], [("Date", "soon")]),
             ["Date: \(dateString(1000))"]),
        Case("the old Age goes when the 304 has none", ([("Age", "500"), ("Date", dateString(0))], [("Date", dateString(990))]),
             ["Date: \(dateString(990))"]),
        Case("the 304's Age replaces the old one", ([("Age", "500"), ("Date", dateString(0))], [("Age", "3"), ("Date", dateString(990))]),
             ["Age: 3", "Date: \(dateString(990))"]),
        Case("ETag from a weakly matching 304 is updated", ([("ETag", "\"a\""), ("Date", dateString(0))], [("ETag", "W/\"a\""), ("Date", dateString(10))]),
             ["ETag: W/\"a\"", "Date: \(dateString(10))"]),
    ]

    @Test("merging a 304 into the stored response (§4.3.4, §3.2)", arguments: merges)
    func merge(_ row: Case<([(String, String)], [(String, String)]), [String]>) {
        let original = stored(get(), response(200, row.input.0))
        let merged = PrivateCache().freshen(original, with: response(304, row.input.1), requestTime: at(999), responseTime: at(1000))
        #expect(merged.response.headers.map(\.description) == row.expected)
        #expect(merged.response.status == 200)
        #expect(merged.requestTime == at(999))
        #expect(merged.responseTime == at(1000))
        #expect(merged.request == original.request)
    }

    @Test("a freshened PyPI page is fresh again")
    func freshenedIsFresh() {
        let cache = PrivateCache()
        let original = stored(get(), response(200, [("Date", dateString(0)), ("Cache-Control", "max-age=600, public"), ("ETag", "\"e\""), ("Vary", "Accept")]))
        #expect(!cache.reuse(original, for: get(), now: at(3 * 86_400)).isReusable)
        let notModified = response(304, [("Date", dateString(3 * 86_400)), ("Cache-Control", "max-age=600, public"), ("ETag", "\"e\"")])
        #expect(cache.responsesToFreshen(with: notModified, receivedAt: at(3 * 86_400), among: [original], for: get()) == [0])
        let merged = cache.freshen(original, with: notModified, requestTime: at(3 * 86_400 - 1), responseTime: at(3 * 86_400))
        let decision = cache.reuse(merged, for: get(), now: at(3 * 86_400 + 10))
        #expect(decision.isReusable)
        #expect(decision.freshness.timeToLive == 589)
    }

    @Test("headersToStore drops hop-by-hop and Connection-nominated fields")
    func headersToStore() {
        let headers = HeaderFields([("Connection", "keep-alive, X-Trace"), ("X-Trace", "1"), ("Keep-Alive", "t=5"), ("ETag", "\"a\""), ("Proxy-Authorization", "x")])
        #expect(StoredFieldRules.headersToStore(headers).map(\.description) == ["ETag: \"a\""])
    }
}

@Suite("Umbrella evaluation")
struct EvaluationTests {
    @Test("PyPI simple page: storable, fresh, conditional with ETag")
    func pypi() {
        let result = PrivateCache().evaluate(
            request: get("https://pypi.org/simple/torch/", [("Accept", VaryTests.pipAccept)]),
            response: response(200, [("Date", dateString(0)), ("Cache-Control", "max-age=600, public"), ("Vary", "Accept"), ("ETag", "\"e\""), ("X-PyPI-Last-Serial", "1")]),
            requestTime: at(-1), responseTime: at(0), now: at(60))
        #expect(result.storability.isStorable)
        #expect(result.freshness.lifetime.seconds == 600)
        #expect(result.freshness.currentAge == 61)
        #expect(result.isReusable)
        #expect(result.revalidationHeaders.map(\.description) == ["If-None-Match: \"e\""])
    }

    @Test("PyTorch legacy index: refused because of no-store, so never reusable")
    func pytorch() {
        let result = PrivateCache().evaluate(
            request: get("https://download.pytorch.org/whl/cpu/torch/"),
            response: response(200, [("Cache-Control", "no-cache,no-store,must-revalidate")]),
            responseTime: t0, now: t0)
        #expect(result.storability.refusalReasons == [.noStoreResponse])
        #expect(!result.isReusable)
        #expect(result.revalidationHeaders.isEmpty)
    }

    @Test("newRequest defaults to the original request; a different one is judged")
    func newRequest() {
        let cache = PrivateCache()
        let req = get("https://pypi.org/simple/a/", [("Accept", "text/html")])
        let resp = response(200, [("Cache-Control", "max-age=600"), ("Vary", "Accept")])
        #expect(cache.evaluate(request: req, response: resp, responseTime: t0, now: t0).isReusable)
        let other = cache.evaluate(request: req, response: resp, responseTime: t0, now: t0, newRequest: get("https://pypi.org/simple/a/", [("Accept", "application/json")]))
        #expect(!other.isReusable)
        #expect(other.reuse.mismatches.map(\.code) == ["vary-mismatch"])
    }

    @Test("evaluation results are Codable for the store")
    func codable() throws {
        let result = PrivateCache().evaluate(request: get(), response: response(200, [("Cache-Control", "max-age=60"), ("ETag", "\"x\"")]), responseTime: t0, now: at(5))
        let json = try JSONEncoderShim.encode(result)
        #expect(try JSONEncoderShim.decode(CacheEvaluation.self, json) == result)
    }
}

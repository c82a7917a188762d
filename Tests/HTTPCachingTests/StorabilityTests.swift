import Testing
@testable import HTTPCaching

@Suite("Storability for a private cache (RFC 9111 §3)")
struct StorabilityTests {
    struct Input: Sendable {
        var method = "GET"
        var status = 200
        var response: [(String, String)] = []
        var request: [(String, String)] = []
    }

    static let rows: [Case<Input, [String]>] = [
        // Methods (§3: the request method is understood by the cache).
        Case("GET with max-age is storable", Input(response: [("Cache-Control", "max-age=60")]), []),
        Case("HEAD is understood", Input(method: "HEAD", response: [("Cache-Control", "max-age=60")]), []),
        Case("POST is not cached by this cache", Input(method: "POST", response: [("Cache-Control", "max-age=60")]), ["method-not-cacheable"]),
        Case("PUT is not cacheable", Input(method: "PUT"), ["method-not-cacheable"]),
        Case("DELETE is not cacheable", Input(method: "DELETE"), ["method-not-cacheable"]),
        Case("OPTIONS is not cacheable", Input(method: "OPTIONS"), ["method-not-cacheable"]),
        Case("method names are case-sensitive: get is not GET (RFC 9110 §9.1)", Input(method: "get"), ["method-not-cacheable"]),
        Case("empty method", Input(method: ""), ["method-not-cacheable"]),
        // Status codes (§3: final; 206/304 understood; heuristically cacheable list RFC 9110 §15.1).
        Case("200 without any freshness is heuristically cacheable", Input(status: 200), []),
        Case("203 heuristically cacheable", Input(status: 203), []),
        Case("204 heuristically cacheable", Input(status: 204), []),
        Case("300 heuristically cacheable", Input(status: 300), []),
        Case("301 heuristically cacheable (PyPI name redirects)", Input(status: 301), []),
        Case("308 heuristically cacheable", Input(status: 308), []),
        Case("404 heuristically cacheable", Input(status: 404), []),
        Case("405 heuristically cacheable", Input(status: 405), []),
        Case("410 heuristically cacheable", Input(status: 410), []),
        Case("414 heuristically cacheable", Input(status: 414), []),
        Case("501 heuristically cacheable", Input(status: 501), []),
        Case("206 is refused: partial content not implemented", Input(status: 206), ["partial-content"]),
        Case("206 with max-age still refused", Input(status: 206, response: [("Cache-Control", "max-age=60")]), ["partial-content"]),
        Case("304 is never stored by itself", Input(status: 304, response: [("Cache-Control", "max-age=60")]), ["not-modified"]),
        Case("100 Continue is not final", Input(status: 100), ["status-not-final"]),
        Case("103 Early Hints is not final", Input(status: 103, response: [("Cache-Control", "max-age=60")]), ["status-not-final"]),
        Case("status 99 is invalid", Input(status: 99), ["status-invalid"]),
        Case("status 600 is invalid", Input(status: 600, response: [("Cache-Control", "max-age=60")]), ["status-invalid"]),
        Case("status 0 is invalid", Input(status: 0), ["status-invalid"]),
        Case("negative status is invalid", Input(status: -200), ["status-invalid"]),
        Case("huge status is invalid", Input(status: Int.max), ["status-invalid"]),
        Case("302 without freshness is not cacheable", Input(status: 302), ["status-not-cacheable"]),
        Case("302 with max-age is storable", Input(status: 302, response: [("Cache-Control", "max-age=60")]), []),
        Case("302 with Expires is storable", Input(status: 302, response: [("Expires", "Thu, 01 Dec 2050 16:00:00 GMT")]), []),
        Case("302 with an invalid Expires still has an Expires field", Input(status: 302, response: [("Expires", "0")]), []),
        Case("302 with public is storable", Input(status: 302, response: [("Cache-Control", "public")]), []),
        Case("302 with private is storable by a private cache (§5.2.2.7)", Input(status: 302, response: [("Cache-Control", "private")]), []),
        Case("302 with only s-maxage is not cacheable by a private cache", Input(status: 302, response: [("Cache-Control", "s-maxage=60")]), ["status-not-cacheable"]),
        Case("302 with an invalid max-age still has max-age present", Input(status: 302, response: [("Cache-Control", "max-age=-1")]), []),
        Case("303 without freshness", Input(status: 303), ["status-not-cacheable"]),
        Case("307 without freshness", Input(status: 307), ["status-not-cacheable"]),
        Case("400 without freshness", Input(status: 400), ["status-not-cacheable"]),
        Case("403 without freshness", Input(status: 403), ["status-not-cacheable"]),
        Case("500 without freshness", Input(status: 500), ["status-not-cacheable"]),
        Case("503 with max-age is storable", Input(status: 503, response: [("Cache-Control", "max-age=5")]), []),
        Case("unknown 299 with max-age is storable (understanding only required for 206/304/must-understand)", Input(status: 299, response: [("Cache-Control", "max-age=5")]), []),
        Case("unknown 299 without freshness", Input(status: 299), ["status-not-cacheable"]),
        Case("immutable alone is not explicit cacheability", Input(status: 302, response: [("Cache-Control", "immutable")]), ["status-not-cacheable"]),
        Case("unknown extension does not make a response cacheable", Input(status: 302, response: [("Cache-Control", "x-cache-me")]), ["status-not-cacheable"]),
        // no-store (§5.2.2.5, §5.2.1.5).
        Case("no-store in the response", Input(response: [("Cache-Control", "no-store")]), ["no-store-response"]),
        Case("NO-STORE uppercase", Input(response: [("Cache-Control", "NO-STORE")]), ["no-store-response"]),
        Case("no-store on a second Cache-Control line", Input(response: [("Cache-Control", "max-age=60"), ("Cache-Control", "no-store")]), ["no-store-response"]),
        Case("no-store in the request", Input(response: [("Cache-Control", "max-age=60")], request: [("Cache-Control", "no-store")]), ["no-store-request"]),
        Case("no-store in both", Input(response: [("Cache-Control", "no-store")], request: [("Cache-Control", "no-store")]), ["no-store-response", "no-store-request"]),
        Case("PyTorch legacy index: no-cache,no-store,must-revalidate", Input(response: [("Cache-Control", "no-cache,no-store,must-revalidate")]), ["no-store-response"]),
        Case("NVIDIA max-age=0, no-cache, no-store", Input(response: [("Cache-Control", "max-age=0, no-cache, no-store")]), ["no-store-response"]),
        Case("mistaken wheel no-cache, no-store", Input(response: [("Cache-Control", "no-cache, no-store")]), ["no-store-response"]),
        Case("no-store with max-age and public is still refused (most restrictive)", Input(response: [("Cache-Control", "public, max-age=600, no-store")]), ["no-store-response"]),
        Case("Pragma: no-store means nothing", Input(response: [("Pragma", "no-store")]), []),
        // must-understand (§5.2.2.3).
        Case("must-understand with understood status ignores no-store", Input(response: [("Cache-Control", "must-understand, no-store, max-age=60")]), []),
        Case("must-understand with unknown status refuses", Input(status: 299, response: [("Cache-Control", "must-understand, no-store, max-age=60")]), ["must-understand-status-not-understood", "no-store-response"]),
        Case("must-understand alone with unknown status", Input(status: 299, response: [("Cache-Control", "must-understand, max-age=60")]), ["must-understand-status-not-understood"]),
        Case("must-understand with 206 reports partial content once", Input(status: 206, response: [("Cache-Control", "must-understand, max-age=60")]), ["partial-content"]),
        Case("must-understand does not override a request no-store", Input(response: [("Cache-Control", "must-understand, no-store")], request: [("Cache-Control", "no-store")]), ["no-store-request"]),
        // private / Authorization are fine for a private cache (§3, §3.5).
        Case("private is fine for a private cache", Input(response: [("Cache-Control", "private, max-age=60")]), []),
        Case("private with field names is fine", Input(response: [("Cache-Control", "private=\"Set-Cookie\"")]), []),
        Case("Authorization in the request is fine for a private cache (§3.5 is for shared caches)", Input(request: [("Authorization", "Bearer x")]), []),
        Case("Authorization with no-cache response is still storable", Input(response: [("Cache-Control", "no-cache")], request: [("Authorization", "Basic x")]), []),
        // no-cache does not prevent storage.
        Case("no-cache is storable (it only forces validation)", Input(response: [("Cache-Control", "no-cache")]), []),
        Case("must-revalidate is storable", Input(response: [("Cache-Control", "must-revalidate")]), []),
        Case("Vary: * is storable (never reusable)", Input(response: [("Vary", "*")]), []),
        // Real-world fixtures.
        Case("PyPI simple page: max-age=600, public with Vary and ETag", Input(response: [("Cache-Control", "max-age=600, public"), ("Vary", "Accept"), ("ETag", "\"abc\"")]), []),
        Case("PyPI file: max-age=365000000, immutable, public", Input(response: [("Cache-Control", "max-age=365000000, immutable, public")]), []),
        Case("PyTorch release channel: max-age=600, public, must-revalidate", Input(response: [("Cache-Control", "max-age=600, public, must-revalidate")]), []),
        Case("wheel with only Last-Modified", Input(response: [("Last-Modified", "Tue, 01 Oct 2024 10:00:00 GMT")]), []),
        Case("several reasons reported together", Input(method: "POST", status: 302, response: [("Cache-Control", "no-store")], request: [("Cache-Control", "no-store")]),
             ["method-not-cacheable", "no-store-response", "no-store-request", "status-not-cacheable"]),
        Case("empty Cache-Control value", Input(response: [("Cache-Control", "")]), []),
    ]

    @Test("storability and refusal codes", arguments: rows)
    func storability(_ row: Case<Input, [String]>) {
        let request = HTTPRequestHead(method: row.input.method, url: "https://example.org/", headers: HeaderFields(row.input.request))
        let verdict = PrivateCache().storability(request: request, response: response(row.input.status, row.input.response))
        #expect(verdict.refusalReasons.map(\.code) == row.expected)
        #expect(verdict.isStorable == row.expected.isEmpty)
    }

    static let allReasons: [RefusalReason] = [
        .methodNotCacheable(method: "POST"), .statusInvalid(status: 700), .statusNotFinal(status: 101), .partialContent,
        .notModified, .mustUnderstandStatusNotUnderstood(status: 299), .noStoreResponse, .noStoreRequest,
        .statusNotCacheable(status: 302),
    ]

    @Test("every refusal has a distinct stable code and a sentence", arguments: allReasons)
    func describes(_ reason: RefusalReason) {
        #expect(!reason.code.isEmpty)
        #expect(reason.description.count > 20)
        #expect(Self.allReasons.filter { $0.code == reason.code }.count == 1)
    }

    @Test("every refusal's recorded code reads back as the same reason, with its description")
    func codesRoundTrip() {
        let recorded: [(reason: RefusalReason, method: String, status: Int)] = [
            (.methodNotCacheable(method: "POST"), "POST", 200), (.statusInvalid(status: 700), "GET", 700),
            (.statusNotFinal(status: 101), "GET", 101), (.partialContent, "GET", 206), (.notModified, "GET", 304),
            (.mustUnderstandStatusNotUnderstood(status: 299), "GET", 299), (.noStoreResponse, "GET", 200),
            (.noStoreRequest, "GET", 200), (.statusNotCacheable(status: 302), "GET", 302),
        ]
        #expect(Set(recorded.map(\.reason.code)) == Set(Self.allReasons.map(\.code)), "the table covers every reason")
        for (reason, method, status) in recorded {
            let decoded = RefusalReason(code: reason.code, method: method, status: status)
            #expect(decoded == reason)
            #expect(decoded.code == reason.code)
            #expect(decoded.description == reason.description)
            #expect(decoded.description.count > 20)
        }
    }

    @Test("a refusal code this version does not know reads back as itself and is shown as written")
    func unknownCodeStillDisplays() {
        let decoded = RefusalReason(code: "some-future-reason", method: "GET", status: 200)
        #expect(decoded == .unrecognized(code: "some-future-reason"))
        #expect(decoded.code == "some-future-reason")
        #expect(decoded.description == "some-future-reason")
    }

    @Test("notes explain what a private cache allows")
    func notes() {
        let request = get("https://example.org/", [("Authorization", "Bearer t")])
        let verdict = Storability(request: request, response: response(200, [("Cache-Control", "private, must-understand, no-store"), ("Vary", "*")]))
        #expect(verdict.isStorable)
        #expect(verdict.notes == [.noStoreOverriddenByMustUnderstand, .privateAllowed, .authorizationAllowed, .varyStarNeverMatches])
    }

    @Test("refusal reasons are Codable")
    func codable() throws {
        let verdict = Storability(request: get(), response: response(200, [("Cache-Control", "no-store")]))
        let json = try JSONEncoderShim.encode(verdict)
        #expect(try JSONEncoderShim.decode(Storability.self, json) == verdict)
    }
}

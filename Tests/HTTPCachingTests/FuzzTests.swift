import Testing
@testable import HTTPCaching
import TestSupport

@Suite("Garbage input never crashes or traps")
struct FuzzTests {
    static let names = ["Cache-Control", "cache-control", "CACHE-CONTROL", "Expires", "Date", "Age", "Last-Modified", "ETag",
                        "Vary", "Pragma", "Accept", "Accept-Encoding", "Authorization", "Connection", "Content-Length", "Range", "X-Foo", ""]
    static let fragments = ["max-age=", "max-age=\"", "no-cache", "no-store", "must-revalidate", "must-understand", "private", "public",
                            "max-stale", "min-fresh=", "only-if-cached", "s-maxage=", "immutable", "no-cache=\"", "*", ",", ", ", "=", "\"",
                            "\\", " ", "\t", "-1", "0", "60", "99999999999999999999999", "18446744073709551616", "9223372036854775808",
                            "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
                            "Fri, 31 Dec 9999 23:59:59 GMT", "W/\"", "Accept", "%", "%zz", "https://", ":", "[", "]", "é", "\u{0}", "\u{7F}", "🙂"]

    static func randomString(_ rng: inout SeededGenerator) -> String {
        var result = ""
        for _ in 0..<Int.random(in: 0...6, using: &rng) {
            if Bool.random(using: &rng) {
                result += fragments.randomElement(using: &rng)!
            } else {
                let scalar = Unicode.Scalar(UInt8.random(in: 0...255, using: &rng))
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func randomHeaders(_ rng: inout SeededGenerator) -> HeaderFields {
        var headers = HeaderFields()
        for _ in 0..<Int.random(in: 0...8, using: &rng) {
            let name = Bool.random(using: &rng) ? names.randomElement(using: &rng)! : Self.randomString(&rng)
            headers.append(name: name, value: Self.randomString(&rng))
        }
        return headers
    }

    static func randomTime(_ rng: inout SeededGenerator) -> HTTPDate {
        switch Int.random(in: 0...5, using: &rng) {
        case 0: HTTPDate(secondsSince1970: .max)
        case 1: HTTPDate(secondsSince1970: .min)
        case 2: HTTPDate(secondsSince1970: Int64.random(in: .min ... .max, using: &rng))
        default: t0.adding(seconds: Int64.random(in: -1_000_000...1_000_000, using: &rng))
        }
    }

    static let seeds: [UInt64] = [1, 2, 3, 42, 0xDEAD_BEEF]

    @Test("random exchanges through every function (seeded, 5 x 800 iterations)", arguments: seeds)
    func fuzz(_ seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        let cache = PrivateCache()
        let statuses = [200, 203, 204, 206, 301, 302, 304, 404, 100, 0, -1, 999, Int.max, Int.min]
        for _ in 0..<800 {
            let method = ["GET", "HEAD", "POST", "get", ""].randomElement(using: &rng)!
            let url = Bool.random(using: &rng) ? "https://example.org/a" : Self.randomString(&rng)
            let request = HTTPRequestHead(method: method, url: url, headers: Self.randomHeaders(&rng))
            let newRequest = HTTPRequestHead(method: method, url: Bool.random(using: &rng) ? url : Self.randomString(&rng), headers: Self.randomHeaders(&rng))
            let resp = HTTPResponseHead(status: statuses.randomElement(using: &rng)!, headers: Self.randomHeaders(&rng))
            let requestTime = Self.randomTime(&rng), responseTime = Self.randomTime(&rng), now = Self.randomTime(&rng)

            let result = cache.evaluate(request: request, response: resp, requestTime: requestTime, responseTime: responseTime,
                                        now: now, newRequest: newRequest)
            #expect(result.freshness.lifetime.seconds >= 0)
            #expect(result.freshness.currentAge >= 0)
            #expect(result.freshness.isFresh == (result.freshness.timeToLive > 0))
            #expect(result.storability.isStorable == result.storability.refusalReasons.isEmpty)
            if result.isReusable { #expect(result.storability.isStorable && result.reuse.mismatches.isEmpty) }
            for mode in [ServingMode.connected, .disconnected, .overridingDirectives] { _ = result.reuse.verdict(mode) }
            _ = result.freshness.expiresAt.imfFixdate

            let exchange = StoredExchange(request: request, response: resp, requestTime: requestTime, responseTime: responseTime)
            let notModified = HTTPResponseHead(status: 304, headers: Self.randomHeaders(&rng))
            _ = cache.responsesToFreshen(with: notModified, receivedAt: now, among: [exchange, exchange], for: newRequest)
            let merged = cache.freshen(exchange, with: notModified, requestTime: requestTime, responseTime: now)
            _ = cache.reuse(merged, for: newRequest, now: now)
            _ = cache.conditionalHeaders(validating: [exchange, merged], for: newRequest)
            _ = HTTPDate.parse(Self.randomString(&rng), relativeTo: Self.randomTime(&rng))
            _ = CacheKey.normalizedURL(Self.randomString(&rng))
        }
    }

    @Test("the quick normalized-URL scan never accepts a URL that normalization would change")
    func normalizedURLScan() {
        var rng = SeededGenerator(seed: 11)
        let schemes = ["http://", "https://", "HTTPS://", "ftp://", ""]
        let authorities = ["pypi.org", "PyPI.org", "pypi.org:443", "pypi.org:8080", "pypi.org:", "u:p@pypi.org", "[::1]", "[::1]:80",
                           "h%2Bx", "h:8080:", ":443", "", "é.org", "files.pythonhosted.org"]
        let rest = ["/", "/simple/", "/Torch", "/torch-2.0%2Bcpu.whl", "/%7Euser", "/a+b", "?", "?a=B", "#", "#sha256=ab", " ", "", "/x@y:z"]
        var accepted = 0
        for _ in 0..<20_000 {
            let url = schemes.randomElement(using: &rng)! + authorities.randomElement(using: &rng)!
                + (0..<Int.random(in: 0...3, using: &rng)).map { _ in rest.randomElement(using: &rng)! }.joined()
            if CacheKey.isNormalized(url) {
                accepted += 1
                #expect(CacheKey.normalizedURL(url) == url, "\(url)")
            }
            let normalized = CacheKey.normalizedURL(url)
            #expect(CacheKey.normalizedURL(normalized) == normalized, "normalizing twice changes \(url)")
        }
        #expect(accepted > 100)
    }

    @Test("random bytes as HTTP-dates with extreme reference clocks")
    func dates() {
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<3000 {
            let text = Self.randomString(&rng)
            let reference = Self.randomTime(&rng)
            if let parsed = HTTPDate.parse(text, relativeTo: reference) {
                #expect(parsed.components.year >= 0)
            }
        }
        for reference in [HTTPDate(secondsSince1970: .max), HTTPDate(secondsSince1970: .min)] {
            _ = HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT", relativeTo: reference)
        }
    }

    static let absurd: [Case<String, Void>] = [
        Case("max-age=99999999999999999999999", "max-age=99999999999999999999999", ()),
        Case("max-age one past Int64.max", "max-age=9223372036854775808", ()),
        Case("max-age one past UInt64.max", "max-age=18446744073709551616", ()),
        Case("max-stale and min-fresh absurd", "max-stale=99999999999999999999, min-fresh=99999999999999999999", ()),
        Case("max-age absurd with absurd Age", "max-age=999999999999999999999999999999", ()),
    ]

    @Test("absurd numbers saturate", arguments: absurd)
    func absurdNumbers(_ row: Case<String, Void>) {
        let exchange = stored(get(), response(200, [("Cache-Control", row.input), ("Age", "99999999999999999999999"),
                                                   ("Expires", "Fri, 31 Dec 9999 23:59:59 GMT"), ("Date", "Mon, 01 Jan 0001 00:00:00 GMT")]),
                              requestTime: HTTPDate(secondsSince1970: .min), responseTime: HTTPDate(secondsSince1970: .max))
        let request = get("https://example.org/simple/torch/", [("Cache-Control", row.input)])
        let decision = PrivateCache().reuse(exchange, for: request, now: HTTPDate(secondsSince1970: .max))
        if row.input.contains("max-age") {
            #expect(decision.freshness.lifetime.seconds == 2_147_483_648)
        } else {
            #expect(decision.freshness.lifetime.source.code == "expires")
        }
        #expect(decision.freshness.currentAge == .max)
        _ = decision.verdict(.connected)
    }
}

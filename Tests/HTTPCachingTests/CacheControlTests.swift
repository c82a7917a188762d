import Testing
@testable import HTTPCaching

@Suite("Cache-Control parsing (RFC 9111 §5.2)")
struct CacheControlParsingTests {
    static let parsing: [Case<[String], [String]>] = [
        Case("single directive", ["no-store"], ["no-store"]),
        Case("directive names are case-insensitive: uppercase lowered", ["NO-STORE"], ["no-store"]),
        Case("mixed case name", ["Max-Age=60"], ["max-age=60"]),
        Case("token argument", ["max-age=60"], ["max-age=60"]),
        Case("quoted argument unquoted", ["max-age=\"60\""], ["max-age=\"60\""]),
        Case("whitespace around members", ["  public ,  max-age=600  "], ["public", "max-age=600"]),
        Case("no whitespace after commas", ["no-cache,no-store,must-revalidate"], ["no-cache", "no-store", "must-revalidate"]),
        Case("whitespace around = tolerated", ["max-age = 60"], ["max-age=60"]),
        Case("empty members ignored", [",,public,,"], ["public"]),
        Case("empty value gives nothing", [""], []),
        Case("two lines are one list", ["max-age=600", "public"], ["max-age=600", "public"]),
        Case("quoted field list with comma stays one directive", ["no-cache=\"Set-Cookie, X-Foo\", public"], ["no-cache=\"Set-Cookie, X-Foo\"", "public"]),
        Case("quoted-pair unescaped", ["ext=\"a\\\"b\""], ["ext=\"a\"b\""]),
        Case("unknown extension kept", ["community=\"UCI\", private"], ["community=\"UCI\"", "private"]),
        Case("duplicate directives all kept", ["max-age=1, max-age=2"], ["max-age=1", "max-age=2"]),
        Case("member without a name is dropped", ["=5, public"], ["public"]),
        Case("empty argument kept as empty", ["max-age="], ["max-age="]),
        Case("stray quote on one line does not swallow the next line", ["ext=\"oops", "no-store"], ["ext=\"oops\"", "no-store"]),
        Case("tab separated", ["public,\tmax-age=5"], ["public", "max-age=5"]),
        Case("PyTorch legacy index header", ["no-cache,no-store,must-revalidate"], ["no-cache", "no-store", "must-revalidate"]),
        Case("PyPI file header", ["max-age=365000000, immutable, public"], ["max-age=365000000", "immutable", "public"]),
    ]

    @Test("directives parse in order", arguments: parsing)
    func parses(_ row: Case<[String], [String]>) {
        #expect(CacheControl(fieldValues: row.input).directives.map(\.description) == row.expected)
    }

    static let maxAge: [Case<[String], DeltaSecondsArgument?>] = [
        Case("absent", ["public"], nil),
        Case("token form", ["max-age=60"], .valid(60)),
        Case("quoted form accepted (§5.2: recipients ought to accept both forms)", ["max-age=\"60\""], .valid(60)),
        Case("zero", ["max-age=0"], .valid(0)),
        Case("leading zeros", ["max-age=0060"], .valid(60)),
        Case("negative is not delta-seconds (§1.2.2)", ["max-age=-1"], .invalid(arguments: ["-1"])),
        Case("plus sign is invalid", ["max-age=+60"], .invalid(arguments: ["+60"])),
        Case("decimal is invalid", ["max-age=1.5"], .invalid(arguments: ["1.5"])),
        Case("letters are invalid", ["max-age=abc"], .invalid(arguments: ["abc"])),
        Case("missing argument is invalid", ["max-age"], .invalid(arguments: [nil])),
        Case("empty argument is invalid", ["max-age="], .invalid(arguments: [""])),
        Case("empty quoted argument is invalid", ["max-age=\"\""], .invalid(arguments: [""])),
        Case("space inside quotes is invalid", ["max-age=\" 60\""], .invalid(arguments: [" 60"])),
        Case("digits then garbage is invalid", ["max-age=60s"], .invalid(arguments: ["60s"])),
        Case("2^31 exactly", ["max-age=2147483648"], .valid(2_147_483_648)),
        Case("just below 2^31", ["max-age=2147483647"], .valid(2_147_483_647)),
        Case("above 2^31 clamps to 2^31 (§1.2.2)", ["max-age=2147483649"], .valid(2_147_483_648)),
        Case("absurdly large clamps without overflow", ["max-age=99999999999999999999999"], .valid(2_147_483_648)),
        Case("thousands of digits clamp", ["max-age=" + String(repeating: "9", count: 5000)], .valid(2_147_483_648)),
        Case("PyPI files' ten-year lifetime", ["max-age=365000000"], .valid(365_000_000)),
        Case("identical duplicates are one value", ["max-age=60, max-age=60"], .valid(60)),
        Case("identical duplicates across lines", ["max-age=60", "max-age=\"60\""], .valid(60)),
        Case("conflicting duplicates (§4.2.1)", ["max-age=60, max-age=120"], .conflicting(values: [60, 120])),
        Case("conflicting duplicates across lines", ["max-age=600", "max-age=0"], .conflicting(values: [600, 0])),
        Case("one invalid occurrence makes it invalid", ["max-age=60, max-age=x"], .invalid(arguments: ["60", "x"])),
        Case("uppercase directive name", ["MAX-AGE=60"], .valid(60)),
        Case("whitespace around =", ["max-age = 60"], .valid(60)),
    ]

    @Test("max-age response directive value", arguments: maxAge)
    func maxAgeValue(_ row: Case<[String], DeltaSecondsArgument?>) {
        let directives = ResponseCacheDirectives(HeaderFields(row.input.map { ("Cache-Control", $0) }))
        #expect(directives.maxAge == row.expected)
    }

    static let flags: [Case<String, [String]>] = [
        Case("no-store", "no-store", ["no-store"]),
        Case("no-cache unqualified", "no-cache", ["no-cache"]),
        Case("no-cache qualified", "no-cache=\"Set-Cookie\"", ["no-cache"]),
        Case("must-revalidate", "must-revalidate", ["must-revalidate"]),
        Case("proxy-revalidate", "proxy-revalidate", ["proxy-revalidate"]),
        Case("must-understand", "must-understand, no-store", ["must-understand", "no-store"]),
        Case("public", "public", ["public"]),
        Case("private", "private", ["private"]),
        Case("immutable", "immutable", ["immutable"]),
        Case("no-transform", "no-transform", ["no-transform"]),
        Case("uppercase flags", "NO-STORE, PUBLIC", ["no-store", "public"]),
        Case("NVIDIA max-age=0, no-cache, no-store", "max-age=0, no-cache, no-store", ["no-cache", "no-store"]),
        Case("PyTorch new max-age=600, public, must-revalidate", "max-age=600, public, must-revalidate", ["must-revalidate", "public"]),
        Case("a directive with an argument still counts as present", "no-store=1", ["no-store"]),
        Case("unknown extension sets nothing", "foo, bar=baz", []),
    ]

    @Test("response flags", arguments: flags)
    func responseFlags(_ row: Case<String, [String]>) {
        let d = ResponseCacheDirectives(HeaderFields([("Cache-Control", row.input)]))
        var set: [String] = []
        if d.noCache != nil { set.append("no-cache") }
        if d.noStore { set.append("no-store") }
        if d.mustRevalidate { set.append("must-revalidate") }
        if d.proxyRevalidate { set.append("proxy-revalidate") }
        if d.mustUnderstand { set.append("must-understand") }
        if d.isPublic { set.append("public") }
        if d.isPrivate != nil { set.append("private") }
        if d.immutable { set.append("immutable") }
        if d.noTransform { set.append("no-transform") }
        #expect(Set(set) == Set(row.expected))
    }

    static let fieldNames: [Case<[String], FieldNamesArgument?>] = [
        Case("absent", ["public"], nil),
        Case("unqualified no-cache", ["no-cache"], .unqualified),
        Case("qualified no-cache lists fields, lowercased (§5.2.2.4)", ["no-cache=\"Set-Cookie\""], .fields(["set-cookie"])),
        Case("qualified no-cache with several fields", ["no-cache=\"Set-Cookie, X-Token\""], .fields(["set-cookie", "x-token"])),
        Case("token form of a field list tolerated", ["no-cache=Set-Cookie"], .fields(["set-cookie"])),
        Case("unqualified wins over qualified (more restrictive)", ["no-cache=\"A\", no-cache"], .unqualified),
        Case("two qualified lists are merged", ["no-cache=\"A\"", "no-cache=\"B, a\""], .fields(["a", "b"])),
        Case("empty list reads as unqualified", ["no-cache=\"\""], .unqualified),
    ]

    @Test("no-cache field-name argument", arguments: fieldNames)
    func noCacheFields(_ row: Case<[String], FieldNamesArgument?>) {
        let d = ResponseCacheDirectives(HeaderFields(row.input.map { ("Cache-Control", $0) }))
        #expect(d.noCache == row.expected)
    }

    @Test("unknown extensions are kept in order (§5.2.3)")
    func extensions() {
        let d = ResponseCacheDirectives(HeaderFields([("Cache-Control", "public, community=\"UCI\", x-y, max-age=5")]))
        #expect(d.extensions.map(\.description) == ["community=\"UCI\"", "x-y"])
    }

    @Test("Pragma is not read for responses (§5.4: never specified for responses)")
    func responsePragmaIgnored() {
        let d = ResponseCacheDirectives(HeaderFields([("Pragma", "no-cache")]))
        #expect(d.noCache == nil)
    }

    @Test("stale-while-revalidate and stale-if-error are parsed")
    func rfc5861() {
        let d = ResponseCacheDirectives(HeaderFields([("Cache-Control", "max-age=1, stale-while-revalidate=30, stale-if-error=86400")]))
        #expect(d.staleWhileRevalidate == .valid(30))
        #expect(d.staleIfError == .valid(86_400))
    }
}

@Suite("Cache-Control request directives (RFC 9111 §5.2.1, §5.4)")
struct RequestDirectiveTests {
    struct Expectation: Sendable, Equatable {
        var maxAge: Int64? = nil
        var maxStale: MaxStale? = nil
        var minFresh: Int64? = nil
        var requiresValidation = false
        var noStore = false
        var onlyIfCached = false
    }

    static let rows: [Case<[(String, String)], Expectation>] = [
        Case("no directives", [], Expectation()),
        Case("pip's max-age=0", [("Cache-Control", "max-age=0")], Expectation(maxAge: 0)),
        Case("max-age value", [("Cache-Control", "max-age=30")], Expectation(maxAge: 30)),
        Case("quoted max-age accepted", [("Cache-Control", "max-age=\"30\"")], Expectation(maxAge: 30)),
        Case("invalid request max-age reads as 0 (most restrictive)", [("Cache-Control", "max-age=-5")], Expectation(maxAge: 0)),
        Case("conflicting request max-age takes the smallest", [("Cache-Control", "max-age=30, max-age=10")], Expectation(maxAge: 10)),
        Case("max-stale without value accepts any staleness", [("Cache-Control", "max-stale")], Expectation(maxStale: .unlimited)),
        Case("max-stale with value", [("Cache-Control", "max-stale=60")], Expectation(maxStale: .seconds(60))),
        Case("max-stale quoted value", [("Cache-Control", "max-stale=\"60\"")], Expectation(maxStale: .seconds(60))),
        Case("max-stale with and without value: the limit wins", [("Cache-Control", "max-stale, max-stale=5")], Expectation(maxStale: .seconds(5))),
        Case("max-stale conflicting values: the smallest", [("Cache-Control", "max-stale=50, max-stale=5")], Expectation(maxStale: .seconds(5))),
        Case("max-stale invalid grants nothing", [("Cache-Control", "max-stale=abc")], Expectation(maxStale: .invalid(arguments: ["abc"]))),
        Case("max-stale huge clamps", [("Cache-Control", "max-stale=99999999999999999999")], Expectation(maxStale: .seconds(2_147_483_648))),
        Case("min-fresh", [("Cache-Control", "min-fresh=20")], Expectation(minFresh: 20)),
        Case("min-fresh conflicting: the largest", [("Cache-Control", "min-fresh=20, min-fresh=40")], Expectation(minFresh: 40)),
        Case("min-fresh invalid ignored", [("Cache-Control", "min-fresh=x")], Expectation()),
        Case("no-cache", [("Cache-Control", "no-cache")], Expectation(requiresValidation: true)),
        Case("NO-CACHE uppercase", [("cache-control", "NO-CACHE")], Expectation(requiresValidation: true)),
        Case("Pragma: no-cache without Cache-Control (§5.4)", [("Pragma", "no-cache")], Expectation(requiresValidation: true)),
        Case("Pragma: NO-CACHE case-insensitive", [("pragma", "NO-CACHE")], Expectation(requiresValidation: true)),
        Case("Pragma ignored when Cache-Control is present", [("Pragma", "no-cache"), ("Cache-Control", "max-age=60")], Expectation(maxAge: 60)),
        Case("Pragma with other tokens", [("Pragma", "foo, no-cache")], Expectation(requiresValidation: true)),
        Case("Pragma without no-cache", [("Pragma", "foo")], Expectation()),
        Case("no-store", [("Cache-Control", "no-store")], Expectation(noStore: true)),
        Case("only-if-cached", [("Cache-Control", "only-if-cached")], Expectation(onlyIfCached: true)),
        Case("everything at once", [("Cache-Control", "max-age=5, max-stale=6, min-fresh=7, no-cache, no-store, only-if-cached")],
             Expectation(maxAge: 5, maxStale: .seconds(6), minFresh: 7, requiresValidation: true, noStore: true, onlyIfCached: true)),
    ]

    @Test("request directives", arguments: rows)
    func requestDirectives(_ row: Case<[(String, String)], Expectation>) {
        let d = RequestCacheDirectives(HeaderFields(row.input))
        let actual = Expectation(maxAge: d.effectiveMaxAge, maxStale: d.maxStale, minFresh: d.effectiveMinFresh,
                                 requiresValidation: d.requiresValidation, noStore: d.noStore, onlyIfCached: d.onlyIfCached)
        #expect(actual == row.expected)
    }
}

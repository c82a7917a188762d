import Testing

@testable import PythonPackaging

@Suite("PEP 440 specifiers")
struct SpecifierTests {
    static let validity: [(String, Bool)] = [
        ("==1.0", true), ("== 1.0", true), (" ==1.0 ", true), ("!=1.0", true), ("<=1.0", true), (">=1.0", true),
        ("<1.0", true), (">1.0", true), ("~=1.0", true), ("===anything", true), ("===", true), ("=== 1.0", true),
        ("==1.0.*", true), ("!=1.0.*", true), ("==v1.0.*", true), ("==1!1.*", true), ("==1.0+local", true),
        ("!=1.0+local", true), ("==1.0a1", true), (">=1.0.post1.dev2", true), ("~=1.0a1", true), ("~=1!1.0", true),
        ("~=1", false), ("~=1.0+local", false), ("~=1.0.*", false), ("<=1.0+local", false), (">1.0+local", false),
        ("<1.0.*", false), (">=1.0.*", false), ("==1.0a1.*", false), ("==1.0+local.*", false), ("==1.*.*", false),
        ("=1.0", false), ("1.0", false), ("", false), ("==", false), (">=", false), ("~1.0", false), ("=>1.0", false),
        ("===foo bar", false), ("===1.0;", false), ("===1.0)", false), ("==1.0 .*", false), ("==french toast", false),
        ("<==1.0", false), ("==1.0,", false), ("== 1.0 a", false), ("==\u{301}1.0", false), (">=1.0\u{3000}", true),
    ]

    @Test("validates a single clause like packaging's Specifier", arguments: validity)
    func clauseValidity(_ text: String, _ valid: Bool) {
        #expect(Specifier.isValid(text) == valid)
    }

    static let setValidity: [(String, Bool)] = [
        ("", true), (" ", true), (",", true), (">=1.0,<2", true), (">=1.0, <2 ,", true), (">=1.0,,<2", true),
        (">=1.0,foo", false), (">=1.0;<2", false), ("~=3.8", true), (">=3.7, !=3.8.*", true),
    ]

    @Test("validates comma-separated sets", arguments: setValidity)
    func setValidityCases(_ text: String, _ valid: Bool) {
        #expect(SpecifierSet.isValid(text) == valid)
    }

    /// (specifier, version, contained) with the default pre-release policy; from PEP 440 and
    /// packaging's own test-suite behaviour.
    static let containment: [(String, String, Bool)] = [
        // ==
        ("==1.0", "1.0", true), ("==1.0", "1.0.0", true), ("==1.0.0", "1.0", true), ("==1.0", "1.0+local", true),
        ("==1.0+local", "1.0", false), ("==1.0+local", "1.0+LOCAL", true), ("==1.0", "1.0.post1", false),
        ("==1.0", "1.1", false), ("==1.0a1", "1.0a1", true),
        // wildcards
        ("==1.0.*", "1.0", true), ("==1.0.*", "1.0.5", true), ("==1.0.*", "1.0a1", true), ("==1.0.*", "1.0.dev1", true),
        ("==1.0.*", "1.0.post1", true), ("==1.0.*", "1.0+local", true), ("==1.0.*", "1.1", false), ("==1.*", "1", true),
        ("==1.0.*", "1", true), ("==1.0.0.*", "1", true), ("==1.1.*", "1", false), ("==1.*", "10.0", false),
        ("!=1.0.*", "1.0.1", false), ("!=1.0.*", "1.1", true), ("==1!1.*", "1!1.5", true), ("==1!1.*", "1.5", false),
        ("==2.*", "2.0rc1", true), ("!=2.*", "1.9", true),
        // !=
        ("!=1.0", "1.0", false), ("!=1.0", "1.0+local", false), ("!=1.0", "1.0.post1", true), ("!=1.0", "1.1", true),
        // <= and >=
        ("<=1.0", "1.0", true), ("<=1.0", "1.0+local", true), ("<=1.0", "1.0.post1", false), (">=1.0", "1.0", true),
        (">=1.0", "1.0+local", true), (">=1.0", "0.9", false), (">=1.0", "1.0.dev0", false), (">=1.0a1", "1.0a1", true),
        // < (PEP 440: no pre-releases of the version itself)
        ("<1.0", "0.9", true), ("<1.0", "1.0", false), ("<1.0", "1.0a1", false), ("<1.0", "1.0.dev0", false),
        ("<1.0", "0.9a1", true), ("<1.0", "1.0+local", false), ("<1.0a2", "1.0a1", true), ("<1.0.post1", "1.0", true),
        ("<1.0.post1", "1.0.post1.dev0", false), ("<1.0.post1", "1.0a1", true),
        // > (PEP 440: no post-releases or local versions of the version itself)
        (">1.0", "1.1", true), (">1.0", "1.0", false), (">1.0", "1.0.post1", false), (">1.0", "1.0+local", false),
        (">1.0", "1.0.1", true), (">1.0.post1", "1.0.post2", true), (">1.0.post1", "1.0.post1+x", false),
        (">1.0a1", "1.0a1+local", false), (">1.0a1", "1.0a2+local", true), (">1.0a1", "1.0a1.post1", false),
        (">1.0.dev1", "1.0.dev2", true),
        // ~=
        ("~=2.2", "2.2", true), ("~=2.2", "2.3", true), ("~=2.2", "3.0", false), ("~=2.2", "2.1", false),
        ("~=2.2.0", "2.2.5", true), ("~=2.2.0", "2.3", false), ("~=1.4.5a4", "1.4.5", true), ("~=1.4.5a4", "1.5", false),
        ("~=2.2.post3", "2.3", true), ("~=1.0", "1.0+local", true), ("~=1!1.0", "1!1.5", true),
        // packaging computes the ~= prefix from the text as written: `.preview1` is not recognized
        // as a suffix, so `~=1.0.preview1` is `>=1.0rc1, ==1.0.*` while `~=1.0rc1` is `>=1.0rc1, ==1.*`.
        ("~=1.0.preview1", "1.5", false), ("~=1.0rc1", "1.5", true), ("~=v1.0", "1.5", false),
        // ===
        ("===1.0", "1.0", true), ("===1.0", "1.0.0", false), ("===1.0", "1.0+local", false), ("===foo", "FOO", true),
        ("===1.0a1", "1.0A1", true),
        // pre-releases are matched by contains() when undecided
        (">=1.0", "2.0a1", true), ("==2.0a1", "2.0a1", true), ("!=1.0", "2.0a1", true),
    ]

    @Test("contains follows PEP 440 operator semantics", arguments: containment)
    func contains(_ spec: String, _ version: String, _ expected: Bool) throws {
        let set = try SpecifierSet(parsing: spec)
        #expect(set.contains(version) == expected)
        let single = try Specifier(parsing: spec)
        #expect(single.contains(version) == expected)
    }

    /// (set, version, prereleases, set override, expected).
    static let prereleaseRules: [(String, String, Bool?, Bool?, Bool)] = [
        (">=1.0", "2.0a1", nil, nil, true), (">=1.0", "2.0a1", false, nil, false), (">=1.0", "2.0a1", true, nil, true),
        (">=1.0", "2.0a1", nil, false, false), (">=1.0", "2.0a1", true, false, true), (">=1.0", "2.0a1", nil, true, true),
        ("", "2.0a1", nil, nil, true), ("", "2.0a1", false, nil, false), ("", "2.0a1", nil, false, false),
        ("!=2.0", "2.0a1", false, nil, false), (">=1.0a1", "2.0a1", nil, false, false), (">=1.0a1", "2.0a1", false, true, false),
        ("", "foo", false, nil, true), (">=1.0", "foo", nil, nil, false), ("===foo", "foo", false, nil, true),
    ]

    @Test("explicit and implied pre-release decisions", arguments: prereleaseRules)
    func prereleases(_ spec: String, _ version: String, _ prereleases: Bool?, _ override: Bool?, _ expected: Bool) throws {
        let set = try SpecifierSet(parsing: spec, prereleases: override)
        #expect(set.contains(version, prereleases: prereleases) == expected)
    }

    @Test("installed pre-releases are accepted")
    func installed() throws {
        let set = try SpecifierSet(parsing: ">=1.0", prereleases: false)
        #expect(!set.contains("2.0a1"))
        #expect(set.contains("2.0a1", installed: true))
    }

    @Test("implied prereleases property of clauses and sets")
    func impliedPrereleases() throws {
        #expect(try Specifier(parsing: ">=1.0a1").prereleases == true)
        #expect(try Specifier(parsing: ">=1.0").prereleases == false)
        #expect(try Specifier(parsing: "!=1.0a1").prereleases == false)
        #expect(try Specifier(parsing: "==1.0.*").prereleases == false)
        #expect(try Specifier(parsing: "===foo").prereleases == nil)
        #expect(try Specifier(parsing: "===1.0a1").prereleases == true)
        #expect(try SpecifierSet(parsing: "").prereleases == nil)
        #expect(try SpecifierSet(parsing: ">=1.0").prereleases == nil)
        #expect(try SpecifierSet(parsing: ">=1.0,<2.0b1").prereleases == true)
        #expect(try SpecifierSet(parsing: ">=1.0", prereleases: false).prereleases == false)
    }

    static let filters: [(String, Bool?, [String], [String])] = [
        (">=1.2.3", nil, ["1.2", "1.3", "1.5a1"], ["1.3"]),
        (">=1.2.3", nil, ["1.2", "1.5a1"], ["1.5a1"]),
        (">=1.2.3", true, ["1.3", "1.5a1"], ["1.3", "1.5a1"]),
        (">=1.2.3", false, ["1.2", "1.5a1"], []),
        ("", nil, ["1.3", "1.5a1"], ["1.3"]),
        ("", nil, ["1.5a1"], ["1.5a1"]),
        ("", true, ["1.3", "1.5a1"], ["1.3", "1.5a1"]),
        ("", false, ["1.5a1", "foo"], ["foo"]),
        ("", nil, ["foo", "1.0a1", "bar", "1.0", "baz"], ["foo", "bar", "1.0", "baz"]),
        (">=1.0,<2.0", nil, ["0.9", "1.0", "1.5b1", "1.9", "2.0"], ["1.0", "1.9"]),
        (">=1.0,<2.0", nil, ["1.5b1", "1.6rc1"], ["1.5b1", "1.6rc1"]),
        ("===foo", nil, ["foo", "FOO", "bar", "1.0"], ["foo", "FOO"]),
        ("===1.0", nil, ["1.0", "1.0.0", "v1.0"], ["1.0"]),
        ("~=1.0", nil, ["1.0", "1.1", "2.0", "1.1.dev1"], ["1.0", "1.1"]),
        ("==1.*", nil, ["0.9", "1.0", "1.9.9", "2.0"], ["1.0", "1.9.9"]),
        (">1.0", nil, ["1.0.post1", "1.0+x", "1.0.1"], ["1.0.1"]),
    ]

    @Test("filter keeps input order and PEP 440 pre-release fallback", arguments: filters)
    func filter(_ spec: String, _ prereleases: Bool?, _ input: [String], _ expected: [String]) throws {
        #expect(try SpecifierSet(parsing: spec).filter(input, prereleases: prereleases) == expected)
    }

    @Test("single Specifier filter collects pre-releases only when nothing final matched")
    func singleFilter() throws {
        let spec = try Specifier(parsing: ">=1.2.3")
        #expect(spec.filter(["1.2", "1.3", "1.5a1"]) == ["1.3"])
        #expect(spec.filter(["1.2", "1.5a1"]) == ["1.5a1"])
        #expect(try Specifier(parsing: ">=1.2.3", prereleases: false).filter(["1.5a1"]) == [])
        #expect(try Specifier(parsing: ">=1.2.3", prereleases: true).filter(["1.3", "1.5a1"]) == ["1.3", "1.5a1"])
    }

    @Test("equality ignores spelling and trailing zeros, but not for ~=")
    func equality() throws {
        #expect(try Specifier(parsing: "==1.2.3") == Specifier(parsing: "== 1.2.3.0"))
        #expect(try Specifier(parsing: "~=1.2") != Specifier(parsing: "~=1.2.0"))
        #expect(try SpecifierSet(parsing: ">=1.0.0,!=1.0.1") == SpecifierSet(parsing: "!=1.0.1, >=1.0.0"))
        #expect(try SpecifierSet(parsing: ">=1.0.0,!=1.0.1").description == "!=1.0.1,>=1.0.0")
    }

    static let requiresPython: [(String?, [Int], RequiresPythonCheck)] = [
        (nil, [3, 11, 4], .compatible), (">=3.8", [3, 11, 4], .compatible), (">=3.12", [3, 11, 4], .incompatible),
        ("<3.11", [3, 11, 0], .incompatible), ("~=3.8", [3, 11, 4], .compatible), (">=3.8,!=3.11.*", [3, 11, 4], .incompatible),
        ("==3.11.*", [3, 11, 4], .compatible), (">=3.11.5", [3, 11, 4], .incompatible), ("", [3, 11, 4], .compatible),
        (">=3.7, <4", [3, 13, 0], .compatible), (">3.11", [3, 11, 4], .compatible), (">3.11.4", [3, 11, 4], .incompatible),
    ]

    @Test("Requires-Python is checked like pip", arguments: requiresPython)
    func requiresPythonCheck(_ value: String?, _ python: [Int], _ expected: RequiresPythonCheck) {
        #expect(SpecifierSet.checkRequiresPython(value, pythonVersion: python) == expected)
    }

    @Test("an invalid Requires-Python is ignored, as pip does")
    func invalidRequiresPython() {
        let result = SpecifierSet.checkRequiresPython(">=3.6.*", pythonVersion: [3, 11, 4])
        guard case .invalidIgnored = result else {
            Issue.record("expected invalidIgnored, got \(result)")
            return
        }
        #expect(result.isAcceptable)
        #expect(!SpecifierSet.checkRequiresPython(">=4", pythonVersion: [3, 11, 4]).isAcceptable)
    }
}

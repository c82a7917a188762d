import Testing

@testable import PythonPackaging

@Suite("PEP 440 versions")
struct VersionTests {
    /// PEP 440 §"Normalization" spellings and their normal forms.
    static let normalizations: [(String, String)] = [
        // Case sensitivity
        ("1.1RC1", "1.1rc1"), ("1.0A1", "1.0a1"), ("1.0.POST1", "1.0.post1"), ("1.0.DEV1", "1.0.dev1"),
        ("1.0+UBUNTU.1", "1.0+ubuntu.1"),
        // Integer normalization
        ("00", "0"), ("09000", "9000"), ("1.0000", "1.0"), ("1.01", "1.1"), ("1.0a01", "1.0a1"),
        ("1.0.post01", "1.0.post1"), ("1.0.dev007", "1.0.dev7"), ("010!1.0", "10!1.0"), ("0!1.0", "1.0"),
        // Pre-release separators and spelling
        ("1.1.a1", "1.1a1"), ("1.1-a1", "1.1a1"), ("1.1_a1", "1.1a1"), ("1.0a.1", "1.0a1"), ("1.0a-1", "1.0a1"),
        ("1.0a_1", "1.0a1"), ("1.0alpha1", "1.0a1"), ("1.0beta2", "1.0b2"), ("1.0c3", "1.0rc3"),
        ("1.0pre4", "1.0rc4"), ("1.0preview5", "1.0rc5"), ("1.0-preview-5", "1.0rc5"), ("1.2a", "1.2a0"),
        ("1.2.beta", "1.2b0"), ("1.2rc", "1.2rc0"),
        // Post-release separators and spelling
        ("1.2-post2", "1.2.post2"), ("1.2post2", "1.2.post2"), ("1.2.post-2", "1.2.post2"), ("1.2.post_2", "1.2.post2"),
        ("1.0-r4", "1.0.post4"), ("1.0rev4", "1.0.post4"), ("1.0-rev-4", "1.0.post4"), ("1.2.post", "1.2.post0"),
        ("1.0-1", "1.0.post1"), ("1.0-01", "1.0.post1"), ("1.0a1-1", "1.0a1.post1"),
        // Development release separators
        ("1.2-dev2", "1.2.dev2"), ("1.2dev2", "1.2.dev2"), ("1.2.dev", "1.2.dev0"), ("1.2.dev-2", "1.2.dev2"),
        // Local version separators
        ("1.0+ubuntu-1", "1.0+ubuntu.1"), ("1.0+ubuntu_1", "1.0+ubuntu.1"), ("1.0+abc.007", "1.0+abc.7"),
        ("1.0+1.0a1", "1.0+1.0a1"),
        // Preceding v, surrounding whitespace
        ("v1.0", "1.0"), ("V1.0", "1.0"), ("  1.0\n", "1.0"), ("\t v1.0rc1 \r\n", "1.0rc1"), ("\u{3000}1.0\u{2028}", "1.0"),
        // Separators consumed at the end of a segment (packaging's possessive pattern)
        ("1.0a-", "1.0a0"), ("1.0a.", "1.0a0"), ("1.0.post.", "1.0.post0"), ("1.0.dev.", "1.0.dev0"),
        ("1.0-post-", "1.0.post0"), ("1.0.post-dev-", "1.0.post0.dev0"), ("1.0b", "1.0b0"),
        // Everything at once
        ("V1!2.0.0-RC.1-1.dev3+Ubuntu-007", "1!2.0.0rc1.post1.dev3+ubuntu.7"),
        ("1.0.0a1.post2.dev3+local.7", "1.0.0a1.post2.dev3+local.7"),
    ]

    @Test("normalizes every PEP 440 spelling", arguments: normalizations)
    func normalization(_ input: String, _ normalized: String) throws {
        let version = try Version(parsing: input)
        #expect(version.description == normalized)
        // Normalizing is idempotent.
        #expect(Version(normalized)?.description == normalized)
    }

    static let invalid: [String] = [
        "", " ", "a", "1.", ".1", "1..0", "1.0-", "1.0+", "1.0+abc.", "1.0+.abc", "1.0++abc", "1.0.*", "1.0 a1",
        "1.0a1a1", "1.0.post1.post2", "1.0.dev1.dev2", "1.0-dev-1-post", "v", "vv1.0", "1.0v", "1!", "!1.0",
        "1!2!3", "1.0é", "١.٠", "1.0\u{0}", "1.0_", "1.0+abc_", "french toast", "1.0+é", "1.0.devv1", "1.0dev1a1",
        "1.0.post1a1", "1.0+abc+def", "1.0rc1b1", "1.0-1-1", "1.0--1", "1.0.-1", "1.0a1.-1x", "-1.0",
        "1,0", "1.0;", "=1.0", "1.0 1",
    ]

    @Test("rejects invalid versions with an error naming the input", arguments: invalid)
    func invalidVersions(_ input: String) {
        #expect(Version(input) == nil)
        #expect(throws: InvalidVersion(input: input)) { try Version(parsing: input) }
    }

    /// PEP 440 §"Summary of permitted suffixes and relative ordering", extended with packaging's
    /// local and epoch cases; strictly increasing.
    static let ordered: [String] = [
        "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456",
        "1.0b2.post345", "1.0b2-346", "1.0c1.dev456", "1.0c1", "1.0rc2", "1.0c3", "1.0", "1.0+abc.5", "1.0+abc.7",
        "1.0+5", "1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1", "1.1a1", "1.1", "1.1+a", "1.1+a.1",
        "1.1+b", "1.1+0", "1.1+0.a", "1.1+1", "1.1+1.0", "1.1+2", "1.1.post0.dev0", "1.1.post0", "1.2",
        "1.10", "1.99999999999999999999", "1.100000000000000000000", "2.0", "1!0.dev0", "1!0", "1!1.0", "2!0.1",
    ]

    static var orderedPairs: [(String, String)] {
        var pairs: [(String, String)] = []
        for i in ordered.indices {
            for j in ordered.indices where i < j { pairs.append((ordered[i], ordered[j])) }
        }
        return pairs
    }

    @Test("orders versions as PEP 440 and packaging's _cmpkey do", arguments: orderedPairs)
    func ordering(_ lower: String, _ higher: String) throws {
        let a = try Version(parsing: lower)
        let b = try Version(parsing: higher)
        #expect(a < b)
        #expect(b > a)
        #expect(a != b)
        #expect(a.compare(to: b) == -1)
        #expect(b.compare(to: a) == 1)
    }

    static let equalPairs: [(String, String)] = [
        ("1.0", "1.0.0"), ("1", "1.0.0.0.0"), ("0", "0.0"), ("1.0a1", "1.0.0a1"), ("1.0+abc", "1.0+ABC"),
        ("1.0+abc.1", "1.0+abc-1"), ("1.0+01", "1.0+1"), ("v1.0", "1.0"), ("1.0-1", "1.0.post1"), ("0!1.0", "1.0"),
        ("1.0.dev0", "1.0.dev"), ("1.0c1", "1.0rc1"), ("1.99999999999999999999", "1.0099999999999999999999"),
    ]

    @Test("versions with trailing zeros or alternate spellings are equal and hash equal", arguments: equalPairs)
    func equality(_ left: String, _ right: String) throws {
        let a = try Version(parsing: left)
        let b = try Version(parsing: right)
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(Set([a, b]).count == 1)
        #expect(a.compare(to: b) == 0)
    }

    @Test("exposes the components like packaging")
    func components() throws {
        let v = try Version(parsing: "1!2.0.3rc4.post5.dev6+abc.7")
        #expect(v.epoch == 1)
        #expect(v.release == [2, 0, 3])
        #expect(v.pre == Version.PreRelease(label: .releaseCandidate, number: 4))
        #expect(v.post == 5)
        #expect(v.dev == 6)
        #expect(v.local == "abc.7")
        #expect(v.localSegments == [.string("abc"), .number(7)])
        #expect(v.public == "1!2.0.3rc4.post5.dev6")
        #expect(v.baseVersion == "1!2.0.3")
        #expect(v.isPrerelease && v.isPostrelease && v.isDevrelease)
        #expect(v.canonicalString() == "1!2.0.3rc4.post5.dev6+abc.7")
        #expect(try Version(parsing: "1.0.0").canonicalString() == "1")
        #expect(try Version(parsing: "0.0").canonicalString() == "0")
    }

    static let flags: [(String, Bool, Bool, Bool)] = [
        ("1.0", false, false, false), ("1.0a1", true, false, false), ("1.0.dev1", true, false, true),
        ("1.0.post1", false, true, false), ("1.0.post1.dev1", true, true, true), ("1.0rc1.post1", true, true, false),
        ("1.0+dev", false, false, false),
    ]

    @Test("pre-, post- and dev-release flags", arguments: flags)
    func releaseFlags(_ input: String, _ pre: Bool, _ post: Bool, _ dev: Bool) throws {
        let v = try Version(parsing: input)
        #expect(v.isPrerelease == pre)
        #expect(v.isPostrelease == post)
        #expect(v.isDevrelease == dev)
    }

    @Test("numbers beyond Int64 are kept as digit strings and compared numerically")
    func hugeNumbers() throws {
        let huge = try Version(parsing: "1.000123456789012345678901234567890")
        #expect(huge.release[1].intValue == nil)
        #expect(huge.release[1].description == "123456789012345678901234567890")
        #expect(huge.description == "1.123456789012345678901234567890")
        #expect(huge > (try Version(parsing: "1.9223372036854775807")))
        #expect(try Version(parsing: "1.9223372036854775807").release[1].intValue == Int.max)
        #expect(try Version(parsing: "1.9223372036854775808").release[1].intValue == nil)
        #expect(try Version(parsing: "1.9223372036854775808") > Version(parsing: "1.9223372036854775807"))
        #expect(try Version(parsing: "1.99999999999999999999") < Version(parsing: "1.100000000000000000000"))
        let long = "1." + String(repeating: "9", count: 5000)
        #expect(Version(long)?.description == long)
    }

    @Test("sorts mixed versions into PEP 440 order")
    func sorting() throws {
        let inputs = ["1.0.post1", "1!0.1", "1.0", "0.9", "1.0+x", "1.0a1", "1.0.dev0"]
        let sorted = try inputs.map { try Version(parsing: $0) }.sorted()
        #expect(sorted.map(\.description) == ["0.9", "1.0.dev0", "1.0a1", "1.0", "1.0+x", "1.0.post1", "1!0.1"])
    }
}

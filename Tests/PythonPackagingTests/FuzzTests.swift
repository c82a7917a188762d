import Testing

@testable import PythonPackaging
import TestSupport

@Suite("Malformed input never crashes")
struct FuzzTests {
    static let alphabet: [Character] = Array("0123456789.-_+!*vV abcdeiloprstwAZ,;=<>~()\t\n\u{3000}é\u{301}Σ\u{0}%") + ["\u{1F600}"]

    static func randomString(_ rng: inout SeededGenerator, maxLength: Int) -> String {
        let length = Int.random(in: 0...maxLength, using: &rng)
        return String((0..<length).map { _ in alphabet.randomElement(using: &rng)! })
    }

    static func randomBytesString(_ rng: inout SeededGenerator) -> String {
        let bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func exercise(_ text: String) {
        _ = normalizedProjectName(text)
        _ = ProjectName.isValid(text)
        _ = ProjectName.isNormalized(text)
        if let v = Version(text) {
            #expect(Version(v.description) == v, "normalized form must reparse to an equal version: \(text.debugDescription)")
            _ = v.public
            _ = v.baseVersion
        }
        _ = Specifier(text)
        if let set = SpecifierSet(text) {
            _ = set.contains("1.0")
            _ = set.filter(["1.0", text, "2.0a1"])
            _ = set.description
        }
        _ = WheelFilename(text)
        _ = try? WheelFilename(urlSegment: text)
        _ = Platforms.expand(text)
        _ = Tag.parseCompressed(text)
        if let marker = Marker(text) {
            _ = marker.evaluate(MarkerEnvironment(.cpython(3, 11, platforms: ["manylinux_2_28_x86_64"])), extras: ["a"])
            #expect(Marker(marker.description) == marker, "canonical form must reparse: \(text.debugDescription)")
        }
    }

    @Test("seeded random strings from the grammar's alphabet", arguments: 0..<8)
    func grammarAlphabet(_ seed: Int) {
        var rng = SeededGenerator(seed: UInt64(seed) &* 7919)
        for _ in 0..<1_500 { FuzzTests.exercise(FuzzTests.randomString(&rng, maxLength: 24)) }
    }

    @Test("seeded random bytes", arguments: 0..<4)
    func randomBytes(_ seed: Int) {
        var rng = SeededGenerator(seed: 0xDEAD_BEEF &+ UInt64(seed))
        for _ in 0..<1_500 { FuzzTests.exercise(FuzzTests.randomBytesString(&rng)) }
    }

    static let huge: [String] = [
        String(repeating: "a", count: 10_000),
        String(repeating: "1.", count: 5_000) + "1",
        String(repeating: "9", count: 10_000),
        "1." + String(repeating: "9", count: 10_000),
        String(repeating: "9", count: 10_000) + "!1.0",
        "1.0+" + String(repeating: "a.", count: 4_999) + "a",
        ">=" + String(repeating: "1.", count: 5_000) + "0",
        String(repeating: ">=1.0,", count: 1_700),
        "===" + String(repeating: "x", count: 10_000),
        String(repeating: "a", count: 10_000) + "-1.0-py3-none-any.whl",
        "foo-1.0-" + String(repeating: "9", count: 10_000) + "-py3-none-any.whl",
        "foo-1.0-" + String(repeating: "py3.", count: 2_500) + "py3-none-any.whl",
        "manylinux_" + String(repeating: "9", count: 10_000) + "_1_x86_64",
        "macosx_99999999999999999999_0_arm64",
        String(repeating: "%", count: 10_000),
        String(repeating: "é\u{301}", count: 5_000),
    ]

    @Test("10,000-character inputs are handled", arguments: huge)
    func hugeInputs(_ text: String) {
        FuzzTests.exercise(text)
    }

    @Test("huge digit runs compare by value, not by overflow")
    func hugeComparisons() throws {
        let a = try Version(parsing: "1." + String(repeating: "9", count: 10_000))
        let b = try Version(parsing: "1.1" + String(repeating: "0", count: 10_000))
        #expect(a < b)
        #expect(try SpecifierSet(parsing: ">=1.0").contains(a))
        #expect(try SpecifierSet(parsing: "==1." + String(repeating: "9", count: 10_000)).contains(a.description))
    }

    @Test("extreme environments do not crash")
    func extremeEnvironments() {
        let tags = SupportedTags(environment: PythonEnvironment(
            implementation: .cpython, interpreter: "", pythonVersion: [3], abis: [], platforms: []))
        #expect(tags.tags.map(\.description) == ["py3-none-any"])
        _ = SupportedTags(environment: PythonEnvironment(
            implementation: .other, interpreter: "x", pythonVersion: [], abis: ["abi3", "none"], platforms: ["any"]))
        _ = CompatibilityTags.cpythonTags(pythonVersion: [-3, -1], abis: ["cp"], platforms: ["any"])
    }
}

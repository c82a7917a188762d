import Testing

@testable import PythonPackaging

@Suite("Wheel file names")
struct WheelFilenameTests {
    /// (file name, normalized name, normalized version, build, sorted tags).
    static let valid: [(String, String, String, String?, [String])] = [
        ("foo-1.0-py3-none-any.whl", "foo", "1.0", nil, ["py3-none-any"]),
        ("Foo_Bar-1.0-py2.py3-none-any.whl", "foo-bar", "1.0", nil, ["py2-none-any", "py3-none-any"]),
        ("foo.bar-1.0-py3-none-any.whl", "foo-bar", "1.0", nil, ["py3-none-any"]),
        ("foo-1.0-1-py3-none-any.whl", "foo", "1.0", "1", ["py3-none-any"]),
        ("foo-1.0-12abc-py3-none-any.whl", "foo", "1.0", "12abc", ["py3-none-any"]),
        ("foo-1.0-007_x-py3-none-any.whl", "foo", "1.0", "7_x", ["py3-none-any"]),
        ("foo-V1.0RC1-py3-none-any.whl", "foo", "1.0rc1", nil, ["py3-none-any"]),
        ("torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl", "torch", "2.0.1+cpu", nil, ["cp311-cp311-linux_x86_64"]),
        ("numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "numpy", "1.26.4", nil,
         ["cp312-cp312-manylinux2014_x86_64", "cp312-cp312-manylinux_2_17_x86_64"]),
        ("cryptography-42.0.5-cp39-abi3-macosx_10_12_universal2.whl", "cryptography", "42.0.5", nil,
         ["cp39-abi3-macosx_10_12_universal2"]),
        ("Foo-1.0-PY3-NONE-ANY.whl", "foo", "1.0", nil, ["py3-none-any"]),
        ("foo-1.0-py3.-none-any.whl", "foo", "1.0", nil, ["-none-any", "py3-none-any"]),
        ("-1.0-py3-none-any.whl", "", "1.0", nil, ["py3-none-any"]),
        ("foo-1.0---.whl", "foo", "1.0", nil, ["--"]),
        ("é-1.0-py3-none-any.whl", "é", "1.0", nil, ["py3-none-any"]),
        ("foo\n-1.0-py3-none-any.whl", "foo\n", "1.0", nil, ["py3-none-any"]),
        ("foo-1.0-1a\nb-py3-none-any.whl", "foo", "1.0", "1a", ["py3-none-any"]),
        ("foo- 1.0 -py3-none-any.whl", "foo", "1.0", nil, ["py3-none-any"]),
    ]

    @Test("parses valid names as packaging does", arguments: valid)
    func parses(_ filename: String, _ name: String, _ version: String, _ build: String?, _ tags: [String]) throws {
        let wheel = try WheelFilename(parsing: filename)
        #expect(wheel.name == name)
        #expect(wheel.version.description == version)
        #expect(wheel.build?.description == build)
        #expect(wheel.sortedTags.map(\.description) == tags)
    }

    static let invalid: [(String, InvalidWheelFilename.Kind)] = [
        ("foo-1.0-py3-none-any", .extensionNotWhl), ("foo-1.0-py3-none-any.WHL", .extensionNotWhl),
        ("foo-1.0-py3-none-any.whl ", .extensionNotWhl), ("foo-1.0.tar.gz", .extensionNotWhl),
        ("foo-1.0-none-any.whl", .wrongNumberOfParts), ("foo-bar-1.0-1-py3-none-any.whl", .wrongNumberOfParts),
        (".whl", .wrongNumberOfParts), ("foo__bar-1.0-py3-none-any.whl", .invalidProjectName),
        ("foo bar-1.0-py3-none-any.whl", .invalidProjectName), ("foo+-1.0-py3-none-any.whl", .invalidProjectName),
        ("foo-1.0.x-py3-none-any.whl", .invalidVersion), ("foo--py3-none-any.whl", .invalidVersion),
        ("foo-1.0-abc-py3-none-any.whl", .invalidBuildNumber), ("foo-1.0--py3-none-any.whl", .invalidBuildNumber),
    ]

    @Test("rejects invalid names with a typed error", arguments: invalid)
    func rejects(_ filename: String, _ kind: InvalidWheelFilename.Kind) {
        #expect(throws: InvalidWheelFilename(kind: kind, filename: filename)) { try WheelFilename(parsing: filename) }
        #expect(WheelFilename(filename) == nil)
    }

    static let urlSegments: [(String, String)] = [
        ("torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl", "2.0.1+cpu"),
        ("torch-2.0.1%2bcpu-cp311-cp311-linux_x86_64.whl", "2.0.1+cpu"),
        ("foo-1.0%2B%-py3-none-any.whl", ""),
        ("foo-1.0-py3-none-any%2Ewhl", "1.0"),
    ]

    @Test("percent-decodes URL segments first", arguments: urlSegments)
    func urlSegment(_ segment: String, _ version: String) {
        let wheel = try? WheelFilename(urlSegment: segment)
        #expect((wheel?.version.description ?? "") == version)
    }

    @Test("percent decoding matches urllib.parse.unquote")
    func percentDecoding() {
        #expect(PythonText.percentDecode("a%20b") == "a b")
        #expect(PythonText.percentDecode("100%") == "100%")
        #expect(PythonText.percentDecode("%zz%4") == "%zz%4")
        #expect(PythonText.percentDecode("%C3%A9") == "é")
        #expect(PythonText.percentDecode("%C3") == "\u{FFFD}")
        #expect(PythonText.percentDecode("%E2%82é") == "\u{FFFD}é")
    }

    @Test("build tags order numerically, then by suffix")
    func buildTagOrder() throws {
        let tags = try ["10", "2b", "2a", "01"].map { try WheelFilename(parsing: "foo-1.0-\($0)-py3-none-any.whl").build! }
        #expect(tags.sorted().map(\.description) == ["1", "2a", "2b", "10"])
        let huge = try WheelFilename(parsing: "foo-1.0-99999999999999999999999x-py3-none-any.whl").build!
        #expect(huge.number.intValue == nil)
        #expect(huge.number.description == "99999999999999999999999")
    }
}

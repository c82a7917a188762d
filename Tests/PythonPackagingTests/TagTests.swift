import Testing

@testable import PythonPackaging

@Suite("Compatibility tags and platforms")
struct TagTests {
    @Test("CPython 3.11 on manylinux: packaging's exact order")
    func cpython311() {
        let env = PythonEnvironment.cpython(3, 11, platforms: ["manylinux_2_17_x86_64", "linux_x86_64"])
        let tags = SupportedTags(environment: env).tags.map(\.description)
        #expect(Array(tags.prefix(7)) == [
            "cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-linux_x86_64",
            "cp311-abi3-manylinux_2_17_x86_64", "cp311-abi3-linux_x86_64",
            "cp311-none-manylinux_2_17_x86_64", "cp311-none-linux_x86_64",
            "cp310-abi3-manylinux_2_17_x86_64",
        ])
        #expect(tags.contains("cp32-abi3-linux_x86_64"))
        #expect(!tags.contains("cp31-abi3-linux_x86_64"))
        let anyTags = tags.filter { $0.hasSuffix("-any") }
        #expect(Array(anyTags.prefix(4)) == ["cp311-none-any", "py311-none-any", "py3-none-any", "py310-none-any"])
        #expect(tags.last == "py30-none-any")
    }

    @Test("free-threaded CPython gets abi3t, never abi3")
    func freeThreaded() {
        let tags = SupportedTags(environment: .cpython(3, 13, freeThreaded: true, platforms: ["linux_x86_64"]))
            .tags.map(\.description)
        #expect(tags.first == "cp313-cp313t-linux_x86_64")
        #expect(tags[1] == "cp313-abi3t-linux_x86_64")
        #expect(tags[2] == "cp313-none-linux_x86_64")
        #expect(!tags.contains { $0.contains("-abi3-") })
        #expect(tags.contains("cp32-abi3t-linux_x86_64"))
    }

    static let abi3Versions: [([Int], Bool)] = [([3, 11], true), ([3, 2], true), ([3, 1], false), ([2, 7], false), ([3], false), ([4, 0], true)]

    @Test("abi3 only from Python 3.2 and with a minor version", arguments: abi3Versions)
    func abi3Rule(_ version: [Int], _ hasABI3: Bool) {
        let tags = CompatibilityTags.cpythonTags(pythonVersion: version, abis: ["cpX"], platforms: ["any"])
        #expect(tags.contains { $0.abi == "abi3" } == hasABI3)
    }

    @Test("PyPy uses generic tags then pp3-none-any")
    func pypy() {
        let env = PythonEnvironment(
            implementation: .pypy, interpreter: "pp310", pythonVersion: [3, 10], abis: ["pypy310_pp73"],
            platforms: ["linux_x86_64"])
        let tags = SupportedTags(environment: env).tags.map(\.description)
        #expect(Array(tags.prefix(3)) == ["pp310-pypy310_pp73-linux_x86_64", "pp310-none-linux_x86_64", "py310-none-linux_x86_64"])
        #expect(tags.contains("pp3-none-any"))
        #expect(tags.firstIndex(of: "pp3-none-any")! < tags.firstIndex(of: "py310-none-any")!)
    }

    @Test("manylinux expansion walks every glibc down to 2.5 with legacy aliases in place")
    func manylinux() {
        let platforms = Platforms.expand("manylinux_2_28_x86_64")
        #expect(platforms.first == "manylinux_2_28_x86_64")
        #expect(platforms.count == 24 + 3 + 1)
        #expect(platforms.firstIndex(of: "manylinux2014_x86_64") == platforms.firstIndex(of: "manylinux_2_17_x86_64")! + 1)
        #expect(platforms.firstIndex(of: "manylinux2010_x86_64") == platforms.firstIndex(of: "manylinux_2_12_x86_64")! + 1)
        #expect(Array(platforms.suffix(3)) == ["manylinux_2_5_x86_64", "manylinux1_x86_64", "linux_x86_64"])
        let arm = Platforms.expand("manylinux_2_28_aarch64")
        #expect(Array(arm.suffix(3)) == ["manylinux_2_17_aarch64", "manylinux2014_aarch64", "linux_aarch64"])
        #expect(Platforms.expand("manylinux2014_x86_64") == Platforms.expand("manylinux_2_17_x86_64"))
        #expect(Platforms.expand("manylinux_2_17_armv8l").last == "linux_armv7l")
    }

    static let expansions: [(String, [String])] = [
        ("musllinux_1_2_x86_64", ["musllinux_1_2_x86_64", "musllinux_1_1_x86_64", "musllinux_1_0_x86_64", "linux_x86_64"]),
        ("win_amd64", ["win_amd64"]), ("any", ["any"]), ("linux_x86_64", ["linux_x86_64"]),
        ("linux_armv8l", ["linux_armv8l", "linux_armv7l"]),
        ("macosx_10_5_ppc64", ["macosx_10_5_ppc64", "macosx_10_5_fat64", "macosx_10_5_universal", "macosx_10_4_ppc64",
                               "macosx_10_4_fat64", "macosx_10_4_universal"]),
        ("android_18_arm64_v8a", ["android_18_arm64_v8a", "android_17_arm64_v8a", "android_16_arm64_v8a"]),
        ("ios_13_1_arm64_iphoneos", ["ios_13_1_arm64_iphoneos", "ios_13_0_arm64_iphoneos"]
            + (0...9).reversed().map { "ios_12_\($0)_arm64_iphoneos" }),
        ("ios_11_0_arm64_iphoneos", []),
        ("manylinux_2_999999999_x86_64", ["manylinux_2_999999999_x86_64"]),
    ]

    @Test("platform expansion for other systems", arguments: expansions)
    func expansion(_ platform: String, _ expected: [String]) {
        #expect(Platforms.expand(platform) == expected)
    }

    @Test("macOS 11+ drops the minor, then covers 10.16 to 10.4")
    func macOS() {
        let arm = Platforms.expand("macosx_14_2_arm64")
        #expect(Array(arm.prefix(8)) == [
            "macosx_14_0_arm64", "macosx_14_0_universal2", "macosx_13_0_arm64", "macosx_13_0_universal2",
            "macosx_12_0_arm64", "macosx_12_0_universal2", "macosx_11_0_arm64", "macosx_11_0_universal2",
        ])
        #expect(Array(arm.suffix(13)) == (4...16).reversed().map { "macosx_10_\($0)_universal2" })
        let intel = Platforms.expand("macosx_11_0_x86_64")
        #expect(Array(intel.prefix(6)) == [
            "macosx_11_0_x86_64", "macosx_11_0_intel", "macosx_11_0_fat64", "macosx_11_0_fat32",
            "macosx_11_0_universal2", "macosx_11_0_universal",
        ])
        #expect(intel.last == "macosx_10_4_universal")
        #expect(Platforms.expand("macosx_10_15_x86_64").last == "macosx_10_4_universal")
    }

    @Test("wheels are ranked by their best tag; ties keep input order")
    func ranking() throws {
        let supported = SupportedTags(environment: .cpython(3, 11, platforms: Platforms.expand("manylinux_2_28_x86_64")))
        let files = [
            "foo-1.0-py3-none-any.whl", "foo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "foo-1.0-cp311-cp311-win_amd64.whl", "foo-1.0-cp39-abi3-manylinux_2_28_x86_64.whl",
            "foo-1.0-cp311-cp311-manylinux2014_x86_64.whl", "bar-2.0-py2.py3-none-any.whl", "not a wheel",
        ]
        let wheels = files.compactMap(WheelFilename.init)
        let ranked = supported.rank(wheels).map(\.filename)
        #expect(ranked == [
            "foo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "foo-1.0-cp311-cp311-manylinux2014_x86_64.whl", "foo-1.0-cp39-abi3-manylinux_2_28_x86_64.whl",
            "foo-1.0-py3-none-any.whl", "bar-2.0-py2.py3-none-any.whl",
        ])
        let best = try #require(wheels[1].bestMatch(in: supported))
        #expect(best.tag.description == "cp311-cp311-manylinux_2_17_x86_64")
        #expect(best.rank == 11)
        #expect(wheels[2].bestMatch(in: supported) == nil)
    }

    @Test("tags lowercase their parts and compressed sets expand")
    func tagBasics() {
        #expect(Tag(interpreter: "CP311", abi: "ABI3", platform: "Win_AMD64").description == "cp311-abi3-win_amd64")
        #expect(Tag.parseCompressed("py2.py3-none-any")?.count == 2)
        #expect(Tag.parseCompressed("py3-none") == nil)
    }
}

import PythonPackaging
import Testing

/// The finder step: which offered file an installer takes, and why none when none.
@Suite("File selection")
struct FileSelectionTests {
    let linux = SupportedTags(tags: [
        Tag(interpreter: "cp311", abi: "cp311", platform: "manylinux_2_17_x86_64"),
        Tag(interpreter: "cp311", abi: "abi3", platform: "manylinux_2_17_x86_64"),
        Tag(interpreter: "py3", abi: "none", platform: "any"),
    ])

    func offer(_ filename: String, yanked: Bool = false, requiresPython: String? = nil, position: Int) -> FileSelection.Offer {
        let version = filename.hasSuffix(".whl") ? WheelFilename(filename)?.version : Version(String(filename.dropFirst("demo-".count).dropLast(".tar.gz".count)))
        return FileSelection.Offer(filename: filename, version: version, isWheel: filename.hasSuffix(".whl"), requiresPython: requiresPython,
                                   isYanked: yanked, yankedReason: yanked ? "broken" : nil, position: position)
    }

    func select(_ offers: [FileSelection.Offer], _ specifier: String) throws -> FileSelection.Outcome {
        let versions = offers.compactMap { $0.version?.description }
        return FileSelection.select(offers, allVersions: versions, project: "demo", specifier: try SpecifierSet(parsing: specifier),
                                    pythonVersion: [3, 11], supportedTags: linux)
    }

    @Test("the highest selected version wins, then the best-ranked tag, then the first on the page")
    func highestVersionThenTagThenPosition() throws {
        let offers = [
            offer("demo-2.0-py3-none-any.whl", position: 0),
            offer("demo-2.0-cp311-abi3-manylinux_2_17_x86_64.whl", position: 1),
            offer("demo-2.0-cp311-abi3-manylinux_2_17_x86_64.whl", position: 2),
            offer("demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", position: 3),
            offer("demo-3.0.tar.gz", position: 4),
        ]
        let outcome = try select(offers, "")
        #expect(outcome.choice?.index == 1)
        #expect(outcome.choice?.tag.description == "cp311-abi3-manylinux_2_17_x86_64")
        #expect(try select(offers, "<2").choice?.index == 3)
    }

    @Test("a yanked file is taken only under a pin, and Requires-Python is obeyed")
    func yankedAndRequiresPython() throws {
        let offers = [offer("demo-2.0-py3-none-any.whl", yanked: true, position: 0),
                      offer("demo-1.0-py3-none-any.whl", requiresPython: ">=3.12", position: 1)]
        #expect(try select(offers, "==2.0").choice?.index == 0)
        let outcome = try select(offers, ">=1")
        #expect(outcome.choice == nil)
        #expect(outcome.rejections == [.yanked(versions: ["2.0"], reasons: ["broken"]), .requiresPython(versions: ["1.0"], requires: [">=3.12"])])
    }

    @Test("without a compatible wheel, the rejection names the nearest tag and what differs")
    func nearestTag() throws {
        let outcome = try select([offer("demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", position: 0),
                                  offer("demo-1.0-cp311-cp311-macosx_11_0_arm64.whl", position: 1)], "")
        guard case .noCompatibleWheel(let versions, let nearest)? = outcome.rejections.first else {
            Issue.record("expected noCompatibleWheel, got \(outcome.rejections)")
            return
        }
        #expect(versions == ["1.0"])
        #expect(nearest?.tag.description == "cp311-cp311-macosx_11_0_arm64")
        #expect(nearest?.difference.hasPrefix("platform macosx_11_0_arm64 is not one of") == true)
    }

    @Test("only source distributions, or no matching version, are told as such; a lone matching pre-release is taken")
    func sdistsAndNoMatch() throws {
        let offers = [offer("demo-1.0.tar.gz", position: 0), offer("demo-2.0b1-py3-none-any.whl", position: 1)]
        #expect(try select(offers, "<2").rejections == [.needsBuild(filenames: ["demo-1.0.tar.gz"])])
        #expect(try select(offers, ">3").rejections == [.noMatchingVersion(available: ["2.0b1", "1.0"], prereleasesWouldMatch: [])])
        // When only a pre-release matches, it is selected (PEP 440, "Handling of pre-releases").
        #expect(try select(offers, ">1").choice?.index == 1)
        #expect(try select([offers[0]], ">1").rejections == [.noMatchingVersion(available: ["1.0"], prereleasesWouldMatch: [])])
    }
}

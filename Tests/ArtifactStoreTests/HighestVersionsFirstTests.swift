@testable import ArtifactStore
import PythonPackaging
import Testing
import TestSupport

/// can-install reads a big page's files from its highest versions down and stops at the answer
/// (`Store.evaluateHighestVersionsFirst`); whatever it decides must be what weighing every file
/// decides (`Store.evaluate`), on any page and any specifier.
@Suite("can-install from the highest versions first")
struct HighestVersionsFirstTests {
    static let versions = ["0.9", "1.0", "1.0.0", "1.1", "1.5+cpu", "1.5+cu118", "2.0b2", "2.0rc1", "2.0", "2.0.post1", "2.1.dev3", "3.0a1", "3.0"]
    static let tags = ["cp311-cp311-linux_x86_64", "cp310-cp310-linux_x86_64", "py3-none-any", "cp311-cp311-win_amd64", "cp312-cp312-manylinux_2_28_x86_64"]
    static let requiresPython: [String?] = [nil, nil, nil, ">=3.12", ">=3.8", "<3"]
    static let specifiers = ["", ">=1.0", "==2.0rc1", ">=2.0b1", "<2", "!=3.0", "==1.0", ">=2.0.dev0", "~=1.0", "==1.5", "<3.0a1", "==3.0a1", ">=2.1.dev0,<3"]
    static let environment = TargetEnvironment(PythonEnvironment.cpython(3, 11, platforms: ["linux_x86_64"]))

    /// A generated page of `demo` files: wheels and sdists of random versions, tags, yanks and
    /// Requires-Python.
    static func page(seed: UInt64) -> [IndexedFile] {
        var random = SeededGenerator(seed: seed)
        let count = Int.random(in: 1...40, using: &random)
        return (0..<count).compactMap { position in
            let version = versions.randomElement(using: &random)!
            let filename = Int.random(in: 0..<5, using: &random) == 0
                ? "demo-\(version).tar.gz" : "demo-\(version)-\(tags.randomElement(using: &random)!).whl"
            guard let (kind, normalized, tagList) = Store.classify(filename, project: "demo") else { return nil }
            let file = PreparedPage.File(
                filename: filename, url: "https://files.example/\(position)/\(filename)", sha256: nil, unusableHash: nil,
                requiresPython: requiresPython.randomElement(using: &random)!, yanked: Int.random(in: 0..<8, using: &random) == 0,
                yankedReason: nil, kind: kind, version: normalized, tags: tagList, coreMetadata: false, coreMetadataSHA256: nil, size: nil)
            return IndexedFile(pageResponseID: 1, project: "demo", position: position, file)
        }
    }

    @Test("decides exactly what weighing every file decides, or leaves it to the whole page", arguments: 0..<400)
    func sameAnswerAsTheWholePage(seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed) &* 7_919 &+ 3)
        let files = Self.page(seed: UInt64(seed))
        let specifier = Self.specifiers.randomElement(using: &random)!
        let requirement = try InstallRequirement(parsing: "demo" + specifier)
        let allVersions = Store.distinct(files.compactMap(\.version))
        let wanted = requirement.specifier.filter(allVersions, prereleases: true)
        let url = "https://index.example/simple/demo/"

        let whole = Store.evaluate(files.filter { $0.version.map(wanted.contains) ?? false }, allVersions: allVersions, pageURL: url,
                                   requirement: requirement, environment: Self.environment)
        var reads = 0
        let decided = try Store.evaluateHighestVersionsFirst(
            Store.versionsHighestFirst(allVersions), pageURL: url, requirement: requirement, environment: Self.environment
        ) { texts in
            reads += 1
            return files.filter { $0.version.map(texts.contains) ?? false }
        }
        if let decided {
            #expect(decided.best?.file == whole.best?.file, "demo\(specifier) on page \(seed)")
            #expect(decided.best != nil, "it decides only when something is installable")
        } else if let best = whole.best {
            // Only a pre-release that wins over every final release is left to the whole page.
            #expect(best.version.isPrerelease,
                    "a final release \(best.file.filename) was installable, yet the highest versions did not decide (demo\(specifier), page \(seed))")
        }
        #expect(reads <= Store.highestVersionsRead)
    }

    @Test("a bare requirement on a page of many versions reads only the top one when it is installable")
    func bareRequirementReadsTheTopVersion() throws {
        let files: [IndexedFile] = (0..<2_000).map { index in
            let filename = "demo-1.\(index)-cp311-cp311-linux_x86_64.whl"
            let (kind, version, tags) = Store.classify(filename, project: "demo")!
            return IndexedFile(pageResponseID: 1, project: "demo", position: index, PreparedPage.File(
                filename: filename, url: "https://files.example/\(filename)", sha256: nil, unusableHash: nil, requiresPython: nil, yanked: false,
                yankedReason: nil, kind: kind, version: version, tags: tags, coreMetadata: false, coreMetadataSHA256: nil, size: nil))
        }
        let requirement = try InstallRequirement(parsing: "demo")
        let versions = Store.versionsHighestFirst(files.compactMap(\.version))
        var read: [[String]] = []
        let decided = try Store.evaluateHighestVersionsFirst(
            versions, pageURL: "https://index.example/simple/demo/", requirement: requirement, environment: Self.environment
        ) { texts in
            read.append(texts)
            return files.filter { $0.version.map(texts.contains) ?? false }
        }
        #expect(decided?.best?.file.filename == "demo-1.1999-cp311-cp311-linux_x86_64.whl")
        #expect(read == [["1.1999"]])
    }

    @Test("a page's versions are kept highest first, once each, equal spellings together")
    func versionsHighestFirst() {
        #expect(Store.versionsHighestFirst(["1.0", "2.0rc1", "1.0.0", "10.0", "2.0", "1.0", "1.0.post1", "2.0.dev1"])
                == ["10.0", "2.0", "2.0rc1", "2.0.dev1", "1.0.post1", "1.0", "1.0.0"])
    }
}

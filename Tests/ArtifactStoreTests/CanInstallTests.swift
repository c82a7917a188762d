import ArtifactStore
import Foundation
import GRDB
import HTTPCaching
import PythonPackaging
import Testing
import TestSupport

/// A torch-like index: wheels (fake bytes), a PEP 503 page linking them with hashes.
struct FakeWheel {
    var filename: String
    var bytes: [UInt8]
    var attributes = ""
    /// What the page says the hash is (default: the real one).
    var listedSHA256: String?

    init(_ filename: String, attributes: String = "", listedSHA256: String? = nil) {
        self.filename = filename
        self.bytes = Array("fake wheel \(filename)".utf8)
        self.attributes = attributes
        self.listedSHA256 = listedSHA256
    }

    var sha256: String { listedSHA256 ?? CanInstallFixture.sha256(bytes) }
    /// PyTorch style: absolute path, `+` as `%2B`.
    func href(under path: String) -> String {
        path + filename.replacingOccurrences(of: "+", with: "%2B") + "#sha256=" + sha256
    }
}

final class CanInstallFixture {
    let fixture: TestStore
    var store: Store { fixture.store }
    nonisolated(unsafe) static let hasher = try! TestStore()
    static let later = Fixtures.seen.addingTimeInterval(86_400 * 60)
    static let cp311Linux = TargetEnvironment(
        PythonEnvironment.cpython(3, 11, platforms: Platforms.expand("manylinux_2_28_x86_64")),
        commandLineOptions: "--python 3.11 --platform manylinux_2_28_x86_64")

    init() throws { fixture = try TestStore() }

    static func sha256(_ bytes: [UInt8]) -> String {
        try! hasher.store.put(bytes: bytes).digest.hex
    }

    static func pageHTML(_ wheels: [FakeWheel], under path: String = "/whl/cpu/", stamp: String = "1") -> String {
        "<!DOCTYPE html>\n<html><body><!--TIMESTAMP \(stamp)-->\n<h1>Links for torch</h1>\n"
            + wheels.map { "<a href=\"\($0.href(under: path))\"\($0.attributes.isEmpty ? "" : " " + $0.attributes)>\($0.filename)</a><br/>" }.joined(separator: "\n")
            + "\n</body></html>\n"
    }

    @discardableResult
    func recordPage(_ url: String, _ wheels: [FakeWheel], cacheControl: String = "max-age=600, public", stamp: String = "1", path: String = "/whl/cpu/", at date: Date = Fixtures.seen) throws -> ResponseRecord {
        let body = try store.put(bytes: Array(Self.pageHTML(wheels, under: path, stamp: stamp).utf8))
        return try store.record(request: Fixtures.get(url), response: Fixtures.response(200, ["Cache-Control": cacheControl, "Content-Type": "text/html"]),
                                body: body, requestTime: date, responseTime: date)
    }

    @discardableResult
    func recordWheel(_ url: String, bytes: [UInt8]) throws -> ResponseRecord {
        let body = try store.put(bytes: bytes)
        return try store.record(request: Fixtures.get(url), response: Fixtures.response(200, ["Last-Modified": "Tue, 01 Aug 2023 00:00:00 GMT"]),
                                body: body, requestTime: Fixtures.seen, responseTime: Fixtures.seen)
    }

    func canInstall(_ requirement: String, indexes: [String] = ["https://download.pytorch.org/whl/cpu"], environment: TargetEnvironment = CanInstallFixture.cp311Linux,
                    policy: CachePolicy = .offline, strategy: IndexStrategy = .firstIndex) throws -> InstallVerdict {
        try store.canInstall(requirement: try InstallRequirement(parsing: requirement), indexes: indexes, environment: environment,
                             policy: policy, strategy: strategy, at: Self.later)
    }
}

let torchPage = "https://download.pytorch.org/whl/cpu/torch/"
let cpuWheel = FakeWheel("torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl")
let torchWheels = [
    cpuWheel,
    FakeWheel("torch-2.0.1-cp311-none-macosx_11_0_arm64.whl"),
    FakeWheel("torch-2.0.1+cpu-cp310-cp310-linux_x86_64.whl"),
    FakeWheel("torch-2.0.1+cpu-cp312-cp312-linux_x86_64.whl"),
    FakeWheel("torch-1.13.1+cpu-cp311-cp311-linux_x86_64.whl"),
]

@Suite("can-install: the offline question for a requirement")
struct CanInstallTests {
    @Test("the seed scenario: the no-store page is refused with its date, the matching wheel is stored and export --find-links is named")
    func seedScenario() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, torchWheels, cacheControl: "no-cache,no-store,must-revalidate")
        try f.recordWheel(Fixtures.torchWheel, bytes: cpuWheel.bytes)
        try f.recordWheel("https://download.pytorch.org/whl/cpu/torch-2.0.1-cp311-none-macosx_11_0_arm64.whl", bytes: torchWheels[1].bytes)

        let verdict = try f.canInstall("torch==2.0.1")
        #expect(!verdict.isSatisfiable)
        let reason = try #require(verdict.reasons.first)
        #expect(reason.code == "page-refused")
        #expect(reason.message.contains("no-store"))
        #expect(reason.message.contains("2026-03-03T10:42:00Z"))
        #expect(!reason.hint.isEmpty)
        let satisfying = verdict.storedWheels.filter(\.satisfies)
        #expect(satisfying.map(\.filename) == ["torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl"])
        let mac = try #require(verdict.storedWheels.first { $0.filename.contains("macosx") })
        #expect(!mac.satisfies)
        #expect(mac.whyNot?.contains("macosx_11_0_arm64") == true)
        #expect(verdict.wayOut?.filename == "torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl")
        #expect(verdict.wayOutCommand?.contains("export --find-links DIR 'torch==2.0.1' --python 3.11 --platform manylinux_2_28_x86_64") == true)

        let directory = f.fixture.directory.url.appending(path: "wheelhouse")
        let result = try f.store.export([verdict], to: directory, layout: .findLinks)
        #expect(result.missing.isEmpty)
        let file = try #require(result.files.first)
        #expect(!file.hardLinked, "exports are copies unless hard links are asked for")
        let linked = try f.store.export([verdict], to: f.fixture.directory.url.appending(path: "linked"), layout: .findLinks, method: .hardLink)
        #expect(linked.files.first?.hardLinked == true, "the export directory is on the store's file system")
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path))) == cpuWheel.bytes)
        let index = try String(contentsOfFile: result.indexPath, encoding: .utf8)
        #expect(index.contains("href=\"torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl#sha256=\(cpuWheel.sha256)\""))
    }

    @Test("the way out obeys the rules of the way in: a yanked wheel or one whose Requires-Python excludes the interpreter is never offered", arguments: [
        ("data-yanked=\"broken\"", "yanked"), ("data-requires-python=\"&gt;=3.12\"", "requires-python"),
    ])
    func wayOutObeysTheSameRules(attribute: String, code: String) throws {
        let f = try CanInstallFixture()
        let wheel = FakeWheel("torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl", attributes: attribute)
        try f.recordPage(torchPage, [wheel])
        try f.recordWheel(Fixtures.torchWheel, bytes: wheel.bytes)
        let verdict = try f.canInstall("torch>=2")
        #expect(!verdict.isSatisfiable)
        #expect(verdict.reasons.map(\.code).contains(code), "\(verdict.reasons.map(\.code))")
        #expect(verdict.wayOut == nil, "the same file must not come back as the way out")
        #expect(verdict.storedWheels.first?.satisfies == false)
        #expect(verdict.storedWheels.first?.whyNot?.isEmpty == false)
    }

    @Test("a wheel URL that answered 404 is not the wheel: never chosen, never a way out, never exported")
    func notFoundIsNotTheFile() throws {
        let f = try CanInstallFixture()
        // A page without hashes: only the response for the URL could stand for the file.
        let page = try f.store.put(bytes: Array(#"<a href="/whl/cpu/torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl">torch</a>"#.utf8))
        try f.store.record(request: Fixtures.get(torchPage), response: Fixtures.response(200, ["Cache-Control": "max-age=600", "Content-Type": "text/html"]),
                           body: page, requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        let notFound = try f.store.put(bytes: Array("<html>404 Not Found</html>".utf8))
        try f.store.record(request: Fixtures.get(Fixtures.torchWheel), response: Fixtures.response(404, ["Cache-Control": "max-age=600", "Content-Type": "text/html"]),
                           body: notFound, requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        let verdict = try f.canInstall("torch==2.0.1")
        #expect(!verdict.isSatisfiable)
        #expect(verdict.chosen?.stored == nil)
        #expect(verdict.storedWheels.isEmpty, "a 404 body is not a stored wheel")
        #expect(verdict.wayOut == nil)
        let result = try f.store.export([verdict], to: f.fixture.directory.url.appending(path: "out"), layout: .findLinks)
        #expect(result.files.isEmpty)
    }

    @Test("a stored page is parsed into index_file once; a TIMESTAMP-only change rewrites nothing and says so")
    func pageIndexingIgnoresCosmeticChanges() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, torchWheels, stamp: "1")
        let files = try f.store.indexedFiles(forPage: torchPage)
        #expect(files.count == 5)
        #expect(files[0].filename == "torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl")
        #expect(files[0].version == "2.0.1+cpu")
        #expect(files[0].sha256 == cpuWheel.sha256)
        #expect(files[0].tags == ["cp311-cp311-linux_x86_64"])
        #expect(files[0].url == "https://download.pytorch.org/whl/cpu/torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl")
        let first = try #require(try f.store.indexedPage(for: torchPage))

        try f.recordPage(torchPage, torchWheels.reversed(), stamp: "2", at: Fixtures.seen.addingTimeInterval(700))
        let again = try #require(try f.store.indexedPage(for: torchPage))
        #expect(again.changedAt == first.changedAt, "same file set: not a new release")
        #expect(again.parsedAt > first.parsedAt)
        #expect(try f.store.observations(for: torchPage).last?.detail == "page unchanged: same 5 files")

        try f.recordPage(torchPage, torchWheels + [FakeWheel("torch-2.1.0+cpu-cp311-cp311-linux_x86_64.whl")], stamp: "3", at: Fixtures.seen.addingTimeInterval(1400))
        #expect(try f.store.indexedPage(for: torchPage)?.changedAt != first.changedAt)
        #expect(try f.store.observations(for: torchPage).last?.detail == "page parsed: 6 files")
        #expect(try f.store.indexedFiles(forPage: torchPage).count == 6)

        // Refused now: what the page listed is no longer known from it.
        try f.recordPage(torchPage, torchWheels, cacheControl: "no-store", at: Fixtures.seen.addingTimeInterval(2000))
        #expect(try f.store.indexedFiles(forPage: torchPage).isEmpty)
    }

    @Test("a page recorded again lists exactly what a fresh store would record for it: files added, moved, changed and dropped")
    func pageRerecordedMatchesFreshParse() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, torchWheels)
        let changed = [FakeWheel("torch-2.2.0+cpu-cp311-cp311-linux_x86_64.whl")]  // new, first: every position moves
            + [torchWheels[0], FakeWheel(torchWheels[1].filename, attributes: #"data-yanked="broken""#)]
            + torchWheels[2...3] + [FakeWheel("torch-2.1.0+cpu-cp311-cp311-linux_x86_64.whl")]  // 1.13.1 dropped
        for (round, wheels) in [changed, changed + [FakeWheel("torch-2.3.0+cpu-cp311-cp311-linux_x86_64.whl")], Array(changed.prefix(2))].enumerated() {
            try f.recordPage(torchPage, wheels, stamp: "\(round)", at: Fixtures.seen.addingTimeInterval(Double(700 * (round + 1))))
            let fresh = try CanInstallFixture()
            try fresh.recordPage(torchPage, wheels, stamp: "\(round)", at: Fixtures.seen.addingTimeInterval(Double(700 * (round + 1))))
            let expected = try fresh.store.indexedFiles(forPage: torchPage).map { file in var file = file; file.pageResponseID = 0; return file }
            let recorded = try f.store.indexedFiles(forPage: torchPage).map { file in var file = file; file.pageResponseID = 0; return file }
            #expect(recorded == expected, "round \(round)")
            #expect(recorded.count == wheels.count)
            #expect(try f.store.indexedPage(for: torchPage)?.fileCount == wheels.count)
        }
        #expect(try f.store.verify().problems.isEmpty)
    }

    @Test("with a usable page and the wheel stored at its URL, the requirement is satisfiable and the blob verified")
    func satisfiableFromURL() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, torchWheels)
        try f.recordWheel(Fixtures.torchWheel, bytes: cpuWheel.bytes)
        let verdict = try f.canInstall("torch==2.0.1")
        #expect(verdict.isSatisfiable, "\(verdict.reasons.map(\.message))")
        #expect(verdict.chosen?.filename == "torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl")
        #expect(verdict.chosen?.tag?.description == "cp311-cp311-linux_x86_64")
        #expect(verdict.chosen?.stored?.verified == true)
        #expect(verdict.chosen?.stored?.source == .url)
        #expect(verdict.notes.contains { $0.contains("stale") }, "the page is served stale by policy offline")
        #expect(try f.canInstall("torch==2.0.1", policy: .online).reasons.first?.code == "page-stale-not-allowed")
    }

    @Test("a blob stored by put whose SHA-256 equals the page's hash satisfies the file, whatever URL it came from")
    func satisfiedByContent() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, torchWheels)
        _ = try f.store.put(bytes: cpuWheel.bytes)
        let verdict = try f.canInstall("torch>=2")
        #expect(verdict.isSatisfiable)
        #expect(verdict.chosen?.stored?.source == .sameContentFromPut)
        #expect(verdict.notes.contains { $0.contains("content addressing") })

        let other = try CanInstallFixture()
        try other.recordPage(torchPage, torchWheels)
        try other.recordWheel("https://mirror.example/torch/torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl", bytes: cpuWheel.bytes)
        #expect(try other.canInstall("torch>=2").chosen?.stored?.source == .sameContent(fromURL: "https://mirror.example/torch/torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl"))
    }

    @Test("the chosen file not stored: file-not-stored with the URL's own reason")
    func fileNotStored() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, torchWheels)
        let verdict = try f.canInstall("torch==2.0.1")
        #expect(!verdict.isSatisfiable)
        #expect(verdict.chosen?.filename == "torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl")
        #expect(verdict.reasons.first?.code == "file-not-stored")
        #expect(verdict.reasons.first?.hint.contains("artifact-store fetch https://download.pytorch.org/whl/cpu/torch-2.0.1%2Bcpu") == true)
    }

    @Test("yanked files are skipped unless the requirement pins them with ==")
    func yanked() throws {
        let f = try CanInstallFixture()
        let wheels = [
            FakeWheel("torch-2.1.0-cp311-cp311-linux_x86_64.whl", attributes: "data-yanked=\"broken build\""),
            FakeWheel("torch-2.0.0-cp311-cp311-linux_x86_64.whl"),
        ]
        try f.recordPage(torchPage, wheels)
        for wheel in wheels { _ = try f.store.put(bytes: wheel.bytes) }
        #expect(try f.canInstall("torch>=2").chosen?.version?.description == "2.0.0")
        let pinned = try f.canInstall("torch==2.1.0")
        #expect(pinned.chosen?.version?.description == "2.1.0")
        #expect(pinned.chosen?.yanked == true)
        let onlyYanked = try f.canInstall("torch>=2.1")
        #expect(!onlyYanked.isSatisfiable)
        #expect(onlyYanked.reasons.first?.code == "yanked")
        #expect(onlyYanked.reasons.first?.message.contains("broken build") == true)
        #expect(onlyYanked.reasons.first?.hint.contains("==2.1.0") == true)
    }

    @Test("a page indexed before its versions were kept (migration 0014) gets the same answers from its rows", TestMetadata.sqliteOnly)
    func pageWithoutKeptVersions() throws {
        let f = try CanInstallFixture()
        let wheels = [FakeWheel("torch-2.6.0rc1-cp311-cp311-linux_x86_64.whl"), FakeWheel("torch-2.5.0-cp311-cp311-linux_x86_64.whl"),
                      FakeWheel("torch-2.4.0-cp311-cp311-win_amd64.whl")]
        try f.recordPage(torchPage, wheels)
        for wheel in wheels { _ = try f.store.put(bytes: wheel.bytes) }
        let requirements = ["torch", "torch>=2.6.0rc1", "torch<2.5", "torch>3"]
        let kept = try requirements.map { try f.canInstall($0) }
        let database = try DatabaseQueue(path: f.fixture.root.appending(path: "store.sqlite").path(percentEncoded: false))
        #expect(try database.read { try String.fetchOne($0, sql: "SELECT versions FROM index_page") } == "2.6.0rc1\n2.5.0\n2.4.0")
        try database.write { try $0.execute(sql: "UPDATE index_page SET versions = NULL") }
        try database.close()
        for (requirement, answer) in zip(requirements, kept) {
            let fromRows = try f.canInstall(requirement)
            #expect(fromRows.chosen == answer.chosen, "\(requirement)")
            #expect(fromRows.reasons == answer.reasons, "\(requirement)")
        }
    }

    @Test("pre-releases are chosen only when nothing final matches")
    func preReleases() throws {
        let f = try CanInstallFixture()
        let wheels = [FakeWheel("torch-2.6.0rc1-cp311-cp311-linux_x86_64.whl"), FakeWheel("torch-2.5.0-cp311-cp311-linux_x86_64.whl")]
        try f.recordPage(torchPage, wheels)
        for wheel in wheels { _ = try f.store.put(bytes: wheel.bytes) }
        #expect(try f.canInstall("torch").chosen?.version?.description == "2.5.0")
        #expect(try f.canInstall("torch>=2.6.0rc1").chosen?.version?.description == "2.6.0rc1", "a pre-release in the specifier allows them")
        let only = try CanInstallFixture()
        try only.recordPage(torchPage, [wheels[0]])
        _ = try only.store.put(bytes: wheels[0].bytes)
        let verdict = try only.canInstall("torch>=2")
        #expect(verdict.isSatisfiable)
        #expect(verdict.chosen?.version?.description == "2.6.0rc1", "only pre-releases: they are used")
        let none = try only.canInstall("torch<2.6")
        #expect(none.reasons.first?.code == "no-matching-version")
    }

    @Test("local versions: ==2.5.1 matches 2.5.1+cpu, ==2.5.1+cpu matches only that label")
    func localVersions() throws {
        let f = try CanInstallFixture()
        let wheels = [FakeWheel("torch-2.5.1+cpu-cp311-cp311-linux_x86_64.whl"), FakeWheel("torch-2.5.1+cu121-cp311-cp311-linux_x86_64.whl")]
        try f.recordPage(torchPage, wheels)
        for wheel in wheels { _ = try f.store.put(bytes: wheel.bytes) }
        #expect(try f.canInstall("torch==2.5.1+cpu").chosen?.filename == "torch-2.5.1+cpu-cp311-cp311-linux_x86_64.whl")
        #expect(try f.canInstall("torch==2.5.1").chosen?.version?.description == "2.5.1+cu121", "the highest local label wins (cu121 > cpu)")
        #expect(try f.canInstall("torch==2.5.1+rocm").reasons.first?.code == "no-matching-version")
    }

    @Test("requires-python excluding the interpreter is a reason with both versions")
    func requiresPython() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, [FakeWheel("torch-3.0.0-py3-none-any.whl", attributes: "data-requires-python=\"&gt;=3.12\"")])
        let verdict = try f.canInstall("torch>=3")
        #expect(verdict.reasons.first?.code == "requires-python")
        #expect(verdict.reasons.first?.message.contains(">=3.12") == true)
        #expect(verdict.reasons.first?.message.contains("3.11") == true)
        let py312 = TargetEnvironment(PythonEnvironment.cpython(3, 12, platforms: ["linux_x86_64"]))
        #expect(try f.canInstall("torch>=3", environment: py312).chosen?.version?.description == "3.0.0")
    }

    @Test("no compatible tag: the nearest tag is named with what differs")
    func noCompatibleTag() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, [FakeWheel("torch-2.0.1-cp311-none-macosx_11_0_arm64.whl"), FakeWheel("torch-2.0.1-cp39-cp39-win_amd64.whl")])
        let verdict = try f.canInstall("torch==2.0.1")
        let reason = try #require(verdict.reasons.first)
        #expect(reason.code == "no-compatible-wheel")
        #expect(reason.message.contains("nearest is cp311-none-macosx_11_0_arm64"))
        #expect(reason.message.contains("platform macosx_11_0_arm64 is not one of manylinux_2_28_x86_64"))
    }

    @Test("only an sdist matches: it is listed as needing a build")
    func sdistNeedsBuild() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, [FakeWheel("torch-2.0.1.tar.gz")])
        let verdict = try f.canInstall("torch==2.0.1")
        #expect(verdict.reasons.first?.code == "needs-build")
        #expect(verdict.reasons.first?.message.contains("torch-2.0.1.tar.gz") == true)
    }

    @Test("two indexes: first-index uses only the first that lists the project; unsafe-best-match takes the best version")
    func twoIndexes() throws {
        let f = try CanInstallFixture()
        let old = FakeWheel("torch-2.0.1-cp311-cp311-linux_x86_64.whl"), new = FakeWheel("torch-2.5.1-cp311-cp311-linux_x86_64.whl")
        try f.recordPage(torchPage, [old])
        try f.recordPage("https://pypi.org/simple/torch/", [new], path: "/packages/")
        _ = try f.store.put(bytes: old.bytes)
        _ = try f.store.put(bytes: new.bytes)
        let indexes = ["https://download.pytorch.org/whl/cpu", "https://pypi.org/simple/"]
        #expect(try f.canInstall("torch>=2", indexes: indexes).chosen?.version?.description == "2.0.1")
        let best = try f.canInstall("torch>=2", indexes: indexes, strategy: .unsafeBestMatch)
        #expect(best.chosen?.version?.description == "2.5.1")
        #expect(best.chosen?.index == "https://pypi.org/simple")
        let pinned = try f.canInstall("torch==2.5.1", indexes: indexes)
        #expect(!pinned.isSatisfiable)
        #expect(pinned.reasons.first?.code == "no-matching-version")
        #expect(pinned.notes.contains { $0.contains("unsafe-best-match") })
        // An unusable first index does not hide a usable second one.
        let missing = try f.canInstall("torch>=2", indexes: ["https://never.example/simple", "https://pypi.org/simple"])
        #expect(missing.chosen?.version?.description == "2.5.1")
        #expect(missing.indexes.first?.reasons.first?.code == "page-never-fetched")
    }

    @Test("a stored body that differs from the page's hash is reported and never exported")
    func hashMismatch() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, torchWheels)
        try f.recordWheel(Fixtures.torchWheel, bytes: Array("tampered on the way".utf8))
        let verdict = try f.canInstall("torch==2.0.1")
        #expect(!verdict.isSatisfiable)
        let reason = try #require(verdict.reasons.first)
        #expect(reason.code == "hash-mismatch")
        #expect(reason.message.contains(cpuWheel.sha256))
        #expect(verdict.wayOut == nil)
        #expect(verdict.storedWheels.first?.whyNot?.contains("not the sha256") == true)
        let result = try f.store.export([verdict], to: f.fixture.directory.url.appending(path: "out"), layout: .findLinks)
        #expect(result.files.isEmpty)
        #expect(result.missing.count == 1)
    }

    @Test("export --simple writes a PEP 503 tree")
    func exportSimple() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, torchWheels)
        _ = try f.store.put(bytes: cpuWheel.bytes)
        let verdict = try f.canInstall("torch==2.0.1")
        let directory = f.fixture.directory.url.appending(path: "simple")
        let result = try f.store.export([verdict], to: directory, layout: .simple)
        #expect(result.files.first?.path == directory.path(percentEncoded: false) + "/torch/torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl")
        #expect(try String(contentsOfFile: result.indexPath, encoding: .utf8).contains("<a href=\"torch/\">torch</a>"))
        let project = try String(contentsOfFile: directory.path(percentEncoded: false) + "/torch/index.html", encoding: .utf8)
        #expect(project.contains("#sha256=\(cpuWheel.sha256)"))
    }

    @Test("a hash that is present binds: malformed or of another algorithm, the file is unverifiable, never trusted by its URL", arguments: [
        "sha256=XYZ", "sha256=" + String(repeating: "a", count: 63), "md5=0123456789abcdef0123456789abcdef",
    ])
    func unusableHashesBind(fragment: String) throws {
        let f = try CanInstallFixture()
        let page = try f.store.put(bytes: Array(#"<a href="/whl/cpu/torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl#\#(fragment)">t</a>"#.utf8))
        try f.store.record(request: Fixtures.get(torchPage), response: Fixtures.response(200, ["Cache-Control": "max-age=600", "Content-Type": "text/html"]),
                           body: page, requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        try f.recordWheel(Fixtures.torchWheel, bytes: cpuWheel.bytes)
        let verdict = try f.canInstall("torch==2.0.1")
        #expect(!verdict.isSatisfiable)
        #expect(verdict.reasons.map(\.code) == ["hash-unverifiable"])
        #expect(!verdict.notes.contains { $0.contains("trusted by its URL") })
        let result = try f.store.export([verdict], to: f.fixture.directory.url.appending(path: "out"), layout: .findLinks)
        #expect(result.files.isEmpty)
    }

    @Test("a hash in upper case is the same hash")
    func upperCaseHash() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, [FakeWheel(cpuWheel.filename, listedSHA256: cpuWheel.sha256.uppercased())])
        _ = try f.store.put(bytes: cpuWheel.bytes)
        #expect(try f.canInstall("torch==2.0.1").isSatisfiable)
    }

    @Test("two different files with one name are never exported over each other")
    func exportRefusesSameNameDifferentContent() throws {
        let f = try CanInstallFixture()
        let other = "https://mirror.example.com/whl/cpu"
        let twin = FakeWheel("torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl")
        var different = twin
        different.bytes = Array("another build of the same name".utf8)
        try f.recordPage(torchPage, [twin])
        try f.recordPage(other + "/torch/", [different])
        _ = try f.store.put(bytes: twin.bytes)
        _ = try f.store.put(bytes: different.bytes)
        let first = try f.canInstall("torch==2.0.1")
        let second = try f.canInstall("torch==2.0.1", indexes: [other])
        #expect(first.isSatisfiable && second.isSatisfiable)
        let directory = f.fixture.directory.url.appending(path: "out")
        #expect(throws: StoreError.self) { try f.store.export([first, second], to: directory, layout: .findLinks) }
        let written = directory.path(percentEncoded: false) + "/" + twin.filename
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: written))) == twin.bytes, "the first file stays as it was")
    }

    @Test("a corrupt blob is caught on the way out and never exported")
    func corruptBlobNotExported() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, torchWheels)
        let blob = try f.store.put(bytes: cpuWheel.bytes)
        let verdict = try f.store.canInstall(requirement: try InstallRequirement(parsing: "torch==2.0.1"), indexes: ["https://download.pytorch.org/whl/cpu"],
                                             environment: CanInstallFixture.cp311Linux, policy: .offline, verifyFiles: false, at: CanInstallFixture.later)
        #expect(verdict.isSatisfiable)
        try f.fixture.tamper(blob.digest, with: Array("corrupted".utf8))
        let directory = f.fixture.directory.url.appending(path: "out")
        expectStoreError(.blobCorrupt) { try f.store.export([verdict], to: directory, layout: .findLinks) }
        #expect(!FileManager.default.fileExists(atPath: directory.path(percentEncoded: false) + "/torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl"))
        #expect(try f.canInstall("torch==2.0.1").reasons.first?.code == "file-unreadable", "quarantined now")
    }

    @Test("PEP 508 requirements: extras carried, parenthesized specifiers, markers evaluated (a note when one excludes the environment), direct references refused")
    func requirementParsing() throws {
        let requirement = try InstallRequirement(parsing: "Torch[Extra_1, extra2] (>=2.0,<3) ; python_version >= \"3.8\"")
        #expect(requirement.project == "torch")
        #expect(requirement.extras == ["extra-1", "extra2"])
        #expect(requirement.specifier.description == "<3,>=2.0")
        #expect(requirement.marker == "python_version >= \"3.8\"")
        #expect(!requirement.isPinned)
        #expect(try InstallRequirement(parsing: "torch===2.0.1").isPinned)
        #expect(try !InstallRequirement(parsing: "torch==2.*").isPinned)
        expectStoreError(.invalidInput) { try InstallRequirement(parsing: "torch @ https://example.com/torch.whl") }
        expectStoreError(.invalidInput) { try InstallRequirement(parsing: "==2.0") }
        expectStoreError(.invalidInput) { try InstallRequirement(parsing: "torch=>2") }

        let f = try CanInstallFixture()
        try f.recordPage(torchPage, torchWheels)
        _ = try f.store.put(bytes: cpuWheel.bytes)
        let verdict = try f.canInstall("torch[extra]==2.0.1; sys_platform == 'linux'")
        #expect(verdict.isSatisfiable)
        #expect(!verdict.notes.contains { $0.contains("marker") }, "the marker holds on Linux")
        #expect(verdict.notes.contains { $0.contains("extras") })
        let windows = try f.canInstall("torch==2.0.1; sys_platform == 'win32'")
        #expect(windows.notes.contains { $0.contains("does not hold") && $0.contains("would skip") })
    }
}

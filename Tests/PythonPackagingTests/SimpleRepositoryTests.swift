import Testing

@testable import PythonPackaging

@Suite("Serving the simple repository API: content negotiation, writing pages, project lists")
struct SimpleRepositoryTests {
    static let uvAccept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
    static let pipAccept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"

    @Test("PEP 691 negotiation picks what each client rates highest", arguments: [
        (uvAccept, SimpleContentType.json), (pipAccept, .json), ("text/html", .legacyHTML), ("*/*", .legacyHTML),
        ("application/vnd.pypi.simple.v1+html", .html), ("application/*", .html), ("application/*;q=0.5, text/html;q=0.4", .html),
        ("application/vnd.pypi.simple.v1+json;q=0.5, */*;q=0.9", .legacyHTML), ("text/html;q=0, application/vnd.pypi.simple.v1+json", .json),
        ("  ", .legacyHTML), ("garbage", nil), ("application/json", nil), ("text/html;q=0", nil), ("*/*;q=0", nil),
    ] as [(String, SimpleContentType?)])
    func negotiation(_ accept: String, _ expected: SimpleContentType?) {
        #expect(SimpleContentType.negotiate(accept: accept) == expected)
    }

    @Test("no Accept means HTML; ?format= overrides Accept and must name a known type")
    func formatOverride() {
        #expect(SimpleContentType.negotiate(accept: nil) == .legacyHTML)
        #expect(SimpleContentType.negotiate(accept: "text/html", format: "application/vnd.pypi.simple.v1+json") == .json)
        #expect(SimpleContentType.negotiate(accept: Self.uvAccept, format: "text/html") == .legacyHTML)
        #expect(SimpleContentType.negotiate(accept: Self.uvAccept, format: "application/xml") == nil)
    }

    static let files = [
        ProjectFile(filename: "torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl", url: "/t/files/torch/torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl",
                    hashes: ["sha256": String(repeating: "ab", count: 32)], requiresPython: ">=3.8",
                    coreMetadata: CoreMetadata(available: true, hashes: ["sha256": String(repeating: "cd", count: 32)]), size: 123, uploadTime: "2024-01-01T00:00:00Z"),
        ProjectFile(filename: "torch-1.0.tar.gz", url: "/t/files/torch/torch-1.0.tar.gz", yanked: true, yankedReason: "broken \"build\"", size: 9),
    ]

    @Test("a written page reads back as the same files, in both formats")
    func roundTrip() throws {
        for format in [ProjectPage.Format.json, .html] {
            let bytes = SimplePageWriter.projectPage(name: "Torch", files: Self.files, versions: nil, format: format)
            let page = try ProjectPage.parse(body: bytes, contentType: format == .json ? SimpleContentType.json.mediaType : "text/html", url: "http://127.0.0.1:1/t/simple/torch/")
            #expect(page.files.map(\.filename) == Self.files.map(\.filename))
            #expect(page.files[0].url == "http://127.0.0.1:1/t/files/torch/torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl")
            #expect(page.files[0].hashes["sha256"] == String(repeating: "ab", count: 32))
            #expect(page.files[0].requiresPython == ">=3.8")
            #expect(page.files[0].coreMetadata == Self.files[0].coreMetadata)
            #expect(page.files[1].yanked && page.files[1].yankedReason == "broken \"build\"")
            if format == .json {
                #expect(page.name == "torch")
                #expect(page.versions == ["2.0.1+cpu", "1.0"])
                #expect(page.files[0].size == 123 && page.files[0].uploadTime == "2024-01-01T00:00:00Z")
                #expect(page.apiVersion == SimpleAPIVersion(major: 1, minor: 1))
            }
        }
    }

    @Test("JSON declares API 1.1 only when every file has its PEP 700 size")
    func apiVersion() throws {
        var files = Self.files
        files[1].size = nil
        let page = try ProjectPage.parse(body: SimplePageWriter.projectPage(name: "torch", files: files, versions: nil, format: .json),
                                         contentType: SimpleContentType.json.mediaType, url: "http://h/")
        #expect(page.apiVersion == SimpleAPIVersion(major: 1, minor: 0))
    }

    @Test("hostile names and URLs come out as text, never as markup or broken JSON")
    func escaping() throws {
        let hostile = ProjectFile(filename: "<script>alert(1)</script>\"'&.whl", url: "/x/\"><img src=x onerror=alert(1)>", yankedReason: "</a><script>")
        let html = String(decoding: SimplePageWriter.projectPage(name: "<b>x</b>", files: [hostile], versions: nil, format: .html), as: UTF8.self)
        #expect(!html.contains("<script>"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;.whl"))
        let page = try ProjectPage.parse(body: Array(html.utf8), contentType: "text/html", url: "http://h/")
        #expect(page.files.count == 1, "no anchor was injected")
        #expect(page.files.first?.url.hasPrefix("http://h/x/") == true)
        let json = SimplePageWriter.projectPage(name: "x\u{0}\"\\\n", files: [hostile], versions: ["1\u{2028}"], format: .json)
        let parsed = try ProjectPage.parse(body: json, contentType: SimpleContentType.json.mediaType, url: "http://h/")
        #expect(parsed.files.map(\.filename) == [hostile.filename])
        #expect(parsed.versions == ["1\u{2028}"])
    }

    @Test("project lists read from HTML and JSON, and write in both")
    func projectLists() throws {
        let html = Array(#"<html><body><a href="/simple/a/">Alpha_One</a><a href="b/"> beta </a><a href="c/"></a></body></html>"#.utf8)
        #expect(try ProjectList.parse(body: html, contentType: "text/html") == ["Alpha_One", "beta"])
        let json = Array(#"{"meta":{"api-version":"1.0"},"projects":[{"name":"Alpha_One"},{"name":"beta"},{"nope":1}]}"#.utf8)
        #expect(try ProjectList.parse(body: json, contentType: SimpleContentType.json.mediaType) == ["Alpha_One", "beta"])
        #expect(throws: ProjectPageError.self) { try ProjectList.parse(body: Array("[1]".utf8), contentType: SimpleContentType.json.mediaType) }
        for format in [ProjectPage.Format.json, .html] {
            let written = SimplePageWriter.projectList(["Alpha_One", "<b>"], format: format) { ProjectName.normalize($0) + "/" }
            #expect(try ProjectList.parse(body: written, contentType: format == .json ? SimpleContentType.json.mediaType : "text/html") == ["Alpha_One", "<b>"])
        }
    }

    @Test("one classification of distribution files: every sdist suffix pip knows, wheels with their versions", arguments: [
        ("torch-2.0.1-cp311-cp311-linux_x86_64.whl", "torch", DistributionFilename.Kind.wheel, "2.0.1"),
        ("foo-1.0.tar.xz", "foo", .sdist, "1.0"), ("foo-1.0.tar", "foo", .sdist, "1.0"), ("Foo_Bar-2.0.tar.gz", "foo-bar", .sdist, "2.0"),
        ("foo-1.0.zip", "foo", .sdist, "1.0"), ("foo-1.0.tgz", "foo", .sdist, "1.0"), ("foo-1.0.TAR.BZ2", "foo", .sdist, "1.0"),
        ("other-1.0.tar.gz", "foo", .sdist, nil),
    ] as [(String, String, DistributionFilename.Kind, String?)])
    func classification(_ filename: String, _ project: String, _ kind: DistributionFilename.Kind, _ version: String?) throws {
        let file = try #require(DistributionFilename(filename, project: project))
        #expect(file.kind == kind)
        #expect(file.version?.description == version)
        #expect(DistributionFilename.isDownload(url: "https://h/p/" + filename + "?x=1"))
    }

    @Test("pages and other files are not distributions")
    func notDistributions() {
        #expect(DistributionFilename("foo-1.0.exe", project: "foo") == nil)
        #expect(DistributionFilename("foo-1.0.egg", project: "foo") == nil)
        #expect(!DistributionFilename.isDownload(url: "https://pypi.org/simple/torch/"))
        #expect(DistributionFilename.isDownload(url: "https://h/f/torch-1.0-py3-none-any.whl.metadata"))
    }

    @Test("a URL names a download by its last non-empty path segment's suffix, in any letter case, whatever its query", arguments: [
        ("https://h/p/foo-1.0.tar.gz", true), ("https://h/p/FOO-1.0.TAR.GZ", true), ("https://h/p/foo-1.0.Whl", true),
        ("https://h/p/foo-1.0.tar.gz/", true), ("https://h/p/foo-1.0.zip//", true), ("https://h/p/foo.whl?x=/simple/", true),
        ("https://h/p/foo.whl#sha256=ab", false), ("https://h/simple/foo/?format=.whl", false), ("https://h/simple/foo/", false),
        ("https://h/simple/foo.whl.d/", false), ("https://h/p/whl", false), ("https://h/p/.whl", true), ("", false), ("/", false),
        ("https://h/p/f\u{e9}-1.0.tar.gz", true), ("https://h/p/f-1.0.tar.g\u{e9}", false), ("https://h/p/f-1.0.WH\u{212A}", false),
        ("https://h/p/f-1.0.egg", true), ("https://h/p/f-1.0.egg-info", false), ("https://h/p/f-1.0.tgz?", true),
    ])
    func downloadURLs(_ url: String, _ expected: Bool) {
        #expect(DistributionFilename.isDownload(url: url) == expected)
        // The rule as plain string operations: the lowercased last segment ends with a suffix.
        let path = url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let name = path.split(separator: "/").last.map { $0.lowercased() } ?? ""
        #expect(DistributionFilename.downloadSuffixes.contains { name.hasSuffix($0) } == expected)
    }
}

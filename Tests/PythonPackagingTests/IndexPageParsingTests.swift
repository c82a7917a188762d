import Foundation
import Testing
import PythonPackaging

/// PEP 503 HTML and PEP 691 JSON pages into one model, content types, API versions.
@Suite("Project pages")
struct IndexPageParsingTests {
    static let pypiURL = "https://pypi.org/simple/sampleproject/"
    static let torchURL = "https://download.pytorch.org/whl/torch/"
    static let html = "text/html"
    static let json = "application/vnd.pypi.simple.v1+json"

    static func parse(_ body: String, _ contentType: String? = html, url: String = pypiURL) throws -> ProjectPage {
        try ProjectPage.parse(body: Array(body.utf8), contentType: contentType, url: url)
    }

    /// The files of `<a …>` markup on an otherwise empty page.
    static func files(_ anchors: String, url: String = "https://h/simple/p/") throws -> [ProjectFile] {
        try parse("<!DOCTYPE html><html><body>\(anchors)</body></html>", url: url).files
    }

    static let expectedPyPIFiles = [
        ProjectFile(
            filename: "sampleproject-3.0.0-py3-none-any.whl",
            url: "https://files.pythonhosted.org/packages/ec/a8/sampleproject-3.0.0-py3-none-any.whl",
            hashes: ["sha256": IndexPageFixtures.sha256Wheel], requiresPython: ">=3.8",
            coreMetadata: CoreMetadata(available: true, hashes: ["sha256": IndexPageFixtures.sha256Metadata])),
        ProjectFile(
            filename: "sampleproject-3.0.0.tar.gz",
            url: "https://files.pythonhosted.org/packages/67/2a/sampleproject-3.0.0.tar.gz",
            hashes: ["sha256": IndexPageFixtures.sha256Sdist], requiresPython: ">=3.8"),
        ProjectFile(
            filename: "sampleproject-1.2.0-py2.py3-none-any.whl",
            url: "https://files.pythonhosted.org/packages/aa/bb/sampleproject-1.2.0-py2.py3-none-any.whl",
            hashes: ["sha256": IndexPageFixtures.sha256Old], requiresPython: ">=2.7, !=3.0.*, !=3.1.*, <4",
            yanked: true, yankedReason: "Broken metadata & wrong tags", gpgSig: false),
    ]

    @Test("PyPI HTML page with PEP 658/714 attributes")
    func pypiHTML() throws {
        let page = try Self.parse(IndexPageFixtures.pypiHTML)
        #expect(page.format == .html)
        #expect(page.apiVersion == SimpleAPIVersion(major: 1, minor: 1))
        #expect(page.name == nil)
        #expect(page.files == Self.expectedPyPIFiles)
        #expect(page.warnings.isEmpty)
    }

    @Test("PyPI JSON API 1.0 parses to the same files as the HTML page")
    func pypiJSON10() throws {
        let page = try Self.parse(IndexPageFixtures.pypiJSON10, Self.json)
        #expect(page.format == .json)
        #expect(page.apiVersion == SimpleAPIVersion(major: 1, minor: 0))
        #expect(page.name == "sampleproject")
        #expect(page.versions == nil)
        #expect(page.files == Self.expectedPyPIFiles)
        #expect(page.files == (try Self.parse(IndexPageFixtures.pypiHTML)).files)
        #expect(page.warnings.isEmpty)
    }

    @Test("PyPI JSON API 1.1 adds PEP 700 versions, size and upload-time to the same files")
    func pypiJSON11() throws {
        let page = try Self.parse(IndexPageFixtures.pypiJSON11, "application/vnd.pypi.simple.v1+json; charset=utf-8")
        #expect(page.apiVersion == SimpleAPIVersion(major: 1, minor: 1))
        #expect(page.versions == ["1.2.0", "3.0.0"])
        #expect(page.files.map(\.size) == [4662, 5221, 3795])
        #expect(page.files.map(\.uploadTime) == ["2024-10-24T23:55:29.015467Z", "2024-10-24T23:55:30.180346Z", "2015-06-14T14:38:05.093750Z"])
        let withoutPEP700 = page.files.map { file in
            var file = file
            file.size = nil
            file.uploadTime = nil
            return file
        }
        #expect(withoutPEP700 == (try Self.parse(IndexPageFixtures.pypiHTML)).files)
        #expect(page.warnings.isEmpty)
    }

    @Test("PyTorch page: TIMESTAMP comment, %2B, escaped requires-python; a rebuild is cosmetic only")
    func torch() throws {
        let page = try Self.parse(IndexPageFixtures.torchHTML(), url: Self.torchURL)
        #expect(page.apiVersion == nil)
        #expect(page.files.map(\.filename) == [
            "torch-2.5.1+cpu-cp311-cp311-linux_x86_64.whl", "torch-2.5.1+cu121-cp311-cp311-win_amd64.whl",
            "torch-1.13.1-cp38-none-macosx_11_0_arm64.whl",
        ])
        #expect(page.files[0].url == "https://download.pytorch.org/whl/cpu/torch-2.5.1%2Bcpu-cp311-cp311-linux_x86_64.whl")
        #expect(page.files.map(\.requiresPython) == [">=3.9", ">=3.9", nil])
        #expect(page.files.map(\.hashes) == [
            ["sha256": IndexPageFixtures.sha256Wheel], ["sha256": IndexPageFixtures.sha256Sdist], ["sha256": IndexPageFixtures.sha256Old],
        ])
        #expect(page.files.map(\.coreMetadata.available) == [true, false, false])

        let rebuilt = try Self.parse(IndexPageFixtures.torchHTML(timestamp: 1_732_612_800), url: Self.torchURL)
        #expect(rebuilt == page)
        #expect(rebuilt.hasSameContent(as: page))
        var reordered = page
        reordered.files.reverse()
        #expect(reordered.hasSameContent(as: page))
        var changed = page
        changed.files[1].yanked = true
        #expect(!changed.hasSameContent(as: page))
    }

    @Test("PyTorch nightly page: no hash fragments")
    func torchNightly() throws {
        let page = try Self.parse(IndexPageFixtures.torchNightlyHTML, url: "https://download.pytorch.org/whl/nightly/torch/")
        #expect(page.files.count == 2)
        #expect(page.files.allSatisfy { $0.hashes.isEmpty })
        #expect(page.files[1].url == "https://download.pytorch.org/whl/nightly/cu124/torch-2.6.0.dev20241112%2Bcu124-cp312-cp312-linux_x86_64.whl")
        #expect(page.files[1].filename == "torch-2.6.0.dev20241112+cu124-cp312-cp312-linux_x86_64.whl")
    }

    @Test("ProjectPage round-trips through Codable")
    func codable() throws {
        let page = try Self.parse(IndexPageFixtures.pypiJSON11, Self.json)
        let encoded = try JSONEncoder().encode(page)
        #expect(try JSONDecoder().decode(ProjectPage.self, from: encoded) == page)
    }

    // MARK: HTML attributes

    struct AnchorCase: Sendable, CustomStringConvertible {
        var anchor: String
        var expected: ProjectFile?
        var description: String { anchor }
    }

    static func file(_ name: String = "f-1.0.tar.gz", url: String? = nil, hashes: [String: String] = [:], requiresPython: String? = nil,
                     yanked: Bool = false, yankedReason: String? = nil, coreMetadata: CoreMetadata = .unavailable, gpgSig: Bool? = nil) -> ProjectFile {
        ProjectFile(filename: name, url: url ?? "https://h/simple/p/\(name)", hashes: hashes, requiresPython: requiresPython,
                    yanked: yanked, yankedReason: yankedReason, coreMetadata: coreMetadata, gpgSig: gpgSig)
    }

    @Test("anchor attributes (PEP 503, 592, 658, 714)", arguments: [
        AnchorCase(anchor: "<a href=f-1.0.tar.gz>", expected: file()),
        AnchorCase(anchor: #"<a href="f-1.0.tar.gz" data-requires-python="&gt;=3.8,&lt;4">"#, expected: file(requiresPython: ">=3.8,<4")),
        AnchorCase(anchor: #"<a href="f-1.0.tar.gz" data-requires-python="&gt=3.8">"#, expected: file(requiresPython: ">=3.8")),
        AnchorCase(anchor: #"<a href="f-1.0.tar.gz" data-requires-python="">"#, expected: file()),
        AnchorCase(anchor: #"<a href="f-1.0.tar.gz" data-yanked>"#, expected: file(yanked: true)),
        AnchorCase(anchor: #"<a href="f-1.0.tar.gz" data-yanked="">"#, expected: file(yanked: true)),
        AnchorCase(anchor: #"<a href="f-1.0.tar.gz" data-yanked="use 1.1 &amp; later">"#, expected: file(yanked: true, yankedReason: "use 1.1 & later")),
        AnchorCase(anchor: #"<a href="f-1.0.tar.gz" data-core-metadata="true">"#, expected: file(coreMetadata: CoreMetadata(available: true))),
        AnchorCase(anchor: #"<a href="f-1.0.tar.gz" data-core-metadata="false">"#, expected: file()),
        AnchorCase(anchor: #"<a href="f-1.0.tar.gz" data-dist-info-metadata="sha256=aa">"#, expected: file(coreMetadata: CoreMetadata(available: true, hashes: ["sha256": "aa"]))),
        AnchorCase(anchor: #"<a href="f-1.0.tar.gz" data-core-metadata="sha512=bb" data-dist-info-metadata="sha256=aa">"#, expected: file(coreMetadata: CoreMetadata(available: true, hashes: ["sha512": "bb"]))),
        AnchorCase(anchor: #"<a href="f-1.0.tar.gz" data-dist-info-metadata="true" data-core-metadata="false">"#, expected: file()),
        AnchorCase(anchor: #"<a href="f-1.0.tar.gz" data-core-metadata="blake2b=cc">"#, expected: file(coreMetadata: CoreMetadata(available: true))),
        AnchorCase(anchor: #"<a href="f-1.0.tar.gz" data-gpg-sig="true">"#, expected: file(gpgSig: true)),
        AnchorCase(anchor: #"<a href="f-1.0.tar.gz#sha256=aa&amp;md5=bb">"#, expected: file(hashes: ["sha256": "aa"])),
        AnchorCase(anchor: #"<a HREF="f-1.0.tar.gz" href="other.tar.gz">"#, expected: file()),
        AnchorCase(anchor: #"<a href="">"#, expected: nil),
        AnchorCase(anchor: #"<a name="top">"#, expected: nil),
        AnchorCase(anchor: #"<a href=" ">"#, expected: file("p", url: "https://h/simple/p/")),
    ])
    func anchorAttributes(_ example: AnchorCase) throws {
        #expect(try Self.files(example.anchor) == (example.expected.map { [$0] } ?? []))
    }

    @Test("malformed metadata and gpg attributes are read leniently, with warnings")
    func attributeWarnings() throws {
        let page = try Self.parse(#"<a href="f.whl" data-core-metadata="yes" data-gpg-sig="maybe">"#, url: "https://h/")
        #expect(page.files == [ProjectFile(filename: "f.whl", url: "https://h/f.whl", coreMetadata: CoreMetadata(available: true))])
        #expect(page.warnings.map(\.code) == ["invalid-gpg-sig", "invalid-core-metadata"])
    }

    @Test("the first <base href> wins, resolved against the page URL, wherever it stands")
    func baseHref() throws {
        let html = """
        <html><head><base target=_blank><base href="../../mirror/"><base href="https://ignored.example/"></head>
        <body><a href="f-1.0.tar.gz">f</a></body></html>
        """
        #expect(try Self.parse(html, url: "https://h/simple/p/").files.map(\.url) == ["https://h/mirror/f-1.0.tar.gz"])
        let late = #"<a href="f.whl"></a><BASE HREF="/late/">"#
        #expect(try Self.parse(late, url: "https://h/simple/p/").files.map(\.url) == ["https://h/late/f.whl"])
    }

    @Test("real-world HTML: unclosed tags, <br>, uppercase, comments, script, doctype")
    func realWorldHTML() throws {
        let html = """
        <!doctype HTML PUBLIC "-//W3C//DTD HTML 4.01//EN">
        <HTML><HEAD><TITLE>Links for p</TITLE><SCRIPT>document.write("<a href='no.whl'>")</SCRIPT>
        <STYLE>a[href$=".whl"] { color: red }</STYLE></HEAD>
        <BODY><H1>Links for p</H1>
        <A HREF=p-1.0.tar.gz#sha256=11>p-1.0.tar.gz</A><BR>
        <a href='p-1.1.tar.gz#sha256=22' data-requires-python='&gt;=3.6'>p-1.1.tar.gz<br>
        <!-- <a href="p-0.9.tar.gz"> -->
        <p><a href=p-1.2.tar.gz>p-1.2.tar.gz
        """
        let files = try Self.parse(html, url: "https://h/simple/p/").files
        #expect(files.map(\.filename) == ["p-1.0.tar.gz", "p-1.1.tar.gz", "p-1.2.tar.gz"])
        #expect(files.map(\.hashes) == [["sha256": "11"], ["sha256": "22"], [:]])
        #expect(files.map(\.requiresPython) == [nil, ">=3.6", nil])
    }

    // MARK: API versions (PEP 629) and content types (PEP 691)

    @Test("PEP 629 repository version in HTML", arguments: [
        ("1.0", SimpleAPIVersion(major: 1, minor: 0), [String]()),
        ("1.1", SimpleAPIVersion(major: 1, minor: 1), []),
        (" 1.1 ", SimpleAPIVersion(major: 1, minor: 1), []),
        ("1", SimpleAPIVersion(major: 1, minor: 0), []),
        ("1.7", SimpleAPIVersion(major: 1, minor: 7), ["newer-api-version"]),
        ("one", nil, ["unparseable-api-version"]),
        ("1.x", nil, ["unparseable-api-version"]),
    ] as [(String, SimpleAPIVersion?, [String])])
    func htmlAPIVersion(_ declared: String, _ expected: SimpleAPIVersion?, _ warnings: [String]) throws {
        let page = try Self.parse(#"<meta name="pypi:repository-version" content="\#(declared)"><a href="f.whl">"#)
        #expect(page.apiVersion == expected)
        #expect(page.warnings.map(\.code) == warnings)
        #expect(page.files.count == 1)
    }

    @Test("a major API version above 1 is refused, in HTML and JSON")
    func majorVersionTooNew() {
        #expect(throws: ProjectPageError.unsupportedAPIVersion("2.0")) {
            try Self.parse(#"<meta name="pypi:repository-version" content="2.0"><a href="f.whl">"#)
        }
        #expect(throws: ProjectPageError.unsupportedAPIVersion("2.0")) {
            try Self.parse(#"{"meta": {"api-version": "2.0"}, "name": "p", "files": []}"#, Self.json)
        }
    }

    @Test("content types", arguments: [
        ("text/html", ProjectPage.Format.html),
        ("TEXT/HTML; charset=UTF-8", .html),
        ("application/vnd.pypi.simple.v1+html", .html),
        ("application/vnd.pypi.simple.v1+json", .json),
        ("application/vnd.pypi.simple.v1+json ; charset=\"utf-8\"", .json),
    ])
    func contentTypes(_ contentType: String, _ format: ProjectPage.Format) throws {
        let body = format == .json ? #"{"meta": {"api-version": "1.0"}, "name": "p", "files": []}"# : "<a href=f.whl>"
        #expect(try Self.parse(body, contentType).format == format)
    }

    @Test("refused content types", arguments: [
        ("application/json", "unsupported-content-type"),
        ("text/plain", "unsupported-content-type"),
        ("application/vnd.pypi.simple.latest+json", "unsupported-content-type"),
        ("application/vnd.pypi.simple.v1+xml", "unsupported-content-type"),
        ("", "unsupported-content-type"),
        ("application/vnd.pypi.simple.v2+json", "unsupported-api-version"),
        ("application/vnd.pypi.simple.v0+html", "unsupported-api-version"),
    ])
    func refusedContentTypes(_ contentType: String, _ code: String) {
        do {
            _ = try Self.parse("{}", contentType)
            Issue.record("\(contentType) was accepted")
        } catch {
            #expect((error as? ProjectPageError)?.code == code)
        }
    }

    @Test("no content type: a body starting with { is JSON, anything else HTML")
    func sniffing() throws {
        #expect(try Self.parse(" \n{\"name\": \"p\", \"files\": []}", nil).format == .json)
        #expect(try Self.parse("<a href=f.whl>", nil).format == .html)
        #expect(try Self.parse("", nil).format == .html)
    }

    @Test("charset=iso-8859-1 is decoded as Latin-1; unknown charsets as UTF-8 with a warning")
    func charsets() throws {
        let latin1: [UInt8] = Array(#"<a href="caf"#.utf8) + [0xE9] + Array(#".whl">"#.utf8)
        let page = try ProjectPage.parse(body: latin1, contentType: "text/html; charset=ISO-8859-1", url: "https://h/")
        #expect(page.files.map(\.filename) == ["caf\u{E9}.whl"])
        #expect(page.files.map(\.url) == ["https://h/caf%C3%A9.whl"])
        let other = try ProjectPage.parse(body: Array("<a href=f.whl>".utf8), contentType: "text/html; charset=koi8-r", url: "https://h/")
        #expect(other.warnings.map(\.code) == ["unsupported-charset"])
        #expect(other.files.count == 1)
    }

    @Test("warnings are capped")
    func warningCap() throws {
        let anchors = String(repeating: #"<a href="f.whl" data-gpg-sig="?">"#, count: 150)
        let page = try Self.parse(anchors)
        #expect(page.files.count == 150)
        #expect(page.warnings.count == ProjectPage.maximumWarnings + 1)
        #expect(page.warnings.last?.code == "warnings-truncated")
    }
}


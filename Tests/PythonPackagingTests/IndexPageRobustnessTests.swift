import Testing
import PythonPackaging
import TestSupport

/// Malformed input never crashes: truncation, nesting, invalid UTF-8, long names, random bytes.
@Suite("Index page robustness")
struct IndexPageRobustnessTests {
    @Test("every prefix of real pages parses, HTML and JSON alike")
    func truncatedPages() throws {
        let html = Array(IndexPageFixtures.pypiHTML.utf8) + Array(IndexPageFixtures.torchHTML().utf8)
        let full = try ProjectPage.parse(body: html, contentType: "text/html", url: "https://h/s/p/").files
        var previousCount = 0
        for end in 0...html.count {
            let files = try ProjectPage.parse(body: html[..<end], contentType: "text/html", url: "https://h/s/p/").files
            #expect(files.count >= previousCount && files.count <= full.count)
            previousCount = files.count
        }
        #expect(previousCount == full.count)
        let json = Array(IndexPageFixtures.pypiJSON11.utf8)
        for end in 0..<json.count {
            // A cut JSON document is invalid JSON (or, cut after the last brace's whitespace, complete).
            do {
                _ = try ProjectPage.parse(body: json[..<end], contentType: "application/vnd.pypi.simple.v1+json", url: "https://h/")
            } catch {
                #expect(error.code == "invalid-json")
            }
        }
    }

    @Test("an anchor cut in its href is dropped", arguments: [#"<a href="x"#, #"<a href="x.whl">x</a><a href="y"#])
    func truncatedAnchor(_ html: String) throws {
        let page = try ProjectPage.parse(body: Array(html.utf8), contentType: "text/html", url: "https://h/")
        #expect(page.files.count == (html.contains("x.whl") ? 1 : 0))
    }

    @Test("100,000 nested elements")
    func deepHTML() throws {
        let html = String(repeating: "<div><span>", count: 50_000) + "<a href=deep.whl>" + String(repeating: "</span></div>", count: 50_000)
        let page = try ProjectPage.parse(body: Array(html.utf8), contentType: "text/html", url: "https://h/")
        #expect(page.files.map(\.filename) == ["deep.whl"])
    }

    @Test("invalid UTF-8 in a page becomes U+FFFD")
    func invalidUTF8Page() throws {
        let bytes = Array(#"<a href="f"#.utf8) + [0xFF, 0xFE] + Array(#".whl" data-yanked="r"#.utf8) + [0xC0, 0xAF] + Array(#"">"#.utf8)
        let page = try ProjectPage.parse(body: bytes, contentType: "text/html", url: "https://h/")
        #expect(page.files.map(\.filename) == ["f\u{FFFD}\u{FFFD}.whl"])
        #expect(page.files.map(\.url) == ["https://h/f%EF%BF%BD%EF%BF%BD.whl"])
        #expect(page.files.map(\.yankedReason) == ["r\u{FFFD}\u{FFFD}"])
    }

    @Test("10,000-character href, attribute values and tag names")
    func longHTML() throws {
        let long = String(repeating: "a", count: 10_000)
        let html = #"<\#(long)><a href="\#(long).whl#sha256=\#(long)" data-requires-python="\#(long)" data-\#(long)="x">"#
        let page = try ProjectPage.parse(body: Array(html.utf8), contentType: "text/html", url: "https://h/")
        #expect(page.files.first?.filename == long + ".whl")
        #expect(page.files.first?.hashes == ["sha256": long])
        #expect(page.files.first?.requiresPython == long)
    }

    static let interestingBytes: [UInt8] = Array("<>&#;=\"'/!-?aAxX01 \n\t".utf8) + [0, 0x80, 0xC3, 0xFF]
    static let fragments: [String] = [
        "<a href=", "<!--", "-->", "&gt;", "&#x", "<script>", "</script>", "<base href=", "data-yanked", "#sha256=",
        "%2B", "<meta name=\"pypi:repository-version\" content=\"1.", "{\"files\": [", "{\"url\": \"", "\"hashes\": {",
        "\\u", "\"", ",", "]", "}", ":", "null", "true", "<!DOCTYPE", "<title>", "</", "&amp", "../",
    ]

    @Test("seeded fuzz: random bytes and markup fragments, as HTML and JSON", arguments: [1, 2, 3, 4] as [UInt64])
    func fuzz(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<500 {
            var bytes: [UInt8] = []
            let pieces = Int.random(in: 0..<60, using: &generator)
            for _ in 0..<pieces {
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes.append(UInt8.random(in: 0...255, using: &generator))
                case 1: bytes.append(Self.interestingBytes.randomElement(using: &generator)!)
                default: bytes += Array(Self.fragments.randomElement(using: &generator)!.utf8)
                }
            }
            for contentType in ["text/html", "application/vnd.pypi.simple.v1+json", "text/html; charset=latin-1"] {
                _ = try? ProjectPage.parse(body: bytes, contentType: contentType, url: "https://h/s/p/")
            }
            _ = HTMLTokenizer.tokens(in: bytes)
        }
    }
}

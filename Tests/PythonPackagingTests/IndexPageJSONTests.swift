import Testing
@testable import PythonPackaging

/// PEP 691 JSON pages: field semantics as pip reads them, and every wrong shape survived.
@Suite("PEP 691 JSON pages")
struct IndexPageJSONTests {
    static let contentType = "application/vnd.pypi.simple.v1+json"

    static func parse(_ body: String) throws -> ProjectPage {
        try ProjectPage.parse(body: Array(body.utf8), contentType: contentType, url: "https://h/simple/p/")
    }

    /// A page with one file entry whose fields are `fields` (JSON object members, without braces).
    static func parseFile(_ fields: String) throws -> ProjectPage {
        try parse(#"{"meta": {"api-version": "1.1"}, "name": "p", "files": [{"filename": "p-1.0.tar.gz", "url": "p-1.0.tar.gz", \#(fields)}]}"#)
    }

    struct FileCase: Sendable, CustomStringConvertible {
        var fields: String
        var check: @Sendable (ProjectFile) -> Bool
        var warnings: [String] = []
        var description: String { fields }
    }

    @Test("file fields", arguments: [
        FileCase(fields: #""hashes": {}"#, check: { $0.hashes.isEmpty && $0.url == "https://h/simple/p/p-1.0.tar.gz" && $0.filename == "p-1.0.tar.gz" }),
        FileCase(fields: #""hashes": {"SHA256": "aa", "blake2b": "bb"}"#, check: { $0.hashes == ["sha256": "aa", "blake2b": "bb"] }),
        FileCase(fields: #""hashes": {"sha256": "aa"}, "url": "p-1.0.tar.gz#sha256=cc""#, check: { $0.hashes == ["sha256": "cc"] }),
        FileCase(fields: #""requires-python": ">=3.8""#, check: { $0.requiresPython == ">=3.8" }),
        FileCase(fields: #""requires-python": """#, check: { $0.requiresPython == nil }),
        FileCase(fields: #""requires-python": null"#, check: { $0.requiresPython == nil }),
        FileCase(fields: #""yanked": true"#, check: { $0.yanked && $0.yankedReason == nil }),
        FileCase(fields: #""yanked": false"#, check: { !$0.yanked }),
        FileCase(fields: #""yanked": "broken""#, check: { $0.yanked && $0.yankedReason == "broken" }),
        FileCase(fields: #""yanked": """#, check: { !$0.yanked && $0.yankedReason == nil }),
        FileCase(fields: #""yanked": 1"#, check: { $0.yanked && $0.yankedReason == nil }, warnings: ["json-wrong-type"]),
        FileCase(fields: #""yanked": []"#, check: { !$0.yanked }, warnings: ["json-wrong-type"]),
        FileCase(fields: #""core-metadata": true"#, check: { $0.coreMetadata == CoreMetadata(available: true) }),
        FileCase(fields: #""core-metadata": {"sha256": "aa", "blake2b": "bb", "md5": 5}"#, check: { $0.coreMetadata == CoreMetadata(available: true, hashes: ["sha256": "aa"]) }),
        FileCase(fields: #""dist-info-metadata": {"sha256": "aa"}"#, check: { $0.coreMetadata == CoreMetadata(available: true, hashes: ["sha256": "aa"]) }),
        FileCase(fields: #""core-metadata": false, "dist-info-metadata": true"#, check: { !$0.coreMetadata.available }),
        FileCase(fields: #""core-metadata": null, "dist-info-metadata": true"#, check: { $0.coreMetadata.available }),
        FileCase(fields: #""core-metadata": "yes""#, check: { $0.coreMetadata == CoreMetadata(available: true) }, warnings: ["json-wrong-type"]),
        FileCase(fields: #""gpg-sig": true"#, check: { $0.gpgSig == true }),
        FileCase(fields: #""gpg-sig": "true""#, check: { $0.gpgSig == nil }, warnings: ["json-wrong-type"]),
        FileCase(fields: #""size": 1234, "upload-time": "2024-01-02T03:04:05Z""#, check: { $0.size == 1234 && $0.uploadTime == "2024-01-02T03:04:05Z" }),
        FileCase(fields: #""size": 1.5"#, check: { $0.size == nil }, warnings: ["json-wrong-type"]),
        FileCase(fields: #""size": -1"#, check: { $0.size == nil }, warnings: ["json-wrong-type"]),
        FileCase(fields: #""size": 1e3"#, check: { $0.size == nil }, warnings: ["json-wrong-type"]),
        FileCase(fields: #""size": "12""#, check: { $0.size == nil }, warnings: ["json-wrong-type"]),
        FileCase(fields: #""size": 99999999999999999999999"#, check: { $0.size == nil }, warnings: ["json-wrong-type"]),
        FileCase(fields: #""upload-time": 5"#, check: { $0.uploadTime == nil }, warnings: ["json-wrong-type"]),
        FileCase(fields: #""hashes": ["sha256", "aa"]"#, check: { $0.hashes.isEmpty }, warnings: ["json-wrong-type"]),
        FileCase(fields: #""hashes": {"sha256": 5}"#, check: { $0.hashes.isEmpty }, warnings: ["json-wrong-type"]),
        FileCase(fields: #""requires-python": 3"#, check: { $0.requiresPython == nil }, warnings: ["json-wrong-type"]),
        FileCase(fields: #""filename": 7"#, check: { $0.filename == "p-1.0.tar.gz" }, warnings: ["json-wrong-type"]),
        FileCase(fields: #""filename": "renamed.tar.gz""#, check: { $0.filename == "renamed.tar.gz" && $0.url.hasSuffix("/p-1.0.tar.gz") }),
        FileCase(fields: #""url": "/files/p%2B1.0.tar.gz""#, check: { $0.url == "https://h/files/p%2B1.0.tar.gz" }),
        FileCase(fields: #""unknown-field": {"nested": [1, 2, {"x": null}]}"#, check: { _ in true }),
    ])
    func fileFields(_ example: FileCase) throws {
        let page = try Self.parseFile(example.fields)
        #expect(page.files.count == 1)
        if let file = page.files.first { #expect(example.check(file)) }
        #expect(page.warnings.map(\.code) == example.warnings)
    }

    @Test("entries that are not files are skipped with a warning", arguments: [
        #"[1, "x", null, [], {"filename": "a.whl"}, {"url": null}, {"url": 5}, {"filename": "ok.whl", "url": "ok.whl"}]"#,
    ])
    func skippedEntries(_ files: String) throws {
        let page = try Self.parse(#"{"meta": {"api-version": "1.0"}, "name": "p", "files": \#(files)}"#)
        #expect(page.files.map(\.filename) == ["ok.whl"])
        #expect(page.warnings.map(\.code) == Array(repeating: "json-file-skipped", count: 7))
    }

    @Test("page-level shapes", arguments: [
        (#"{"meta": {"api-version": "1.0"}, "name": "p", "files": []}"#, [String]()),
        (#"{"name": "p", "files": []}"#, ["missing-api-version"]),
        (#"{"meta": [], "name": "p", "files": []}"#, ["json-wrong-type"]),
        (#"{"meta": {"api-version": 1.0}, "name": "p", "files": []}"#, ["json-wrong-type"]),
        (#"{"meta": {}, "name": "p", "files": []}"#, ["missing-api-version"]),
        (#"{"meta": {"api-version": "1.0"}, "files": []}"#, ["missing-name"]),
        (#"{"meta": {"api-version": "1.0"}, "name": ["p"], "files": []}"#, ["json-wrong-type"]),
        (#"{"meta": {"api-version": "1.0"}, "name": "p"}"#, ["missing-files"]),
        (#"{"meta": {"api-version": "1.9"}, "name": "p", "files": []}"#, ["newer-api-version"]),
        (#"{"meta": {"api-version": "v1"}, "name": "p", "files": []}"#, ["unparseable-api-version"]),
        (#"{"meta": {"api-version": "1.1"}, "name": "p", "files": [], "versions": "1.0"}"#, ["json-wrong-type"]),
        (#"{"meta": {"api-version": "1.1"}, "name": "p", "files": [], "versions": ["1.0", 2]}"#, ["json-wrong-type"]),
    ] as [(String, [String])])
    func pageShapes(_ body: String, _ warnings: [String]) throws {
        let page = try Self.parse(body)
        #expect(page.warnings.map(\.code) == warnings)
        #expect(page.files.isEmpty)
    }

    @Test("what is not a PEP 691 page at all is an error", arguments: [
        "", "   ", "[]", "\"page\"", "null", "{", "{\"files\": [}", "{\"files\": {}}", "{\"files\": \"x\"}", "{\"files\": 5}",
        "{} {}", "{\"a\": NaN}", "{\"a\": 01}", "{\"a\": 1.}", "{\"a\": .5}", "{\"a\": -}", "{\"a\": tru}", "{'a': 1}",
        "{\"a\": \"\u{1}\"}", "{\"a\": \"\\x\"}", "{\"a\": \"\\u12\"}", "{\"a\": \"unterminated}", "{\"a\" 1}", "{\"a\": 1,}", "[1,]",
        "{\"files\": [], }",
    ])
    func invalidJSON(_ body: String) {
        #expect(throws: ProjectPageError.self) { try Self.parse(body) }
        do {
            _ = try Self.parse(body)
        } catch {
            if case .invalidJSON = error as! ProjectPageError {} else { Issue.record("\(error)") }
        }
    }

    @Test("JSON strings: escapes, surrogate pairs, lone surrogates, invalid UTF-8")
    func jsonStrings() throws {
        let value = try PEP691JSON.parse(Array(#"["a\"\\\/\b\f\n\r\t", "\u00e9\u20AC", "\ud83d\ude00", "\ud800x", "\udc00", "\ud800\u0041"]"#.utf8))
        #expect(value == .array([
            .string("a\"\\/\u{8}\u{C}\n\r\t"), .string("\u{E9}\u{20AC}"), .string("\u{1F600}"), .string("\u{FFFD}x"),
            .string("\u{FFFD}"), .string("\u{FFFD}A"),
        ]))
        let invalid = try PEP691JSON.parse([0x22, 0x61, 0xFF, 0xC3, 0x22])
        #expect(invalid == .string("a\u{FFFD}\u{FFFD}"))
        #expect(try PEP691JSON.parse(Array(#"{"a": 1, "a": 2}"#.utf8)) == .object(["a": .number("2")]))
        #expect(try PEP691JSON.parse([0xEF, 0xBB, 0xBF] + Array(" {} ".utf8)) == .object([:]))
        #expect(try PEP691JSON.parse(Array("-0.5e+10".utf8)) == .number("-0.5e+10"))
    }

    @Test("deep nesting is refused, not a stack overflow")
    func deepNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: ProjectPageError.self) { try Self.parse(deep) }
        let deepInFile = #"{"name": "p", "files": [{"url": "a.whl", "x": "# + String(repeating: "{\"y\": ", count: 10_000)
        #expect(throws: ProjectPageError.self) { try Self.parse(deepInFile) }
        let fine = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: Never.self) { try PEP691JSON.parse(Array(fine.utf8)) }
    }

    @Test("a 10,000-character project name and filename")
    func longNames() throws {
        let long = String(repeating: "n", count: 10_000)
        let page = try Self.parse(#"{"meta": {"api-version": "1.0"}, "name": "\#(long)", "files": [{"filename": "\#(long).whl", "url": "\#(long).whl", "hashes": {}}]}"#)
        #expect(page.name == long)
        #expect(page.files.first?.filename == long + ".whl")
        #expect(page.files.first?.url == "https://h/simple/p/\(long).whl")
    }
}

import Testing
@testable import HTTPCaching

@Suite("Header fields (RFC 9110 §5)")
struct HeaderFieldsTests {
    static let sample: HeaderFields = [
        "Cache-Control": "max-age=60",
        "content-type": "text/html",
        "CACHE-CONTROL": "public",
        "Age": "10",
        "age": "20",
        "X-Empty": "",
    ]

    static let lookups: [Case<String, [String]>] = [
        Case("names are case-insensitive: exact spelling", "Cache-Control", ["max-age=60", "public"]),
        Case("names are case-insensitive: lowercase", "cache-control", ["max-age=60", "public"]),
        Case("names are case-insensitive: uppercase", "CACHE-CONTROL", ["max-age=60", "public"]),
        Case("repeated Age lines are kept in order", "AGE", ["10", "20"]),
        Case("an empty value is a present line", "x-empty", [""]),
        Case("absent field gives no values", "ETag", []),
        Case("prefix of a name is not the name", "Cache", []),
        Case("lowercase line found by canonical name", "Content-Type", ["text/html"]),
    ]

    @Test("values(for:) finds every line case-insensitively", arguments: lookups)
    func lookup(_ row: Case<String, [String]>) {
        #expect(Self.sample.values(for: row.input) == row.expected)
        #expect(Self.sample.contains(row.input) == !row.expected.isEmpty)
    }

    @Test("lines, order and spelling are kept as sent")
    func keepsLines() {
        #expect(Self.sample.count == 6)
        #expect(Self.sample[2].name == "CACHE-CONTROL")
        #expect(Self.sample.map(\.name) == ["Cache-Control", "content-type", "CACHE-CONTROL", "Age", "age", "X-Empty"])
    }

    @Test("values are byte-for-byte: whitespace and case untouched")
    func valuesVerbatim() {
        let fields: HeaderFields = ["ETag": "  W/\"AbC\"  ", "Vary": "Accept ,  Accept-Encoding"]
        #expect(fields.values(for: "etag") == ["  W/\"AbC\"  "])
        #expect(fields.values(for: "vary") == ["Accept ,  Accept-Encoding"])
    }

    static let combined: [Case<[(String, String)], String?>] = [
        Case("one line is its own combined value", [("A", "text/html")], "text/html"),
        Case("two lines combine with comma-space (RFC 9110 §5.3)", [("A", "a"), ("a", "b")], "a, b"),
        Case("three lines", [("A", "1"), ("A", "2"), ("A", "3")], "1, 2, 3"),
        Case("absent is nil", [("B", "x")], nil),
        Case("empty line combines as empty", [("A", "")], ""),
        Case("interleaved other fields are skipped", [("A", "1"), ("B", "x"), ("A", "2")], "1, 2"),
    ]

    @Test("combined field value", arguments: combined)
    func combine(_ row: Case<[(String, String)], String?>) {
        #expect(HeaderFields(row.input).combinedValue(for: "a") == row.expected)
    }

    static let lists: [Case<[String], [String]>] = [
        Case("simple list", ["a, b, c"], ["a", "b", "c"]),
        Case("list across lines", ["a", "b, c"], ["a", "b", "c"]),
        Case("empty elements are ignored (RFC 9110 §5.6.1)", [", a,, b ,"], ["a", "b"]),
        Case("commas in quoted strings do not split", ["a=\"x, y\", b"], ["a=\"x, y\"", "b"]),
        Case("escaped quote inside quoted string", ["a=\"x\\\", y\", b"], ["a=\"x\\\", y\"", "b"]),
        Case("tabs are whitespace", ["\ta\t,\tb"], ["a", "b"]),
        Case("empty value gives no members", [""], []),
        Case("unterminated quote keeps the rest of its line only", ["a=\"x, y", "b"], ["a=\"x, y", "b"]),
    ]

    @Test("list members", arguments: lists)
    func listMembers(_ row: Case<[String], [String]>) {
        let fields = HeaderFields(row.input.map { ("Vary", $0) })
        #expect(fields.listMembers(for: "vary") == row.expected)
    }

    @Test("replaceAll puts the new lines where the first old one was")
    func replaceAll() {
        var fields: HeaderFields = ["A": "1", "Date": "x", "B": "2", "date": "y"]
        fields.replaceAll(named: "DATE", with: ["z"])
        #expect(fields.map(\.description) == ["A: 1", "DATE: z", "B: 2"])
        fields.replaceAll(named: "C", with: ["3", "4"])
        #expect(fields.map(\.description) == ["A: 1", "DATE: z", "B: 2", "C: 3", "C: 4"])
        fields.removeAll(named: "c")
        #expect(fields.count == 3)
    }

    @Test("Codable as [[name, value]] keeps order and repeats")
    func codable() throws {
        let json = try JSONEncoderShim.encode(Self.sample)
        #expect(json.hasPrefix("[[\"Cache-Control\",\"max-age=60\"],[\"content-type\",\"text\\/html\"]")
                || json.hasPrefix("[[\"Cache-Control\",\"max-age=60\"],[\"content-type\",\"text/html\"]"))
        let decoded = try JSONEncoderShim.decode(HeaderFields.self, json)
        #expect(decoded == Self.sample)
    }

    @Test("decoding rejects a line that is not a pair")
    func decodeRejects() {
        #expect(throws: (any Error).self) { try JSONEncoderShim.decode(HeaderFields.self, "[[\"A\"]]") }
        #expect(throws: (any Error).self) { try JSONEncoderShim.decode(HeaderFields.self, "[[\"A\", 1]]") }
        #expect(throws: (any Error).self) { try JSONEncoderShim.decode(HeaderFields.self, "{\"A\": \"b\"}") }
    }

    @Test("a dictionary literal keeps repeated names in order")
    func dictionaryLiteralRepeats() {
        let fields: HeaderFields = ["Cache-Control": "max-age=60", "Cache-Control": "public"]
        #expect(fields.values(for: "cache-control") == ["max-age=60", "public"])
    }

    @Test("equality compares exact lines")
    func equality() {
        #expect(HeaderFields([("A", "1")]) == HeaderFields([("A", "1")]))
        #expect(HeaderFields([("A", "1")]) != HeaderFields([("a", "1")]))
        #expect(HeaderFields([("A", "1"), ("B", "2")]) != HeaderFields([("B", "2"), ("A", "1")]))
    }
}

import HTTPCaching
import Testing

/// `Accept` (RFC 9110 §12.5.1): the most specific covering range decides a type's weight.
@Suite("Accept field")
struct AcceptFieldTests {
    @Test("the most specific range that covers a type decides, whatever the order", arguments: [
        ("text/*, text/html;q=0", "text/html", false),
        ("text/html;q=0, text/*", "text/html", false),
        ("text/*, text/html;q=0", "text/plain", true),
        ("*/*;q=0, application/json", "application/json", true),
        ("*/*;q=0, application/json", "text/html", false),
        ("application/*;q=0.5, */*;q=0", "application/vnd.pypi.simple.v1+json", true),
        ("application/vnd.pypi.simple.v1+json", "application/vnd.pypi.simple.v1+html", false),
        ("TEXT/HTML", "text/html; charset=utf-8", true),
        ("text/html;level=1;q=0.000", "text/html", false),
        ("text/html;q=0.001", "text/html", true),
    ])
    func mostSpecificRangeDecides(accept: String, contentType: String, acceptable: Bool) {
        #expect(AcceptField.accepts(accept, contentType: contentType) == acceptable)
    }

    @Test("no Accept field accepts every well-formed type, and nothing accepts a malformed one")
    func absentField() {
        #expect(AcceptField.accepts(nil, contentType: "application/octet-stream"))
        #expect(!AcceptField.accepts(nil, contentType: ""))
        #expect(!AcceptField.accepts(nil, contentType: "html"))
        #expect(!AcceptField.accepts("*/*", contentType: "; charset=utf-8"))
    }

    @Test("malformed elements are skipped, a malformed weight counts as 1, and weights are clamped")
    func lenientParsing() {
        let field = AcceptField(" , text, /html, text/html;q=abc, application/json;q=7, image/png;q=-1")
        #expect(field.ranges.map { "\($0.type)/\($0.subtype)" } == ["text/html", "application/json", "image/png"])
        #expect(field.ranges.map(\.weight) == [1, 1, 0])
        #expect(field.preference(for: "text/html")! == (1, 2))
        #expect(field.preference(for: "text/plain") == nil)
    }
}

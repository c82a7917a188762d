import Testing
@testable import PythonPackaging

/// The WHATWG tokenizer subset (HTML Living Standard §13.2.5) used for index pages.
@Suite("HTML tokenizer")
struct IndexPageTokenizerTests {
    static func startTags(_ html: String) -> [HTMLStartTag] {
        HTMLTokenizer.tokens(in: Array(html.utf8)).compactMap {
            if case .startTag(let tag) = $0 { return tag } else { return nil }
        }
    }

    static func firstAttribute(_ html: String, _ name: String = "href") -> String? {
        startTags(html).first?[attribute: name]
    }

    static func text(_ html: String) -> String {
        HTMLTokenizer.tokens(in: Array(html.utf8)).map {
            if case .text(let text) = $0 { return text } else { return "" }
        }.joined()
    }

    struct AttributeCase: Sendable, CustomStringConvertible {
        var html: String
        var name: String
        var expected: String?
        var description: String { html }
    }

    @Test("attribute syntax: quoting, case, spacing, valueless, duplicates", arguments: [
        AttributeCase(html: #"<a href="x.whl">"#, name: "href", expected: "x.whl"),
        AttributeCase(html: "<a href='x.whl'>", name: "href", expected: "x.whl"),
        AttributeCase(html: "<a href=x.whl>", name: "href", expected: "x.whl"),
        AttributeCase(html: "<A HREF=x.whl>", name: "href", expected: "x.whl"),
        AttributeCase(html: #"<a Data-Requires-Python=">=3">"#, name: "data-requires-python", expected: ">=3"),
        AttributeCase(html: #"<a href = "x.whl" >"#, name: "href", expected: "x.whl"),
        AttributeCase(html: "<a\nhref\n=\n'x.whl'\n>", name: "href", expected: "x.whl"),
        AttributeCase(html: #"<a href="x.whl"/>"#, name: "href", expected: "x.whl"),
        AttributeCase(html: "<a href=x.whl/>", name: "href", expected: "x.whl/"),
        AttributeCase(html: "<a/href=x.whl>", name: "href", expected: "x.whl"),
        AttributeCase(html: #"<a href="x.whl"data-yanked>"#, name: "data-yanked", expected: ""),
        AttributeCase(html: "<a data-yanked href=x>", name: "data-yanked", expected: ""),
        AttributeCase(html: "<a data-yanked= >", name: "data-yanked", expected: ""),
        AttributeCase(html: "<a data-yanked=>", name: "data-yanked", expected: ""),
        AttributeCase(html: #"<a href="first" href="second">"#, name: "href", expected: "first"),
        AttributeCase(html: #"<a HREF="first" href="second">"#, name: "href", expected: "first"),
        AttributeCase(html: #"<a href="a>b">"#, name: "href", expected: "a>b"),
        AttributeCase(html: "<a href=\"it's\">", name: "href", expected: "it's"),
        AttributeCase(html: "<a href=a\"b'c<d=e`f>", name: "href", expected: "a\"b'c<d=e`f"),
        AttributeCase(html: "<a href=\"a\r\nb\rc\">", name: "href", expected: "a\nb\nc"),
        AttributeCase(html: "<a href=\"a\u{0}b\">", name: "href", expected: "a\u{FFFD}b"),
        AttributeCase(html: #"<a =x href=y>"#, name: "=x", expected: ""),
        AttributeCase(html: #"<a href="caf\#u{E9}.whl">"#, name: "href", expected: "caf\u{E9}.whl"),
        AttributeCase(html: #"<a href="x">"#, name: "class", expected: nil),
    ])
    func attributes(_ example: AttributeCase) {
        #expect(Self.firstAttribute(example.html, example.name) == example.expected)
    }

    struct ReferenceCase: Sendable, CustomStringConvertible {
        var raw: String
        var inAttribute: String
        var inText: String
        var description: String { raw }
    }

    @Test("character references in attributes and text (§13.2.5.72-80)", arguments: [
        ReferenceCase(raw: "&amp;&lt;&gt;&quot;&apos;", inAttribute: "&<>\"'", inText: "&<>\"'"),
        ReferenceCase(raw: "a&nbsp;b", inAttribute: "a\u{A0}b", inText: "a\u{A0}b"),
        ReferenceCase(raw: "&gt;=3.8", inAttribute: ">=3.8", inText: ">=3.8"),
        ReferenceCase(raw: "&#62;&#x3E;&#X3e;&#0062;", inAttribute: ">>>>", inText: ">>>>"),
        ReferenceCase(raw: "&#62 x", inAttribute: "> x", inText: "> x"),
        ReferenceCase(raw: "&gt", inAttribute: ">", inText: ">"),
        ReferenceCase(raw: "&gt x", inAttribute: "> x", inText: "> x"),
        ReferenceCase(raw: "&gt=3", inAttribute: "&gt=3", inText: ">=3"),
        ReferenceCase(raw: "?a=1&copy=2", inAttribute: "?a=1&copy=2", inText: "?a=1\u{A9}=2"),
        ReferenceCase(raw: "&copy2024", inAttribute: "&copy2024", inText: "\u{A9}2024"),
        ReferenceCase(raw: "&copy;2024", inAttribute: "\u{A9}2024", inText: "\u{A9}2024"),
        ReferenceCase(raw: "&notit;", inAttribute: "&notit;", inText: "\u{AC}it;"),
        ReferenceCase(raw: "&notin;", inAttribute: "\u{2209}", inText: "\u{2209}"),
        ReferenceCase(raw: "&CounterClockwiseContourIntegral;", inAttribute: "\u{2233}", inText: "\u{2233}"),
        ReferenceCase(raw: "&NotEqualTilde;", inAttribute: "\u{2242}\u{338}", inText: "\u{2242}\u{338}"),
        ReferenceCase(raw: "&bogus; & &; &#; &#x; &#xg;", inAttribute: "&bogus; & &; &#; &#x; &#xg;", inText: "&bogus; & &; &#; &#x; &#xg;"),
        ReferenceCase(raw: "&#0;&#xD800;&#x110000;&#99999999999999999999;", inAttribute: "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}", inText: "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"),
        ReferenceCase(raw: "&#128;&#x9F;&#x81;", inAttribute: "\u{20AC}\u{178}\u{81}", inText: "\u{20AC}\u{178}\u{81}"),
        ReferenceCase(raw: "&#x1F600;", inAttribute: "\u{1F600}", inText: "\u{1F600}"),
        ReferenceCase(raw: "&AMP;&Amp;", inAttribute: "&&Amp;", inText: "&&Amp;"),
    ])
    func characterReferences(_ example: ReferenceCase) {
        #expect(Self.firstAttribute("<a title=\"\(example.raw)\">", "title") == example.inAttribute)
        #expect(Self.text("<p>\(example.raw)</p>") == example.inText)
    }

    @Test("data-requires-python decodes legacy references as pip does, other attributes as WHATWG")
    func requiresPythonLegacyReference() {
        var values: [String: String] = [:]
        let html = #"<a href="?a&gt=1" data-requires-python="&gt=3.8, &lt=4">"#
        HTMLTokenizer.forEachToken(in: Array(html.utf8), includeText: false, attributesDecodedAsText: ["data-requires-python"]) {
            if case .startTag(let tag) = $0 { for attribute in tag.attributes { values[attribute.name] = attribute.value } }
        }
        #expect(values == ["href": "?a&gt=1", "data-requires-python": ">=3.8, <=4"])
    }

    @Test("token kinds: doctype, comments, bogus comments, end tags")
    func tokenKinds() {
        let html = "<!DOCTYPE html><?xml version=\"1.0\"?><html><!-- c --><!--TIMESTAMP 1700000000--><br></BR></a href=x></><![CDATA[x]]><!x></html>"
        #expect(HTMLTokenizer.tokens(in: Array(html.utf8)) == [
            .doctype(name: "html"),
            .comment("?xml version=\"1.0\"?"),
            .startTag(HTMLStartTag(name: "html")),
            .comment(" c "),
            .comment("TIMESTAMP 1700000000"),
            .startTag(HTMLStartTag(name: "br")),
            .endTag(name: "br"),
            .endTag(name: "a"),
            .comment("[CDATA[x]]"),
            .comment("x"),
            .endTag(name: "html"),
        ])
    }

    @Test("comment endings (§13.2.5.43-52)", arguments: [
        ("<!---->", ""), ("<!-->", ""), ("<!--->", ""), ("<!-- a -- b -->", " a -- b "), ("<!-- a --!>", " a "),
        ("<!-- <a href=x> -->", " <a href=x> "), ("<!-- x <!-->", " x <!"), ("<!-- a --->", " a -"), ("<!-- open", " open"),
        ("<!-- open--", " open"),
    ])
    func comments(_ html: String, _ expected: String) {
        #expect(HTMLTokenizer.tokens(in: Array(html.utf8)) == [.comment(expected)])
    }

    @Test("anchors inside comments, script, style, title and textarea are not tags")
    func hiddenAnchors() {
        let html = """
        <title>Links &amp; <a href=t></title>
        <script>var s = "<a href='s'>"; if (a </b) {}</script >
        <style><a href=st></style>
        <textarea><a href=ta></textarea>
        <!-- <a href=c> -->
        <a href=visible>
        <SCRIPT type=x><a href=s2></ScRiPt>
        """
        let hrefs = Self.startTags(html).compactMap { $0[attribute: "href"] }
        #expect(hrefs == ["visible"])
        #expect(Self.text("<title>A &amp; <b>B</title>") == "A & <b>B")
        #expect(Self.text("<script>a &amp; <b></script>") == "a &amp; <b>")
    }

    @Test("plaintext swallows the rest; an unclosed script is all text")
    func plaintextAndUnclosedRawText() {
        #expect(Self.startTags("<plaintext><a href=x>").map(\.name) == ["plaintext"])
        #expect(Self.startTags("<script><a href=x>").map(\.name) == ["script"])
        #expect(Self.text("<script><a href=x>") == "<a href=x>")
    }

    @Test("text: stray < and &, CR LF normalization")
    func textRules() {
        #expect(Self.text("a < b <3 <> x") == "a < b <3 <> x")
        #expect(HTMLTokenizer.tokens(in: Array("a</ b>c".utf8)) == [.text("a"), .comment(" b"), .text("c")])
        #expect(Self.text("a\r\nb\rc") == "a\nb\nc")
        #expect(Self.text("x</") == "x</")
        #expect(Self.text("x<") == "x<")
    }

    @Test("a tag cut off by the end of input is dropped (eof-in-tag)", arguments: [
        #"<a href="x"#, "<a href=x", "<a href", "<a", "<a href=\"x\" ", "<a href='x'/", "</a", "<a href=\"x\" data-yanked",
    ])
    func truncatedTag(_ html: String) {
        #expect(HTMLTokenizer.tokens(in: Array(("<p>" + html).utf8)) == [.startTag(HTMLStartTag(name: "p"))])
    }

    @Test("invalid UTF-8 becomes U+FFFD, never a crash")
    func invalidUTF8() {
        var bytes = Array("<a href=\"x".utf8)
        bytes += [0xFF, 0xC3, 0x28, 0xE2, 0x82]
        bytes += Array("y\">\u{FEFF}".utf8)
        guard case .startTag(let tag)? = HTMLTokenizer.tokens(in: bytes).first else {
            Issue.record("no start tag")
            return
        }
        #expect(tag[attribute: "href"] == "x\u{FFFD}\u{FFFD}(\u{FFFD}y")
    }

    @Test("a UTF-8 byte order mark is skipped")
    func byteOrderMark() {
        #expect(HTMLTokenizer.tokens(in: [0xEF, 0xBB, 0xBF] + Array("<a>".utf8)) == [.startTag(HTMLStartTag(name: "a"))])
    }

    @Test("10,000-character tag and attribute names and values")
    func longNames() {
        let long = String(repeating: "x", count: 10_000)
        let tags = Self.startTags("<\(long) \(long)=\(long)><a href=\"\(long)\">")
        #expect(tags.count == 2)
        #expect(tags[0].name == long)
        #expect(tags[0][attribute: long] == long)
        #expect(tags[1][attribute: "href"] == long)
    }
}

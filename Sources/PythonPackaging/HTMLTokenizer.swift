// A small, tolerant HTML tokenizer for index pages.
//
// It follows the WHATWG HTML Living Standard, §13.2.5 "Tokenization", for the parts an index page
// needs: start and end tags with attributes (quoted, unquoted, valueless, uppercase), comments
// (including the abrupt `<!-->` forms and `--!>`), DOCTYPE, bogus comments (`<?…>`, `<!…>`, `</ …>`),
// character references (named with the legacy no-semicolon rule, decimal and hex), and the text
// modes that the tree builder would switch to for `<script>`, `<style>` & co. (RAWTEXT), `<title>`
// and `<textarea>` (RCDATA) and `<plaintext>`. It is not a tree builder: no implied end tags, no
// foster parenting, no foreign content (`<![CDATA[` is always a bogus comment).
//
// It works on UTF-8 bytes. Every byte that matters to the state machine is ASCII, so multi-byte
// sequences pass through untouched; strings are made only for tag names, attribute names and
// values (and text when asked for), and invalid UTF-8 in them becomes U+FFFD.

/// One token produced by ``HTMLTokenizer``.
public enum HTMLToken: Sendable, Hashable {
    /// `<!DOCTYPE name …>`; the name lowercased (empty when missing).
    case doctype(name: String)
    /// A start tag such as `<a href=…>`.
    case startTag(HTMLStartTag)
    /// An end tag such as `</a>`; the name lowercased. Attributes on end tags are parsed and dropped.
    case endTag(name: String)
    /// A comment's text, e.g. ` TIMESTAMP 1700000000 ` for `<!-- TIMESTAMP 1700000000 -->`.
    case comment(String)
    /// Character data between tags with character references decoded (only when text is requested).
    case text(String)
}

/// One attribute of a start tag: name lowercased, value with character references decoded.
public struct HTMLAttribute: Sendable, Hashable {
    /// The attribute name, ASCII-lowercased.
    public var name: String
    /// The value with character references decoded; empty for an attribute without a value.
    public var value: String

    /// Creates an attribute from a name and a decoded value.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A start tag with its attributes in source order.
///
/// Duplicate attributes are dropped, the first occurrence wins (WHATWG §13.2.5.33, "attribute name
/// state": "if there is already an attribute on the token with the exact same name, then this is a
/// duplicate-attribute parse error and the new attribute must be removed from the token").
public struct HTMLStartTag: Sendable, Hashable {
    /// The tag name, ASCII-lowercased.
    public var name: String
    /// The attributes in source order, duplicates dropped (the first occurrence wins).
    public var attributes: [HTMLAttribute]
    /// Whether the tag ended in `/>` (meaningless in HTML, recorded for completeness).
    public var isSelfClosing: Bool

    /// Creates a start tag.
    public init(name: String, attributes: [HTMLAttribute] = [], isSelfClosing: Bool = false) {
        self.name = name
        self.attributes = attributes
        self.isSelfClosing = isSelfClosing
    }

    /// The value of the attribute called `name` (lowercase), or `nil` when absent.
    /// A valueless attribute (`<a data-yanked>`) has the value `""`.
    public subscript(attribute name: String) -> String? {
        for attribute in attributes where attribute.name == name {
            return attribute.value
        }
        return nil
    }
}

/// A tolerant HTML tokenizer over UTF-8 bytes (WHATWG HTML §13.2.5, restricted to what index pages need).
///
/// Never fails and never traps: any byte sequence yields some tokens. A tag cut off by the end of
/// the input is dropped, as the standard says ("eof-in-tag parse error … emit an end-of-file token").
public enum HTMLTokenizer {
    /// All tokens of `bytes`, in order. Text tokens are included when `includeText` is true.
    public static func tokens(in bytes: [UInt8], includeText: Bool = true) -> [HTMLToken] {
        var tokens: [HTMLToken] = []
        forEachToken(in: bytes, includeText: includeText) { tokens.append($0) }
        return tokens
    }

    /// Calls `body` with each token of `bytes`, in order.
    ///
    /// With `includeText: false` character data is skipped without being decoded, which is what an
    /// index-page parser wants (it only looks at tags).
    public static func forEachToken(
        in bytes: [UInt8], includeText: Bool = true, _ body: (HTMLToken) -> Void
    ) {
        forEachToken(in: bytes, includeText: includeText, attributesDecodedAsText: [], body)
    }

    /// `attributesDecodedAsText`: lowercase names of attributes whose values decode character
    /// references as text does, without the attribute rule that leaves `&gt=` alone (§13.2.5.73:
    /// a legacy reference without `;` followed by `=` or an alphanumeric is not decoded "for
    /// historical reasons" — meant for URLs such as `?a=1&copy=2`). An index page's
    /// `data-requires-python="&gt=3.8"` means `>=3.8`, which is also how pip (Python's
    /// `html.unescape`) reads it.
    static func forEachToken(
        in bytes: [UInt8], includeText: Bool, attributesDecodedAsText: [String], _ body: (HTMLToken) -> Void
    ) {
        bytes.withUnsafeBufferPointer { buffer in
            var machine = HTMLTokenizerMachine(buffer: buffer, includeText: includeText)
            machine.attributesDecodedAsText = attributesDecodedAsText.map { Array($0.utf8) }
            machine.run(body)
        }
    }
}

// MARK: - The state machine

private let tab: UInt8 = 0x09, lf: UInt8 = 0x0A, ff: UInt8 = 0x0C, cr: UInt8 = 0x0D, space: UInt8 = 0x20
private let bang: UInt8 = 0x21, dquote: UInt8 = 0x22, hash: UInt8 = 0x23, amp: UInt8 = 0x26, squote: UInt8 = 0x27
private let dash: UInt8 = 0x2D, slash: UInt8 = 0x2F, semicolon: UInt8 = 0x3B, lt: UInt8 = 0x3C
private let equals: UInt8 = 0x3D, gt: UInt8 = 0x3E, question: UInt8 = 0x3F
private let replacementCharacter: [UInt8] = [0xEF, 0xBF, 0xBD]

@inline(__always) private func isHTMLWhitespace(_ c: UInt8) -> Bool {
    // Tokenizer whitespace: TAB, LF, FF, SPACE (CR has become LF in input preprocessing).
    c == space || c == lf || c == tab || c == ff || c == cr
}
@inline(__always) private func isASCIIAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
@inline(__always) private func isASCIIDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
@inline(__always) private func isASCIIAlphanumeric(_ c: UInt8) -> Bool { isASCIIAlpha(c) || isASCIIDigit(c) }
@inline(__always) private func isASCIIHexDigit(_ c: UInt8) -> Bool {
    isASCIIDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66)
}
@inline(__always) private func asciiLowercased(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }

/// How the content after a start tag is tokenized (the tree builder's switch, §13.2.6.4.4 "in head" / "in body").
private enum TextMode {
    case rawText   // script, style, xmp, iframe, noembed, noframes: no tags, no character references
    case rcdata    // title, textarea: no tags, character references decoded
    case plaintext // everything to the end is text
}

private func textMode(forStartTag name: String) -> TextMode? {
    guard name.utf8.count >= 3 else { return nil }   // a, br, td…: the common case, decided without comparisons
    switch name {
    case "script", "style", "xmp", "iframe", "noembed", "noframes": return .rawText
    case "title", "textarea": return .rcdata
    case "plaintext": return .plaintext
    default: return nil
    }
}

/// Attribute names of index pages, longer than Swift's 15-byte small-string limit most of them:
/// sharing one String each saves an allocation per attribute.
private let commonAttributeNames: [(bytes: [UInt8], name: String)] = [
    "href", "data-requires-python", "data-yanked", "data-core-metadata", "data-dist-info-metadata",
    "data-gpg-sig", "name", "content", "rel", "class", "id",
].map { (Array($0.utf8), $0) }

@inline(__always)
private func internedAttributeName(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
    for entry in commonAttributeNames where entry.bytes.count == bytes.count && entry.bytes.elementsEqual(bytes) {
        return entry.name
    }
    return nil
}

/// What `<` at the current position turned out to be.
private enum TagOpenResult {
    case token(HTMLToken)
    /// Consumed without a token (`</>`, a tag cut off by the end of input).
    case nothing
    /// Not markup: the first `count` bytes are character data.
    case literalText(count: Int)
}

private struct HTMLTokenizerMachine {
    let buffer: UnsafeBufferPointer<UInt8>
    let end: Int
    let includeText: Bool
    var position = 0
    /// Pending character data, flushed as one `.text` token before the next other token.
    var text: [UInt8] = []
    /// Reused buffer for names and values that need decoding.
    var scratch: [UInt8] = []
    /// See ``HTMLTokenizer/forEachToken(in:includeText:attributesDecodedAsText:_:)``.
    var attributesDecodedAsText: [[UInt8]] = []

    init(buffer: UnsafeBufferPointer<UInt8>, includeText: Bool) {
        self.buffer = buffer
        self.end = buffer.count
        self.includeText = includeText
        scratch.reserveCapacity(256)
    }

    mutating func run(_ emit: (HTMLToken) -> Void) {
        // A UTF-8 byte order mark is not content (WHATWG Encoding, "decode").
        if end >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { position = 3 }
        while position < end {
            if buffer[position] != lt {
                consumeData()
                continue
            }
            switch tagOpen() {
            case .literalText(let count):
                if includeText { text.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[position..<position + count])) }
                position += count
            case .nothing:
                break
            case .token(let token):
                flushText(emit)
                emit(token)
                if case .startTag(let tag) = token, let mode = textMode(forStartTag: tag.name) {
                    consumeText(mode: mode, endTagName: tag.name)
                }
            }
        }
        flushText(emit)
    }

    mutating func flushText(_ emit: (HTMLToken) -> Void) {
        guard includeText, !text.isEmpty else { return }
        emit(.text(String(decoding: text, as: UTF8.self)))
        text.removeAll(keepingCapacity: true)
    }

    /// Data state (§13.2.5.1) up to the next `<`.
    mutating func consumeData() {
        var p = position
        if !includeText {
            while p < end && buffer[p] != lt { p += 1 }
            position = p
            return
        }
        while p < end {
            let c = buffer[p]
            if c == lt { break }
            if c == amp {
                p = decodeCharacterReference(at: p, inAttribute: false, into: &text)
            } else if c == cr {
                // Input preprocessing (§13.2.3.5): CR LF and lone CR become LF.
                text.append(lf)
                p += 1
                if p < end && buffer[p] == lf { p += 1 }
            } else {
                text.append(c)
                p += 1
            }
        }
        position = p
    }

    /// RAWTEXT / RCDATA / PLAINTEXT content after a start tag, up to the "appropriate end tag"
    /// (§13.2.5.12–13: `</` + the element name, case-insensitively, then whitespace, `/` or `>`).
    mutating func consumeText(mode: TextMode, endTagName: String) {
        let start = position
        var stop = end
        if mode != .plaintext {
            let name = Array(endTagName.utf8)
            var p = start
            search: while p + 1 < end {
                if buffer[p] == lt && buffer[p + 1] == slash {
                    var q = p + 2
                    var matched = true
                    for expected in name {
                        if q >= end || asciiLowercased(buffer[q]) != expected { matched = false; break }
                        q += 1
                    }
                    if matched && q < end && (isHTMLWhitespace(buffer[q]) || buffer[q] == slash || buffer[q] == gt) {
                        stop = p
                        break search
                    }
                }
                p += 1
            }
        }
        if includeText {
            if mode == .rcdata {
                var p = start
                while p < stop {
                    if buffer[p] == amp {
                        p = decodeCharacterReference(at: p, inAttribute: false, into: &text, limit: stop)
                    } else {
                        appendNormalized(buffer[p], at: &p, into: &text)
                    }
                }
            } else {
                var p = start
                while p < stop { appendNormalized(buffer[p], at: &p, into: &text) }
            }
        }
        position = stop
    }

    /// Appends one input byte with CR LF / CR → LF and NUL → U+FFFD, advancing `p`.
    @inline(__always)
    func appendNormalized(_ c: UInt8, at p: inout Int, into out: inout [UInt8]) {
        p += 1
        if c == cr {
            out.append(lf)
            if p < end && buffer[p] == lf { p += 1 }
        } else if c == 0 {
            out.append(contentsOf: replacementCharacter)
        } else {
            out.append(c)
        }
    }

    // MARK: Tags

    /// Tag open state (§13.2.5.6), with `buffer[position] == "<"`.
    mutating func tagOpen() -> TagOpenResult {
        let next = position + 1
        guard next < end else { return .literalText(count: 1) }   // eof-before-tag-name
        let c = buffer[next]
        if isASCIIAlpha(c) {
            return tag(nameStart: next, isEndTag: false)
        }
        switch c {
        case bang:
            return markupDeclaration(at: next + 1)
        case slash:
            // End tag open state (§13.2.5.7).
            let afterSlash = next + 1
            guard afterSlash < end else { return .literalText(count: 2) }   // eof-before-tag-name: "</" is text
            let d = buffer[afterSlash]
            if isASCIIAlpha(d) { return tag(nameStart: afterSlash, isEndTag: true) }
            if d == gt {   // missing-end-tag-name: `</>` is ignored
                position = afterSlash + 1
                return .nothing
            }
            return bogusComment(dataStart: afterSlash)   // invalid-first-character-of-tag-name
        case question:
            return bogusComment(dataStart: next)   // unexpected-question-mark-instead-of-tag-name
        default:
            return .literalText(count: 1)   // invalid-first-character-of-tag-name: `<` is text
        }
    }

    /// Tag name state through the attribute states (§13.2.5.8, §13.2.5.32–40).
    mutating func tag(nameStart: Int, isEndTag: Bool) -> TagOpenResult {
        var p = nameStart
        scratch.removeAll(keepingCapacity: true)
        while p < end {
            let c = buffer[p]
            if isHTMLWhitespace(c) || c == slash || c == gt { break }
            if c == 0 { scratch.append(contentsOf: replacementCharacter) } else { scratch.append(asciiLowercased(c)) }
            p += 1
        }
        let name = String(decoding: scratch, as: UTF8.self)
        var attributes: [HTMLAttribute] = []
        var selfClosing = false

        while true {
            // Before attribute name state (§13.2.5.32).
            while p < end && isHTMLWhitespace(buffer[p]) { p += 1 }
            guard p < end else { return eofInTag() }
            let c = buffer[p]
            if c == gt {
                p += 1
                break
            }
            if c == slash {
                // Self-closing start tag state (§13.2.5.40).
                guard p + 1 < end else { return eofInTag() }
                if buffer[p + 1] == gt {
                    selfClosing = true
                    p += 2
                    break
                }
                p += 1   // unexpected-solidus-in-tag: reconsume in before attribute name
                continue
            }
            // Attribute name state (§13.2.5.33). The first character is taken whatever it is, so a
            // leading "=" is part of the name (unexpected-equals-sign-before-attribute-name).
            let attributeNameStart = p
            p += 1
            var nameNeedsCopy = (c >= 0x41 && c <= 0x5A) || c == 0
            while p < end {
                let d = buffer[p]
                if isHTMLWhitespace(d) || d == slash || d == gt || d == equals { break }
                if (d >= 0x41 && d <= 0x5A) || d == 0 { nameNeedsCopy = true }
                p += 1
            }
            let attributeNameEnd = p
            // After attribute name state (§13.2.5.34).
            while p < end && isHTMLWhitespace(buffer[p]) { p += 1 }
            guard p < end else { return eofInTag() }
            var value = ""
            if buffer[p] == equals {
                p += 1
                // Before attribute value state (§13.2.5.35).
                while p < end && isHTMLWhitespace(buffer[p]) { p += 1 }
                guard p < end else { return eofInTag() }
                let q = buffer[p]
                if q == dquote || q == squote {
                    // Attribute value (double-/single-quoted) state (§13.2.5.36–37).
                    guard let (decoded, next) = attributeValue(
                        from: p + 1, quote: q, keep: !isEndTag, asText: decodesAsText(attributeNameStart..<attributeNameEnd)
                    ) else {
                        return eofInTag()
                    }
                    value = decoded
                    p = next
                    // After attribute value (quoted) state (§13.2.5.39): anything but whitespace, "/" or ">"
                    // is missing-whitespace-between-attributes and is reconsumed as a new attribute.
                } else if q != gt {
                    // Attribute value (unquoted) state (§13.2.5.38); ">" here is missing-attribute-value.
                    guard let (decoded, next) = attributeValue(
                        from: p, quote: nil, keep: !isEndTag, asText: decodesAsText(attributeNameStart..<attributeNameEnd)
                    ) else {
                        return eofInTag()
                    }
                    value = decoded
                    p = next
                }
            }
            if !isEndTag {
                let attributeName: String
                if nameNeedsCopy {
                    scratch.removeAll(keepingCapacity: true)
                    for i in attributeNameStart..<attributeNameEnd {
                        let d = buffer[i]
                        if d == 0 { scratch.append(contentsOf: replacementCharacter) } else { scratch.append(asciiLowercased(d)) }
                    }
                    attributeName = String(decoding: scratch, as: UTF8.self)
                } else {
                    let bytes = UnsafeBufferPointer(rebasing: buffer[attributeNameStart..<attributeNameEnd])
                    attributeName = internedAttributeName(bytes) ?? String(decoding: bytes, as: UTF8.self)
                }
                if !attributes.contains(where: { $0.name == attributeName }) {   // duplicate-attribute: first wins
                    attributes.append(HTMLAttribute(name: attributeName, value: value))
                }
            }
        }
        position = p
        if isEndTag { return .token(.endTag(name: name)) }
        return .token(.startTag(HTMLStartTag(name: name, attributes: attributes, isSelfClosing: selfClosing)))
    }

    /// Whether the attribute named by the bytes in `range` is one of ``attributesDecodedAsText``.
    func decodesAsText(_ range: Range<Int>) -> Bool {
        for name in attributesDecodedAsText where name.count == range.count {
            if zip(name, range).allSatisfy({ $0 == asciiLowercased(buffer[$1]) }) { return true }
        }
        return false
    }

    /// eof-in-tag (§13.2.5.32 and neighbours): the unfinished tag is dropped.
    mutating func eofInTag() -> TagOpenResult {
        position = end
        return .nothing
    }

    /// Reads an attribute value starting at `start`, up to `quote` (consumed) or, unquoted, up to
    /// whitespace or `>` (not consumed). Returns `nil` when the input ends first.
    mutating func attributeValue(from start: Int, quote: UInt8?, keep: Bool, asText: Bool) -> (String, Int)? {
        var p = start
        var needsDecoding = false
        if let quote {
            while p < end {
                let c = buffer[p]
                if c == quote { break }
                if c == amp || c == cr || c == 0 { needsDecoding = true }
                p += 1
            }
            guard p < end else { return nil }
        } else {
            while p < end {
                let c = buffer[p]
                if isHTMLWhitespace(c) || c == gt { break }
                if c == amp || c == 0 { needsDecoding = true }
                p += 1
            }
            guard p < end else { return nil }
        }
        let valueEnd = p
        let next = quote == nil ? valueEnd : valueEnd + 1
        guard keep else { return ("", next) }
        if !needsDecoding {
            return (String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<valueEnd]), as: UTF8.self), next)
        }
        scratch.removeAll(keepingCapacity: true)
        var i = start
        while i < valueEnd {
            let c = buffer[i]
            if c == amp {
                i = decodeCharacterReference(at: i, inAttribute: !asText, into: &scratch, limit: valueEnd)
            } else {
                appendNormalized(c, at: &i, into: &scratch)
            }
        }
        return (String(decoding: scratch, as: UTF8.self), next)
    }

    // MARK: Markup declarations and comments

    /// Markup declaration open state (§13.2.5.42), just after `<!`.
    mutating func markupDeclaration(at start: Int) -> TagOpenResult {
        if start + 1 < end && buffer[start] == dash && buffer[start + 1] == dash {
            return comment(dataStart: start + 2)
        }
        if matchesCaseInsensitively("doctype", at: start) {
            return doctype(at: start + 7)
        }
        // `[CDATA[` outside foreign content is cdata-in-html-content: a bogus comment (data "[CDATA[…").
        return bogusComment(dataStart: start)   // incorrectly-opened-comment
    }

    func matchesCaseInsensitively(_ word: StaticString, at start: Int) -> Bool {
        let count = word.utf8CodeUnitCount
        guard start + count <= end else { return false }
        let letters = word.utf8Start
        for i in 0..<count where asciiLowercased(buffer[start + i]) != letters[i] { return false }
        return true
    }

    /// Comment start state through comment end states (§13.2.5.43–52).
    ///
    /// Equivalent to: `<!-->` and `<!--->` are empty comments (abrupt-closing-of-empty-comment);
    /// otherwise the comment ends at the first `-->` or `--!>` (incorrectly-closed-comment), or at
    /// the end of the input (eof-in-comment, the comment is still emitted).
    mutating func comment(dataStart: Int) -> TagOpenResult {
        var p = dataStart
        if p < end && buffer[p] == gt {
            position = p + 1
            return .token(.comment(""))
        }
        if p + 1 < end && buffer[p] == dash && buffer[p + 1] == gt {
            position = p + 2
            return .token(.comment(""))
        }
        while p + 2 < end {
            if buffer[p] == dash && buffer[p + 1] == dash {
                if buffer[p + 2] == gt {
                    position = p + 3
                    return .token(.comment(decodedText(dataStart..<p)))
                }
                if buffer[p + 2] == bang && p + 3 < end && buffer[p + 3] == gt {
                    position = p + 4
                    return .token(.comment(decodedText(dataStart..<p)))
                }
            }
            p += 1
        }
        position = end
        // eof-in-comment: trailing dashes belong to the unfinished comment end, not to its data.
        var dataEnd = end
        var trailingDashes = 0
        while dataEnd > dataStart && buffer[dataEnd - 1] == dash && trailingDashes < 2 { dataEnd -= 1; trailingDashes += 1 }
        return .token(.comment(decodedText(dataStart..<dataEnd)))
    }

    /// Bogus comment state (§13.2.5.41): everything up to the next `>` (or the end).
    mutating func bogusComment(dataStart: Int) -> TagOpenResult {
        var p = dataStart
        while p < end && buffer[p] != gt { p += 1 }
        let data = decodedText(dataStart..<p)
        position = p < end ? p + 1 : end
        return .token(.comment(data))
    }

    /// DOCTYPE states (§13.2.5.53–68). Every DOCTYPE state emits on `>`, even inside a quoted
    /// public or system identifier (abrupt-doctype-…-identifier), so the token ends at the first `>`.
    mutating func doctype(at start: Int) -> TagOpenResult {
        var p = start
        while p < end && isHTMLWhitespace(buffer[p]) { p += 1 }
        let nameStart = p
        while p < end && !isHTMLWhitespace(buffer[p]) && buffer[p] != gt { p += 1 }
        var nameBytes: [UInt8] = []
        nameBytes.reserveCapacity(p - nameStart)
        for i in nameStart..<p { nameBytes.append(asciiLowercased(buffer[i])) }
        while p < end && buffer[p] != gt { p += 1 }
        position = p < end ? p + 1 : end
        return .token(.doctype(name: String(decoding: nameBytes, as: UTF8.self)))
    }

    /// The bytes of `range` as a string, CR LF → LF and NUL → U+FFFD.
    func decodedText(_ range: Range<Int>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var p = range.lowerBound
        while p < range.upperBound { appendNormalized(buffer[p], at: &p, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Character references (§13.2.5.72–80)

    /// Decodes the character reference at `start` (`buffer[start] == "&"`) into `out`; returns the
    /// position after what was consumed. When no reference matches, `&` is copied and decoding
    /// resumes right after it (the following characters are ordinary text).
    func decodeCharacterReference(at start: Int, inAttribute: Bool, into out: inout [UInt8], limit: Int? = nil) -> Int {
        let limit = limit ?? end
        let p = start + 1
        guard p < limit else {
            out.append(amp)
            return p
        }
        if buffer[p] == hash {
            return decodeNumericReference(at: start, into: &out, limit: limit)
        }
        guard isASCIIAlphanumeric(buffer[p]) else {
            out.append(amp)
            return p
        }
        // Named character reference state (§13.2.5.73): the longest name in the table that is a
        // prefix of the input. Names are alphanumeric; a `name;` entry can only match the whole
        // alphanumeric run followed by ";", a legacy entry (no ";") can match any prefix of it.
        var runEnd = p
        let maximum = HTMLNamedCharacterReferences.maximumNameLength
        while runEnd < limit && runEnd - p <= maximum && isASCIIAlphanumeric(buffer[runEnd]) { runEnd += 1 }
        let runLength = runEnd - p
        let table = HTMLNamedCharacterReferences.table
        if runEnd < limit && buffer[runEnd] == semicolon && runLength <= maximum {
            if let value = fastNamedReference(p, runLength) ?? table.withSemicolon[bytesString(p..<runEnd)] {
                out.append(contentsOf: value.utf8)
                return runEnd + 1
            }
        }
        var length = min(runLength, HTMLNamedCharacterReferences.maximumLegacyNameLength)
        while length >= 2 {
            if let value = table.legacy[bytesString(p..<p + length)] {
                let after = p + length
                // "If the character reference was consumed as part of an attribute, and the last
                // character matched is not a ';', and the next input character is either '=' or an
                // ASCII alphanumeric, then … flush code points consumed as a character reference."
                if inAttribute && after < limit && (buffer[after] == equals || isASCIIAlphanumeric(buffer[after])) {
                    break
                }
                out.append(contentsOf: value.utf8)
                return after
            }
            length -= 1
        }
        // No match: the "&" and what follows are text (ambiguous ampersand state).
        out.append(amp)
        return p
    }

    /// The five references that index pages use constantly, without a dictionary lookup.
    @inline(__always)
    func fastNamedReference(_ p: Int, _ length: Int) -> String? {
        switch length {
        case 2:
            if buffer[p + 1] == 0x74 {   // "t"
                if buffer[p] == 0x67 { return ">" }
                if buffer[p] == 0x6C { return "<" }
            }
        case 3:
            if buffer[p] == 0x61 && buffer[p + 1] == 0x6D && buffer[p + 2] == 0x70 { return "&" }
        case 4:
            if buffer[p] == 0x71 && buffer[p + 1] == 0x75 && buffer[p + 2] == 0x6F && buffer[p + 3] == 0x74 { return "\"" }
        default:
            break
        }
        return nil
    }

    func bytesString(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
    }

    /// Numeric character reference states (§13.2.5.75–80).
    func decodeNumericReference(at start: Int, into out: inout [UInt8], limit: Int) -> Int {
        var p = start + 2   // after "&#"
        var isHex = false
        if p < limit && (buffer[p] == 0x78 || buffer[p] == 0x58) {   // "x" / "X"
            isHex = true
            p += 1
        }
        let digitsStart = p
        var value: UInt32 = 0
        while p < limit {
            let c = buffer[p]
            let digit: UInt32
            if isASCIIDigit(c) {
                digit = UInt32(c - 0x30)
            } else if isHex && isASCIIHexDigit(c) {
                digit = UInt32((c | 0x20) - 0x61 + 10)
            } else {
                break
            }
            // Keep accumulating past the maximum without overflowing: the result is out of range anyway.
            value = min(value &* (isHex ? 16 : 10) &+ digit, 0x110000)
            p += 1
        }
        if p == digitsStart {
            // absence-of-digits-in-numeric-character-reference: "&#" (and "x") are text.
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<digitsStart]))
            return digitsStart
        }
        if p < limit && buffer[p] == semicolon { p += 1 }   // else missing-semicolon-after-character-reference
        appendScalar(numericReferenceScalar(value), into: &out)
        return p
    }

    func appendScalar(_ scalar: Unicode.Scalar, into out: inout [UInt8]) {
        UTF8.encode(scalar) { out.append($0) }
    }
}

/// Numeric character reference end state (§13.2.5.80): the scalar a decoded number stands for.
private func numericReferenceScalar(_ value: UInt32) -> Unicode.Scalar {
    // null-character-reference, character-reference-outside-unicode-range, surrogate-character-reference
    if value == 0 || value > 0x10FFFF || (0xD800...0xDFFF).contains(value) {
        return "\u{FFFD}"
    }
    // control-character-reference in 0x80–0x9F: the windows-1252 interpretation.
    if value >= 0x80 && value <= 0x9F, let mapped = windows1252C1[Int(value - 0x80)] {
        return mapped
    }
    return Unicode.Scalar(value) ?? "\u{FFFD}"
}

private let windows1252C1: [Unicode.Scalar?] = [
    "\u{20AC}", nil, "\u{201A}", "\u{0192}", "\u{201E}", "\u{2026}", "\u{2020}", "\u{2021}",
    "\u{02C6}", "\u{2030}", "\u{0160}", "\u{2039}", "\u{0152}", nil, "\u{017D}", nil,
    nil, "\u{2018}", "\u{2019}", "\u{201C}", "\u{201D}", "\u{2022}", "\u{2013}", "\u{2014}",
    "\u{02DC}", "\u{2122}", "\u{0161}", "\u{203A}", "\u{0153}", nil, "\u{017E}", "\u{0178}",
]

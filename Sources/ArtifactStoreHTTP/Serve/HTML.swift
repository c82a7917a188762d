/// A small typed HTML builder for serve's web pages (ARCHITECTURE.md §7, "Web pages").
///
/// Every string that enters a page goes through ``HTML/text(_:)`` or an attribute value, and both
/// are escaped when rendered: filenames, headers and page bodies come from upstreams and are
/// hostile input, so there is no way to splice raw markup in (``trusted(_:)`` takes only
/// compile-time constants). Element and attribute names are literals at the call sites of this
/// module, never data.
struct HTML: Sendable {
    fileprivate enum Node: Sendable {
        case text(String)
        case trusted(StaticString)
        case element(name: String, attributes: [(String, String)], children: [HTML])
        case fragment([HTML])
    }

    fileprivate let node: Node

    /// Text, escaped.
    static func text(_ string: String) -> HTML { HTML(node: .text(string)) }

    /// Markup written as is: only for constants of this module (the style sheet, whose `<style>`
    /// element browsers do not unescape), never for data.
    static func trusted(_ markup: StaticString) -> HTML { HTML(node: .trusted(markup)) }

    /// Several nodes, one after another.
    static func fragment(_ children: [HTML]) -> HTML { HTML(node: .fragment(children)) }

    /// Nothing.
    static let empty = HTML(node: .fragment([]))

    /// An element; attribute values are escaped.
    static func element(_ name: String, _ attributes: [(String, String)] = [], _ children: [HTML] = []) -> HTML {
        HTML(node: .element(name: name, attributes: attributes, children: children))
    }

    /// The document: `<!DOCTYPE html>` then this node.
    func document() -> String {
        var out = "<!DOCTYPE html>\n"
        render(into: &out)
        return out
    }

    /// The markup of this node.
    func render(into out: inout String) {
        switch node {
        case .text(let string):
            Self.escape(string, into: &out)
        case .trusted(let markup):
            out += markup.description
        case .fragment(let children):
            for child in children { child.render(into: &out) }
        case .element(let name, let attributes, let children):
            out += "<"
            out += name
            for (attribute, value) in attributes {
                out += " "
                out += attribute
                out += "=\""
                Self.escape(value, into: &out)
                out += "\""
            }
            out += ">"
            if Self.voidElements.contains(name) { return }
            for child in children { child.render(into: &out) }
            out += "</"
            out += name
            out += ">"
        }
    }

    var rendered: String {
        var out = ""
        render(into: &out)
        return out
    }

    private static let voidElements: Set<String> = ["meta", "br", "link", "input", "hr"]

    /// Escapes `&`, `<`, `>`, `"` and `'`, and replaces control characters other than tab and
    /// newline (which no page needs, and which could confuse a terminal copying the text).
    static func escape(_ string: String, into out: inout String) {
        for scalar in string.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
    }
}

/// Shorthands for the elements the pages use.
extension HTML {
    static func p(_ children: HTML..., class cls: String? = nil) -> HTML { element("p", cls.map { [("class", $0)] } ?? [], children) }
    static func h1(_ text: String) -> HTML { element("h1", [], [.text(text)]) }
    static func h2(_ text: String) -> HTML { element("h2", [], [.text(text)]) }
    static func h3(_ text: String) -> HTML { element("h3", [], [.text(text)]) }
    static func code(_ text: String) -> HTML { element("code", [], [.text(text)]) }
    static func span(_ text: String, class cls: String) -> HTML { element("span", [("class", cls)], [.text(text)]) }
    static func a(_ href: String, _ text: String) -> HTML { element("a", [("href", href)], [.text(text)]) }
    static func li(_ children: HTML...) -> HTML { element("li", [], children) }
    static func ul(_ items: [HTML]) -> HTML { element("ul", [], items) }

    /// A table with a header row and body rows of cells.
    static func table(_ headers: [String], _ rows: [[HTML]], class cls: String? = nil) -> HTML {
        element("table", cls.map { [("class", $0)] } ?? [], [
            element("thead", [], [element("tr", [], headers.map { element("th", [], [.text($0)]) })]),
            element("tbody", [], rows.map { row in element("tr", [], row.map { element("td", [], [$0]) }) }),
        ])
    }

    /// A label and a value, for definition lists.
    static func dl(_ pairs: [(String, HTML)]) -> HTML {
        element("dl", [], pairs.flatMap { [element("dt", [], [.text($0.0)]), element("dd", [], [$0.1])] })
    }
}

// Content negotiation for the simple repository API (PEP 691 §"Version + Format Selection").

/// One of the three content types a simple-repository server can answer with.
public enum SimpleContentType: String, Sendable, Hashable, CaseIterable {
    /// `application/vnd.pypi.simple.v1+json` (PEP 691 JSON).
    case json = "application/vnd.pypi.simple.v1+json"
    /// `application/vnd.pypi.simple.v1+html` (PEP 503 HTML, versioned name).
    case html = "application/vnd.pypi.simple.v1+html"
    /// `text/html` (PEP 503 HTML, the legacy name every client accepts).
    case legacyHTML = "text/html"

    /// The exact `Content-Type` header value.
    public var mediaType: String { rawValue }

    /// The serialization this content type carries.
    public var format: ProjectPage.Format { self == .json ? .json : .html }

    /// Chooses the content type for a request, as PEP 691 asks of a server: the one the client
    /// rates highest by its `Accept` q-values (RFC 9110 §12.5.1; the most specific matching media
    /// range decides each type's q). A `format`
    /// query value (`?format=application/vnd.pypi.simple.v1+json`, as PyPI accepts) overrides
    /// `Accept`. Without `Accept`, every type is acceptable and `text/html` is chosen, the answer
    /// every client understands (PEP 691 recommends HTML as the default).
    ///
    /// - Returns: nil when nothing the client accepts can be served (answer 406), or when `format`
    ///   names an unknown type.
    public static func negotiate(accept: String?, format: String? = nil) -> SimpleContentType? {
        if let format {
            let wanted = format.lowercased().httpTrimmed()
            return allCases.first { $0.rawValue == wanted }
        }
        guard let accept, !accept.httpTrimmed().isEmpty else { return .legacyHTML }
        let ranges = MediaRange.parseList(accept)
        var best: (type: SimpleContentType, q: Double, specificity: Int)?
        // Ties: the type the client named more specifically; then the order text/html, v1+html,
        // json, so that `*/*` (curl, browsers) gets the HTML every client reads.
        for candidate in [SimpleContentType.legacyHTML, .html, .json] {
            let (q, specificity) = quality(of: candidate, in: ranges)
            guard q > 0 else { continue }
            if best == nil || q > best!.q || (q == best!.q && specificity > best!.specificity) {
                best = (candidate, q, specificity)
            }
        }
        return best?.type
    }

    /// The q-value the most specific matching range gives (0 when none matches), and how
    /// specific that range is (2 exact, 1 `type/*`, 0 `*/*`).
    static func quality(of candidate: SimpleContentType, in ranges: [MediaRange]) -> (Double, Int) {
        let parts = candidate.rawValue.split(separator: "/", maxSplits: 1)
        let type = String(parts[0]), subtype = String(parts[1])
        var bestSpecificity = -1
        var q = 0.0
        for range in ranges {
            let specificity: Int
            if range.type == type && range.subtype == subtype {
                specificity = 2
            } else if range.type == type && range.subtype == "*" {
                specificity = 1
            } else if range.type == "*" && range.subtype == "*" {
                specificity = 0
            } else {
                continue
            }
            if specificity > bestSpecificity {
                bestSpecificity = specificity
                q = range.quality
            }
        }
        return (q, bestSpecificity)
    }
}

/// One media range of an `Accept` header: `type/subtype;q=0.5`.
struct MediaRange: Hashable {
    var type: String
    var subtype: String
    var quality: Double

    /// Parses a comma-separated list; malformed elements are skipped, a malformed q counts as 1
    /// (RFC 9110 §12.4.2 allows at most three decimals; anything else is read leniently, as
    /// clients send it).
    static func parseList(_ header: String) -> [MediaRange] {
        var ranges: [MediaRange] = []
        for element in header.split(separator: ",") {
            let pieces = element.split(separator: ";")
            guard let head = pieces.first else { continue }
            let typeParts = head.httpTrimmed().lowercased().split(separator: "/", maxSplits: 1)
            guard typeParts.count == 2, !typeParts[0].isEmpty, !typeParts[1].isEmpty else { continue }
            var quality = 1.0
            for parameter in pieces.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].httpTrimmed().lowercased() == "q" else { continue }
                if let value = Double(pair[1].httpTrimmed()), value.isFinite {
                    quality = min(1, max(0, value))
                }
            }
            ranges.append(MediaRange(type: String(typeParts[0]), subtype: String(typeParts[1]), quality: quality))
        }
        return ranges
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    func httpTrimmed() -> String {
        let text = String(self)
        guard let first = text.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = text.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(text[first...last])
    }
}

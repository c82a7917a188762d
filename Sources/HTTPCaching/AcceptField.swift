/// An `Accept` request field (RFC 9110 §12.5.1): the media ranges a client accepts, with their
/// weights. The one reading of `Accept` in the project: PEP 691 negotiation (PythonPackaging's
/// `SimpleContentType`) and the store's `Vary: Accept` matching both ask it.
public struct AcceptField: Sendable, Hashable {
    /// One media range: `type/subtype` (either may be `*`) and its weight.
    public struct MediaRange: Sendable, Hashable {
        /// The type, lowercase: `text`, `application` or `*`.
        public var type: String
        /// The subtype, lowercase: `html`, `vnd.pypi.simple.v1+json` or `*`.
        public var subtype: String
        /// The weight (`q`), from 0 ("not acceptable") to 1.
        public var weight: Double

        /// How specific the range is: 2 for `type/subtype`, 1 for `type/*`, 0 for `*/*`.
        public var specificity: Int { type == "*" ? 0 : subtype == "*" ? 1 : 2 }

        /// Whether the range covers a media type given as lowercase `type` and `subtype`.
        func covers(type: Substring, subtype: Substring) -> Bool {
            (self.type == "*" || self.type == type) && (self.subtype == "*" || self.subtype == subtype)
        }
    }

    /// The field's media ranges, in the order the client sent them.
    public var ranges: [MediaRange]

    /// Reads a field value. Malformed elements are skipped; a malformed weight counts as 1 and a
    /// weight out of range is clamped (§12.4.2 allows at most three decimals, but clients are read
    /// leniently). Media type parameters other than `q` do not take part in matching.
    public init(_ value: String) {
        ranges = value.split(separator: ",").compactMap { element in
            let pieces = element.split(separator: ";")
            guard let head = pieces.first else { return nil }
            let typeParts = HeaderFields.trimmingWhitespace(head).lowercased().split(separator: "/", maxSplits: 1)
            guard typeParts.count == 2, !typeParts[0].isEmpty, !typeParts[1].isEmpty else { return nil }
            var weight = 1.0
            for parameter in pieces.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, HeaderFields.trimmingWhitespace(pair[0]).lowercased() == "q" else { continue }
                if let value = Double(HeaderFields.trimmingWhitespace(pair[1])), value.isFinite {
                    weight = min(1, max(0, value))
                }
            }
            return MediaRange(type: String(typeParts[0]), subtype: String(typeParts[1]), weight: weight)
        }
    }

    /// The weight the field gives a media type (parameters after `;` are ignored), and the
    /// specificity of the range that decided it: the most specific range that covers the type
    /// has precedence (§12.5.1), so `text/*, text/html;q=0` refuses `text/html`. Nil when no
    /// range covers it.
    public func preference(for mediaType: String) -> (weight: Double, specificity: Int)? {
        let essence = HeaderFields.trimmingWhitespace(mediaType.split(separator: ";", omittingEmptySubsequences: false).first ?? "").lowercased()
        let parts = essence.split(separator: "/", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        var best: MediaRange?
        for range in ranges where range.covers(type: parts[0], subtype: parts[1]) {
            if best == nil || range.specificity > best!.specificity { best = range }
        }
        return best.map { ($0.weight, $0.specificity) }
    }

    /// Whether a response of this content type is acceptable: a covering range with a weight
    /// above 0. Without an `Accept` field every well-formed type is acceptable (§12.5.1); a
    /// content type that is not `type/subtype` never is.
    public static func accepts(_ field: String?, contentType: String) -> Bool {
        (AcceptField(field ?? "*/*").preference(for: contentType)?.weight ?? 0) > 0
    }
}

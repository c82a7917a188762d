// Content negotiation for the simple repository API (PEP 691 §"Version + Format Selection").

import HTTPCaching

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
            let wanted = HeaderFields.trimmingWhitespace(format.lowercased())
            return allCases.first { $0.rawValue == wanted }
        }
        guard let accept, !HeaderFields.trimmingWhitespace(accept).isEmpty else { return .legacyHTML }
        let field = AcceptField(accept)
        var best: (type: SimpleContentType, q: Double, specificity: Int)?
        // Ties: the type the client named more specifically; then the order text/html, v1+html,
        // json, so that `*/*` (curl, browsers) gets the HTML every client reads.
        for candidate in [SimpleContentType.legacyHTML, .html, .json] {
            guard let (q, specificity) = field.preference(for: candidate.rawValue), q > 0 else { continue }
            if best == nil || q > best!.q || (q == best!.q && specificity > best!.specificity) {
                best = (candidate, q, specificity)
            }
        }
        return best?.type
    }
}

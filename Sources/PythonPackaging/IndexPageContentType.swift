// Content-type dispatch for simple-repository pages (PEP 691 "Content Types").

/// A page's `Content-Type`, reduced to what decides how to read it.
///
/// Accepted (case-insensitively, with any parameters): `text/html` and
/// `application/vnd.pypi.simple.v1+html` (HTML), `application/vnd.pypi.simple.v1+json` (JSON).
/// `application/vnd.pypi.simple.vN+…` with N ≠ 1 is an unsupported API version; `…latest+…` is a
/// request-only alias (PEP 691: servers "MUST NOT" answer with it) and is refused like any other type.
public struct IndexPageContentType: Sendable, Hashable {
    /// Which page format the type names: HTML (PEP 503) or JSON (PEP 691).
    public var format: ProjectPage.Format
    /// The major version from a `vnd.pypi.simple.vN` type; `nil` for `text/html`.
    public var apiMajorVersion: Int?
    /// The `charset` parameter, lowercased, if any.
    public var charset: String?

    /// Creates a content type from its parts.
    public init(format: ProjectPage.Format, apiMajorVersion: Int? = nil, charset: String? = nil) {
        self.format = format
        self.apiMajorVersion = apiMajorVersion
        self.charset = charset
    }

    /// Parses a `Content-Type` header value (RFC 9110 §8.3.1: `type/subtype *( OWS ";" OWS parameter )`).
    public init(parsing header: String) throws(ProjectPageError) {
        let pieces = header.split(separator: ";", omittingEmptySubsequences: false)
        let mediaType = indexPageTrimmed(pieces[0]).lowercased()
        var charset: String?
        for parameter in pieces.dropFirst() {
            guard let equals = parameter.firstIndex(of: "=") else { continue }
            let name = indexPageTrimmed(parameter[..<equals]).lowercased()
            var value = indexPageTrimmed(parameter[parameter.index(after: equals)...])
            if value.count >= 2 && value.first == "\"" && value.last == "\"" {
                value = value.dropFirst().dropLast()
            }
            if name == "charset" && charset == nil { charset = value.lowercased() }
        }
        self.charset = charset
        if mediaType == "text/html" {
            format = .html
            apiMajorVersion = nil
            return
        }
        let prefix = "application/vnd.pypi.simple.v"
        guard mediaType.hasPrefix(prefix) else { throw .unsupportedContentType(header) }
        let rest = mediaType.dropFirst(prefix.count)
        guard let plus = rest.firstIndex(of: "+"), let major = Int(rest[..<plus]), major >= 0 else {
            throw .unsupportedContentType(header)
        }
        switch rest[rest.index(after: plus)...] {
        case "html": format = .html
        case "json": format = .json
        default: throw .unsupportedContentType(header)
        }
        guard major == 1 else { throw .unsupportedAPIVersion("\(major) (from content type \(mediaType))") }
        apiMajorVersion = major
    }

    /// How HTML bytes are decoded for this charset. pip decodes with the declared charset; UTF-8
    /// (the default, and ASCII as its subset) and ISO-8859-1 are supported here, anything else is
    /// read as UTF-8 with a warning.
    enum CharsetHandling: Equatable {
        case utf8
        case latin1
        case unsupported(String)
    }

    var charsetHandling: CharsetHandling {
        switch charset {
        case nil, "utf-8", "utf8", "us-ascii", "ascii", "unicode-1-1-utf-8": .utf8
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1": .latin1
        case let other?: .unsupported(other)
        }
    }
}

// The model of a simple-repository project page, whatever its format: PEP 503 HTML, PEP 691 JSON.

/// One project page of a simple repository (PEP 503 / PEP 691), reduced to what installers use.
///
/// The same files give the same ``ProjectFile`` values whether the page was HTML or JSON (except for
/// what only one format carries: `size` and `uploadTime` exist only in PEP 700 JSON), so pages can
/// be compared to tell a real change from a cosmetic one (a `<!--TIMESTAMP …-->` comment, reordered
/// anchors): see ``hasSameContent(as:)``.
public struct ProjectPage: Sendable, Hashable, Codable {
    /// The serialization a page came in.
    public enum Format: String, Sendable, Hashable, Codable {
        /// PEP 503 HTML (`text/html` or `application/vnd.pypi.simple.v1+html`).
        case html
        /// PEP 691 JSON (`application/vnd.pypi.simple.v1+json`).
        case json
    }

    /// The format the page was read from.
    public var format: Format
    /// The API version the page declares (PEP 629: `<meta name="pypi:repository-version">` in
    /// HTML, `meta.api-version` in JSON); `nil` when it declares none, which means 1.0.
    public var apiVersion: SimpleAPIVersion?
    /// The project name; only JSON pages carry it (PEP 691 `name`), as written.
    public var name: String?
    /// The files, in page order.
    public var files: [ProjectFile]
    /// PEP 700 `versions` (JSON, API 1.1), in page order.
    public var versions: [String]?
    /// What was odd but survivable: a newer minor API version, malformed attributes, JSON
    /// entries of the wrong type that were skipped… Capped at ``maximumWarnings`` (plus one saying so).
    public var warnings: [ProjectPageWarning]

    /// Creates a page from its parts (for writing pages and for tests).
    public init(
        format: Format, apiVersion: SimpleAPIVersion? = nil, name: String? = nil, files: [ProjectFile] = [],
        versions: [String]? = nil, warnings: [ProjectPageWarning] = []
    ) {
        self.format = format
        self.apiVersion = apiVersion
        self.name = name
        self.files = files
        self.versions = versions
        self.warnings = warnings
    }

    /// The newest API version this parser knows (PEP 700 is 1.1).
    public static let supportedAPIVersion = SimpleAPIVersion(major: 1, minor: 1)
    /// At most this many warnings are kept per page.
    public static let maximumWarnings = 100

    /// Parses a project page.
    ///
    /// - Parameters:
    ///   - body: the response body as received.
    ///   - contentType: the `Content-Type` header, parameters included (`text/html; charset=utf-8`);
    ///     `nil` when unknown (a local file), in which case a body starting with `{` is taken as JSON
    ///     and anything else as HTML.
    ///   - url: the URL the page was fetched from (after redirects): relative links resolve against it.
    /// - Throws: ``ProjectPageError`` for a content type that is not a simple-API page, a major API
    ///   version other than 1 (PEP 629: "clients … should fail"), or JSON that does not parse or is
    ///   not a page at all. Malformed HTML never throws.
    public static func parse(body: some Collection<UInt8>, contentType: String?, url: String) throws(ProjectPageError) -> ProjectPage {
        let bytes = Array(body)
        let type: IndexPageContentType
        if let contentType {
            type = try IndexPageContentType(parsing: contentType)
        } else {
            let first = bytes.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF })
            type = IndexPageContentType(format: first == 0x7B ? .json : .html)
        }
        switch type.format {
        case .html:
            var warnings = ProjectPageWarningCollector()
            let utf8: [UInt8]
            switch type.charsetHandling {
            case .utf8:
                utf8 = bytes
            case .latin1:
                utf8 = latin1ToUTF8(bytes)
            case .unsupported(let label):
                utf8 = bytes
                warnings.add("unsupported-charset", "charset \(label) is not supported; the page was decoded as UTF-8")
            }
            return try IndexPageHTMLParser.parse(utf8, url: url, warnings: warnings)
        case .json:
            return try PEP691Parser.parse(bytes, url: url)
        }
    }

    /// Whether `other` offers the same project name, versions and set of files (in any order).
    /// Format, declared API version and warnings are not compared. A page that only changed a
    /// comment (PyTorch's `<!--TIMESTAMP …-->`, PyPI's `<!--SERIAL …-->`) or reordered its anchors
    /// has the same content.
    public func hasSameContent(as other: ProjectPage) -> Bool {
        name == other.name && versions == other.versions && files.count == other.files.count
            && Set(files) == Set(other.files)
    }

    /// PEP 629: major versions other than 1 are refused; a newer minor version is parsed with a warning.
    static func checkAPIVersion(_ declared: String?, warnings: inout ProjectPageWarningCollector) throws(ProjectPageError) -> SimpleAPIVersion? {
        guard let declared else { return nil }
        guard let version = SimpleAPIVersion(declared) else {
            warnings.add("unparseable-api-version", "API version \"\(declared)\" is not major.minor; read as 1.0")
            return nil
        }
        if version.major > supportedAPIVersion.major {
            throw .unsupportedAPIVersion(declared)
        }
        if version.major == supportedAPIVersion.major && version.minor > supportedAPIVersion.minor {
            warnings.add("newer-api-version", "API version \(version) is newer than the supported \(supportedAPIVersion); fields it added are ignored")
        }
        return version
    }
}

/// One file offered by a project page (PEP 503 anchor, PEP 691 `files[]` entry).
public struct ProjectFile: Sendable, Hashable, Codable {
    /// The filename: PEP 691 `filename`; for HTML the percent-decoded last path segment of the URL, as pip computes it.
    public var filename: String
    /// The absolute URL, without fragment.
    public var url: String
    /// Hash algorithm (lowercase) → digest as written. HTML: the first supported hash of the URL
    /// fragment (pip reads only one). JSON: `hashes`, and a fragment hash on `url` overrides it (as pip).
    public var hashes: [String: String]
    /// `data-requires-python` / `requires-python`, character references decoded; empty means absent.
    public var requiresPython: String?
    /// PEP 592: HTML `data-yanked` present (any value), JSON `yanked` truthy.
    public var yanked: Bool
    /// PEP 592 reason; `nil` when none or empty.
    public var yankedReason: String?
    /// PEP 658 / PEP 714 metadata file.
    public var coreMetadata: CoreMetadata
    /// `data-gpg-sig` / `gpg-sig`: whether a detached `.asc` signature exists; `nil` when not said.
    public var gpgSig: Bool?
    /// PEP 700 `size` in bytes (JSON 1.1 only).
    public var size: Int?
    /// PEP 700 `upload-time`, an ISO 8601 string as written (JSON 1.1 only).
    public var uploadTime: String?

    /// Creates a file entry from its parts.
    public init(
        filename: String, url: String, hashes: [String: String] = [:], requiresPython: String? = nil,
        yanked: Bool = false, yankedReason: String? = nil, coreMetadata: CoreMetadata = .unavailable,
        gpgSig: Bool? = nil, size: Int? = nil, uploadTime: String? = nil
    ) {
        self.filename = filename
        self.url = url
        self.hashes = hashes
        self.requiresPython = requiresPython
        self.yanked = yanked
        self.yankedReason = yankedReason
        self.coreMetadata = coreMetadata
        self.gpgSig = gpgSig
        self.size = size
        self.uploadTime = uploadTime
    }
}

/// Whether a file's core metadata is served separately (PEP 658, named by PEP 714), and its hashes.
public struct CoreMetadata: Sendable, Hashable, Codable {
    /// The metadata file exists at `<file url>.metadata`.
    public var available: Bool
    /// Its hashes (algorithm → digest), restricted to the algorithms pip supports; may be empty when available.
    public var hashes: [String: String]

    /// Creates core-metadata information: whether a sidecar is served, and its hashes.
    public init(available: Bool, hashes: [String: String] = [:]) {
        self.available = available
        self.hashes = hashes
    }

    /// No sidecar is advertised.
    public static let unavailable = CoreMetadata(available: false)
}

/// A simple-repository API version, `major.minor` (PEP 629).
public struct SimpleAPIVersion: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The major version; a page with a major version other than 1 is not read.
    public var major: Int
    /// The minor version; a newer minor version than the one understood is read, with a warning.
    public var minor: Int

    /// Creates a version from its two numbers.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `"1.0"`, `"1.1"`, … (surrounding whitespace allowed, a bare `"1"` is 1.0); `nil` otherwise.
    public init?(_ string: String) {
        let parts = indexPageTrimmed(string[...]).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2,
              parts.allSatisfy({ !$0.isEmpty && $0.count <= 9 && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
              let major = Int(parts[0]) else { return nil }
        self.major = major
        self.minor = parts.count == 2 ? Int(parts[1])! : 0
    }

    /// `major.minor`.
    public var description: String { "\(major).\(minor)" }

    /// Orders by major version, then minor.
    public static func < (lhs: SimpleAPIVersion, rhs: SimpleAPIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}

/// Something odd about a page that did not stop it from being read.
public struct ProjectPageWarning: Sendable, Hashable, Codable {
    /// A stable code such as `newer-api-version`, `invalid-core-metadata`, `json-file-skipped`.
    public var code: String
    /// What was odd, in one sentence.
    public var message: String

    /// Creates a warning from its code and sentence.
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// Why a page could not be read at all.
public enum ProjectPageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The content type is not one of `text/html`, `application/vnd.pypi.simple.v1+html`,
    /// `application/vnd.pypi.simple.v1+json`.
    case unsupportedContentType(String)
    /// The page (content type or declared version) is of a major API version this parser does not know.
    case unsupportedAPIVersion(String)
    /// The body is not JSON, or not a PEP 691 page (top level not an object, `files` not an array).
    case invalidJSON(String)

    /// A stable, machine-readable code.
    public var code: String {
        switch self {
        case .unsupportedContentType: "unsupported-content-type"
        case .unsupportedAPIVersion: "unsupported-api-version"
        case .invalidJSON: "invalid-json"
        }
    }

    /// What was wrong, in one sentence, with what was expected.
    public var description: String {
        switch self {
        case .unsupportedContentType(let type):
            "unsupported content type \"\(type)\": expected text/html or application/vnd.pypi.simple.v1+html/+json"
        case .unsupportedAPIVersion(let version):
            "unsupported simple API version \(version): only major version 1 is understood"
        case .invalidJSON(let detail):
            "invalid PEP 691 JSON page: \(detail)"
        }
    }
}

/// Collects warnings, keeping at most ``ProjectPage/maximumWarnings``.
struct ProjectPageWarningCollector {
    private(set) var warnings: [ProjectPageWarning] = []
    private var dropped = 0

    mutating func add(_ code: String, _ message: @autoclosure () -> String) {
        if warnings.count < ProjectPage.maximumWarnings {
            warnings.append(ProjectPageWarning(code: code, message: message()))
        } else {
            dropped += 1
        }
    }

    var all: [ProjectPageWarning] {
        dropped == 0 ? warnings : warnings + [ProjectPageWarning(code: "warnings-truncated", message: "\(dropped) more warnings were dropped")]
    }
}

/// ISO-8859-1 bytes → UTF-8 (every byte is the code point of the same value).
private func latin1ToUTF8(_ bytes: [UInt8]) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(bytes.count + bytes.count / 8)
    for byte in bytes {
        if byte < 0x80 {
            output.append(byte)
        } else {
            output.append(0xC0 | (byte >> 6))
            output.append(0x80 | (byte & 0x3F))
        }
    }
    return output
}

/// `text` without leading and trailing ASCII whitespace (space, tab, CR, LF, FF).
func indexPageTrimmed(_ text: Substring) -> Substring {
    let utf8 = text.utf8
    let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0x0C }
    guard let first = utf8.firstIndex(where: { !isSpace($0) }) else { return text[text.endIndex...] }
    let last = utf8.lastIndex(where: { !isSpace($0) })!
    return text[first...last]
}

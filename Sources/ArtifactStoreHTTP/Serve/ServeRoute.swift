import ArtifactStore
import PythonPackaging

/// What a request path asks `serve` for. Parsing is pure: the path alone decides, and nothing in
/// it ever becomes a file path (files are found by the name an index page gave them, and their
/// bytes by digest).
///
/// ```
/// /-/health                          liveness
/// /-/status                          JSON: store, upstreams, counters
/// /simple/                           merged project list (every index)
/// /simple/PROJECT/                   merged project page (the first index that has it)
/// /NAME/simple/                      one index's project list
/// /NAME/simple/PROJECT/              one index's project page
/// /NAME/files/PROJECT/FILENAME       a file that index's page for PROJECT lists
/// /NAME/files/PROJECT/FILENAME.metadata   its PEP 658 core metadata
/// /-/                                web page: overview
/// /-/NAME/PROJECT                    web page: a project on one index, file by file
/// /-/url?u=URL                       web page: a URL's recorded responses and history
/// /-/blob/DIGEST                     web page: a blob (a full digest or a unique prefix)
/// /-/search?q=NAME-OR-DIGEST-PREFIX  web page: search
/// /-/gc                              web page: what gc --dry-run would remove
/// ```
enum ServeRoute: Hashable {
    case health
    case status
    /// `index` nil: the merged view.
    case projectList(index: String?)
    /// `project` as written in the path (percent-decoded); the handler redirects a name that is
    /// not normalized.
    case projectPage(index: String?, project: String)
    case file(index: String, project: String, filename: String)
    case metadata(index: String, project: String, filename: String)
    /// `/NAME/simple` or `/simple/PROJECT` without the trailing slash PEP 503 requires: redirect.
    case addSlash
    /// The web pages (ARCHITECTURE.md §7, "Web pages"). Their query parameters are read by the
    /// handlers.
    case webOverview
    case webProject(index: String, project: String)
    case webURL
    case webBlob(digest: String)
    case webSearch
    case webGC
    case notFound

    /// The longest path accepted; longer ones are `notFound`.
    static let maximumPathLength = 4096

    init(path: String) {
        guard path.utf8.count <= Self.maximumPathLength, path.hasPrefix("/") else {
            self = .notFound
            return
        }
        let trailingSlash = path.hasSuffix("/")
        let rawSegments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var segments: [String] = []
        for (position, raw) in rawSegments.enumerated() {
            if raw.isEmpty {
                // Only the last segment may be empty (the trailing slash).
                if position == rawSegments.count - 1 { continue }
                self = .notFound
                return
            }
            guard let decoded = raw.removingPercentEncodingStrictly(), !decoded.isEmpty, decoded != ".", decoded != "..",
                  !decoded.contains("/"), !decoded.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
            else {
                self = .notFound
                return
            }
            segments.append(decoded)
        }
        switch (segments.count, trailingSlash) {
        case (2, _) where segments[0] == "-" && segments[1] == "health" && !trailingSlash:
            self = .health
        case (2, _) where segments[0] == "-" && segments[1] == "status" && !trailingSlash:
            self = .status
        case (1, true) where segments[0] == "-":
            self = .webOverview
        case (2, false) where segments[0] == "-" && segments[1] == "search":
            self = .webSearch
        case (2, false) where segments[0] == "-" && segments[1] == "gc":
            self = .webGC
        case (2, false) where segments[0] == "-" && segments[1] == "url":
            self = .webURL
        case (3, _) where segments[0] == "-" && segments[1] == "blob" && !trailingSlash:
            self = .webBlob(digest: segments[2])
        case (3, _) where segments[0] == "-":
            self = .webProject(index: segments[1], project: segments[2])
        case (1, true) where segments[0] == "simple":
            self = .projectList(index: nil)
        case (2, _) where segments[0] == "simple":
            self = trailingSlash ? .projectPage(index: nil, project: segments[1]) : .addSlash
        case (2, _) where segments[1] == "simple" && segments[0] != "-":
            self = trailingSlash ? .projectList(index: segments[0]) : .addSlash
        case (3, _) where segments[1] == "simple" && segments[0] != "-":
            self = trailingSlash ? .projectPage(index: segments[0], project: segments[2]) : .addSlash
        case (4, false) where segments[1] == "files" && segments[0] != "-":
            let filename = segments[3]
            if filename.hasSuffix(".metadata"), filename.count > ".metadata".count {
                self = .metadata(index: segments[0], project: segments[2], filename: String(filename.dropLast(".metadata".count)))
            } else {
                self = .file(index: segments[0], project: segments[2], filename: filename)
            }
        default:
            self = .notFound
        }
    }

    /// The path of a file route, each segment percent-encoded (`+` becomes `%2B`, as pip quotes it).
    static func filePath(index: String, project: String, filename: String) -> String {
        "/" + encode(index) + "/files/" + encode(project) + "/" + encode(filename)
    }

    /// The path of a project page.
    static func projectPagePath(index: String?, project: String) -> String {
        (index.map { "/" + encode($0) } ?? "") + "/simple/" + encode(project) + "/"
    }

    /// The path of a project's web page.
    static func webProjectPath(index: String, project: String) -> String {
        "/-/" + encode(index) + "/" + encode(project)
    }

    /// The path of a URL's web page.
    static func webURLPath(_ url: String) -> String { "/-/url?u=" + encode(url) }

    /// The path of a blob's web page.
    static func webBlobPath(_ digest: BlobDigest) -> String { "/-/blob/" + digest.hex }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func encode(_ segment: String) -> String {
        var out = ""
        for byte in segment.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(Unicode.Scalar(hex[Int(byte >> 4)])) + String(Unicode.Scalar(hex[Int(byte & 0xF)]))
            }
        }
        return out
    }
}

extension Substring {
    /// Percent-decodes; nil for a malformed escape or bytes that are not UTF-8.
    func removingPercentEncodingStrictly() -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

import ArtifactStore
import Foundation

/// One upstream simple repository `serve` answers for, under `/NAME/simple/`.
public struct UpstreamIndex: Sendable, Hashable {
    /// The route name: letters, digits, `.`, `_`, `-`; not `-` or `simple`, which are the
    /// server's own.
    public let name: String
    /// The simple API's base URL without a trailing slash (`https://pypi.org/simple`), possibly
    /// with `user:password@`, which is sent to that host only and never recorded or printed.
    public let url: String

    /// The Python Package Index's simple API, the default when no index is given.
    public static let pypi = try! UpstreamIndex(name: "pypi", url: "https://pypi.org/simple")

    /// Checks and creates an index.
    ///
    /// - Throws: ``UpstreamIndexError`` for a bad name or a URL that is not absolute http(s).
    public init(name: String, url: String) throws(UpstreamIndexError) {
        guard !name.isEmpty, name.count <= 64, name != "-", name != "simple",
              name.unicodeScalars.allSatisfy({ ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._-".unicodeScalars.contains($0) })
        else {
            throw .invalidName(name)
        }
        var trimmed = url.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let target = try? Target(trimmed + "/") else { throw .invalidURL(RecordedURL.redacted(url)) }
        _ = target
        self.name = name
        self.url = trimmed
    }

    /// Parses `NAME=URL`, the form of `serve --index`.
    public init(argument: String) throws(UpstreamIndexError) {
        guard let equals = argument.firstIndex(of: "=") else { throw .missingName(RecordedURL.redacted(argument)) }
        try self.init(name: String(argument[..<equals]), url: String(argument[argument.index(after: equals)...]))
    }

    /// The URL as it may be shown and recorded: without credentials.
    public var displayURL: String { RecordedURL.redacted(url, replacement: "") }

    /// The project list page (`…/simple/`).
    var projectListURL: String { url + "/" }

    /// A project's page (`…/simple/<normalized name>/`).
    func projectPageURL(_ normalizedProject: String) -> String {
        url + "/" + normalizedProject + "/"
    }

    /// A URL a page of this index links to, as it is fetched: with the index's `user:password@`
    /// when it is on the index's own origin (scheme, host and port) and has none of its own, as
    /// pip and uv send an index's credentials to the files it hosts. Another origin never gets
    /// them. The result is for the wire only: the store records URLs without userinfo.
    func fetchURL(forLinked linked: String) -> String {
        guard let index = URLComponents(string: url), let user = index.percentEncodedUser,
              var file = URLComponents(string: linked), file.percentEncodedUser == nil,
              file.scheme?.lowercased() == index.scheme?.lowercased(),
              file.host?.lowercased() == index.host?.lowercased(),
              Self.port(of: file) == Self.port(of: index)
        else { return linked }
        file.percentEncodedUser = user
        file.percentEncodedPassword = index.percentEncodedPassword
        return file.string ?? linked
    }

    private static func port(of components: URLComponents) -> Int? {
        components.port ?? (components.scheme?.lowercased() == "https" ? 443 : 80)
    }
}

/// Why an `--index` value was not accepted.
public enum UpstreamIndexError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidName(String)
    case invalidURL(String)
    case missingName(String)

    public var description: String {
        switch self {
        case .invalidName(let name):
            "invalid index name \"\(name)\": use letters, digits, '.', '_' and '-' (not \"-\" or \"simple\"), at most 64 characters"
        case .invalidURL(let url):
            "invalid index URL \(url): give the simple API's absolute http(s) URL, e.g. https://pypi.org/simple"
        case .missingName(let argument):
            "--index takes NAME=URL (e.g. pypi=https://pypi.org/simple), got \(argument)"
        }
    }
}

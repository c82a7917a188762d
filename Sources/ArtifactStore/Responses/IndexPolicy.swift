import Foundation
import GRDB
import HTTPCaching
import PythonPackaging

/// A per-index policy: override the server's `Cache-Control` for files and/or pages under a URL
/// prefix, as installers let users do per index, and/or keep the bodies of refused responses.
/// The longest matching prefix applies; the prefix `""` applies to every URL (store-wide).
public struct IndexPolicy: Sendable, Hashable, Codable {
    /// The URLs the policy applies to start with this (`""`: every URL).
    public var urlPrefix: String
    /// Used instead of the server's `Cache-Control` for distribution files (`.whl`, sdists,
    /// `.metadata`), e.g. `max-age=365000000, immutable`.
    public var fileCacheControl: String?
    /// Used instead of the server's `Cache-Control` for index pages, e.g. `max-age=600`.
    public var pageCacheControl: String?
    /// Keep bodies of responses HTTP rules refuse, marked `archived` (used by policy `archive`).
    public var archiveRefused: Bool
    /// Free text for people: why the policy exists.
    public var note: String

    /// Creates a policy; with only a prefix it changes nothing.
    public init(urlPrefix: String, fileCacheControl: String? = nil, pageCacheControl: String? = nil, archiveRefused: Bool = false, note: String = "") {
        self.urlPrefix = urlPrefix
        self.fileCacheControl = fileCacheControl
        self.pageCacheControl = pageCacheControl
        self.archiveRefused = archiveRefused
        self.note = note
    }

    /// The override for a URL: the file or the page `Cache-Control`.
    func cacheControl(for url: String) -> String? {
        DistributionFilename.isDownload(url: url) ? fileCacheControl : pageCacheControl
    }

    /// The headers with the server's freshness fields replaced by `cacheControl` (unchanged when nil).
    static func apply(_ cacheControl: String?, to headers: HeaderFields) -> HeaderFields {
        guard let cacheControl else { return headers }
        var result = headers
        // The override stands for everything the server said about freshness and storing.
        result.removeAll(named: "Pragma")
        result.removeAll(named: "Expires")
        result.replaceAll(named: "Cache-Control", with: [cacheControl])
        return result
    }

    init(row: SQLRow) {
        urlPrefix = row["url_prefix"]
        fileCacheControl = row["file_cache_control"]
        pageCacheControl = row["page_cache_control"]
        archiveRefused = row["archive_refused"]
        note = row["note"]
    }
}

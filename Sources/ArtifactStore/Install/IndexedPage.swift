import Foundation
import GRDB
import PythonPackaging

/// What the store knows about a parsed project page (a row of `index_page`).
public struct IndexedPage: Sendable, Hashable {
    /// The `response` row of the page.
    public var responseID: Int64
    /// The PEP 503-normalized project name.
    public var project: String
    /// The page's body blob.
    public var bodyDigest: BlobDigest
    /// SHA-256 of the parsed content: equal for pages with `ProjectPage.hasSameContent(as:)`.
    public var contentFingerprint: String
    /// How many distribution files the page lists.
    public var fileCount: Int
    /// When the page was last parsed.
    public var parsedAt: Date
    /// When the set of files the page lists last changed.
    public var changedAt: Date

    init(row: SQLRow) {
        responseID = row["response_id"]
        project = row["project"]
        bodyDigest = BlobDigest(trusted: row["body_digest"])
        contentFingerprint = row["content_fingerprint"]
        fileCount = row["file_count"]
        parsedAt = Date(unixSeconds: row["parsed_at"])
        changedAt = Date(unixSeconds: row["changed_at"])
    }
}

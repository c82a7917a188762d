import Foundation
import GRDB

/// Why gc removes something. The raw values are the keys of the `--json` report.
public enum GCReason: String, Sendable, Hashable, Codable, CaseIterable, CodingKeyRepresentable {
    /// A blob that no response, pin or lease references.
    case unreferenced
    /// A response body not used for longer than `unusedFor` (the response stays as a tombstone).
    case unusedFor = "unused-for"
    /// A response body evicted, least recently used first, to fit `maxSize`.
    case maxSize = "max-size"
    /// A wheel body of a project version older than the `keepLatest` newest.
    case keepLatest = "keep-latest"
    /// A digest-named file in `blobs/` with no row, older than the grace period (crash leftover).
    case orphanFile = "orphan-file"
    /// A file in `tmp/` older than the grace period (an interrupted ingest).
    case tmpFile = "tmp-file"
    /// An empty fan-out directory in `blobs/sha256/`.
    case emptyDirectory = "empty-directory"
    /// A lease past its expiry.
    case expiredLease = "expired-lease"
    /// A refused response older than `refusedOlderThan`.
    case refusedResponse = "refused-response"
    /// A fetch-history entry older than `refusedOlderThan`.
    case observation
}

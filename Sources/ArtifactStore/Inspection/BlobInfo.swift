import Foundation
import GRDB

/// What the store records about one blob.
public struct BlobInfo: Sendable, Hashable, Codable {
    /// The SHA-256 of the content.
    public var digest: BlobDigest
    /// The content's size in bytes.
    public var size: Int64
    /// When the blob was first stored.
    public var createdAt: Date
    /// When the blob was last read, put or recorded (kept to the minute).
    public var lastUsedAt: Date
    /// When the content was last re-hashed successfully after ingest, if ever.
    public var verifiedAt: Date?
    /// When the content failed verification and was moved to `quarantine/`.
    public var quarantinedAt: Date?
    /// Why it was quarantined, when it was.
    public var quarantineReason: String?

    init(row: SQLRow) {
        digest = BlobDigest(trusted: row["digest"])
        size = row["size"]
        createdAt = Date(unixSeconds: row["created_at"])
        lastUsedAt = Date(unixSeconds: row["last_used_at"])
        verifiedAt = (row["verified_at"] as Int64?).map(Date.init(unixSeconds:))
        quarantinedAt = (row["quarantined_at"] as Int64?).map(Date.init(unixSeconds:))
        quarantineReason = row["quarantine_reason"]
    }
}

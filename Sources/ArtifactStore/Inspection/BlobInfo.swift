import Foundation
import GRDB

/// What the store records about one blob.
public struct BlobInfo: Sendable, Hashable, Codable {
    /// The SHA-256 of the content.
    public var digest: BlobDigest
    /// The content's size in bytes.
    public var size: Int64
    /// Unix seconds.
    public var createdAt: Int64
    /// Unix seconds: when the blob was last read, put or recorded (kept to the minute).
    public var lastUsedAt: Int64
    /// When the content was last re-hashed successfully after ingest, if ever.
    public var verifiedAt: Int64?
    /// When the content failed verification and was moved to `quarantine/`.
    public var quarantinedAt: Int64?
    /// Why it was quarantined, when it was.
    public var quarantineReason: String?

    init(row: Row) {
        digest = BlobDigest(trusted: row["digest"])
        size = row["size"]
        createdAt = row["created_at"]
        lastUsedAt = row["last_used_at"]
        verifiedAt = row["verified_at"]
        quarantinedAt = row["quarantined_at"]
        quarantineReason = row["quarantine_reason"]
    }
}

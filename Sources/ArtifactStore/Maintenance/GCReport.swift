import Foundation

/// One thing gc removed (or would remove).
public struct GCItem: Sendable, Hashable, Codable {
    /// Why it is removed.
    public var reason: GCReason
    /// The blob, when the item is one.
    public var digest: BlobDigest?
    /// The file or directory, when the item is one.
    public var path: String?
    /// The bytes it frees.
    public var bytes: Int64
    /// More about it: when it was last used, which URL a row was for.
    public var detail: String

    /// Encodes the `--json` form: every field present, `null` when absent.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(reason, forKey: .reason)
        try container.encode(digest, forKey: .digest)
        try container.encode(path, forKey: .path)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(detail, forKey: .detail)
    }
}

/// How many things, and how many bytes, for one reason.
public struct GCTally: Sendable, Hashable, Codable {
    /// How many things.
    public var count = 0
    /// How many bytes.
    public var bytes: Int64 = 0
}

/// The result of ``Store/gc(_:)``.
public struct GCReport: Sendable, Codable {
    /// True when nothing was changed (``GCOptions/dryRun``).
    public var dryRun: Bool
    /// How long the run took (seconds).
    public var durationSeconds: Double
    /// Bytes and count of the blobs (not quarantined) before and after (in a dry run: after
    /// the removals it reports).
    public var bytesBefore: Int64
    /// Bytes of the blobs after the run.
    public var bytesAfter: Int64
    /// Number of blobs before the run.
    public var blobsBefore: Int
    /// Number of blobs after the run.
    public var blobsAfter: Int
    /// What was removed, by reason (every reason present, zero when nothing); in JSON, an
    /// object keyed by the reasons' codes (`unreferenced`, `max-size`, …).
    public var removed: [GCReason: GCTally]
    /// Responses whose body was evicted; their rows stay as tombstones.
    public var evictedResponses: Int
    /// With a size budget: whether the blobs now fit in it (pinned, leased and recently used
    /// data is never evicted, so it may not). Null without `maxSize`.
    public var maxSizeMet: Bool?
    /// The longest time gc held the store's write lock in one transaction (milliseconds).
    public var longestTransactionMilliseconds: Double
    /// How many write transactions the run committed.
    public var writeTransactions: Int

    /// Everything removed, all reasons together.
    public var total: GCTally {
        removed.values.reduce(into: GCTally()) { $0.count += $1.count; $0.bytes += $1.bytes }
    }

    /// Encodes the `--json` form: every field present, `null` when absent.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(dryRun, forKey: .dryRun)
        try container.encode(durationSeconds, forKey: .durationSeconds)
        try container.encode(bytesBefore, forKey: .bytesBefore)
        try container.encode(bytesAfter, forKey: .bytesAfter)
        try container.encode(blobsBefore, forKey: .blobsBefore)
        try container.encode(blobsAfter, forKey: .blobsAfter)
        try container.encode(removed, forKey: .removed)
        try container.encode(evictedResponses, forKey: .evictedResponses)
        try container.encode(maxSizeMet, forKey: .maxSizeMet)
        try container.encode(longestTransactionMilliseconds, forKey: .longestTransactionMilliseconds)
        try container.encode(writeTransactions, forKey: .writeTransactions)
    }
}

import Foundation

/// One thing gc removed (or would remove).
public struct GCItem: Sendable, Hashable {
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
}

/// How many things, and how many bytes, for one reason.
public struct GCTally: Sendable, Hashable {
    /// How many things.
    public var count = 0
    /// How many bytes.
    public var bytes: Int64 = 0
}

/// The result of ``Store/gc(_:)``.
public struct GCReport: Sendable, Hashable {
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
    /// What was removed, by reason (every reason present, zero when nothing).
    public var removed: [GCReason: GCTally]
    /// Responses whose body was evicted; their rows stay as tombstones.
    public var evictedResponses: Int
    /// With a size budget: whether the blobs now fit in it (pinned, leased and recently used
    /// data is never evicted, so it may not). Nil without `maxSize`.
    public var maxSizeMet: Bool?
    /// The longest time gc held the store's write lock in one transaction (milliseconds).
    public var longestTransactionMilliseconds: Double
    /// How many write transactions the run committed.
    public var writeTransactions: Int

    /// Everything removed, all reasons together.
    public var total: GCTally {
        removed.values.reduce(into: GCTally()) { $0.count += $1.count; $0.bytes += $1.bytes }
    }
}

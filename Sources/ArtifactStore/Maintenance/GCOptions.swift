import Foundation
import GRDB
import PythonPackaging

/// Settings for ``Store/gc(_:)``. Every policy is optional and they combine; with none, gc
/// sweeps only garbage (unreferenced blobs, orphan and temporary files, expired leases).
public struct GCOptions: Sendable {
    /// Evict response bodies whose blob was last used longer ago than this (seconds).
    public var unusedFor: TimeInterval?
    /// Evict least recently used response bodies until the blobs take at most this many bytes.
    public var maxSize: Int64?
    /// Keep the wheel bodies of this many newest versions of each project (PEP 440 order, by the
    /// wheel file names of the recorded responses) and evict the older versions' bodies.
    public var keepLatest: Int?
    /// Delete refused responses recorded longer ago than this (seconds), and fetch history
    /// (observations) older than this.
    public var refusedOlderThan: TimeInterval?
    /// Files in `blobs/` without a row and files in `tmp/` are removed only when their last
    /// modification is older than this (seconds): a writer may still be at work.
    public var grace: TimeInterval = 3600
    /// Nothing used (read, put, recorded) more recently than this is ever removed (seconds; 0:
    /// no protection, for tests and for a store nobody else is using). This also
    /// covers a blob just put whose response is about to be recorded.
    public var recentlyUsed: TimeInterval = 300
    /// Report what would be removed, and why, without changing anything.
    public var dryRun = false
    /// At most this many deletions per write transaction.
    public var batchSize = 4096
    /// A write transaction commits once it has held the store's write lock this long (seconds),
    /// even before `batchSize`: other writers never wait much longer than this. Few, larger
    /// transactions matter: each commit's fsync also flushes the file system's journal of the
    /// unlinks, which costs far more than the unlinks themselves.
    public var maxLockHold: TimeInterval = 0.1
    /// Threads unlinking blob files at once, inside a batch: the file system overlaps their
    /// journal and inode work (ARCHITECTURE.md §6).
    public var unlinkThreads = 8
    /// Called after each batch with the running totals.
    public var progress: (@Sendable (GCProgress) -> Void)?
    /// Called for each thing removed (or, in a dry run, that would be).
    public var onItem: (@Sendable (GCItem) -> Void)?

    /// Options with no policy: gc sweeps only garbage.
    public init() {}
}

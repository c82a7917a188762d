import Foundation
import GRDB

/// One write transaction's time waiting for the store's write lock (from asking, through this
/// process's queue and SQLite's busy waits, to `BEGIN IMMEDIATE` succeeding) and holding it (to
/// the end of `COMMIT`, its fsync included).
@_spi(Benchmarks)
public struct WriteLockTiming: Sendable {
    /// Nanoseconds from asking for the lock to `BEGIN IMMEDIATE` succeeding.
    public var waitNanoseconds: UInt64
    /// Nanoseconds from then to the end of `COMMIT`.
    public var holdNanoseconds: UInt64
}

import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// One write transaction's time waiting for the store's write lock (from asking, through this
/// process's queue and SQLite's busy waits, to `BEGIN IMMEDIATE` succeeding) and holding it (to
/// the commit that releases it, its fsync included; not the checkpoint SQLite may run after it).
@_spi(Benchmarks)
public struct WriteLockTiming: Sendable {
    /// Nanoseconds from asking for the lock to `BEGIN IMMEDIATE` succeeding.
    public var waitNanoseconds: UInt64
    /// Nanoseconds from then to the commit releasing the lock.
    public var holdNanoseconds: UInt64
    /// Whether the transaction shared its hold with others of a group commit (``WriteGroups``)
    /// and is not the group's first: its hold is the group's, reported with the first already.
    public var sharesHold = false
}

/// When the writer connection last released the write lock: SQLite calls its WAL hook after a
/// commit, once the lock is released, and runs its automatic checkpoint from that hook, still
/// inside `COMMIT`. The time `COMMIT` takes is therefore not the time the lock is held; this
/// hook tells them apart for ``WriteLockTiming`` (installed only when a store is observed).
final class CommitClock: Sendable {
    let released = Atomic<UInt64>(0)

    /// Replaces the connection's automatic checkpoint with a hook that notes the time, then does
    /// what SQLite's default hook does (a passive checkpoint once the log holds 1 000 frames).
    func install(on db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, { context, connection, name, frames in
            let clock = Unmanaged<CommitClock>.fromOpaque(context!).takeUnretainedValue()
            clock.released.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
            if frames >= 1000 { sqlite3_wal_checkpoint(connection, name) }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }
}

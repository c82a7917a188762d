import GRDBSQLite
import SystemShims

extension Store {
    /// Turns SQLite's memory statistics off for this process, if SQLite has not started in it yet:
    /// call it first thing in `main`, before any store opens.
    ///
    /// SQLite keeps them by default: every allocation it makes then takes a process-wide mutex
    /// and updates counters, and the system libsqlite3 (built without lookaside memory) makes
    /// dozens for each recorded response. Without them, a bulk import's writer runs about 8 %
    /// fewer instructions (ARCHITECTURE.md §8). Nothing the store does reads them; an application
    /// that calls `sqlite3_memory_used` or sets a soft heap limit, which needs them, does not call
    /// this. `artifact-store` and its benchmarks do.
    ///
    /// - Returns: whether they are off: false when SQLite had already started (nothing changed).
    @discardableResult
    public static func turnOffSQLiteMemoryStatistics() -> Bool { memoryStatisticsOff }

    /// Tried once: SQLite takes the setting only before it starts.
    private static let memoryStatisticsOff = artifact_store_sqlite_memory_statistics_off() == SQLITE_OK
}

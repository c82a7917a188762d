import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// The store's own read-only SQLite connection for point lookups on hot paths (verdicts):
/// opened without SQLite's per-call mutex (lookups take turns on a lock of ours instead, once
/// each rather than once per column read), memory-mapped, its statements prepared once and their
/// rows read in place. A single SELECT needs no transaction: it is its own consistent snapshot.
final class LookupConnection: @unchecked Sendable {
    private let connection: OpaquePointer
    /// Prepared statements by SQL; lookups take turns on this lock.
    private let statements = Mutex(Statements())

    /// SQLite statement handles, used only while holding the lock that guards them.
    private struct Statements: @unchecked Sendable {
        var bySQL: [String: OpaquePointer] = [:]
    }

    init(path: String, busyTimeout: TimeInterval) throws {
        var handle: OpaquePointer?
        let code = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) }
            sqlite3_close(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
        connection = handle
        sqlite3_busy_timeout(handle, CInt(min(busyTimeout * 1000, Double(CInt.max))))
        // Read pages in place instead of copying them (the first 2 GiB).
        sqlite3_exec(handle, "PRAGMA mmap_size = 2147418112", nil, nil, nil)
    }

    deinit {
        statements.withLock { statements in
            for statement in statements.bySQL.values { sqlite3_finalize(statement) }
        }
        sqlite3_close(connection)
    }

    /// A statement argument.
    enum Argument {
        case text(String)
        case integer(Int64)
    }

    /// Runs a SELECT, calling `body` with each result row in place. `body` runs while lookups
    /// take turns: it must not look anything up itself.
    func forEachRow(_ sql: String, arguments: [Argument], _ body: (SteppedRow) throws -> Void) throws {
        try statements.withLock { statements in
            try forEachRow(prepared(sql, in: &statements), sql: sql, arguments: arguments, body)
        }
    }

    /// ``forEachRow(_:arguments:_:)`` with its statement, while holding the lock.
    private func forEachRow(_ statement: OpaquePointer, sql: String, arguments: [Argument], _ body: (SteppedRow) throws -> Void) throws {
        // Reset when done: a statement left mid-way would hold its read transaction open.
        defer { sqlite3_reset(statement) }
        for (index, argument) in zip(CInt(1)..., arguments) {
            let code = switch argument {
            // SQLITE_TRANSIENT: SQLite copies the text before the call returns.
            case .text(let text): sqlite3_bind_text(statement, index, text, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
            case .integer(let value): sqlite3_bind_int64(statement, index, value)
            }
            guard code == SQLITE_OK else { throw error(code, sql) }
        }
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW: try body(SteppedRow(statement: statement))
            case SQLITE_DONE: return
            case let code: throw error(code, sql)
            }
        }
    }

    private func prepared(_ sql: String, in statements: inout Statements) throws -> OpaquePointer {
        if let statement = statements.bySQL[sql] { return statement }
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code, sql) }
        guard sqlite3_stmt_readonly(statement) != 0 else {
            sqlite3_finalize(statement)
            preconditionFailure("lookups are read-only statements")
        }
        statements.bySQL[sql] = statement
        return statement
    }

    private func error(_ code: CInt, _ sql: String) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)), sql: sql)
    }
}

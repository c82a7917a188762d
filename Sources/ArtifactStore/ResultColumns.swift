import GRDB
import GRDBSQLite

/// Positional access to the columns of the current result row, so that one decoder reads both
/// GRDB rows and rows stepped directly on a statement.
protocol ResultColumns {
    /// The column's value, nil when it is NULL.
    func value<Value: DatabaseValueConvertible & StatementColumnConvertible>(at index: Int) -> Value?
}

extension Row: ResultColumns {
    func value<Value: DatabaseValueConvertible & StatementColumnConvertible>(at index: Int) -> Value? {
        self[index]
    }
}

/// The current row of a statement stepped with ``GRDB/Statement/forEachSteppedRow(arguments:_:)``,
/// read in place.
struct SteppedRow: ResultColumns {
    let statement: SQLiteStatement

    func value<Value: DatabaseValueConvertible & StatementColumnConvertible>(at index: Int) -> Value? {
        sqlite3_column_type(statement, CInt(index)) == SQLITE_NULL ? nil : Value(sqliteStatement: statement, index: CInt(index))
    }
}

extension Statement {
    /// Runs a read-only statement, calling `body` with each result row in place: for point
    /// lookups on hot paths, without the bookkeeping GRDB gives every `Row` (a dictionary of
    /// column names among it), which costs more than the lookup.
    func forEachSteppedRow(arguments: StatementArguments, _ body: (SteppedRow) throws -> Void) throws {
        precondition(isReadonly, "only read-only statements are stepped directly")
        try setArguments(arguments)
        // Reset when done: a statement left mid-way would hold its read transaction open.
        defer { sqlite3_reset(sqliteStatement) }
        while true {
            switch sqlite3_step(sqliteStatement) {
            case SQLITE_ROW:
                try body(SteppedRow(statement: sqliteStatement))
            case SQLITE_DONE:
                return
            case let code:
                throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                    message: String(cString: sqlite3_errmsg(sqlite3_db_handle(sqliteStatement))), sql: sql)
            }
        }
    }
}

import GRDB
import GRDBSQLite

/// Positional access to the columns of the current result row, so that one decoder reads both
/// ``SQLRow``s and rows stepped directly on a statement.
protocol ResultColumns {
    /// The column's value, nil when it is NULL.
    func value<Value: DatabaseValueConvertible & StatementColumnConvertible>(at index: Int) -> Value?
}

/// The current row of a statement stepped with the SQLite API (``LookupConnection``), read in place.
/// On a metadata server, a row it returned.
struct SteppedRow: ResultColumns {
    private let statement: SQLiteStatement?
    private let row: SQLRow?

    init(statement: SQLiteStatement) {
        self.statement = statement
        row = nil
    }

    init(_ row: SQLRow) {
        statement = nil
        self.row = row
    }

    func value<Value: DatabaseValueConvertible & StatementColumnConvertible>(at index: Int) -> Value? {
        guard let statement else { return row!.value(at: index) }
        return sqlite3_column_type(statement, CInt(index)) == SQLITE_NULL ? nil : Value(sqliteStatement: statement, index: CInt(index))
    }
}

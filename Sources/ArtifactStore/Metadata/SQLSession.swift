import Foundation
import GRDB
import GRDBSQLite

/// One transaction on a store's metadata: the `db` of ``Store/read(_:)`` and
/// ``Store/writeTransaction(durable:_:)``, on SQLite (through GRDB) or on a ``MetadataServer``.
/// The store's SQL goes through it, written once for both (ARCHITECTURE.md §11).
final class SQLSession {
    enum Connection {
        case sqlite(Database)
        case server(any MetadataServerConnection)
    }

    let connection: Connection
    /// How this database spells the fragments ``SQLDialect`` lists.
    let dialect: SQLDialect
    /// Rows changed by the last statement run on a server.
    private var serverChanges = 0

    init(_ database: Database) {
        connection = .sqlite(database)
        dialect = .sqlite
    }

    init(_ connection: any MetadataServerConnection, dialect: SQLDialect) {
        self.connection = .server(connection)
        self.dialect = dialect
    }

    /// The SQLite connection, for what only SQLite has (pragmas, `foreign_key_check`); nil on a server.
    var sqlite: Database? {
        if case .sqlite(let database) = connection { database } else { nil }
    }

    /// How many rows the last INSERT, UPDATE or DELETE changed.
    var changesCount: Int {
        switch connection {
        case .sqlite(let database): database.changesCount
        case .server: serverChanges
        }
    }

    /// Runs one or more statements that return no rows (several only on SQLite).
    func execute(sql: String, arguments: SQLArguments = SQLArguments()) throws {
        switch connection {
        case .sqlite(let database): try database.execute(sql: sql, arguments: arguments.statementArguments)
        case .server: _ = try run(sql, arguments)
        }
    }

    /// A statement to run many times: prepared once per connection on SQLite.
    func cachedStatement(sql: String) throws -> SQLStatement {
        switch connection {
        case .sqlite(let database): .sqlite(try database.cachedStatement(sql: sql))
        case .server: .server(self, sql)
        }
    }

    /// Runs `sql` on the server connection.
    fileprivate func run(_ sql: String, _ arguments: SQLArguments) throws -> SQLResult {
        guard case .server(let connection) = connection else { preconditionFailure("run is for server connections") }
        let result = try connection.run(sql, arguments.parameters)
        serverChanges = result.changes
        return result
    }

    fileprivate func rows(_ sql: String, _ arguments: SQLArguments) throws -> [SQLRow] {
        let result = try run(sql, arguments)
        let columns = SQLColumns(result.columns)
        return result.rows.map { SQLRow(columns: columns, values: $0.map(\.databaseValue)) }
    }
}

/// A statement of ``SQLSession/cachedStatement(sql:)``.
enum SQLStatement {
    case sqlite(Statement)
    case server(SQLSession, String)

    /// Runs it with `arguments`.
    func execute(arguments: SQLArguments = SQLArguments()) throws {
        switch self {
        case .sqlite(let statement): try statement.execute(arguments: Self.arguments(arguments, binding: statement))
        case .server(let session, let sql): _ = try session.run(sql, arguments)
        }
    }

    /// The arguments to give GRDB to run `statement` with `arguments`: none once positional ones
    /// are bound here, value by value as GRDB binds each one (GRDB then runs the statement as it
    /// runs any). GRDB's own arguments would first map every value through generic code it cannot
    /// specialize for ours: about a thousand instructions a value, more than SQLite's insert of a
    /// recorded response's row. Named arguments, or a count the statement does not take, go to
    /// GRDB as they are: it binds them, and reports the mistake.
    fileprivate static func arguments(_ arguments: SQLArguments, binding statement: Statement) -> StatementArguments? {
        let handle = statement.sqliteStatement
        guard arguments.named.isEmpty, arguments.values.count == Int(sqlite3_bind_parameter_count(handle)) else { return arguments.statementArguments }
        // Done by GRDB below too, which would stop on the error of a failed last run (reported
        // with that run; GRDB does not reuse such a statement).
        sqlite3_reset(handle)
        // Clears the bindings, and lets GRDB run the statement with those made here.
        statement.setUncheckedArguments(StatementArguments())
        for (index, value) in zip(CInt(1)..., arguments.values) {
            // As in GRDB: binding neither reads nor writes the database, and cannot fail but by a bug.
            let code = bind(value, to: handle, at: index)
            precondition(code == SQLITE_OK, "binding argument \(index) of \(statement.sql) failed: \(code)")
        }
        return nil
    }

    /// Binds one value, as GRDB does, but for text: its UTF-8 bytes are given in place with their
    /// length, where GRDB's binding first copies the string into a new C string (an allocation
    /// and a copy per text value; a recorded response binds a dozen).
    private static func bind(_ value: DatabaseValue, to handle: OpaquePointer, at index: CInt) -> CInt {
        guard case .string(var text) = value.storage else { return value.bind(to: handle, at: index) }
        // SQLITE_TRANSIENT: SQLite copies the text before the call returns.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        return text.withUTF8 { bytes in
            // An empty buffer may have no address, which SQLite would take for NULL.
            guard let address = bytes.baseAddress else { return sqlite3_bind_text(handle, index, "", 0, transient) }
            return address.withMemoryRebound(to: CChar.self, capacity: bytes.count) { sqlite3_bind_text(handle, index, $0, CInt(bytes.count), transient) }
        }
    }
}

/// Values for a statement's placeholders, written as GRDB's are (`[a, b]`, `["name": a]`).
struct SQLArguments: ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    private(set) var values: [DatabaseValue]
    private(set) var named: [String: DatabaseValue]

    init() {
        values = []
        named = [:]
    }

    init(_ values: some Sequence<(any DatabaseValueConvertible)?>) {
        self.values = values.map { $0?.databaseValue ?? .null }
        named = [:]
    }

    init(arrayLiteral elements: (any DatabaseValueConvertible)?...) {
        self.init(elements)
    }

    init(dictionaryLiteral elements: (String, (any DatabaseValueConvertible)?)...) {
        values = []
        named = Dictionary(elements.map { ($0, $1?.databaseValue ?? .null) }, uniquingKeysWith: { $1 })
    }

    /// Adds positional values after these, and named ones (a name given again takes the new value).
    static func += (left: inout SQLArguments, right: SQLArguments) {
        left.values += right.values
        left.named.merge(right.named) { $1 }
    }

    var statementArguments: StatementArguments {
        if named.isEmpty { return StatementArguments(values) }
        return StatementArguments(values) + StatementArguments(named)
    }

    var parameters: SQLParameters {
        SQLParameters(positional: values.map(SQLValue.init), named: named.mapValues(SQLValue.init))
    }
}

/// Column names of a result, shared by its rows; looked up as SQLite does, ignoring case.
final class SQLColumns: Sendable {
    let names: [String]
    private let indexes: [String: Int]

    init(_ names: [String]) {
        self.names = names
        var indexes: [String: Int] = [:]
        for (index, name) in names.enumerated() where indexes[name.lowercased()] == nil { indexes[name.lowercased()] = index }
        self.indexes = indexes
    }

    func index(of name: String) -> Int? { indexes[name] ?? indexes[name.lowercased()] }
}

/// A result row, read by column name or position as a GRDB `Row` is: a GRDB row itself on
/// SQLite, values a server returned otherwise.
struct SQLRow: ResultColumns {
    private enum Storage {
        case sqlite(Row)
        case values(SQLColumns, [DatabaseValue])
    }

    private let storage: Storage

    init(_ row: Row) { storage = .sqlite(row) }

    init(columns: SQLColumns, values: [DatabaseValue]) { storage = .values(columns, values) }

    /// The row, still valid once the cursor that read it moved on.
    func copy() -> SQLRow {
        if case .sqlite(let row) = storage { return SQLRow(row.copy()) }
        return self
    }

    subscript<Value: DatabaseValueConvertible>(_ name: String) -> Value {
        switch storage {
        case .sqlite(let row): return row[name]
        case .values(let columns, let values): return Self.decode(values[Self.index(name, columns)], name)
        }
    }

    subscript<Value: DatabaseValueConvertible & StatementColumnConvertible>(_ name: String) -> Value {
        switch storage {
        case .sqlite(let row): return row[name]
        case .values(let columns, let values): return Self.decode(values[Self.index(name, columns)], name)
        }
    }

    subscript<Value: DatabaseValueConvertible>(_ index: Int) -> Value {
        switch storage {
        case .sqlite(let row): return row[index]
        case .values(_, let values): return Self.decode(values[index], "\(index)")
        }
    }

    subscript<Value: DatabaseValueConvertible & StatementColumnConvertible>(_ index: Int) -> Value {
        switch storage {
        case .sqlite(let row): return row[index]
        case .values(_, let values): return Self.decode(values[index], "\(index)")
        }
    }

    /// The column names, in order.
    var columnNames: [String] {
        switch storage {
        case .sqlite(let row): Array(row.columnNames)
        case .values(let columns, _): columns.names
        }
    }

    func value<Value: DatabaseValueConvertible & StatementColumnConvertible>(at index: Int) -> Value? {
        switch storage {
        case .sqlite(let row): return row[index]
        case .values(_, let values): return Value.fromDatabaseValue(values[index])
        }
    }

    private static func index(_ name: String, _ columns: SQLColumns) -> Int {
        guard let index = columns.index(of: name) else { fatalError("no column \(name) in a result of columns \(columns.names)") }
        return index
    }

    /// GRDB's rule: a value that does not convert is a programming error (a wrong type in the SQL).
    private static func decode<Value: DatabaseValueConvertible>(_ value: DatabaseValue, _ column: String) -> Value {
        guard let decoded = Value.fromDatabaseValue(value) else { fatalError("column \(column): cannot read \(value) as \(Value.self)") }
        return decoded
    }
}

/// Rows read one at a time: a GRDB cursor on SQLite, the rows a server returned otherwise. A row
/// is valid until the next call (``SQLRow/copy()`` keeps it).
final class SQLRowCursor {
    private enum Source {
        case sqlite(RowCursor)
        case rows(IndexingIterator<[SQLRow]>)
    }

    private var source: Source

    fileprivate init(_ cursor: RowCursor) { source = .sqlite(cursor) }
    fileprivate init(_ rows: [SQLRow]) { source = .rows(rows.makeIterator()) }

    func next() throws -> SQLRow? {
        switch source {
        case .sqlite(let cursor): return try cursor.next().map(SQLRow.init)
        case .rows(var iterator):
            let row = iterator.next()
            source = .rows(iterator)
            return row
        }
    }
}

/// The first column of each row of an ``SQLRowCursor``.
struct SQLValueCursor<Value: DatabaseValueConvertible> {
    fileprivate let rows: SQLRowCursor

    fileprivate init(_ rows: SQLRowCursor) { self.rows = rows }

    func next() throws -> Value? {
        try rows.next().map { $0[0] }
    }
}

extension SQLRow {
    static func fetchAll(_ db: SQLSession, sql: String, arguments: SQLArguments = SQLArguments()) throws -> [SQLRow] {
        switch db.connection {
        case .sqlite(let database): try Row.fetchAll(database, sql: sql, arguments: arguments.statementArguments).map(SQLRow.init)
        case .server: try db.rows(sql, arguments)
        }
    }

    static func fetchOne(_ db: SQLSession, sql: String, arguments: SQLArguments = SQLArguments()) throws -> SQLRow? {
        switch db.connection {
        case .sqlite(let database): try Row.fetchOne(database, sql: sql, arguments: arguments.statementArguments).map(SQLRow.init)
        case .server: try db.rows(sql, arguments).first
        }
    }

    static func fetchCursor(_ db: SQLSession, sql: String, arguments: SQLArguments = SQLArguments()) throws -> SQLRowCursor {
        switch db.connection {
        case .sqlite(let database): SQLRowCursor(try Row.fetchCursor(database, sql: sql, arguments: arguments.statementArguments))
        case .server: SQLRowCursor(try db.rows(sql, arguments))
        }
    }

    static func fetchAll(_ statement: SQLStatement, arguments: SQLArguments = SQLArguments()) throws -> [SQLRow] {
        switch statement {
        case .sqlite(let statement): try Row.fetchAll(statement, arguments: SQLStatement.arguments(arguments, binding: statement)).map(SQLRow.init)
        case .server(let session, let sql): try session.rows(sql, arguments)
        }
    }

    static func fetchOne(_ statement: SQLStatement, arguments: SQLArguments = SQLArguments()) throws -> SQLRow? {
        switch statement {
        case .sqlite(let statement): try Row.fetchOne(statement, arguments: SQLStatement.arguments(arguments, binding: statement)).map(SQLRow.init)
        case .server(let session, let sql): try session.rows(sql, arguments).first
        }
    }

    static func fetchCursor(_ statement: SQLStatement, arguments: SQLArguments = SQLArguments()) throws -> SQLRowCursor {
        switch statement {
        case .sqlite(let statement): SQLRowCursor(try Row.fetchCursor(statement, arguments: SQLStatement.arguments(arguments, binding: statement)))
        case .server(let session, let sql): SQLRowCursor(try session.rows(sql, arguments))
        }
    }
}

extension DatabaseValueConvertible {
    /// The first column of the first row, nil when there is no row or it is NULL.
    static func fetchOne(_ db: SQLSession, sql: String, arguments: SQLArguments = SQLArguments()) throws -> Self? {
        try SQLRow.fetchOne(db, sql: sql, arguments: arguments).flatMap { Self.fromDatabaseValue($0.rawValue(at: 0)) }
    }

    static func fetchOne(_ statement: SQLStatement, arguments: SQLArguments = SQLArguments()) throws -> Self? {
        try SQLRow.fetchOne(statement, arguments: arguments).flatMap { Self.fromDatabaseValue($0.rawValue(at: 0)) }
    }

    /// The first column of every row (rows where it is NULL are a programming error, as in GRDB).
    static func fetchAll(_ db: SQLSession, sql: String, arguments: SQLArguments = SQLArguments()) throws -> [Self] {
        try SQLRow.fetchAll(db, sql: sql, arguments: arguments).map { $0[0] }
    }

    static func fetchAll(_ statement: SQLStatement, arguments: SQLArguments = SQLArguments()) throws -> [Self] {
        try SQLRow.fetchAll(statement, arguments: arguments).map { $0[0] }
    }

    /// The first column of each row, one row at a time.
    static func fetchCursor(_ db: SQLSession, sql: String, arguments: SQLArguments = SQLArguments()) throws -> SQLValueCursor<Self> {
        SQLValueCursor(try SQLRow.fetchCursor(db, sql: sql, arguments: arguments))
    }
}

extension DatabaseValueConvertible where Self: StatementColumnConvertible {
    /// The first column of the first row, nil when there is no row or it is NULL; on SQLite read
    /// in place, without making a row (what a recorded response's `RETURNING id` costs).
    static func fetchOne(_ statement: SQLStatement, arguments: SQLArguments = SQLArguments()) throws -> Self? {
        switch statement {
        case .sqlite(let statement): try fetchOne(statement, arguments: SQLStatement.arguments(arguments, binding: statement))
        case .server(let session, let sql): try session.rows(sql, arguments).first.flatMap { fromDatabaseValue($0.rawValue(at: 0)) }
        }
    }
}

extension SQLRow {
    /// The raw value at `index`.
    func rawValue(at index: Int) -> DatabaseValue {
        switch storage {
        case .sqlite(let row): row[index]?.databaseValue ?? .null
        case .values(_, let values): values[index]
        }
    }
}

extension SQLValue {
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let integer): self = .integer(integer)
        case .double(let double): self = .real(double)
        case .string(let string): self = .text(string)
        case .blob(let data): self = .blob([UInt8](data))
        }
    }

    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let integer): integer.databaseValue
        case .real(let double): double.databaseValue
        case .text(let string): string.databaseValue
        case .blob(let bytes): Data(bytes).databaseValue
        }
    }
}

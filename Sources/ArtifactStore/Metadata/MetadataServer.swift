import Foundation

/// A database server that holds a store's metadata, so that several machines share one store
/// (PostgreSQL, in `ArtifactStorePostgres`). ARCHITECTURE.md §11.
///
/// The store runs its own SQL on it, the same statements it runs on SQLite: written in the part
/// of SQL both databases share, with `?`, `?NNN` and `:name` placeholders as SQLite takes them,
/// and ``SQLDialect`` for the few fragments they spell differently. An implementation translates
/// placeholders and values, and gives transactions the meaning SQLite's have in a store:
///
/// - a ``MetadataTransactionKind/read`` transaction sees one consistent snapshot;
/// - ``MetadataTransactionKind/write(durable:)`` transactions take turns, one at a time across
///   every node, as SQLite's `BEGIN IMMEDIATE` does across processes (ARCHITECTURE.md §4, I2),
///   and a durable one is on disk when its commit returns.
public protocol MetadataServer: AnyObject, Sendable {
    /// How the store's SQL is spelled for this server.
    var dialect: SQLDialect { get }

    /// Where the metadata is, for messages: never a password.
    var displayName: String { get }

    /// Runs one statement as a transaction of its own (a single SELECT sees one snapshot): the
    /// point lookups of verdicts, in one round trip.
    func statement(_ sql: String, _ parameters: SQLParameters) throws -> SQLResult

    /// Runs `body` in one transaction on one connection, commits when it returns and rolls back
    /// when it throws.
    func transaction<T>(_ kind: MetadataTransactionKind, _ body: (any MetadataServerConnection) throws -> T) throws -> T
}

/// What a transaction on a ``MetadataServer`` may do.
public enum MetadataTransactionKind: Sendable, Hashable {
    /// Reads only, from one snapshot.
    case read
    /// Reads and writes while holding the store's write lock. Not `durable`: the commit need not
    /// wait for the disk (a crash may lose it, never corrupt anything).
    case write(durable: Bool)
}

/// One connection inside a ``MetadataServer`` transaction.
public protocol MetadataServerConnection {
    /// Runs one statement.
    ///
    /// - Parameters:
    ///   - sql: one statement, with SQLite's placeholders (`?`, `?NNN`, `:name`).
    ///   - parameters: their values.
    /// - Returns: the rows it returned, if any, and how many rows it changed.
    func run(_ sql: String, _ parameters: SQLParameters) throws -> SQLResult
}

/// A value in a statement or a result row: the storage classes the store's SQL uses.
public enum SQLValue: Sendable, Hashable {
    /// NULL.
    case null
    /// An integer (booleans are 0 and 1).
    case integer(Int64)
    /// A floating-point number.
    case real(Double)
    /// Text.
    case text(String)
    /// Bytes.
    case blob([UInt8])
}

/// The values of a statement's placeholders: by position (`?`, `?NNN`) or by name (`:name`).
public struct SQLParameters: Sendable, Hashable {
    /// Positional values: the first `?` (or `?1`) takes the first.
    public var positional: [SQLValue]
    /// Named values, by name without the colon.
    public var named: [String: SQLValue]

    /// Values by position and by name.
    public init(positional: [SQLValue] = [], named: [String: SQLValue] = [:]) {
        self.positional = positional
        self.named = named
    }
}

/// What a statement returned.
public struct SQLResult: Sendable {
    /// The result's column names, in order.
    public var columns: [String]
    /// The rows, each with one value per column.
    public var rows: [[SQLValue]]
    /// How many rows an INSERT, UPDATE or DELETE changed.
    public var changes: Int

    /// A result.
    public init(columns: [String], rows: [[SQLValue]], changes: Int) {
        self.columns = columns
        self.rows = rows
        self.changes = changes
    }
}

/// The few fragments of SQL that SQLite and the metadata servers spell differently. Everything
/// else the store writes once.
public enum SQLDialect: Sendable, Hashable {
    /// SQLite (the default, one machine).
    case sqlite
    /// PostgreSQL.
    case postgres

    /// A boolean expression: `value` matches the shell-style `pattern` (`*`, `?`, `[…]`), case
    /// sensitively, as SQLite's `GLOB` does.
    public func glob(_ value: String, pattern: String) -> String {
        switch self {
        case .sqlite: "(\(value) GLOB \(pattern))"
        // A function of the PostgreSQL schema (Schema/postgres/0017).
        case .postgres: "glob_match(\(value), \(pattern))"
        }
    }

    /// The larger of two values.
    public func greatest(_ first: String, _ second: String) -> String {
        switch self {
        case .sqlite: "max(\(first), \(second))"
        case .postgres: "GREATEST(\(first), \(second))"
        }
    }

    /// `INDEXED BY index` where the database takes index hints (SQLite), nothing elsewhere.
    public func indexedBy(_ index: String) -> String {
        switch self {
        case .sqlite: "INDEXED BY \(index)"
        case .postgres: ""
        }
    }
}

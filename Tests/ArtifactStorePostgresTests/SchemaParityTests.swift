import ArtifactStore
@testable import ArtifactStorePostgres
import Foundation
import GRDB
import PostgresNIO
import Testing
import TestSupport

/// Schema/postgres/ stays the same schema as Schema/ (ARCHITECTURE.md §11): a fresh SQLite store
/// and a fresh PostgreSQL schema have the same tables with the same columns, apart from exactly
/// what the PostgreSQL-only gc protocol adds and the SQLite-only blob journal.
@Suite(.enabled(if: TestPostgres.requiredAndPresent, TestPostgres.missing))
struct SchemaParityTests {
    /// What PostgreSQL has and SQLite does not: the migrator's own table, and 0015_gc_protocol.
    static let postgresOnlyTables: Set<String> = ["schema_migrations"]
    static let postgresOnlyColumns: Set<String> = ["blob.generation", "blob.published_at"]
    /// What SQLite has and PostgreSQL does not: GRDB's migrator table, SQLite's own, and the
    /// blob journal (0018_blob_journal: a server's commit is on another machine, so a store
    /// with its metadata there fsyncs every blob file; ARCHITECTURE.md §4, I1). And a rebuild
    /// of SQLite's response table whose only change is how its check is written (PostgreSQL
    /// checks an IN list directly: 0019_response_check).
    static let sqliteOnlyTables: Set<String> = ["grdb_migrations", "blob_journal"]
    static let sqliteOnlyMigrations: Set<String> = ["0018_blob_journal", "0019_response_check"]

    @Test func postgresMigrationsMirrorTheSQLiteOnesOneForOne() {
        let sqlite = Set(sqliteMigrationNames()).subtracting(Self.sqliteOnlyMigrations)
        let postgres = Set(PostgresMetadata.knownMigrations)
        #expect(sqlite.subtracting(postgres).isEmpty, "SQLite migrations without a PostgreSQL translation: \(sqlite.subtracting(postgres).sorted())")
        #expect(postgres.subtracting(sqlite) == ["0015_gc_protocol", "0017_glob_match"])
    }

    @Test func aFreshPostgresSchemaHasTheTablesAndColumnsOfAFreshSQLiteStore() async throws {
        let testStore = try TestStore()
        let sqliteColumns = try sqliteTableColumns(testStore)
        let postgresColumns = try await TestPostgres.withMetadata { metadata in
            var columns: [String: Set<String>] = [:]
            let query: PostgresQuery = "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            for try await (table, column) in try await metadata.client.query(query, logger: metadata.logger).decode((String, String).self) {
                columns[table, default: []].insert(column)
            }
            return columns
        }
        #expect(!sqliteColumns.isEmpty && !postgresColumns.isEmpty)
        let sqliteTables = Set(sqliteColumns.keys).subtracting(Self.sqliteOnlyTables)
        let postgresTables = Set(postgresColumns.keys).subtracting(Self.postgresOnlyTables)
        #expect(sqliteTables == postgresTables, "only in SQLite: \(sqliteTables.subtracting(postgresTables).sorted()); only in PostgreSQL: \(postgresTables.subtracting(sqliteTables).sorted())")
        for table in sqliteTables.intersection(postgresTables).sorted() {
            let sqlite = Set(sqliteColumns[table, default: []].map { "\(table).\($0)" })
            let postgres = Set(postgresColumns[table, default: []].map { "\(table).\($0)" }).subtracting(Self.postgresOnlyColumns)
            #expect(sqlite == postgres, "\(table): only in SQLite \(sqlite.subtracting(postgres).sorted()), only in PostgreSQL \(postgres.subtracting(sqlite).sorted())")
        }
        // The allowed differences are really there (a stale list would hide a real difference).
        for column in Self.postgresOnlyColumns {
            let parts = column.split(separator: ".").map(String.init)
            #expect(postgresColumns[parts[0]]?.contains(parts[1]) == true, "\(column) is listed as PostgreSQL-only but PostgreSQL lacks it")
        }
    }

    private func sqliteTableColumns(_ testStore: TestStore) throws -> [String: Set<String>] {
        let queue = try DatabaseQueue(path: testStore.root.appending(path: "store.sqlite").path(percentEncoded: false))
        return try queue.read { db in
            var columns: [String: Set<String>] = [:]
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            for table in tables {
                for row in try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table]) {
                    columns[table, default: []].insert(row["name"])
                }
            }
            return columns
        }
    }

    /// Schema/*.sql, by file name without extension (the identifiers GRDB records).
    private func sqliteMigrationNames() -> [String] {
        let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appending(path: "Schema")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: schema.path(percentEncoded: false))) ?? []
        return files.filter { $0.hasSuffix(".sql") }.map { String($0.dropLast(4)) }.sorted()
    }
}

@testable import ArtifactStorePostgres
import Testing

@Suite struct MigrationStatementTests {
    @Test func splitsAtSemicolonsOutsideQuotesAndDropsComments() {
        let sql = """
            -- a comment; with a semicolon
            CREATE TABLE t (a TEXT DEFAULT 'x;y', "odd;name" BIGINT); -- trailing
            INSERT INTO t (a) VALUES ('it''s; fine');
            SELECT a - 1 FROM t
            """
        #expect(PostgresMetadata.statements(in: sql) == [
            "CREATE TABLE t (a TEXT DEFAULT 'x;y', \"odd;name\" BIGINT)",
            "INSERT INTO t (a) VALUES ('it''s; fine')",
            "SELECT a - 1 FROM t",
        ])
    }

    @Test func everyShippedMigrationHasAtLeastOneStatement() {
        for migration in schemaMigrations {
            #expect(!PostgresMetadata.statements(in: migration.sql).isEmpty, "\(migration.identifier)")
        }
    }
}

import ArtifactStore
@testable import ArtifactStorePostgres
import Testing
import TestSupport

@Suite struct PostgresLocationTests {
    @Test func parsesEveryPartOfAPostgresURL() throws {
        let location = try PostgresLocation(parsing: "postgres://alice:s3cret@db.example:6543/artifacts", environment: [:])
        #expect(location == PostgresLocation(host: "db.example", port: 6543, username: "alice", password: "s3cret", database: "artifacts"))
    }

    @Test func acceptsThePostgresqlSchemeAndPercentEncodedPasswords() throws {
        let location = try PostgresLocation(parsing: "postgresql://alice:p%40ss%3Aword@db.example/artifacts", environment: [:])
        #expect(location.password == "p@ss:word")
        #expect(location.port == 5432)
    }

    @Test func fillsInWhatTheURLLeavesOutFromTheEnvironment() throws {
        let environment = ["PGUSER": "bob", "PGPASSWORD": "from-env", "PGHOST": "pg.internal", "PGPORT": "5433", "PGDATABASE": "store"]
        let location = try PostgresLocation(parsing: "postgres://", environment: environment)
        #expect(location == PostgresLocation(host: "pg.internal", port: 5433, username: "bob", password: "from-env", database: "store"))
        // What the URL says wins over the environment.
        let explicit = try PostgresLocation(parsing: "postgres://carol:given@h:1/d", environment: environment)
        #expect(explicit == PostgresLocation(host: "h", port: 1, username: "carol", password: "given", database: "d"))
    }

    @Test func defaultsToLocalhostAndADatabaseNamedAfterTheUser() throws {
        let location = try PostgresLocation(parsing: "postgres://dave@", environment: [:])
        #expect(location == PostgresLocation(host: "localhost", port: 5432, username: "dave", password: nil, database: "dave"))
    }

    @Test func descriptionNeverShowsThePassword() throws {
        let location = try PostgresLocation(parsing: "postgres://alice:s3cret@db.example:6543/artifacts", environment: [:])
        #expect(location.description == "postgres://alice@db.example:6543/artifacts")
        #expect(!"\(location)".contains("s3cret"))
        #expect(!String(reflecting: location).contains("s3cret"))
        var dumped = ""
        dump(location, to: &dumped)
        #expect(!dumped.contains("s3cret"))
        #expect(dumped.contains("***"))
        let fromEnvironment = try PostgresLocation(parsing: "postgres://alice@db/x", environment: ["PGPASSWORD": "env-secret"])
        #expect(!fromEnvironment.description.contains("env-secret"))
    }

    @Test func rejectsOtherSchemesWithoutEchoingThePassword() throws {
        let error = expectStoreError(.invalidInput) { try PostgresLocation(parsing: "mysql://alice:s3cret@db/x", environment: [:]) }
        #expect(error?.message.contains("s3cret") == false)
        #expect(error?.message.contains("mysql://alice:***@db/x") == true)
    }

    @Test("a password holding / ? or # is refused, and no error shows it", arguments: [
        "postgres://app:pa/ss@db/store", "postgres://app:pa#ss@db/store", "postgres://app:pa?ss@db/store", "postgres://app:12/34@db/store",
    ])
    func refusesUnencodedDelimitersInThePassword(url: String) {
        let secret = String(url.split(separator: ":")[2].split(separator: "@")[0])
        let error = expectStoreError(.invalidInput) { try PostgresLocation(parsing: url, environment: [:]) }
        #expect(error?.message.contains("percent-encode") == true)
        #expect(error?.message.contains(secret) == false, "\(error?.message ?? "")")
    }

    @Test func decodesPercentEncodingOnce() throws {
        let location = try PostgresLocation(parsing: "postgres://al%2525ice:p%2541@db.example/my%2520db", environment: [:])
        #expect(location.username == "al%25ice")
        #expect(location.password == "p%41")
        #expect(location.database == "my%20db")
    }

    @Test func rejectsAURLWithNoUserAndNoPGUSER() {
        expectStoreError(.invalidInput) { try PostgresLocation(parsing: "postgres://db.example/x", environment: [:]) }
    }

    @Test func rejectsABadPGPORT() {
        expectStoreError(.invalidInput) { try PostgresLocation(parsing: "postgres://a@db/x", environment: ["PGPORT": "many"]) }
    }

    @Test func redactsOnlyThePassword() {
        #expect(PostgresLocation.redacted("postgres://u:p@h/d") == "postgres://u:***@h/d")
        #expect(PostgresLocation.redacted("postgres://u@h/d") == "postgres://u@h/d")
        #expect(PostgresLocation.redacted("postgres://h/d?x=a@b") == "postgres://h/d?x=a@b")
    }

    @Test func namesAnIPv6HostInBrackets() {
        #expect(PostgresLocation(host: "::1", port: 5432, username: "u", database: "d").hostAndPort == "[::1]:5432")
    }
}

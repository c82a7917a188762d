import ArtifactStore
@testable import ArtifactStorePostgres
import Foundation
import PostgresNIO
import Testing
import TestSupport

@Suite(.enabled(if: TestPostgres.requiredAndPresent, TestPostgres.missing))
struct PostgresMetadataTests {
    @Test func openingAFreshDatabaseAppliesEveryMigrationInOrder() async throws {
        try await TestPostgres.withMetadata { metadata in
            let applied = try await metadata.appliedMigrations()
            #expect(applied == PostgresMetadata.knownMigrations)
            #expect(applied.first == "0001_initial")
            #expect(applied.contains("0015_gc_protocol"))
            #expect(try await metadata.count("meta", where: "key = 'format_version'") == 1)
        }
    }

    @Test func reopeningAppliesNothingTwice() async throws {
        try await TestPostgres.withMetadata { metadata in
            var options = PostgresMetadata.Options()
            options.schema = metadata.schema
            options.logger = CapturedLog().logger
            let again = try await PostgresMetadata.open(metadata.location, options: options)
            #expect(try await again.appliedMigrations() == PostgresMetadata.knownMigrations)
            #expect(try await again.count("meta") == 1)
            await again.shutdown()
        }
    }

    @Test func nodesOpeningTogetherTakeTurnsMigrating() async throws {
        let location = try TestPostgres.location()
        let schema = TestPostgres.freshSchema()
        let opened = try await withThrowingTaskGroup(of: PostgresMetadata.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var options = PostgresMetadata.Options()
                    options.schema = schema
                    options.logger = CapturedLog().logger
                    return try await PostgresMetadata.open(location, options: options)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(try await opened[0].appliedMigrations() == PostgresMetadata.knownMigrations)
        for metadata in opened.dropFirst() { await metadata.shutdown() }
        await TestPostgres.drop(opened[0])
    }

    @Test func aDatabaseMigratedByANewerBuildIsRefusedWithWhatToDo() async throws {
        try await TestPostgres.withMetadata { metadata in
            _ = try await metadata.client.query("INSERT INTO schema_migrations VALUES ('9999_from_the_future', 0)", logger: metadata.logger)
            var options = PostgresMetadata.Options()
            options.schema = metadata.schema
            options.logger = CapturedLog().logger
            do {
                let again = try await PostgresMetadata.open(metadata.location, options: options)
                await again.shutdown()
                Issue.record("a newer schema was opened")
            } catch let error as StoreError {
                #expect(error.code == .newerFormat)
                #expect(error.message.contains("9999_from_the_future"))
                #expect(error.message.contains("Upgrade artifact-store"))
                #expect(error.message.contains(metadata.location.hostAndPort))
            }
        }
    }

    @Test func anUnreachableServerIsAClearErrorNamingHostAndPort() async throws {
        // A port nothing listens on: take one from the kernel, then close it.
        let location = PostgresLocation(host: "127.0.0.1", port: try unusedPort(), username: "u", password: "never-shown", database: "somedb")
        let error = await openError(location)
        #expect(error?.code == .database)
        #expect(error?.message.hasPrefix("cannot connect to PostgreSQL at 127.0.0.1:\(location.port) (database somedb): connection refused.") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("somedb") == true)
        #expect(error.map { "\($0)" }?.contains("never-shown") == false)
    }

    @Test func aWrongPasswordIsAClearErrorThatHidesThePassword() async throws {
        var location = try TestPostgres.location()
        location.password = "definitely-wrong-password"
        let error = await openError(location)
        #expect(error?.code == .database)
        #expect(error?.message.contains("refused user \(location.username)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(location.hostAndPort) == true)
        #expect(error.map { "\($0)" }?.contains("definitely-wrong-password") == false)
    }

    @Test func aMissingDatabaseIsAClearErrorSayingHowToCreateIt() async throws {
        var location = try TestPostgres.location()
        location.database = "no_such_database_here"
        let error = await openError(location)
        #expect(error?.code == .database)
        #expect(error?.message.contains("database no_such_database_here does not exist on PostgreSQL at \(location.hostAndPort)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("createdb") == true)
        if let password = location.password {
            #expect(error.map { "\($0)" }?.contains(password) == false)
        }
    }

    @Test("a schema name that is not a lowercase identifier is refused before any connection", arguments: [
        "x\"; DROP TABLE blob; --", "MySchema", "1abc", "",
    ])
    func aSchemaNameThatIsNotAnIdentifierIsRefused(name: String) async throws {
        var options = PostgresMetadata.Options()
        options.schema = name
        let error = await openError(try TestPostgres.location(), options: options)
        #expect(error?.code == .invalidInput)
    }

    private func openError(_ location: PostgresLocation, options: PostgresMetadata.Options = PostgresMetadata.Options()) async -> StoreError? {
        var options = options
        options.logger = CapturedLog().logger
        do {
            let metadata = try await PostgresMetadata.open(location, options: options)
            await metadata.shutdown()
            Issue.record("opened \(location)")
            return nil
        } catch let error as StoreError {
            return error
        } catch {
            Issue.record("expected a StoreError, got \(type(of: error))")
            return nil
        }
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on (bound, then closed).
func unusedPort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
    }
    try #require(bound)
    return Int(UInt16(bigEndian: address.sin_port))
}

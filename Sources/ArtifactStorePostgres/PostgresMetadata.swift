import ArtifactStore
import Foundation
import Logging
import PostgresNIO

/// A store's metadata in PostgreSQL, shared by several nodes (ARCHITECTURE.md §11): a pooled
/// client, the schema of `Schema/postgres/` applied on open, and the primitives of the cross-node
/// publication and gc protocol.
///
/// Open it with ``open(_:options:)`` and end it with ``shutdown()``. Errors are ``StoreError``s
/// that name the server (`host:port`) and database, never the password.
public final class PostgresMetadata: Sendable {
    /// How to open the metadata.
    public struct Options: Sendable {
        /// The PostgreSQL schema holding the store's tables, created when missing; `nil` uses the
        /// user's default `search_path` (normally `public`). Letters, digits and `_` only.
        /// Several stores (or tests) can share one database, each in its own schema.
        public var schema: String?
        /// At most this many connections in the pool.
        public var maximumConnections = 20
        /// Where the client logs. Never receives a password.
        public var logger = Logger(label: "artifact-store.postgres")

        /// The defaults: the default schema, 20 connections.
        public init() {}
    }

    /// A blob gc may remove, as ``gcCandidates(unreferencedFor:limit:)`` marked it.
    public struct GCCandidate: Sendable, Equatable {
        /// The blob.
        public var digest: BlobDigest
        /// Its size in bytes.
        public var size: Int64
        /// Its generation when marked: the claim succeeds only if nobody published it since.
        public var generation: Int64
    }

    /// The server and database (printable: no password).
    public let location: PostgresLocation
    /// The schema given in ``Options/schema``, if any.
    public let schema: String?
    let client: PostgresClient
    let logger: Logger
    /// For a connection of its own, outside the pool (the gc lock's).
    let connectionConfiguration: PostgresConnection.Configuration
    /// The connections the store's synchronous SQL runs on (PostgresMetadata+Server.swift).
    let blockingConnections: BlockingConnections
    private let running: Task<Void, Never>

    private init(location: PostgresLocation, schema: String?, client: PostgresClient, connectionConfiguration: PostgresConnection.Configuration, maximumIdle: Int, logger: Logger) {
        self.location = location
        self.schema = schema
        self.client = client
        self.connectionConfiguration = connectionConfiguration
        self.logger = logger
        blockingConnections = BlockingConnections(configuration: connectionConfiguration, location: location, maximumIdle: maximumIdle, logger: logger)
        running = Task { await client.run() }
    }

    /// Connects, applies the migrations this database lacks (one transaction each, under an
    /// advisory lock so that nodes opening together take turns) and starts the pool.
    ///
    /// - Throws: ``StoreError`` `database` when the server cannot be reached, refuses the user or
    ///   has no such database (the message says which, naming `host:port` and the database);
    ///   `newerFormat` when a newer artifact-store migrated the database; `invalidInput` for a
    ///   schema name that is not lowercase letters, digits and `_`.
    public static func open(_ location: PostgresLocation, options: Options = Options()) async throws -> PostgresMetadata {
        try openWaiting(location, options: options)
    }

    /// ``open(_:options:)`` for synchronous callers (a command, a test's store): waits for the
    /// server on the calling thread, which must not be one of NIO's event loops.
    public static func openWaiting(_ location: PostgresLocation, options: Options = Options()) throws -> PostgresMetadata {
        if let schema = options.schema {
            // Lowercase only: the search_path startup parameter folds case, while the quoted
            // CREATE SCHEMA would not, and the two must name the same schema.
            guard !schema.isEmpty, schema.utf8.count <= 63, schema.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }),
                  !schema.first!.isNumber
            else {
                throw StoreError(.invalidInput, "\(schema.debugDescription) is not a usable PostgreSQL schema name: use lowercase letters, digits and _, starting with a letter")
            }
        }
        var parameters: [(String, String)] = []
        if let schema = options.schema { parameters.append(("search_path", schema)) }

        var connectionConfiguration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.username,
            password: location.password, database: location.database, tls: .disable)
        connectionConfiguration.options.additionalStartupParameters = parameters
        let logger = options.logger
        // The migrating connection is one of its own, closed at the end: that releases the
        // migration lock whatever happened.
        let migrating = BlockingConnections(configuration: connectionConfiguration, location: location, maximumIdle: 0, logger: logger)
        try migrating.withConnection { connection in
            try migrate(BlockingSession(connection: connection, location: location, logger: logger), schema: options.schema, location: location, logger: logger)
        }

        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username,
            password: location.password, database: location.database, tls: .disable)
        configuration.options.additionalStartupParameters = parameters
        configuration.options.maximumConnections = options.maximumConnections
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return PostgresMetadata(location: location, schema: options.schema, client: client, connectionConfiguration: connectionConfiguration,
                                maximumIdle: options.maximumConnections, logger: logger)
    }

    /// Closes the connections, for synchronous callers (the pool's close in the background).
    /// The metadata is unusable afterwards.
    public func closeWaiting() {
        blockingConnections.closeAll()
        running.cancel()
    }

    /// Closes the pool's connections. The metadata is unusable afterwards.
    public func shutdown() async {
        blockingConnections.closeAll()
        running.cancel()
        await running.value
    }

    /// The identifiers of the migrations applied to this database, in order.
    public func appliedMigrations() async throws -> [String] {
        try await run {
            var identifiers: [String] = []
            for try await identifier in try await client.query("SELECT identifier FROM schema_migrations ORDER BY identifier", logger: logger).decode(String.self) {
                identifiers.append(identifier)
            }
            return identifiers
        }
    }

    /// The identifiers of the migrations this build carries (`Schema/postgres/*.sql`), in order.
    public static var knownMigrations: [String] { schemaMigrations.map(\.identifier) }

    // MARK: Migrations

    /// The key of the advisory locks of one store: its schema (so stores in different schemas of
    /// one database never wait for each other).
    static func lockKey(_ schema: String?) -> String { schema ?? "" }

    private static func migrate(_ session: BlockingSession, schema: String?, location: PostgresLocation, logger: Logger) throws {
        let key = SQLValue.text(lockKey(schema))
        try session.run("SELECT pg_advisory_lock(hashtext('artifact-store migrations'), hashtext($1))", [key])
        if let schema {
            try session.run("CREATE SCHEMA IF NOT EXISTS \"\(schema)\"")
        }
        try session.run("CREATE TABLE IF NOT EXISTS schema_migrations (identifier TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        var applied: Set<String> = []
        for row in try session.run("SELECT identifier FROM schema_migrations").rows {
            if case .text(let identifier) = row[0] { applied.insert(identifier) }
        }
        let known = Set(schemaMigrations.map(\.identifier))
        let unknown = applied.subtracting(known).sorted()
        guard unknown.isEmpty else {
            throw StoreError(.newerFormat, "the PostgreSQL database \(location.database) at \(location.hostAndPort)\(schema.map { " (schema \($0))" } ?? "") was migrated by a newer artifact-store (schema \(unknown.joined(separator: ", "))); this build knows up to \(known.max() ?? "none"). Upgrade artifact-store on this node; the database was left as it is")
        }
        for migration in schemaMigrations where !applied.contains(migration.identifier) {
            try session.run("BEGIN")
            do {
                // A migration file holds several statements; a query runs one.
                for statement in statements(in: migration.sql) {
                    try session.run(statement)
                }
                try session.run("INSERT INTO schema_migrations (identifier, applied_at) VALUES ($1, CAST(extract(epoch FROM now()) AS BIGINT))",
                                [.text(migration.identifier)])
                try session.run("COMMIT")
            } catch {
                _ = try? session.run("ROLLBACK")
                throw error
            }
            logger.info("applied PostgreSQL migration \(migration.identifier)")
        }
        try session.run("SELECT pg_advisory_unlock(hashtext('artifact-store migrations'), hashtext($1))", [key])
    }

    /// The statements of a migration file, without their comments: split at each `;` outside a
    /// string literal or a quoted identifier. (Dollar quoting and `/* */` comments are not
    /// understood: Schema/postgres/ does not use them.)
    static func statements(in sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var quote: Character?
        var characters = sql.makeIterator()
        var pending: Character?
        while let character = pending ?? characters.next() {
            pending = nil
            if let open = quote {
                current.append(character)
                if character == open { quote = nil }
                continue
            }
            switch character {
            case "'", "\"":
                quote = character
                current.append(character)
            case "-":
                let next = characters.next()
                if next == "-" {
                    while let skipped = characters.next(), skipped != "\n" {}
                    current.append("\n")
                } else {
                    current.append(character)
                    pending = next
                }
            case ";":
                statements.append(current)
                current = ""
            default:
                current.append(character)
            }
        }
        statements.append(current)
        return statements.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    // MARK: Errors

    /// Runs `body`, turning PostgreSQL's errors into ``StoreError``s that name this server.
    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await Self.mapErrors(location, body)
    }

    static func mapErrors<T: Sendable>(_ location: PostgresLocation, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError {
            throw storeError(error, location: location)
        } catch let error as PostgresTransactionError {
            // What went wrong first: the transaction's own work, else BEGIN, else COMMIT.
            let cause = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError
            if let cause = cause as? PSQLError { throw storeError(cause, location: location) }
            if let cause { throw cause }
            throw error
        }
    }

    /// What a PostgreSQL error means for the user, with what to do. Built only from the server's
    /// message and the location's printable parts: a password cannot get in.
    static func storeError(_ error: PSQLError, location: PostgresLocation) -> StoreError {
        let server = "PostgreSQL at \(location.hostAndPort)"
        switch error.code {
        case .connectionError:
            // NIO's connection errors list every address tried; say the common causes plainly.
            let detail = error.underlying.map { String(describing: $0) } ?? ""
            let cause = detail.localizedCaseInsensitiveContains("connection refused") ? "connection refused"
                : detail.localizedCaseInsensitiveContains("timed out") || detail.localizedCaseInsensitiveContains("timeout") ? "the connection timed out"
                : detail.isEmpty ? "no connection could be made" : detail
            return StoreError(.database, "cannot connect to \(server) (database \(location.database)): \(cause). Check that the server is running and listening on that host and port")
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            let message = error.serverInfo?[.message] ?? "an error without a message"
            switch state {
            case "28P01", "28000":
                return StoreError(.database, "\(server) refused user \(location.username) for database \(location.database): \(message). Check the password (in the URL or PGPASSWORD) and the server's pg_hba.conf")
            case "3D000":
                return StoreError(.database, "database \(location.database) does not exist on \(server): create it (createdb \(location.database)) or name another database in the URL")
            default:
                return StoreError(.database, "\(server) (database \(location.database)) failed: \(message) (SQLSTATE \(state))")
            }
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return StoreError(.database, "the connection to \(server) (database \(location.database)) was closed (\(error.code)); the request failed and can be retried once the server is back")
        default:
            return StoreError(.database, "\(server) (database \(location.database)): \(error.code)")
        }
    }
}

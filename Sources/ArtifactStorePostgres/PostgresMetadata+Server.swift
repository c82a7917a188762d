import ArtifactStore
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The store's own SQL on PostgreSQL: ``PostgresMetadata`` as a ``MetadataServer``
/// (ARCHITECTURE.md §11).
///
/// The store's code is synchronous (it runs on its callers' threads, as it does on SQLite), so
/// each statement waits for its result here. That is safe off an event loop only, and the
/// connections run on NIO's own event loops, never on a caller's thread.
extension PostgresMetadata: MetadataServer {
    public var dialect: SQLDialect { .postgres }

    public var displayName: String {
        "PostgreSQL database \(location.database) at \(location.hostAndPort)\(schema.map { " (schema \($0))" } ?? "")"
    }

    public func statement(_ sql: String, _ parameters: SQLParameters) throws -> SQLResult {
        try blockingConnections.withConnection { connection in
            try BlockingSession(connection: connection, location: location, logger: logger).run(sql, parameters)
        }
    }

    public func transaction<T>(_ kind: MetadataTransactionKind, _ body: (any MetadataServerConnection) throws -> T) throws -> T {
        try blockingConnections.withConnection { connection in
            let session = BlockingSession(connection: connection, location: location, logger: logger)
            do {
                switch kind {
                case .read:
                    // One snapshot for the whole transaction, as a SQLite reader has.
                    try session.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                case .write(let durable):
                    // One writer at a time across every node, as SQLite's BEGIN IMMEDIATE across
                    // processes (I2): taken first, held until COMMIT or ROLLBACK. READ COMMITTED
                    // whatever the server's default: each statement then sees what the writers
                    // before this one committed (a snapshot taken before the lock wait would not).
                    try session.run("BEGIN ISOLATION LEVEL READ COMMITTED")
                    try session.run("SELECT pg_advisory_xact_lock(hashtext('artifact-store writes'), hashtext($1))", [.text(Self.lockKey(schema))])
                    if !durable { try session.run("SET LOCAL synchronous_commit = off") }
                }
                let result = try body(session)
                try session.run("COMMIT")
                return result
            } catch {
                // A connection whose transaction did not end cleanly is never reused: closed, the
                // pool drops it.
                if (try? session.run("ROLLBACK")) == nil { try? connection.close().wait() }
                throw error
            }
        }
    }
}

/// Connections that synchronous code waits on: taken from an idle list or opened, given back
/// when their transaction ended cleanly, dropped when their server went away (so a restarted
/// server costs the requests in flight, not the ones after).
final class BlockingConnections: Sendable {
    private let configuration: PostgresConnection.Configuration
    private let location: PostgresLocation
    private let logger: Logger
    private let maximumIdle: Int
    private let idle = Mutex<[PostgresConnection]>([])
    private let nextID = Atomic<Int>(1)

    init(configuration: PostgresConnection.Configuration, location: PostgresLocation, maximumIdle: Int, logger: Logger) {
        self.configuration = configuration
        self.location = location
        self.maximumIdle = maximumIdle
        self.logger = logger
    }

    deinit {
        // A connection must be closed before it is released.
        for connection in idle.withLock({ $0 }) { Self.close(connection) }
    }

    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        // An idle connection whose server went away (a restart) is closed by now: skip it.
        let reused = idle.withLock { idle -> PostgresConnection? in
            while let connection = idle.popLast() {
                if !connection.isClosed { return connection }
            }
            return nil
        }
        let connection = try reused ?? open()
        let result: T
        do {
            result = try body(connection)
        } catch {
            giveBack(connection)
            throw error
        }
        giveBack(connection)
        return result
    }

    /// Closes the idle connections.
    func closeAll() {
        for connection in idle.withLock({ idle in defer { idle.removeAll() }; return idle }) {
            try? connection.close().wait()
        }
    }

    private func open() throws -> PostgresConnection {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        do {
            return try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: id, logger: logger).wait()
        } catch let error as PSQLError {
            throw PostgresMetadata.storeError(error, location: location)
        }
    }

    private func giveBack(_ connection: PostgresConnection) {
        guard !connection.isClosed else { return }
        let kept = idle.withLock { idle in
            guard idle.count < maximumIdle else { return false }
            idle.append(connection)
            return true
        }
        if !kept { Self.close(connection) }
    }

    /// Closes `connection` in the background, keeping it alive until it is closed.
    private static func close(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }
}

/// One connection inside a transaction: the store's SQL, translated and waited for.
struct BlockingSession: MetadataServerConnection {
    let connection: PostgresConnection
    let location: PostgresLocation
    let logger: Logger

    func run(_ sql: String, _ parameters: SQLParameters) throws -> SQLResult {
        let translated = try PlaceholderTranslation(sql)
        var bindings = PostgresBindings(capacity: translated.count)
        for index in 0..<translated.count {
            let value: SQLValue
            switch translated.source(of: index) {
            case .position(let position):
                guard position < parameters.positional.count else {
                    throw StoreError(.invalidInput, "statement parameter \(position + 1) has no value: \(sql)")
                }
                value = parameters.positional[position]
            case .name(let name):
                guard let named = parameters.named[name] else { throw StoreError(.invalidInput, "statement parameter :\(name) has no value: \(sql)") }
                value = named
            }
            switch value {
            case .null: bindings.appendNull()
            case .integer(let integer): bindings.append(integer)
            case .real(let double): bindings.append(double)
            case .text(let text): bindings.append(text)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            }
        }
        return try wait(PostgresQuery(unsafeSQL: translated.sql, binds: bindings))
    }

    /// Runs a statement of the session's own (BEGIN, COMMIT, the write lock).
    @discardableResult
    func run(_ sql: String, _ values: [SQLValue] = []) throws -> SQLResult {
        var bindings = PostgresBindings()
        for value in values {
            if case .text(let text) = value { bindings.append(text) }
        }
        return try wait(PostgresQuery(unsafeSQL: sql, binds: bindings))
    }

    private func wait(_ query: PostgresQuery) throws -> SQLResult {
        let result: PostgresQueryResult
        do {
            result = try connection.query(query, logger: logger).wait()
        } catch let error as PSQLError {
            throw PostgresMetadata.storeError(error, location: location)
        }
        var columns: [String] = []
        var rows: [[SQLValue]] = []
        rows.reserveCapacity(result.rows.count)
        for row in result.rows {
            var values: [SQLValue] = []
            for cell in row {
                if rows.isEmpty { columns.append(cell.columnName) }
                values.append(try Self.value(of: cell))
            }
            rows.append(values)
        }
        return SQLResult(columns: columns, rows: rows, changes: result.metadata.rows ?? 0)
    }

    /// A result cell as the storage class SQLite would have returned.
    static func value(of cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return .integer(try cell.decode(Int64.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .numeric:
            // sum() of BIGINTs is NUMERIC: an integer whenever it fits one.
            let decimal = try cell.decode(Decimal.self)
            if let integer = Int64(exactly: NSDecimalNumber(decimal: decimal).int64Value), Decimal(integer) == decimal { return .integer(integer) }
            return .real(NSDecimalNumber(decimal: decimal).doubleValue)
        case .bytea:
            var buffer = try cell.decode(ByteBuffer.self)
            return .blob(buffer.readBytes(length: buffer.readableBytes) ?? [])
        default: return .text(try cell.decode(String.self))
        }
    }
}

/// SQLite's placeholders (`?`, `?NNN`, `:name`) as PostgreSQL's (`$1`…), outside string
/// literals, quoted identifiers and `--` comments (the store's SQL has no `/* */` comment and
/// no `::` cast). Each distinct placeholder gets the next `$n` in order of first appearance.
struct PlaceholderTranslation {
    enum Source: Hashable {
        /// A positional value, from 0.
        case position(Int)
        case name(String)
    }

    /// The statement with `$n` placeholders.
    private(set) var sql = ""
    /// Where the value of each `$n` comes from (`$1` first).
    private var sources: [Source] = []

    var count: Int { sources.count }

    func source(of index: Int) -> Source { sources[index] }

    init(_ original: String) throws {
        let characters = Array(original.unicodeScalars)
        var index = 0
        var nextPosition = 0
        var numbers: [Source: Int] = [:]
        func number(for source: Source) -> Int {
            if let existing = numbers[source] { return existing }
            sources.append(source)
            numbers[source] = sources.count
            return sources.count
        }
        var output = String.UnicodeScalarView()
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "'", "\"":
                // A literal or quoted identifier, to its closing quote (a doubled quote stays inside).
                output.append(character)
                index += 1
                while index < characters.count {
                    output.append(characters[index])
                    if characters[index] == character {
                        if index + 1 < characters.count, characters[index + 1] == character {
                            output.append(characters[index + 1])
                            index += 2
                            continue
                        }
                        break
                    }
                    index += 1
                }
                index += 1
            case "-" where index + 1 < characters.count && characters[index + 1] == "-":
                while index < characters.count, characters[index] != "\n" { index += 1 }
            case "?":
                index += 1
                var digits = ""
                while index < characters.count, ("0"..."9").contains(characters[index]) {
                    digits.unicodeScalars.append(characters[index])
                    index += 1
                }
                let position: Int
                if digits.isEmpty {
                    position = nextPosition
                } else {
                    guard let explicit = Int(digits), explicit >= 1 else { throw StoreError(.invalidInput, "bad placeholder ?\(digits) in \(original)") }
                    position = explicit - 1
                }
                // SQLite: a bare ? takes the largest number used so far, plus one.
                nextPosition = max(nextPosition, position + 1)
                output.append(contentsOf: "$\(number(for: .position(position)))".unicodeScalars)
            case ":" where index + 1 < characters.count && Self.isNameStart(characters[index + 1]) && (index == 0 || characters[index - 1] != ":"):
                index += 1
                var name = ""
                while index < characters.count, Self.isNameStart(characters[index]) || ("0"..."9").contains(characters[index]) {
                    name.unicodeScalars.append(characters[index])
                    index += 1
                }
                output.append(contentsOf: "$\(number(for: .name(name)))".unicodeScalars)
            default:
                output.append(character)
                index += 1
            }
        }
        sql = String(output)
    }

    private static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
    }
}

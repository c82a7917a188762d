import ArtifactStore
import ArtifactStorePostgres
import Foundation
import Synchronization
import Testing

/// A store in a temporary directory, with a controllable clock and a captured log.
public final class TestStore {
    public let directory: TemporaryDirectory
    public let store: Store
    public let clock: TestClock
    /// What the store logged.
    public let log = CapturedLog()
    public var root: URL { directory.url.appending(path: "store") }

    /// The server holding the metadata, when it is not SQLite.
    public let server: PostgresMetadata?

    /// A store with its metadata in SQLite in its directory or, with
    /// `ARTIFACT_STORE_TEST_METADATA=postgres`, in a fresh schema of the PostgreSQL server
    /// `ARTIFACT_STORE_TEST_POSTGRES` names, dropped with the store (`.ci/run` runs the store's
    /// suites both ways: one set of invariants for every metadata database).
    public init() throws {
        directory = try TemporaryDirectory()
        server = try TestMetadata.openServer()
        clock = TestClock()
        var options = Store.Options()
        let clock = clock
        options.now = { clock.now }
        options.logger = log.logger
        if let server {
            store = try Store.open(at: directory.url.appending(path: "store"), metadata: server, options: options)
        } else {
            store = try Store.open(at: directory.url.appending(path: "store"), options: options)
        }
    }

    deinit {
        guard let server else { return }
        // The store writes its last-use times when released: before the schema goes.
        try? store.flushUsage()
        TestMetadata.drop(server)
    }

    /// The path of a blob's file inside the store.
    public func blobPath(_ digest: BlobDigest) -> String {
        root.appending(path: "blobs/sha256/\(digest.hex.prefix(2))/\(digest.hex)").path(percentEncoded: false)
    }

    /// Replaces a blob file's content behind the store's back (as disk corruption would).
    public func tamper(_ digest: BlobDigest, with contents: [UInt8]) throws {
        let path = blobPath(digest)
        chmod(path, 0o644)
        try Data(contents).write(to: URL(fileURLWithPath: path))
    }
}

/// A clock tests move by hand.
public final class TestClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_772_534_520))  // 2026-03-03T10:42:00Z

    public init() {}

    public var now: Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// Expects `body` to throw a `StoreError` with `code`, and returns it.
@discardableResult
public func expectStoreError<T>(_ code: StoreError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T) -> StoreError? {
    do {
        _ = try body()
        Issue.record("expected StoreError \(code), nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as StoreError {
        #expect(error.code == code, "message: \(error.message)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected StoreError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Which metadata database ``TestStore`` uses.
public enum TestMetadata {
    /// `ARTIFACT_STORE_TEST_METADATA=postgres`: PostgreSQL, else SQLite.
    public static let isPostgres = ProcessInfo.processInfo.environment["ARTIFACT_STORE_TEST_METADATA"] == "postgres"

    /// For a test of SQLite itself (its files, pragmas, crash images, other processes on the
    /// database file): skipped when the suites run on PostgreSQL.
    public static var sqliteOnly: ConditionTrait {
        .enabled(if: !isPostgres, "a test of the SQLite database in the store directory")
    }

    /// For a test of a blob file missing from the store directory: with the metadata on a
    /// server and no shared blobs, another node may hold that file, so verify does not judge it
    /// (ARCHITECTURE.md §11).
    public static var judgesMissingFiles: ConditionTrait {
        .enabled(if: !isPostgres, "with shared metadata and per-node blobs, another node may hold a missing file")
    }

    static func openServer() throws -> PostgresMetadata? {
        guard isPostgres else { return nil }
        guard let url = ProcessInfo.processInfo.environment["ARTIFACT_STORE_TEST_POSTGRES"], !url.isEmpty else {
            throw StoreError(.invalidInput, "ARTIFACT_STORE_TEST_METADATA=postgres needs ARTIFACT_STORE_TEST_POSTGRES: run `eval \"$(scripts/postgres-test-server.sh start)\"`")
        }
        var options = PostgresMetadata.Options()
        options.schema = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        options.maximumConnections = 4
        return try PostgresMetadata.openWaiting(try PostgresLocation(parsing: url, environment: [:]), options: options)
    }

    static func drop(_ server: PostgresMetadata) {
        guard let schema = server.schema else { return }
        _ = try? server.transaction(.write(durable: false)) { connection in
            try connection.run("DROP SCHEMA \"\(schema)\" CASCADE", SQLParameters())
        }
        server.closeWaiting()
    }
}

@_spi(Benchmarks) import ArtifactStore
import ArtifactStorePostgres
@testable import ArtifactStoreS3
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
    /// The bucket holding the blobs, when they are shared (``TestMetadata/sharesBlobs``).
    public let bucket: S3BlobStorage?

    /// A store with its metadata in SQLite in its directory or, with
    /// `ARTIFACT_STORE_TEST_METADATA=postgres`, in a fresh schema of the PostgreSQL server
    /// `ARTIFACT_STORE_TEST_POSTGRES` names, dropped with the store; with
    /// `ARTIFACT_STORE_TEST_BLOBS=s3://…` as well, its blobs go to a fresh bucket of that S3
    /// server, its directory holding their cache. `.ci/run` runs the store's suites both ways:
    /// SQLite + directory, PostgreSQL + S3 (one set of invariants for every implementation).
    public convenience init() throws {
        try self.init { _ in }
    }

    /// A store as ``init()`` makes it, with options of the test's own on top.
    public init(_ configure: (inout Store.Options) -> Void) throws {
        directory = try TemporaryDirectory()
        server = try TestMetadata.openServer()
        bucket = try TestMetadata.openBucket()
        clock = TestClock()
        var options = Store.Options()
        let clock = clock
        options.now = { clock.now }
        options.logger = log.logger
        options.remoteBlobs = bucket
        configure(&options)
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

    /// The path of a blob's file inside the store, for a test to damage it. The blob journal is
    /// settled first (a small blob put moments ago has its file written and synced, and no
    /// other copy): what is done to the file is done to the blob. ``store``'s `path(of:)` gives
    /// the path alone.
    public func blobPath(_ digest: BlobDigest) -> String {
        _ = try? store.settleBlobJournal()
        return store.path(of: digest)
    }

    /// Deletes a blob's content everywhere it is kept, behind the store's back: its file and,
    /// with shared blobs, its object in the bucket. A small blob is settled first: the blob
    /// journal's copy is one more place the content is kept.
    public func loseBlob(_ digest: BlobDigest) throws {
        try FileManager.default.removeItem(atPath: blobPath(digest))
        if let bucket {
            try TestMetadata.waitOutsideTheSharedPool { try await bucket.delete(digest) }
        }
    }

    /// Replaces a blob's content behind the store's back (as disk corruption would): its file
    /// and, with shared blobs, its object in the bucket, so that the blob itself is damaged and
    /// not only this node's copy.
    public func tamper(_ digest: BlobDigest, with contents: [UInt8]) throws {
        let path = blobPath(digest)
        chmod(path, 0o644)
        try Data(contents).write(to: URL(fileURLWithPath: path))
        if let bucket {
            try TestMetadata.waitOutsideTheSharedPool { try await bucket.putRawObject(S3BlobStorage.key(for: digest), bytes: contents) }
        }
    }

    /// Replaces only this node's file of a blob (as this disk's corruption would); with a
    /// bucket, its object stays as it was, and the blob journal's copy, if any, too.
    public func tamperLocalCopy(_ digest: BlobDigest, with contents: [UInt8]) throws {
        let path = store.path(of: digest)
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
    /// server, that file is only this node's copy; the blob is in the bucket (shared blobs) or
    /// may be on another node (per-node blobs, where verify does not judge it; ARCHITECTURE.md §11).
    public static var judgesMissingFiles: ConditionTrait {
        .enabled(if: !isPostgres, "with shared metadata, a file missing from one node's directory is not a missing blob")
    }

    /// For a test of the blob directory as the store's only copy of its blobs (a file that is
    /// gone or wrong is the blob's damage): skipped when the blobs are shared, where the
    /// directory is this node's cache of the bucket and verdicts trust the rows (ARCHITECTURE.md §11).
    public static var localBlobs: ConditionTrait {
        .enabled(if: !sharesBlobs, "with shared blobs, the store directory holds this node's cache of the bucket")
    }

    /// `ARTIFACT_STORE_TEST_BLOBS=s3://BUCKET?endpoint=…&region=…` (credentials in the AWS
    /// variables): every ``TestStore`` keeps its blobs in a bucket of its own on that server.
    /// Needs the metadata on PostgreSQL, as `--blobs` needs `--metadata`.
    public static let sharedBlobs: String? = {
        let url = ProcessInfo.processInfo.environment["ARTIFACT_STORE_TEST_BLOBS"] ?? ""
        return url.isEmpty ? nil : url
    }()

    /// Whether ``TestStore``s keep their blobs in a bucket (``sharedBlobs``).
    public static var sharesBlobs: Bool { sharedBlobs != nil }

    static func openBucket() throws -> S3BlobStorage? {
        guard let url = sharedBlobs else { return nil }
        guard isPostgres else {
            throw StoreError(.invalidInput, "ARTIFACT_STORE_TEST_BLOBS needs ARTIFACT_STORE_TEST_METADATA=postgres: shared blobs need shared metadata")
        }
        var location = try S3Location(parsing: url)
        location.bucket = "t" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let bucket = S3BlobStorage(location: location, credentials: try S3Credentials.fromEnvironment())
        try waitOutsideTheSharedPool { try await bucket.createBucket() }
        return bucket
    }

    /// Runs `operation` and waits for it: a test's synchronous set-up may itself run on one of
    /// Swift concurrency's few shared threads, which must stay free for the operation.
    static func waitOutsideTheSharedPool(_ operation: @escaping @Sendable () async throws -> Void) throws {
        try blockingCalls.wait(operation)
    }

    private static let blockingCalls = BlockingCallExecutor(label: "test-support.waiting")

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

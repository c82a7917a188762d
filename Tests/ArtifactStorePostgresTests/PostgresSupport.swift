import ArtifactStore
@testable import ArtifactStorePostgres
import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing
import TestSupport

/// The PostgreSQL server the tests use: `ARTIFACT_STORE_TEST_POSTGRES`, a `postgres://` URL
/// (`scripts/postgres-test-server.sh start` starts one and prints it; `.ci/run` does both).
/// Unset, the tests that need it are skipped, except under CI (`CI=true`), where they fail.
enum TestPostgres {
    static let url = ProcessInfo.processInfo.environment["ARTIFACT_STORE_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }

    /// A server is configured, or this is CI (where one must be: the tests then fail, not skip).
    static let requiredAndPresent = url != nil || ProcessInfo.processInfo.environment["CI"] == "true"

    static let missing: Comment = "ARTIFACT_STORE_TEST_POSTGRES is not set: run `eval \"$(scripts/postgres-test-server.sh start)\"` (as .ci/run does); the PostgreSQL tests are skipped until then"

    static func location() throws -> PostgresLocation {
        try PostgresLocation(parsing: try #require(url, missing), environment: [:])
    }

    /// A schema name no other test uses, so that tests run in parallel on one database.
    static func freshSchema() -> String {
        "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    /// Runs `body` with metadata opened in a schema of its own, dropped afterwards.
    static func withMetadata<T: Sendable>(log: CapturedLog = CapturedLog(), maximumConnections: Int = 20, _ body: (PostgresMetadata) async throws -> T) async throws -> T {
        var options = PostgresMetadata.Options()
        options.schema = freshSchema()
        options.logger = log.logger
        options.maximumConnections = maximumConnections
        let metadata = try await PostgresMetadata.open(try location(), options: options)
        do {
            let result = try await body(metadata)
            await drop(metadata)
            return result
        } catch {
            await drop(metadata)
            throw error
        }
    }

    static func drop(_ metadata: PostgresMetadata) async {
        if let schema = metadata.schema {
            _ = try? await metadata.client.query("DROP SCHEMA \(unescaped: "\"\(schema)\"") CASCADE", logger: metadata.logger)
        }
        await metadata.shutdown()
    }
}

extension PostgresMetadata {
    /// Records a stored response whose body is `digest`, as a put does after its upload: the
    /// reference gc's claim re-checks. Throws when the blob row is gone (the foreign key).
    func recordReference(url: String, to digest: BlobDigest) async throws {
        try await run {
            _ = try await client.query("""
                INSERT INTO response (method, url, status, response_headers, request_time, response_time, storability,
                                      freshness_lifetime, expires_at, body_digest, body_size, last_used_at)
                VALUES ('GET', \(url), 200, '', 0, 0, 'stored', 0, 0, \(digest.hex), 0, 0)
                """, logger: logger)
        }
    }

    func count(_ table: String, where condition: String = "TRUE") async throws -> Int64 {
        var total: Int64 = 0
        for try await value in try await client.query("SELECT count(*) FROM \(unescaped: table) WHERE \(unescaped: condition)", logger: logger).decode(Int64.self) {
            total = value
        }
        return total
    }
}

/// A digest of `text`'s bytes (any 64 hex characters would do; these are distinct per text).
func digest(_ text: String) -> BlobDigest {
    var hex = ""
    var state: UInt64 = 0xcbf2_9ce4_8422_2325
    for round in 0..<4 {
        for byte in Array(text.utf8) + [UInt8(round)] {
            state = (state ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        hex += String(format: "%016llx", state)
    }
    return try! BlobDigest(validating: hex)
}

/// A value that concurrent tasks share (a `Mutex` in a class, so escaping closures can hold it).
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }

    var value: Value { mutex.withLock { $0 } }
}

import ArtifactStore
@testable import ArtifactStorePostgres
import Foundation
import Testing
import TestSupport

/// A store whose PostgreSQL restarts: what was in flight fails with an error that names the
/// server, and the store works again once the server is back, without being reopened
/// (ARCHITECTURE.md §11). Runs a server of its own (scripts/postgres-test-server.sh on port
/// 25435, below Linux's ephemeral range, where an outgoing connection may hold a port), since
/// stopping the shared one would fail every other test; it is removed afterwards.
@Suite(.enabled(if: TestPostgres.requiredAndPresent, TestPostgres.missing), .serialized)
struct ServerRestartTests {
    static let port = "25435"

    static func server(_ command: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "scripts/postgres-test-server.sh").path(percentEncoded: false)
        // The server outlives the script: it must not inherit the descriptors through which
        // Foundation learns that the script exited, or waitUntilExit waits for the server too.
        process.arguments = ["-c", #"for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; exec bash "$0" "$1""#, script, command]
        // A cluster directory of its own: the shared server's must never be stopped here.
        process.environment = ProcessInfo.processInfo.environment.merging(["PG_PORT": port, "PG_DIR": "/tmp/artifact-store-test-pg-\(port)"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "scripts/postgres-test-server.sh \(command) failed")
    }

    @Test("PostgreSQL stopped under an open store: requests fail naming the server; restarted: the same store works again")
    func requestsFailCleanlyAndRecover() throws {
        try Self.server("start")
        defer { try? Self.server("remove") }
        let directory = try TemporaryDirectory()
        let url = "postgres://artifact_store:artifact-store-test-only@127.0.0.1:\(Self.port)/artifact_store_test"
        var options = PostgresMetadata.Options()
        options.schema = TestPostgres.freshSchema()
        let metadata = try PostgresMetadata.openWaiting(try PostgresLocation(parsing: url, environment: [:]), options: options)
        defer { metadata.closeWaiting() }
        let store = try Store.open(at: directory.url.appending(path: "store"), metadata: metadata)
        let before = try store.put(bytes: Array("before the restart".utf8))

        try Self.server("stop")
        let error = expectStoreError(.database) { try store.put(bytes: Array("while it is down".utf8)) }
        #expect(error?.message.contains("127.0.0.1:\(Self.port)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("artifact-store-test-only") == false)

        try Self.server("start")
        let after = try store.put(bytes: Array("after the restart".utf8))
        #expect(try store.read(before.digest) == Array("before the restart".utf8))
        #expect(try store.read(after.digest) == Array("after the restart".utf8))
        #expect(try store.verify().isClean)
    }
}

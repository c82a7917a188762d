import Foundation
import Testing

/// The test server (`ARTIFACT_STORE_TEST_POSTGRES`), if any.
let testPostgresURL = ProcessInfo.processInfo.environment["ARTIFACT_STORE_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }

/// `--metadata postgres://…`: a store's metadata in PostgreSQL, shared by every store directory
/// that names it (ARCHITECTURE.md §11). Needs the test server (`ARTIFACT_STORE_TEST_POSTGRES`).
@Suite(.enabled(if: testPostgresURL != nil || ProcessInfo.processInfo.environment["CI"] == "true",
                "ARTIFACT_STORE_TEST_POSTGRES is not set: run `eval \"$(scripts/postgres-test-server.sh start)\"`"))
struct MetadataOptionTests {
    static let server = testPostgresURL

    /// The test server's URL with a schema of its own, so that tests never see each other's rows.
    static func freshURL() throws -> String {
        let server = try #require(server)
        return server + "?schema=cli_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    @Test("two store directories over one --metadata share what was recorded: a put through one is listed and explained by the other")
    func storesShareTheirMetadata() throws {
        let scratch = try Scratch()
        let url = try Self.freshURL()
        let file = scratch.path + "/hello.txt"
        try Data("hello through PostgreSQL\n".utf8).write(to: URL(fileURLWithPath: file))
        let put = try run(["--metadata", url, "put", file], store: scratch.path + "/node-a")
        #expect(put.status == 0, "\(put.stderr)")
        let digest = String(put.output.prefix(64))

        let listed = try run(["ls", "--json", "--metadata", url], store: scratch.path + "/node-b")
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.output.contains(digest))
        // The environment variable says the same as the option.
        let stats = try run(["stats", "--json"], store: scratch.path + "/node-b", environment: ["ARTIFACT_STORE_METADATA": url])
        #expect(stats.status == 0, "\(stats.stderr)")
        let blobCount = try #require(stats.json() as? [String: Any])["blobCount"] as? Int
        #expect(blobCount == 1)
        // Without it, node B's own SQLite store is empty.
        let alone = try run(["stats", "--json"], store: scratch.path + "/node-b", environment: ["ARTIFACT_STORE_METADATA": ""])
        #expect(try #require(alone.json() as? [String: Any])["blobCount"] as? Int == 0)
    }

    @Test("a --metadata that is not a PostgreSQL URL, or a server that is not there, is an error that says what to do, never showing the password")
    func badMetadataIsExplained() throws {
        let scratch = try Scratch()
        let wrong = try run(["ls", "--metadata", "mysql://user@localhost/db"], store: scratch.store)
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("postgres://"))
        let absent = try run(["ls", "--metadata", "postgres://someone:hunter2-secret@127.0.0.1:9/nothing"], store: scratch.store)
        #expect(absent.status != 0)
        #expect(absent.stderr.contains("127.0.0.1:9"))
        #expect(!absent.stderr.contains("hunter2-secret"))
    }
}

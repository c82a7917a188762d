import ArtifactStore
@testable import ArtifactStoreHTTP
import Foundation
import HTTPCaching
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// serve over a store whose shared blob storage (`Store.Options.remoteBlobs`, an S3 bucket in a
/// cluster) cannot be reached while the upstream answers (ARCHITECTURE.md §11, "Faults";
/// `scripts/cluster-faults.sh` runs the same against moto and PostgreSQL).
@Suite("serve with its blob storage unreachable")
struct UnreachableBlobStorageTests {
    /// Blob storage that is down: every operation fails as an unreachable S3 endpoint does.
    struct DownStorage: BlobStorage {
        static let message = "cannot reach the test blob storage (bucket down-bucket); check that it is running"
        func put(file: URL, expecting expected: BlobDigest?) async throws -> StoredBlob { throw StoreError(.io, Self.message) }
        func put<Bytes: AsyncSequence & Sendable>(_ bytes: Bytes, expecting expected: BlobDigest?) async throws -> StoredBlob
            where Bytes.Element == [UInt8] { throw StoreError(.io, Self.message) }
        func get(_ digest: BlobDigest) async throws -> BlobBytes { throw StoreError(.io, Self.message) }
        func stat(_ digest: BlobDigest) async throws -> Int64? { throw StoreError(.io, Self.message) }
        func delete(_ digest: BlobDigest) async throws { throw StoreError(.io, Self.message) }
        func list(from cursor: String?, limit: Int) async throws -> BlobListPage { throw StoreError(.io, Self.message) }
    }

    static func get(_ server: IndexServer, _ path: String) async throws -> (status: Int, headers: HTTPFields, body: [UInt8]) {
        let app = Application(responder: CallbackResponder<BasicRequestContext> { request, _ in await server.respond(to: request) })
        return try await app.test(.router) { client in
            try await client.execute(uri: path, method: .get) { response in
                (response.status.code, response.headers, Array(buffer: response.body))
            }
        }
    }

    @Test("the files the upstream sends are served, verified, and not stored; a page the store holds is still answered, one it lacks is a 503 naming the storage")
    func unreachableStorage() async throws {
        try await withTaskExecutorPreference(DedicatedThreads.shared) {
            let upstream = try await TestServer.start()
            let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appending(path: "artifact-store-down-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            // One small file (answered once downloaded) and one above the streaming threshold,
            // sent slowly enough to be streamed to the client while it downloads.
            let small = sampleBytes(200_000, seed: 1), big = sampleBytes(3 << 20, seed: 2)
            let files = [("small-1.0-py3-none-any.whl", small), ("big-1.0-py3-none-any.whl", big)]
            for (name, bytes) in files {
                upstream.set("/files/" + name, Fixture(headers: [("Content-Type", "application/octet-stream")], body: bytes, pieces: 8, pause: .milliseconds(20)))
            }
            let links = files.map { #"{"filename":"\#($0.0)","url":"\#(upstream.url("/files/" + $0.0))","hashes":{"sha256":"\#(BlobDigest.sha256Hex($0.1))"}}"# }
            let json = [("Content-Type", "application/vnd.pypi.simple.v1+json")]
            upstream.set("/simple/pkg/", Fixture(headers: json + [("Cache-Control", "max-age=600")],
                                                 body: Array(#"{"meta":{"api-version":"1.1"},"name":"pkg","files":[\#(links.joined(separator: ","))]}"#.utf8)))
            // PyTorch-like: sent no-store, so it is fetched again on every request (and archived).
            upstream.set("/simple/torch/", Fixture(headers: json + [("Cache-Control", "no-store")],
                                                   body: Array(#"{"meta":{"api-version":"1.1"},"name":"torch","files":[]}"#.utf8)))
            upstream.set("/simple/new/", Fixture(headers: json + [("Cache-Control", "max-age=600")],
                                                 body: Array(#"{"meta":{"api-version":"1.1"},"name":"new","files":[]}"#.utf8)))
            var configuration = IndexServerConfiguration()
            configuration.indexes = [try UpstreamIndex(name: "up", url: upstream.url("/simple"))]
            configuration.accessLog = nil

            // The pages, fetched while the blobs could be kept.
            let healthy = IndexServer(store: try Store.open(at: directory), configuration: configuration)
            for project in ["pkg", "torch"] { #expect(try await Self.get(healthy, "/up/simple/\(project)/").status == 200) }
            try await healthy.shutdown()

            // The same store, its blob storage down.
            var options = Store.Options()
            options.remoteBlobs = DownStorage()
            let store = try Store.open(at: directory, options: options)
            let server = IndexServer(store: store, configuration: configuration)
            for (name, bytes) in files {
                let answer = try await Self.get(server, "/up/files/pkg/\(name)")
                #expect(answer.status == 200, "\(name)")
                #expect(answer.body == bytes, "\(name): the upstream's bytes, complete")
                #expect(answer.headers[HTTPField.Name("X-Artifact-Store-Digest")!] == "sha256=" + BlobDigest.sha256Hex(bytes))
                if bytes.count < IndexServer.streamingThreshold {
                    // A streamed file's head went out before the store failed: only the log says it.
                    #expect(answer.headers[HTTPField.Name("X-Artifact-Store-Fallback-Reason")!]?.hasPrefix("not stored: cannot reach the test blob storage") == true, "\(name)")
                }
                // Nothing recorded: no blob row, no response naming a body the storage lacks.
                #expect(try store.blob(BlobDigest(validating: BlobDigest.sha256Hex(bytes))) == nil, "\(name)")
                #expect(try store.responses(for: upstream.url("/files/" + name)).isEmpty, "\(name)")
            }
            let torch = try await Self.get(server, "/up/simple/torch/")
            #expect(torch.status == 200, "the archived copy, as when the upstream is down")
            #expect(torch.headers[HTTPField.Name("X-Artifact-Store-Outcome")!] == "archived-fallback")
            #expect(torch.headers[HTTPField.Name("X-Artifact-Store-Fallback-Reason")!]?.contains("cannot reach the test blob storage") == true)
            let new = try await Self.get(server, "/up/simple/new/")
            #expect(new.status == 503)
            #expect(new.headers[.contentType] == "application/problem+json")
            let problem = String(decoding: new.body, as: UTF8.self)
            #expect(problem.contains(#""code":"store-io""#) && problem.contains("bucket down-bucket"), "\(problem)")
            try await server.shutdown()
            await upstream.stop()
        }
    }
}

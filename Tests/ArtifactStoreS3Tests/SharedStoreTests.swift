@testable import ArtifactStore
import ArtifactStorePostgres
@testable import ArtifactStoreS3
import Crypto
import Foundation
import HTTPCaching
import Testing
import TestSupport

/// Two nodes of one store: each its own directory, one PostgreSQL schema and one bucket between
/// them (ARCHITECTURE.md §11). Needs the S3 test server (``S3TestServer``) and the test PostgreSQL server.
@Suite("a store shared by two nodes: PostgreSQL metadata, S3 blobs",
       .enabled(if: S3TestServer.requiredAndPresent, Comment(rawValue: S3TestServer.unavailable ?? "")),
       .enabled(if: sharedTestPostgres != nil || ProcessInfo.processInfo.environment["CI"] == "true",
                "ARTIFACT_STORE_TEST_POSTGRES is not set: run `eval \"$(scripts/postgres-test-server.sh start)\"`"))
struct SharedStoreTests {
    /// Two nodes over a fresh schema and the test bucket, on one clock tests move.
    final class Cluster {
        let directory: TemporaryDirectory
        let clock = TestClock()
        /// What the nodes logged.
        let log = CapturedLog()
        let servers: [PostgresMetadata]
        let buckets: [S3BlobStorage]
        let nodes: [Store]

        init() throws {
            directory = try TemporaryDirectory()
            let url = try #require(sharedTestPostgres)
            let location = try PostgresLocation(parsing: url, environment: [:])
            var metadataOptions = PostgresMetadata.Options()
            metadataOptions.schema = "shared_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            metadataOptions.maximumConnections = 4
            let s3 = try S3TestServer.require()
            var servers: [PostgresMetadata] = [], buckets: [S3BlobStorage] = [], nodes: [Store] = []
            for name in ["a", "b"] {
                let server = try PostgresMetadata.openWaiting(location, options: metadataOptions)
                let bucket = s3.storage()
                var options = Store.Options()
                let clock = clock
                options.now = { clock.now }
                options.logger = log.logger
                options.remoteBlobs = bucket
                nodes.append(try Store.open(at: directory.url.appending(path: name), metadata: server, options: options))
                servers.append(server)
                buckets.append(bucket)
            }
            (self.servers, self.buckets, self.nodes) = (servers, buckets, nodes)
        }

        var a: Store { nodes[0] }
        var b: Store { nodes[1] }
        var bucket: S3BlobStorage { buckets[0] }

        deinit {
            // The stores write their last-use times when released: before the schema goes.
            for node in nodes { try? node.flushUsage() }
            _ = try? servers[0].transaction(.write(durable: false)) { connection in
                try connection.run("DROP SCHEMA \"\(servers[0].schema!)\" CASCADE", SQLParameters())
            }
            for server in servers { server.closeWaiting() }
        }
    }

    /// Bytes no other test puts (the bucket is shared by the whole test process).
    static func uniqueBytes(_ label: String) -> [UInt8] {
        Array("\(label) \(UUID().uuidString)\n".utf8)
    }

    @Test("a body put through one node is uploaded, and read verified by the other node, which never had it, and cached there")
    func otherNodeReadsFromTheBucket() async throws {
        let cluster = try Cluster()
        let bytes = Self.uniqueBytes("shared body")
        let stored = try cluster.a.put(bytes: bytes)
        #expect(try await cluster.bucket.stat(stored.digest) == Int64(bytes.count))
        #expect(!cluster.b.localBlobFileExists(stored.digest))
        #expect(try cluster.b.read(stored.digest) == bytes)
        #expect(cluster.b.localBlobFileExists(stored.digest))
        // No lease outlives the put that took it.
        let leases = try cluster.a.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM lease") }
        #expect(leases == 0)
        #expect(try cluster.b.verify().isClean)
    }

    @Test("a response recorded on one node is answered offline by the other, its body fetched from the bucket")
    func recordedResponseIsSharedWithItsBody() async throws {
        let cluster = try Cluster()
        let url = "https://files.example/packages/demo-\(UUID().uuidString).whl"
        let bytes = Self.uniqueBytes("wheel body")
        let request = HTTPRequestHead(method: "GET", url: url, headers: HeaderFields())
        let response = HTTPResponseHead(status: 200, headers: ["Cache-Control": "max-age=31536000", "Content-Length": "\(bytes.count)"])
        let body = try cluster.a.put(bytes: bytes)
        _ = try cluster.a.record(request: request, response: response, body: body, requestTime: cluster.clock.now, responseTime: cluster.clock.now)
        guard case .satisfiable(let answer) = try cluster.b.verdict(for: request, policy: .offline, at: cluster.clock.now) else {
            Issue.record("node b cannot answer what node a recorded")
            return
        }
        #expect(try cluster.b.read(try #require(answer.record.bodyDigest)) == bytes)
    }

    @Test("gc on one node deletes the object with its row; a later put through the other node uploads it again")
    func gcDeletesTheObject() async throws {
        let cluster = try Cluster()
        let bytes = Self.uniqueBytes("garbage")
        let stored = try cluster.a.put(bytes: bytes)
        _ = try cluster.b.read(stored.digest)
        cluster.clock.advance(by: 7200)
        var options = GCOptions()
        options.grace = 0
        let report = try cluster.a.gc(options)
        #expect(report.blobsAfter < report.blobsBefore)
        #expect(try await cluster.bucket.stat(stored.digest) == nil)
        #expect(try cluster.b.blob(stored.digest) == nil)
        // Node b's cached file has no row any more: it is never served.
        #expect(throws: StoreError.self) { try cluster.b.read(stored.digest) }
        let again = try cluster.b.put(bytes: bytes)
        #expect(!again.alreadyStored)
        #expect(try await cluster.bucket.stat(stored.digest) == Int64(bytes.count))
        #expect(try cluster.a.read(stored.digest) == bytes)
    }

    @Test("the hard case: gc on node a finds a blob unreferenced while node b uploads the same content; the object survives and b's row names it")
    func uploadUnderLeaseSurvivesAConcurrentGC() async throws {
        let cluster = try Cluster()
        let bytes = Self.uniqueBytes("raced")
        // An old, unreferenced row: gc's candidate.
        let old = try cluster.a.put(bytes: bytes)
        cluster.clock.advance(by: 7200)
        // Node b has the content complete and uploads it (its lease taken first)…
        let writer = try cluster.b.makeBlobWriter()
        try writer.write(bytes)
        let finished = try writer.finish(expecting: old.digest)
        let lease = try #require(try cluster.b.uploadToRemote(finished))
        // …when gc on node a runs: the lease keeps the blob.
        var options = GCOptions()
        options.grace = 0
        _ = try cluster.a.gc(options)
        #expect(try await cluster.bucket.stat(old.digest) == Int64(bytes.count))
        #expect(try cluster.a.blob(old.digest) != nil)
        // Node b publishes: its row names an object that exists, and the lease is gone.
        let published = try cluster.b.publish(finished, uploading: false) { _, db in
            try db.execute(sql: "DELETE FROM lease WHERE id = ?", arguments: [lease])
        }
        writer.cancel()
        #expect(published.blob.digest == old.digest)
        #expect(try cluster.a.read(old.digest) == bytes)
    }

    @Test("with the bucket unreachable, a node still serves what it caches, and says what it cannot: reads and puts fail with the endpoint named, recording nothing")
    func unreachableBucket() async throws {
        let cluster = try Cluster()
        let cached = Self.uniqueBytes("cached on a")
        let stored = try cluster.a.put(bytes: cached)
        let elsewhere = try cluster.b.put(bytes: Self.uniqueBytes("only in the bucket"))
        // Node a again, its bucket now an endpoint where nothing listens.
        let s3 = try S3TestServer.require()
        let dead = S3BlobStorage(location: S3Location(bucket: s3.bucket, endpoint: URL(string: "http://127.0.0.1:9")!, region: s3.region),
                                 credentials: s3.credentials)
        var options = Store.Options()
        options.logger = cluster.log.logger
        options.remoteBlobs = dead
        let cut = try Store.open(at: cluster.directory.url.appending(path: "a"), metadata: cluster.servers[0], options: options)
        #expect(try cut.read(stored.digest) == cached)
        do {
            _ = try cut.read(elsewhere.digest)
            Issue.record("a blob this node lacks was read without its bucket")
        } catch let error as StoreError {
            #expect(error.message.contains("127.0.0.1:9"), "\(error.message)")
        }
        let unsent = Self.uniqueBytes("never uploaded")
        #expect(throws: (any Error).self) { try cut.put(bytes: unsent) }
        let digest = BlobDigest(rawBytes: SHA256.hash(data: unsent))
        #expect(try cut.blob(digest) == nil)
        let leases = try cut.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM lease") }
        #expect(leases == 0)
        #expect(!cut.localBlobFileExists(digest))
    }

    @Test("a node killed (SIGKILL) in the middle of uploading a large blob leaves nothing under the blob's key and no row")
    func killedMidUploadLeavesNothingVisible() async throws {
        let cluster = try Cluster()
        let s3 = try S3TestServer.require()
        // Up to three tries: on a fast machine the put may finish before it can be killed.
        for attempt in 1...3 {
            let file = cluster.directory.url.appending(path: "large-\(attempt).bin")
            // 40 MiB: a multipart upload of several parts, long enough to be cut in the middle.
            var generator = SeededGenerator(seed: UInt64.random(in: 0...UInt64.max))
            var bytes = [UInt8](repeating: 0, count: 40 << 20)
            bytes.withUnsafeMutableBytes { raw in
                for index in raw.bindMemory(to: UInt64.self).indices { raw.bindMemory(to: UInt64.self)[index] = generator.next() }
            }
            try Data(bytes).write(to: file)
            let digest = BlobDigest(rawBytes: SHA256.hash(data: bytes))
            let process = Process()
            process.executableURL = artifactStoreBinary
            process.arguments = ["put", file.path(percentEncoded: false), "--store", cluster.directory.url.appending(path: "killed").path(percentEncoded: false),
                                 "--metadata", try #require(sharedTestPostgres) + "?schema=" + cluster.servers[0].schema!,
                                 "--blobs", "s3://\(s3.bucket)?endpoint=\(s3.endpoint)&region=\(s3.region)"]
            process.environment = ProcessInfo.processInfo.environment.merging(
                ["AWS_ACCESS_KEY_ID": s3.credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": s3.credentials.secretAccessKey]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Killed as soon as its lease is written: the upload is under way.
            try Self.waitForLease(on: digest, in: cluster.a, while: process)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            guard process.terminationReason == .uncaughtSignal else { continue }
            // No row; under the blob's key nothing, or (killed after the upload's copy, before
            // the row) the whole verified content: never part of it.
            #expect(try cluster.a.blob(digest) == nil)
            if let size = try await cluster.bucket.stat(digest) {
                #expect(size == Int64(bytes.count))
                #expect(try await cluster.bucket.get(digest).collect() == bytes)
            }
            // The same content put through another node succeeds.
            _ = try cluster.b.put(file: file)
            #expect(try await cluster.bucket.stat(digest) == Int64(bytes.count))
            return
        }
        Issue.record("three puts of 40 MiB finished before they could be killed")
    }

    /// Polls (every millisecond, on this thread) until a lease names `digest` or `process` ends.
    static func waitForLease(on digest: BlobDigest, in store: Store, while process: Process) throws {
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline {
            let leases = try store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM lease_blob WHERE digest = ?", arguments: [digest.hex]) }
            if leases != 0 { return }
            usleep(1000)
        }
    }

    @Test("after gc on one node, the other node's cached copy is not adopted back: verify --repair there is clean and writes no row")
    func cachedCopyOfACollectedBlobIsNotAdopted() async throws {
        let cluster = try Cluster()
        let stored = try cluster.a.put(bytes: Self.uniqueBytes("collected elsewhere"))
        _ = try cluster.b.read(stored.digest)
        cluster.clock.advance(by: 7200)
        var options = GCOptions()
        options.grace = 0
        _ = try cluster.a.gc(options)
        var repair = VerifyOptions()
        repair.repair = true
        let report = try cluster.b.verify(repair)
        #expect(report.isClean, "\(report.problems.map(\.message))")
        #expect(try cluster.a.blob(stored.digest) == nil)
    }

    @Test("a blob fetched from the bucket after gc deleted its row is not recorded again")
    func fetchAfterGCDoesNotRecreateTheRow() async throws {
        let cluster = try Cluster()
        let bytes = Self.uniqueBytes("object without a row")
        let digest = BlobDigest(rawBytes: SHA256.hash(data: bytes))
        try await cluster.bucket.putRawObject(S3BlobStorage.key(for: digest), bytes: bytes)
        #expect(throws: StoreError.self) { try cluster.b.fetchFromRemote(digest) }
        #expect(try cluster.b.blob(digest) == nil)
        #expect(!cluster.b.localBlobFileExists(digest))
    }

    @Test("an object altered in the bucket is never served: the node that fetches it refuses it and caches nothing")
    func alteredObjectIsRefused() async throws {
        let cluster = try Cluster()
        let bytes = Self.uniqueBytes("original")
        let stored = try cluster.a.put(bytes: bytes)
        var damaged = bytes
        damaged[0] ^= 0xff
        try await cluster.bucket.putRawObject(S3BlobStorage.key(for: stored.digest), bytes: damaged)
        let error = expectStoreError(.blobCorrupt) { try cluster.b.read(stored.digest) }
        #expect(error != nil)
        #expect(!cluster.b.localBlobFileExists(stored.digest))
        // The object itself is damaged: quarantined for every node, so none downloads it again.
        #expect(try cluster.a.blob(stored.digest)?.quarantinedAt != nil)
        #expect(cluster.log.messages.filter { $0.level == .error }.map(\.message) == ["blob failed verification and was quarantined"])
        // Putting the original again repairs the object.
        _ = try cluster.a.put(bytes: bytes)
        #expect(try cluster.b.read(stored.digest) == bytes)
    }
}

/// The built `artifact-store` executable, beside the test bundle.
let artifactStoreBinary: URL = {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appending(path: "artifact-store")
        if FileManager.default.isExecutableFile(atPath: candidate.path(percentEncoded: false)) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    return packageRoot.appending(path: ".build/debug/artifact-store")
}()

/// The test PostgreSQL server (`ARTIFACT_STORE_TEST_POSTGRES`), if any.
let sharedTestPostgres = ProcessInfo.processInfo.environment["ARTIFACT_STORE_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }

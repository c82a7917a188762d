import ArtifactStore
@testable import ArtifactStoreS3
import Crypto
import Foundation
import Logging
import Testing
import TestSupport

/// The rules every ``BlobStorage`` keeps (its documentation, ARCHITECTURE.md §10), written once
/// and run against each implementation: the local directory store and S3 (``S3TestServer``: moto, or
/// OpenStack Swift's s3api; authentication on).
enum Invariant: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case putIsIdempotent = "put of the same content twice stores it once and says so the second time"
    case getReturnsExactlyTheBytes = "get returns exactly the bytes put, from memory, a file or a chunked stream, empty included"
    case tamperedBlobFailsVerification = "a blob whose stored bytes were changed fails verification when read, and its last chunk is never delivered"
    case statDeleteAndListAgree = "stat, delete and list agree with what was put"
    case wrongExpectedDigestStoresNothing = "a put whose content does not have the expected digest leaves nothing visible"
    case largeContentRoundTrips = "content larger than one part (a multipart upload on S3) round-trips, a whole number of parts too"

    var testDescription: String { rawValue }

    func check(_ fixture: some StorageFixture) async throws {
        let storage = fixture.storage
        switch self {
        case .putIsIdempotent:
            let bytes = randomBytes(5000)
            let first = try await storage.put(bytes: bytes)
            let second = try await storage.put(bytes: bytes)
            #expect(!first.alreadyStored)
            #expect(second.alreadyStored)
            #expect(first.digest == second.digest && first.size == 5000 && second.size == 5000)
            #expect(try await storage.stat(first.digest) == 5000)
            #expect(try await storage.get(first.digest).collect() == bytes)

        case .getReturnsExactlyTheBytes:
            let bytes = randomBytes(70_000)
            let fromMemory = try await storage.put(bytes: bytes)
            #expect(fromMemory.digest.hex == SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
            #expect(try await storage.get(fromMemory.digest).collect() == bytes)
            let directory = try TemporaryDirectory(prefix: "blob-storage-tests")
            let file = try directory.file("content.bin", contents: bytes)
            #expect(try await storage.put(file: file, expecting: nil).digest == fromMemory.digest)
            let other = randomBytes(33_333)
            let fromStream = try await storage.put(Chunked(bytes: other), expecting: nil)
            #expect(try await storage.get(fromStream.digest).collect() == other)
            let empty = try await storage.put(bytes: [])
            #expect(empty.digest.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            #expect(try await storage.get(empty.digest).collect() == [])

        case .tamperedBlobFailsVerification:
            let bytes = randomBytes(3 * 1024 * 1024 + 17)
            let stored = try await storage.put(bytes: bytes)
            var damaged = bytes
            damaged[damaged.count - 5] ^= 0xff
            try await fixture.tamper(stored.digest, with: damaged)
            var delivered = 0
            do {
                for try await chunk in try await storage.get(stored.digest) { delivered += chunk.count }
                Issue.record("a tampered blob was read to its end without an error")
            } catch let error as StoreError {
                #expect(error.code == .blobCorrupt, "\(error)")
            }
            #expect(delivered < bytes.count, "the whole damaged content was delivered")

        case .statDeleteAndListAgree:
            var stored: [StoredBlob] = []
            for size in [1, 2000, 40_000] { stored.append(try await storage.put(bytes: randomBytes(size))) }
            // Pages of 2, so that listing goes through more than one page.
            let listed = Set(try await storage.allDigests(pageSize: 2))
            for blob in stored {
                #expect(listed.contains(blob.digest))
                #expect(try await storage.stat(blob.digest) == blob.size)
            }
            let gone = stored[1].digest
            try await storage.delete(gone)
            #expect(try await storage.stat(gone) == nil)
            #expect(!(try await storage.allDigests(pageSize: 1000)).contains(gone))
            #expect(try await storage.stat(stored[0].digest) == stored[0].size)
            await #expect(throws: StoreError.self) { _ = try await storage.get(gone) }
            try await storage.delete(gone)  // deleting what is not there does nothing
            let never = try BlobDigest(validating: String(repeating: "ab", count: 32))
            #expect(try await storage.stat(never) == nil)

        case .wrongExpectedDigestStoresNothing:
            let bytes = randomBytes(10_000)
            let announced = try BlobDigest(validating: String(repeating: "0", count: 63) + "1")
            do {
                _ = try await storage.put(bytes: bytes, expecting: announced)
                Issue.record("content with the wrong digest was accepted")
            } catch let error as StoreError {
                #expect(error.code == .blobCorrupt, "\(error)")
            }
            let actual = try BlobDigest(validating: SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
            #expect(try await storage.stat(actual) == nil)
            #expect(try await storage.stat(announced) == nil)
            let listed = try await storage.allDigests()
            #expect(!listed.contains(actual) && !listed.contains(announced))
            // Large enough for a multipart upload on S3: the upload is aborted, never completed.
            let large = randomBytes(300_000)
            await #expect(throws: StoreError.self) { _ = try await storage.put(Chunked(bytes: large), expecting: announced) }
            #expect(try await storage.stat(announced) == nil)

        case .largeContentRoundTrips:
            for size in [300_001, 4 * (64 << 10)] {
                let bytes = randomBytes(size)
                let stored = try await storage.put(Chunked(bytes: bytes), expecting: nil)
                #expect(stored.size == Int64(size))
                #expect(try await storage.stat(stored.digest) == Int64(size))
                #expect(try await storage.get(stored.digest).collect() == bytes)
                let again = try await storage.put(bytes: bytes, expecting: stored.digest)
                #expect(again.alreadyStored && again.digest == stored.digest)
            }
        }
    }
}

@Suite("blob storage invariants: local directory")
struct DirectoryBlobStorageTests {
    @Test(arguments: Invariant.allCases)
    func holds(_ invariant: Invariant) async throws {
        let fixture = try DirectoryFixture()
        try await invariant.check(fixture)
        if invariant == .tamperedBlobFailsVerification {
            #expect(fixture.testStore.log.messages.contains { $0.level == .error && $0.message.contains("quarantined") })
        }
    }

    @Test("delete refuses a blob that a pin still needs")
    func deleteRefusesANeededBlob() async throws {
        let fixture = try DirectoryFixture()
        let stored = try await fixture.storage.put(bytes: randomBytes(100))
        _ = try fixture.testStore.store.pin(.digest(stored.digest))
        await #expect(throws: StoreError.self) { try await fixture.storage.delete(stored.digest) }
        #expect(try await fixture.storage.stat(stored.digest) == 100)
    }
}

@Suite("blob storage invariants: S3 (the test server, authentication on)",
       .enabled(if: S3TestServer.requiredAndPresent, Comment(rawValue: S3TestServer.unavailable ?? "")))
struct S3BlobStorageTests {
    @Test(arguments: Invariant.allCases)
    func holds(_ invariant: Invariant) async throws {
        let fixture = try S3Fixture()
        do {
            try await invariant.check(fixture)
        } catch {
            try await fixture.close()
            throw error
        }
        try await fixture.close()
    }

    @Test("objects are stored under sha256/ab/cd/<digest>, and the temporary object is gone")
    func layout() async throws {
        let server = try S3TestServer.require()
        let s3 = server.storage()
        let stored = try await s3.put(bytes: randomBytes(1234))
        try await s3.shutdown()
        let hex = stored.digest.hex
        #expect(S3BlobStorage.key(for: stored.digest) == "sha256/\(hex.prefix(2))/\(hex.dropFirst(2).prefix(2))/\(hex)")
        #expect(S3BlobStorage.digest(forKey: S3BlobStorage.key(for: stored.digest)) == stored.digest)
        #expect(S3BlobStorage.digest(forKey: "sha256/\(hex.prefix(2))/\(hex)") == nil)
        #expect(S3BlobStorage.digest(forKey: "tmp/\(hex)") == nil)
        #expect(S3BlobStorage.digest(forKey: "sha256/\(hex.prefix(2))/\(hex.dropFirst(2).prefix(2))/\(hex.uppercased())") == nil)
    }

    @Test("a wrong secret key is refused, and the error and the log never contain it")
    func wrongSecretIsRefused() async throws {
        let server = try S3TestServer.require()
        let secret = "wrong-secret-\(UUID().uuidString)"
        let log = CapturedLog()
        let s3 = server.storage(credentials: S3Credentials(accessKeyID: server.credentials.accessKeyID, secretAccessKey: secret), logger: log.logger)
        for operation in ["put", "stat", "list"] {
            do {
                switch operation {
                case "put": _ = try await s3.put(bytes: randomBytes(10))
                case "stat": _ = try await s3.stat(try BlobDigest(validating: String(repeating: "c", count: 64)))
                default: _ = try await s3.list(from: nil, limit: 10)
                }
                Issue.record("\(operation) with a wrong secret key succeeded")
            } catch let error as StoreError {
                let text = "\(error) \(String(reflecting: error)) \(error.message)"
                #expect(text.contains("check the credentials"), "\(operation): \(text)")
                #expect(!text.contains(secret), "\(operation): the error shows the secret")
            }
        }
        #expect(!log.messages.contains { $0.message.contains(secret) })
        #expect(!"\(S3Credentials(accessKeyID: "id", secretAccessKey: secret))".contains(secret))
        try await s3.shutdown()
    }

    @Test("a request signed for another region is refused, and every error names the region to check, a HEAD's too",
          .enabled("the server checks the signing region (moto 5.2.5 accepts any; S3 and Swift's s3api refuse it)") {
              await S3TestServer.checksSigningRegion()
          })
    func wrongRegionIsRefused() async throws {
        let server = try S3TestServer.require()
        var location = server.location
        location.region = S3TestServer.otherRegion(than: server.region)
        let s3 = S3BlobStorage(location: location, credentials: server.credentials)
        for operation in ["put", "stat", "list"] {
            do {
                switch operation {
                case "put": _ = try await s3.put(bytes: randomBytes(10))
                case "stat": _ = try await s3.stat(try BlobDigest(validating: String(repeating: "e", count: 64)))
                default: _ = try await s3.list(from: nil, limit: 10)
                }
                Issue.record("\(operation) signed for \(location.region) succeeded")
            } catch let error as StoreError {
                #expect(error.code == .unusableStore, "\(operation): \(error)")
                #expect(error.message.contains("the region (\(location.region))"), "\(operation): \(error.message)")
            }
        }
        try await s3.shutdown()
    }

    @Test("a missing bucket is named, with what to do")
    func missingBucket() async throws {
        let server = try S3TestServer.require()
        let s3 = server.storage(bucket: "no-such-bucket-\(UInt32.random(in: 0...UInt32.max))")
        do {
            _ = try await s3.put(bytes: randomBytes(10))
            Issue.record("a put into a missing bucket succeeded")
        } catch let error as StoreError {
            #expect(error.message.contains("does not exist"), "\(error)")
        }
        try await s3.shutdown()
    }
}

@Suite("S3 configuration and errors without a server")
struct S3ConfigurationTests {
    @Test("s3://BUCKET?endpoint=…&region=… is parsed, and the environment fills the rest")
    func parsesLocations() throws {
        let location = try S3Location(parsing: "s3://wheels?endpoint=http://127.0.0.1:9000&region=eu-west-1", environment: [:])
        #expect(location.bucket == "wheels" && location.region == "eu-west-1")
        #expect(location.endpoint.absoluteString == "http://127.0.0.1:9000")
        #expect(location.hostHeader == "127.0.0.1:9000")
        let fromEnvironment = try S3Location(parsing: "s3://wheels", environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:9100", "AWS_DEFAULT_REGION": "us-west-2"])
        #expect(fromEnvironment.endpoint.absoluteString == "http://127.0.0.1:9100" && fromEnvironment.region == "us-west-2")
        #expect(try S3Location(parsing: "s3://wheels", environment: ["AWS_REGION": "a", "AWS_DEFAULT_REGION": "b"]).region == "a")
        #expect(try S3Location(parsing: "s3://wheels", environment: [:]).endpoint.absoluteString == "https://s3.us-east-1.amazonaws.com")
        for bad in ["http://wheels", "s3://", "s3://wheels/prefix", "s3://Wheels", "s3://wheels?endpoint=ftp://x", "s3://wheels?color=red"] {
            #expect(throws: StoreError.self, "\(bad)") { try S3Location(parsing: bad, environment: [:]) }
        }
    }

    @Test("credentials come from the AWS variables, and no description shows the secret")
    func credentialsFromTheEnvironment() throws {
        let credentials = try S3Credentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s3cr3t-value", "AWS_SESSION_TOKEN": "t0ken-value"])
        #expect(credentials.accessKeyID == "AKID" && credentials.secretAccessKey == "s3cr3t-value" && credentials.sessionToken == "t0ken-value")
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in ["\(credentials)", String(reflecting: credentials), dumped] {
            #expect(!text.contains("s3cr3t-value") && !text.contains("t0ken-value"), "\(text)")
        }
        #expect(throws: StoreError.self) { try S3Credentials.fromEnvironment(["AWS_ACCESS_KEY_ID": "AKID"]) }
        #expect(throws: StoreError.self) { try S3Credentials.fromEnvironment([:]) }
    }

    @Test("an unreachable endpoint is named, with what to do, and without the secret")
    func unreachableEndpoint() async throws {
        // Port 9 (discard) on loopback: nothing listens there on a test machine.
        let secret = "unreachable-secret-\(UUID().uuidString)"
        var options = S3BlobStorage.Options()
        options.connectTimeout = .seconds(2)
        let s3 = S3BlobStorage(location: try S3Location(parsing: "s3://wheels?endpoint=http://127.0.0.1:9", environment: [:]),
                               credentials: S3Credentials(accessKeyID: "AKID", secretAccessKey: secret), options: options)
        do {
            _ = try await s3.stat(try BlobDigest(validating: String(repeating: "d", count: 64)))
            Issue.record("a request to a closed port succeeded")
        } catch let error as StoreError {
            #expect(error.message.contains("cannot reach the S3 endpoint http://127.0.0.1:9"), "\(error)")
            #expect(!"\(error)".contains(secret))
        }
        try await s3.shutdown()
    }
}

import ArtifactStore
@testable import ArtifactStoreS3
import Foundation
import Logging
import Testing
import TestSupport

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// `scripts/s3-test-server.py`: moto's S3 server on loopback with authentication on, run by the
/// Python of the virtual environment `.ci/run` creates (`.build/client-venv`, or
/// `$ARTIFACT_STORE_TEST_CLIENTS`), where `moto[server]` is installed. One server for the whole
/// test process; it ends when the test process does (its standard input closes).
/// Immutable once started; the process and pipe are only kept so that they live as long as it.
final class MotoServer: @unchecked Sendable {
    let endpoint: String
    let bucket: String
    let region: String
    let credentials: S3Credentials
    private let process: Process
    private let input: Pipe

    static let python: String? = {
        let environment = ProcessInfo.processInfo.environment
        let venv = environment["ARTIFACT_STORE_TEST_CLIENTS"] ?? packageRoot.appending(path: ".build/client-venv").path(percentEncoded: false)
        let python = venv + "/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else { return nil }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = ["-c", "import moto.server, boto3"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return nil }
        probe.waitUntilExit()
        return probe.terminationStatus == 0 ? python : nil
    }()

    /// moto is installed, or this is CI (where it must be: the tests then fail instead of skipping).
    static var requiredAndPresent: Bool {
        python != nil || ProcessInfo.processInfo.environment["CI"] != nil
    }

    static let missing = "moto is not installed: run `python3 -m venv .build/client-venv && .build/client-venv/bin/pip install 'moto[server]==5.2.5'` (as .ci/run does); the S3 tests are skipped until then"

    /// The one server of this test process, started on first use.
    static let shared: Result<MotoServer, any Error> = Result { try MotoServer() }

    static func require() throws -> MotoServer {
        _ = try #require(python, Comment(rawValue: missing))
        return try shared.get()
    }

    private init() throws {
        let python = try #require(Self.python)
        process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [packageRoot.appending(path: "scripts/s3-test-server.py").path(percentEncoded: false)]
        let output = Pipe()
        input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line += byte
        }
        struct Started: Decodable {
            var endpoint, bucket, region, accessKeyId, secretAccessKey: String
        }
        guard let started = try? JSONDecoder().decode(Started.self, from: line) else {
            process.terminate()
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "scripts/s3-test-server.py did not start (it printed \(String(decoding: line, as: UTF8.self).debugDescription))"])
        }
        endpoint = started.endpoint
        bucket = started.bucket
        region = started.region
        credentials = S3Credentials(accessKeyID: started.accessKeyId, secretAccessKey: started.secretAccessKey)
    }

    var location: S3Location {
        S3Location(bucket: bucket, endpoint: URL(string: endpoint)!, region: region)
    }

    /// A client of the server's bucket; small parts, so that multipart uploads happen with
    /// little data (the server's minimum part size is lowered to match).
    func storage(credentials: S3Credentials? = nil, bucket: String? = nil, logger: Logger? = nil) -> S3BlobStorage {
        var options = S3BlobStorage.Options()
        options.partSize = 64 << 10
        options.multipartThreshold = 100 << 10
        if let logger { options.logger = logger }
        var location = location
        if let bucket { location.bucket = bucket }
        return S3BlobStorage(location: location, credentials: credentials ?? self.credentials, options: options)
    }
}

/// A storage under test and the way to damage what it holds behind its back.
protocol StorageFixture {
    var storage: any BlobStorage { get }
    /// Replaces the stored bytes of `digest` without going through the storage's checks.
    func tamper(_ digest: BlobDigest, with bytes: [UInt8]) async throws
    func close() async throws
}

struct DirectoryFixture: StorageFixture {
    let testStore: TestStore
    var storage: any BlobStorage { DirectoryBlobStorage(store: testStore.store) }

    init() throws { testStore = try TestStore() }

    func tamper(_ digest: BlobDigest, with bytes: [UInt8]) async throws {
        try testStore.tamper(digest, with: bytes)
    }

    func close() async throws {}
}

struct S3Fixture: StorageFixture {
    let s3: S3BlobStorage
    var storage: any BlobStorage { s3 }

    init() throws { s3 = try MotoServer.require().storage() }

    func tamper(_ digest: BlobDigest, with bytes: [UInt8]) async throws {
        try await s3.putRawObject(S3BlobStorage.key(for: digest), bytes: bytes)
    }

    func close() async throws { try await s3.shutdown() }
}

/// Random bytes, different in every call.
func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}

/// The bytes as a stream of small chunks of varying sizes.
struct Chunked: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let bytes: [UInt8]

    struct AsyncIterator: AsyncIteratorProtocol {
        let bytes: [UInt8]
        var offset = 0
        var step = 1

        mutating func next() async -> [UInt8]? {
            guard offset < bytes.count else { return nil }
            let end = Swift.min(bytes.count, offset + step * 997)
            defer { offset = end; step = step % 7 + 1 }
            return Array(bytes[offset..<end])
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes) }
}

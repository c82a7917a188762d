import ArtifactStore
@testable import ArtifactStoreS3
import Foundation
import Logging
import Testing
import TestSupport

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The S3 server of the tests, on loopback with authentication on. By default
/// `scripts/s3-test-server.py` (moto), run by the Python of the virtual environment `.ci/run`
/// creates (`.build/client-venv`, or `$ARTIFACT_STORE_TEST_CLIENTS`), where `moto[server]` is
/// installed. `ARTIFACT_STORE_TEST_S3_SERVER` names another script with the same contract (one
/// JSON line on standard output, then serving until standard input closes), relative to the
/// package root or absolute: one ending in `.sh` is run by /bin/bash
/// (`scripts/s3-swift-server.sh`: OpenStack Swift's s3api), any other by that Python.
///
/// One server for the whole test process; it ends when the test process does (its standard input
/// closes). Immutable once started; the process and pipe are only kept so that they live as long as it.
final class S3TestServer: @unchecked Sendable {
    let endpoint: String
    let bucket: String
    let region: String
    let credentials: S3Credentials
    private let process: Process
    private let input: Pipe

    /// The script that starts the server, and whether bash (rather than Python) runs it.
    static let script: (url: URL, bash: Bool) = {
        let named = ProcessInfo.processInfo.environment["ARTIFACT_STORE_TEST_S3_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
        let path = named ?? "scripts/s3-test-server.py"
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : packageRoot.appending(path: path)
        return (url, path.hasSuffix(".sh"))
    }()

    /// The Python that runs a Python script: the virtual environment's, when moto is installed
    /// there (the default script needs it; another Python script is run by it too).
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

    /// Why the server cannot be started here, or nil when it can: a bash script needs only to
    /// exist (whatever else it needs, it says when it fails, and the tests then fail).
    static let unavailable: String? = {
        if script.bash {
            return FileManager.default.fileExists(atPath: script.url.path(percentEncoded: false)) ? nil
                : "ARTIFACT_STORE_TEST_S3_SERVER names \(script.url.path(percentEncoded: false)), which does not exist"
        }
        return python == nil ? missing : nil
    }()

    /// The server can be started, or this is CI (where it must be: the tests then fail instead of skipping).
    static var requiredAndPresent: Bool {
        unavailable == nil || ProcessInfo.processInfo.environment["CI"] != nil
    }

    static let missing = "moto is not installed: run `python3 -m venv .build/client-venv && .build/client-venv/bin/pip install 'moto[server]==5.2.5'` (as .ci/run does); the S3 tests are skipped until then"

    /// The one server of this test process, started on first use.
    static let shared: Result<S3TestServer, any Error> = Result { try S3TestServer() }

    static func require() throws -> S3TestServer {
        try #require(unavailable == nil, Comment(rawValue: unavailable ?? ""))
        return try shared.get()
    }

    private init() throws {
        process = Process()
        if Self.script.bash {
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
        } else {
            process.executableURL = URL(fileURLWithPath: try #require(Self.python, Comment(rawValue: Self.missing)))
        }
        process.arguments = [Self.script.url.path(percentEncoded: false)]
        let output = Pipe()
        input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        // Standard error goes to a file already unlinked, read only when the server fails to start
        // (a pipe nobody reads could fill and stop the script).
        let errorPath = FileManager.default.temporaryDirectory.appending(path: "artifact-store-s3-server-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: errorPath.path(percentEncoded: false), contents: nil) else {
            throw StartFailure(description: "cannot create \(errorPath.path(percentEncoded: false))")
        }
        let errors = try FileHandle(forUpdating: errorPath)
        try? FileManager.default.removeItem(at: errorPath)
        process.standardError = errors
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
            process.waitUntilExit()
            try? errors.seek(toOffset: 0)
            let said = String(decoding: (try? errors.readToEnd()) ?? Data(), as: UTF8.self)
            throw StartFailure(description: """
                \(Self.script.url.path(percentEncoded: false)) did not start (exit status \(process.terminationStatus); \
                it printed \(String(decoding: line, as: UTF8.self).debugDescription)); its standard error ends with:
                \(said.suffix(3000))
                """)
        }
        endpoint = started.endpoint
        bucket = started.bucket
        region = started.region
        credentials = S3Credentials(accessKeyID: started.accessKeyId, secretAccessKey: started.secretAccessKey)
    }

    /// Whether the server refuses a request signed for a region other than its own, as S3 and
    /// Swift's s3api do; moto (5.2.5) accepts a signature for any region. True when the server
    /// cannot be started: the tests that ask then fail on ``require()``.
    static func checksSigningRegion() async -> Bool {
        guard unavailable == nil, let server = try? shared.get() else { return true }
        var location = server.location
        location.region = otherRegion(than: server.region)
        let s3 = S3BlobStorage(location: location, credentials: server.credentials)
        let refused = (try? await s3.list(from: nil, limit: 1)) == nil
        try? await s3.shutdown()
        return refused
    }

    /// A region that is not `region`.
    static func otherRegion(than region: String) -> String {
        region == "eu-west-3" ? "eu-west-2" : "eu-west-3"
    }

    /// Why the server did not start, with what its script said.
    struct StartFailure: Error, CustomStringConvertible {
        let description: String
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

    init() throws { s3 = try S3TestServer.require().storage() }

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

import ArtifactStore
import ArtifactStoreHTTP
import Foundation
import HTTPCaching
import Logging
import Testing
import TestSupport

/// A store in a temporary directory, a loopback server and a client over both; torn down by
/// ``close()``.
final class Harness: @unchecked Sendable {
    let directory: URL
    let store: Store
    let server: TestServer
    let client: CachingClient
    /// What the store logged.
    let log = CapturedLog()

    var storePath: String { directory.appending(path: "store").path(percentEncoded: false) }

    init(configure: (inout CachingClient.Configuration) -> Void = { _ in }) async throws {
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appending(path: "artifact-store-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var options = Store.Options()
        options.logger = log.logger
        store = try Store.open(at: directory.appending(path: "store"), options: options)
        server = try await TestServer.start()
        var configuration = CachingClient.Configuration()
        configuration.connectTimeout = 5
        configuration.readTimeout = 10
        configure(&configuration)
        client = CachingClient(store: store, configuration: configuration)
    }

    func close() async {
        try? await client.shutdown()
        await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    func fetch(_ path: String, headers: HeaderFields = HeaderFields(), mode: FetchMode = .online) async throws -> FetchResult {
        try await client.fetch(FetchRequest(url: server.url(path), headers: headers), mode: mode)
    }

    func verdict(_ path: String, headers: HeaderFields = HeaderFields(), policy: CachePolicy) throws -> Verdict {
        try store.verdict(for: HTTPRequestHead(url: server.url(path), headers: headers), policy: policy)
    }

    /// The bytes of a fetched body, from the store (verified) or the temporary file.
    func bytes(of body: FetchedBody) throws -> [UInt8] {
        switch body {
        case .none: return []
        case .stored(let digest, _): return try store.read(digest)
        case .temporaryFile(let path, _): return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
    }

    func blobCount() throws -> Int { try store.stats().blobCount }

    /// Files under `tmp/` of the store (ingests in progress or abandoned).
    func temporaryFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: storePath + "/tmp")
    }
}

/// Runs `body` with a harness and always tears it down.
func withHarness(
    configure: (inout CachingClient.Configuration) -> Void = { _ in },
    _ body: (Harness) async throws -> Void
) async throws {
    // The whole test, server and client, on threads of their own (see DedicatedThreads).
    try await withTaskExecutorPreference(DedicatedThreads.shared) {
        let harness = try await Harness(configure: configure)
        do {
            try await body(harness)
        } catch {
            await harness.close()
            throw error
        }
        await harness.close()
    }
}

/// A task executor on threads of its own, outside Swift's cooperative pool. That pool has one
/// thread per core (two here), and the command-line tests running beside these ones block theirs
/// while they wait for a process; the loopback server's handlers and the client's continuations
/// must still run, or a fetch times out because the test machine is busy, not because of a bug.
final class DedicatedThreads: TaskExecutor, @unchecked Sendable {
    static let shared = DedicatedThreads(count: 4)

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var next = 0

    private init(count: Int) {
        for index in 0..<count {
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "test-executor-\(index)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.withLock {
            jobs.append(job)
            condition.signal()
        }
    }

    private func work() {
        while true {
            let job = condition.withLock { () -> UnownedJob in
                while next == jobs.count { condition.wait() }
                let job = jobs[next]
                next += 1
                if next > 1024 && next * 2 > jobs.count {
                    jobs.removeFirst(next)
                    next = 0
                }
                return job
            }
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// The error a throwing async expression threw, if it was a ``FetchError``.
func fetchError(_ body: () async throws -> FetchResult) async -> FetchError? {
    do {
        _ = try await body()
        return nil
    } catch let error as FetchError {
        return error
    } catch {
        Issue.record("expected a FetchError, got \(error)")
        return nil
    }
}

/// An HTTP date `days` before now.
func httpDate(daysAgo days: Int) -> String {
    HTTPDate(secondsSince1970: Int64(Date().timeIntervalSince1970) - Int64(days) * 86_400).imfFixdate
}

/// Deterministic pseudo-random bytes.
func sampleBytes(_ count: Int, seed: UInt64 = 42) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

enum Fixtures {
    static let wheelName = "torch-2.5.1%2Bcpu-cp311-cp311-linux_x86_64.whl"
    static let wheelPath = "/whl/cpu/" + wheelName

    /// PyTorch's index page as served until mid-2026: no-store, a rebuild timestamp, %2B hrefs.
    static func pytorchOldPage() -> Fixture {
        Fixture(
            headers: [("Content-Type", "text/html"), ("Cache-Control", "no-cache,no-store,must-revalidate")],
            body: Array("""
                <!DOCTYPE html><html><body><h1>Links for torch</h1>
                <a href="/whl/cpu/\(wheelName)#sha256=0000">torch-2.5.1+cpu-cp311-cp311-linux_x86_64.whl</a><br/>
                </body></html>
                <!--TIMESTAMP 1772534520-->
                """.utf8))
    }

    /// PyTorch release channels since 2026-07.
    static func pytorchNewPage() -> Fixture {
        var fixture = pytorchOldPage()
        fixture.headers = [("Content-Type", "text/html"), ("Cache-Control", "max-age=600, public, must-revalidate")]
        return fixture
    }

    /// A wheel with only Last-Modified (heuristic freshness).
    static func wheel(_ body: [UInt8] = sampleBytes(200_000)) -> Fixture {
        Fixture(headers: [("Content-Type", "application/octet-stream")], body: body, lastModified: httpDate(daysAgo: 30))
    }

    /// A PyPI simple page: Vary: Accept, max-age=600, an ETag, HTML or PEP 691 JSON.
    static func pypiPage(etag: String = "\"serial-4242\"") -> Fixture {
        Fixture(
            headers: [("Cache-Control", "max-age=600, public"), ("Vary", "Accept"), ("X-PyPI-Last-Serial", "4242")],
            body: Array("<html><body><a href=\"../../packages/requests-2.32.3-py3-none-any.whl#sha256=70\">requests-2.32.3-py3-none-any.whl</a></body></html>".utf8),
            etag: etag,
            notModifiedHeaders: [("Cache-Control", "max-age=600, public"), ("Vary", "Accept")],
            jsonBody: Array(#"{"meta":{"api-version":"1.1"},"name":"requests","files":[]}"#.utf8))
    }

    /// pip's Accept for index pages, and its Cache-Control: max-age=0.
    static let pipAccept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
}

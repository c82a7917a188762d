import ArgumentParser
@_spi(Benchmarks) import ArtifactStore
import ArtifactStoreCLI
import Foundation
import HTTPCaching
import Synchronization

/// `artifact-store-bench small`: small crash-safe puts and verified gets (scripts/bench-small.sh), the
/// workload of pip's HTTP-cache baseline (see scripts/bench-small.sh) run through the store.
struct SmallBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "small",
        abstract: "Measure small crash-safe puts and verified gets of recorded responses.",
        discussion: """
            Puts --count distinct bodies of --size random bytes, each recorded as the response to \
            a wheel URL with PyPI's file headers: every put is durable when it returns (its blob \
            fsynced, published and its response recorded by one commit). Then, in random order, asks each URL's \
            verdict under policy offline and reads its body back verified. Prints one JSON line \
            with puts and gets per second.
            """)

    @Option(help: "Responses to put.") var count = 10_000
    @Option(help: "Body size in bytes.") var size = 20_000
    @Option(help: "Threads putting at once through one store handle, as a server's concurrent downloads do (the gets stay on one thread).") var threads = 1
    @Flag(help: "Give every put a commit of its own (no group commit), to measure what sharing commits gives.") var noGroupCommit = false
    @Flag(help: "Make every put durable by fsyncs of its own file and directory (no blob journal), to measure what the journal gives.") var noJournal = false
    @Option(help: "Where to create the benchmark store (default: a new temporary directory, removed afterwards).") var directory: String?

    func run() throws {
        let root = directory.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: NSTemporaryDirectory()).appending(path: "bench-small-\(UUID().uuidString)")
        defer { if directory == nil { try? FileManager.default.removeItem(at: root) } }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        var options = Store.Options()
        options.groupsCommits = !noGroupCommit
        options.journalsSmallBlobs = !noJournal
        let store = try Store.open(at: root, options: options)

        // Bodies and requests are made before the clock starts, as pip's baseline does. Each body
        // is distinct by its first eight bytes.
        let base = (0..<max(size, 8)).map { _ in UInt8.random(in: 0...255) }
        let bodies = (0..<count).map { index in
            var body = base
            withUnsafeBytes(of: UInt64(index)) { body.replaceSubrange(0..<8, with: $0) }
            return Array(body.prefix(size))
        }
        let requests = (0..<count).map { HTTPRequestHead(url: "https://files.example.org/packages/\(String($0, radix: 16))/pkg\($0)-1.\($0 % 50).0-py3-none-any.whl", headers: ["Accept-Encoding": "identity"]) }
        let response = HTTPResponseHead(status: 200, headers: [
            "Content-Type": "application/octet-stream", "Content-Length": "\(size)",
            "Cache-Control": "max-age=365000000, immutable, public", "ETag": "\"0123456789abcdef\"",
            "Last-Modified": "Tue, 21 Jan 2025 10:00:00 GMT", "Date": "Wed, 22 Jan 2025 10:00:00 GMT",
        ])

        var started = Date()
        try Self.onThreads(threads) { [store, bodies, requests, count, threads] thread in
            for index in stride(from: thread, to: count, by: threads) {
                let writer = try store.makeBlobWriter()
                try writer.write(bodies[index])
                let now = Date()
                // As serve does: the blob published and the response recorded by one commit.
                try store.record(request: requests[index], response: response, committing: writer, requestTime: now, responseTime: now)
            }
        }
        // The journal's files made durable too, within the time (the store does it within 0.1 s).
        try store.settleBlobJournal()
        let putSeconds = Date().timeIntervalSince(started)

        let order = Array(0..<count).shuffled()
        started = Date()
        for index in order {
            guard case .satisfiable(let satisfied) = try store.verdict(for: requests[index], policy: .offline),
                  let body = try store.readBody(of: satisfied), Self.same(body, bodies[index])
            else { throw ValidationError("response \(index) did not come back whole") }
        }
        let getSeconds = Date().timeIntervalSince(started)
        try Output.printJSON(Result(
            count: count, size: size, threads: threads, groupCommit: !noGroupCommit, journal: !noJournal, putSeconds: putSeconds, putsPerSecond: Double(count) / putSeconds,
            getSeconds: getSeconds, getsPerSecond: Double(count) / getSeconds))
    }

    /// Runs `body` on `count` threads of their own at once (`concurrentPerform` would run only as
    /// many at once as there are cores) and rethrows the first error one of them threw.
    static func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
        final class FirstError: Sendable { let error = Mutex<(any Error)?>(nil) }
        let failure = FirstError(), finished = DispatchGroup()
        for thread in 0..<count {
            finished.enter()
            Thread.detachNewThread {
                defer { finished.leave() }
                do { try body(thread) } catch { failure.error.withLock { $0 = $0 ?? error } }
            }
        }
        finished.wait()
        if let error = failure.error.withLock({ $0 }) { throw error }
    }

    /// Whether two bodies are equal, compared as pip's baseline compares them (`bytes` equality,
    /// one `memcmp`). Swift's `==` on two arrays compiles to a loop over single bytes here: it
    /// was a seventh of the time charged to the store's gets.
    static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { a in b.withUnsafeBytes { b in a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0) } }
    }

    struct Result: Encodable {
        var count, size, threads: Int
        var groupCommit: Bool
        var journal: Bool
        var putSeconds, putsPerSecond, getSeconds, getsPerSecond: Double
    }
}

import ArgumentParser
@_spi(Benchmarks) import ArtifactStore
import ArtifactStoreCLI
import Foundation
import HTTPCaching

/// `artifact-store-bench lookup`: verdict latency with many recorded responses (scripts/bench-lookup.sh).
struct LookupBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup",
        abstract: "Measure verdict lookups against a store of synthetic recorded responses.",
        discussion: """
            Records --responses synthetic PyPI-shaped responses (pages with Vary: Accept and ETags, \
            files with immutable max-age) into a new store with Store.record(contentsOf:) (the load \
            time, loadSeconds, includes the last checkpoint), then times --lookups verdicts for random \
            recorded URLs under policy offline, alternating with bare indexed point lookups of other \
            random rows, then the same verdicts again (warm: their rows read once before). Prints \
            one JSON line: medians and 99th percentiles in microseconds, and database bytes per \
            response.
            """)

    @Option(help: "Responses to record.") var responses = 1_000_000
    @Option(help: "Verdict lookups to time.") var lookups = 200_000
    @Option(help: "Distinct body blobs the responses share (each one a put, with its fsyncs).") var bodies = 1000
    @Option(help: "Record with record(batch:) calls of this many responses each, instead of record(contentsOf:), which picks the transactions' size.") var batch: Int?
    @Option(help: "Where to create the benchmark store (default: a new temporary directory, removed afterwards). A store there that already holds --responses responses is measured as it is, without recording again.") var directory: String?

    func run() throws {
        let root = directory.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: NSTemporaryDirectory()).appending(path: "bench-lookup-\(UUID().uuidString)")
        defer { if directory == nil { try? FileManager.default.removeItem(at: root) } }
        let store = try Store.open(at: root)
        var loadSeconds: Double?
        if try store.responseCount() != responses {
            let blobs = try (0..<max(1, bodies)).map { try store.put(bytes: Array("body \($0)".utf8)) }
            let started = Date()
            if let size = batch.map({ max(1, $0) }) {
                for start in stride(from: 0, to: responses, by: size) {
                    let end = min(start + size, responses)
                    try store.record(batch: (start..<end).map { Self.exchange($0, body: blobs[$0 % blobs.count]) })
                    progress("recorded \(end) of \(responses)")
                }
            } else {
                try store.record(contentsOf: (0..<responses).lazy.map { Self.exchange($0, body: blobs[$0 % blobs.count]) }) { recorded in
                    progress("recorded \(recorded) of \(responses)")
                }
            }
            // The log copied into the database is part of the load (each commit leaves most of it).
            try store.checkpoint()
            loadSeconds = Date().timeIntervalSince(started)
        }
        let databaseBytes = try store.stats().databaseBytes

        // Verdicts and bare lookups alternate, each on rows of its own drawn at random, so that
        // neither finds pages the other just brought into memory.
        var generator = SystemRandomNumberGenerator()
        let requests = (0..<lookups).map { _ in Self.exchange(Int.random(in: 0..<responses, using: &generator), body: nil).request }
        let urls = try (0..<lookups).map { _ in try NormalizedURL(Self.exchange(Int.random(in: 0..<responses, using: &generator), body: nil).request.url).text }

        var verdictNanos: [UInt64] = [], rawNanos: [UInt64] = []
        verdictNanos.reserveCapacity(lookups)
        rawNanos.reserveCapacity(lookups)
        var satisfiable = 0
        for (request, url) in zip(requests, urls) {
            var begin = DispatchTime.now().uptimeNanoseconds
            let verdict = try store.verdict(for: request, policy: .offline)
            verdictNanos.append(DispatchTime.now().uptimeNanoseconds - begin)
            if verdict.isSatisfiable { satisfiable += 1 }
            begin = DispatchTime.now().uptimeNanoseconds
            _ = try store.rawResponseLookup(url: url)
            rawNanos.append(DispatchTime.now().uptimeNanoseconds - begin)
        }
        // Again, now that those rows have been read once (a long-running process, such as the
        // caching proxy, keeps them mapped).
        var warmNanos: [UInt64] = []
        warmNanos.reserveCapacity(lookups)
        for request in requests {
            let begin = DispatchTime.now().uptimeNanoseconds
            _ = try store.verdict(for: request, policy: .offline)
            warmNanos.append(DispatchTime.now().uptimeNanoseconds - begin)
        }
        progress("")
        try Output.printJSON(Result(
            responses: responses, lookups: lookups, satisfiable: satisfiable, loadSeconds: loadSeconds,
            verdictP50Micros: Self.percentile(verdictNanos, 0.50), verdictP99Micros: Self.percentile(verdictNanos, 0.99),
            warmVerdictP50Micros: Self.percentile(warmNanos, 0.50), warmVerdictP99Micros: Self.percentile(warmNanos, 0.99),
            rawLookupP50Micros: Self.percentile(rawNanos, 0.50), rawLookupP99Micros: Self.percentile(rawNanos, 0.99),
            databaseBytes: databaseBytes, databaseBytesPerResponse: Double(databaseBytes) / Double(max(responses, 1))))
    }

    struct Result: Encodable {
        var responses, lookups, satisfiable: Int
        /// nil when an existing store was measured.
        var loadSeconds: Double?
        var verdictP50Micros, verdictP99Micros, warmVerdictP50Micros, warmVerdictP99Micros, rawLookupP50Micros, rawLookupP99Micros: Double
        var databaseBytes: Int64
        var databaseBytesPerResponse: Double
    }

    static func percentile(_ nanos: [UInt64], _ fraction: Double) -> Double {
        let sorted = nanos.sorted()
        guard !sorted.isEmpty else { return 0 }
        return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]) / 1000
    }

    /// Response `index`: even ones are project pages, odd ones wheel files.
    static func exchange(_ index: Int, body: StoredBlob?) -> RecordedExchange {
        let time = Date(timeIntervalSince1970: 1_772_534_520 + Double(index % 86_400))
        if index % 2 == 0 {
            let accept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
            return RecordedExchange(
                request: HTTPRequestHead(url: "https://pypi.org/simple/project-\(index)/", headers: ["Accept": accept]),
                response: HTTPResponseHead(status: 200, headers: [
                    "Date": HTTPDate(secondsSince1970: Int64(time.timeIntervalSince1970)).imfFixdate,
                    "Content-Type": "application/vnd.pypi.simple.v1+json", "Cache-Control": "max-age=600, public",
                    "Vary": "Accept, Accept-Encoding", "ETag": "\"\(String(index, radix: 16))-\(index % 97)\"",
                    "X-PyPI-Last-Serial": "\(20_000_000 + index)", "Content-Length": "\(1000 + index % 5000)",
                ]),
                body: body, requestTime: time, responseTime: time)
        }
        let hash = String(UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15, radix: 16)
        return RecordedExchange(
            request: HTTPRequestHead(url: "https://files.pythonhosted.org/packages/\(hash.prefix(2))/\(hash.dropFirst(2).prefix(2))/\(hash)/project_\(index)-1.0.\(index % 10)-py3-none-any.whl"),
            response: HTTPResponseHead(status: 200, headers: [
                "Date": HTTPDate(secondsSince1970: Int64(time.timeIntervalSince1970)).imfFixdate,
                "Content-Type": "application/octet-stream", "Cache-Control": "max-age=365000000, immutable, public",
                "ETag": "\"\(hash)\"", "Last-Modified": "Tue, 01 Aug 2023 00:00:00 GMT", "Content-Length": "\(20_000 + index % 100_000)",
            ]),
            body: body, requestTime: time, responseTime: time)
    }

    private func progress(_ text: String) {
        Self.progressLine.draw(force: true) { _ in text }
    }

    private static let progressLine = ProgressLine()
}

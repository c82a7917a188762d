import ArgumentParser
@_spi(Benchmarks) import ArtifactStore
import ArtifactStoreCLI
import Foundation
import HTTPCaching
import Synchronization

/// `artifact-store-bench contention`: how long writers wait for the store's write lock, and how long
/// anyone holds it, while installers record pages and files, readers ask verdicts and gc evicts
/// (scripts/bench-contention.sh).
struct ContentionBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contention",
        abstract: "Measure write-lock waits and holds under concurrent writers, readers and gc.",
        discussion: """
            Fills a new store with --old-files wheel responses last used a day ago (what gc may \
            evict). Then, for --seconds, --writers threads each record project pages (a \
            --page-files page of several hundred KB, and every tenth time a --big-page-files \
            one of about 5 MB, their file sets changing each time) and --files-per-page wheel files \
            (each a put and a record); --readers threads ask verdicts of recorded URLs under \
            policy offline; and one thread runs `gc --max-size` in a loop, each run evicting a \
            tenth of the old files. Every thread opens the store for itself, as a process would. \
            Then the same writers run alone for --seconds (the baseline). Prints one JSON line: \
            the write-lock wait and hold distributions (p50, p99, max in milliseconds) of both runs.
            """)

    @Option(help: "Seconds each run lasts.") var seconds = 20.0
    @Option(help: "Writer threads.") var writers = 4
    @Option(help: "Reader threads.") var readers = 8
    @Option(help: "Files on a project page.") var pageFiles = 1500
    @Option(help: "Files on the big project page.") var bigPageFiles = 20_000
    @Option(help: "Wheel files each writer records per page.") var filesPerPage = 8
    @Option(help: "Old wheel responses to fill the store with first, for gc to evict.") var oldFiles = 1500
    @Flag(help: "Writers and readers share one store handle, as one serve process's requests do.") var oneProcess = false
    @Flag(help: "Handles do not take turns at the write lock (WriteTurns), to measure what the turns give.") var noWriteTurns = false
    @Option(help: "Where to create the benchmark store (default: a new temporary directory, removed afterwards).") var directory: String?

    func run() throws {
        let base = directory.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: NSTemporaryDirectory()).appending(path: "bench-contention-\(UUID().uuidString)")
        defer { if directory == nil { try? FileManager.default.removeItem(at: base) } }
        // Pages are made once: two versions of each size (a file more in the second), so that
        // every recording of a page changes its file set.
        let pages = [Self.page(files: pageFiles), Self.page(files: pageFiles + 1)]
        let bigPages = [Self.page(files: bigPageFiles), Self.page(files: bigPageFiles + 1)]
        progress("pages: \(pages[0].count) and \(bigPages[0].count) bytes")

        let contended = try measure(root: base.appending(path: "contended"), pages: pages, bigPages: bigPages, alone: false)
        let alone = try measure(root: base.appending(path: "alone"), pages: pages, bigPages: bigPages, alone: true)
        try Output.printJSON(Result(
            seconds: seconds, writers: writers, readers: readers, oneProcess: oneProcess, writeTurns: !noWriteTurns, pageBytes: pages[0].count, bigPageBytes: bigPages[0].count,
            contended: contended, writersAlone: alone))
    }

    /// One run: its own store, filled, then the threads for `seconds`.
    func measure(root: URL, pages: [[UInt8]], bigPages: [[UInt8]], alone: Bool) throws -> Figures {
        let timings = Timings()
        func open(_ role: Timings.Role, clock: TimeInterval = 0) throws -> Store {
            var options = Store.Options()
            options.writeLockObserver = { timings.add(role, $0) }
            options.takesWriteTurns = !noWriteTurns
            if clock != 0 { options.now = { Date().addingTimeInterval(clock) } }
            return try Store.open(at: root, options: options)
        }
        // Old files, a day old, for gc to evict (not measured).
        var oldURLs: [HTTPRequestHead] = []
        if !alone {
            let filler = try Store.open(at: root, options: { var options = Store.Options(); options.now = { Date().addingTimeInterval(-86_400) }; return options }())
            let day = Date().addingTimeInterval(-86_400)
            var exchanges: [RecordedExchange] = []
            for index in 0..<oldFiles {
                let blob = try filler.put(bytes: Self.body(index, writer: 99, size: 20_000))
                let exchange = Self.file(index, writer: 99, body: blob, at: day)
                exchanges.append(exchange)
                oldURLs.append(exchange.request)
                progress("old files: \(index + 1) of \(oldFiles)")
            }
            try filler.record(batch: exchanges)
        }

        let stop = DispatchTime.now() + seconds
        let counts = Counts()
        let group = DispatchGroup()
        func spawn(_ body: @escaping @Sendable () throws -> Void) {
            group.enter()
            Thread.detachNewThread {
                do { try body() } catch { counts.fail("\(error)") }
                group.leave()
            }
        }
        // One process: its writers' turns are taken in the handle's own queue, not in the queue
        // between handles (WriteTurns). (Its readers' last-use writes then count as writers'.)
        let shared = oneProcess ? try open(.writer) : nil
        let pageURLs = (0..<writers).flatMap { writer in (0..<Self.projectsPerWriter).map { Self.pageRequest(writer: writer, project: $0) } }
        for writer in 0..<writers {
            let store = try shared ?? open(.writer)
            let filesPerPage = filesPerPage
            spawn {
                var round = 0
                while DispatchTime.now() < stop {
                    let big = round % 10 == 9
                    let body = try store.put(bytes: (big ? bigPages : pages)[(round / (big ? 10 : 1)) % 2])
                    let now = Date()
                    let request = big ? Self.pageRequest(writer: writer, project: -1) : Self.pageRequest(writer: writer, project: round % Self.projectsPerWriter)
                    try store.record(request: request, response: Self.pageResponse(at: now), body: body, requestTime: now, responseTime: now)
                    counts.add(page: 1, big: big ? 1 : 0)
                    for file in 0..<filesPerPage {
                        let index = round * filesPerPage + file
                        let blob = try store.put(bytes: Self.body(index, writer: writer, size: 20_000))
                        let exchange = Self.file(index, writer: writer, body: blob, at: Date())
                        try store.record(batch: [exchange])
                    }
                    counts.add(files: filesPerPage)
                    round += 1
                }
            }
        }
        if !alone {
            let asked = oldURLs + pageURLs
            for _ in 0..<readers {
                let store = try shared ?? open(.reader)
                spawn {
                    var verdicts = 0
                    while DispatchTime.now() < stop {
                        _ = try store.verdict(for: asked.randomElement()!, policy: .offline)
                        verdicts += 1
                    }
                    counts.add(verdicts: verdicts)
                }
            }
            let store = try open(.gc)
            let oldBytes = Int64(oldFiles) * 20_000
            spawn {
                while DispatchTime.now() < stop {
                    var options = GCOptions()
                    options.maxSize = max(0, try store.stats().blobBytes - oldBytes / 10)
                    _ = try store.gc(options)
                    counts.add(gcRuns: 1)
                }
            }
        }
        group.wait()
        progress("")
        if let failure = counts.failure { throw ValidationError("a thread failed: \(failure)") }
        return Figures(timings: timings, counts: counts, seconds: seconds)
    }

    static let projectsPerWriter = 40

    // MARK: Report

    struct Result: Encodable {
        var seconds: Double
        var writers, readers: Int
        var oneProcess: Bool
        var writeTurns: Bool
        var pageBytes, bigPageBytes: Int
        var contended: Figures
        var writersAlone: Figures
    }

    struct Distribution: Encodable {
        var count: Int
        var p50Ms, p99Ms, maxMs: Double
        /// The sum: for holds, how long the lock was taken in all (utilization × seconds).
        var totalMs: Double

        init(_ nanos: [UInt64]) {
            let sorted = nanos.sorted()
            count = sorted.count
            totalMs = (Double(sorted.reduce(0, +)) / 1e6).rounded()
            func at(_ fraction: Double) -> Double {
                guard !sorted.isEmpty else { return 0 }
                return (Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]) / 1e6 * 100).rounded() / 100
            }
            p50Ms = at(0.5)
            p99Ms = at(0.99)
            maxMs = at(1)
        }
    }

    struct Figures: Encodable {
        /// Every write transaction's wait and hold, whoever ran it.
        var wait, hold: Distribution
        /// By role: writers (pages and files), readers (their batched last-use writes), gc.
        var writerWait, writerHold, readerHold, gcHold: Distribution
        var pages, bigPages, files, verdicts, gcRuns: Int
        var pagesPerSecond, filesPerSecond: Double

        init(timings: Timings, counts: Counts, seconds: Double) {
            let all = timings.all
            wait = Distribution(all.map(\.timing.waitNanoseconds))
            // A group commit's hold once, with its first transaction.
            let holds = all.filter { !$0.timing.sharesHold }
            hold = Distribution(holds.map(\.timing.holdNanoseconds))
            writerWait = Distribution(all.filter { $0.role == .writer }.map(\.timing.waitNanoseconds))
            writerHold = Distribution(holds.filter { $0.role == .writer }.map(\.timing.holdNanoseconds))
            readerHold = Distribution(holds.filter { $0.role == .reader }.map(\.timing.holdNanoseconds))
            gcHold = Distribution(holds.filter { $0.role == .gc }.map(\.timing.holdNanoseconds))
            (pages, bigPages, files, verdicts, gcRuns) = counts.values
            pagesPerSecond = (Double(pages) / seconds * 10).rounded() / 10
            filesPerSecond = (Double(files) / seconds * 10).rounded() / 10
        }
    }

    final class Timings: Sendable {
        enum Role { case writer, reader, gc }
        private let entries = Mutex<[(role: Role, timing: WriteLockTiming)]>([])
        func add(_ role: Role, _ timing: WriteLockTiming) { entries.withLock { $0.append((role, timing)) } }
        var all: [(role: Role, timing: WriteLockTiming)] { entries.withLock { $0 } }
    }

    final class Counts: Sendable {
        private struct State { var pages = 0, bigPages = 0, files = 0, verdicts = 0, gcRuns = 0, failure: String? }
        private let state = Mutex(State())
        func add(page: Int = 0, big: Int = 0, files: Int = 0, verdicts: Int = 0, gcRuns: Int = 0) {
            state.withLock { state in
                state.pages += page
                state.bigPages += big
                state.files += files
                state.verdicts += verdicts
                state.gcRuns += gcRuns
            }
        }
        func fail(_ message: String) { state.withLock { if $0.failure == nil { $0.failure = message } } }
        var failure: String? { state.withLock { $0.failure } }
        var values: (Int, Int, Int, Int, Int) { state.withLock { ($0.pages, $0.bigPages, $0.files, $0.verdicts, $0.gcRuns) } }
    }

    // MARK: Workload

    /// A PEP 691 JSON project page listing `files` wheels (about 250 bytes each, as PyPI's are).
    static func page(files: Int) -> [UInt8] {
        var entries: [String] = []
        entries.reserveCapacity(files)
        for index in 0..<files {
            let version = "\(index / 40).\(index % 40 / 8).\(index % 8)"
            let tag = ["cp310-cp310-manylinux_2_17_x86_64", "cp311-cp311-manylinux_2_17_x86_64", "cp312-cp312-win_amd64", "py3-none-any"][index % 4]
            let hash = String(repeating: String(UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15 | 1 << 63, radix: 16), count: 4)
            entries.append("""
                {"filename":"sample-\(version)-\(tag).whl","url":"https://files.example.org/packages/\(hash.prefix(2))/\(hash.prefix(6))/sample-\(version)-\(tag).whl",\
                "hashes":{"sha256":"\(hash)"},"requires-python":">=3.9","yanked":false,"core-metadata":{"sha256":"\(hash)"},"size":\(100_000 + index)}
                """)
        }
        let versions = Set((0..<files).map { "\"\($0 / 40).\($0 % 40 / 8).\($0 % 8)\"" }).sorted()
        return Array("""
            {"meta":{"api-version":"1.1"},"name":"sample","versions":[\(versions.joined(separator: ","))],"files":[\(entries.joined(separator: ","))]}
            """.utf8)
    }

    static func pageRequest(writer: Int, project: Int) -> HTTPRequestHead {
        let name = project < 0 ? "big-\(writer)" : "sample-\(writer)-\(project)"
        return HTTPRequestHead(url: "https://pypi.example.org/simple/\(name)/", headers: ["Accept": "application/vnd.pypi.simple.v1+json"])
    }

    static func pageResponse(at time: Date) -> HTTPResponseHead {
        HTTPResponseHead(status: 200, headers: [
            "Date": HTTPDate(secondsSince1970: Int64(time.timeIntervalSince1970)).imfFixdate,
            "Content-Type": "application/vnd.pypi.simple.v1+json", "Cache-Control": "max-age=600, public", "Vary": "Accept, Accept-Encoding",
        ])
    }

    /// Distinct bytes for file `index` of `writer`.
    static func body(_ index: Int, writer: Int, size: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: UInt8(truncatingIfNeeded: index &* 31 &+ writer), count: size)
        withUnsafeBytes(of: UInt64(index)) { bytes.replaceSubrange(0..<8, with: $0) }
        withUnsafeBytes(of: UInt64(writer)) { bytes.replaceSubrange(8..<16, with: $0) }
        return bytes
    }

    static func file(_ index: Int, writer: Int, body: StoredBlob, at time: Date) -> RecordedExchange {
        RecordedExchange(
            request: HTTPRequestHead(url: "https://files.example.org/packages/w\(writer)/pkg_\(writer)_\(index)-1.0-py3-none-any.whl"),
            response: HTTPResponseHead(status: 200, headers: [
                "Date": HTTPDate(secondsSince1970: Int64(time.timeIntervalSince1970)).imfFixdate,
                "Content-Type": "application/octet-stream", "Cache-Control": "max-age=365000000, immutable, public",
                "Content-Length": "\(body.size)",
            ]),
            body: body, requestTime: time, responseTime: time)
    }

    private func progress(_ text: String) {
        Self.progressLine.draw(force: true) { _ in text }
    }

    private static let progressLine = ProgressLine()
}

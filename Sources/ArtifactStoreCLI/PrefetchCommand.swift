import ArgumentParser
import ArtifactStore
import ArtifactStoreHTTP
import Foundation
import HTTPCaching
import Synchronization

struct PrefetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prefetch",
        abstract: "Fetch through the store every page and file an environment needs, so a later offline install cannot miss.",
        discussion: """
            Takes what can-install takes (--lock pylock.toml or uv.lock, -r requirements.txt, \
            requirements with --with-deps) and asks the same question under the offline policy; \
            whatever the answer says is missing (a project page never fetched, a locked file not \
            stored, a dependency found in a wheel just fetched) is fetched, several at a time, \
            until nothing more can be fetched. Each file is checked against the lock's or the \
            page's sha256 as it arrives, and is not stored if it differs. Safe to re-run: what is \
            already stored is not fetched again.

            Several environments: --python and --platform may be repeated; every combination is \
            prefetched (e.g. --python 3.11 --python 3.12 --platform manylinux_2_28_x86_64 \
            --platform macosx_14_0_arm64 is four environments). Without them, this machine's.

            Prints what it fetched (a progress line with bytes and ETA on a terminal), then \
            can-install's summary for each environment. --json prints {"satisfiable", "fetched": \
            [{"url", "status", "bytes", "error"}], "environments": [ENVIRONMENT]}.

            EXIT STATUS
              0   every environment can now be installed from the store
              1   something is still missing (the summary says what and why)
              64  bad input; 74 store failure

            EXAMPLES
              artifact-store prefetch --lock uv.lock
              artifact-store prefetch --lock pylock.toml --python 3.12 --platform manylinux_2_28_x86_64 --platform macosx_14_0_arm64
              artifact-store prefetch -r requirements.txt --jobs 8
              artifact-store prefetch python-dateutil --with-deps --index https://pypi.org/simple
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: ArgumentHelp("Requirements, e.g. 'torch==2.5.1' (with --index).", valueName: "requirement")) var requirements: [String] = []
    @OptionGroup var inputs: EnvironmentInputs
    @Option(name: .customLong("index"), help: ArgumentHelp("A simple-repository base URL, in priority order (repeatable); a requirements file's own --index-url lines are used when none is given.", valueName: "url"))
    var indexes: [String] = []
    @Option(help: ArgumentHelp("A Python version to prefetch for (repeatable).", valueName: "X.Y")) var python: [String] = []
    @Option(help: ArgumentHelp("A platform tag to prefetch for (repeatable; each is its own environment).", valueName: "tag")) var platform: [String] = []
    @Option(help: ArgumentHelp("The implementation: cp (CPython, default) or pp (PyPy).", valueName: "cp|pp")) var implementation: String?
    @Option(help: "How several indexes combine: first-index (default) or unsafe-best-match.") var indexStrategy: IndexStrategy = .firstIndex
    @Option(help: ArgumentHelp("Downloads at a time.", valueName: "n")) var jobs = 4
    @Option(help: ArgumentHelp("Seconds to wait for a connection.", valueName: "seconds")) var connectTimeout: Double = 30
    @Option(help: ArgumentHelp("Seconds to wait for the next bytes of a response.", valueName: "seconds")) var readTimeout: Double = 60
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        guard !requirements.isEmpty || inputs.isGiven else {
            throw ValidationError("give a lock file (--lock pylock.toml or uv.lock), a requirements file (-r requirements.txt) or requirements with --index")
        }
        guard requirements.isEmpty || !indexes.isEmpty else { throw ValidationError("requirements need an --index URL, e.g. --index https://pypi.org/simple") }
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs takes 1 to 64") }
        guard python.isEmpty == platform.isEmpty else {
            throw ValidationError("give --python and --platform together (e.g. --python 3.12 --platform manylinux_2_28_x86_64), or neither for this machine")
        }
        for value in [connectTimeout, readTimeout] where !(value > 0) { throw ValidationError("timeouts must be positive numbers of seconds") }
    }

    /// Every --python × --platform combination, or this machine.
    func environments() throws -> [TargetEnvironment] {
        guard !python.isEmpty else { return [try EnvironmentOptions.parse([]).resolve()] }
        var result: [TargetEnvironment] = []
        for version in python {
            for tag in platform {
                var arguments = ["--python", version, "--platform", tag]
                if let implementation { arguments += ["--implementation", implementation] }
                result.append(try EnvironmentOptions.parse(arguments).resolve())
            }
        }
        return result
    }

    func run() async throws {
        let question = try EnvironmentQuestion(requirements: requirements, inputs: inputs, indexes: indexes, policy: .offline, strategy: indexStrategy)
        let environments = try environments()
        let store = try storeOptions.open()
        var configuration = CachingClient.Configuration()
        configuration.connectTimeout = connectTimeout
        configuration.readTimeout = readTimeout
        configuration.netrc = Netrc.load()
        let client = CachingClient(store: store, configuration: configuration)
        let progress = PrefetchProgress(isTerminal: FileSystem.isTerminal(STDERR_FILENO) && !json)
        var attempted = Set<String>()
        var fetched: [PrefetchResult] = []
        var verdicts: [EnvironmentVerdict] = []
        do {
            // Ask, fetch what is missing, ask again: dependencies appear as their wheels arrive.
            for _ in 0..<64 {
                verdicts = try environments.flatMap { try question.answer(in: store, for: $0, verifyFiles: false) }
                let credentials = question.indexes + question.files.flatMap(\.file.indexes)
                var tasks = Self.fetches(for: verdicts, indexes: credentials)
                // A lock's files are enough for export, but an installer pointed at `serve`
                // asks for the project pages first: fetch those the store has never had.
                for package in verdicts.flatMap(\.packages) where question.lock != nil {
                    guard let index = package.index, let page = try? NormalizedURL((index.hasSuffix("/") ? index : index + "/") + package.project + "/").text,
                          try store.responses(for: page).isEmpty, !tasks.contains(where: { $0.url == page }) else { continue }
                    tasks.append(Fetch(url: Self.withCredentials(page, indexes: credentials), expected: nil, isPage: true, size: nil))
                }
                tasks = tasks.filter { attempted.insert($0.url).inserted }
                guard !tasks.isEmpty else { break }
                fetched += await Self.run(tasks, client: client, jobs: jobs, progress: progress)
            }
        } catch {
            progress.finish()
            try? await client.shutdown()
            throw error
        }
        progress.finish()
        try? await client.shutdown()
        if json {
            try Output.printJSON(PrefetchJSON(satisfiable: verdicts.allSatisfy(\.isSatisfiable), fetched: fetched.map(PrefetchJSON.FetchedJSON.init),
                                              environments: verdicts.map { EnvironmentJSON($0, policy: .offline) }))
        } else {
            let failed = fetched.filter { $0.error != nil }
            Output.line("fetched \(fetched.count - failed.count) of \(fetched.count) (\(Output.humanSize(fetched.reduce(0) { $0 + $1.bytes })))\(failed.isEmpty ? "" : "; \(failed.count) failed")")
            for failure in failed { Output.line("  ✘ \(RecordedURL.redacted(failure.url, replacement: "")): \(failure.error ?? "")") }
            for verdict in verdicts {
                Output.line("\(verdict.environment) (\(verdict.source)): \(verdict.summary)")
                for package in verdict.packages where !package.isSatisfiable {
                    Output.line("  ✘ \(package.name) \(package.version ?? ""): \(package.reasons.first?.message ?? package.status.rawValue)")
                }
            }
        }
        if !verdicts.allSatisfy(\.isSatisfiable) { throw ExitCode(ExitStatus.notFound.rawValue) }
    }

    struct Fetch: Sendable, Hashable {
        var url: String
        var expected: BlobDigest?
        var isPage: Bool
        var size: Int64?
    }

    /// What the answers say is missing and a fetch could bring: project pages that were never
    /// usable, chosen files that are not stored (or whose stored copy is damaged).
    static func fetches(for verdicts: [EnvironmentVerdict], indexes: [String]) -> [Fetch] {
        var result: [Fetch] = []
        func add(_ fetch: Fetch) { if !result.contains(where: { $0.url == fetch.url }) { result.append(fetch) } }
        for package in verdicts.flatMap(\.packages) where !package.isSatisfiable {
            for reason in package.reasons {
                switch reason {
                case .page(let url, _):
                    add(Fetch(url: withCredentials(url, indexes: indexes), expected: nil, isPage: true, size: nil))
                case .fileNotStored(let url, _, _), .fileUnreadable(let url, _, _), .hashMismatch(let url, _, _):
                    guard url.hasPrefix("http://") || url.hasPrefix("https://") else { continue }
                    add(Fetch(url: withCredentials(url, indexes: indexes), expected: package.sha256.flatMap { try? BlobDigest(validating: $0) },
                              isPage: false, size: package.size))
                case .needsBuild:
                    // The sdist itself is still worth having.
                    if let url = package.url, package.stored == nil, url.hasPrefix("http") {
                        add(Fetch(url: url, expected: package.sha256.flatMap { try? BlobDigest(validating: $0) }, isPage: false, size: package.size))
                    }
                default:
                    continue
                }
            }
        }
        return result
    }

    /// The store keeps URLs without credentials; a page of an index given with them is fetched
    /// with them again (they go to that index's host only).
    static func withCredentials(_ url: String, indexes: [String]) -> String {
        for index in indexes where index.contains("@") {
            let redacted = RecordedURL.redacted(index, replacement: "")
            let base = redacted.hasSuffix("/") ? String(redacted.dropLast()) : redacted
            if url.hasPrefix(base + "/") {
                let original = index.hasSuffix("/") ? String(index.dropLast()) : index
                return original + url.dropFirst(base.count)
            }
        }
        return url
    }

    struct PrefetchResult: Sendable {
        var url: String
        var status: Int?
        var bytes: Int64
        var error: String?
    }

    /// Runs the fetches, `jobs` at a time.
    static func run(_ fetches: [Fetch], client: CachingClient, jobs: Int, progress: PrefetchProgress) async -> [PrefetchResult] {
        progress.add(files: fetches.count, bytes: fetches.reduce(0) { $0 + ($1.size ?? 0) })
        return await withTaskGroup(of: PrefetchResult.self) { group in
            var results: [PrefetchResult] = []
            var pending = fetches[...]
            func start(_ fetch: Fetch) {
                group.addTask {
                    let request = FetchRequest(url: fetch.url, headers: fetch.isPage ? IndexServer.upstreamPageHeaders : HeaderFields(), expectedDigest: fetch.expected)
                    let counter = ByteCounter()
                    do {
                        let result = try await client.fetch(request, progress: { received, _ in progress.received(counter.advance(to: received)) })
                        if case .temporaryFile(let path, _) = result.body { FileSystem.removeIfPresent(path) }
                        progress.completed()
                        let failed = !fetch.isPage && result.status != 200
                        return PrefetchResult(url: fetch.url, status: result.status, bytes: counter.total,
                                              error: failed ? "answered \(result.status), which is not the file" : nil)
                    } catch {
                        progress.completed()
                        return PrefetchResult(url: fetch.url, status: nil, bytes: counter.total, error: "\(error)")
                    }
                }
            }
            for _ in 0..<jobs { if let next = pending.popFirst() { start(next) } }
            while let result = await group.next() {
                results.append(result)
                if let next = pending.popFirst() { start(next) }
            }
            return results
        }
    }
}

/// Bytes of one download so far, turned into increments for the shared progress line.
final class ByteCounter: Sendable {
    private let value = Mutex<Int64>(0)
    var total: Int64 { value.withLock { $0 } }
    func advance(to received: Int64) -> Int64 {
        value.withLock { current in
            let delta = max(0, received - current)
            current = max(current, received)
            return delta
        }
    }
}

/// One progress line on a terminal for all downloads: files done, bytes, rate and ETA.
final class PrefetchProgress: Sendable {
    private struct Counts {
        var files = 0, done = 0
        var expectedBytes: Int64 = 0, receivedBytes: Int64 = 0
    }
    private let counts = Mutex(Counts())
    private let line: ProgressLine

    init(isTerminal: Bool) { line = ProgressLine(isActive: isTerminal) }

    func add(files: Int, bytes: Int64) { counts.withLock { $0.files += files; $0.expectedBytes += bytes } ; draw() }
    func received(_ bytes: Int64) { counts.withLock { $0.receivedBytes += bytes }; draw() }
    func completed() { counts.withLock { $0.done += 1 }; draw(force: true) }

    private func draw(force: Bool = false) {
        let counts = counts.withLock { $0 }
        line.draw(force: force) { elapsed in
            var text = "[\(counts.done)/\(counts.files)] \(Output.humanSize(counts.receivedBytes))"
            if counts.expectedBytes > 0 { text += " / \(Output.humanSize(counts.expectedBytes))" }
            if elapsed > 0.5, counts.receivedBytes > 0 {
                let rate = Double(counts.receivedBytes) / elapsed
                text += " (\(Output.humanSize(Int64(rate)))/s"
                if counts.expectedBytes > counts.receivedBytes {
                    text += ", ETA \(Int(Double(counts.expectedBytes - counts.receivedBytes) / rate))s"
                }
                text += ")"
            }
            return text
        }
    }

    func finish() { line.finish() }
}

/// `prefetch --json`: what was fetched, and the offline answer for each environment afterwards.
struct PrefetchJSON: Encodable {
    var satisfiable: Bool
    var fetched: [FetchedJSON]
    var environments: [EnvironmentJSON]

    /// One fetch; its URL without credentials.
    struct FetchedJSON: Encodable {
        var url: String
        @ExplicitNull var status: Int?
        var bytes: Int64
        @ExplicitNull var error: String?

        init(_ result: PrefetchCommand.PrefetchResult) {
            url = RecordedURL.redacted(result.url, replacement: "")
            status = result.status
            bytes = result.bytes
            error = result.error
        }
    }
}

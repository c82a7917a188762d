import ArgumentParser
import ArtifactStore
import ArtifactStoreHTTP
import Foundation
import HTTPCaching
import Synchronization

struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch a URL through the store, recording the response.",
        discussion: """
            Online, a fresh stored response is used as is, a stale one is revalidated with a \
            conditional request, and anything else is downloaded and recorded: stored, or refused \
            with the reason HTTP caching rules give (e.g. no-store). Redirects are followed and each \
            hop is recorded. With --offline the network is never touched: the answer comes from \
            the store, or the command says why it cannot (exit status 1).

            Credentials in the URL (https://user:secret@host/...) are sent as Basic authentication \
            and never recorded or printed; Authorization and Cookie headers are never recorded.

            The body is written to standard output, or with -o FILE to FILE (a regular file is \
            replaced atomically; a device such as /dev/null is written into), also when the store \
            refused to keep it; with --json and no -o it is not written. Nothing is written for an HTTP error status (4xx, 5xx), which \
            exits with status 74 after being recorded, nor for a 206 Partial Content to a request without a Range header.

            EXIT STATUS
              0   the response was fetched or answered from the store
              1   --offline and the store cannot answer (the reasons and hints are printed)
              64  bad input: not an http(s) URL, a malformed --header
              74  network or store failure, an HTTP error status, or a 206 to a request without Range
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: ArgumentHelp("The http or https URL to fetch.", valueName: "url")) var url: String
    @Option(name: .shortAndLong, help: ArgumentHelp("Write the body to this file (\"-\" for standard output).", valueName: "file"))
    var output: String?
    @Flag(help: "Never touch the network: answer from the store or say why it cannot.") var offline = false
    @Option(name: .customLong("header"), help: ArgumentHelp("A request header, e.g. 'Accept: text/html' (repeatable).", valueName: "name: value"))
    var headers: [String] = []
    @Flag(help: "Print the result as one line of JSON.") var json = false
    @Option(help: ArgumentHelp("Seconds to wait for a connection.", valueName: "seconds")) var connectTimeout: Double = 30
    @Option(help: ArgumentHelp("Seconds to wait for the next bytes of a response.", valueName: "seconds")) var readTimeout: Double = 60
    @Option(help: ArgumentHelp("Seconds the whole fetch may take.", valueName: "seconds")) var timeout: Double?

    func validate() throws {
        _ = try parsedHeaders()
        for value in [connectTimeout, readTimeout, timeout ?? 1] where !(value > 0) {
            throw ValidationError("timeouts must be positive numbers of seconds")
        }
    }

    func parsedHeaders() throws -> HeaderFields { try HeaderArguments.parse(headers) }

    func run() async throws {
        let request = FetchRequest(url: url, headers: try parsedHeaders())
        let store = try storeOptions.open()
        var configuration = CachingClient.Configuration()
        configuration.connectTimeout = connectTimeout
        configuration.readTimeout = readTimeout
        configuration.totalTimeout = timeout
        // Without -o the body goes to standard output (not with --json, whose output is the
        // result line, and not a large body onto a terminal).
        let destination = output ?? (json ? nil : "-")
        configuration.keepsUnstoredBodies = destination != nil
        let client = CachingClient(store: store, configuration: configuration)
        let progress = ProgressBar.forStandardError()
        let outcome: Result<FetchResult, any Error>
        do {
            outcome = .success(try await client.fetch(request, mode: offline ? .offline : .online, progress: progress?.update))
        } catch {
            outcome = .failure(error)
        }
        progress?.finish()
        try? await client.shutdown()

        let result: FetchResult
        switch outcome {
        case .success(let value):
            result = value
        case .failure(let error as FetchError):
            try report(error)
        case .failure(let error):
            throw error
        }
        defer { if case .temporaryFile(let path, _) = result.body { FileSystem.removeIfPresent(path) } }

        // A 206 answers a Range request. To a request for the whole body it is a piece of the
        // file, never the file (ARCHITECTURE.md §4, I7): nothing is written, and it is a failure.
        if result.status == 206, !request.headers.contains("Range") {
            Output.error("artifact-store: \(result.url) answered 206 Partial Content to a request for the whole body; nothing was written (only a complete 200 is the file)")
            throw ExitCode(ExitStatus.storeFailure.rawValue)
        }

        var written: String?
        if let destination, result.isSuccess || (300..<400).contains(result.status) {
            if output == nil, Output.standardOutputIsTerminal, try isBinary(result.body, of: store) {
                Output.error("artifact-store: not writing a binary body (\(Output.humanSize(result.body.size ?? 0))) to the terminal; it is stored all the same. Write it to a file with -o FILE, or pipe it")
            } else {
                try write(result.body, of: store, to: destination)
                written = destination
            }
        }
        if json {
            try Output.printJSON(FetchJSON(result, output: written))
        } else {
            Output.error(humanSummary(result, output: written))
        }
        if result.status >= 400 {
            throw ExitCode(ExitStatus.storeFailure.rawValue)
        }
    }

    /// Prints a fetch failure and exits with its status.
    private func report(_ error: FetchError) throws -> Never {
        switch error {
        case .unsatisfiable(let url, let reasons):
            if json {
                try Output.printJSON(UnsatisfiableJSON(url: url, reasons: reasons.map(ReasonJSON.init)))
            } else {
                Output.error("artifact-store: \(url) cannot be answered offline:")
                for reason in reasons {
                    Output.error("  - \(reason.message) [\(reason.code)]")
                    if !reason.hint.isEmpty { Output.error("    hint: \(reason.hint)") }
                }
            }
            throw ExitCode(ExitStatus.notFound.rawValue)
        case .invalidURL, .unsupportedScheme, .unsupportedMethod:
            Output.error("artifact-store: \(error.description)")
            throw ExitCode(ExitStatus.usage.rawValue)
        case .store(let storeError):
            Output.error("artifact-store: \(storeError.message)")
            throw ExitCode(ExitStatus(for: storeError.code).rawValue)
        default:
            Output.error("artifact-store: \(error.description)")
            throw ExitCode(ExitStatus.storeFailure.rawValue)
        }
    }

    /// Writes the body to `path` through a temporary file renamed into place, so that a failure
    /// leaves no half-written file; `-` writes to standard output.
    /// A NUL in the first 8 KiB, as curl decides (a large body counts as binary too).
    private func isBinary(_ body: FetchedBody, of store: Store) throws -> Bool {
        switch body {
        case .none: return false
        case .stored(let digest, let size): return try size > 1 << 20 || Output.looksBinary(Output.prefix(of: digest, in: store))
        case .temporaryFile(let path, let size):
            guard size <= 1 << 20, let handle = FileHandle(forReadingAtPath: path) else { return true }
            defer { try? handle.close() }
            return Output.looksBinary((try handle.read(upToCount: 8192)) ?? Data())
        }
    }

    private func write(_ body: FetchedBody, of store: Store, to path: String) throws {
        if path == "-" {
            try copy(body, of: store, to: FileHandle.standardOutput.fileDescriptor)
            return
        }
        if let info = try? FileSystem.status(ofPath: path), !FileSystem.isRegularFile(info) {
            // A device or a pipe (/dev/null, /dev/stdout, a FIFO): write into it, never replace it.
            guard !FileSystem.isDirectory(info) else {
                throw StoreError(.invalidInput, "\(path) is a directory; give a file name for -o")
            }
            let descriptor: Int32
            do {
                descriptor = try FileSystem.open(path, O_WRONLY)
            } catch let error as SystemError {
                throw StoreError(.invalidInput, "cannot open \(path): \(error.reason)")
            }
            defer { FileSystem.close(descriptor) }
            try copy(body, of: store, to: descriptor)
            return
        }
        // A regular file (or a new one): write a temporary file beside it and rename it into
        // place. A symbolic link is kept and its target replaced.
        let resolved = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { target in
            target.hasPrefix("/") ? target : URL(fileURLWithPath: path).deletingLastPathComponent().appending(path: target).path(percentEncoded: false)
        } ?? path
        let destination = URL(fileURLWithPath: resolved)
        let temporary = destination.deletingLastPathComponent().appending(path: ".\(destination.lastPathComponent).artifact-store-\(FileSystem.processID)").path(percentEncoded: false)
        do {
            try FileSystem.replaceFile(resolved, temporary: temporary) { descriptor in
                try copy(body, of: store, to: descriptor)
            }
        } catch let error as SystemError {
            let message = error.reason
            if error.operation.hasPrefix("open") { throw StoreError(.invalidInput, "cannot create \(path): \(message)") }
            if error.operation.hasPrefix("rename") { throw StoreError(.invalidInput, "cannot write \(path): \(message)") }
            throw StoreError(.io, "cannot write \(path): \(message)")
        }
    }

    private func copy(_ body: FetchedBody, of store: Store, to descriptor: Int32) throws {
        switch body {
        case .none:
            return
        case .stored(let digest, _):
            try store.copy(digest, to: descriptor)
        case .temporaryFile(let source, _):
            guard let input = try? FileSystem.open(source, O_RDONLY) else { throw StoreError(.io, "cannot read the downloaded body at \(source)") }
            defer { FileSystem.close(input) }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
            defer { buffer.deallocate() }
            while true {
                guard let count = try? FileSystem.read(input, into: buffer) else { throw StoreError(.io, "cannot read the downloaded body at \(source)") }
                if count == 0 { return }
                do {
                    try FileSystem.writeAll(descriptor, UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                } catch let error as SystemError {
                    throw StoreError(.io, "cannot write the output: \(error.reason)")
                }
            }
        }
    }

    private func humanSummary(_ result: FetchResult, output: String?) -> String {
        var parts = ["\(result.status) \(result.url)"]
        switch result.source {
        case .store(let fresh): parts.append(fresh ? "from the store (fresh)" : "from the store (stale)")
        case .network: parts.append("from the network")
        case .revalidated: parts.append("revalidated (304)")
        }
        parts.append(FetchJSON.storageDescription(result))
        if let size = result.body.size { parts.append(Output.humanSize(size)) }
        if let output { parts.append("written to \(output == "-" ? "standard output" : output)") }
        var text = parts.joined(separator: ", ")
        for redirect in result.redirects {
            text = "\(redirect.status) \(redirect.from) -> \(redirect.to)\n" + text
        }
        return text
    }
}

// MARK: - JSON

/// `fetch --json` output (stable; keys sorted).
struct FetchJSON: Encodable {
    var url: String
    var status: Int
    /// `network`, `store` or `revalidated`.
    var source: String
    /// For answers from the store: whether they were fresh.
    @ExplicitNull var fresh: Bool?
    @ExplicitNull var freshness: String?
    /// `stored`, `refused`, `archived` or what the store says.
    var storage: String
    @ExplicitNull var digest: String? = nil
    @ExplicitNull var size: Int64?
    @ExplicitNull var output: String?
    var redirects: [FetchRedirect]

    init(_ result: FetchResult, output: String?) {
        url = result.url
        status = result.status
        switch result.source {
        case .network: source = "network"; fresh = nil
        case .revalidated: source = "revalidated"; fresh = nil
        case .store(let isFresh): source = "store"; fresh = isFresh
        }
        freshness = result.freshness?.description
        storage = Self.storageDescription(result)
        if case .stored(let digest, _) = result.body { self.digest = digest.hex }
        size = result.body.size
        self.output = output
        redirects = result.redirects
    }

    static func storageDescription(_ result: FetchResult) -> String {
        result.record.disposition.rawValue
    }

}

/// `fetch --offline --json` output when the store cannot answer.
struct UnsatisfiableJSON: Encodable {
    var url: String
    var satisfiable = false
    var reasons: [ReasonJSON]
}

// MARK: - Progress

/// A download's progress on the ``ProgressLine``: a bar when the size is known, else the bytes
/// received.
final class ProgressBar: Sendable {
    private let line: ProgressLine

    private init(line: ProgressLine) { self.line = line }

    static func forStandardError() -> ProgressBar? {
        let line = ProgressLine()
        return line.isActive ? ProgressBar(line: line) : nil
    }

    @Sendable func update(_ received: Int64, _ expected: Int64?) {
        line.draw(force: expected == received) { _ in
            guard let expected, expected > 0 else { return Output.humanSize(received) }
            let fraction = min(1, Double(received) / Double(expected))
            let width = 30
            let filled = Int(fraction * Double(width))
            return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
                + String(format: "%3d%% ", Int(fraction * 100)) + Output.humanSize(received) + " / " + Output.humanSize(expected)
        }
    }

    func finish() { line.finish() }
}

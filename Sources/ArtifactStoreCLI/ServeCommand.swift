import ArgumentParser
import ArtifactStore
import ArtifactStoreHTTP
import Foundation

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a caching package index that pip and uv install through, online and offline.",
        discussion: """
            Serves each upstream simple repository under /NAME/simple/ (PEP 503 HTML or PEP 691 \
            JSON, as the client asks), and all of them merged under /simple/, where each project \
            comes from the first index that has it (uv's first-index rule: a public index never \
            shadows a private one listed before it). Every upstream response goes through the \
            store and is recorded; files are verified against the hash their page announced \
            before they are stored or served.

            When an upstream fails (refused connection, timeout, 5xx), the stored copy is served \
            however stale, and the X-Artifact-Store-Outcome header says stale-fallback. Pages an \
            index marks no-store (PyTorch's) are kept as archived: never served while the upstream \
            answers, but there to fall back on (archived-fallback). --strict-http turns that off. \
            With --offline no upstream is contacted at all.

            When nothing can be served, the answer is an RFC 9457 problem document \
            (application/problem+json) carrying the store's reason code, sentence and hint; uv \
            prints it as "Server message: ...".

            Web pages for a person are under /-/ on the same port: an overview of the store and \
            the indexes, a page per project (/-/NAME/PROJECT), a URL's history, blobs, search, \
            and a preview of what gc would remove under --gc-max-size/--gc-unused-for/\
            --gc-keep-latest. They are read-only and run no scripts.

            Once listening, the base URL is printed alone on the first line of standard output, \
            followed by ready-to-paste settings for pip and uv. One access-log line per request \
            goes to standard error. SIGINT or SIGTERM stops the server cleanly.

            EXAMPLES
              artifact-store serve
              artifact-store serve --index internal=https://pkgs.example.com/simple --index pypi=https://pypi.org/simple
              artifact-store serve --index torch=https://download.pytorch.org/whl/cpu --port 0
              artifact-store serve --offline
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(name: .customLong("index"), help: ArgumentHelp(
        "An upstream simple API as NAME=URL (repeatable; order matters). Default: the config file's serve.indexes, else pypi=https://pypi.org/simple.",
        valueName: "name=url"))
    var indexOptions: [String] = []
    @Option(name: .customLong("host"), help: ArgumentHelp("The address to listen on (default 127.0.0.1). Anything but loopback exposes the store to the network.", valueName: "host"))
    var hostOption: String?
    @Option(name: .customLong("port"), help: ArgumentHelp("The port to listen on (default 3141); 0 picks a free one.", valueName: "port"))
    var portOption: Int?
    @Flag(name: .customLong("offline"), help: "Never contact an upstream: answer from the store, or say why not.")
    var offlineFlag = false
    @Flag(name: .customLong("strict-http"), help: "Strict RFC 9111: do not keep no-store pages to fall back on.")
    var strictHTTPFlag = false
    @Option(help: ArgumentHelp("The access log's format on standard error: text or json.", valueName: "format"))
    var logFormat: String = "text"
    @Flag(help: "Write no access log.")
    var noAccessLog = false
    @Option(help: ArgumentHelp("Seconds to wait for an upstream connection.", valueName: "seconds")) var connectTimeout: Double = 10
    @Option(help: ArgumentHelp("Seconds to wait for the next bytes from an upstream.", valueName: "seconds")) var readTimeout: Double = 30
    @Option(help: ArgumentHelp("The gc size budget the web pages measure the store against (as gc --max-size, e.g. 20GiB); serve never runs gc.", valueName: "size")) var gcMaxSize: String?
    @Option(help: ArgumentHelp("For the web pages' gc preview: evict bodies unused this long (as gc --unused-for, e.g. 30d).", valueName: "duration")) var gcUnusedFor: String?
    @Option(help: ArgumentHelp("For the web pages' gc preview: keep the N newest versions' wheels (as gc --keep-latest).", valueName: "N")) var gcKeepLatest: Int?

    // Flags override the config file (`[serve]`), which overrides the defaults.
    var indexes: [String] { indexOptions.isEmpty ? ConfigFile.active?.serveIndexes ?? [] : indexOptions }
    var host: String { hostOption ?? ConfigFile.active?.serveHost ?? "127.0.0.1" }
    var port: Int { portOption ?? ConfigFile.active?.servePort ?? 3141 }
    var offline: Bool { offlineFlag || ConfigFile.active?.serveOffline == true }
    var strictHTTP: Bool { strictHTTPFlag || ConfigFile.active?.serveStrictHTTP == true }

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535 (0 picks a free port); got \(port)") }
        guard AccessLogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format is text or json; got \(logFormat)") }
        for value in [connectTimeout, readTimeout] where !(value > 0 && value <= 86_400) {
            throw ValidationError("timeouts are positive numbers of seconds, at most 86400")
        }
        _ = try upstreams()
        _ = try gcPolicy()
    }

    func upstreams() throws -> [UpstreamIndex] {
        guard !indexes.isEmpty else { return [.pypi] }
        var result: [UpstreamIndex] = []
        for argument in indexes {
            do {
                let index = try UpstreamIndex(argument: argument)
                guard !result.contains(where: { $0.name == index.name }) else {
                    throw ValidationError("--index \(index.name) is given twice; each index needs its own name")
                }
                result.append(index)
            } catch let error as UpstreamIndexError {
                throw ValidationError(error.description)
            }
        }
        return result
    }

    func run() async throws {
        let store = try storeOptions.open()
        // The config file's index policies hold from the start (they apply to what is recorded next).
        for policy in ConfigFile.active?.indexPolicies ?? [] { try store.setIndexPolicy(policy) }
        var configuration = IndexServerConfiguration()
        configuration.indexes = try upstreams()
        configuration.offline = offline
        configuration.archivesRefusedResponses = !strictHTTP
        configuration.accessLog = noAccessLog ? nil : AccessLogFormat(rawValue: logFormat)
        configuration.client.connectTimeout = connectTimeout
        configuration.client.readTimeout = readTimeout
        configuration.client.netrc = Netrc.load()
        configuration.gcPolicy = try gcPolicy()
        if !Self.isLoopback(host) {
            Output.error("artifact-store serve: warning: listening on \(host), not loopback: anyone who can reach this address can read the store's packages")
        }
        let server = IndexServer(store: store, configuration: configuration)
        let host = self.host
        let indexes = configuration.indexes
        let offline = self.offline
        do {
            try await server.run(host: host, port: port) { bound in
                Output.line(Self.banner(host: host, port: bound, indexes: indexes, offline: offline, store: store.layout.rootPath))
            }
        } catch {
            try? await server.shutdown()
            throw StoreError(.io, "cannot serve on \(host):\(port): \(error); is the port in use? Try another with --port, or --port 0 for a free one")
        }
        try? await server.shutdown()
    }

    /// The gc policy the web pages preview (`--gc-*`), with gc's own defaults otherwise.
    func gcPolicy() throws -> GCOptions {
        var options = GCOptions()
        options.maxSize = try gcMaxSize.map { try GCCommand.size($0) }
        options.unusedFor = try gcUnusedFor.map { try GCCommand.duration($0, option: "--gc-unused-for") }
        if let gcKeepLatest, gcKeepLatest < 0 { throw ValidationError("--gc-keep-latest must be 0 or more") }
        options.keepLatest = gcKeepLatest
        return options
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The base URL alone on the first line, then settings to paste.
    static func banner(host: String, port: Int, indexes: [UpstreamIndex], offline: Bool, store: String) -> String {
        let shownHost = host.contains(":") ? "[\(host)]" : (host == "0.0.0.0" ? "127.0.0.1" : host)
        let base = "http://\(shownHost):\(port)/"
        var lines = [base, "", "artifact-store serve: store \(store)\(offline ? ", offline" : "")"]
        for (position, index) in indexes.enumerated() {
            let url = "\(base)\(index.name)/simple/"
            lines += [
                "",
                "index \(index.name) -> \(index.displayURL)",
                "  pip:  pip install --index-url \(url) PACKAGE",
                "        pip.conf: [global]",
                "                  index-url = \(url)",
                "  uv:   uv pip install --index-url \(url) PACKAGE",
                "        export UV_INDEX_URL=\(url)",
                "        pyproject.toml:",
                "          [[tool.uv.index]]",
                "          name = \"\(index.name)\"",
                "          url = \"\(url)\"",
            ]
            if position == 0 && indexes.count > 1 {
                lines.append("  (all indexes merged, first index wins per project: \(base)simple/)")
            }
        }
        return lines.joined(separator: "\n")
    }
}

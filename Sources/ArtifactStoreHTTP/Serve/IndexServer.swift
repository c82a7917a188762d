import ArtifactStore
import Foundation
import HTTPCaching
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PythonPackaging

/// Settings of an ``IndexServer``.
public struct IndexServerConfiguration: Sendable {
    /// The upstream indexes, in order: the merged `/simple/` takes each project from the first
    /// index that has it.
    public var indexes: [UpstreamIndex] = [.pypi]
    /// Never contact an upstream: answer from the store or say why not.
    public var offline = false
    /// Keep the bodies of complete `200`s that HTTP rules refuse (`no-store` pages) as
    /// `archived`, to answer with when the upstream is down or the server is offline. They are
    /// never used while the upstream answers. Off means strict RFC 9111: such pages cannot be
    /// answered without the upstream.
    public var archivesRefusedResponses = true
    /// How the upstreams are fetched (timeouts, header limits).
    public var client = CachingClient.Configuration()
    /// The access log's format; `nil` turns it off.
    public var accessLog: AccessLogFormat? = .text
    /// Pages larger than this are not parsed or served (the answer says so).
    public var maximumPageBytes: Int64 = 64 << 20
    /// The longest request header section accepted, in bytes.
    public var maximumRequestHeaderBytes = 64 * 1024
    /// The gc policy the web pages measure the store against: its size budget on the overview,
    /// and what `gc --dry-run` would remove under it on `/-/gc`. serve never runs gc itself.
    public var gcPolicy = GCOptions()

    /// The defaults: PyPI, online, archiving refused pages, a text access log.
    public init() {}
}

/// A caching package index: a PEP 503 / PEP 691 simple repository in front of upstream indexes,
/// answering through a ``ArtifactStore/Store`` so that every upstream response is recorded and
/// installs keep working when the upstream is slow, down or unreachable (see ARCHITECTURE.md,
/// "serve").
///
/// Pages are fetched from the upstream with one fixed `Accept` (so the store keeps one variant)
/// and rendered in the format each client asks for, with every file link pointing at this server.
/// Files are served from the store, verified; a file not stored yet is downloaded once however
/// many clients ask, checked against the hash its page announced before it is published, and only
/// then served.
public final class IndexServer: Sendable {
    public let store: Store
    public let configuration: IndexServerConfiguration
    let client: CachingClient
    let statistics = ServeStatistics()
    let parsedPages = LRUCache<PageKey, ParsedPage>(capacity: 64)
    let renderedPages = LRUCache<RenderKey, RenderedPage>(capacity: 512)
    let downloads: Downloads
    let pageFetches: SingleFlight<String, PageAnswer>
    /// Where requests run when the store's calls wait on other machines; nil (Swift
    /// concurrency's pool) for a store on this machine, whose calls take microseconds.
    let storeCalls: BlockingCallExecutor?
    let recentlyVerified = RecentlyVerified()
    let accessLog: AccessLog
    /// The overview's store counts, recounted in the background at most every
    /// ``overviewCountsLifetime``.
    let overviewCounts: BackgroundValue<OverviewCounts>
    /// The gc preview, a dry run redone in the background at most every ``gcPreviewLifetime``.
    let gcPreview: BackgroundValue<GCPreview>

    /// Creates a server over `store`; call ``shutdown()`` when done.
    public init(store: Store, configuration: IndexServerConfiguration) {
        self.store = store
        self.configuration = configuration
        storeCalls = store.callsWaitOnOtherMachines ? BlockingCallExecutor(label: "artifact-store.serve.store-calls") : nil
        downloads = Downloads(executor: storeCalls)
        pageFetches = SingleFlight(executor: storeCalls)
        var clientConfiguration = configuration.client
        clientConfiguration.archivesRefusedBodies = configuration.archivesRefusedResponses
        clientConfiguration.serverErrorsAreFailures = true
        client = CachingClient(store: store, configuration: clientConfiguration)
        accessLog = AccessLog(format: configuration.accessLog ?? .text, enabled: configuration.accessLog != nil)
        overviewCounts = BackgroundValue(lifetime: .seconds(Self.overviewCountsLifetime)) { [store] in
            OverviewCounts(stats: try store.stats(), responses: try store.responseCount(), at: Date())
        }
        gcPreview = BackgroundValue(lifetime: .seconds(Self.gcPreviewLifetime)) { [store, policy = configuration.gcPolicy] in
            try GCPreview(store: store, policy: policy)
        }
    }

    /// Stops the upstream client.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// Listens on `host:port` (`port` 0 picks a free one) until cancelled or until SIGINT/SIGTERM
    /// when `handlesSignals`; `onListening` receives the bound port once requests are answered.
    public func run(host: String, port: Int, handlesSignals: Bool = true, onListening: @escaping @Sendable (Int) async -> Void) async throws {
        // The web pages' store-wide figures are ready before anyone asks (BackgroundValue).
        overviewCounts.start()
        gcPreview.start()
        let responder = CallbackResponder<BasicRequestContext> { [self] request, context in
            await self.respond(to: request)
        }
        var logger = Logger(label: "artifact-store.serve")
        logger.logLevel = .critical
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
        try await app.runService(gracefulShutdownSignals: handlesSignals ? [.sigterm, .sigint] : [])
    }

    // MARK: - Dispatch

    /// Answers one request (never throws: every failure is a problem document).
    public func respond(to request: Request) async -> Response {
        let started = ContinuousClock.now
        let method = request.method
        let (answered, outcome) = await withTaskExecutorPreference(storeCalls) { await answer(request) }
        var response = answered
        if method == .head {
            var headers = response.headers
            if headers[.contentLength] == nil, let length = response.body.contentLength { headers[.contentLength] = String(length) }
            response = Response(status: response.status, headers: headers, body: ResponseBody())
        }
        statistics.count(outcome)
        let path = request.uri.path
        let status = response.status.code
        let declared = method == .head ? 0 : (response.body.contentLength ?? 0)
        let log = accessLog
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            do {
                try await body.write(writer)
            } catch {
                log.write(method: method.rawValue, path: path, status: status, bytes: declared, milliseconds: started.millisecondsSince, outcome: outcome)
                throw error
            }
            log.write(method: method.rawValue, path: path, status: status, bytes: declared, milliseconds: started.millisecondsSince, outcome: outcome)
        }
        return response
    }

    private func answer(_ request: Request) async -> (Response, ServeOutcome) {
        guard request.method == .get || request.method == .head else {
            let problem = Problem(status: 405, code: "method-not-allowed", title: "only GET and HEAD are served",
                                  detail: "this is a read-only package index; use GET or HEAD", outcome: .local)
            var response = problem.response
            response.headers[.allow] = "GET, HEAD"
            return (response, .local)
        }
        let route = ServeRoute(path: request.uri.path)
        do {
            switch route {
            case .health:
                return (Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                                 body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n"))), .local)
            case .status:
                return (try statusResponse(), .local)
            case .addSlash:
                return (redirect(to: request.uri.path + "/" + Self.query(request)), .redirect)
            case .projectList(let indexName):
                return try await projectList(request, indexName: indexName)
            case .projectPage(let indexName, let project):
                let normalized = ProjectName.normalize(project)
                guard normalized == project else {
                    return (redirect(to: ServeRoute.projectPagePath(index: indexName, project: normalized) + Self.query(request)), .redirect)
                }
                return try await projectPage(request, indexName: indexName, project: normalized)
            case .file(let indexName, let project, let filename):
                return try await file(request, indexName: indexName, project: project, filename: filename, metadata: false)
            case .metadata(let indexName, let project, let filename):
                return try await file(request, indexName: indexName, project: project, filename: filename, metadata: true)
            case .webOverview, .webProject, .webURL, .webBlob, .webSearch, .webGC:
                return (await webPage(route, request), .local)
            case .notFound:
                throw Problem(status: 404, code: "no-such-route", title: "no such page on this server",
                              detail: "this server answers /simple/, /NAME/simple/, /NAME/simple/PROJECT/, the file links its pages give, /-/health, /-/status and the web pages under /-/",
                              outcome: .notFound)
            }
        } catch let problem as Problem {
            if problem.outcome == .refused {
                statistics.refused(path: RecordedURL.redacted(request.uri.path), code: problem.code, detail: problem.detail)
            }
            return (problem.response, problem.outcome)
        } catch let error as StoreError {
            return (Problem(error, url: nil).response, .refused)
        } catch {
            let problem = Problem(status: 500, code: "internal-error", title: "the server failed", detail: RecordedURL.redacted("\(error)"))
            return (problem.response, .refused)
        }
    }

    func index(named name: String) throws -> UpstreamIndex {
        guard let index = configuration.indexes.first(where: { $0.name == name }) else {
            let known = configuration.indexes.map(\.name).joined(separator: ", ")
            throw Problem(status: 404, code: "unknown-index", title: "no index named \(name)",
                          detail: "this server has the indexes \(known); use /NAME/simple/ with one of them, or /simple/ for all", outcome: .notFound)
        }
        return index
    }

    private func redirect(to location: String) -> Response {
        Response(status: .movedPermanently, headers: [.location: location, .contentLength: "0"])
    }

    static func query(_ request: Request) -> String {
        request.uri.query.map { "?" + $0 } ?? ""
    }

    // MARK: - Status

    private func statusResponse() throws -> Response {
        let stats = try store.stats()
        let counts = statistics.counts
        var out = "{"
        out += #""store":{"path":\#(SimplePageWriter.jsonString(stats.path)),"blobCount":\#(stats.blobCount),"blobBytes":\#(stats.blobBytes),"quarantinedBlobCount":\#(stats.quarantinedBlobCount),"databaseBytes":\#(stats.databaseBytes)},"#
        out += #""offline":\#(configuration.offline),"archivesRefusedResponses":\#(configuration.archivesRefusedResponses),"#
        out += #""startedAt":"\#(Timestamp.iso8601(Int64(statistics.startedAt.timeIntervalSince1970)))","#
        out += #""indexes":["#
        out += configuration.indexes.map { index in
            let health = statistics.health(index.name)
            let success = health.lastSuccess.map { "\"" + Timestamp.iso8601(Int64($0.timeIntervalSince1970)) + "\"" } ?? "null"
            let failure = health.lastFailure.map { at in
                #"{"at":"\#(Timestamp.iso8601(Int64(at.timeIntervalSince1970)))","message":\#(SimplePageWriter.jsonString(health.lastFailureMessage ?? ""))}"#
            } ?? "null"
            return #"{"name":\#(SimplePageWriter.jsonString(index.name)),"url":\#(SimplePageWriter.jsonString(index.displayURL)),"lastSuccess":\#(success),"lastFailure":\#(failure)}"#
        }.joined(separator: ",")
        out += "],"
        out += #""requests":{"# + ServeOutcome.allCases.map { "\"\($0.rawValue)\":\(counts[$0] ?? 0)" }.joined(separator: ",") + "}}\n"
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"], body: ResponseBody(byteBuffer: ByteBuffer(string: out)))
    }
}

extension ContinuousClock.Instant {
    var millisecondsSince: Double {
        let elapsed = ContinuousClock.now - self
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }
}

import ArtifactStore
import Crypto
import Foundation
import HTTPCaching
import HTTPTypes
import Hummingbird
import NIOCore
import PythonPackaging
import Synchronization

/// serve's web pages under `/-/` (ARCHITECTURE.md §7, "Web pages"): server-rendered HTML with no
/// scripts, read-only (only read methods of ``Store``), every upstream string escaped by ``HTML``.
extension IndexServer {
    /// A web page that could not be answered: rendered as an HTML page with this status.
    struct WebPageError: Error {
        var status: HTTPResponse.Status
        var title: String
        var message: String
    }

    /// The style sheet, inline; the Content-Security-Policy allows exactly this text by its hash.
    static let styleSheet: StaticString = """
        body{font-family:system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:0 1rem 3rem;color:#222}
        nav{display:flex;gap:1rem;align-items:center;padding:.6rem 0;border-bottom:1px solid #ccc;margin-bottom:1rem}
        nav form{margin-left:auto}
        table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
        th,td{border-bottom:1px solid #e3e3e3;padding:.25rem .4rem;text-align:left;vertical-align:top;font-size:.92rem}
        th{background:#f4f4f4}
        code{font-size:.88rem;word-break:break-all}
        table.verdicts td:first-child code,table.files code{word-break:normal;white-space:nowrap}
        .ok{color:#17692f}.no{color:#a11}.muted{color:#666}
        .stored{color:#17692f;font-weight:600}.refused{color:#a11;font-weight:600}.archived{color:#8a5a00;font-weight:600}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
        details summary{cursor:pointer}
        svg{max-width:100%;height:auto;border:1px solid #ddd}
        .legend span{margin-right:1rem}
        """

    /// `Content-Security-Policy` of every page: nothing runs, nothing loads from elsewhere; the
    /// one inline style sheet is allowed by its digest.
    static let contentSecurityPolicy: String = {
        let digest = Data(SHA256.hash(data: Data(styleSheet.description.utf8))).base64EncodedString()
        return "default-src 'none'; style-src 'sha256-\(digest)'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    }()

    /// How many of the latest refusals the overview lists.
    static let refusalsShown = 10

    func webPage(_ route: ServeRoute, _ request: Request) async -> Response {
        do {
            let (title, body) = try await webContent(route, request)
            return htmlResponse(status: .ok, title: title, body: body)
        } catch let error as WebPageError {
            return htmlResponse(status: error.status, title: error.title, body: [.h1(error.title), .p(.text(error.message), class: "no")])
        } catch let error as StoreError where error.code == .notFound || error.code == .invalidInput {
            let status: HTTPResponse.Status = error.code == .notFound ? .notFound : .badRequest
            return htmlResponse(status: status, title: error.code == .notFound ? "Not found" : "Bad request",
                                body: [.h1(error.code == .notFound ? "Not found" : "Bad request"), .p(.text(error.message), class: "no")])
        } catch {
            return htmlResponse(status: .internalServerError, title: "The server failed",
                                body: [.h1("The server failed"), .p(.text(RecordedURL.redacted("\(error)")), class: "no")])
        }
    }

    private func webContent(_ route: ServeRoute, _ request: Request) async throws -> (String, [HTML]) {
        let query = request.uri.queryParameters
        switch route {
        case .webOverview:
            return ("artifact-store", try await overviewPage())
        case .webProject(let indexName, let project):
            return try projectWebPage(indexName: indexName, project: project)
        case .webBlob(let digest):
            // An index may be called "blob": its project pages win.
            if configuration.indexes.contains(where: { $0.name == "blob" }) { return try projectWebPage(indexName: "blob", project: digest) }
            return try blobWebPage(digest)
        case .webURL:
            guard let url = query["u"].map(String.init), !url.isEmpty else {
                throw WebPageError(status: .badRequest, title: "Bad request", message: "give the URL to look at as ?u=URL")
            }
            return try urlWebPage(url)
        case .webSearch:
            return try searchWebPage(query["q"].map(String.init) ?? "")
        case .webGC:
            return ("gc preview", try await gcWebPage())
        default:
            throw WebPageError(status: .notFound, title: "Not found", message: "no such page")
        }
    }

    private func htmlResponse(status: HTTPResponse.Status, title: String, body: [HTML]) -> Response {
        let nav = HTML.element("nav", [], [
            .element("strong", [], [.a("/-/", "artifact-store")]),
            .a("/-/gc", "gc preview"),
            .a("/-/status", "status (JSON)"),
            .element("form", [("action", "/-/search"), ("method", "get")], [
                .element("input", [("name", "q"), ("type", "search"), ("placeholder", "project or digest prefix"), ("aria-label", "search")]),
                .element("button", [("type", "submit")], [.text("Search")]),
            ]),
        ])
        let page = HTML.element("html", [("lang", "en")], [
            .element("head", [], [
                .element("meta", [("charset", "utf-8")]),
                .element("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")]),
                .element("title", [], [.text(title)]),
                .element("style", [], [.trusted(Self.styleSheet)]),
            ]),
            .element("body", [], [nav, .element("main", [], body)]),
        ])
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
            .contentSecurityPolicy: Self.contentSecurityPolicy,
        ]
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: page.document())))
    }

    // MARK: - Overview

    private func overviewPage() async throws -> [HTML] {
        let counts = try await overviewCounts.value()
        let (stats, responseCount, countedAt) = (counts.stats, counts.responses, counts.at)
        var storeRows: [(String, HTML)] = [
            ("store", .code(stats.path)),
            ("blobs", .text("\(stats.blobCount) (\(Self.humanSize(stats.blobBytes)))")),
        ]
        if let budget = configuration.gcPolicy.maxSize {
            let share = budget > 0 ? Double(stats.blobBytes) / Double(budget) : 1
            storeRows.append(("gc budget", .fragment([
                .text("\(Self.humanSize(stats.blobBytes)) of \(Self.humanSize(budget)) (\(Int((share * 100).rounded())) %) "),
                .element("meter", [("min", "0"), ("max", String(budget)), ("value", String(min(stats.blobBytes, budget)))], [.text("")]),
            ])))
        } else {
            storeRows.append(("gc budget", .span("none configured (serve --gc-max-size sets one)", class: "muted")))
        }
        storeRows += [
            ("responses", .text(String(responseCount))),
            ("quarantined blobs", .span(String(stats.quarantinedBlobCount), class: stats.quarantinedBlobCount > 0 ? "no" : "ok")),
            ("database", .text(Self.humanSize(stats.databaseBytes))),
            ("counted", .span(Timestamp.iso8601(Int64(countedAt.timeIntervalSince1970)) + " (recounted in the background at most every \(Int(Self.overviewCountsLifetime)) s)", class: "muted")),
            ("mode", .text(configuration.offline ? "offline: no upstream is contacted" : "online")),
        ]
        var body: [HTML] = [.h1("artifact-store serve"), .h2("Store"), .dl(storeRows)]

        body.append(.h2("Indexes"))
        body.append(.table(["index", "upstream", "last success", "last failure"], configuration.indexes.map { index in
            let health = statistics.health(index.name)
            return [
                .a("/\(ServeRoute.encode(index.name))/simple/", index.name),
                .code(index.displayURL),
                health.lastSuccess.map { .span(Self.time($0), class: "ok") } ?? .span("none since start", class: "muted"),
                health.lastFailure.map { .fragment([.span(Self.time($0), class: "no"), .text(": " + (health.lastFailureMessage ?? ""))]) }
                    ?? .span("none since start", class: "muted"),
            ]
        }))

        body.append(.h2("Requests in the last hour"))
        body.append(outcomeChart(statistics.recentMinutes()))
        body.append(.p(.text("Counted in memory since the server started at \(Self.time(statistics.startedAt)); a restart starts again from zero."), class: "muted"))

        body.append(.h2("Latest refusals"))
        let refusals = statistics.recentRefusals.prefix(Self.refusalsShown)
        if refusals.isEmpty {
            body.append(.p(.text("No request was refused since the server started."), class: "muted"))
        } else {
            body.append(.table(["when", "request", "reason code", "detail"], refusals.map { refusal in
                [.text(Self.time(refusal.at)), .code(refusal.path), .span(refusal.code, class: "no"), .text(refusal.detail)]
            }))
        }
        body.append(.h3("Responses the store refused to keep (HTTP rules)"))
        let refused = try store.recentRefusedResponses(limit: Self.refusalsShown)
        if refused.isEmpty {
            body.append(.p(.text("None recorded."), class: "muted"))
        } else {
            body.append(.table(["seen", "URL", "status", "kept as", "reason codes"], refused.map { record in
                [.text(Timestamp.iso8601(record.responseTime)), .a(ServeRoute.webURLPath(record.url), record.url), .text(String(record.status)),
                 Self.disposition(record.disposition), .text(record.refusalReasons.map(\.code).joined(separator: ", "))]
            }))
        }
        return body
    }

    /// A stacked bar per minute: hits, revalidations, fetches, fallbacks, refusals.
    private func outcomeChart(_ minutes: [ServeStatistics.MinuteCounts]) -> HTML {
        let series: [(String, [ServeOutcome], String)] = [
            ("hits", [.hit], "#2e7d32"), ("revalidations", [.revalidated], "#66bb6a"), ("fetches", [.fetched], "#1565c0"),
            ("fallbacks", [.staleFallback, .archivedFallback], "#ef6c00"), ("refusals", [.refused], "#c62828"),
        ]
        let totals = minutes.map { minute in series.reduce(0) { sum, entry in sum + entry.1.reduce(0) { $0 + (minute.counts[$1] ?? 0) } } }
        let peak = max(1, totals.max() ?? 1)
        let width = 600, height = 120, bar = width / max(1, minutes.count)
        var shapes: [HTML] = []
        for (position, minute) in minutes.enumerated() {
            var top = height
            for (name, outcomes, colour) in series {
                let count = outcomes.reduce(0) { $0 + (minute.counts[$1] ?? 0) }
                guard count > 0 else { continue }
                let size = max(1, count * height / peak)
                top -= size
                let label = Self.time(Date(timeIntervalSince1970: TimeInterval(minute.minute * 60))) + ": \(count) \(name)"
                let attributes: [(String, String)] = [
                    ("x", String(position * bar)), ("y", String(top)), ("width", String(max(1, bar - 1))), ("height", String(size)), ("fill", colour),
                ]
                shapes.append(.element("rect", attributes, [.element("title", [], [.text(label)])]))
            }
        }
        let svg = HTML.element("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("viewBox", "0 0 \(width) \(height + 14)"), ("width", String(width)),
                                       ("height", String(height + 14)), ("role", "img"), ("aria-label", "requests per minute, last hour"), ("id", "outcome-chart")], [
            .element("line", [("x1", "0"), ("y1", String(height)), ("x2", String(width)), ("y2", String(height)), ("stroke", "#999")]),
            .fragment(shapes),
            .element("text", [("x", "0"), ("y", String(height + 12)), ("font-size", "10"), ("fill", "#666")], [.text("−60 min")]),
            .element("text", [("x", String(width - 28)), ("y", String(height + 12)), ("font-size", "10"), ("fill", "#666")], [.text("now")]),
            .element("text", [("x", "4"), ("y", "10"), ("font-size", "10"), ("fill", "#666")], [.text("peak \(peak)/min")]),
        ])
        let legend = HTML.element("p", [("class", "legend")], series.map { name, outcomes, colour in
            let total = minutes.reduce(0) { sum, minute in sum + outcomes.reduce(0) { $0 + (minute.counts[$1] ?? 0) } }
            return .element("span", [], [.element("svg", [("width", "10"), ("height", "10"), ("viewBox", "0 0 10 10")], [
                .element("rect", [("width", "10"), ("height", "10"), ("fill", colour)]),
            ]), .text(" \(name): \(total)")])
        })
        return .fragment([svg, legend])
    }

    // MARK: - Project

    private func projectWebPage(indexName: String, project raw: String) throws -> (String, [HTML]) {
        guard let index = configuration.indexes.first(where: { $0.name == indexName }) else {
            throw WebPageError(status: .notFound, title: "No index named \(indexName)",
                               message: "this server has the indexes \(configuration.indexes.map(\.name).joined(separator: ", "))")
        }
        let project = ProjectName.normalize(raw)
        guard !project.isEmpty else { throw WebPageError(status: .notFound, title: "Not found", message: "no project name given") }
        let pageURL = try NormalizedURL(index.projectPageURL(project)).text
        let pageRequest = HTTPRequestHead(method: "GET", url: pageURL, headers: Self.upstreamPageHeaders)
        let pageVerdicts = try CachePolicy.allCases.map { ($0, try store.verdict(for: pageRequest, policy: $0)) }
        let responses = try store.responses(for: pageURL)
        var body: [HTML] = [.h1("\(project) on \(index.name)")]
        body.append(.p(.text("Page "), .a(ServeRoute.webURLPath(pageURL), pageURL), .text(" · served at "),
                       .a(ServeRoute.projectPagePath(index: index.name, project: project), ServeRoute.projectPagePath(index: index.name, project: project))))
        body.append(.h2("The page"))
        if responses.isEmpty {
            body.append(.p(.text("Never fetched: install through serve, or `artifact-store fetch` it, while the upstream answers."), class: "muted"))
        } else {
            body.append(Self.responsesTable(responses))
        }
        body.append(Self.verdictTable(pageVerdicts))

        let files = try store.indexedFiles(forPage: pageURL)
        body.append(.h2("Versions and files"))
        if files.isEmpty {
            body.append(.p(.text(responses.isEmpty ? "No page recorded." : "The recorded page lists no files (or was not parsed)."), class: "muted"))
            return ("\(project) · \(index.name)", body)
        }
        let blobs = try store.blobs(withDigests: files.compactMap(\.sha256))
        var byVersion: [String: [IndexedFile]] = [:]
        for file in files { byVersion[file.version ?? "?", default: []].append(file) }
        let versions = byVersion.keys.sorted { lhs, rhs in
            switch (Version(lhs), Version(rhs)) {
            case let (l?, r?): l > r
            case (nil, _?): false
            case (_?, nil): true
            case (nil, nil): lhs > rhs
            }
        }
        body.append(.p(.text("\(Self.count(versions.count, "version")), \(Self.count(files.count, "file")); \(blobs.count) stored."), class: "muted"))
        for version in versions {
            let rows: [[HTML]] = try byVersion[version]!.map { file in
                let blob = file.sha256.flatMap { blobs[$0] }
                let request = HTTPRequestHead(method: "GET", url: file.url)
                let verdicts = try CachePolicy.allCases.map { ($0, try store.verdict(for: request, policy: $0)) }
                let stored: HTML = if let blob {
                    blob.quarantinedAt == nil
                        ? .element("a", [("href", ServeRoute.webBlobPath(blob.digest)), ("class", "stored")], [.text("stored")])
                        : .element("a", [("href", ServeRoute.webBlobPath(blob.digest)), ("class", "refused")], [.text("quarantined")])
                } else {
                    .span("not stored", class: "muted")
                }
                let size = blob.map { Self.humanSize($0.size) } ?? file.size.map { Self.humanSize($0) + " (page)" } ?? "?"
                return [
                    .fragment([.a(ServeRoute.webURLPath(file.url), file.filename), file.yanked ? .span(" yanked", class: "no") : .empty]),
                    stored, .text(size),
                    blob.map { .text(Timestamp.iso8601($0.lastUsedAt)) } ?? .span("never", class: "muted"),
                    Self.compactVerdicts(verdicts),
                ]
            }
            body.append(.h3(version))
            body.append(.table(["file", "stored", "size", "last used", "verdicts"], rows, class: "files"))
        }
        return ("\(project) · \(index.name)", body)
    }

    // MARK: - URL history

    private func urlWebPage(_ raw: String) throws -> (String, [HTML]) {
        let url = try NormalizedURL(raw).text
        let responses = try store.responses(for: url)
        let history = try store.observations(for: url)
        var body: [HTML] = [.h1("History of a URL"), .p(.code(url))]
        body.append(.h2("Responses"))
        if responses.isEmpty {
            body.append(.p(.text("No response recorded."), class: "muted"))
        }
        for record in responses {
            body.append(Self.responsesTable([record]))
            let headers = record.displayableResponseHeaders
            body.append(.element("details", [("open", "")], [
                .element("summary", [], [.text("\(headers.count) response headers (credentials are never stored or shown)")]),
                .table(["name", "value"], headers.map { [.code($0.name), .code($0.value)] }),
            ]))
            // The verdict for a request like the one this variant was selected by.
            let request = HTTPRequestHead(method: record.method, url: url, headers: record.requestHeaders)
            body.append(Self.verdictTable(try CachePolicy.allCases.map { ($0, try store.verdict(for: request, policy: $0)) }))
        }
        body.append(.h2("Every response seen"))
        if history.isEmpty {
            body.append(.p(.text("No history."), class: "muted"))
        } else {
            body.append(.table(["when", "outcome", "status", "detail"], history.reversed().map { entry in
                [.text(Timestamp.iso8601(entry.at)), .span(entry.outcome.rawValue, class: entry.outcome.rawValue),
                 .text(entry.status.map(String.init) ?? ""),
                 .text(entry.describedDetail)]
            }))
        }
        return ("URL history", body)
    }

    // MARK: - Blob

    private func blobWebPage(_ text: String) throws -> (String, [HTML]) {
        let digest = try store.resolveDigest(text)
        guard let info = try store.blob(digest) else {
            throw WebPageError(status: .notFound, title: "No such blob", message: "the store holds no blob sha256:\(digest.hex)")
        }
        let references = try store.references(to: digest)
        var body: [HTML] = [.h1("Blob"), .dl([
            ("digest", .code("sha256:" + info.digest.hex)),
            ("size", .text("\(info.size) bytes (\(Self.humanSize(info.size)))")),
            ("stored", .text(Timestamp.iso8601(info.createdAt))),
            ("last used", .text(Timestamp.iso8601(info.lastUsedAt))),
            ("verified", .text(info.verifiedAt.map(Timestamp.iso8601) ?? "at ingest only")),
            ("quarantined", info.quarantinedAt.map { .span("\(Timestamp.iso8601($0)): \(info.quarantineReason ?? "content mismatch")", class: "no") } ?? .span("no", class: "ok")),
        ])]
        body.append(.h2("URLs it answered"))
        if references.responses.isEmpty {
            body.append(.p(.text("No current response has this body (put directly, or its responses were replaced)."), class: "muted"))
        } else {
            body.append(.table(["URL", "status", "kept as", "seen"], references.responses.map { record in
                [.a(ServeRoute.webURLPath(record.url), record.url), .text(String(record.status)), Self.disposition(record.disposition), .text(Timestamp.iso8601(record.responseTime))]
            }))
            if references.moreResponses { body.append(.p(.text("… and more."), class: "muted")) }
        }
        body.append(.h2("Pins"))
        body.append(references.pins.isEmpty ? .p(.text("None."), class: "muted") : .table(["pin", "since", "note"], references.pins.map { pin in
            let target: String = switch pin.target {
            case .digest(let digest): "digest " + digest.hex
            case .urlPattern(let pattern): "URLs " + pattern
            }
            return [.code(target), .text(Timestamp.iso8601(pin.createdAt)), .text(pin.note)]
        }))
        body.append(.h2("Leases"))
        let now = Date()
        body.append(references.leases.isEmpty ? .p(.text("None."), class: "muted") : .table(["lease", "expires"], references.leases.map { lease in
            [.text(String(lease.id)), .text(Timestamp.iso8601(lease.expiresAt) + (lease.expiresAt <= now ? " (expired)" : ""))]
        }))
        return ("blob " + digest.hex.prefix(12), body)
    }

    // MARK: - Search

    private func searchWebPage(_ raw: String) throws -> (String, [HTML]) {
        let query = raw.trimmingCharacters(in: .whitespaces)
        var body: [HTML] = [.h1("Search")]
        guard !query.isEmpty else {
            body.append(.p(.text("Search by project name (a prefix) or by a digest prefix (hex, with or without sha256:).")))
            return ("search", body)
        }
        body.append(.p(.text("Results for "), .code(query)))
        let lowered = query.lowercased()
        let hex = lowered.hasPrefix("sha256:") ? String(lowered.dropFirst("sha256:".count)) : lowered
        let looksLikeDigest = lowered.hasPrefix("sha256:") || (hex.count >= 4 && hex.allSatisfy(\.isHexDigit))
        if looksLikeDigest {
            guard !hex.isEmpty, hex.count <= 64, hex.allSatisfy({ $0.isHexDigit }) else {
                throw WebPageError(status: .badRequest, title: "Bad digest prefix",
                                   message: "a digest prefix is 1 to 64 hexadecimal characters (0-9, a-f), optionally after sha256:; got \(query)")
            }
            let blobs = try store.blobs(withDigestPrefix: hex, limit: 50)
            body.append(.h2("Blobs"))
            body.append(blobs.isEmpty ? .p(.text("No blob's digest starts with \(hex)."), class: "muted")
                : .table(["digest", "size", "last used"], blobs.map { [.a(ServeRoute.webBlobPath($0.digest), $0.digest.hex), .text(Self.humanSize($0.size)), .text(Timestamp.iso8601($0.lastUsedAt))] }))
        }
        let projects = try store.recordedProjects(prefix: query, limit: 100)
        body.append(.h2("Projects"))
        if projects.isEmpty {
            body.append(.p(.text("No recorded project page for a name starting with \(ProjectName.normalize(query))."), class: "muted"))
        } else {
            body.append(.table(["project", "index", "page"], projects.map { found in
                let index = configuration.indexes.first { (try? NormalizedURL($0.projectPageURL(found.project)).text) == found.pageURL }
                return [
                    index.map { .a(ServeRoute.webProjectPath(index: $0.name, project: found.project), found.project) } ?? .text(found.project),
                    .text(index?.name ?? "(not an index of this server)"), .a(ServeRoute.webURLPath(found.pageURL), found.pageURL),
                ]
            }))
        }
        return ("search", body)
    }

    // MARK: - gc preview

    private func gcWebPage() async throws -> [HTML] {
        let options = configuration.gcPolicy
        let preview = try await gcPreview.value()
        let report = preview.report
        var policy: [String] = []
        if let value = options.maxSize { policy.append("size budget \(Self.humanSize(value))") }
        if let value = options.unusedFor { policy.append("unused for \(VerdictReason.duration(Int64(value)))") }
        if let value = options.keepLatest { policy.append("keep the \(value) latest versions") }
        if let value = options.refusedOlderThan { policy.append("refused responses older than \(VerdictReason.duration(Int64(value)))") }
        var body: [HTML] = [
            .h1("gc preview"),
            .p(.text("What `artifact-store gc --dry-run` would remove now under the configured policy: "),
               .code(policy.isEmpty ? "garbage only (no eviction policy configured)" : policy.joined(separator: ", ")),
               .text(". Nothing is removed from this page.")),
            .p(.text("Computed at \(Self.time(preview.at)). A dry run walks the whole store, so serve runs it in the background when it starts and again, at most every \(Int(Self.gcPreviewLifetime)) s, when this page is asked for; the page shows the latest one."), class: "muted"),
            .dl([
                ("blobs", .text("\(report.blobsBefore) → \(report.blobsAfter)")),
                ("bytes", .text("\(Self.humanSize(report.bytesBefore)) → \(Self.humanSize(report.bytesAfter))")),
                ("budget met", .text(report.maxSizeMet.map { $0 ? "yes" : "no (pinned, leased and recently used data is never evicted)" } ?? "no budget")),
            ]),
            .table(["reason", "count", "bytes"], GCReason.allCases.compactMap { reason in
                guard let tally = report.removed[reason], tally.count > 0 else { return nil }
                return [.code(reason.rawValue), .text(String(tally.count)), .text(Self.humanSize(tally.bytes))]
            }),
        ]
        let items = preview.items
        if items.isEmpty {
            body.append(.p(.text("Nothing would be removed."), class: "ok"))
        } else {
            body.append(.h2(preview.truncated ? "The first \(items.count) items" : "Items"))
            body.append(.table(["reason", "what", "bytes", "why"], items.map { item in
                [.code(item.reason.rawValue),
                 item.digest.map { .a(ServeRoute.webBlobPath($0), $0.hex) } ?? .code(item.path ?? ""),
                 .text(Self.humanSize(item.bytes)), .text(item.detail)]
            }))
        }
        return body
    }

    // MARK: - Pieces

    private static func responsesTable(_ records: [ResponseRecord]) -> HTML {
        .table(["seen", "method", "status", "kept as", "reasons", "freshness", "body"], records.map { record in
            [
                .text(Timestamp.iso8601(record.responseTime)), .text(record.method), .text(String(record.status)),
                disposition(record.disposition),
                .text(record.refusalReasons.map { "\($0.code): \($0.description)" }.joined(separator: "; ")),
                .text(record.disposition == .refused ? "-" : "fresh until \(Timestamp.iso8601(record.expiresAt)) (lifetime \(VerdictReason.duration(record.freshnessLifetime)))"
                      + (record.appliedCacheControl.map { "; Cache-Control overridden to \"\($0)\"" } ?? "")),
                record.bodyDigest.map { .a(ServeRoute.webBlobPath($0), String($0.hex.prefix(12)) + "…") } ?? .span("none", class: "muted"),
            ]
        })
    }

    private static func disposition(_ disposition: ResponseDisposition) -> HTML {
        .span(disposition.rawValue, class: disposition.rawValue)
    }

    /// Each policy's verdict with its reasons and hints, as `explain` gives them.
    private static func verdictTable(_ verdicts: [(CachePolicy, Verdict)]) -> HTML {
        .table(["policy", "verdict", "why, and what to do"], verdicts.map { policy, verdict in
            switch verdict {
            case .satisfiable(let satisfied):
                return [.code(policy.rawValue), .span("✔ satisfiable", class: "ok"),
                        .fragment([.text(satisfied.freshness.description)] + satisfied.notes.map { HTML.p(.text("note: " + $0)) })]
            case .unsatisfiable(let reasons):
                return [.code(policy.rawValue), .span("✘ not satisfiable", class: "no"), .ul(reasons.map { reason in
                    .li(.code(reason.code), .text(" " + reason.message), .element("br"), .span("hint: " + reason.hint, class: "muted"))
                })]
            }
        }, class: "verdicts")
    }

    /// One line per policy, the reasons and hints folded away.
    private static func compactVerdicts(_ verdicts: [(CachePolicy, Verdict)]) -> HTML {
        .fragment(verdicts.map { policy, verdict in
            switch verdict {
            case .satisfiable(let satisfied):
                return .element("div", [], [.code(policy.rawValue + " "), .element("span", [("class", "ok"), ("title", satisfied.freshness.description)], [.text("✔")])])
            case .unsatisfiable(let reasons):
                return .element("details", [], [
                    .element("summary", [], [.code(policy.rawValue + " "), .span("✘ " + reasons.map(\.code).joined(separator: ", "), class: "no")]),
                    .ul(reasons.map { .li(.text($0.message), .element("br"), .span("hint: " + $0.hint, class: "muted")) }),
                ])
            }
        })
    }

    /// `1.2 MiB`-style sizes (``ByteCount/text(_:)``).
    static func humanSize(_ bytes: Int64) -> String { ByteCount.text(bytes) }

    /// `1 file`, `2 files`.
    static func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }

    static func time(_ date: Date) -> String { Timestamp.iso8601(Int64(date.timeIntervalSince1970)) }

    /// How long the overview's store counts are reused (counting a million rows costs more than
    /// a page may take).
    static let overviewCountsLifetime: TimeInterval = 10

    /// How long a gc preview is reused: a dry run walks every blob and file of the store.
    static let gcPreviewLifetime: TimeInterval = 30
}

/// The overview's store-wide counts, and when they were taken.
struct OverviewCounts: Sendable {
    var stats: StoreStats
    var responses: Int
    var at: Date
}

/// A gc dry run as `/-/gc` shows it.
struct GCPreview: Sendable {
    var report: GCReport
    /// The first items (at most 500).
    var items: [GCItem]
    var truncated: Bool
    var at: Date

    /// Runs `gc --dry-run` under `policy` (read-only: nothing is removed).
    init(store: Store, policy: GCOptions) throws {
        let collected = ItemList(limit: 500)
        var dryRun = policy
        dryRun.dryRun = true
        dryRun.onItem = { collected.add($0) }
        dryRun.progress = nil
        report = try store.gc(dryRun)
        items = collected.items
        truncated = collected.truncated
        at = Date()
    }
}

/// gc's items as the dry run reports them, the first `limit` of them.
private final class ItemList: Sendable {
    private let state = Mutex<(list: [GCItem], truncated: Bool)>(([], false))
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func add(_ item: GCItem) {
        state.withLock { state in
            if state.list.count < limit { state.list.append(item) } else { state.truncated = true }
        }
    }

    var items: [GCItem] { state.withLock { $0.list } }
    var truncated: Bool { state.withLock { $0.truncated } }
}

import ArtifactStore
import Crypto
import Foundation
import HTTPCaching
import HTTPTypes
import Hummingbird
import NIOCore
import PythonPackaging

/// A page body parsed once per (blob, URL).
struct PageKey: Hashable, Sendable {
    var digest: BlobDigest
    var url: String
}

/// An upstream project page as the server uses it: parsed, its files by filename.
final class ParsedPage: Sendable {
    /// The PEP 503-normalized project name.
    let project: String
    let page: ProjectPage
    /// The first file of each filename (a route names a file by its filename).
    let filesByName: [String: ProjectFile]

    init(project: String, page: ProjectPage) {
        self.project = project
        self.page = page
        var files: [String: ProjectFile] = [:]
        for file in page.files where files[file.filename] == nil { files[file.filename] = file }
        filesByName = files
    }
}

/// Where a page's body came from, and what that says about the upstream.
struct PageAnswer: Sendable {
    var body: PageKey
    var contentType: String?
    var outcome: ServeOutcome
    /// Why the upstream was not used (on a fallback).
    var fallbackReason: String?
    /// True when the upstream answered (or a fresh copy stood for it): its PEP 658 sidecars can
    /// be fetched, so they are advertised as it advertises them.
    var upstreamAnswering: Bool
}

/// A rendered page, by body, format, index and sidecar mode.
struct RenderKey: Hashable, Sendable {
    var body: PageKey
    var index: String
    var contentType: SimpleContentType
    var upstreamAnswering: Bool
}

struct RenderedPage: Sendable {
    var bytes: ByteBuffer
    /// A strong entity tag of the rendered bytes.
    var etag: String
}

extension IndexServer {
    /// What pages are requested from upstreams with, whatever the client asked: one variant in
    /// the store per page, rendered for each client in its format. JSON first (it carries PEP
    /// 700's sizes and upload times), HTML for indexes that only speak HTML.
    public static let upstreamPageHeaders: HeaderFields = [
        "Accept": "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01",
    ]

    /// The policy fallbacks answer under: `archive` (stored and archived bodies) unless strict.
    var fallbackMode: FetchMode { configuration.archivesRefusedResponses ? .archive : .offline }

    // MARK: - Project pages

    func projectPage(_ request: Request, indexName: String?, project: String) async throws -> (Response, ServeOutcome) {
        let contentType = try Self.negotiate(request)
        let (index, answer) = try await pageAnswer(indexName: indexName, project: project)
        let parsed = try parsedPage(answer, project: project)
        let key = RenderKey(body: answer.body, index: index.name, contentType: contentType, upstreamAnswering: answer.upstreamAnswering)
        let rendered: RenderedPage
        if let cached = renderedPages[key] {
            rendered = cached
        } else {
            let files = parsed.page.files.compactMap { servedFile($0, index: index, project: parsed.project, upstreamAnswering: answer.upstreamAnswering) }
            let bytes = SimplePageWriter.projectPage(name: parsed.page.name ?? parsed.project, files: files, versions: parsed.page.versions, format: contentType.format)
            rendered = RenderedPage(bytes: ByteBuffer(bytes: bytes), etag: "\"" + BlobDigest.sha256Hex(bytes).prefix(32) + "\"")
            // A fallback's sidecar list depends on what is stored at this moment: not cached.
            if answer.upstreamAnswering { renderedPages.set(key, rendered) }
        }
        return (pageResponse(request, rendered: rendered, contentType: contentType, answer: answer), answer.outcome)
    }

    /// The page for a project: from the named index, or (merged view) from the first index that
    /// has it. An index that cannot answer at all stops the search rather than letting a later
    /// index answer for it: a public index must never shadow a private one that is down.
    func pageAnswer(indexName: String?, project: String) async throws -> (UpstreamIndex, PageAnswer) {
        if let indexName {
            let index = try index(named: indexName)
            return (index, try await pageAnswer(index: index, url: index.projectPageURL(project)))
        }
        var missing: [String] = []
        for index in configuration.indexes {
            do {
                return (index, try await pageAnswer(index: index, url: index.projectPageURL(project)))
            } catch let problem as Problem where problem.outcome == .notFound {
                missing.append(index.name)
            }
        }
        throw Problem(status: 404, code: "project-not-found", title: "no index has a project \(project)",
                      detail: "not found on \(missing.joined(separator: ", "))", outcome: .notFound)
    }

    /// The answer for one upstream page URL: online through the store (fresh from the store,
    /// revalidated, or fetched), and when the upstream fails or the server is offline, the stored
    /// copy however stale, or an archived one. Concurrent requests for one page share one fetch.
    func pageAnswer(index: UpstreamIndex, url: String) async throws -> PageAnswer {
        try await pageFetches.run(url) { [self] in
            let request = FetchRequest(url: url, headers: Self.upstreamPageHeaders)
            var failure: String
            // Set when the store failed rather than the upstream: said if nothing can be answered.
            var storeFailure: StoreError?
            if configuration.offline {
                failure = "the server runs --offline"
            } else {
                do {
                    let result = try await client.fetch(request, mode: .online)
                    if case .store = result.source {} else { statistics.upstreamAnswered(index.name) }
                    return try pageAnswer(result, outcome: ServeOutcome(result.source), fallbackReason: nil, upstreamAnswering: true)
                } catch let error as FetchError {
                    if case .store(let storeError) = error {
                        // Without its metadata the store can answer nothing at all. Otherwise
                        // (its blob storage cannot be reached, a disk is full) the upstream's
                        // answer could not be kept, and the copy the store holds is answered.
                        if storeError.code == .database { throw Problem(storeError, url: url) }
                        storeFailure = storeError
                        failure = "the store could not keep the upstream's answer: \(storeError.message)"
                    } else {
                        failure = error.description
                        statistics.upstreamFailed(index.name, failure)
                    }
                }
            }
            do {
                let result = try await client.fetch(request, mode: fallbackMode)
                let outcome: ServeOutcome
                switch (result.record.disposition, result.source) {
                case (.archived, _): outcome = .archivedFallback
                case (_, .store(fresh: true)) where configuration.offline: outcome = .hit
                default: outcome = .staleFallback
                }
                return try pageAnswer(result, outcome: outcome, fallbackReason: failure, upstreamAnswering: false)
            } catch FetchError.unsatisfiable(let url, let reasons) {
                if let storeFailure { throw Problem(storeFailure, url: url) }
                throw Problem(status: Problem.unservableStatus, verdict: reasons, url: url, offline: configuration.offline,
                              summary: configuration.offline ? "not in the store, and the server is offline" : "the upstream failed (\(failure)) and the store cannot answer")
            } catch let error as FetchError {
                if let storeFailure { throw Problem(storeFailure, url: url) }
                if case .store(let storeError) = error { throw Problem(storeError, url: url) }
                throw Problem(status: 502, code: "upstream-unavailable", title: "the upstream failed", detail: error.description, url: url)
            }
        }
    }

    private func pageAnswer(_ result: FetchResult, outcome: ServeOutcome, fallbackReason: String?, upstreamAnswering: Bool) throws -> PageAnswer {
        switch result.status {
        case 200:
            guard case .stored(let digest, let size) = result.body else {
                throw Problem(status: 502, code: "page-not-kept", title: "the upstream page was not kept",
                              detail: "the store did not keep the body of \(result.url) (refused: \(result.record.refusalReasons.map(\.code).joined(separator: ", "))); serve keeps refused pages unless --strict-http", url: result.url)
            }
            guard size <= configuration.maximumPageBytes else {
                throw Problem(status: 502, code: "page-too-large", title: "the upstream page is too large",
                              detail: "\(result.url) has \(size) bytes, more than the \(configuration.maximumPageBytes) this server parses", url: result.url)
            }
            return PageAnswer(body: PageKey(digest: digest, url: result.url), contentType: result.headers.combinedValue(for: "Content-Type"),
                              outcome: outcome, fallbackReason: fallbackReason, upstreamAnswering: upstreamAnswering)
        default:
            throw Problem(notA200: result, standingFor: "page")
        }
    }

    func parsedPage(_ answer: PageAnswer, project: String) throws -> ParsedPage {
        if let cached = parsedPages[answer.body] { return cached }
        let body: [UInt8]
        do {
            body = try store.read(answer.body.digest)
        } catch let error as StoreError {
            throw Problem(error, url: answer.body.url)
        }
        let page: ProjectPage
        do {
            page = try ProjectPage.parse(body: body, contentType: answer.contentType, url: answer.body.url)
        } catch {
            throw Problem(status: 502, code: "page-unreadable", title: "the upstream page cannot be read",
                          detail: "\(answer.body.url): \(error.description)", url: answer.body.url)
        }
        let parsed = ParsedPage(project: project, page: page)
        parsedPages.set(answer.body, parsed)
        return parsed
    }

    /// A file as this server lists it: its link points here, hashes are lowercase hex, and its
    /// sidecar is advertised only when it can be delivered now. Nil for a filename no route can
    /// name (a `/` or control character in it).
    func servedFile(_ file: ProjectFile, index: UpstreamIndex, project: String, upstreamAnswering: Bool) -> ProjectFile? {
        guard !file.filename.isEmpty, file.filename != ".", file.filename != "..", !file.filename.contains("/"),
              !file.filename.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { return nil }
        var served = file
        served.url = ServeRoute.filePath(index: index.name, project: project, filename: file.filename)
        served.hashes = Dictionary(uniqueKeysWithValues: file.hashes.map { ($0.key, Self.isHex($0.value) ? $0.value.lowercased() : $0.value) })
        if file.coreMetadata.available && !upstreamAnswering && !sidecarIsStored(file) {
            served.coreMetadata = .unavailable
        }
        return served
    }

    /// Whether a file's PEP 658 sidecar can be answered without the upstream.
    func sidecarIsStored(_ file: ProjectFile) -> Bool {
        if let hex = file.coreMetadata.hashes["sha256"], let digest = try? BlobDigest(validating: hex.lowercased()), blobIsServable(digest) {
            return true
        }
        let head = HTTPCaching.HTTPRequestHead(method: "GET", url: file.url + ".metadata", headers: HeaderFields())
        let policy: CachePolicy = configuration.archivesRefusedResponses ? .archive : .offline
        return (try? store.verdict(for: head, policy: policy).isSatisfiable) ?? false
    }

    func blobIsServable(_ digest: BlobDigest) -> Bool {
        (try? store.isReadable(digest)) ?? false
    }

    static func isHex(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }
    }

    // MARK: - Project lists

    func projectList(_ request: Request, indexName: String?) async throws -> (Response, ServeOutcome) {
        let contentType = try Self.negotiate(request)
        let indexes = try indexName.map { [try index(named: $0)] } ?? configuration.indexes
        var names: [String] = []
        var seen = Set<String>()
        var outcomes: [ServeOutcome] = []
        var fallback: String?
        var lastProblem: Problem?
        for index in indexes {
            let answer: PageAnswer
            do {
                answer = try await pageAnswer(index: index, url: index.projectListURL)
            } catch let problem as Problem {
                // The merged list shows what the other indexes have; one index's list must answer.
                if indexName != nil { throw problem }
                lastProblem = problem
                continue
            }
            outcomes.append(answer.outcome)
            if let reason = answer.fallbackReason { fallback = reason }
            let body: [UInt8]
            do {
                body = try store.read(answer.body.digest)
            } catch let error as StoreError {
                throw Problem(error, url: answer.body.url)
            }
            let listed: [String]
            do {
                listed = try ProjectList.parse(body: body, contentType: answer.contentType)
            } catch {
                throw Problem(status: 502, code: "page-unreadable", title: "the upstream project list cannot be read",
                              detail: "\(answer.body.url): \(error.description)", url: answer.body.url)
            }
            for name in listed {
                let normalized = ProjectName.normalize(name)
                if seen.insert(normalized).inserted { names.append(name) }
            }
        }
        if outcomes.isEmpty, let lastProblem { throw lastProblem }
        let bytes = SimplePageWriter.projectList(names, format: contentType.format) { ServeRoute.encode(ProjectName.normalize($0)) + "/" }
        let rendered = RenderedPage(bytes: ByteBuffer(bytes: bytes), etag: "\"" + BlobDigest.sha256Hex(bytes).prefix(32) + "\"")
        let outcome = outcomes.first { $0 != .hit } ?? .hit
        let answer = PageAnswer(body: PageKey(digest: BlobDigest.sha256(bytes), url: ""), contentType: nil, outcome: outcome, fallbackReason: fallback, upstreamAnswering: fallback == nil)
        return (pageResponse(request, rendered: rendered, contentType: contentType, answer: answer), outcome)
    }

    // MARK: - Responses

    /// The content type the client wants (PEP 691 negotiation), or a 406 problem.
    static func negotiate(_ request: Request) throws -> SimpleContentType {
        let format = request.uri.queryParameters["format"].map(String.init)
        guard let type = SimpleContentType.negotiate(accept: request.headers[.accept], format: format) else {
            throw Problem(status: 406, code: "not-acceptable", title: "no acceptable format",
                          detail: "this index serves application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html and text/html; the request's Accept (or ?format=) allows none of them",
                          outcome: .local)
        }
        return type
    }

    func pageResponse(_ request: Request, rendered: RenderedPage, contentType: SimpleContentType, answer: PageAnswer) -> Response {
        var headers: HTTPFields = [
            .contentType: contentType.mediaType,
            .vary: "Accept",
            // Clients revalidate every time (cheap: an entity tag of the rendered page), so that
            // a client's own cache never hides what this server now knows.
            .cacheControl: "max-age=0, must-revalidate",
            .eTag: rendered.etag,
        ]
        headers[ServeHeaders.outcome] = answer.outcome.rawValue
        if let reason = answer.fallbackReason { headers[ServeHeaders.fallbackReason] = Problem.reasonPhrase(reason) }
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == rendered.etag || $0.trimmingCharacters(in: .whitespaces) == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: rendered.bytes))
    }
}

extension Problem {
    /// An upstream answer other than a complete 200 where a `page` or `file` was expected: its
    /// 404 (or 410) stays a 404, so that uv goes on to its next index; anything else is a 502.
    init(notA200 result: FetchResult, standingFor what: String) {
        if result.status == 404 || result.status == 410 {
            self.init(status: 404, code: "not-found-upstream", title: "the upstream has no such \(what)",
                      detail: "\(result.url) answered \(result.status)", url: result.url, outcome: .notFound)
        } else {
            self.init(status: 502, code: "upstream-status", title: "the upstream answered \(result.status)",
                      detail: "\(result.url) answered \(result.status); only a complete 200 can stand for a \(what)", url: result.url)
        }
    }

    /// A store failure (disk, database, a corrupt blob) as a problem document. What a server the
    /// store depends on failed (its metadata database, its blob storage, a disk) is `503`: this
    /// server works and the same request may succeed later; the detail names the server and what
    /// to do (the store's message). A damaged blob is `502`, anything else `500`.
    init(_ error: StoreError, url: String?) {
        let code = "store-\(error.code.rawValue)"
        switch error.code {
        case .blobCorrupt, .blobMissing:
            self.init(status: 502, code: code, title: "the store failed", detail: error.message, url: url)
        case .database:
            self.init(status: 503, code: code, title: "the store's metadata database failed", detail: error.message, url: url)
        case .io, .unusableStore:
            self.init(status: 503, code: code, title: "the store cannot read or keep this now", detail: error.message, url: url)
        default:
            self.init(status: 500, code: code, title: "the store failed", detail: error.message, url: url)
        }
    }
}

extension BlobDigest {
    static func sha256(_ bytes: [UInt8]) -> BlobDigest {
        try! BlobDigest(validating: sha256Hex(bytes))
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

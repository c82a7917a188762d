import ArtifactStore
import ArtifactStoreHTTP
import Foundation
import HTTPCaching
import Hummingbird
import HummingbirdTesting
import Testing

/// serve's web pages under `/-/`, driven through Hummingbird's testing client over a store whose
/// responses were recorded directly (the server is offline: nothing is fetched).
@Suite("serve's web pages")
struct WebPageTests {
    static let hostileFilename = "<script>alert('file')</script>.whl"
    static let hostileHeader = "<script>alert('header')</script>"

    /// A store with an `evil` page (a stored wheel, a hostile filename, a hostile header) and a
    /// `torch` page sent `no-store` (archived), served by an offline server with index `up`.
    final class Fixture: Sendable {
        let directory: URL
        let store: Store
        let server: IndexServer
        let wheel: StoredBlob

        init() throws {
            directory = URL(fileURLWithPath: NSTemporaryDirectory()).appending(path: "artifact-store-web-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            store = try Store.open(at: directory.appending(path: "store"))
            wheel = try store.put(bytes: Array("a wheel".utf8))
            let now = Date()
            let files = #"""
                [{"filename":"evil-1.0-py3-none-any.whl","url":"https://files.example/evil-1.0-py3-none-any.whl","hashes":{"sha256":"\#(wheel.digest.hex)"}},
                 {"filename":"evil-0.9-py3-none-any.whl","url":"https://files.example/evil-0.9-py3-none-any.whl","hashes":{"sha256":"\#(String(repeating: "ab", count: 32))"}},
                 {"filename":"<script>alert('file')</script>.whl","url":"https://files.example/x.whl","hashes":{}}]
                """#
            let page = try store.put(bytes: Array(#"{"meta":{"api-version":"1.0"},"name":"evil","files":\#(files)}"#.utf8))
            let pageHeaders: HeaderFields = ["Content-Type": "application/vnd.pypi.simple.v1+json", "Cache-Control": "max-age=600", "X-Hostile": WebPageTests.hostileHeader]
            _ = try store.record(request: HTTPRequestHead(url: "https://upstream.example/simple/evil/", headers: IndexServer.upstreamPageHeaders),
                                 response: HTTPResponseHead(status: 200, headers: pageHeaders), body: page, requestTime: now, responseTime: now)
            _ = try store.record(request: HTTPRequestHead(url: "https://files.example/evil-1.0-py3-none-any.whl"),
                                 response: HTTPResponseHead(status: 200, headers: ["Cache-Control": "max-age=31536000, immutable"]), body: wheel, requestTime: now, responseTime: now)
            let torch = try store.put(bytes: Array(#"{"meta":{"api-version":"1.0"},"name":"torch","files":[]}"#.utf8))
            _ = try store.record(request: HTTPRequestHead(url: "https://upstream.example/simple/torch/", headers: IndexServer.upstreamPageHeaders),
                                 response: HTTPResponseHead(status: 200, headers: ["Content-Type": "application/vnd.pypi.simple.v1+json", "Cache-Control": "no-store"]),
                                 body: torch, requestTime: now, responseTime: now, archivingRefused: true)
            var configuration = IndexServerConfiguration()
            configuration.indexes = [try UpstreamIndex(name: "up", url: "https://upstream.example/simple")]
            configuration.offline = true
            configuration.accessLog = nil
            configuration.gcPolicy.maxSize = 1 << 20
            server = IndexServer(store: store, configuration: configuration)
        }

        /// GET `path`: status, headers and body as text.
        func get(_ path: String) async throws -> (status: Int, headers: HTTPFields, body: String) {
            let server = server
            let app = Application(responder: CallbackResponder<BasicRequestContext> { request, _ in await server.respond(to: request) })
            return try await app.test(.router) { client in
                try await client.execute(uri: path, method: .get) { response in
                    (response.status.code, response.headers, String(buffer: response.body))
                }
            }
        }

        func close() async {
            try? await server.shutdown()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    func withFixture(_ body: (Fixture) async throws -> Void) async throws {
        let fixture = try Fixture()
        do { try await body(fixture) } catch {
            await fixture.close()
            throw error
        }
        await fixture.close()
    }

    @Test("the overview shows the store against its budget, the indexes, a chart and the refused responses")
    func overview() async throws {
        try await withFixture { fixture in
            _ = try await fixture.get("/up/simple/never-fetched/")  // refused offline: counted
            let (status, headers, body) = try await fixture.get("/-/")
            #expect(status == 200)
            #expect(headers[.contentType] == "text/html; charset=utf-8")
            #expect(headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            #expect(headers[.contentSecurityPolicy]?.contains("script-src") == false, "no script is ever allowed")
            #expect(body.contains("of 1.0 MiB"), "the blobs against the gc budget")
            #expect(body.contains("<svg") && body.contains("id=\"outcome-chart\""))
            #expect(body.contains("refusals: 1"), "the refused request is in the chart's legend")
            #expect(body.contains("never-fetched"), "the latest refusals with their codes")
            #expect(body.contains("https://upstream.example/simple/torch/") && body.contains("no-store-response"))
            #expect(!body.contains("<script"))
        }
    }

    @Test("a project page lists versions and files, stored or not, with each policy's verdict")
    func projectPage() async throws {
        try await withFixture { fixture in
            let (status, _, body) = try await fixture.get("/-/up/Evil")
            #expect(status == 200)
            #expect(body.contains("evil-1.0-py3-none-any.whl") && body.contains("evil-0.9-py3-none-any.whl"))
            #expect(body.contains("class=\"stored\">stored</a>"), "the stored wheel links to its blob")
            #expect(body.contains("not stored"))
            #expect(body.contains("never-fetched"), "the file never fetched says why, as explain does")
            #expect(body.contains("hint: "))
            #expect(body.range(of: "<h3>1.0</h3>")!.lowerBound < body.range(of: "<h3>0.9</h3>")!.lowerBound, "newest version first")
        }
    }

    @Test("a no-store page shows as refused, with its date and the archive policy's answer")
    func refusedPage() async throws {
        try await withFixture { fixture in
            let (status, _, body) = try await fixture.get("/-/up/torch")
            #expect(status == 200)
            #expect(body.contains("class=\"archived\">archived</span>"))
            #expect(body.contains("no-store-response"))
            #expect(body.contains("no-store-response: " + RefusalReason.noStoreResponse.description), "HTTPCaching's one wording, beside the code")
            #expect(body.contains(Timestamp.iso8601(Int64(Date().timeIntervalSince1970)).prefix(10)), "the date it was seen")
            #expect(body.contains("archived-needs-archive-policy") || body.contains("refused"))
        }
    }

    @Test("hostile filenames and header values are shown as text, never markup")
    func hostileInputEscaped() async throws {
        try await withFixture { fixture in
            let (_, _, project) = try await fixture.get("/-/up/evil")
            #expect(project.contains("&lt;script&gt;alert(&#39;file&#39;)&lt;/script&gt;.whl"))
            #expect(!project.contains("<script"))
            let (status, _, history) = try await fixture.get("/-/url?u=" + "https%3A%2F%2Fupstream.example%2Fsimple%2Fevil%2F")
            #expect(status == 200)
            #expect(history.contains("X-Hostile") && history.contains("&lt;script&gt;alert(&#39;header&#39;)&lt;/script&gt;"))
            #expect(!history.contains("<script"))
        }
    }

    @Test("a URL's history shows every response seen with its headers")
    func urlHistory() async throws {
        try await withFixture { fixture in
            let (status, _, body) = try await fixture.get("/-/url?u=https%3A%2F%2Ffiles.example%2Fevil-1.0-py3-none-any.whl")
            #expect(status == 200)
            #expect(body.contains("max-age=31536000, immutable"))
            #expect(body.contains("stored"))
            #expect(body.contains("/-/blob/" + fixture.wheel.digest.hex))
        }
    }

    @Test("a blob page shows its digest, size and the URLs it answered, by a full digest or a prefix")
    func blobPage() async throws {
        try await withFixture { fixture in
            for path in ["/-/blob/" + fixture.wheel.digest.hex, "/-/blob/" + fixture.wheel.digest.hex.prefix(12)] {
                let (status, _, body) = try await fixture.get(path)
                #expect(status == 200)
                #expect(body.contains("sha256:" + fixture.wheel.digest.hex))
                #expect(body.contains("7 bytes"))
                #expect(body.contains("https://files.example/evil-1.0-py3-none-any.whl"))
            }
        }
    }

    @Test("search finds projects by name prefix and blobs by digest prefix")
    func search() async throws {
        try await withFixture { fixture in
            let (_, _, byName) = try await fixture.get("/-/search?q=Ev")
            #expect(byName.contains("href=\"/-/up/evil\""))
            let (_, _, byDigest) = try await fixture.get("/-/search?q=sha256:" + fixture.wheel.digest.hex.prefix(6))
            #expect(byDigest.contains("/-/blob/" + fixture.wheel.digest.hex))
        }
    }

    @Test("the gc preview says what a dry run would remove, and removes nothing")
    func gcPreview() async throws {
        try await withFixture { fixture in
            let before = try fixture.store.stats()
            let (status, _, body) = try await fixture.get("/-/gc")
            #expect(status == 200)
            #expect(body.contains("gc preview") && body.contains("size budget 1.0 MiB"))
            #expect(try fixture.store.stats().blobCount == before.blobCount)
        }
    }

    @Test("the pages never write to the store")
    func readOnly() async throws {
        try await withFixture { fixture in
            // The fixture's puts settled (their files written and synced) before anything is
            // compared: the settle a handle runs on its own is a write, the pages' is not.
            try fixture.store.settleBlobJournal()
            let database = fixture.directory.appending(path: "store/store.sqlite").path(percentEncoded: false)
            func files() -> [String: [FileAttributeKey: Any]] {
                Dictionary(uniqueKeysWithValues: ["", "-wal"].map { ($0, (try? FileManager.default.attributesOfItem(atPath: database + $0)) ?? [:]) })
            }
            func fingerprint(_ attributes: [String: [FileAttributeKey: Any]]) -> [String] {
                attributes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value[.size] ?? "-") \($0.value[.modificationDate] ?? "-")" }
            }
            let before = fingerprint(files())
            for path in ["/-/", "/-/up/evil", "/-/up/torch", "/-/url?u=https%3A%2F%2Fupstream.example%2Fsimple%2Fevil%2F",
                         "/-/blob/" + fixture.wheel.digest.hex, "/-/search?q=evil", "/-/search?q=" + fixture.wheel.digest.hex.prefix(8), "/-/gc"] {
                let status = try await fixture.get(path).status
                #expect(status == 200, "\(path)")
            }
            #expect(fingerprint(files()) == before, "the database and its WAL are untouched")
        }
    }

    @Test("a HEAD of a page has its headers and no body")
    func head() async throws {
        try await withFixture { fixture in
            let server = fixture.server
            let app = Application(responder: CallbackResponder<BasicRequestContext> { request, _ in await server.respond(to: request) })
            try await app.test(.router) { client in
                try await client.execute(uri: "/-/", method: .head) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                    #expect(response.body.readableBytes == 0)
                }
            }
        }
    }

    @Test("failures are HTML pages with the right status", arguments: [
        ("/-/nope/evil", 404, "No index named nope"),
        ("/-/blob/" + String(repeating: "0", count: 64), 404, "No such blob"),
        ("/-/blob/zz", 400, "Bad request"),
        ("/-/blob/abcdef0123", 404, "Not found"),
        ("/-/search?q=sha256:xyz", 400, "Bad digest prefix"),
        ("/-/url", 400, "Bad request"),
        ("/-/url?u=not%20a%20url", 400, "Bad request"),
    ] as [(String, Int, String)])
    func failures(_ path: String, _ expected: Int, _ title: String) async throws {
        try await withFixture { fixture in
            let (status, headers, body) = try await fixture.get(path)
            #expect(status == expected)
            #expect(headers[.contentType] == "text/html; charset=utf-8")
            #expect(body.contains(title))
        }
    }
}

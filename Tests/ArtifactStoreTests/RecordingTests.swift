import ArtifactStore
import Foundation
import GRDB
import HTTPCaching
import Synchronization
import Testing
import TestSupport

/// Requests and responses shaped like the ones the real indexes send (facts observed on the public indexes: PyPI, download.pytorch.org).
enum Fixtures {
    static let torchPage = "https://download.pytorch.org/whl/cpu/torch/"
    static let torchWheel = "https://download.pytorch.org/whl/cpu/torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl"
    static let pypiPage = "https://pypi.org/simple/torch/"
    static let pipAccept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"

    static func get(_ url: String, _ headers: HeaderFields = HeaderFields()) -> HTTPRequestHead {
        HTTPRequestHead(method: "GET", url: url, headers: headers)
    }

    static func response(_ status: Int = 200, _ headers: HeaderFields) -> HTTPResponseHead {
        HTTPResponseHead(status: status, headers: headers)
    }

    /// 2026-03-03T10:42:00Z, the day of the seed story.
    static let seen = Date(timeIntervalSince1970: 1_772_534_520)
}

extension TestStore {
    /// Records a response with a body stored as a blob (when given).
    @discardableResult
    func record(_ request: HTTPRequestHead, _ response: HTTPResponseHead, body: String? = nil, at date: Date = Fixtures.seen) throws -> ResponseRecord {
        let blob = try body.map { try store.put(bytes: Array($0.utf8)) }
        return try store.record(request: request, response: response, body: blob, requestTime: date, responseTime: date)
    }

    func verdict(_ request: HTTPRequestHead, _ policy: CachePolicy, after seconds: TimeInterval = 0) throws -> Verdict {
        try store.verdict(for: request, policy: policy, at: Fixtures.seen.addingTimeInterval(seconds))
    }
}

@Suite("Recording responses and answering offline")
struct RecordingTests {
    @Test("verdicts and history describe a refusal in HTTPCaching's one wording, and keep the recorded codes")
    func refusalWordingIsHTTPCachings() throws {
        let fixture = try TestStore()
        let page = try fixture.record(Fixtures.get(Fixtures.torchPage), Fixtures.response(200, ["Cache-Control": "no-store", "Content-Type": "text/html"]))
        #expect(page.refusalReasons == [.noStoreResponse])
        let reason = try #require(try fixture.verdict(Fixtures.get(Fixtures.torchPage), .offline).reasons.first)
        #expect(reason == .refused(reasons: [.noStoreResponse], at: page.responseTime, status: 200))
        #expect(reason.message.hasSuffix(": " + RefusalReason.noStoreResponse.description))
        let history = try #require(try fixture.store.observations(for: Fixtures.torchPage).last)
        #expect(history.detail == "no-store-response", "the recorded code is unchanged")
        #expect(history.describedDetail == RefusalReason.noStoreResponse.description)

        // A 302 refused for want of freshness: the description names the recorded status.
        let moved = try fixture.record(Fixtures.get(Fixtures.pypiPage), Fixtures.response(302, ["Location": "https://pypi.org/simple/"]))
        #expect(moved.refusalReasons == [.statusNotCacheable(status: 302)])
        let movedReason = try #require(try fixture.verdict(Fixtures.get(Fixtures.pypiPage), .offline).reasons.first)
        #expect(movedReason.code == "status-not-cacheable")
        #expect(movedReason.message.contains(RefusalReason.statusNotCacheable(status: 302).description))
    }

    @Test("a refusal code from another version's row still reads back and displays", TestMetadata.sqliteOnly)
    func unknownRecordedCodeDisplays() throws {
        let fixture = try TestStore()
        try fixture.record(Fixtures.get(Fixtures.torchPage), Fixtures.response(200, ["Cache-Control": "no-store"]))
        let database = try DatabaseQueue(path: fixture.root.appending(path: "store.sqlite").path(percentEncoded: false))
        try database.write { db in
            try db.execute(sql: "UPDATE response SET refusal_reasons = 'no-store-response,from-the-future'")
        }
        let reason = try #require(try fixture.verdict(Fixtures.get(Fixtures.torchPage), .offline).reasons.first)
        #expect(reason == .refused(reasons: [.noStoreResponse, .unrecognized(code: "from-the-future")], at: Fixtures.seen, status: 200))
        #expect(reason.message.hasSuffix(RefusalReason.noStoreResponse.description + "; from-the-future"))
    }

    @Test("the seed story: a no-store page is explained with its directive and date; the wheel is stored")
    func seedScenario() throws {
        let fixture = try TestStore()
        let page = try fixture.record(Fixtures.get(Fixtures.torchPage),
                                      Fixtures.response(200, ["Cache-Control": "no-cache,no-store,must-revalidate", "Content-Type": "text/html"]),
                                      body: "<a href='torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl'>")
        #expect(page.disposition == .refused)
        #expect(page.bodyDigest == nil, "a refused response keeps no body")
        #expect(page.refusalReasons.contains(.noStoreResponse))
        try fixture.record(Fixtures.get(Fixtures.torchWheel), Fixtures.response(200, ["Last-Modified": "Tue, 01 Aug 2023 00:00:00 GMT"]), body: "wheel bytes")

        let pageVerdict = try fixture.verdict(Fixtures.get(Fixtures.torchPage), .offline, after: 86_400 * 60)
        let reason = try #require(pageVerdict.reasons.first)
        #expect(reason.code == "refused")
        #expect(reason.message.contains("no-store"))
        #expect(reason.message.contains("2026-03-03T10:42:00Z"))
        #expect(reason.hint.contains("archive"))
        #expect(reason.hint.contains("override"))

        let wheelVerdict = try fixture.verdict(Fixtures.get(Fixtures.torchWheel), .offline, after: 86_400 * 60)
        guard case .stale(_, let because)? = wheelVerdict.satisfied?.freshness else {
            Issue.record("the wheel should be served stale offline: \(wheelVerdict)")
            return
        }
        #expect(because.contains("offline"))
        #expect(try fixture.verdict(Fixtures.get(Fixtures.torchWheel), .online, after: 86_400 * 60).reasons.first?.code == "stale-not-allowed")
    }

    @Test("with an index policy overriding Cache-Control, the same page is stored and usable offline")
    func overridePolicy() throws {
        let fixture = try TestStore()
        try fixture.store.setIndexPolicy(IndexPolicy(urlPrefix: "https://download.pytorch.org/whl/",
                                                     fileCacheControl: "max-age=365000000, immutable", pageCacheControl: "max-age=600"))
        let page = try fixture.record(Fixtures.get(Fixtures.torchPage),
                                      Fixtures.response(200, ["Cache-Control": "no-cache,no-store,must-revalidate"]), body: "<html>")
        #expect(page.disposition == .stored)
        #expect(page.appliedCacheControl == "max-age=600")
        #expect(page.responseHeaders.combinedValue(for: "Cache-Control") == "no-cache,no-store,must-revalidate", "what the server sent is kept")
        #expect(page.freshnessLifetime == 600)
        let wheel = try fixture.record(Fixtures.get(Fixtures.torchWheel), Fixtures.response(200, ["Cache-Control": "no-store"]), body: "w")
        #expect(wheel.appliedCacheControl == "max-age=365000000, immutable")

        let fresh = try fixture.verdict(Fixtures.get(Fixtures.torchPage), .online, after: 60)
        #expect(fresh.isSatisfiable)
        #expect(fresh.satisfied?.notes.contains { $0.contains("max-age=600") } == true)
        let later = try fixture.verdict(Fixtures.get(Fixtures.torchPage), .offline, after: 86_400)
        #expect(later.isSatisfiable)
        #expect(try fixture.verdict(Fixtures.get(Fixtures.torchPage), .online, after: 86_400).reasons.first?.code == "stale-not-allowed")
    }

    @Test("every sdist suffix pip accepts (.tar.xz, .tar, …) gets the file Cache-Control override, a page the page one",
          arguments: ["foo-1.0.tar.xz", "foo-1.0.tar", "foo-1.0.tar.bz2", "foo-1.0.tgz", "foo-1.0.zip", "foo-1.0.tar.gz", "foo-1.0-py3-none-any.whl", "foo/"])
    func overrideByDistributionFilename(name: String) throws {
        let fixture = try TestStore()
        try fixture.store.setIndexPolicy(IndexPolicy(urlPrefix: "https://files.example.org/", fileCacheControl: "max-age=365000000, immutable", pageCacheControl: "max-age=600"))
        let record = try fixture.record(Fixtures.get("https://files.example.org/packages/" + name), Fixtures.response(200, ["Cache-Control": "no-store"]), body: "bytes")
        #expect(record.appliedCacheControl == (name.hasSuffix("/") ? "max-age=600" : "max-age=365000000, immutable"))
        #expect(record.disposition == .stored)
    }

    @Test("archive policy keeps a refused body, marked as such, and only policy archive serves it")
    func archivePolicy() throws {
        let fixture = try TestStore()
        try fixture.store.setIndexPolicy(IndexPolicy(urlPrefix: "", archiveRefused: true))
        #expect(try fixture.store.recordingPlan(request: Fixtures.get(Fixtures.torchPage), response: Fixtures.response(200, ["Cache-Control": "no-store"])) == .keepBody(.archived))
        let page = try fixture.record(Fixtures.get(Fixtures.torchPage), Fixtures.response(200, ["Cache-Control": "no-store"]), body: "<html>")
        #expect(page.disposition == .archived)
        #expect(page.bodyDigest != nil)
        let offline = try fixture.verdict(Fixtures.get(Fixtures.torchPage), .offline)
        #expect(offline.reasons.map(\.code) == ["refused", "archived-needs-archive-policy"])
        let archive = try fixture.verdict(Fixtures.get(Fixtures.torchPage), .archive)
        #expect(archive.isSatisfiable)
        #expect(archive.satisfied?.notes.contains { $0.contains("kept on purpose") } == true)
    }

    @Test("only a complete 200 is archived: a refused 206 or error page never stands for the file", arguments: [206, 404, 500])
    func archiveOnlyComplete200(status: Int) throws {
        let fixture = try TestStore()
        try fixture.store.setIndexPolicy(IndexPolicy(urlPrefix: "", archiveRefused: true))
        let head = Fixtures.response(status, ["Cache-Control": "no-store", "Content-Range": "bytes 0-9/100"])
        #expect(try fixture.store.recordingPlan(request: Fixtures.get(Fixtures.torchWheel), response: head) != .keepBody(.archived))
        #expect(try fixture.store.recordingPlan(request: Fixtures.get(Fixtures.torchWheel), response: head, archivingRefused: true) != .keepBody(.archived))
        let record = try fixture.record(Fixtures.get(Fixtures.torchWheel), head, body: "partial")
        #expect(record.disposition == .refused)
        #expect(record.bodyDigest == nil)
        #expect(!(try fixture.verdict(Fixtures.get(Fixtures.torchWheel), .archive)).isSatisfiable)
    }

    @Test("a caller can ask for refused 200s to be archived without an index policy")
    func archivingOnRequest() throws {
        let fixture = try TestStore()
        let head = Fixtures.response(200, ["Cache-Control": "no-store"])
        #expect(try fixture.store.recordingPlan(request: Fixtures.get(Fixtures.torchPage), response: head, archivingRefused: true) == .keepBody(.archived))
        let body = try fixture.store.put(bytes: Array("<html>".utf8))
        let record = try fixture.store.record(request: Fixtures.get(Fixtures.torchPage), response: head, body: body,
                                              requestTime: Fixtures.seen, responseTime: Fixtures.seen, archivingRefused: true)
        #expect(record.disposition == .archived)
        #expect(try fixture.verdict(Fixtures.get(Fixtures.torchPage), .archive).isSatisfiable)
    }

    @Test("recording a large page parses it outside the write lock: another writer with a short busy timeout is never refused", TestMetadata.sqliteOnly)
    func largePageDoesNotHoldTheWriteLock() async throws {
        let fixture = try TestStore()
        // Many megabytes to parse, few rows to write: what holds the lock is then the parse, if
        // it happens inside.
        var html = "<html><body>\n"
        for index in 0..<60_000 {
            html += "<a href=\"/f/torch-\(index).0.installer.exe#sha256=\(String(repeating: "a", count: 64))\" data-requires-python=\"&gt;=3.8\">torch-\(index).0.exe</a><br/>\n"
        }
        for index in 0..<10 {
            html += "<a href=\"/f/torch-\(index).0-cp311-cp311-linux_x86_64.whl\">torch-\(index).0-cp311-cp311-linux_x86_64.whl</a>\n"
        }
        let body = try fixture.store.put(bytes: Array(html.utf8))
        var impatient = Store.Options()
        impatient.busyTimeout = 1
        let other = try Store.open(at: fixture.root, options: impatient)
        let done = Mutex(false)
        let recording = Task.detached {
            defer { done.withLock { $0 = true } }
            return try fixture.store.record(
                request: Fixtures.get(Fixtures.torchPage), response: Fixtures.response(200, ["Content-Type": "text/html", "Cache-Control": "max-age=600"]),
                body: body, requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        }
        var puts = 0
        while !done.withLock({ $0 }) {
            _ = try other.put(bytes: Array("concurrent \(puts)".utf8))
            puts += 1
        }
        let record = try await recording.value
        #expect(record.disposition == .stored)
        #expect(try fixture.store.indexedFiles(forPage: Fixtures.torchPage).count == 10)
        #expect(puts > 1, "the other writer kept writing while the page was parsed")
    }

    @Test("without an archive policy the plan is to discard a refused body")
    func discardPlan() throws {
        let fixture = try TestStore()
        let plan = try fixture.store.recordingPlan(request: Fixtures.get(Fixtures.torchPage), response: Fixtures.response(200, ["Cache-Control": "no-store"]))
        #expect(plan == .discardBody(refusalReasons: [.noStoreResponse]))
    }

    @Test("a URL never fetched says so, names the last failed attempt, and its hint is the command to run")
    func neverFetched() throws {
        let fixture = try TestStore()
        #expect(try fixture.verdict(Fixtures.get(Fixtures.pypiPage), .offline).reasons.map(\.code) == ["never-fetched"])
        let hint = try #require(try fixture.verdict(Fixtures.get("https://u:pw@pypi.org/simple/torch/"), .offline).reasons.first?.hint)
        #expect(hint == "fetch it once while online: artifact-store fetch 'https://pypi.org/simple/torch/'", "no placeholder, no credentials")
        let quoted = try #require(try fixture.verdict(Fixtures.get("https://h/simple/it's/"), .offline).reasons.first?.hint)
        #expect(quoted.hasSuffix(#"artifact-store fetch 'https://h/simple/it'\''s/'"#), "pasteable into a shell: \(quoted)")
        try fixture.store.recordFailure(request: Fixtures.get(Fixtures.pypiPage), error: "connection refused by https://u:pw@pypi.org/", at: Fixtures.seen)
        let reason = try #require(try fixture.verdict(Fixtures.get(Fixtures.pypiPage), .offline).reasons.first)
        #expect(reason.code == "never-fetched")
        #expect(reason.message.contains("connection refused"))
        #expect(!reason.message.contains("pw@"))
    }

    @Test("a variant fetched with another Accept is a Vary mismatch naming both values")
    func varyMismatch() throws {
        let fixture = try TestStore()
        try fixture.record(Fixtures.get(Fixtures.pypiPage, ["Accept": "application/vnd.pypi.simple.v1+json"]),
                           Fixtures.response(200, ["Cache-Control": "max-age=600, public", "Vary": "Accept", "Content-Type": "application/vnd.pypi.simple.v1+json"]),
                           body: "{}")
        let html = try fixture.verdict(Fixtures.get(Fixtures.pypiPage, ["Accept": "text/html"]), .offline)
        guard case .varyMismatch(let header, let stored, let requested, let relaxed)? = html.reasons.first else {
            Issue.record("expected a Vary mismatch: \(html)")
            return
        }
        #expect(header.lowercased() == "accept")
        #expect(stored == "application/vnd.pypi.simple.v1+json")
        #expect(requested == "text/html")
        #expect(!relaxed)
        let pip = try fixture.verdict(Fixtures.get(Fixtures.pypiPage, ["Accept": Fixtures.pipAccept]), .offline)
        guard case .varyMismatch(_, _, _, let relaxedForPip)? = pip.reasons.first else {
            Issue.record("expected a Vary mismatch: \(pip)")
            return
        }
        #expect(relaxedForPip, "pip accepts the stored JSON content type")
        #expect(try fixture.verdict(Fixtures.get(Fixtures.pypiPage, ["Accept": "application/vnd.pypi.simple.v1+json"]), .online, after: 10).isSatisfiable)
    }

    @Test("a body whose blob file is gone, or quarantined, makes the response unusable with that reason", TestMetadata.localBlobs)
    func bodyMissingOrCorrupt() throws {
        let fixture = try TestStore()
        let record = try fixture.record(Fixtures.get(Fixtures.torchWheel), Fixtures.response(200, ["Cache-Control": "max-age=3600"]), body: "wheel")
        let digest = try #require(record.bodyDigest)
        try fixture.tamper(digest, with: Array("whee!".utf8))
        #expect(throws: StoreError.self) { try fixture.store.read(digest) }
        #expect(try fixture.verdict(Fixtures.get(Fixtures.torchWheel), .offline).reasons.map(\.code) == ["body-corrupt"])

        let other = try fixture.record(Fixtures.get(Fixtures.torchPage), Fixtures.response(200, ["Cache-Control": "max-age=3600"]), body: "page")
        try FileManager.default.removeItem(atPath: fixture.blobPath(try #require(other.bodyDigest)))
        #expect(try fixture.verdict(Fixtures.get(Fixtures.torchPage), .offline).reasons.map(\.code) == ["body-missing"])
    }

    @Test("PyTorch's newer max-age=600, must-revalidate page: fresh online, then stale; offline overrides must-revalidate")
    func mustRevalidate() throws {
        let fixture = try TestStore()
        try fixture.record(Fixtures.get(Fixtures.torchPage), Fixtures.response(200, ["Cache-Control": "max-age=600, public, must-revalidate"]), body: "<html>")
        #expect(try fixture.verdict(Fixtures.get(Fixtures.torchPage), .online, after: 599).isSatisfiable)
        let stale = try fixture.verdict(Fixtures.get(Fixtures.torchPage), .online, after: 4200)
        guard case .staleNotAllowed(let by, _, .online)? = stale.reasons.first else {
            Issue.record("expected stale-not-allowed: \(stale)")
            return
        }
        #expect(by == 3600)
        #expect(stale.reasons.first?.message.contains("1h") == true)
        guard case .stale(3600, let because)? = try fixture.verdict(Fixtures.get(Fixtures.torchPage), .offline, after: 4200).satisfied?.freshness else {
            Issue.record("offline serves the stale page")
            return
        }
        #expect(because.contains("must-revalidate"))
    }

    @Test("a 304 freshens the stored response; the conditional request uses its ETag")
    func notModified() throws {
        let fixture = try TestStore()
        try fixture.record(Fixtures.get(Fixtures.pypiPage), Fixtures.response(200, ["Cache-Control": "max-age=600", "ETag": "\"v1\"", "X-PyPI-Last-Serial": "1"]), body: "page")
        let conditional = try #require(try fixture.store.conditionalHeaders(for: Fixtures.get(Fixtures.pypiPage)))
        #expect(conditional.combinedValue(for: "If-None-Match") == "\"v1\"")
        #expect(try fixture.verdict(Fixtures.get(Fixtures.pypiPage), .online, after: 700).reasons.first?.code == "stale-not-allowed")

        let later = Fixtures.seen.addingTimeInterval(700)
        let freshened = try fixture.store.recordNotModified(request: Fixtures.get(Fixtures.pypiPage),
                                                            response: Fixtures.response(304, ["ETag": "\"v1\"", "X-PyPI-Last-Serial": "2"]),
                                                            requestTime: later, responseTime: later)
        #expect(freshened?.responseHeaders.combinedValue(for: "X-PyPI-Last-Serial") == "2")
        #expect(try fixture.verdict(Fixtures.get(Fixtures.pypiPage), .online, after: 800).isSatisfiable)
        #expect(try fixture.store.observations(for: Fixtures.pypiPage).map(\.outcome) == [.stored, .notModified])
    }

    @Test("a 500 without explicit freshness is refused as not cacheable")
    func serverError() throws {
        let fixture = try TestStore()
        let record = try fixture.record(Fixtures.get(Fixtures.pypiPage), Fixtures.response(500, [:]), body: "oops")
        #expect(record.disposition == .refused)
        #expect(try fixture.verdict(Fixtures.get(Fixtures.pypiPage), .offline).reasons.map(\.code) == ["status-not-cacheable"])
    }

    @Test("credentials never reach any file of the store")
    func noSecretsOnDisk() throws {
        let fixture = try TestStore()
        let secret = "s3cret-planted-\(UUID().uuidString)"
        let request = HTTPRequestHead(method: "GET", url: "https://user:\(secret)@pypi.example/simple/torch/",
                                      headers: ["Authorization": "Basic \(secret)", "Cookie": "session=\(secret)", "Proxy-Authorization": secret, "Accept": "text/html"])
        let response = HTTPResponseHead(status: 200, headers: ["Cache-Control": "max-age=60", "Set-Cookie": "id=\(secret)", "Vary": "Accept, Authorization, Cookie"])
        let record = try fixture.store.record(request: request, response: response, body: try fixture.store.put(bytes: Array("page".utf8)),
                                              requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        #expect(record.url == "https://pypi.example/simple/torch/")
        try fixture.store.recordFailure(request: request, error: "timeout fetching https://user:\(secret)@pypi.example/simple/torch/", at: Fixtures.seen)
        _ = try fixture.store.recordingPlan(request: request, response: response)

        let enumerator = try #require(FileManager.default.enumerator(atPath: fixture.root.path(percentEncoded: false)))
        var checked = 0
        while let path = enumerator.nextObject() as? String {
            let full = fixture.root.appending(path: path).path(percentEncoded: false)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: full))
            #expect(data.range(of: Data(secret.utf8)) == nil, "the secret is in \(path)")
            checked += 1
        }
        #expect(checked >= 3)
    }

    @Test("URLs are normalized, and other schemes are refused", arguments: [
        ("HTTPS://PyPI.org:443/simple/%7etorch/", "https://pypi.org/simple/~torch/"),
        ("https://pypi.org/simple/torch/#frag", "https://pypi.org/simple/torch/"),
        ("http://h:80/a%2fb", "http://h/a%2Fb"),
        ("https://u:p@h/x", "https://h/x"),
        ("https://h/whl/torch-2.0.1+cpu-cp311-none-any.whl", "https://h/whl/torch-2.0.1%2Bcpu-cp311-none-any.whl"),
        ("https://h/whl/torch-2.0.1%2bcpu-cp311-none-any.whl", "https://h/whl/torch-2.0.1%2Bcpu-cp311-none-any.whl"),
        ("https://h/a+b/c?q=x+y", "https://h/a%2Bb/c?q=x+y"),
        ("https://u:p@h/a+b", "https://h/a%2Bb"),
    ])
    func normalization(input: String, expected: String) throws {
        #expect(try NormalizedURL(input).text == expected)
    }

    @Test("a NormalizedURL normalizes to itself, and decodes only from a URL the store records", arguments: [
        "HTTPS://PyPI.org:443/simple/%7etorch/", "https://u:p@h/a+b", "https://h/a+b/c?q=x+y",
    ])
    func normalizedURLIsAFixedPoint(input: String) throws {
        let url = try NormalizedURL(input)
        #expect(try NormalizedURL(url.text) == url)
        let encoded = try JSONEncoder().encode(url)
        #expect(try JSONDecoder().decode(NormalizedURL.self, from: encoded) == url)
        #expect(throws: (any Error).self) { try JSONDecoder().decode(NormalizedURL.self, from: Data(#""ftp://h/x""#.utf8)) }
    }

    @Test("a store recorded before + and %2B were one URL is migrated: the + rows answer under either spelling", TestMetadata.sqliteOnly)
    func plusRowsAreMigrated() throws {
        let fixture = try TestStore()
        try fixture.record(Fixtures.get(Fixtures.torchWheel), Fixtures.response(200, ["Cache-Control": "max-age=31536000, immutable"]), body: "wheel bytes")
        // As an older build recorded it: the + spelling, its url_key, and migration 0011 not yet run.
        let database = fixture.root.path(percentEncoded: false) + "/store.sqlite"
        let plus = Fixtures.torchWheel.replacingOccurrences(of: "%2B", with: "+")
        #expect(try runSQLite(database, "UPDATE response SET url = '\(plus)', url_key = NULL; UPDATE observation SET url = '\(plus)'; INSERT INTO pin (url_pattern, created_at) VALUES ('https://download.pytorch.org/whl/cpu/torch-2.0.1+cpu*', 0); DELETE FROM grdb_migrations WHERE identifier LIKE '0011%'") == 0)

        let reopened = try Store.open(at: fixture.root)
        for spelling in [plus, Fixtures.torchWheel] {
            let verdict = try reopened.verdict(for: Fixtures.get(spelling), policy: .offline, at: Fixtures.seen)
            #expect(verdict.isSatisfiable, "\(spelling): \(verdict.reasons)")
        }
        #expect(try reopened.pins().map(\.target) == [.urlPattern("https://download.pytorch.org/whl/cpu/torch-2.0.1%2Bcpu*")])
    }

    @Test("non-HTTP URLs are refused with a clear error", arguments: ["file:///etc/passwd", "ftp://h/x", "torch", "https:///nohost"])
    func badURLs(url: String) throws {
        let fixture = try TestStore()
        expectStoreError(.invalidInput) { try fixture.store.verdict(for: Fixtures.get(url), policy: .offline) }
    }

    @Test("the history of a URL is bounded")
    func boundedHistory() throws {
        let directory = try TemporaryDirectory()
        var options = Store.Options()
        options.observationsPerURL = 3
        let store = try Store.open(at: directory.url, options: options)
        for index in 0..<7 {
            try store.record(request: Fixtures.get(Fixtures.pypiPage), response: Fixtures.response(200, ["Cache-Control": "max-age=\(index)"]),
                             body: nil, requestTime: Fixtures.seen, responseTime: Fixtures.seen.addingTimeInterval(Double(index)))
        }
        let history = try store.observations(for: Fixtures.pypiPage)
        #expect(history.count == 3)
        #expect(history.map(\.at.unixSeconds) == [4, 5, 6].map { 1_772_534_520 + $0 })
        #expect(try store.responses(for: Fixtures.pypiPage).count == 1, "one current row per URL and variant")
    }

    @Test("a response recorded over another takes every column of the new one, under the old id", arguments: [Fixtures.pypiPage, Fixtures.torchWheel])
    func replacedRowHoldsOnlyTheNewResponse(url: String) throws {
        let (fixture, fresh) = (try TestStore(), try TestStore())
        let later = Fixtures.seen.addingTimeInterval(100)
        // Stored with a body, Vary and validators; then refused, without a body, other headers.
        let first = try fixture.record(Fixtures.get(url, ["Accept-Encoding": "gzip"]),
                                       Fixtures.response(200, ["Cache-Control": "max-age=600, public", "Vary": "Accept-Encoding", "ETag": "\"a\""]), body: "one")
        let again = Fixtures.get(url, ["Accept-Encoding": "gzip"])
        let refused = Fixtures.response(200, ["Cache-Control": "no-store", "Vary": "Accept-Encoding", "X-Served-By": "cache-2"])
        let second = try fixture.record(again, refused, at: later)
        let alone = try fresh.record(again, refused, at: later)
        #expect(second.id == first.id)
        var expected = alone
        expected.id = first.id
        #expect(try fixture.store.responses(for: url) == [expected])
        #expect(try fixture.store.observations(for: url).map(\.outcome) == [.stored, .refused])
    }

    @Test("a store from before migration 0019 (storability checked with IN) keeps every row, index and reference; the check still holds", TestMetadata.sqliteOnly)
    func responseTableIsRebuiltWithTheSameRows() throws {
        let fixture = try TestStore()
        try fixture.record(Fixtures.get(Fixtures.torchWheel), Fixtures.response(200, ["Cache-Control": "max-age=31536000, immutable"]), body: "wheel bytes")
        try fixture.record(Fixtures.get(Fixtures.pypiPage, ["Accept": Fixtures.pipAccept]), Fixtures.response(200, ["Cache-Control": "no-store"]))
        let rows = try fixture.store.responses(for: Fixtures.torchWheel) + fixture.store.responses(for: Fixtures.pypiPage)
        // As a build before 0019 left it: the same table, its check an IN list.
        let database = fixture.root.path(percentEncoded: false) + "/store.sqlite"
        #expect(try runSQLite(database, """
            PRAGMA writable_schema = ON;
            UPDATE sqlite_schema SET sql = replace(sql, 'storability = ''stored'' OR storability = ''refused'' OR storability = ''archived''',
                'storability IN (''stored'', ''refused'', ''archived'')') WHERE name = 'response';
            PRAGMA writable_schema = OFF;
            DELETE FROM grdb_migrations WHERE identifier LIKE '0019%';
            """) == 0)
        let schema = "SELECT sql FROM sqlite_schema WHERE name = 'response'"
        #expect(try DatabaseQueue(path: database).read { db in try String.fetchOne(db, sql: schema) }?.contains("storability IN (") == true)

        let reopened = try Store.open(at: fixture.root)
        #expect(try reopened.responses(for: Fixtures.torchWheel) + reopened.responses(for: Fixtures.pypiPage) == rows)
        #expect(try reopened.verdict(for: Fixtures.get(Fixtures.torchWheel), policy: .offline, at: Fixtures.seen).isSatisfiable)
        let queue = try DatabaseQueue(path: database)
        let (rebuilt, indexes, wheels, violations) = try queue.read { db in
            (try String.fetchOne(db, sql: schema) ?? "",
             try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'response' ORDER BY name"),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM wheel_response w JOIN response r ON r.id = w.response_id"),
             try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count)
        }
        #expect(!rebuilt.contains("storability IN ("))
        #expect(indexes == ["response_by_body", "response_by_key", "response_by_url_key", "response_refused_by_time"])
        // The wheel's derived row still names its response.
        #expect(wheels == 1)
        #expect(violations == 0)
        #expect(throws: DatabaseError.self) { try queue.write { db in try db.execute(sql: "UPDATE response SET storability = 'kept'") } }
    }

    @Test("recording again replaces the row and its body reference")
    func replaces() throws {
        let fixture = try TestStore()
        let first = try fixture.record(Fixtures.get(Fixtures.pypiPage), Fixtures.response(200, ["Cache-Control": "max-age=60"]), body: "one")
        let second = try fixture.record(Fixtures.get(Fixtures.pypiPage), Fixtures.response(200, ["Cache-Control": "max-age=60"]), body: "two", at: Fixtures.seen.addingTimeInterval(100))
        #expect(first.id == second.id)
        #expect(first.bodyDigest != second.bodyDigest)
        let verdict = try fixture.verdict(Fixtures.get(Fixtures.pypiPage), .online, after: 110)
        #expect(verdict.satisfied?.record.bodyDigest == second.bodyDigest)
    }
}

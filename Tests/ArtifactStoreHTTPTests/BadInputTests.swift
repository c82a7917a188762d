import ArtifactStore
import ArtifactStoreHTTP
import Foundation
import HTTPCaching
import Testing

@Suite("Fetching bad input")
struct BadInputTests {
    @Test func credentialsInTheURLAreSentAsBasicAuthButNeverWrittenToTheStore() async throws {
        let password = "PLANTED-pa55word-7f3a"
        let cookie = "session=PLANTED-cookie-91c2"
        let token = "Bearer PLANTED-token-44aa"
        try await withHarness(configure: { $0.keepsUnstoredBodies = true }) { (h: Harness) async throws in
            var fixture = Fixtures.wheel()
            fixture.headers.append(("Set-Cookie", "tracking=PLANTED-set-cookie-0b1d; Path=/"))
            h.server.set("/private/simple/torch/", fixture)
            h.server.set("/private/fail", Fixture(status: 302, headers: [("Location", "http://127.0.0.1:1/unreachable")]))
            let url = "http://alice:\(password)@127.0.0.1:\(h.server.port)/private/simple/torch/"
            let result = try await h.client.fetch(FetchRequest(url: url, headers: ["Cookie": cookie]))
            #expect(result.status == 200)
            #expect(result.url == h.server.url("/private/simple/torch/"))
            let sent = try #require(h.server.requests(to: "/private/simple/torch/").last)
            #expect(sent.header("Authorization") == "Basic " + Data("alice:\(password)".utf8).base64EncodedString())
            #expect(sent.header("Cookie") == cookie)

            // A failure, an explicit Authorization and offline lookups with credentials.
            _ = await fetchError {
                try await h.client.fetch(FetchRequest(url: "http://alice:\(password)@127.0.0.1:\(h.server.port)/private/fail", headers: ["Authorization": token]))
            }
            _ = try await h.client.fetch(FetchRequest(url: url), mode: .offline)
            _ = await fetchError { try await h.client.fetch(FetchRequest(url: "http://alice:\(password)@127.0.0.1:1/never"), mode: .offline) }

            let secrets = [password, Data("alice:\(password)".utf8).base64EncodedString(), "PLANTED-cookie", "PLANTED-token", "PLANTED-set-cookie"]
            let leaks = try filesContaining(secrets, under: h.storePath)
            #expect(leaks.isEmpty, "secrets found in \(leaks)")
        }
    }

    @Test func credentialsAreNotForwardedToAnotherOriginOnRedirect() async throws {
        try await withHarness { (h: Harness) async throws in
            let other = try await TestServer.start()
            defer { Task { await other.stop() } }
            other.set("/files/x.whl", Fixtures.wheel())
            h.server.set("/simple/x/", Fixture(status: 302, headers: [("Location", other.url("/files/x.whl"))]))
            let url = "http://bob:hunter2@127.0.0.1:\(h.server.port)/simple/x/"
            let result = try await h.client.fetch(FetchRequest(url: url, headers: ["Authorization": "Basic Ym9iOmh1bnRlcjI=", "X-Api-Token": "t0ken", "Accept": "*/*"]))
            #expect(result.status == 200)
            #expect(h.server.requests(to: "/simple/x/").last?.header("Authorization") != nil)
            #expect(h.server.requests(to: "/simple/x/").last?.header("X-Api-Token") == "t0ken")
            #expect(other.requests(to: "/files/x.whl").last?.header("Authorization") == nil)
            #expect(other.requests(to: "/files/x.whl").last?.header("X-Api-Token") == nil, "a custom field is not known to be safe")
            #expect(other.requests(to: "/files/x.whl").last?.header("Accept") == "*/*")
            await other.stop()
        }
    }

    @Test(arguments: ["ftp://files.pythonhosted.org/x.whl", "file:///etc/passwd", "javascript:alert(1)", "git+https://github.com/pypa/pip", "data:text/plain,hi"])
    func nonHTTPSchemesAreRefusedBeforeAnythingIsRecorded(url: String) async throws {
        try await withHarness { (h: Harness) async throws in
            let error = await fetchError { try await h.client.fetch(FetchRequest(url: url)) }
            guard case .unsupportedScheme(_, let shown)? = error else {
                Issue.record("expected unsupportedScheme, got \(String(describing: error))")
                return
            }
            #expect(shown == url)
            #expect(error!.description.contains("only http and https"))
            #expect(try h.blobCount() == 0)
        }
    }

    @Test(arguments: ["", "pypi.org/simple/", "/simple/torch/", "http://", "https:///path"])
    func malformedURLsAreRejectedAsInvalid(url: String) async throws {
        try await withHarness { (h: Harness) async throws in
            let error = await fetchError { try await h.client.fetch(FetchRequest(url: url)) }
            guard case .invalidURL? = error else {
                Issue.record("expected invalidURL for \(url), got \(String(describing: error))")
                return
            }
        }
    }

    @Test func methodsOtherThanGetAndHeadAreRefused() async throws {
        try await withHarness { (h: Harness) async throws in
            let error = await fetchError { try await h.client.fetch(FetchRequest(url: h.server.url("/x"), method: "POST")) }
            guard case .unsupportedMethod("POST")? = error else {
                Issue.record("expected unsupportedMethod, got \(String(describing: error))")
                return
            }
        }
    }

    @Test func tenMegabytesOfResponseHeadersFailCleanlyAndNothingIsStored() async throws {
        let huge = String(repeating: "a", count: 10 << 20)
        let raw = try RawServer(response: Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Huge: \(huge)\r\n\r\nok".utf8))
        defer { raw.stop() }
        try await withHarness { (h: Harness) async throws in
            let url = raw.baseURL + "/huge"
            let error = await fetchError { try await h.client.fetch(FetchRequest(url: url)) }
            guard case .headersTooLarge? = error else {
                Issue.record("expected headersTooLarge, got \(String(describing: error))")
                return
            }
            #expect(try h.blobCount() == 0)
            #expect(try h.store.responses(for: url).isEmpty)
            #expect(try h.store.observations(for: url).map(\.outcome) == [.failed])
        }
    }

    @Test func headersOverTheConfiguredLimitAreRejected() async throws {
        try await withHarness(configure: { $0.maximumHeaderBytes = 1024 }) { (h: Harness) async throws in
            h.server.set("/fat", Fixture(headers: [("X-Padding", String(repeating: "p", count: 4096))], body: [1, 2, 3]))
            let error = await fetchError { try await h.fetch("/fat") }
            guard case .headersTooLarge(_, 1024)? = error else {
                Issue.record("expected headersTooLarge, got \(String(describing: error))")
                return
            }
            #expect(try h.store.responses(for: h.server.url("/fat")).isEmpty)
        }
    }

    @Test func bodyShorterThanContentLengthIsNotStoredAndRecordedAsAFailure() async throws {
        let raw = try RawServer(response: Array("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nCache-Control: max-age=600\r\n\r\nonly-ten-b".utf8))
        defer { raw.stop() }
        try await withHarness { (h: Harness) async throws in
            let url = raw.baseURL + "/truncated.whl"
            let error = await fetchError { try await h.client.fetch(FetchRequest(url: url)) }
            guard case .bodyLengthMismatch(_, 1000, let received)? = error else {
                Issue.record("expected bodyLengthMismatch, got \(String(describing: error))")
                return
            }
            #expect(received == 10)
            #expect(try h.blobCount() == 0)
            #expect(try h.temporaryFiles().isEmpty)
            #expect(try h.store.responses(for: url).isEmpty)
            #expect(try h.store.observations(for: url).map(\.outcome) == [.failed])
            #expect(try h.store.verdict(for: HTTPRequestHead(url: url), policy: .offline).reasons.map(\.code) == ["never-fetched"])
        }
    }

    @Test func bodyLongerThanContentLengthIsNeverStoredAsTheLongerBody() async throws {
        // HTTP/1.1 framing ends the body at Content-Length: the surplus is not part of it. The
        // response is either stored with exactly the announced bytes or fails; never more.
        let raw = try RawServer(response: Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nCache-Control: max-age=600\r\n\r\nhello, and then some surplus bytes".utf8))
        defer { raw.stop() }
        try await withHarness { (h: Harness) async throws in
            let url = raw.baseURL + "/long.whl"
            do {
                let result = try await h.client.fetch(FetchRequest(url: url))
                #expect(try h.bytes(of: result.body) == Array("hello".utf8))
                #expect(result.body.size == 5)
            } catch let error as FetchError {
                #expect(try h.blobCount() == 0, "failed with \(error) but stored a blob")
            }
            #expect(try h.temporaryFiles().isEmpty)
        }
    }

    @Test func connectionClosedMidChunkedBodyIsNotStored() async throws {
        let raw = try RawServer(response: Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nCache-Control: max-age=600\r\n\r\n5\r\nhello\r\n40\r\npartial".utf8))
        defer { raw.stop() }
        try await withHarness { (h: Harness) async throws in
            let url = raw.baseURL + "/chunked.whl"
            let error = await fetchError { try await h.client.fetch(FetchRequest(url: url)) }
            #expect(error != nil)
            #expect(try h.blobCount() == 0)
            #expect(try h.store.responses(for: url).isEmpty)
            #expect(try h.store.observations(for: url).map(\.outcome) == [.failed])
        }
    }
}

/// The files under `root` whose bytes contain any of `needles`.
func filesContaining(_ needles: [String], under root: String) throws -> [String] {
    var hits: [String] = []
    let enumerator = FileManager.default.enumerator(atPath: root)
    while let relative = enumerator?.nextObject() as? String {
        let path = root + "/" + relative
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        for needle in needles where data.range(of: Data(needle.utf8)) != nil {
            hits.append("\(relative): \(needle)")
        }
    }
    return hits
}

@Suite("Credentials from .netrc")
struct NetrcTests {
    @Test("machines, default, quoting and macdef are read as curl reads them")
    func parsing() {
        let netrc = Netrc(parsing: """
            # a comment
            machine pkgs.example.com login bob password "two words"
            macdef init
            machine evil.example.com login x password y

            machine Other.Example.com
              login carol
              password s3cret
            default login anonymous password guest
            """)
        #expect(netrc.credentials(for: "pkgs.example.com") == Netrc.Credentials(login: "bob", password: "two words"))
        #expect(netrc.credentials(for: "other.example.com") == Netrc.Credentials(login: "carol", password: "s3cret"))
        #expect(netrc.machines["evil.example.com"] == nil, "a macro body is not an entry")
        #expect(netrc.credentials(for: "anything.else") == Netrc.Credentials(login: "anonymous", password: "guest"))
        #expect(Netrc(parsing: "machine h password p").credentials(for: "h") == nil, "no login, no entry")
    }

    @Test("netrc credentials go to their own host only, never to another on a redirect, and are never recorded")
    func sentToTheirHostOnly() async throws {
        let other = try await TestServer.start()
        try await withHarness(configure: { $0.netrc = Netrc(parsing: "machine 127.0.0.1 login bob password hunter2") }) { (h: Harness) async throws in
            other.set("/files/x.whl", Fixtures.wheel())
            // Another origin: same address, another port; .netrc names hosts, so a redirect to
            // "localhost" is a host without credentials.
            h.server.set("/simple/x/", Fixture(status: 302, headers: [("Location", "http://localhost:\(other.port)/files/x.whl")]))
            let result = try await h.client.fetch(FetchRequest(url: h.server.url("/simple/x/")))
            #expect(result.status == 200)
            #expect(h.server.requests(to: "/simple/x/").last?.header("Authorization") == "Basic Ym9iOmh1bnRlcjI=")
            #expect(other.requests(to: "/files/x.whl").last?.header("Authorization") == nil)
            let files = FileManager.default.enumerator(atPath: h.storePath)?.compactMap { $0 as? String } ?? []
            for file in files {
                guard let data = FileManager.default.contents(atPath: h.storePath + "/" + file) else { continue }
                let text = String(decoding: data, as: UTF8.self)
                #expect(!text.contains("hunter2") && !text.contains("Ym9iOmh1bnRlcjI"), "\(file)")
            }
        }
        await other.stop()
    }
}

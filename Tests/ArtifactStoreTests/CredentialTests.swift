import ArtifactStore
import Foundation
import HTTPCaching
import Testing
import TestSupport

@Suite("Credentials never reach the disk or the output")
struct CredentialTests {
    /// Every byte of every file under the store, as text.
    static func everyFile(_ fixture: TestStore) -> String {
        let root = fixture.root.path(percentEncoded: false)
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        return files.compactMap { FileManager.default.contents(atPath: root + "/" + $0) }.map { String(decoding: $0, as: UTF8.self) }.joined()
    }

    @Test("a URL pin is stored without its password, normalized like the URLs it matches")
    func pinPatterns() throws {
        let fixture = try TestStore()
        let pin = try fixture.store.pin(.urlPattern("https://bob:hunter2@Download.PyTorch.org/whl/*"))
        guard case .urlPattern(let pattern) = pin.target else {
            Issue.record("expected a URL pin, got \(pin.target)")
            return
        }
        #expect(pattern == "https://download.pytorch.org/whl/*")
        // A + in the path is written as the URLs it must match are recorded.
        let plus = try fixture.store.pin(.urlPattern("https://download.pytorch.org/whl/torch-2.0.1+cpu*"))
        #expect(plus.target == .urlPattern("https://download.pytorch.org/whl/torch-2.0.1%2Bcpu*"))
        #expect(try fixture.store.unpin(.urlPattern("https://Download.pytorch.org/whl/*")))
        #expect(!Self.everyFile(fixture).contains("hunter2"))
    }

    @Test("a redirect's Location with user:password@ is stored without them")
    func locationUserinfo() throws {
        let fixture = try TestStore()
        try fixture.store.record(
            request: Fixtures.get("https://pkgs.example.com/simple/x/"),
            response: Fixtures.response(302, ["Location": "https://bob:hunter2@files.example.com/x.whl", "Content-Location": "https://bob:hunter2@h/"]),
            body: nil, requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        let record = try #require(try fixture.store.responses(for: "https://pkgs.example.com/simple/x/").first)
        #expect(record.responseHeaders.values(for: "Location") == ["https://files.example.com/x.whl"])
        #expect(!Self.everyFile(fixture).contains("hunter2"))
    }

    @Test("Vary: Authorization and Vary: Cookie still select variants, by a keyed hash: never the credential itself", arguments: ["Authorization", "Cookie"])
    func credentialsSelectVariants(field: String) throws {
        let fixture = try TestStore()
        let url = "https://pkgs.example.com/simple/private/"
        let body = try fixture.store.put(bytes: Array("<html>private</html>".utf8))
        try fixture.store.record(
            request: Fixtures.get(url, [field: "token-A-s3cret"]),
            response: Fixtures.response(200, ["Cache-Control": "max-age=600", "Vary": field, "Content-Type": "text/html"]),
            body: body, requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        func usable(_ headers: HeaderFields) throws -> Bool {
            try fixture.store.verdict(for: Fixtures.get(url, headers), policy: .offline, at: Fixtures.seen.addingTimeInterval(10)).isSatisfiable
        }
        #expect(try usable([field: "token-A-s3cret"]), "the same credential gets the stored variant")
        #expect(try !usable([field: "token-B"]), "another credential does not")
        #expect(try !usable([:]), "no credential does not")
        let reason = try fixture.store.verdict(for: Fixtures.get(url, [field: "token-B"]), policy: .offline).reasons.first
        #expect(reason?.code == "vary-mismatch")
        #expect(reason?.message.contains("s3cret") == false)
        #expect(!Self.everyFile(fixture).contains("s3cret"))
    }

    @Test("can-install never reports an --index URL's password")
    func indexPasswords() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, torchWheels)
        let verdict = try f.canInstall("torch==2.0.1", indexes: ["https://bob:hunter2@download.pytorch.org/whl/cpu"])
        #expect(!"\(verdict)".contains("hunter2"))
        #expect(verdict.indexes.first?.index == "https://download.pytorch.org/whl/cpu")
    }
}

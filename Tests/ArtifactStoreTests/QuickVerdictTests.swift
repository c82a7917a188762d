@testable import ArtifactStore
import Foundation
import GRDB
import HTTPCaching
import Testing
import TestSupport

/// The verdict's quick path (the reuse summary stored with each row) against the full
/// evaluation of the row's headers, which is the reference.
@Suite("Quick verdicts agree with the full evaluation")
struct QuickVerdictTests {
    static let page = Fixtures.pypiPage
    static let otherAccept = "text/html"

    /// Response heads the indexes send, recorded for `page`.
    static let responses: [(name: String, status: Int, headers: HeaderFields, body: String?)] = [
        ("PyPI page", 200, ["Cache-Control": "max-age=600, public", "Vary": "Accept, Accept-Encoding", "ETag": "\"a\"", "Content-Type": "application/vnd.pypi.simple.v1+json"], "{}"),
        ("PyTorch page, must-revalidate", 200, ["Cache-Control": "max-age=600, public, must-revalidate", "Content-Type": "text/html"], "<html>"),
        ("old PyTorch page, no-store", 200, ["Cache-Control": "no-cache,no-store,must-revalidate"], "<html>"),
        ("no-cache with field names", 200, ["Cache-Control": "no-cache=\"Set-Cookie\", max-age=60"], "x"),
        ("immutable file", 200, ["Cache-Control": "max-age=365000000, immutable, public"], "wheel"),
        ("Last-Modified only", 200, ["Last-Modified": "Tue, 01 Aug 2023 00:00:00 GMT", "Date": "Tue, 03 Mar 2026 10:42:00 GMT"], "wheel"),
        ("Age beyond max-age", 200, ["Cache-Control": "max-age=60", "Age": "120"], "x"),
        ("Vary: *", 200, ["Cache-Control": "max-age=600", "Vary": "*"], "x"),
        ("500 without freshness", 500, [:], "oops"),
        ("redirect without body", 301, ["Location": "https://pypi.org/simple/torch-2/", "Cache-Control": "max-age=600"], nil),
    ]

    static let requests: [HeaderFields] = [
        ["Accept": Fixtures.pipAccept],
        ["Accept": Fixtures.pipAccept, "Cache-Control": "max-age=0"],
        ["Accept": Fixtures.pipAccept, "Cache-Control": "max-stale"],
        ["Accept": otherAccept],
        ["Pragma": "no-cache"],
        [:],
    ]

    static let offsets: [TimeInterval] = [-30, 0, 59, 61, 599, 601, 86_400 * 400]

    /// Every request, time and policy against a store holding `records`: the quick answer, when
    /// there is one, is the full one. Returns how many the quick path answered.
    static func compare(_ fixture: TestStore, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        var answered = 0
        for headers in requests {
            let request = HTTPRequestHead(method: "GET", url: page, headers: headers)
            for offset in offsets {
                let now = HTTPDate(secondsSince1970: Int64(Fixtures.seen.timeIntervalSince1970 + offset))
                for policy in CachePolicy.allCases {
                    let full = try fixture.store.fullVerdict(for: StoreRequest(request), policy: policy, now: now)
                    guard let quick = try fixture.store.quickVerdict(for: StoreRequest(request), policy: policy, now: now) else { continue }
                    answered += 1
                    #expect(Verdict.satisfiable(quick) == full, "\(headers) at +\(offset) s, policy \(policy)", sourceLocation: sourceLocation)
                }
            }
        }
        return answered
    }

    @Test("one recorded response of each kind", arguments: responses.indices)
    func single(_ index: Int) throws {
        let fixture = try TestStore()
        let response = Self.responses[index]
        let record = try fixture.record(Fixtures.get(Self.page, ["Accept": Fixtures.pipAccept]), Fixtures.response(response.status, response.headers), body: response.body)
        _ = try Self.compare(fixture)
        guard let digest = record.bodyDigest, let body = response.body else { return }
        // Quarantined: a damaged file found by a read is moved away and its row marked.
        try fixture.tamper(digest, with: Array("damaged".utf8))
        _ = try? fixture.store.read(digest)
        #expect(try fixture.store.blob(digest)?.quarantinedAt != nil)
        _ = try Self.compare(fixture)
        // The good file back in place by hand, the row still quarantined: still not served.
        #expect(FileManager.default.createFile(atPath: fixture.blobPath(digest), contents: Data(body.utf8)))
        _ = try Self.compare(fixture)
        // Once its file is gone.
        try FileManager.default.removeItem(atPath: fixture.blobPath(digest))
        _ = try Self.compare(fixture)
    }

    @Test("two variants of one page, and the same with an index policy or archive")
    func variantsAndPolicies() throws {
        for indexPolicy in [nil, IndexPolicy(urlPrefix: "https://pypi.org/", pageCacheControl: "max-age=60"), IndexPolicy(urlPrefix: "", archiveRefused: true)] {
            let fixture = try TestStore()
            if let indexPolicy { try fixture.store.setIndexPolicy(indexPolicy) }
            try fixture.record(Fixtures.get(Self.page, ["Accept": Fixtures.pipAccept]), Fixtures.response(200, ["Cache-Control": "max-age=600", "Vary": "Accept"]), body: "json")
            try fixture.record(Fixtures.get(Self.page, ["Accept": Self.otherAccept]), Fixtures.response(200, ["Cache-Control": "max-age=600", "Vary": "Accept", "ETag": "\"h\""]),
                               body: "html", at: Fixtures.seen.addingTimeInterval(-100))
            let newest = try fixture.record(Fixtures.get(Self.page), Fixtures.response(200, ["Cache-Control": "no-store"]), body: "refused")
            #expect(try Self.compare(fixture) > 0)
            if let digest = newest.bodyDigest {
                try FileManager.default.removeItem(atPath: fixture.blobPath(digest))
                #expect(try Self.compare(fixture) > 0)
            }
        }
    }

    @Test("the quick path answers the common cases: fresh, and stale offline")
    func answersCommonCases() throws {
        let fixture = try TestStore()
        let request = Fixtures.get(Self.page, ["Accept": Fixtures.pipAccept])
        try fixture.record(request, Fixtures.response(200, ["Cache-Control": "max-age=600, must-revalidate", "Vary": "Accept"]), body: "{}")
        let seen = Int64(Fixtures.seen.timeIntervalSince1970)
        let fresh = try fixture.store.quickVerdict(for: StoreRequest(request), policy: .online, now: HTTPDate(secondsSince1970: seen + 10))
        #expect(fresh?.freshness == .fresh(until: Date(unixSeconds: seen + 600)))
        let stale = try fixture.store.quickVerdict(for: StoreRequest(request), policy: .offline, now: HTTPDate(secondsSince1970: seen + 700))
        #expect(stale?.freshness == .stale(by: 100, allowedBecause: "policy offline serves stale responses, overriding the response's must-revalidate"))
        // What it cannot serve, it leaves to the full evaluation, which explains why.
        #expect(try fixture.store.quickVerdict(for: StoreRequest(request), policy: .online, now: HTTPDate(secondsSince1970: seen + 700)) == nil)
    }

    @Test("the URL key is 64-bit FNV-1a, fixed forever: stores index rows by it")
    func urlKeyNeverChanges() {
        #expect(NormalizedURL.lookupKey("a") == Int64(bitPattern: 0xaf63_dc4c_8601_ec8c))
        #expect(NormalizedURL.lookupKey("https://pypi.org/simple/torch/") == Int64(bitPattern: 0xe3a2_9c24_f2e1_ace1))
    }

    @Test("rows recorded before the summary and URL key existed are decided from their headers")
    func rowsWithoutSummary() throws {
        let fixture = try TestStore()
        let request = Fixtures.get(Self.page, ["Accept": Fixtures.pipAccept])
        try fixture.record(request, Fixtures.response(200, ["Cache-Control": "max-age=600", "Vary": "Accept"]), body: "{}")
        try fixture.store.writeTransaction { db in
            try db.execute(sql: "UPDATE response SET initial_age = NULL, no_cache = NULL, must_revalidate = 0, vary = NULL, url_key = NULL")
        }
        let now = HTTPDate(secondsSince1970: Int64(Fixtures.seen.timeIntervalSince1970) + 10)
        #expect(try fixture.store.quickVerdict(for: StoreRequest(request), policy: .online, now: now) == nil)
        #expect(try fixture.verdict(request, .online, after: 10).satisfied?.freshness == .fresh(until: Date(unixSeconds: now.secondsSince1970 + 590)))
        #expect(try fixture.verdict(Fixtures.get(Self.page, ["Accept": Self.otherAccept]), .offline).reasons.map(\.code) == ["vary-mismatch"])
    }
}

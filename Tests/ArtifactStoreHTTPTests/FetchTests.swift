import ArtifactStore
import ArtifactStoreHTTP
import Foundation
import HTTPCaching
import Testing

@Suite("Fetching through the store")
struct FetchTests {
    // MARK: The seed scenario

    @Test func noStorePageIsRefusedWithItsReasonAndTimeWhileItsWheelIsServedOffline() async throws {
        try await withHarness { (h: Harness) async throws in
            h.server.set("/whl/cpu/torch/", Fixtures.pytorchOldPage())
            h.server.set(Fixtures.wheelPath, Fixtures.wheel())

            let before = Int64(Date().timeIntervalSince1970)
            let page = try await h.fetch("/whl/cpu/torch/")
            #expect(page.source == .network)
            #expect(page.status == 200)
            #expect(page.record.disposition == .refused)
            #expect(page.record.refusalReasons.contains(.noStoreResponse))
            #expect(page.body == .none)  // not kept, and this client does not keep unstored bodies

            let wheel = try await h.fetch(Fixtures.wheelPath)
            #expect(wheel.record.disposition == .stored)
            guard case .stored(let digest, let size) = wheel.body else {
                Issue.record("the wheel was not stored: \(wheel.body)")
                return
            }
            #expect(size == 200_000)
            #expect(try h.store.read(digest) == sampleBytes(200_000))

            // Offline: the page's verdict names no-store and when it was seen; the wheel is there.
            let requestsBefore = h.server.requests(to: "/whl/cpu/torch/").count
            for policy in [CachePolicy.offline, .online, .archive] {
                let reasons = try h.verdict("/whl/cpu/torch/", policy: policy).reasons
                let refused = reasons.first { if case .refused = $0 { return true } else { return false } }
                #expect(refused != nil, "policy \(policy): \(reasons)")
                if case .refused(let codes, let at, let status)? = refused {
                    #expect(codes.contains(.noStoreResponse))
                    #expect(at.unixSeconds >= before && at <= Date())
                    #expect(status == 200)
                    #expect(refused!.message.contains("no-store"))
                    #expect(refused!.message.contains(Timestamp.iso8601(at)))
                    #expect(!refused!.hint.isEmpty)
                }
            }
            #expect(try h.verdict(Fixtures.wheelPath, policy: .offline).satisfied?.record.bodyDigest == digest)
            #expect(try h.verdict(Fixtures.wheelPath, policy: .online).satisfied != nil)  // heuristic: fresh for a day

            let offlineFailure = await fetchError { try await h.fetch("/whl/cpu/torch/", mode: .offline) }
            guard case .unsatisfiable(_, let reasons)? = offlineFailure else {
                Issue.record("expected unsatisfiable, got \(String(describing: offlineFailure))")
                return
            }
            #expect(reasons.contains { $0.code.contains("refused") || $0.message.contains("no-store") })
            let offlineWheel = try await h.fetch(Fixtures.wheelPath, mode: .offline)
            #expect(offlineWheel.source == .store(fresh: true))
            #expect(offlineWheel.body == .stored(digest: digest, size: 200_000))
            #expect(h.server.requests(to: "/whl/cpu/torch/").count == requestsBefore)
        }
    }

    @Test func indexPolicyOverridingNoStoreMakesThePageAvailableOffline() async throws {
        try await withHarness { (h: Harness) async throws in
            h.server.set("/whl/cpu/torch/", Fixtures.pytorchOldPage())
            try h.store.setIndexPolicy(IndexPolicy(urlPrefix: h.server.url("/whl/"), fileCacheControl: "max-age=365000000, immutable", pageCacheControl: "max-age=600"))
            let page = try await h.fetch("/whl/cpu/torch/")
            #expect(page.record.disposition == .stored)
            #expect(page.record.appliedCacheControl == "max-age=600")
            #expect(page.record.responseHeaders.combinedValue(for: "Cache-Control") == "no-cache,no-store,must-revalidate")
            let offline = try await h.fetch("/whl/cpu/torch/", mode: .offline)
            #expect(try h.bytes(of: offline.body) == Fixtures.pytorchOldPage().body)
        }
    }

    @Test func refusedBodyIsHandedToTheCallerInATemporaryFileWhenAsked() async throws {
        try await withHarness(configure: { $0.keepsUnstoredBodies = true }) { (h: Harness) async throws in
            h.server.set("/whl/cpu/torch/", Fixtures.pytorchOldPage())
            let page = try await h.fetch("/whl/cpu/torch/")
            guard case .temporaryFile(let path, let size) = page.body else {
                Issue.record("expected a temporary file, got \(page.body)")
                return
            }
            defer { unlink(path) }
            #expect(path.hasPrefix(h.storePath + "/tmp/"), "a refused (possibly private) body stays in the store's tmp/, where gc cleans up, never in the system's /tmp")
            #expect(size == Int64(Fixtures.pytorchOldPage().body.count))
            #expect(try h.bytes(of: page.body) == Fixtures.pytorchOldPage().body)
            #expect(try h.blobCount() == 0)
        }
    }

    // MARK: Freshness and revalidation

    @Test func pytorchMaxAgePageIsServedFreshFromTheStoreWithoutTouchingTheNetwork() async throws {
        try await withHarness { (h: Harness) async throws in
            h.server.set("/whl/torch/", Fixtures.pytorchNewPage())
            let first = try await h.fetch("/whl/torch/")
            #expect(first.source == .network)
            #expect(first.record.disposition == .stored)
            #expect(first.record.freshnessLifetime == 600)
            let second = try await h.fetch("/whl/torch/")
            #expect(second.source == .store(fresh: true))
            #expect(second.body == first.body)
            #expect(second.freshness.map { if case .fresh = $0 { true } else { false } } == true)
            #expect(h.server.requests(to: "/whl/torch/").count == 1)
            for policy in CachePolicy.allCases {
                #expect(try h.verdict("/whl/torch/", policy: policy).satisfied != nil, "policy \(policy)")
            }
        }
    }

    @Test func pipsMaxAgeZeroRevalidatesThePyPIPageWithIfNoneMatchAndMergesThe304() async throws {
        try await withHarness { (h: Harness) async throws in
            h.server.set("/simple/requests/", Fixtures.pypiPage())
            let pip: HeaderFields = ["Accept": Fixtures.pipAccept, "Cache-Control": "max-age=0"]
            let first = try await h.fetch("/simple/requests/", headers: pip)
            #expect(first.source == .network)
            #expect(first.record.disposition == .stored)
            #expect(try h.bytes(of: first.body) == Fixtures.pypiPage().jsonBody)

            // pip's max-age=0 makes the stored page unusable online without revalidation.
            #expect(try h.verdict("/simple/requests/", headers: pip, policy: .online).satisfied == nil)
            let second = try await h.fetch("/simple/requests/", headers: pip)
            #expect(second.source == .revalidated)
            #expect(second.status == 200)
            #expect(second.body == first.body)
            let requests = h.server.requests(to: "/simple/requests/")
            #expect(requests.count == 2)
            #expect(requests.last?.header("If-None-Match") == "\"serial-4242\"")
            #expect(try h.store.observations(for: h.server.url("/simple/requests/")).map(\.outcome) == [.stored, .notModified])

            // Without pip's max-age=0 the page is fresh for 600 s, online and offline.
            let plain: HeaderFields = ["Accept": Fixtures.pipAccept]
            #expect(try h.verdict("/simple/requests/", headers: plain, policy: .online).satisfied != nil)
            #expect(try h.verdict("/simple/requests/", headers: pip, policy: .offline).satisfied != nil)
        }
    }

    @Test func callersOwnValidatorsNeverReplaceTheStoredResponseWithA304() async throws {
        try await withHarness { (h: Harness) async throws in
            h.server.set("/simple/requests/", Fixtures.pypiPage(etag: "\"v1\""))
            let conditional: HeaderFields = ["Accept": "text/html", "If-None-Match": "\"v1\""]
            // Nothing stored yet: the 304 freshens nothing, so the full page is fetched and stored.
            let first = try await h.fetch("/simple/requests/", headers: conditional)
            #expect(first.status == 200)
            #expect(first.record.disposition == .stored)
            #expect(try h.bytes(of: first.body) == Fixtures.pypiPage().body)
            // Stored: the caller's validators get a 304 that freshens the stored page.
            let second = try await h.fetch("/simple/requests/", headers: conditional.merging(["Cache-Control": "no-cache"]))
            #expect(second.source == .revalidated)
            #expect(second.status == 200)
            #expect(second.body == first.body)
            let rows = try h.store.responses(for: h.server.url("/simple/requests/"))
            #expect(rows.map(\.status) == [200])
        }
    }

    @Test func changedETagReplacesTheStoredPageWithTheNewBody() async throws {
        try await withHarness { (h: Harness) async throws in
            let pip: HeaderFields = ["Accept": "text/html", "Cache-Control": "max-age=0"]
            h.server.set("/simple/requests/", Fixtures.pypiPage(etag: "\"v1\""))
            let first = try await h.fetch("/simple/requests/", headers: pip)
            var changed = Fixtures.pypiPage(etag: "\"v2\"")
            changed.body = Array("<html><body>new serial</body></html>".utf8)
            h.server.set("/simple/requests/", changed)
            let second = try await h.fetch("/simple/requests/", headers: pip)
            #expect(second.source == .network)
            #expect(second.body != first.body)
            #expect(try h.bytes(of: second.body) == changed.body)
            #expect(try h.store.responses(for: h.server.url("/simple/requests/")).count == 1)
        }
    }

    @Test func varyAcceptKeepsHTMLAndJSONVariantsApartAndExplainsAMismatch() async throws {
        try await withHarness { (h: Harness) async throws in
            h.server.set("/simple/requests/", Fixtures.pypiPage())
            let json: HeaderFields = ["Accept": "application/vnd.pypi.simple.v1+json"]
            let html: HeaderFields = ["Accept": "text/html"]
            let jsonResult = try await h.fetch("/simple/requests/", headers: json)
            #expect(try h.bytes(of: jsonResult.body) == Fixtures.pypiPage().jsonBody)
            #expect(try h.verdict("/simple/requests/", headers: html, policy: .offline).reasons.contains { $0.code == "vary-mismatch" })

            let htmlResult = try await h.fetch("/simple/requests/", headers: html)
            #expect(htmlResult.source == .network)
            #expect(try h.bytes(of: htmlResult.body) == Fixtures.pypiPage().body)
            #expect(try h.store.responses(for: h.server.url("/simple/requests/")).count == 2)

            let offlineJSON = try await h.fetch("/simple/requests/", headers: json, mode: .offline)
            #expect(offlineJSON.body == jsonResult.body)
            let offlineHTML = try await h.fetch("/simple/requests/", headers: html, mode: .offline)
            #expect(offlineHTML.body == htmlResult.body)
        }
    }

    @Test func wheelWithOnlyLastModifiedIsFreshByHeuristicAndRevalidatedWithIfModifiedSince() async throws {
        try await withHarness { (h: Harness) async throws in
            let fixture = Fixtures.wheel()
            h.server.set(Fixtures.wheelPath, fixture)
            let first = try await h.fetch(Fixtures.wheelPath)
            #expect(first.record.disposition == .stored)
            #expect(first.record.freshnessLifetime > 0)  // 10% of 30 days, capped at a day
            #expect(try h.verdict(Fixtures.wheelPath, policy: .online).satisfied != nil)

            let revalidated = try await h.fetch(Fixtures.wheelPath, headers: ["Cache-Control": "max-age=0"])
            #expect(revalidated.source == .revalidated)
            #expect(revalidated.body == first.body)
            #expect(h.server.requests(to: Fixtures.wheelPath).last?.header("If-Modified-Since") == fixture.lastModified)
        }
    }

    @Test func corruptStoredBodyIsDownloadedAgainRatherThanRevalidated() async throws {
        try await withHarness { (h: Harness) async throws in
            h.server.set(Fixtures.wheelPath, Fixtures.wheel())
            let first = try await h.fetch(Fixtures.wheelPath)
            guard case .stored(let digest, _) = first.body else {
                Issue.record("not stored: \(first.body)")
                return
            }
            let path = h.store.path(of: digest)
            chmod(path, 0o644)
            try Data(sampleBytes(200_000, seed: 7)).write(to: URL(fileURLWithPath: path))
            #expect(throws: StoreError.self) { try h.store.read(digest) }  // caught and quarantined
            #expect(try h.verdict(Fixtures.wheelPath, policy: .offline).reasons.map(\.code) == ["body-corrupt"])

            let again = try await h.fetch(Fixtures.wheelPath)
            #expect(again.source == .network)
            #expect(try h.bytes(of: again.body) == sampleBytes(200_000))
            // The first download and a full one: no conditional request for a body that cannot be
            // read (its 304 could not restore it).
            let requests = h.server.requests(to: Fixtures.wheelPath)
            #expect(requests.count == 2)
            #expect(requests.last?.header("If-Modified-Since") == nil)
            #expect(try h.verdict(Fixtures.wheelPath, policy: .offline).satisfied != nil)
        }
    }

    // MARK: Redirects and errors

    @Test func redirectsAreFollowedHopByHopAndEveryHopIsRecorded() async throws {
        try await withHarness { (h: Harness) async throws in
            h.server.set("/simple/Requests/", Fixture(status: 301, headers: [("Location", "/simple/requests/")]))
            h.server.set("/simple/requests/", Fixtures.pypiPage())
            let result = try await h.fetch("/simple/Requests/", headers: ["Accept": "text/html"])
            #expect(result.status == 200)
            #expect(result.url == h.server.url("/simple/requests/"))
            #expect(result.redirects == [FetchRedirect(from: h.server.url("/simple/Requests/"), status: 301, to: h.server.url("/simple/requests/"), fromStore: false)])
            let hop = try h.store.responses(for: h.server.url("/simple/Requests/"))
            #expect(hop.map(\.status) == [301])
            #expect(hop.first?.disposition == .stored)  // 301 is heuristically cacheable

            // Offline, the stored redirect is followed to the stored page.
            let offline = try await h.fetch("/simple/Requests/", headers: ["Accept": "text/html"], mode: .offline)
            #expect(offline.body == result.body)
            #expect(offline.redirects.first?.fromStore == true)
        }
    }

    @Test func redirectLoopStopsAtTheConfiguredLimitAfterRecordingTheHops() async throws {
        try await withHarness(configure: { $0.maximumRedirects = 3 }) { (h: Harness) async throws in
            h.server.set("/a", Fixture(status: 302, headers: [("Location", "/b")]))
            h.server.set("/b", Fixture(status: 302, headers: [("Location", "/a")]))
            let error = await fetchError { try await h.fetch("/a") }
            guard case .tooManyRedirects(_, let limit)? = error else {
                Issue.record("expected tooManyRedirects, got \(String(describing: error))")
                return
            }
            #expect(limit == 3)
            #expect(try h.store.responses(for: h.server.url("/a")).map(\.status) == [302])
            #expect(try h.store.responses(for: h.server.url("/b")).map(\.status) == [302])
        }
    }

    @Test func redirectToANonHTTPSchemeIsRefused() async throws {
        try await withHarness { (h: Harness) async throws in
            h.server.set("/evil", Fixture(status: 302, headers: [("Location", "file:///etc/passwd")]))
            let error = await fetchError { try await h.fetch("/evil") }
            guard case .badRedirect? = error else {
                Issue.record("expected badRedirect, got \(String(describing: error))")
                return
            }
        }
    }

    @Test func serverErrorIsRecordedAsARefusedResponseAndExplained() async throws {
        try await withHarness { (h: Harness) async throws in
            h.server.set("/simple/broken/", Fixture(status: 500, headers: [("Content-Type", "text/plain")], body: Array("upstream exploded".utf8)))
            let result = try await h.fetch("/simple/broken/")
            #expect(result.status == 500)
            #expect(!result.isSuccess)
            #expect(result.record.disposition == .refused)
            #expect(result.record.refusalReasons.map(\.code).contains("status-not-cacheable"))
            #expect(try h.blobCount() == 0)
            let reasons = try h.verdict("/simple/broken/", policy: .offline).reasons
            #expect(reasons.contains { if case .refused(let codes, _, 500) = $0 { codes.contains(.statusNotCacheable(status: 500)) } else { false } })
        }
    }

    @Test func connectionRefusedIsRecordedAsAFailureAndExplainedOffline() async throws {
        try await withHarness { (h: Harness) async throws in
            let url = "http://127.0.0.1:1/simple/torch/"
            let error = await fetchError { try await h.client.fetch(FetchRequest(url: url)) }
            guard case .transport? = error else {
                Issue.record("expected a transport error, got \(String(describing: error))")
                return
            }
            #expect(try h.store.observations(for: url).map(\.outcome) == [.failed])
            let reasons = try h.store.verdict(for: HTTPRequestHead(url: url), policy: .offline).reasons
            #expect(reasons.first?.code == "never-fetched")
            #expect(reasons.first?.message.contains("refused") == true)
        }
    }

    // MARK: Offline

    @Test func offlineModeNeverTouchesTheNetworkAndReturnsTheVerdictsReasons() async throws {
        try await withHarness { (h: Harness) async throws in
            h.server.set("/simple/numpy/", Fixtures.pypiPage())
            let error = await fetchError { try await h.fetch("/simple/numpy/", mode: .offline) }
            guard case .unsatisfiable(let url, let reasons)? = error else {
                Issue.record("expected unsatisfiable, got \(String(describing: error))")
                return
            }
            #expect(url == h.server.url("/simple/numpy/"))
            #expect(reasons.map(\.code) == ["never-fetched"])
            #expect(h.server.requests(to: "/simple/numpy/").isEmpty)
        }
    }

    // MARK: Timeouts, progress, streaming

    @Test func slowBodyWithinTheTimeoutsArrivesWithProgressReports() async throws {
        try await withHarness { (h: Harness) async throws in
            var fixture = Fixtures.wheel(sampleBytes(40_000))
            fixture.pieces = 4
            fixture.pause = .milliseconds(100)
            h.server.set("/slow.whl", fixture)
            let reports = ProgressLog()
            let result = try await h.client.fetch(FetchRequest(url: h.server.url("/slow.whl")), progress: reports.add)
            #expect(try h.bytes(of: result.body) == fixture.body)
            let log = reports.entries
            #expect(log.count >= 3)
            #expect(log.allSatisfy { $0.1 == 40_000 })
            #expect(log.map(\.0) == log.map(\.0).sorted())
            #expect(log.last?.0 == 40_000)
        }
    }

    @Test func bodyStallingPastTheReadTimeoutFailsAndStoresNothing() async throws {
        try await withHarness(configure: { $0.readTimeout = 0.3 }) { (h: Harness) async throws in
            var fixture = Fixtures.wheel(sampleBytes(30_000))
            fixture.pieces = 3
            fixture.pause = .seconds(2)
            h.server.set("/stall.whl", fixture)
            let error = await fetchError { try await h.fetch("/stall.whl") }
            guard case .timedOut? = error else {
                Issue.record("expected timedOut, got \(String(describing: error))")
                return
            }
            #expect(try h.blobCount() == 0)
            #expect(try h.temporaryFiles().isEmpty)
            #expect(try h.store.responses(for: h.server.url("/stall.whl")).isEmpty)
            #expect(try h.store.observations(for: h.server.url("/stall.whl")).map(\.outcome) == [.failed])
        }
    }

    @Test func totalTimeoutStopsATricklingBody() async throws {
        try await withHarness(configure: { $0.totalTimeout = 0.5 }) { (h: Harness) async throws in
            var fixture = Fixtures.wheel(sampleBytes(10_000))
            fixture.pieces = 10
            fixture.pause = .milliseconds(200)
            h.server.set("/trickle.whl", fixture)
            let error = await fetchError { try await h.fetch("/trickle.whl") }
            guard case .timedOut? = error else {
                Issue.record("expected timedOut, got \(String(describing: error))")
                return
            }
            #expect(try h.blobCount() == 0)
        }
    }

    // Constant memory is checked in a process of its own (ArtifactStoreCLITests, "fetch streams
    // a large body to disk in constant memory"): this process's peak RSS is shared with every
    // test running in parallel.
    @Test func largeBodyIsStreamedToDiskAndStoredWhole() async throws {
        try await withHarness { (h: Harness) async throws in
            let size = 64 << 20
            h.server.setGenerated("/big.whl", size: size)
            let result = try await h.fetch("/big.whl")
            guard case .stored(let digest, let stored) = result.body else {
                Issue.record("not stored: \(result.body)")
                return
            }
            #expect(stored == Int64(size))
            let expected = try h.store.put(bytes: TestServer.generatedBytes(size))
            #expect(expected.digest == digest)
            #expect(expected.alreadyStored)
        }
    }

    // MARK: Concurrency

    @Test func concurrentFetchesOfTheSameURLLeaveOneBlobAndOneRow() async throws {
        try await withHarness { (h: Harness) async throws in
            var fixture = Fixtures.wheel(sampleBytes(300_000))
            fixture.pieces = 6
            fixture.pause = .milliseconds(30)
            h.server.set(Fixtures.wheelPath, fixture)
            async let first = h.fetch(Fixtures.wheelPath)
            async let second = h.fetch(Fixtures.wheelPath)
            let results = try await [first, second]
            #expect(results[0].body == results[1].body)
            #expect(try h.blobCount() == 1)
            let rows = try h.store.responses(for: h.server.url(Fixtures.wheelPath))
            #expect(rows.count == 1)
            #expect(rows.first?.bodyDigest == results[0].record.bodyDigest)
            #expect(try h.temporaryFiles().isEmpty)
            #expect(try h.bytes(of: results[0].body) == fixture.body)
        }
    }
}

extension HeaderFields {
    func merging(_ other: HeaderFields) -> HeaderFields { HeaderFields(Array(self) + Array(other)) }
}

/// Collects progress reports from any thread.
final class ProgressLog: Sendable {
    private let lock = NSLock()
    nonisolated(unsafe) private var log: [(Int64, Int64?)] = []

    var entries: [(Int64, Int64?)] { lock.withLock { log } }

    @Sendable func add(_ received: Int64, _ expected: Int64?) {
        lock.withLock { log.append((received, expected)) }
    }
}

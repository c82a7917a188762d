@_spi(Benchmarks) @testable import ArtifactStore
import Foundation
import GRDB
import HTTPCaching
import Testing
import TestSupport

/// `record(batch:)` is the bulk path (imports, benchmarks): its rows are planned on every core and
/// its history written a few dozen rows per statement, and it must leave exactly what recording
/// the same exchanges one at a time leaves (ARCHITECTURE.md §8).
@Suite("recording a batch")
struct BatchRecordingTests {
    static let page = "https://download.pytorch.org/whl/cpu/torch/"
    static let bigPage = "https://download.pytorch.org/whl/cpu/numpy/"

    /// Enough exchanges of every kind to take the batch paths (more than 64 of them), in an
    /// order that records some URLs and variants again within the batch.
    static func exchanges(_ fixture: TestStore) throws -> [RecordedExchange] {
        func put(_ text: String) throws -> StoredBlob { try fixture.store.put(bytes: Array(text.utf8)) }
        func at(_ seconds: Int) -> Date { Fixtures.seen.addingTimeInterval(Double(seconds)) }
        var exchanges: [RecordedExchange] = []
        func add(_ url: String, _ headers: HeaderFields, status: Int = 200, request: HeaderFields = HeaderFields(), body: StoredBlob?, at seconds: Int,
                 archiving: Bool = false) {
            exchanges.append(RecordedExchange(request: Fixtures.get(url, request), response: Fixtures.response(status, headers), body: body,
                                              requestTime: at(seconds), responseTime: at(seconds + 1), archivingRefused: archiving))
        }
        let html: HeaderFields = ["Cache-Control": "max-age=600", "Content-Type": "text/html"]
        // Pages: a small one recorded twice with other files, a big one staged, one that does not parse.
        add(page, html, body: try put(CanInstallFixture.pageHTML(PageFileSetTests.wheels(12))), at: 0)
        add(bigPage, html, body: try put(CanInstallFixture.pageHTML(PageFileSetTests.wheels(700), stamp: "big")), at: 1)
        add("https://pypi.org/simple/broken/", ["Content-Type": "application/vnd.pypi.simple.v1+json"], body: try put("{not json"), at: 2)
        for index in 0..<90 {
            // Wheels (a few bodies shared), refusals, archived refusals, errors.
            let wheel = "https://download.pytorch.org/whl/cpu/torch-2.\(index).0%2Bcpu-cp311-cp311-linux_x86_64.whl"
            switch index % 5 {
            case 0: add(wheel, ["Cache-Control": "max-age=365000000, immutable"], body: try put("wheel \(index % 7)"), at: 10 + index)
            case 1: add(wheel, ["Cache-Control": "no-store"], body: nil, at: 10 + index)
            case 2: add(wheel, ["Cache-Control": "no-store"], body: try put("archived \(index)"), at: 10 + index, archiving: true)
            case 3: add(wheel, ["Cache-Control": "max-age=60"], status: 503, body: nil, at: 10 + index)
            default: add(wheel, ["ETag": "\"\(index)\"", "Last-Modified": "Tue, 01 Aug 2023 00:00:00 GMT"], body: try put("wheel \(index)"), at: 10 + index)
            }
        }
        // Variants of one URL; a private response whose cookie is never written.
        for (index, accept) in ["application/vnd.pypi.simple.v1+json", "text/html", "application/vnd.pypi.simple.v1+json"].enumerated() {
            add("https://pypi.org/simple/torch/", ["Cache-Control": "max-age=600", "Content-Type": "text/html", "Vary": "Accept"],
                request: ["Accept": accept], body: try put("variant \(index)"), at: 200 + index)
        }
        add("https://private.example/simple/torch/", ["Cache-Control": "private, max-age=600", "Set-Cookie": "s=1"], body: try put("private"), at: 210)
        // One URL more often than its history keeps, within the batch.
        for index in 0..<25 {
            add("https://pypi.org/simple/requests/", ["Cache-Control": "max-age=\(index)"], body: nil, at: 300 + index)
        }
        // The small page again, with other files: planned against the store before the batch,
        // its rows are worked out again under the lock.
        add(page, html, body: try put(CanInstallFixture.pageHTML(PageFileSetTests.wheels(14, from: 3), stamp: "2")), at: 400)
        return exchanges
    }

    /// Every row a recording writes, table by table. A page's set and rows are compared by the
    /// page they belong to: a big page's set is staged before the batch's transaction, so the
    /// sets' identifiers come in another order than one recording at a time gives them.
    static func rows(_ fixture: TestStore) throws -> [String: [[DatabaseValue]]] {
        let database = try DatabaseQueue(path: fixture.root.appending(path: "store.sqlite").path(percentEncoded: false))
        defer { try? database.close() }
        return try database.read { db in
            try [
                "response": "SELECT * FROM response ORDER BY id",
                "observation": "SELECT * FROM observation ORDER BY id",
                "wheel_response": "SELECT * FROM wheel_response ORDER BY response_id",
                "index_page": """
                    SELECT response_id, project, body_digest, content_fingerprint, file_count, parsed_at, changed_at, versions
                    FROM index_page ORDER BY response_id
                    """,
                "index_file_set": "SELECT state, created_at, revision FROM index_file_set ORDER BY state, created_at, revision",
                "index_file": """
                    SELECT p.response_id, f.position, f.project, f.filename, f.url, f.sha256, f.requires_python, f.yanked, f.yanked_reason,
                        f.kind, f.version, f.tags, f.core_metadata, f.core_metadata_sha256, f.size, f.unusable_hash
                    FROM index_file f JOIN index_page p ON p.file_set = f.file_set ORDER BY p.response_id, f.position
                    """,
                "blob": "SELECT digest, size, last_used_at FROM blob ORDER BY digest",
            ].mapValues { sql in try Row.fetchAll(db, sql: sql).map { Array($0.databaseValues) } }
        }
    }

    /// Chunks of 512 rows plan every row of this batch before the transaction; chunks of 5 plan
    /// most of them beside the writer, a chunk ahead.
    @Test("a batch leaves exactly the rows, history and records that recording its exchanges one at a time leaves", arguments: [512, 5])
    func batchMatchesOneAtATime(chunk: Int) throws {
        let batched = try TestStore { $0.recordingChunk = chunk }, single = try TestStore()
        let policy = IndexPolicy(urlPrefix: "https://download.pytorch.org/whl/", pageCacheControl: "max-age=60")
        try batched.store.setIndexPolicy(policy)
        try single.store.setIndexPolicy(policy)
        let exchanges = try Self.exchanges(batched)
        _ = try Self.exchanges(single)  // the same bodies

        let records = try batched.store.record(batch: exchanges)
        let one = try exchanges.map { exchange in
            try single.store.record(request: exchange.request, response: exchange.response, body: exchange.body,
                                    requestTime: exchange.requestTime, responseTime: exchange.responseTime, archivingRefused: exchange.archivingRefused)
        }
        #expect(records == one)

        let urls = Set(exchanges.map(\.request.url))
        for url in urls {
            #expect(try batched.store.responses(for: url) == single.store.responses(for: url), "\(url)")
            #expect(try batched.store.observations(for: url) == single.store.observations(for: url), "\(url)")
        }
        #expect(try batched.store.observations(for: "https://pypi.org/simple/requests/").count == 20)
        for page in [Self.page, Self.bigPage] {
            #expect(try batched.store.indexedFiles(forPage: page) == single.store.indexedFiles(forPage: page))
        }
        #expect(try batched.store.indexedFiles(forPage: Self.page).count == 14)
        #expect(try batched.store.indexedFiles(forPage: Self.bigPage).count == 700)

        // The records returned are the rows as read back (the batch does not read them back).
        var last: [String: ResponseRecord] = [:]
        for record in records { last["\(record.method) \(record.url) \(record.variantKey)"] = record }
        for record in last.values {
            #expect(try batched.store.responses(for: record.url).contains(record), "\(record.url) \(record.variantKey)")
        }
        if batched.server == nil {
            #expect(try Self.rows(batched) == Self.rows(single))
        }
    }

    @Test("a big batch writes with a page cache of its size and the database mapped, and leaves the writer's own settings as they were", TestMetadata.sqliteOnly)
    func bigBatchPageCache() throws {
        let fixture = try TestStore()
        func settings() throws -> [Int?] {
            try fixture.store.writeTransaction { db in try ["cache_size", "mmap_size"].map { try Int.fetchOne(db.sqlite!, sql: "PRAGMA \($0)") } }
        }
        let own = try settings()
        let exchanges = (0..<2500).map { index in
            RecordedExchange(request: Fixtures.get("https://pypi.org/simple/project-\(index)/"), response: Fixtures.response(200, ["Cache-Control": "max-age=600"]),
                             body: nil, requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        }
        let records = try fixture.store.record(batch: exchanges)
        #expect(Set(records.map(\.id)).count == exchanges.count)
        #expect(try fixture.store.responseCount() == exchanges.count)
        #expect(try settings() == own)
        #expect(-Store.bulkCacheKiB(rows: exchanges.count) < own[0] ?? 0, "the batch is big enough to be given a cache of its own")
    }

    @Test("rows planned beside the writer follow the index policy the write transaction finds, as those planned before it do")
    func rowsPlannedAheadFollowPolicyChanges() throws {
        let fixture = try TestStore { $0.recordingChunk = 4 }
        let exchanges = (0..<30).map { index in
            RecordedExchange(request: Fixtures.get("https://download.pytorch.org/whl/cpu/torch-2.\(index).0-cp311-cp311-linux_x86_64.whl"),
                             response: Fixtures.response(200, ["Cache-Control": "max-age=365000000, immutable"]),
                             body: nil, requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        }
        var recording = try fixture.store.prepareRecording(exchanges)
        #expect(recording.planned.prefix(4).allSatisfy { $0 != nil }, "the first chunk is planned before the transaction")
        #expect(recording.planned.dropFirst(4).allSatisfy { $0 == nil }, "the others are left to the writer's chunks")
        // Another process overrides the index's files' Cache-Control before the batch's transaction.
        try fixture.store.setIndexPolicy(IndexPolicy(urlPrefix: "https://download.pytorch.org/whl/", fileCacheControl: "no-store"))
        let (records, _) = try fixture.store.writeTransaction { db in try fixture.store.recordPrepared(&recording, db) }
        #expect(records.count == exchanges.count)
        #expect(records.allSatisfy { $0.disposition == .refused && $0.appliedCacheControl == "no-store" })
        #expect(try fixture.store.responseCount() == exchanges.count)
    }

    @Test("an import records its exchanges a transaction at a time, reports each commit, and keeps what it committed before an error")
    func importRecordsInTransactions() throws {
        let fixture = try TestStore(), oneBatch = try TestStore()
        func exchange(_ index: Int, url: String? = nil) -> RecordedExchange {
            RecordedExchange(request: Fixtures.get(url ?? "https://pypi.org/simple/project-\(index)/"), response: Fixtures.response(200, ["Cache-Control": "max-age=\(index)"]),
                             body: nil, requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        }
        var reported: [Int] = []
        let exchanges = (0..<25).map { exchange($0) }
        #expect(try fixture.store.record(contentsOf: exchanges, responsesPerTransaction: 10) { reported.append($0) } == 25)
        #expect(reported == [10, 20, 25])
        try oneBatch.store.record(batch: exchanges)
        for index in [0, 9, 10, 24] {
            let url = "https://pypi.org/simple/project-\(index)/"
            #expect(try fixture.store.responses(for: url) == oneBatch.store.responses(for: url))
        }

        // The third transaction holds a URL no request can have: the two before it stay.
        let broken = try TestStore()
        let withBadURL = (0..<25).map { $0 == 23 ? exchange($0, url: "not a URL") : exchange($0) }
        #expect(throws: StoreError.self) { try broken.store.record(contentsOf: withBadURL, responsesPerTransaction: 10) }
        #expect(try broken.store.responseCount() == 20)
    }

    @Test("planning on every core keeps the exchanges' order, whatever their number")
    func concurrentPlanningKeepsOrder() {
        let squares = Store.concurrentMap(1000) { $0 * $0 }
        #expect(squares == (0..<1000).map { $0 * $0 })
        #expect(Store.concurrentMap(1) { $0 + 1 } == [1])
        #expect(Store.concurrentMap(0) { $0 }.isEmpty)
    }
}

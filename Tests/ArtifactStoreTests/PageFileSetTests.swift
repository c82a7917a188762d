@_spi(Benchmarks) @testable import ArtifactStore
import Foundation
import GRDB
import HTTPCaching
import Synchronization
import Testing
import TestSupport

/// A page's files as a set of their own (migration 0016, ARCHITECTURE.md §4, I8): a big page's rows
/// are staged in short transactions and published by the one that records the page; replaced
/// sets are deleted afterwards; nothing half-written is ever read.
@Suite("index file sets: big pages written in short transactions")
struct PageFileSetTests {
    /// `count` wheels of torch, versions `first`…, with hashes that need no hashing.
    static func wheels(_ count: Int, from first: Int = 0, yankedEvery: Int? = nil) -> [FakeWheel] {
        (first..<first + count).map { index in
            FakeWheel("torch-\(index / 4).\(index % 4).0-cp311-cp311-linux_x86_64.whl",
                      attributes: yankedEvery.map { index % $0 == 0 ? #"data-yanked="""# : "" } ?? "",
                      listedSHA256: String(repeating: String(format: "%016x", index + 1), count: 4))
        }
    }

    /// The sets and rows of a store, as they should be whenever no recording is running: every
    /// set published and pointed at by exactly one page, every row in such a set.
    static func expectOnlyPublishedSets(_ f: CanInstallFixture, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let database = try DatabaseQueue(path: f.fixture.root.appending(path: "store.sqlite").path(percentEncoded: false))
        defer { try? database.close() }
        let counts = try database.read { db in
            try [
                "SELECT count(*) FROM index_file_set WHERE state <> 'published'",
                "SELECT count(*) FROM index_file_set s WHERE NOT EXISTS (SELECT 1 FROM index_page p WHERE p.file_set = s.id)",
                "SELECT count(*) FROM index_file f WHERE NOT EXISTS (SELECT 1 FROM index_page p WHERE p.file_set = f.file_set)",
                "SELECT (SELECT coalesce(sum(file_count), 0) FROM index_page) - (SELECT count(*) FROM index_file)",
            ].map { try Int.fetchOne(db, sql: $0) ?? -1 }
        }
        #expect(counts == [0, 0, 0, 0], "unpublished sets, sets no page points at, rows of such sets, rows the pages do not count", sourceLocation: sourceLocation)
    }

    static func comparable(_ files: [IndexedFile]) -> [IndexedFile] {
        files.map { file in var file = file; file.pageResponseID = 0; return file }
    }

    @Test("a page recorded again, big or small changes, lists exactly what a fresh store would record, and leaves no other set or row", TestMetadata.sqliteOnly)
    func rerecordedBigPagesMatchFreshOnes() throws {
        // A new big page; a big change; one file more (an edit); every file changed; down to a
        // small page; up again.
        let rounds = [Self.wheels(700), Self.wheels(700, from: 300), Self.wheels(701, from: 300), Self.wheels(701, from: 300, yankedEvery: 1),
                      Self.wheels(20), Self.wheels(600, from: 5)]
        let f = try CanInstallFixture()
        for (round, wheels) in rounds.enumerated() {
            let at = Fixtures.seen.addingTimeInterval(Double(700 * (round + 1)))
            try f.recordPage(torchPage, wheels, stamp: "\(round)", at: at)
            let fresh = try CanInstallFixture()
            try fresh.recordPage(torchPage, wheels, stamp: "\(round)", at: at)
            let recorded = Self.comparable(try f.store.indexedFiles(forPage: torchPage))
            #expect(recorded == Self.comparable(try fresh.store.indexedFiles(forPage: torchPage)), "round \(round)")
            #expect(recorded.count == wheels.count, "round \(round)")
            #expect(try f.store.indexedPage(for: torchPage)?.fileCount == wheels.count, "round \(round)")
            try Self.expectOnlyPublishedSets(f)
        }
        #expect(try f.store.verify().problems.isEmpty)
    }

    @Test("a new page of more files than one transaction writes is staged in several, and the recording's own transaction is one of them")
    func bigPageIsStagedInShortTransactions() throws {
        let fixture = try TestStore()
        let transactions = Mutex(0)
        var options = Store.Options()
        options.writeLockObserver = { _ in transactions.withLock { $0 += 1 } }
        let store = try Store.open(at: fixture.root, options: options)
        let files = 1000
        let body = try store.put(bytes: Array(CanInstallFixture.pageHTML(Self.wheels(files)).utf8))
        let before = transactions.withLock { $0 }
        try store.record(request: Fixtures.get(torchPage), response: Fixtures.response(200, ["Cache-Control": "max-age=600", "Content-Type": "text/html"]),
                         body: body, requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        let staging = (files + Store.rowsPerTransaction - 1) / Store.rowsPerTransaction
        // The set's row, its chunks, then the recording (last use of the page's blob is batched).
        #expect(transactions.withLock { $0 } - before >= 1 + staging + 1)
        #expect(try store.indexedFiles(forPage: torchPage).count == files)
    }

    @Test("a set still staging (its writer killed mid-page) is never read, and gc deletes it once abandoned", TestMetadata.sqliteOnly)
    func abandonedStagingSetIsInvisibleAndCollected() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, Self.wheels(3))
        let database = try DatabaseQueue(path: f.fixture.root.appending(path: "store.sqlite").path(percentEncoded: false))
        let abandoned = Fixtures.seen.unixSeconds - Store.abandonedStagingAge - 1
        // A wheel whose blob is stored: listed by a published page, it would be a way out.
        let hidden = FakeWheel("torch-99.0-cp311-cp311-linux_x86_64.whl")
        _ = try f.store.put(bytes: hidden.bytes)
        try database.write { db in
            // What a writer killed after staging part of a new page of torch leaves.
            try db.execute(sql: "INSERT INTO index_file_set (id, state, created_at) VALUES (9999, 'staging', ?)", arguments: [abandoned])
            for position in 0..<50 {
                try db.execute(sql: """
                    INSERT INTO index_file (file_set, project, position, filename, url, sha256, kind, version, tags)
                    VALUES (9999, 'torch', ?, ?, ?, ?, 'wheel', '99.0', 'cp311-cp311-linux_x86_64')
                    """, arguments: [position, hidden.filename, "https://download.pytorch.org/whl/cpu/" + hidden.filename, hidden.sha256])
            }
            // And one still being written: too young to be called abandoned.
            try db.execute(sql: "INSERT INTO index_file_set (id, state, created_at) VALUES (10000, 'staging', ?)", arguments: [Fixtures.seen.unixSeconds])
        }
        try database.close()
        #expect(try f.store.indexedFiles(forPage: torchPage).count == 3)
        let verdict = try f.canInstall("torch==99.0")
        #expect(verdict.chosen == nil, "a staged row is never a candidate")
        #expect(!verdict.storedWheels.contains { $0.filename == hidden.filename }, "nor a stored wheel of the project")
        #expect(verdict.wayOut == nil)

        var options = GCOptions()
        options.grace = 0
        options.recentlyUsed = 0
        let store = try Store.open(at: f.fixture.root, options: { var o = Store.Options(); o.now = { Fixtures.seen }; return o }())
        _ = try store.gc(options)
        let after = try DatabaseQueue(path: f.fixture.root.appending(path: "store.sqlite").path(percentEncoded: false))
        defer { try? after.close() }
        let (rows, sets, young) = try after.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM index_file WHERE file_set = 9999"),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM index_file_set WHERE id = 9999"),
             try String.fetchOne(db, sql: "SELECT state FROM index_file_set WHERE id = 10000"))
        }
        #expect(rows == 0 && sets == 0)
        #expect(young == "staging", "a young staging set is left alone")
        #expect(try f.store.indexedFiles(forPage: torchPage).count == 3)
    }

    @Test("a page whose response gc deletes takes its rows with it, deleted after the response in short transactions", TestMetadata.sqliteOnly)
    func deletedPageResponseRetiresItsSet() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, Self.wheels(600))
        try f.recordPage(torchPage, Self.wheels(2), cacheControl: "no-store", stamp: "2", at: Fixtures.seen.addingTimeInterval(60))
        // Refused now: the page row is gone, and its 600 rows with it once the recording finished.
        #expect(try f.store.indexedFiles(forPage: torchPage).isEmpty)
        try Self.expectOnlyPublishedSets(f)
        let database = try DatabaseQueue(path: f.fixture.root.appending(path: "store.sqlite").path(percentEncoded: false))
        defer { try? database.close() }
        #expect(try database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM index_file") } == 0)
    }

    @Test("the rows of a page gone by cascade (its response row deleted) are retired by the trigger and deleted by gc", TestMetadata.sqliteOnly)
    func cascadeRetiresAndGCDeletes() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, Self.wheels(300))
        let database = try DatabaseQueue(path: f.fixture.root.appending(path: "store.sqlite").path(percentEncoded: false))
        let states = try database.write { db in
            try db.execute(sql: "DELETE FROM response WHERE url = ?", arguments: [torchPage])
            return try String.fetchAll(db, sql: "SELECT state FROM index_file_set")
        }
        #expect(states == ["retired"])
        try database.close()
        var options = GCOptions()
        options.grace = 0
        _ = try f.store.gc(options)
        try Self.expectOnlyPublishedSets(f)
        let after = try DatabaseQueue(path: f.fixture.root.appending(path: "store.sqlite").path(percentEncoded: false))
        defer { try? after.close() }
        #expect(try after.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM index_file") } == 0)
    }

    @Test("two processes recording different big versions of one page at once end with exactly the last one's files, and no other set", TestMetadata.sqliteOnly)
    func concurrentRecordersOfOnePage() throws {
        let fixture = try TestStore()
        let versions = [Self.wheels(800), Self.wheels(900, from: 400), Self.wheels(820, from: 10, yankedEvery: 3)]
        let bodies = try versions.map { try fixture.store.put(bytes: Array(CanInstallFixture.pageHTML($0).utf8)) }
        let failures = Mutex<[String]>([])
        let root = fixture.root
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            do {
                let store = try Store.open(at: root)
                for round in 0..<6 {
                    let at = Fixtures.seen.addingTimeInterval(Double(round * 10 + worker))
                    try store.record(request: Fixtures.get(torchPage), response: Fixtures.response(200, ["Cache-Control": "max-age=600", "Content-Type": "text/html"]),
                                     body: bodies[(round + worker) % bodies.count], requestTime: at, responseTime: at)
                }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        let stored = try fixture.store.responses(for: torchPage)
        let last = try #require(stored.first?.bodyDigest)
        let expected = versions[try #require(bodies.firstIndex { $0.digest == last })]
        let fresh = try CanInstallFixture()
        let body = try fresh.store.put(bytes: Array(CanInstallFixture.pageHTML(expected).utf8))
        try fresh.store.record(request: Fixtures.get(torchPage), response: Fixtures.response(200, ["Cache-Control": "max-age=600", "Content-Type": "text/html"]),
                               body: body, requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        #expect(Self.comparable(try fixture.store.indexedFiles(forPage: torchPage)) == Self.comparable(try fresh.store.indexedFiles(forPage: torchPage)))
        let database = try DatabaseQueue(path: fixture.root.appending(path: "store.sqlite").path(percentEncoded: false))
        defer { try? database.close() }
        let (sets, rows) = try database.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM index_file_set"), try Int.fetchOne(db, sql: "SELECT count(*) FROM index_file"))
        }
        #expect(sets == 1)
        #expect(rows == expected.count)
    }
    @Test("a store indexed before file sets (migration 0016) keeps every page's files and answers as before", TestMetadata.sqliteOnly)
    func storeBeforeFileSetsIsMigrated() throws {
        let f = try CanInstallFixture()
        try f.recordPage(torchPage, Self.wheels(300))
        try f.recordPage("https://download.pytorch.org/whl/cpu/numpy/", [FakeWheel("numpy-2.0.0-cp311-cp311-linux_x86_64.whl")], path: "/whl/cpu/")
        let files = Self.comparable(try f.store.indexedFiles(forPage: torchPage))
        let answer = try f.canInstall("torch>=10")
        // As a build before 0016 left it: rows keyed by their page's response, no sets, no triggers.
        let database = f.fixture.root.path(percentEncoded: false) + "/store.sqlite"
        #expect(try runSQLite(database, """
            DROP TRIGGER index_page_retires_deleted_set; DROP TRIGGER index_page_retires_replaced_set;
            CREATE TABLE old_page AS SELECT response_id, project, body_digest, content_fingerprint, file_count, parsed_at, changed_at, versions FROM index_page;
            CREATE TABLE old_file AS SELECT f.id, p.response_id AS page_response_id, f.project, f.position, f.filename, f.url, f.sha256, f.requires_python,
                f.yanked, f.yanked_reason, f.kind, f.version, f.tags, f.core_metadata, f.core_metadata_sha256, f.size, f.unusable_hash
                FROM index_file f JOIN index_page p ON p.file_set = f.file_set;
            DROP TABLE index_page; DROP TABLE index_file; DROP TABLE index_file_set;
            ALTER TABLE old_page RENAME TO index_page; ALTER TABLE old_file RENAME TO index_file;
            DELETE FROM grdb_migrations WHERE identifier LIKE '0016%';
            """) == 0)
        let reopened = try Store.open(at: f.fixture.root)
        #expect(Self.comparable(try reopened.indexedFiles(forPage: torchPage)) == files)
        #expect(try reopened.indexedFiles(forPage: "https://download.pytorch.org/whl/cpu/numpy/").count == 1)
        let migrated = try reopened.canInstall(requirement: try InstallRequirement(parsing: "torch>=10"), indexes: ["https://download.pytorch.org/whl/cpu"],
                                               environment: CanInstallFixture.cp311Linux, policy: .offline, strategy: .firstIndex, at: CanInstallFixture.later)
        #expect(migrated.chosen == answer.chosen)
        #expect(migrated.reasons == answer.reasons)
        try Self.expectOnlyPublishedSets(f)
        // And it records on: a big change stages a new set and deletes the migrated one.
        try f.recordPage(torchPage, Self.wheels(300, from: 1000), stamp: "2", at: Fixtures.seen.addingTimeInterval(60))
        #expect(try f.store.indexedFiles(forPage: torchPage).count == 300)
        try Self.expectOnlyPublishedSets(f)
    }
    @Test("an edit planned before the lock is not applied to a page changed and changed back meanwhile: same fingerprint, other rows", TestMetadata.sqliteOnly)
    func staleEditPlanFallsBack() throws {
        let f = try CanInstallFixture()
        let a = [FakeWheel("torch-1.0.0-cp311-cp311-linux_x86_64.whl"), FakeWheel("torch-1.1.0-cp311-cp311-linux_x86_64.whl")]
        let b = [a[0], FakeWheel(a[1].filename, attributes: #"data-yanked="broken""#)]
        let x = b + [FakeWheel("torch-1.2.0-cp311-cp311-linux_x86_64.whl")]
        try f.recordPage(torchPage, a)
        // X's rows are planned against A (an edit: one row out, two in)…
        let at = Fixtures.seen.addingTimeInterval(60)
        let body = try f.store.put(bytes: Array(CanInstallFixture.pageHTML(x, stamp: "x").utf8))
        var recording = try f.store.prepareRecording([RecordedExchange(
            request: Fixtures.get(torchPage), response: Fixtures.response(200, ["Cache-Control": "max-age=600, public", "Content-Type": "text/html"]),
            body: body, requestTime: at, responseTime: at)])
        guard case .edit = recording.pages[0]?.rows else {
            Issue.record("expected an edit plan, got \(String(describing: recording.pages[0]?.rows))")
            return
        }
        // …then two other recordings change the page to B and back to A, in place…
        try f.recordPage(torchPage, b, stamp: "b", at: at.addingTimeInterval(1))
        try f.recordPage(torchPage, a, stamp: "a", at: at.addingTimeInterval(2))
        // …and X's recording must work its rows out anew.
        _ = try f.store.writeTransaction { db in try f.store.recordPrepared(&recording, db) }
        let fresh = try CanInstallFixture()
        try fresh.recordPage(torchPage, x, stamp: "x", at: at)
        #expect(Self.comparable(try f.store.indexedFiles(forPage: torchPage)) == Self.comparable(try fresh.store.indexedFiles(forPage: torchPage)))
        try Self.expectOnlyPublishedSets(f)
    }
}

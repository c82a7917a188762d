import ArtifactStore
import Foundation
import GRDB
import HTTPCaching
import Testing
import TestSupport

extension TestStore {
    func exists(_ digest: BlobDigest) -> Bool {
        FileManager.default.fileExists(atPath: blobPath(digest))
    }

    /// Sets a file's modification time to `seconds` before the test clock's now.
    func age(_ path: String, by seconds: TimeInterval) throws {
        let time = clock.now.addingTimeInterval(-seconds)
        try FileManager.default.setAttributes([.modificationDate: time], ofItemAtPath: path)
    }

    /// Makes the database as old as `date` (on the test clock): files written after it are the
    /// store's own history.
    func databaseBegan(at date: Date) throws {
        let database = try DatabaseQueue(path: root.appending(path: "store.sqlite").path(percentEncoded: false))
        try database.write { db in
            try db.execute(sql: "UPDATE store_meta SET value = ? WHERE key = 'database_created_at'", arguments: [Int64(date.timeIntervalSince1970)])
        }
    }

    func gc(dryRun: Bool = false, _ configure: (inout GCOptions) -> Void = { _ in }) throws -> GCReport {
        var options = GCOptions()
        options.dryRun = dryRun
        configure(&options)
        return try store.gc(options)
    }
}

extension GCReport {
    func count(_ reason: GCReason) -> Int { removed[reason]?.count ?? 0 }
}

private let cacheable: HeaderFields = ["Cache-Control": "max-age=600", "Content-Type": "application/octet-stream"]

@Suite("gc")
struct GCTests {
    @Test("gc keeps pinned, leased and referenced blobs and removes the unreferenced rest")
    func keepsRoots() throws {
        let fixture = try TestStore()
        let pinned = try fixture.store.put(bytes: Array("pinned".utf8)).digest
        let leased = try fixture.store.put(bytes: Array("leased".utf8)).digest
        let garbage = try fixture.store.put(bytes: Array("garbage".utf8)).digest
        let moreGarbage = try fixture.store.put(bytes: Array("more garbage".utf8)).digest
        let referenced = try fixture.record(Fixtures.get(Fixtures.torchWheel), Fixtures.response(200, cacheable), body: "wheel").bodyDigest!
        try fixture.store.pin(.digest(pinned), note: "keep")
        fixture.clock.advance(by: 3600)

        let report = try fixture.store.withLease(timeout: 600) { lease in
            try lease.add(leased)
            return try fixture.gc()
        }
        #expect(report.count(.unreferenced) == 2)
        #expect(report.removed[.unreferenced]?.bytes == 19)
        #expect(!fixture.exists(garbage) && !fixture.exists(moreGarbage))
        #expect(try fixture.store.blob(garbage) == nil)
        for kept in [pinned, leased, referenced] {
            #expect(fixture.exists(kept))
            #expect(try fixture.store.read(kept).count > 0)
        }
        #expect(report.blobsBefore == 5 && report.blobsAfter == 3)
        #expect(try fixture.store.verify().problems.isEmpty)

        // The lease is gone now: its blob is garbage once not used recently (the reads above
        // were uses); the pinned one stays.
        fixture.clock.advance(by: 3600)
        let second = try fixture.gc()
        #expect(second.count(.unreferenced) == 1)
        #expect(!fixture.exists(leased) && fixture.exists(pinned))
    }

    @Test("a dry run reports what would go and why, and changes nothing")
    func dryRunChangesNothing() throws {
        let fixture = try TestStore()
        let garbage = try fixture.store.put(bytes: Array("garbage".utf8)).digest
        try fixture.record(Fixtures.get(Fixtures.torchWheel), Fixtures.response(200, cacheable), body: "wheel")
        try fixture.store.settleBlobJournal()  // the puts' files written and synced, as moments after them
        let stale = try fixture.directory.file("x", contents: [])
        _ = stale
        let tmpFile = fixture.root.appending(path: "tmp/ingest-1-dead").path(percentEncoded: false)
        #expect(FileManager.default.createFile(atPath: tmpFile, contents: Data("partial".utf8)))
        try fixture.age(tmpFile, by: 7200)
        fixture.clock.advance(by: 3600)

        let items = ItemLog()
        let dry = try fixture.gc(dryRun: true) { $0.onItem = { items.append($0) } }
        #expect(dry.dryRun)
        #expect(dry.count(.unreferenced) == 1)
        #expect(dry.count(.tmpFile) == 1)
        #expect(items.items.contains { $0.digest == garbage && $0.reason == .unreferenced && $0.detail.contains("referenced by nothing") })
        #expect(fixture.exists(garbage) && FileManager.default.fileExists(atPath: tmpFile), "nothing changed")
        #expect(try fixture.store.blob(garbage) != nil)
        #expect(dry.bytesAfter == dry.bytesBefore - 7)

        let real = try fixture.gc()
        #expect(real.removed == dry.removed, "the dry run predicted the real run")
        #expect(!fixture.exists(garbage) && !FileManager.default.fileExists(atPath: tmpFile))
    }

    @Test("gc run twice removes nothing the second time", TestMetadata.sqliteOnly)
    func secondRunRemovesNothing() throws {
        let fixture = try TestStore()
        try fixture.databaseBegan(at: fixture.clock.now.addingTimeInterval(-86_400))
        for seed in 0..<50 { _ = try fixture.store.put(bytes: pseudoRandomBytes(count: 100, seed: UInt64(seed))) }
        try fixture.record(Fixtures.get(Fixtures.torchWheel), Fixtures.response(200, cacheable), body: "wheel")
        let orphan = try fixture.plantFile("e0/" + "e" + String(repeating: "0", count: 63), Array("orphan".utf8))
        try fixture.age(orphan, by: 7200)
        fixture.clock.advance(by: 3600)
        let first = try fixture.gc { $0.batchSize = 7 }
        #expect(first.count(.unreferenced) == 50)
        #expect(first.count(.orphanFile) == 1)
        #expect(first.count(.emptyDirectory) >= 1)
        #expect(first.writeTransactions > 50 / 7, "deletions are batched")
        let second = try fixture.gc { $0.batchSize = 7 }
        #expect(second.total.count == 0, "\(second.removed)")
        #expect(try fixture.store.verify().problems.isEmpty)
    }

    @Test("the lock-hold limit splits deletions into more, shorter transactions and loses none")
    func lockHoldLimit() throws {
        let fixture = try TestStore()
        for seed in 0..<300 { _ = try fixture.store.put(bytes: pseudoRandomBytes(count: 50, seed: UInt64(seed))) }
        fixture.clock.advance(by: 3600)
        let report = try fixture.gc { $0.maxLockHold = 0 }
        #expect(report.count(.unreferenced) == 300)
        #expect(report.writeTransactions >= 300 / 8, "past the limit each unlink worker stops before its next unlink")
        #expect(try fixture.store.stats().blobCount == 0)
        #expect(try fixture.gc().total.count == 0)
        #expect(try fixture.store.verify().problems.isEmpty)
    }

    @Test("with a lock-hold limit of zero every gc transaction still removes a blob, deletes only the rows of files it unlinked, and the run removes them all")
    func zeroLockHoldMakesProgress() throws {
        let fixture = try TestStore()
        for seed in 0..<200 { _ = try fixture.store.put(bytes: pseudoRandomBytes(count: 40, seed: UInt64(seed))) }
        for index in 0..<40 {
            try fixture.record(Fixtures.get("https://files.example.org/pkg-\(index).whl"), Fixtures.response(200, cacheable), body: "wheel \(index)")
        }
        try fixture.store.settleBlobJournal()  // the puts' files written and synced, as moments after them
        fixture.clock.advance(by: 3600)
        // After every commit (progress is reported between transactions), rows and files agree.
        let snapshots = Snapshots()
        let store = fixture.store, blobs = fixture.root.appending(path: "blobs/sha256").path(percentEncoded: false)
        let report = try fixture.gc {
            $0.maxLockHold = 0
            $0.maxSize = 0
            $0.progress = { progress in
                let files = (try? FileManager.default.subpathsOfDirectory(atPath: blobs).filter { $0.count == 67 }.count) ?? -1
                let rows = (try? store.stats().blobCount) ?? -2
                snapshots.append((progress.phase, progress.itemsRemoved, rows, files))
            }
        }
        let seen = snapshots.values
        #expect(!seen.isEmpty)
        for snapshot in seen { #expect(snapshot.rows == snapshot.files, "after a commit in \(snapshot.phase): \(snapshot.rows) rows, \(snapshot.files) files") }
        #expect(seen.filter { $0.phase == "unreferenced" }.count > 1, "the sweep took several transactions")
        for (earlier, later) in zip(seen, seen.dropFirst()) where earlier.phase == later.phase {
            #expect(later.removed > earlier.removed, "each transaction of \(later.phase) removed something")
        }
        #expect(report.count(.unreferenced) == 200)
        #expect(report.count(.maxSize) == 40)
        #expect(try fixture.store.stats().blobCount == 0)
        #expect(try fixture.gc { $0.maxSize = 0 }.total.count == 0)
        #expect(try fixture.store.verify().problems.isEmpty)
    }

    @Test("blobs used within the last few minutes are never removed")
    func recentlyUsedKept() throws {
        let fixture = try TestStore()
        let fresh = try fixture.store.put(bytes: Array("just put".utf8)).digest
        fixture.clock.advance(by: 60)
        let report = try fixture.gc { $0.maxSize = 0; $0.unusedFor = 0 }
        #expect(report.total.count == 0)
        #expect(fixture.exists(fresh))
        #expect(report.maxSizeMet == false)
    }

    @Test("an expired lease protects nothing and is removed")
    func expiredLease() throws {
        let fixture = try TestStore()
        let digest = try fixture.store.put(bytes: Array("leased".utf8)).digest
        let lease = try fixture.store.makeLease(timeout: 60)
        try lease.add(digest)
        fixture.clock.advance(by: 7200)
        let report = try fixture.gc()
        #expect(report.count(.expiredLease) == 1)
        #expect(report.count(.unreferenced) == 1)
        #expect(!fixture.exists(digest))
        expectStoreError(.invalidInput) { try lease.add(digest) }
    }

    @Test("a pinned put is pinned in its own transaction: a gc that keeps nothing recent, run right after, keeps it")
    func pinnedPutSurvivesAnImmediateGC() throws {
        let fixture = try TestStore()
        let file = fixture.directory.url.appending(path: "pinned.bin")
        try Data("pinned at once".utf8).write(to: file)
        let stored = try fixture.store.putPinned(file: file, note: "test")
        let unpinned = try fixture.store.put(bytes: Array("not pinned".utf8))
        _ = try fixture.gc { $0.recentlyUsed = 0; $0.grace = 0 }
        #expect(try fixture.store.read(stored.digest) == Array("pinned at once".utf8))
        #expect(try fixture.store.blob(unpinned.digest) == nil)
        #expect(try fixture.store.pins().contains { $0.target == .digest(stored.digest) && $0.note == "test" })
    }

    @Test("a response whose body gc evicted is never revalidated: a 304 would freshen a row that has no body to serve")
    func evictedResponseIsNotRevalidated() throws {
        let fixture = try TestStore()
        let url = "https://files.example.org/evicted-\(UUID().uuidString).whl"
        let validated: HeaderFields = ["Cache-Control": "max-age=60", "ETag": "\"v1\""]
        try fixture.record(Fixtures.get(url), Fixtures.response(200, validated), body: String(repeating: "y", count: 1000), at: fixture.clock.now)
        #expect(try fixture.store.conditionalHeaders(for: Fixtures.get(url))?.combinedValue(for: "If-None-Match") == "\"v1\"")
        fixture.clock.advance(by: 3600)
        let report = try fixture.gc { $0.maxSize = 0 }
        #expect(report.evictedResponses == 1)
        #expect(try fixture.store.conditionalHeaders(for: Fixtures.get(url)) == nil)
    }

    @Test("--max-size evicts least recently used bodies, keeps a tombstone the verdict reports, spares URL pins")
    func maxSizeEvictsLRU() throws {
        let fixture = try TestStore()
        let body = String(repeating: "x", count: 1000)
        var urls: [String] = []
        for index in 0..<4 {
            let url = "https://files.example.org/pkg-\(index).whl"
            urls.append(url)
            try fixture.record(Fixtures.get(url), Fixtures.response(200, cacheable), body: body + "\(index)", at: fixture.clock.now)
            fixture.clock.advance(by: 100)
        }
        try fixture.store.pin(.urlPattern("https://files.example.org/pkg-0*"))
        fixture.clock.advance(by: 3600)

        let dry = try fixture.gc(dryRun: true) { $0.maxSize = 2100 }
        #expect(dry.count(.maxSize) == 2)
        let report = try fixture.gc { $0.maxSize = 2100 }
        #expect(report.removed == dry.removed)
        #expect(report.count(.maxSize) == 2, "pkg-0 is pinned, so pkg-1 and pkg-2 (the oldest unpinned) go")
        #expect(report.evictedResponses == 2)
        #expect(report.maxSizeMet == true)
        #expect(report.bytesAfter <= 2100)

        let evicted = try fixture.store.verdict(for: Fixtures.get(urls[1]), policy: .offline)
        guard case .unsatisfiable(let reasons) = evicted, case .evicted(_, let by) = reasons.first else {
            Issue.record("expected an evicted verdict, got \(evicted)")
            return
        }
        #expect(by == "gc (policy max-size)")
        #expect(reasons.first?.code == "evicted")
        #expect(try fixture.store.verdict(for: Fixtures.get(urls[0]), policy: .offline).isSatisfiable)
        #expect(try fixture.store.verdict(for: Fixtures.get(urls[3]), policy: .offline).isSatisfiable)
        #expect(try fixture.gc { $0.maxSize = 2100 }.total.count == 0)
        #expect(try fixture.store.verify().problems.isEmpty)
    }

    @Test("--unused-for evicts bodies not used for that long and keeps the rest")
    func unusedFor() throws {
        let fixture = try TestStore()
        try fixture.record(Fixtures.get("https://files.example.org/old.whl"), Fixtures.response(200, cacheable), body: "old", at: fixture.clock.now)
        fixture.clock.advance(by: 40 * 86_400)
        try fixture.record(Fixtures.get("https://files.example.org/new.whl"), Fixtures.response(200, cacheable), body: "new", at: fixture.clock.now)
        fixture.clock.advance(by: 3600)
        let report = try fixture.gc { $0.unusedFor = 30 * 86_400 }
        #expect(report.count(.unusedFor) == 1)
        #expect(try fixture.store.verdict(for: Fixtures.get("https://files.example.org/old.whl"), policy: .offline).reasons.first?.code == "evicted")
        #expect(try fixture.store.verdict(for: Fixtures.get("https://files.example.org/new.whl"), policy: .offline).isSatisfiable)
    }

    @Test("--keep-latest keeps the newest versions' wheel bodies per project (PEP 440 order) and evicts the rest")
    func keepLatest() throws {
        let fixture = try TestStore()
        let wheels = [
            "https://files.example.org/torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl",
            "https://files.example.org/torch-2.10.0-cp311-cp311-linux_x86_64.whl",
            "https://files.example.org/torch-2.9.1-cp311-cp311-linux_x86_64.whl",
            "https://files.example.org/numpy-1.26.4-cp311-cp311-linux_x86_64.whl",
        ]
        for (index, url) in wheels.enumerated() {
            try fixture.record(Fixtures.get(url), Fixtures.response(200, cacheable), body: "wheel \(index)", at: fixture.clock.now)
        }
        fixture.clock.advance(by: 3600)
        let report = try fixture.gc { $0.keepLatest = 2 }
        #expect(report.count(.keepLatest) == 1)
        #expect(try fixture.store.verdict(for: Fixtures.get(wheels[0]), policy: .offline).reasons.first?.code == "evicted", "2.0.1 is older than 2.10.0 and 2.9.1")
        for url in wheels.dropFirst() {
            #expect(try fixture.store.verdict(for: Fixtures.get(url), policy: .offline).isSatisfiable, "\(url)")
        }
        #expect(try fixture.gc { $0.keepLatest = 2 }.count(.keepLatest) == 0, "a second run removes nothing")
    }

    @Test("orphan files and tmp/ files are removed only once older than the grace period", TestMetadata.sqliteOnly)
    func gracePeriod() throws {
        let fixture = try TestStore()
        try fixture.databaseBegan(at: fixture.clock.now.addingTimeInterval(-86_400))
        let old = try fixture.plantFile("aa/" + String(repeating: "a", count: 64), Array("old".utf8))
        let young = try fixture.plantFile("bb/" + String(repeating: "b", count: 64), Array("young".utf8))
        let misnamed = try fixture.plantFile("cc/notes.txt", Array("not mine".utf8))
        try fixture.age(old, by: 7200)
        try fixture.age(young, by: 60)
        try fixture.age(misnamed, by: 7200)
        let report = try fixture.gc()
        #expect(report.count(.orphanFile) == 1)
        #expect(!FileManager.default.fileExists(atPath: old))
        #expect(FileManager.default.fileExists(atPath: young))
        #expect(FileManager.default.fileExists(atPath: misnamed), "gc removes only what it can name; verify reports the rest")
    }

    @Test("an orphan file older than the database itself is not the store's to delete: gc keeps it, verify --repair adopts it", TestMetadata.sqliteOnly)
    func orphansOlderThanTheDatabaseAreKept() throws {
        let fixture = try TestStore()
        try fixture.databaseBegan(at: fixture.clock.now.addingTimeInterval(-3_600))
        let content = Array("restored from a backup".utf8)
        let name = CanInstallFixture.sha256(content)
        let restored = try fixture.plantFile(String(name.prefix(2)) + "/" + name, content)
        try fixture.age(restored, by: 86_400)
        #expect(try fixture.gc().count(.orphanFile) == 0)
        #expect(FileManager.default.fileExists(atPath: restored))
        let repaired = try fixture.store.verify(VerifyOptions(repair: true))
        #expect(repaired.isClean)
        #expect(try fixture.store.read(BlobDigest(validating: name)) == content)
    }

    @Test("--refused-older-than deletes old refused responses and history, keeping stored ones")
    func refusedOlderThan() throws {
        let fixture = try TestStore()
        try fixture.record(Fixtures.get(Fixtures.torchPage), Fixtures.response(200, ["Cache-Control": "no-store"]), at: fixture.clock.now)
        try fixture.record(Fixtures.get(Fixtures.torchWheel), Fixtures.response(200, cacheable), body: "wheel", at: fixture.clock.now)
        fixture.clock.advance(by: 100 * 86_400)
        let report = try fixture.gc { $0.refusedOlderThan = 90 * 86_400 }
        #expect(report.count(.refusedResponse) == 1)
        #expect(report.count(.observation) == 2)
        #expect(try fixture.store.responses(for: Fixtures.torchPage).isEmpty)
        #expect(try fixture.store.responses(for: Fixtures.torchWheel).count == 1)
    }

    @Test("reads record last use in batches (not a write per read), to the minute, flushed every few dozen reads or on demand")
    func lastUseBatched() throws {
        let fixture = try TestStore()
        let digest = try fixture.store.put(bytes: Array("read me".utf8)).digest
        let stored = try #require(try fixture.store.blob(digest)).lastUsedAt
        fixture.clock.advance(by: 1000)
        _ = try fixture.store.read(digest)
        #expect(try fixture.store.blob(digest)?.lastUsedAt == stored, "one read does not write")
        try fixture.store.flushUsage()
        #expect(try fixture.store.blob(digest)?.lastUsedAt == stored + 1000)
        fixture.clock.advance(by: 1000)
        for _ in 0..<64 { _ = try fixture.store.read(digest) }
        #expect(try fixture.store.blob(digest)?.lastUsedAt == stored + 2000, "written after a batch of reads")
        fixture.clock.advance(by: 30)
        _ = try fixture.store.read(digest)
        try fixture.store.flushUsage()
        #expect(try fixture.store.blob(digest)?.lastUsedAt == stored + 2000, "kept to the minute: a read 30 s later is not written")
    }

    @Test("--max-size keeps the body read most recently")
    func maxSizeFollowsReads() throws {
        let fixture = try TestStore()
        let old = try fixture.record(Fixtures.get("https://files.example.org/a.whl"), Fixtures.response(200, cacheable), body: "aaaa", at: fixture.clock.now).bodyDigest!
        fixture.clock.advance(by: 100)
        let newer = try fixture.record(Fixtures.get("https://files.example.org/b.whl"), Fixtures.response(200, cacheable), body: "bbbb", at: fixture.clock.now).bodyDigest!
        fixture.clock.advance(by: 3600)
        _ = try fixture.store.read(old)  // now the most recently used
        fixture.clock.advance(by: 3600)
        let report = try fixture.gc { $0.maxSize = 4 }
        #expect(report.count(.maxSize) == 1)
        #expect(fixture.exists(old) && !fixture.exists(newer))
    }

    @Test("pins are listed, updated and removed")
    func pins() throws {
        let fixture = try TestStore()
        let digest = try TestStore.digest(of: Array("x".utf8))
        try fixture.store.pin(.digest(digest), note: "first")
        try fixture.store.pin(.digest(digest), note: "second")
        try fixture.store.pin(.urlPattern("https://download.pytorch.org/whl/*"))
        let pins = try fixture.store.pins()
        #expect(pins.count == 2)
        #expect(pins.first?.note == "second")
        #expect(try fixture.store.unpin(.digest(digest)))
        #expect(try !fixture.store.unpin(.digest(digest)))
        #expect(try fixture.store.pins().count == 1)
        expectStoreError(.invalidInput) { try fixture.store.pin(.urlPattern("")) }
    }
}

final class ItemLog: @unchecked Sendable {
    private let lock = NSLock()
    private var log: [GCItem] = []
    func append(_ item: GCItem) { lock.withLock { log.append(item) } }
    var items: [GCItem] { lock.withLock { log } }
}

/// What a gc progress callback saw after each commit.
private final class Snapshots: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(phase: String, removed: Int, rows: Int, files: Int)] = []
    func append(_ entry: (phase: String, removed: Int, rows: Int, files: Int)) { lock.withLock { entries.append(entry) } }
    var values: [(phase: String, removed: Int, rows: Int, files: Int)] { lock.withLock { entries } }
}

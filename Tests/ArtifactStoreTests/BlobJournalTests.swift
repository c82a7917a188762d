@_spi(Benchmarks) @testable import ArtifactStore
import Foundation
import GRDB
import Synchronization
import Testing
import TestSupport

/// The blob journal (ARCHITECTURE.md §4, I1): a small put is durable by its one commit, its
/// content in `blob_journal`, until a settle makes its file durable and drops the copy. What a
/// power loss can do to a file not yet settled (lose it, tear it) is simulated by doing it by hand.
@Suite("The blob journal", TestMetadata.sqliteOnly)
struct BlobJournalTests {
    /// The digests the journal holds, read by a connection of the test's own.
    static func journaled(_ fixture: TestStore) throws -> [String] {
        let database = try DatabaseQueue(path: fixture.root.appending(path: "store.sqlite").path(percentEncoded: false))
        return try database.read { try String.fetchAll($0, sql: "SELECT digest FROM blob_journal ORDER BY digest") }
    }

    /// A store whose handle settles only when asked: what a test does between a put and the
    /// settle is not raced by the handle's own settle a tenth of a second later.
    static func unsettled() throws -> TestStore {
        try TestStore { $0.blobJournalSettleDelay = 3600 }
    }

    /// Puts `content` and reads it once, so that its file is written but not yet synced: what a
    /// power loss would find, or lose.
    static func putUnsettled(_ fixture: TestStore, _ content: [UInt8]) throws -> BlobDigest {
        let digest = try fixture.store.put(bytes: content).digest
        _ = try fixture.store.read(digest)
        return digest
    }

    static func quarantineEntries(_ fixture: TestStore) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: fixture.root.appending(path: "quarantine").path(percentEncoded: false))
    }

    @Test("a small put is kept in the journal until settled, then in its file alone, and reads back the same all along")
    func smallPutSettles() throws {
        let fixture = try Self.unsettled()
        let content = pseudoRandomBytes(count: 20_000, seed: 1)
        let stored = try fixture.store.put(bytes: content)
        #expect(try Self.journaled(fixture) == [stored.digest.hex])
        #expect(try fixture.store.read(stored.digest) == content)

        #expect(try fixture.store.settleBlobJournal() == 1)
        #expect(try Self.journaled(fixture).isEmpty)
        #expect(try fixture.store.read(stored.digest) == content)
        #expect(try fixture.store.settleBlobJournal() == 0)
    }

    @Test("a small put writes no file of its own: the journal's copy answers verdicts, and the first read writes the file")
    func fileWrittenLater() throws {
        let fixture = try Self.unsettled()
        let text = String(repeating: "page bytes ", count: 1800)
        let content = Array(text.utf8)
        let record = try fixture.record(Fixtures.get("https://example.org/simple/bar/"), Fixtures.response(200, ["Cache-Control": "max-age=600"]), body: text)
        let digest = try #require(record.bodyDigest)
        #expect(!FileManager.default.fileExists(atPath: fixture.store.path(of: digest)))
        guard case .satisfiable(let satisfied) = try fixture.verdict(Fixtures.get("https://example.org/simple/bar/"), .offline) else {
            Issue.record("a journaled body must satisfy a verdict")
            return
        }
        #expect(try fixture.store.readBody(of: satisfied) == content)
        #expect(FileManager.default.contents(atPath: fixture.store.path(of: digest)).map(Array.init) == content)
        // Written, not yet synced: the copy stays until the settle.
        #expect(try Self.journaled(fixture) == [digest.hex])
    }

    @Test("a blob over 64 KiB is fsynced as it is put and never journaled; one of exactly 64 KiB is journaled", arguments: [
        (65_536, true), (65_537, false), (0, true),
    ])
    func limit(size: Int, journaled: Bool) throws {
        let fixture = try Self.unsettled()
        let stored = try fixture.store.put(bytes: pseudoRandomBytes(count: size, seed: 2))
        #expect(try Self.journaled(fixture) == (journaled ? [stored.digest.hex] : []))
    }

    @Test("a file lost or damaged before it was settled is written again from the journal: the read returns the content, the blob is not quarantined", arguments: [
        "lost", "altered", "truncated", "emptied",
    ])
    func damageBeforeSettling(damage: String) throws {
        let fixture = try Self.unsettled()
        let content = pseudoRandomBytes(count: 5000, seed: 3)
        let stored = try #require(try fixture.store.blob(Self.putUnsettled(fixture, content)))
        let path = fixture.store.path(of: stored.digest)
        switch damage {
        case "lost": try FileManager.default.removeItem(atPath: path)
        case "altered": try fixture.tamperLocalCopy(stored.digest, with: pseudoRandomBytes(count: 5000, seed: 4))
        case "truncated": try fixture.tamperLocalCopy(stored.digest, with: Array(content.prefix(100)))
        default: try fixture.tamperLocalCopy(stored.digest, with: [])
        }

        #expect(try fixture.store.read(stored.digest) == content)
        #expect(try fixture.store.blob(stored.digest)?.quarantinedAt == nil)
        #expect(FileManager.default.contents(atPath: path).map(Array.init) == content)
        // A damaged file is kept aside, as quarantine keeps one; a lost one has nothing to keep.
        #expect(try Self.quarantineEntries(fixture).count == (damage == "lost" ? 0 : 1))
        #expect(fixture.log.messages.contains { $0.message.contains("written again from the blob journal") } == (damage != "lost"))
        // The copy stays until a settle has synced the new file.
        #expect(try fixture.store.settleBlobJournal() == 1)
        #expect(try Self.journaled(fixture).isEmpty)
        #expect(try fixture.store.read(stored.digest) == content)
    }

    @Test("every way of reading a small blob damaged before it was settled gets the original", arguments: ["read", "copy", "open", "verify", "verdict's body"])
    func everyReaderRestores(reader: String) throws {
        let fixture = try Self.unsettled()
        let text = "<a href='foo-1.0-py3-none-any.whl'>foo</a>"
        let content = Array(text.utf8)
        let record = try fixture.record(Fixtures.get("https://example.org/simple/foo/"), Fixtures.response(200, ["Cache-Control": "max-age=600"]), body: text)
        let digest = try #require(record.bodyDigest)
        _ = try fixture.store.read(digest)  // its file written, not yet synced
        try fixture.tamperLocalCopy(digest, with: Array("<a href='evil-1.0-py3-none-any.whl'>x</a>".utf8))

        let read: [UInt8]
        switch reader {
        case "read":
            read = try fixture.store.read(digest)
        case "copy":
            let output = try fixture.directory.file("out", contents: [])
            let handle = try FileHandle(forWritingTo: output)
            try fixture.store.copy(digest, to: handle.fileDescriptor)
            try handle.close()
            read = try Array(Data(contentsOf: output))
        case "open":
            // The reader that found the damage fails (it was handed the bad file); the next one reads the copy.
            expectStoreError(.blobCorrupt) { try fixture.store.open(digest).readToEnd() }
            read = try fixture.store.open(digest).readToEnd()
        case "verify":
            // A re-hash (can-install's) of the damaged file passes on the journal's copy.
            try fixture.store.verifyBlob(digest)
            read = try fixture.store.read(digest)
        default:
            guard case .satisfiable(let satisfied) = try fixture.verdict(Fixtures.get("https://example.org/simple/foo/"), .offline) else {
                Issue.record("no verdict")
                return
            }
            read = try #require(try fixture.store.readBody(of: satisfied))
        }
        #expect(read == content)
        #expect(try fixture.store.blob(digest)?.quarantinedAt == nil)
    }

    @Test("settling writes a file lost or damaged before it, then drops the copy", arguments: [true, false])
    func settlingRestores(lost: Bool) throws {
        let fixture = try Self.unsettled()
        let content = pseudoRandomBytes(count: 3000, seed: 5)
        let stored = try #require(try fixture.store.blob(Self.putUnsettled(fixture, content)))
        let path = fixture.store.path(of: stored.digest)
        if lost { try FileManager.default.removeItem(atPath: path) } else { try fixture.tamperLocalCopy(stored.digest, with: [1, 2, 3]) }

        #expect(try fixture.store.settleBlobJournal() == 1)
        #expect(try Self.journaled(fixture).isEmpty)
        #expect(FileManager.default.contents(atPath: path).map(Array.init) == content)
        #expect(try fixture.store.blob(stored.digest)?.quarantinedAt == nil)
    }

    @Test("a journal copy that does not hash to its digest is never used: the damaged blob is quarantined as any other")
    func badCopyIsNotUsed() throws {
        let fixture = try Self.unsettled()
        let stored = try fixture.store.put(bytes: pseudoRandomBytes(count: 4000, seed: 6))
        let database = try DatabaseQueue(path: fixture.root.appending(path: "store.sqlite").path(percentEncoded: false))
        try database.write { try $0.execute(sql: "UPDATE blob_journal SET content = x'00'") }
        try fixture.store.settleBlobJournal()  // writes nothing from a bad copy
        #expect(!FileManager.default.fileExists(atPath: fixture.store.path(of: stored.digest)))
        try FileManager.default.createDirectory(atPath: (fixture.store.path(of: stored.digest) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try fixture.tamperLocalCopy(stored.digest, with: pseudoRandomBytes(count: 4000, seed: 7))

        let error = expectStoreError(.blobCorrupt) { try fixture.store.read(stored.digest) }
        #expect(error?.message.contains("will not be served") == true, "\(error?.message ?? "")")
        #expect(try fixture.store.blob(stored.digest)?.quarantinedAt != nil)
        #expect(!FileManager.default.fileExists(atPath: fixture.store.path(of: stored.digest)))
        #expect(fixture.log.messages.contains { $0.message.contains("journal copy does not hash to its digest") })
    }

    @Test("gc collecting a journaled blob takes its journal copy with its row")
    func gcTakesTheCopy() throws {
        let fixture = try Self.unsettled()
        let garbage = try fixture.store.put(bytes: Array("garbage".utf8))
        #expect(try Self.journaled(fixture) == [garbage.digest.hex])
        fixture.clock.advance(by: 3600)
        let report = try fixture.gc { _ in }
        #expect(report.count(.unreferenced) == 1)
        #expect(try Self.journaled(fixture).isEmpty)
        #expect(try fixture.store.blob(garbage.digest) == nil)
    }

    @Test("a handle settles its puts on its own within moments")
    func settlesUnasked() async throws {
        let fixture = try TestStore()  // the handle's own settle, after its default delay
        _ = try fixture.store.put(bytes: Array("soon durable".utf8))
        let deadline = Date().addingTimeInterval(10)
        while try !Self.journaled(fixture).isEmpty, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(try Self.journaled(fixture).isEmpty)
    }

    @Test("a handle closed right after its puts settles them as it closes")
    func closingSettles() throws {
        let directory = try TemporaryDirectory()
        let root = directory.url.appending(path: "store")
        var digests: [BlobDigest] = []
        do {
            let store = try Store.open(at: root)
            for seed in 0..<20 { digests.append(try store.put(bytes: pseudoRandomBytes(count: 1000, seed: UInt64(seed))).digest) }
        }
        let database = try DatabaseQueue(path: root.appending(path: "store.sqlite").path(percentEncoded: false))
        #expect(try database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM blob_journal") } == 0)
        #expect(try database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM blob") } == 20)
    }

    @Test("another handle writes again a file its writer had not settled when the file was lost (the writer's machine lost power)")
    func anotherHandleRestores() throws {
        let fixture = try Self.unsettled()
        let content = pseudoRandomBytes(count: 2000, seed: 8)
        let stored = try #require(try fixture.store.blob(Self.putUnsettled(fixture, content)))
        try FileManager.default.removeItem(atPath: fixture.store.path(of: stored.digest))
        let other = try Store.open(at: fixture.root)
        #expect(try other.read(stored.digest) == content)
        #expect(try other.settleBlobJournal() == 1)
        #expect(try Self.journaled(fixture).isEmpty)
    }

    @Test("verify settles the journal first: a file lost before settling is written again, not reported")
    func verifySettles() throws {
        let fixture = try Self.unsettled()
        let content = pseudoRandomBytes(count: 2000, seed: 9)
        let stored = try #require(try fixture.store.blob(Self.putUnsettled(fixture, content)))
        try FileManager.default.removeItem(atPath: fixture.store.path(of: stored.digest))
        let report = try fixture.store.verify()
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(FileManager.default.contents(atPath: fixture.store.path(of: stored.digest)).map(Array.init) == content)
    }

    @Test("putting content again while its first put is still journaled keeps one copy and one blob")
    func samePutTwice() throws {
        let fixture = try Self.unsettled()
        let content = pseudoRandomBytes(count: 1000, seed: 10)
        let first = try fixture.store.put(bytes: content)
        let second = try fixture.store.put(bytes: content)
        #expect(!first.alreadyStored && second.alreadyStored)
        #expect(try Self.journaled(fixture) == [first.digest.hex])
        #expect(try fixture.store.settleBlobJournal() == 1)
        #expect(try fixture.store.read(first.digest) == content)
    }

    @Test("puts from many threads at once, journaled in shared commits, all read back and settle")
    func concurrentPuts() throws {
        let fixture = try Self.unsettled()
        let contents = (0..<64).map { pseudoRandomBytes(count: 3000, seed: UInt64(100 + $0)) }
        let digests = Mutex<[BlobDigest?]>(Array(repeating: nil, count: contents.count))
        let store = fixture.store
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in stride(from: thread, to: contents.count, by: 8) {
                let digest = try? store.put(bytes: contents[index]).digest
                digests.withLock { $0[index] = digest }
            }
        }
        let stored = digests.withLock { $0 }
        for (index, digest) in stored.enumerated() {
            #expect(try digest.map { try fixture.store.read($0) } == contents[index])
        }
        try fixture.store.settleBlobJournal()
        #expect(try Self.journaled(fixture).isEmpty)
        #expect(try fixture.store.verify().problems.isEmpty)
    }

    @Test("verify --repair beside a put it did not settle neither reports nor marks that blob: its file is still to be written")
    func verifyBesideAPut() throws {
        let fixture = try Self.unsettled()
        // Content whose digest sorts into the last fan-out directories: verify walks them after
        // the put below.
        let content = try #require((0..<10_000).lazy.map { Array("late \($0)".utf8) }.first { CanInstallFixture.sha256($0).hasPrefix("f") })
        var unsettled = Store.Options()
        unsettled.blobJournalSettleDelay = 3600
        let other = try Store.open(at: fixture.root, options: unsettled)
        let put = Mutex<BlobDigest?>(nil)
        var options = VerifyOptions(repair: true)
        options.progress = { progress in
            guard progress.directoriesDone == 1 else { return }
            put.withLock { if $0 == nil { $0 = try? other.put(bytes: content).digest } }
        }
        let report = try fixture.store.verify(options)
        let digest = try #require(put.withLock { $0 })
        #expect(report.problems.isEmpty, "\(report.problems.map(\.message))")
        #expect(try fixture.store.blob(digest)?.quarantinedAt == nil)
        #expect(try fixture.store.read(digest) == content)
    }

    @Test("putting the content again replaces a journal copy that went bad before its file was written")
    func putRepairsABadCopy() throws {
        let fixture = try Self.unsettled()
        let content = pseudoRandomBytes(count: 3000, seed: 20)
        let digest = try fixture.store.put(bytes: content).digest
        let database = try DatabaseQueue(path: fixture.root.appending(path: "store.sqlite").path(percentEncoded: false))
        try database.write { try $0.execute(sql: "UPDATE blob_journal SET content = x'00'") }
        expectStoreError(.blobMissing) { try fixture.store.read(digest) }
        #expect(try fixture.store.verify().problems.map(\.kind) == [.missingFile], "a bad copy is not the content")

        _ = try fixture.store.put(bytes: content)
        #expect(try fixture.store.read(digest) == content)
    }

    @Test("two readers that opened one damaged file before it was settled both end with the content, the blob unmarked")
    func twoReadersOfADamagedFile() throws {
        let fixture = try Self.unsettled()
        let content = pseudoRandomBytes(count: 3000, seed: 21)
        let digest = try Self.putUnsettled(fixture, content)
        try fixture.tamperLocalCopy(digest, with: pseudoRandomBytes(count: 3000, seed: 22))
        let first = try fixture.store.open(digest), second = try fixture.store.open(digest)
        for reader in [first, second] {
            let error = expectStoreError(.blobCorrupt) { try reader.readToEnd() }
            #expect(error?.message.contains("read it again") == true, "\(error?.message ?? "")")
        }
        #expect(try fixture.store.read(digest) == content)
        #expect(try fixture.store.blob(digest)?.quarantinedAt == nil)
        #expect(try Self.quarantineEntries(fixture).count == 1)
    }

    @Test("a symbolic link found where a journaled blob's file goes is moved aside by the settle, and the file written")
    func settleMovesAsideWhatIsNotAFile() throws {
        let fixture = try Self.unsettled()
        let content = pseudoRandomBytes(count: 3000, seed: 23)
        let digest = try fixture.store.put(bytes: content).digest
        let path = fixture.store.path(of: digest)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/etc/hostname")

        #expect(try fixture.store.settleBlobJournal() == 1)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType == .typeRegular)
        #expect(FileManager.default.contents(atPath: path).map(Array.init) == content)
        #expect(try Self.quarantineEntries(fixture).count == 1)
        #expect(try Self.journaled(fixture).isEmpty)
    }

    @Test("verify goes on when the settle it runs first fails (tmp/ unusable, as on a full disk), and counts the copies")
    func verifyBesideAFailingSettle() throws {
        let fixture = try Self.unsettled()
        let digest = try fixture.store.put(bytes: pseudoRandomBytes(count: 3000, seed: 24)).digest
        let tmp = fixture.root.appending(path: "tmp").path(percentEncoded: false)
        try FileManager.default.removeItem(atPath: tmp)
        #expect(FileManager.default.createFile(atPath: tmp, contents: Data("not a directory".utf8)))
        #expect(throws: StoreError.self) { try fixture.store.settleBlobJournal() }

        let report = try fixture.store.verify()
        #expect(!report.problems.contains { $0.digest == digest }, "\(report.problems.map(\.message))")
        #expect(fixture.log.messages.contains { $0.message.contains("could not settle the blob journal") })
        #expect(try Self.journaled(fixture) == [digest.hex])
    }
}

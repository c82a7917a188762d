import ArtifactStore
import Foundation
import GRDB
import HTTPCaching
import Synchronization
import Testing
import TestSupport

@Suite("Verification on read")
struct IntegrityTests {
    @Test("an altered blob fails to read, is quarantined and its row marked", arguments: [
        "altered": pseudoRandomBytes(count: 5000, seed: 2),  // same size, other bytes
        "truncated": Array(pseudoRandomBytes(count: 5000, seed: 1).prefix(1234)),
        "emptied": [],
        "extended": pseudoRandomBytes(count: 5000, seed: 1) + [0],
    ])
    func corruptBlob(damage: String, replacement: [UInt8]) throws {
        let fixture = try TestStore()
        let original = pseudoRandomBytes(count: 5000, seed: 1)
        let stored = try fixture.store.put(bytes: original)
        try fixture.tamper(stored.digest, with: replacement)

        let error = expectStoreError(.blobCorrupt) { try fixture.store.read(stored.digest) }
        #expect(error?.message.contains("quarantine") == true, "\(damage): \(error?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: fixture.blobPath(stored.digest)), "the bad file left blobs/")
        let quarantined = try FileManager.default.contentsOfDirectory(atPath: fixture.root.appending(path: "quarantine").path(percentEncoded: false))
        #expect(quarantined.count == 1)
        #expect(quarantined.first?.hasPrefix(stored.digest.hex) == true)
        let info = try #require(try fixture.store.blob(stored.digest))
        #expect(info.quarantinedAt != nil)
        #expect(try fixture.store.stats().quarantinedBlobCount == 1)

        // Later reads keep failing with the same explanation, and nothing is served.
        let again = expectStoreError(.blobCorrupt) { try fixture.store.read(stored.digest) }
        #expect(again?.message.contains("failed verification") == true)
        // One error in the log, naming what happened (not one per failed read).
        #expect(fixture.log.messages.filter { $0.level == .error }.map(\.message) == ["blob failed verification and was quarantined"])
    }

    @Test("a blob file that grows after it was opened is read to its end and quarantined, never returned as the shorter good content", TestMetadata.localBlobs)
    func blobGrowingWhileRead() throws {
        let fixture = try TestStore()
        let original = pseudoRandomBytes(count: 5000, seed: 1)
        let stored = try fixture.store.put(bytes: original)
        let reader = try fixture.store.open(stored.digest)
        let path = fixture.blobPath(stored.digest)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(pseudoRandomBytes(count: 3000, seed: 9)))
        try handle.close()
        expectStoreError(.blobCorrupt) { try reader.readToEnd() }
        #expect(try fixture.store.blob(stored.digest)?.quarantinedAt != nil)
    }

    @Test("a digest mismatch quarantines the blob whoever reads it (BlobReader is the one way in)",
          arguments: ["read", "copy", "stream", "verdict's body", "export copy", "export hard link", "index page"])
    func everyReaderQuarantines(reader: String) throws {
        let fixture = try TestStore()
        let original = Array("<a href='foo-1.0-py3-none-any.whl'>foo</a>".utf8)
        let stored = try fixture.store.put(bytes: original)
        try fixture.tamper(stored.digest, with: Array("<a href='evil-6.6-py3-none-any.whl'>no</a>".utf8))
        let out = fixture.directory.url.appending(path: "out")
        let item = ExportItem(requirement: "foo", project: "foo", filename: "foo-1.0-py3-none-any.whl", digest: stored.digest, size: stored.size)
        switch reader {
        case "read": _ = try? fixture.store.read(stored.digest)
        case "copy":
            let sink = try #require(FileHandle(forWritingAtPath: "/dev/null"))
            defer { try? sink.close() }
            try? fixture.store.copy(stored.digest, to: sink.fileDescriptor)
        case "stream": _ = try? fixture.store.open(stored.digest).readToEnd()
        case "verdict's body":
            let request = Fixtures.get("https://files.example.org/foo-1.0-py3-none-any.whl")
            try fixture.store.record(request: request, response: PutAndRecordTests.wheelResponse, body: stored, requestTime: Fixtures.seen, responseTime: Fixtures.seen)
            let satisfied = try #require(try fixture.verdict(request, .offline).satisfied)
            _ = try? fixture.store.readBody(of: satisfied)
        case "export copy": _ = try? fixture.store.export(items: [item], missing: [], to: out, layout: .findLinks)
        case "export hard link": _ = try? fixture.store.export(items: [item], missing: [], to: out, layout: .findLinks, method: .hardLink)
        default:
            // Recording a page reads its body back (verified) to list its files.
            _ = try? fixture.store.record(request: Fixtures.get("https://pypi.org/simple/foo/"), response: Fixtures.response(200, ["Content-Type": "text/html", "Cache-Control": "max-age=600"]),
                                     body: stored, requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        }
        #expect(try fixture.store.blob(stored.digest)?.quarantinedAt != nil, "\(reader) quarantined it")
        #expect(!FileManager.default.fileExists(atPath: fixture.blobPath(stored.digest)))
        #expect(!FileManager.default.fileExists(atPath: out.appending(path: "foo-1.0-py3-none-any.whl").path(percentEncoded: false)))
        #expect(fixture.log.messages.filter { $0.level == .error }.map(\.message) == ["blob failed verification and was quarantined"])
    }

    @Test("the body of a verdict reads back verified, and what befell its blob since the verdict is told as a read by digest tells it",
          arguments: ["intact", "altered", "lost", "quarantined"])
    func bodyOfAVerdict(since: String) throws {
        let fixture = try TestStore()
        let body = pseudoRandomBytes(count: 5000, seed: 3)
        let stored = try fixture.store.put(bytes: body)
        let request = Fixtures.get(Fixtures.torchWheel)
        try fixture.store.record(request: request, response: PutAndRecordTests.wheelResponse, body: stored, requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        let satisfied = try #require(try fixture.verdict(request, .offline).satisfied)
        switch since {
        case "intact":
            #expect(try fixture.store.readBody(of: satisfied) == body)
            #expect(try fixture.store.openBody(of: satisfied)?.readToEnd() == body)
        case "altered":
            try fixture.tamper(stored.digest, with: pseudoRandomBytes(count: 5000, seed: 4))
            expectStoreError(.blobCorrupt) { try fixture.store.readBody(of: satisfied) }
            #expect(try fixture.store.blob(stored.digest)?.quarantinedAt != nil)
        case "lost":
            try fixture.loseBlob(stored.digest)
            let error = expectStoreError(.blobMissing) { try fixture.store.readBody(of: satisfied) }
            #expect(error?.message.contains("put the original file again") == true)
        default:
            // Another reader found it damaged after the verdict: its file is in quarantine/.
            try fixture.tamper(stored.digest, with: pseudoRandomBytes(count: 5000, seed: 4))
            expectStoreError(.blobCorrupt) { try fixture.store.read(stored.digest) }
            let error = expectStoreError(.blobCorrupt) { try fixture.store.readBody(of: satisfied) }
            #expect(error?.message.contains("failed verification") == true)
        }
    }

    @Test("a verdict on a response without a body (a HEAD's) has no body to read")
    func verdictWithoutBody() throws {
        let fixture = try TestStore()
        let request = HTTPRequestHead(method: "HEAD", url: Fixtures.torchWheel)
        try fixture.store.record(request: request, response: PutAndRecordTests.wheelResponse, body: nil, requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        let satisfied = try #require(try fixture.verdict(request, .offline).satisfied)
        #expect(try fixture.store.readBody(of: satisfied) == nil)
        #expect(try fixture.store.openBody(of: satisfied) == nil)
    }

    @Test("putting the original content again restores a quarantined blob")
    func restoreAfterQuarantine() throws {
        let fixture = try TestStore()
        let original = Array("precious wheel".utf8)
        let stored = try fixture.store.put(bytes: original)
        try fixture.tamper(stored.digest, with: Array("rotten wheel!!".utf8))
        expectStoreError(.blobCorrupt) { try fixture.store.read(stored.digest) }

        let restored = try fixture.store.put(bytes: original)
        #expect(!restored.alreadyStored)
        #expect(try fixture.store.read(stored.digest) == original)
        #expect(try fixture.store.blob(stored.digest)?.quarantinedAt == nil)
    }

    @Test("a corrupt blob is never copied out, not even in part")
    func copyWritesNothingWhenCorrupt() throws {
        let fixture = try TestStore()
        let stored = try fixture.store.put(bytes: pseudoRandomBytes(count: 3 << 20, seed: 5))
        var damaged = pseudoRandomBytes(count: 3 << 20, seed: 5)
        damaged[damaged.count - 1] ^= 0xff  // the last byte only: detectable only at the end
        try fixture.tamper(stored.digest, with: damaged)

        let output = fixture.directory.url.appending(path: "out")
        #expect(FileManager.default.createFile(atPath: output.path(percentEncoded: false), contents: nil))
        let handle = try FileHandle(forWritingTo: output)
        expectStoreError(.blobCorrupt) { try fixture.store.copy(stored.digest, to: handle.fileDescriptor) }
        try handle.close()
        #expect(try Data(contentsOf: output).isEmpty)
    }

    @Test("a streaming reader throws at the end when the content does not match")
    func streamingReaderDetectsMismatchAtEnd() throws {
        let fixture = try TestStore()
        let stored = try fixture.store.put(bytes: pseudoRandomBytes(count: 10_000, seed: 8))
        var damaged = pseudoRandomBytes(count: 10_000, seed: 8)
        damaged[0] ^= 1
        try fixture.tamper(stored.digest, with: damaged)
        let reader = try fixture.store.open(stored.digest)
        expectStoreError(.blobCorrupt) { try reader.readToEnd() }
    }

    @Test("a blob whose file was deleted is reported missing, not absent")
    func missingFile() throws {
        let fixture = try TestStore()
        let stored = try fixture.store.put(bytes: Array("soon gone".utf8))
        try fixture.loseBlob(stored.digest)
        let error = expectStoreError(.blobMissing) { try fixture.store.read(stored.digest) }
        #expect(error?.message.contains("put the original file again") == true)
    }

    @Test("with shared blobs, a corrupt copy in this node's directory is moved aside and the bucket's copy is read, verified; the shared row is not marked",
          .enabled(if: TestMetadata.sharesBlobs, "needs ARTIFACT_STORE_TEST_BLOBS"))
    func corruptCachedCopyIsFetchedAgain() throws {
        let fixture = try TestStore()
        let bytes = pseudoRandomBytes(count: 30_000, seed: 11)
        let stored = try fixture.store.put(bytes: bytes)
        var damaged = bytes
        damaged[100] ^= 1
        try fixture.tamperLocalCopy(stored.digest, with: damaged)
        #expect(try fixture.store.read(stored.digest) == bytes)
        let quarantine = fixture.root.appending(path: "quarantine").path(percentEncoded: false)
        #expect(try FileManager.default.contentsOfDirectory(atPath: quarantine).count == 1, "the damaged copy is kept aside")
        #expect(try fixture.store.blob(stored.digest)?.quarantinedAt == nil, "other nodes' copies are not this disk's damage")
        #expect(try fixture.store.verify().isClean)

        // A reader that meets the damage mid-stream fails; the next read is whole again.
        try fixture.tamperLocalCopy(stored.digest, with: damaged)
        let reader = try fixture.store.open(stored.digest)
        expectStoreError(.blobCorrupt) { try reader.readToEnd() }
        #expect(try fixture.store.open(stored.digest).readToEnd() == bytes)
    }

    @Test("a symbolic link in place of a blob is not followed")
    func symlinkNotFollowed() throws {
        let fixture = try TestStore()
        let stored = try fixture.store.put(bytes: Array("real".utf8))
        let outside = try fixture.directory.file("outside", contents: Array("real".utf8))
        let path = fixture.blobPath(stored.digest)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: outside.path(percentEncoded: false))
        expectStoreError(.blobCorrupt) { try fixture.store.read(stored.digest) }
    }

    @Test("a FIFO in place of a blob is refused at once, never waited on; verify reports it")
    func fifoNeverBlocks() throws {
        let fixture = try TestStore()
        let stored = try fixture.store.put(bytes: Array("real".utf8))
        let path = fixture.blobPath(stored.digest)
        try FileManager.default.removeItem(atPath: path)
        #expect(mkfifo(path, 0o644) == 0)
        let started = Date()
        expectStoreError(.blobCorrupt) { try fixture.store.read(stored.digest) }
        var options = VerifyOptions()
        options.repair = false
        let report = try fixture.store.verify(options)
        #expect(!report.isClean)
        #expect(Date().timeIntervalSince(started) < 5)
    }
}

@Suite("Publication rules")
struct PublicationTests {
    @Test("a blob file without its row (a crash between rename and commit) is not served", TestMetadata.sqliteOnly)
    func rowlessFileNotServed() throws {
        let fixture = try TestStore()
        let stored = try fixture.store.put(bytes: Array("orphan".utf8))
        #expect(try runSQLite(fixture.root.appending(path: "store.sqlite").path(percentEncoded: false), "DELETE FROM blob") == 0)
        expectStoreError(.notFound) { try fixture.store.read(stored.digest) }
        // Putting it again publishes it properly.
        #expect(try fixture.store.put(bytes: Array("orphan".utf8)).alreadyStored == false)
        #expect(try fixture.store.read(stored.digest) == Array("orphan".utf8))
    }

    @Test("a truncated blob file nobody has read yet is replaced by a put of the original")
    func truncatedFileReplacedOnPut() throws {
        let fixture = try TestStore()
        let original = pseudoRandomBytes(count: 4096, seed: 4)
        let stored = try fixture.store.put(bytes: original)
        try fixture.tamper(stored.digest, with: Array(original.prefix(100)))
        #expect(try fixture.store.put(bytes: original).alreadyStored == false)
        #expect(try fixture.store.read(stored.digest) == original)
    }

    @Test("a blob file altered in place (same size, other bytes) is repaired by a put of the original, not confirmed")
    func alteredSameSizeReplacedOnPut() throws {
        let fixture = try TestStore()
        let original = pseudoRandomBytes(count: 4096, seed: 5)
        let stored = try fixture.store.put(bytes: original)
        var altered = original
        altered[2000] ^= 0xFF
        try fixture.tamper(stored.digest, with: altered)
        #expect(try fixture.store.put(bytes: original).alreadyStored == false)
        #expect(try fixture.store.read(stored.digest) == original)
        #expect(try fixture.store.put(bytes: original).alreadyStored == true, "an intact blob is confirmed")
        if fixture.bucket == nil {
            #expect(fixture.log.messages.filter { $0.message.contains("did not match its name") }.count == 1, "the damage is logged, once")
        }
    }

    @Test("processes putting the same content at once all succeed, and none reports the file another one published as damage", TestMetadata.sqliteOnly)
    func concurrentPutsOfOneContentAreNotDamage() throws {
        let fixture = try TestStore()
        let log = CapturedLog()
        let stores = try (0..<4).map { _ in
            try Store.open(at: fixture.root, options: { var options = Store.Options(); options.logger = log.logger; return options }())
        }
        let failures = Mutex<[String]>([])
        for round in 0..<12 {
            // Big enough that every process checks for the file before any has published it.
            let content = pseudoRandomBytes(count: 256 << 10, seed: UInt64(100 + round))
            let digests = Mutex<Set<BlobDigest>>([])
            DispatchQueue.concurrentPerform(iterations: stores.count) { worker in
                do {
                    let stored = try stores[worker].put(bytes: content)
                    digests.withLock { _ = $0.insert(stored.digest) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            let digest = try #require(digests.withLock { $0 }.first)
            #expect(try fixture.store.read(digest) == content)
        }
        #expect(failures.withLock { $0 }.isEmpty)
        #expect(log.messages.filter { $0.level >= .warning }.map(\.message) == [])
    }

    @Test("a put whose commit fails (as on a full disk) leaves no orphan file behind", TestMetadata.sqliteOnly)
    func failedCommitLeavesNoOrphan() throws {
        let fixture = try TestStore()
        // A deferred foreign-key violation is only reported at COMMIT: the commit of the put fails
        // after its file was renamed into place, as SQLITE_FULL at commit would.
        let database = try DatabaseQueue(path: fixture.root.appending(path: "store.sqlite").path(percentEncoded: false))
        try database.write { db in
            try db.execute(sql: """
                CREATE TABLE failing_commit (digest TEXT REFERENCES blob (digest) DEFERRABLE INITIALLY DEFERRED);
                CREATE TRIGGER fail_at_commit AFTER INSERT ON blob BEGIN INSERT INTO failing_commit VALUES ('not-a-blob'); END;
                """)
        }
        let bytes = Array("the commit of this put fails".utf8)
        #expect(throws: StoreError.self) { try fixture.store.put(bytes: bytes) }
        let digest = try BlobDigest(validating: CanInstallFixture.sha256(bytes))
        #expect(!FileManager.default.fileExists(atPath: fixture.blobPath(digest)), "the file renamed for the failed commit is gone")
        #expect(try fixture.store.blob(digest) == nil)
    }

    @Test("a put waits for another process's write transaction: nothing is published before it commits", TestMetadata.sqliteOnly)
    func publicationWaitsForTheWriteLock() throws {
        let fixture = try TestStore()
        let database = fixture.root.appending(path: "store.sqlite").path(percentEncoded: false)
        // Another process takes the write lock and holds it for a second.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["sqlite3", database, "BEGIN IMMEDIATE; SELECT 1; ", ".shell sleep 1", "COMMIT;"]
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        Thread.sleep(forTimeInterval: 0.3)
        let bytes = Array("waits for the lock".utf8)
        let started = Date()
        let stored = try fixture.store.put(bytes: bytes)
        let waited = Date().timeIntervalSince(started)
        holder.waitUntilExit()
        #expect(holder.terminationStatus == 0)
        #expect(waited > 0.4, "the put published only after the other writer committed (waited \(waited) s)")
        #expect(try fixture.store.read(stored.digest) == bytes)
    }
}

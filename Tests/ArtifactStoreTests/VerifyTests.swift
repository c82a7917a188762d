import ArtifactStore
import Foundation
import Testing
import TestSupport

extension TestStore {
    /// The digest `bytes` would be stored under (computed by a throwaway store).
    static func digest(of bytes: [UInt8]) throws -> BlobDigest {
        let scratch = try TestStore()
        return try withExtendedLifetime(scratch) { try scratch.store.put(bytes: bytes).digest }
    }

    /// Writes a file into `blobs/sha256/` behind the store's back.
    @discardableResult
    func plantFile(_ relative: String, _ contents: [UInt8]) throws -> String {
        let url = root.appending(path: "blobs/sha256/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents).write(to: url)
        return url.path(percentEncoded: false)
    }

    var quarantined: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: root.appending(path: "quarantine").path(percentEncoded: false))) ?? []
    }
}

extension VerifyReport {
    var kinds: [VerifyProblem.Kind] { problems.map(\.kind) }
}

@Suite("verify")
struct VerifyTests {
    @Test("a healthy store is clean: every blob re-hashed, rows and files agree, database ok")
    func healthyStoreIsClean() throws {
        let fixture = try TestStore()
        for seed in 0..<40 { _ = try fixture.store.put(bytes: pseudoRandomBytes(count: 1000 + Int(seed) * 100, seed: UInt64(seed))) }
        let report = try fixture.store.verify()
        #expect(report.isClean)
        #expect(report.problems.isEmpty)
        #expect(report.blobsHashed == 40)
        #expect(report.blobRows == 40)
        #expect(report.integrityCheck == ["ok"])
        let any = try #require(try fixture.store.forEachBlobInfo().first)
        #expect(any.verifiedAt != nil, "verify records when each blob was last proven intact")
    }

    @Test("a blob file deleted by hand is reported; --repair marks its row and a new put restores it", TestMetadata.judgesMissingFiles)
    func deletedFile() throws {
        let fixture = try TestStore()
        let bytes = pseudoRandomBytes(count: 3000, seed: 7)
        let stored = try fixture.store.put(bytes: bytes)
        try FileManager.default.removeItem(atPath: fixture.blobPath(stored.digest))

        let found = try fixture.store.verify()
        #expect(found.kinds == [.missingFile])
        #expect(found.problems.first?.digest == stored.digest)
        #expect(found.problems.first?.message.lowercased().contains("put the original file again") == true)
        #expect(!found.isClean)

        let repaired = try fixture.store.verify(VerifyOptions(repair: true))
        #expect(repaired.kinds == [.missingFile])
        #expect(repaired.problems.first?.repair?.contains("marked") == true)
        #expect(repaired.isClean)
        #expect(try fixture.store.verify().problems.isEmpty, "after the repair the store verifies clean")
        expectStoreError(.blobCorrupt) { try fixture.store.read(stored.digest) }

        _ = try fixture.store.put(bytes: bytes)
        #expect(try fixture.store.read(stored.digest) == bytes)
        #expect(try fixture.store.verify().problems.isEmpty)
    }

    @Test("an altered blob file is reported; --repair moves it to quarantine/ and never deletes it")
    func alteredFile() throws {
        let fixture = try TestStore()
        let good = try fixture.store.put(bytes: pseudoRandomBytes(count: 4000, seed: 1))
        let bad = try fixture.store.put(bytes: pseudoRandomBytes(count: 4000, seed: 2))
        try fixture.tamper(bad.digest, with: pseudoRandomBytes(count: 4000, seed: 3))

        let found = try fixture.store.verify()
        #expect(found.kinds == [.contentMismatch])
        #expect(found.problems.first?.digest == bad.digest)
        #expect(FileManager.default.fileExists(atPath: fixture.blobPath(bad.digest)), "without --repair nothing moves")

        let repaired = try fixture.store.verify(VerifyOptions(repair: true))
        #expect(repaired.isClean)
        #expect(repaired.problems.first?.repair?.contains("quarantine") == true)
        #expect(!FileManager.default.fileExists(atPath: fixture.blobPath(bad.digest)))
        #expect(fixture.quarantined.count == 1, "the bad file is kept in quarantine/")
        #expect(try fixture.store.blob(bad.digest)?.quarantinedAt != nil)
        #expect(try fixture.store.read(good.digest).count == 4000)
        #expect(try fixture.store.verify().problems.isEmpty)
    }

    @Test("verify is not clean while pinned or referenced content sits in quarantine; putting the original again makes it clean")
    func quarantinedButNeeded() throws {
        let fixture = try TestStore()
        let original = pseudoRandomBytes(count: 4000, seed: 7)
        let pinned = try fixture.store.put(bytes: original)
        try fixture.store.pin(.digest(pinned.digest))
        try fixture.tamper(pinned.digest, with: pseudoRandomBytes(count: 4000, seed: 8))
        let repaired = try fixture.store.verify(VerifyOptions(repair: true))
        #expect(repaired.kinds.contains(.quarantinedButNeeded))
        #expect(!repaired.isClean, "quarantining a pinned blob is not the end of the story")
        #expect(try fixture.store.verify().kinds == [.quarantinedButNeeded])
        _ = try fixture.store.put(bytes: original)
        #expect(try fixture.store.verify().isClean)
    }

    @Test("a file whose size differs from its row is reported as corrupt")
    func truncatedFile() throws {
        let fixture = try TestStore()
        let stored = try fixture.store.put(bytes: pseudoRandomBytes(count: 4000, seed: 1))
        try fixture.tamper(stored.digest, with: Array(pseudoRandomBytes(count: 4000, seed: 1).prefix(100)))
        let report = try fixture.store.verify()
        #expect(report.kinds == [.contentMismatch])
        #expect(report.problems.first?.message.contains("100 bytes instead of 4000") == true)
    }

    @Test("extra unknown files and directories in blobs/ are reported and moved to quarantine/ by --repair")
    func unknownFiles() throws {
        let fixture = try TestStore()
        _ = try fixture.store.put(bytes: Array("kept".utf8))
        try fixture.plantFile("ab/notes.txt", Array("hello".utf8))
        try fixture.plantFile("README", Array("hello".utf8))
        try fixture.plantFile("zz/" + String(repeating: "a", count: 64), Array("x".utf8))

        let found = try fixture.store.verify()
        #expect(found.kinds.count == 3, "notes.txt, README and the zz/ directory: \(found.problems.map(\.message))")
        #expect(found.kinds.allSatisfy { $0 == .unexpectedFile })
        let repaired = try fixture.store.verify(VerifyOptions(repair: true))
        #expect(repaired.isClean)
        #expect(try fixture.store.verify().problems.isEmpty)
        #expect(fixture.quarantined.count == repaired.problems.count)
    }

    @Test("an orphan file whose content matches its name is adopted by --repair; a mismatching one is quarantined", TestMetadata.localBlobs)
    func orphanFiles() throws {
        let fixture = try TestStore()
        let bytes = pseudoRandomBytes(count: 2500, seed: 9)
        let digest = try TestStore.digest(of: bytes)
        try fixture.plantFile("\(digest.hex.prefix(2))/\(digest.hex)", bytes)
        let liar = try TestStore.digest(of: Array("something else".utf8))
        try fixture.plantFile("\(liar.hex.prefix(2))/\(liar.hex)", Array("not that".utf8))

        let found = try fixture.store.verify()
        #expect(Set(found.kinds) == [.orphanFile, .contentMismatch])
        expectStoreError(.notFound) { try fixture.store.read(digest) }

        let repaired = try fixture.store.verify(VerifyOptions(repair: true))
        #expect(repaired.isClean)
        #expect(try fixture.store.read(digest) == bytes, "the adopted blob is served")
        #expect(try fixture.store.blob(digest)?.size == 2500)
        #expect(fixture.quarantined.count == 1)
        #expect(try fixture.store.verify().problems.isEmpty)
    }

    @Test("a symbolic link in place of a blob file is reported, never followed, and moved aside by --repair")
    func symlinkInsteadOfFile() throws {
        let fixture = try TestStore()
        let stored = try fixture.store.put(bytes: Array("linked".utf8))
        let outside = try fixture.directory.file("outside", contents: Array("linked".utf8))
        let path = fixture.blobPath(stored.digest)
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: outside.path(percentEncoded: false))

        let found = try fixture.store.verify()
        #expect(found.kinds == [.symlink])
        let repaired = try fixture.store.verify(VerifyOptions(repair: true))
        #expect(repaired.isClean)
        #expect(FileManager.default.fileExists(atPath: outside.path(percentEncoded: false)), "the link's target is untouched")
        #expect(try fixture.store.verify().problems.isEmpty)
    }

    @Test("--sample re-hashes only a share of the blobs but still finds a missing file", TestMetadata.judgesMissingFiles)
    func sampling() throws {
        let fixture = try TestStore()
        var last: StoredBlob?
        for seed in 0..<300 { last = try fixture.store.put(bytes: pseudoRandomBytes(count: 64, seed: UInt64(seed))) }
        try FileManager.default.removeItem(atPath: fixture.blobPath(last!.digest))
        let report = try fixture.store.verify(VerifyOptions(sample: 0.1))
        #expect(report.blobsHashed < 150)
        #expect(report.kinds == [.missingFile])
        expectStoreError(.invalidInput) { try fixture.store.verify(VerifyOptions(sample: 0)) }
    }

    @Test("a crash image with its -wal is recovered on open and verifies clean", TestMetadata.sqliteOnly)
    func staleWALRecovered() throws {
        let fixture = try TestStore()
        var digests: [BlobDigest] = []
        for seed in 0..<10 { digests.append(try fixture.store.put(bytes: pseudoRandomBytes(count: 500, seed: UInt64(seed))).digest) }
        // Copy the store while it is open: the -wal holds committed transactions not yet in
        // store.sqlite, as after a power cut.
        let image = fixture.directory.url.appending(path: "image")
        try FileManager.default.copyItem(at: fixture.root, to: image)
        #expect(FileManager.default.fileExists(atPath: image.appending(path: "store.sqlite-wal").path(percentEncoded: false)))
        let reopened = try Store.open(at: image)
        let report = try reopened.verify()
        #expect(report.problems.isEmpty, "\(report.problems.map(\.message))")
        #expect(report.blobRows == 10)
        for digest in digests { #expect(try reopened.read(digest).count == 500) }
    }

    @Test("a crash image whose -wal was lost is refused as a lost database; opened as verify --repair opens it, it has orphan files that --repair adopts", TestMetadata.sqliteOnly)
    func lostWALLeavesOrphans() throws {
        let fixture = try TestStore()
        let image = fixture.directory.url.appending(path: "image")
        var digests: [BlobDigest] = []
        for seed in 0..<10 { digests.append(try fixture.store.put(bytes: pseudoRandomBytes(count: 500, seed: UInt64(seed))).digest) }
        // Their files written and synced, as moments after the puts (the journal settled).
        try fixture.store.settleBlobJournal()
        try FileManager.default.copyItem(at: fixture.root, to: image)
        for suffix in ["-wal", "-shm"] {
            try? FileManager.default.removeItem(at: image.appending(path: "store.sqlite" + suffix))
        }
        // Nothing was checkpointed: store.sqlite holds no schema at all, beside ten blob files.
        expectStoreError(.unusableStore) { _ = try Store.open(at: image) }
        var options = Store.Options()
        options.recreatesMissingDatabase = true
        let reopened = try Store.open(at: image, options: options)
        let found = try reopened.verify()
        #expect(!found.isClean)
        #expect(found.problems.allSatisfy { $0.kind == .orphanFile })
        let repaired = try reopened.verify(VerifyOptions(repair: true))
        #expect(repaired.isClean)
        for digest in digests { #expect(try reopened.read(digest).count == 500) }
        #expect(try reopened.verify().problems.isEmpty)
    }
}

extension Store {
    /// Every blob row, for tests.
    func forEachBlobInfo() throws -> [BlobInfo] {
        var all: [BlobInfo] = []
        try forEachBlob { all.append($0) }
        return all
    }
}

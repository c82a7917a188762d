import ArtifactStore
import Foundation
import GRDBSQLite
import Testing
import TestSupport

@Suite("Opening a store", TestMetadata.sqliteOnly)
struct OpeningTests {
    @Test("a new store is created private to the user, with its layout")
    func createsLayout() throws {
        let directory = try TemporaryDirectory()
        let root = directory.url.appending(path: "a/b/store")
        _ = try Store.open(at: root)
        let path = root.path(percentEncoded: false)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        for entry in ["store.sqlite", "blobs/sha256", "tmp", "quarantine", "STORE-FORMAT"] {
            #expect(FileManager.default.fileExists(atPath: path + "/" + entry), "\(entry)")
        }
        #expect(try String(contentsOfFile: path + "/STORE-FORMAT", encoding: .utf8) == "1\n")
    }

    @Test("reopening a store keeps its blobs")
    func reopen() throws {
        let directory = try TemporaryDirectory()
        let stored = try Store.open(at: directory.url).put(bytes: Array("kept".utf8))
        let reopened = try Store.open(at: directory.url)
        #expect(try reopened.read(stored.digest) == Array("kept".utf8))
    }

    @Test("a store written by a newer format is refused with a clear error")
    func newerFormatFile() throws {
        let directory = try TemporaryDirectory()
        _ = try Store.open(at: directory.url)
        try "2\n".write(toFile: directory.path + "/STORE-FORMAT", atomically: true, encoding: .utf8)
        let error = expectStoreError(.newerFormat) { try Store.open(at: directory.url) }
        #expect(error?.message.contains("newer artifact-store") == true)
    }

    @Test("a database migrated by a newer build is refused")
    func newerSchema() throws {
        let directory = try TemporaryDirectory()
        _ = try Store.open(at: directory.url)
        let status = try runSQLite(directory.path + "/store.sqlite", "INSERT INTO grdb_migrations VALUES ('9999_future')")
        #expect(status == 0)
        let error = expectStoreError(.newerFormat) { try Store.open(at: directory.url) }
        #expect(error?.message.contains("9999_future") == true)
    }

    @Test("an older store's format file is upgraded on open")
    func olderFormatUpgraded() throws {
        let directory = try TemporaryDirectory()
        _ = try Store.open(at: directory.url)
        try "0\n".write(toFile: directory.path + "/STORE-FORMAT", atomically: true, encoding: .utf8)
        _ = try Store.open(at: directory.url)
        #expect(try String(contentsOfFile: directory.path + "/STORE-FORMAT", encoding: .utf8) == "1\n")
    }

    @Test("a garbled format file is refused")
    func garbledFormat() throws {
        let directory = try TemporaryDirectory()
        _ = try Store.open(at: directory.url)
        try "banana".write(toFile: directory.path + "/STORE-FORMAT", atomically: true, encoding: .utf8)
        expectStoreError(.unusableStore) { try Store.open(at: directory.url) }
    }

    @Test("a non-empty directory that is not a store is refused")
    func foreignDirectory() throws {
        let directory = try TemporaryDirectory()
        _ = try directory.file("thesis.tex", contents: Array("do not touch".utf8))
        let error = expectStoreError(.unusableStore) { try Store.open(at: directory.url) }
        #expect(error?.message.contains("not an artifact-store directory") == true)
    }

    @Test("a regular file where the store should be is refused", arguments: ["", "/store"])
    func fileInTheWay(suffix: String) throws {
        let directory = try TemporaryDirectory()
        let file = try directory.file("plain", contents: [1])
        let error = expectStoreError(.unusableStore) { try Store.open(at: URL(fileURLWithPath: file.path(percentEncoded: false) + suffix)) }
        #expect(error?.message.contains("not a directory") == true)
    }

    @Test("a truncated database is reported as damaged")
    func truncatedDatabase() throws {
        let directory = try TemporaryDirectory()
        do {
            let store = try Store.open(at: directory.url)
            for index in 0..<50 { _ = try store.put(bytes: Array("blob \(index)".utf8)) }
        }
        let database = directory.path + "/store.sqlite"
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        let handle = try #require(FileHandle(forUpdatingAtPath: database))
        try handle.truncate(atOffset: 100)
        try handle.close()
        expectStoreError(.unusableStore) { try Store.open(at: directory.url).stats() }
    }

    @Test("garbage left in tmp/ by a crashed writer is ignored")
    func tmpGarbageIgnored() throws {
        let fixture = try TestStore()
        let stored = try fixture.store.put(bytes: Array("good".utf8))
        _ = try Data(repeating: 7, count: 1000).write(to: fixture.root.appending(path: "tmp/ingest-1-deadbeef"))
        let reopened = try Store.open(at: fixture.root)
        #expect(try reopened.stats().blobCount == 1)
        #expect(try reopened.read(stored.digest) == Array("good".utf8))
    }

    @Test("SQLite's memory statistics go off only if SQLite has not started, and the call says which")
    func memoryStatisticsOffOnlyBeforeSQLiteStarts() throws {
        // In this process other tests may have started SQLite first, or not: either answer must
        // be the truth, which SQLite's own count of memory in use shows (it stays 0 when off).
        let off = Store.turnOffSQLiteMemoryStatistics()
        let fixture = try TestStore()
        _ = try fixture.store.put(bytes: Array("bytes".utf8))
        #expect((sqlite3_memory_used() == 0) == off)
        #expect(Store.turnOffSQLiteMemoryStatistics() == off, "asked again, the same answer")
    }

    @Test("two stores opened on one directory at once share their blobs")
    func concurrentOpen() async throws {
        let directory = try TemporaryDirectory()
        let url = directory.url
        let digests = try await withThrowingTaskGroup(of: BlobDigest.self) { group in
            for index in 0..<8 {
                group.addTask { try Store.open(at: url).put(bytes: Array("from \(index)".utf8)).digest }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(try Store.open(at: url).stats().blobCount == digests.count)
    }

    @Test("concurrent puts of the same content publish one blob")
    func concurrentSamePut() async throws {
        let fixture = try TestStore()
        let store = fixture.store
        let bytes = pseudoRandomBytes(count: 2 << 20, seed: 99)
        let results = try await withThrowingTaskGroup(of: StoredBlob.self) { group in
            for _ in 0..<6 { group.addTask { try store.put(bytes: bytes) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results.map(\.digest)).count == 1)
        #expect(results.filter { !$0.alreadyStored }.count >= 1)
        #expect(try store.stats().blobCount == 1)
        #expect(try store.read(results[0].digest) == bytes)
    }
}

/// Runs one SQL statement with the sqlite3 shell, as a user poking at the database would.
func runSQLite(_ database: String, _ sql: String) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sqlite3", database, sql]
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

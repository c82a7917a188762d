@testable import ArtifactStore
import Foundation
import GRDB
import Testing
import TestSupport

/// An acknowledged write survives power loss (ARCHITECTURE.md §4, I3): every durable commit waits
/// for the write-ahead log to reach the disk.
@Suite("durability of commits", TestMetadata.sqliteOnly)
struct DurabilityTests {
    @Test("the writer commits with synchronous = FULL when opened, and again after a transaction allowed to skip the fsync")
    func writerCommitsWithFullSync() throws {
        let fixture = try TestStore()
        func synchronous() throws -> Int? {
            try fixture.store.sqlitePool!.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
        }
        // GRDB sets NORMAL on a pool's writer after the store's own set-up ran; 2 is FULL.
        #expect(try synchronous() == 2)
        _ = try fixture.store.put(bytes: Array("a body".utf8))
        try fixture.store.writeTransaction(durable: false) { _ in }
        #expect(try synchronous() == 2)
        let reopened = try Store.open(at: fixture.root)
        #expect(try reopened.sqlitePool!.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
    }

    @Test("a writer kept from the lock gives up after its busy timeout, measured on the clock, with an error that says so")
    func busyTimeoutIsHonoured() throws {
        let fixture = try TestStore()
        var impatient = Store.Options()
        impatient.busyTimeout = 0.2
        let store = try Store.open(at: fixture.root, options: impatient)
        // Another process holds the write lock for 3 s.
        let holder = try DatabaseQueue(path: fixture.root.appending(path: "store.sqlite").path(percentEncoded: false))
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? holder.inDatabase { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                holding.signal()
                _ = release.wait(timeout: .now() + 3)
                try db.execute(sql: "ROLLBACK")
            }
        }
        holding.wait()
        let started = Date()
        let error = expectStoreError(.database) { try store.put(bytes: Array("kept waiting".utf8)) }
        let waited = Date().timeIntervalSince(started)
        release.signal()
        #expect(error?.message.contains("busy") == true, "\(error?.message ?? "")")
        #expect(waited >= 0.2 && waited < 2.5, "gave up after \(waited) s, not after about 0.2 s nor when the lock was released")
    }
}

@testable import ArtifactStore
import Foundation
import GRDB
import Testing
import TestSupport

/// An acknowledged write survives power loss (ARCHITECTURE.md §4, I3): every durable commit waits
/// for the write-ahead log to reach the disk.
@Suite("durability of commits")
struct DurabilityTests {
    @Test("the writer commits with synchronous = FULL when opened, and again after a transaction allowed to skip the fsync")
    func writerCommitsWithFullSync() throws {
        let fixture = try TestStore()
        func synchronous() throws -> Int? {
            try fixture.store.database.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
        }
        // GRDB sets NORMAL on a pool's writer after the store's own set-up ran; 2 is FULL.
        #expect(try synchronous() == 2)
        _ = try fixture.store.put(bytes: Array("a body".utf8))
        try fixture.store.writeTransaction(durable: false) { _ in }
        #expect(try synchronous() == 2)
        let reopened = try Store.open(at: fixture.root)
        #expect(try reopened.database.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)
    }
}

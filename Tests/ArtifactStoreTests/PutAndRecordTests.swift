@_spi(Benchmarks) import ArtifactStore
import Foundation
import GRDB
import HTTPCaching
import Synchronization
import Testing
import TestSupport

/// `record(request:response:committing:…)`: a downloaded body published and its response recorded
/// by one transaction, so one fsync of the log where two commits took two (ARCHITECTURE.md §4, I3).
@Suite("publishing a body and recording its response together")
struct PutAndRecordTests {
    static let wheelResponse = Fixtures.response(200, ["Cache-Control": "max-age=31536000, immutable", "Content-Type": "application/octet-stream"])

    final class Counter: Sendable {
        let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
    }

    /// A store whose write transactions are counted.
    static func countingStore(_ fixture: TestStore) throws -> (Store, Counter) {
        let transactions = Counter()
        var options = Store.Options()
        options.writeLockObserver = { _ in transactions.count.withLock { $0 += 1 } }
        return (try Store.open(at: fixture.root, options: options), transactions)
    }

    @Test("a wheel is published and recorded in one write transaction, and reads back verified")
    func wheelInOneTransaction() throws {
        let fixture = try TestStore()
        let (store, transactions) = try Self.countingStore(fixture)
        let writer = try store.makeBlobWriter()
        try writer.write(Array("wheel bytes".utf8))
        let before = transactions.value
        let (blob, record) = try store.record(request: Fixtures.get(Fixtures.torchWheel), response: Self.wheelResponse, committing: writer,
                                              requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        #expect(transactions.value - before == 1)
        #expect(record.bodyDigest == blob.digest)
        #expect(try store.read(blob.digest) == Array("wheel bytes".utf8))
        #expect(try store.verdict(for: Fixtures.get(Fixtures.torchWheel), policy: .offline, at: Fixtures.seen).isSatisfiable)
        #expect(!FileManager.default.fileExists(atPath: try writer.temporaryFilePath))
        withExtendedLifetime(fixture) {}
    }

    @Test("a project page is published first, then recorded and parsed from its published body")
    func pageIsParsed() throws {
        let fixture = try TestStore()
        let (store, transactions) = try Self.countingStore(fixture)
        let writer = try store.makeBlobWriter()
        try writer.write(Array(CanInstallFixture.pageHTML(torchWheels).utf8))
        let before = transactions.value
        let (_, record) = try store.record(request: Fixtures.get(torchPage), response: Fixtures.response(200, ["Cache-Control": "max-age=600", "Content-Type": "text/html"]),
                                           committing: writer, requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        #expect(transactions.value - before >= 2)
        #expect(record.disposition == .stored)
        #expect(try store.indexedFiles(forPage: torchPage).count == torchWheels.count)
        withExtendedLifetime(fixture) {}
    }

    @Test("a body that does not have the expected digest is neither published nor recorded")
    func expectedDigestBinds() throws {
        let fixture = try TestStore()
        let writer = try fixture.store.makeBlobWriter()
        try writer.write(Array("not the wheel".utf8))
        let other = try BlobDigest(validating: String(repeating: "ab", count: 32))
        #expect(throws: StoreError.self) {
            try fixture.store.record(request: Fixtures.get(Fixtures.torchWheel), response: Self.wheelResponse, committing: writer, expecting: other,
                                     requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        }
        #expect(try fixture.store.responses(for: Fixtures.torchWheel).isEmpty)
        #expect(try fixture.store.stats().blobCount == 0)
        #expect(!FileManager.default.fileExists(atPath: try writer.temporaryFilePath))
    }

    @Test("when recording fails inside the transaction, the body published in it is taken back: no row, no file", TestMetadata.sqliteOnly)
    func failedRecordingUnpublishes() throws {
        let fixture = try TestStore()
        let database = try DatabaseQueue(path: fixture.root.appending(path: "store.sqlite").path(percentEncoded: false))
        try database.write { try $0.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON response BEGIN SELECT RAISE(ABORT, 'refused for the test'); END") }
        try database.close()
        let writer = try fixture.store.makeBlobWriter()
        try writer.write(Array("wheel bytes".utf8))
        #expect(throws: StoreError.self) {
            try fixture.store.record(request: Fixtures.get(Fixtures.torchWheel), response: Self.wheelResponse, committing: writer,
                                     requestTime: Fixtures.seen, responseTime: Fixtures.seen)
        }
        let digest = try fixture.store.put(bytes: Array("other".utf8)).digest  // the store still works
        #expect(try fixture.store.stats().blobCount == 1)
        let wheelDigest = try BlobDigest(validating: CanInstallFixture.sha256(Array("wheel bytes".utf8)))
        #expect(!FileManager.default.fileExists(atPath: fixture.store.path(of: wheelDigest)))
        #expect(try fixture.store.read(digest) == Array("other".utf8))
        #expect(!FileManager.default.fileExists(atPath: try writer.temporaryFilePath))
    }
}

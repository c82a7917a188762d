import ArtifactStore
@testable import ArtifactStorePostgres
import Foundation
import PostgresNIO
import Synchronization
import Testing
import TestSupport

/// The cross-node publication and gc protocol (ARCHITECTURE.md §11) against a real server: two
/// nodes are two tasks on their own pooled connections, their steps interleaved on purpose.
@Suite(.enabled(if: TestPostgres.requiredAndPresent, TestPostgres.missing))
struct GCProtocolTests {
    @Test func anUntouchedUnreferencedBlobIsClaimedAndItsObjectDeletedOnce() async throws {
        try await TestPostgres.withMetadata { metadata in
            let x = digest("x")
            let generation = try await metadata.publish(digest: x, size: 10)
            let candidates = try await metadata.gcCandidates(unreferencedFor: 0)
            #expect(candidates == [.init(digest: x, size: 10, generation: generation)])
            let deleted = Shared<[BlobDigest]>([])
            #expect(try await metadata.claimForDeletion(candidates[0]) { digest in deleted.withLock { $0.append(digest) } })
            #expect(deleted.value == [x])
            #expect(try await metadata.count("blob") == 0)
            // Claiming again finds no row: nothing to do, nothing deleted.
            #expect(try await metadata.claimForDeletion(candidates[0]) { _ in Issue.record("deleted twice") } == false)
        }
    }

    @Test func aPublishAfterTheMarkMakesTheClaimFail() async throws {
        try await TestPostgres.withMetadata { metadata in
            let x = digest("x")
            let first = try await metadata.publish(digest: x, size: 10)        // an old put
            let marked = try await metadata.gcCandidates(unreferencedFor: 0)  // node A marks
            #expect(marked.map(\.generation) == [first])
            let second = try await metadata.publish(digest: x, size: 10)       // node B publishes
            #expect(second > first)
            let claimed = try await metadata.claimForDeletion(marked[0]) { _ in Issue.record("deleted a blob published after the mark") }
            #expect(!claimed)
            #expect(try await metadata.count("blob", where: "generation = \(second)") == 1)
        }
    }

    @Test func aReferenceRecordedAfterTheMarkMakesTheClaimFail() async throws {
        try await TestPostgres.withMetadata { metadata in
            let x = digest("x")
            try await metadata.publish(digest: x, size: 1)
            let marked = try await metadata.gcCandidates(unreferencedFor: 0)
            try await metadata.recordReference(url: "https://files.example/x.whl", to: x)
            #expect(try await metadata.claimForDeletion(marked[0]) { _ in Issue.record("deleted a referenced blob") } == false)
            #expect(try await metadata.gcCandidates(unreferencedFor: 0).isEmpty)
        }
    }

    @Test func aPublishDuringAClaimWaitsForItAndRecreatesTheRow() async throws {
        try await TestPostgres.withMetadata { metadata in
            let x = digest("x")
            let first = try await metadata.publish(digest: x, size: 5)
            let marked = try #require(try await metadata.gcCandidates(unreferencedFor: 0).first)
            let events = Shared<[String]>([])
            let (deleting, deletingNow) = AsyncStream.makeStream(of: Void.self)
            let (proceed, proceedNow) = AsyncStream.makeStream(of: Void.self)

            // Node A: claims, and stops inside its object deletion until told to go on.
            let nodeA = Task {
                try await metadata.claimForDeletion(marked) { _ in
                    deletingNow.yield()
                    for await _ in proceed { break }
                    events.withLock { $0.append("A deleted the object") }
                }
            }
            for await _ in deleting { break }
            // Node B: publishes the same digest while A holds the row.
            let nodeB = Task {
                let generation = try await metadata.publish(digest: x, size: 5)
                events.withLock { $0.append("B published") }
                return generation
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(events.value.isEmpty, "B's publish went through while A held the row")
            proceedNow.yield()
            #expect(try await nodeA.value)
            let second = try await nodeB.value
            #expect(events.value == ["A deleted the object", "B published"])
            #expect(second > first)
            // B's row exists afresh, so B's upload (which comes after its publish) is safe.
            #expect(try await metadata.count("blob", where: "generation = \(second)") == 1)
        }
    }

    @Test func aReferenceRecordedDuringAClaimFailsOnceTheRowIsGone() async throws {
        try await TestPostgres.withMetadata { metadata in
            let x = digest("x")
            try await metadata.publish(digest: x, size: 5)
            let marked = try #require(try await metadata.gcCandidates(unreferencedFor: 0).first)
            let (deleting, deletingNow) = AsyncStream.makeStream(of: Void.self)
            let (proceed, proceedNow) = AsyncStream.makeStream(of: Void.self)
            let nodeA = Task {
                try await metadata.claimForDeletion(marked) { _ in
                    deletingNow.yield()
                    for await _ in proceed { break }
                }
            }
            for await _ in deleting { break }
            let nodeB = Task { try await metadata.recordReference(url: "https://files.example/x.whl", to: x) }
            try await Task.sleep(for: .milliseconds(200))
            proceedNow.yield()
            #expect(try await nodeA.value)
            // The foreign key refuses B's reference: B must publish and upload again.
            await #expect(throws: StoreError.self) { try await nodeB.value }
            #expect(try await metadata.count("response") == 0)
        }
    }

    @Test func aFailedObjectDeletionLeavesTheRowForTheNextGC() async throws {
        struct Unreachable: Error {}
        try await TestPostgres.withMetadata { metadata in
            let x = digest("x")
            try await metadata.publish(digest: x, size: 5)
            let marked = try #require(try await metadata.gcCandidates(unreferencedFor: 0).first)
            await #expect(throws: Unreachable.self) { try await metadata.claimForDeletion(marked) { _ in throw Unreachable() } }
            #expect(try await metadata.gcCandidates(unreferencedFor: 0) == [marked])
        }
    }

    @Test func pinsAndLiveLeasesKeepABlobAndExpiredLeasesDoNot() async throws {
        try await TestPostgres.withMetadata { metadata in
            let pinned = digest("pinned"), leased = digest("leased"), free = digest("free")
            for blob in [pinned, leased, free] { try await metadata.publish(digest: blob, size: 1) }
            try await metadata.pin(pinned, note: "release 1.0")
            let lease = try await metadata.makeLease(on: [leased])
            #expect(try await metadata.gcCandidates(unreferencedFor: 0).map(\.digest) == [free])

            // A pin taken after the mark makes the claim fail.
            let marked = try await metadata.gcCandidates(unreferencedFor: 0)
            try await metadata.pin(free)
            #expect(try await metadata.claimForDeletion(marked[0]) { _ in Issue.record("deleted a pinned blob") } == false)

            // Released, unpinned, expired: gc's again.
            #expect(try await metadata.unpin(pinned))
            #expect(try await metadata.unpin(pinned) == false)
            _ = try await metadata.client.query("UPDATE lease SET expires_at = 0 WHERE id = \(lease)", logger: metadata.logger)
            #expect(Set(try await metadata.gcCandidates(unreferencedFor: 0).map(\.digest)) == [pinned, leased])
            try await metadata.releaseLease(lease)
            #expect(try await metadata.count("lease_blob") == 0)
        }
    }

    @Test func theGracePeriodKeepsRecentPublicationsByTheServersClock() async throws {
        try await TestPostgres.withMetadata { metadata in
            let x = digest("x")
            try await metadata.publish(digest: x, size: 1)
            #expect(try await metadata.gcCandidates(unreferencedFor: 3600).isEmpty)
            _ = try await metadata.client.query("UPDATE blob SET published_at = published_at - 7200", logger: metadata.logger)
            #expect(try await metadata.gcCandidates(unreferencedFor: 3600).map(\.digest) == [x])
            // Publishing again restarts the grace period.
            try await metadata.publish(digest: x, size: 1)
            #expect(try await metadata.gcCandidates(unreferencedFor: 3600).isEmpty)
        }
    }

    @Test func onlyOneGCRunsAtATime() async throws {
        try await TestPostgres.withMetadata { metadata in
            var options = PostgresMetadata.Options()
            options.schema = metadata.schema
            options.logger = CapturedLog().logger
            let otherNode = try await PostgresMetadata.open(metadata.location, options: options)
            try await metadata.withGCLock {
                await #expect(throws: StoreError.self) { try await otherNode.withGCLock { } }
            }
            // Released: the other node's gc may run now.
            try await otherNode.withGCLock { }
            await otherNode.shutdown()
        }
    }

    @Test func manyConcurrentPublishersAndOneGCNeverLoseAReferencedObject() async throws {
        try await TestPostgres.withMetadata(maximumConnections: 12) { metadata in
            let digests = (0..<12).map { digest("blob \($0)") }
            // The bucket: which objects exist. Uploads add, gc's deletions remove.
            let objects = Shared<Set<BlobDigest>>([])
            let claimed = Shared<Int>(0)
            let retries = Shared<Int>(0)
            let publishersDone = Shared<Bool>(false)

            try await withThrowingTaskGroup(of: Void.self) { group in
                for publisher in 0..<6 {
                    group.addTask {
                        var generator = SeededGenerator(seed: UInt64(publisher + 1))
                        for round in 0..<25 {
                            let shared = digests[Int.random(in: 0..<digests.count, using: &generator)]
                            let abandoned = Int.random(in: 0..<3, using: &generator) == 0
                            // An abandoned put's blob is its own, so it stays garbage and gc's
                            // last pass always has something to collect, however the tasks ran;
                            // the shared blobs are where publishing races claiming.
                            let blob = abandoned ? digest("abandoned \(publisher) \(round)") : shared
                            // A put: publish, upload, record the reference; start again if gc
                            // removed the row in between (the foreign key says so).
                            for attempt in 0..<20 {
                                try await metadata.publish(digest: blob, size: 1)
                                objects.withLock { _ = $0.insert(blob) }
                                if abandoned { break }  // a put that died before its reference
                                do {
                                    try await metadata.recordReference(url: "https://files.example/\(publisher)/\(round)", to: blob)
                                    break
                                } catch let error as StoreError where error.message.contains("23503") {
                                    retries.withLock { $0 += 1 }
                                    try #require(attempt < 19, "a put could not finish in 20 attempts")
                                }
                            }
                        }
                    }
                }
                group.addTask {
                    try await metadata.withGCLock {
                        // Passes while the publishers run, and one after they are done (so the
                        // abandoned puts are always there to collect, however late gc starts).
                        var last = false
                        repeat {
                            last = publishersDone.value
                            for candidate in try await metadata.gcCandidates(unreferencedFor: 0, limit: 50) {
                                let removed = try await metadata.claimForDeletion(candidate) { blob in
                                    objects.withLock { _ = $0.remove(blob) }
                                }
                                if removed { claimed.withLock { $0 += 1 } }
                            }
                        } while !last
                    }
                }
                // Wait for the publishers (every task but the gc), then stop the gc.
                for _ in 0..<6 { try await group.next() }
                publishersDone.withLock { $0 = true }
                try await group.waitForAll()
            }

            // Every recorded reference names a blob whose row and object both exist.
            var referenced: Set<BlobDigest> = []
            for try await hex in try await metadata.client.query("SELECT DISTINCT body_digest FROM response", logger: metadata.logger).decode(String.self) {
                referenced.insert(try BlobDigest(validating: hex))
            }
            #expect(try await metadata.count("response") == 6 * 25 - (try await abandonedCount(digests: digests)))
            let present = objects.value
            #expect(referenced.subtracting(present).isEmpty, "referenced blobs whose object gc deleted: \(referenced.subtracting(present))")
            for blob in referenced {
                #expect(try await metadata.count("blob", where: "digest = '\(blob.hex)'") == 1)
            }
            #expect(claimed.value > 0, "the gc never removed anything: the test raced nothing")
        }
    }

    /// How many of the publishers' puts were abandoned (the same seeded choices as the test).
    private func abandonedCount(digests: [BlobDigest]) async throws -> Int64 {
        var abandoned: Int64 = 0
        for publisher in 0..<6 {
            var generator = SeededGenerator(seed: UInt64(publisher + 1))
            for _ in 0..<25 {
                _ = Int.random(in: 0..<digests.count, using: &generator)
                if Int.random(in: 0..<3, using: &generator) == 0 { abandoned += 1 }
            }
        }
        return abandoned
    }
}

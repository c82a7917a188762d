@_spi(Benchmarks) @testable import ArtifactStore
import Foundation
import GRDB
import HTTPCaching
import Synchronization
import Testing
import TestSupport

/// Group commit (ARCHITECTURE.md §8): short write transactions queued on one handle share one
/// commit, and each still has the effects, failure and durability of a transaction of its own.
@Suite("group commit")
struct GroupCommitTests {
    struct Refused: Error, Equatable { var which: Int }
    struct CommitFailed: Error {}

    /// A database and the groups writing to it, counting the transactions they run.
    final class Fixture: Sendable {
        let database: DatabaseQueue
        let groups = WriteGroups()
        let transactions = Atomic<Int>(0)
        /// The transactions (counted from 1) whose commit fails.
        let failingCommits: Set<Int>
        /// What each job started by ``runQueued(_:body:)`` returned, by its index.
        let results = Mutex<[Int: Result<Void, any Error>]>([:])
        /// How many jobs were timed, and how many of them as sharing a hold.
        let timed = Atomic<Int>(0), sharingHold = Atomic<Int>(0)

        init(failingCommits: Set<Int> = []) throws {
            database = try DatabaseQueue()
            try database.write { try $0.execute(sql: "CREATE TABLE t (x INTEGER NOT NULL)") }
            self.failingCommits = failingCommits
        }

        /// Runs `body` as one job; its result is the job's.
        func run(_ body: @escaping (SQLSession) throws -> Void) throws {
            let job = WriteGroups.Job(body: body, durable: true, asked: DispatchTime.now().uptimeNanoseconds)
            try groups.run(job, transaction: { _, body in
                let number = transactions.add(1, ordering: .relaxed).newValue
                try database.inTransaction(.immediate) { db in
                    try body(db)
                    if failingCommits.contains(number) { throw CommitFailed() }
                    return .commit
                }
                return (1, 2)
            }, observed: { [self] job, began, released, first in
                // A job is timed only once it ran (a start of zero would make its wait negative).
                #expect(job.started >= job.asked && (began, released) == (1, 2))
                timed.add(1, ordering: .relaxed)
                if !first { sharingHold.add(1, ordering: .relaxed) }
            })
        }

        func insert(_ value: Int) -> (SQLSession) throws -> Void {
            { try $0.execute(sql: "INSERT INTO t (x) VALUES (?)", arguments: [value]) }
        }

        var values: [Int] { get throws { try database.read { try Int.fetchAll($0, sql: "SELECT x FROM t ORDER BY x") } } }

        /// Starts a job that holds the writer until `release` is signalled: what queues meanwhile
        /// forms the next group. Returns once it holds the writer.
        private func holdWriter(until release: DispatchSemaphore, finished: DispatchGroup) {
            let holding = DispatchSemaphore(value: 0)
            finished.enter()
            Thread.detachNewThread {
                try? self.run { db in
                    try self.insert(0)(db)
                    holding.signal()
                    release.wait()
                }
                finished.leave()
            }
            holding.wait()
        }

        /// Holds the writer with one job, queues `count` more behind it (each the body
        /// `body(index)` gives, index from 1), then lets them run; returns once all have.
        func runQueued(_ count: Int, body: @escaping @Sendable (Int) -> (SQLSession) throws -> Void) {
            let release = DispatchSemaphore(value: 0), finished = DispatchGroup()
            holdWriter(until: release, finished: finished)
            queue(count, finished: finished, body: body)
            release.signal()
            finished.wait()
        }

        /// Starts `count` jobs on threads of their own and returns once all of them wait.
        private func queue(_ count: Int, finished: DispatchGroup, body: @escaping @Sendable (Int) -> (SQLSession) throws -> Void) {
            for index in 1...count {
                finished.enter()
                Thread.detachNewThread {
                    let result = Result { try self.run(body(index)) }
                    self.results.withLock { $0[index] = result }
                    finished.leave()
                }
            }
            let deadline = Date() + 60
            while groups.waitingCount < count && Date() < deadline { usleep(1000) }
            #expect(groups.waitingCount == count, "every job queued behind the one holding the writer")
        }
    }

    @Test("transactions that queue while one runs share one commit; a body that throws is rolled back and fails alone")
    func queuedTransactionsShareOneCommit() throws {
        let fixture = try Fixture()
        fixture.runQueued(5, body: { index in
            { db in
                try fixture.insert(index)(db)
                if index == 3 { throw Refused(which: 3) }
            }
        })

        #expect(fixture.transactions.load(ordering: .relaxed) == 2, "the holder's transaction, then one for the five queued")
        #expect(fixture.timed.load(ordering: .relaxed) == 5, "the holder and the four that committed")
        #expect(fixture.sharingHold.load(ordering: .relaxed) == 3, "the queued that committed, but the first of their group")
        #expect(try fixture.values == [0, 1, 2, 4, 5])
        fixture.results.withLock { results in
            for index in [1, 2, 4, 5] { #expect(throws: Never.self) { try results[index]!.get() } }
            #expect(throws: Refused(which: 3)) { try results[3]!.get() }
        }
    }

    @Test("a commit that fails fails every body of its group, those that had succeeded too, and the next group runs")
    func failedCommitFailsTheWholeGroup() throws {
        let fixture = try Fixture(failingCommits: [2])
        fixture.runQueued(3, body: { index in fixture.insert(index) })

        #expect(try fixture.values == [0])
        fixture.results.withLock { results in
            for index in 1...3 { #expect(throws: CommitFailed.self) { try results[index]!.get() } }
        }
        // Nothing is left waiting or running: the next body runs in a transaction of its own.
        try fixture.run(fixture.insert(7))
        #expect(try fixture.values == [0, 7])
        #expect(fixture.transactions.load(ordering: .relaxed) == 3)
    }

    @Test("a body that makes SQLite roll the whole transaction back fails the bodies of its group, those that had succeeded too; none is timed")
    func abortedTransactionFailsTheWholeGroup() throws {
        let fixture = try Fixture()
        fixture.runQueued(3, body: { index in
            // OR ROLLBACK: the constraint failure ends the transaction, not only the statement.
            index == 2 ? { try $0.execute(sql: "INSERT OR ROLLBACK INTO t (x) VALUES (NULL)") } : fixture.insert(index)
        })

        #expect(try fixture.values == [0])
        fixture.results.withLock { results in
            for index in 1...3 {
                #expect(throws: DatabaseError.self) { try results[index]!.get() }
            }
        }
        #expect(fixture.timed.load(ordering: .relaxed) == 1, "the holder only")
        try fixture.run(fixture.insert(7))
        #expect(try fixture.values == [0, 7])
    }

    @Test("more bodies than one group holds run in as many groups as needed, in the order they queued")
    func longQueuesRunInSeveralGroups() throws {
        let fixture = try Fixture()
        let queued = WriteGroups.maximumJobs + 8
        fixture.runQueued(queued, body: { index in fixture.insert(index) })

        #expect(fixture.transactions.load(ordering: .relaxed) == 3, "the holder's, a full group, and the rest")
        #expect(try fixture.values == Array(0...queued))
        fixture.results.withLock { results in #expect(results.values.allSatisfy { (try? $0.get()) != nil }) }
    }

    @Test("puts from many threads through one store handle share commits, each durable and timed, two of one content among them", TestMetadata.sqliteOnly)
    func concurrentPutsThroughOneHandle() throws {
        let fixture = try TestStore()
        let timings = Mutex<[WriteLockTiming]>([])
        var options = Store.Options()
        options.writeLockObserver = { timing in timings.withLock { $0.append(timing) } }
        let store = try Store.open(at: fixture.root, options: options)
        let threads = 8, perThread = 20
        let response = HTTPResponseHead(status: 200, headers: ["Content-Type": "application/octet-stream", "Cache-Control": "max-age=3600"])
        @Sendable func url(_ index: Int) -> String { "https://files.example.org/packages/p\(index)/pkg\(index)-1.0-py3-none-any.whl" }
        // Puts 0 and 1 have one content: published twice in one group. Each over the blob
        // journal's 64 KiB, so that its settles add no write transactions to the count.
        @Sendable func body(_ index: Int) -> [UInt8] {
            let index = index == 1 ? 0 : index
            return Array("body \(index) ".utf8) + [UInt8](repeating: UInt8(index % 251), count: 70_000)
        }

        // Another transaction holds the writer while every thread's first put arrives: the first
        // to arrive leads a group of its own and waits for the writer, the others queue behind it.
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        Thread.detachNewThread { try? store.writeTransaction { _ in holding.signal(); release.wait() } }
        holding.wait()
        // Threads of their own: concurrentPerform would run only as many at once as there are cores.
        let finished = DispatchGroup()
        for thread in 0..<threads {
            finished.enter()
            Thread.detachNewThread {
                defer { finished.leave() }
                for index in stride(from: thread, to: threads * perThread, by: threads) {
                    #expect(throws: Never.self) {
                        let writer = try store.makeBlobWriter()
                        try writer.write(body(index))
                        try store.record(request: HTTPRequestHead(url: url(index)), response: response, committing: writer, requestTime: Date(), responseTime: Date())
                    }
                }
            }
        }
        let deadline = Date() + 60
        while store.writeGroups.waitingCount < threads - 1 && Date() < deadline { usleep(1000) }
        #expect(store.writeGroups.waitingCount == threads - 1, "the first puts but one queue for a group while the writer is held")
        release.signal()
        finished.wait()
        let all = timings.withLock { $0 }
        #expect(all.count == threads * perThread + 1, "one timing per put, whatever group it ran in, and the holder's")
        #expect(all.filter(\.sharesHold).count >= threads - 2, "the seven queued first puts committed as one group")

        // Everything is there for a handle opened afterwards, as for one that never saw the groups.
        let reopened = try Store.open(at: fixture.root)
        for index in 0..<(threads * perThread) {
            guard case .satisfiable(let satisfied) = try reopened.verdict(for: HTTPRequestHead(url: url(index)), policy: .offline),
                  let digest = satisfied.record.bodyDigest
            else { Issue.record("response \(index) is not answerable offline"); continue }
            #expect(try reopened.read(digest) == body(index))
        }
        #expect(try reopened.verify().problems.isEmpty)
    }
}

@testable import ArtifactStore
import Foundation
import Synchronization
import Testing
import TestSupport

/// Turns at the write lock between store handles (ARCHITECTURE.md §8): writers SQLite refused
/// get the lock in the order they were refused, before a handle that commits back to back takes
/// it again; every wait keeps its busy timeout.
@Suite("write turns")
struct WriteTurnsTests {
    /// A new store with two handles on it: `first` with the default busy timeout, `second` with
    /// `busyTimeout`.
    struct TwoHandles {
        let directory: TemporaryDirectory
        let first: Store, second: Store
        /// The store's turns file.
        let turnsFile: String

        init(secondBusyTimeout busyTimeout: TimeInterval = Store.Options().busyTimeout) throws {
            directory = try TemporaryDirectory()
            let root = directory.url.appending(path: "store")
            first = try Store.open(at: root)
            var options = Store.Options()
            options.busyTimeout = busyTimeout
            second = try Store.open(at: root, options: options)
            turnsFile = root.path(percentEncoded: false) + "/write-turns"
        }
    }

    /// Whether any handle holds a ticket.
    static func someoneQueued(_ path: String) throws -> Bool {
        let descriptor = try FileSystem.open(path, O_RDONLY)
        defer { FileSystem.close(descriptor) }
        var query = flock()
        query.l_type = Int16(F_WRLCK)
        query.l_whence = Int16(SEEK_SET)
        query.l_start = off_t(WriteTurns.ticketBase)
        query.l_len = 1 << 40
        #expect(fcntl(descriptor, 36, &query) == 0)  // F_OFD_GETLK
        return query.l_type != Int16(F_UNLCK)
    }

    /// How many tickets were taken (the counter at the file's start).
    static func ticketsTaken(_ path: String) throws -> Int64 {
        let descriptor = try FileSystem.open(path, O_RDONLY)
        defer { FileSystem.close(descriptor) }
        var counter: Int64 = 0
        return pread(descriptor, &counter, 8, 0) == 8 ? counter : 0
    }

    @Test("a writer another handle keeps waiting gets the lock within a few of that handle's transactions")
    func waitingWriterGetsATurn() throws {
        let handles = try TwoHandles()
        let busy = handles.first, other = handles.second
        // One handle commits 2-ms transactions back to back, as page rows in chunks do.
        let committed = Atomic<Int>(0), stop = Atomic<Bool>(false)
        let running = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            defer { finished.signal() }
            for index in 0..<2_000 where !stop.load(ordering: .relaxed) {
                #expect(throws: Never.self) { try busy.writeTransaction(durable: false) { _ in usleep(2_000) } }
                committed.add(1, ordering: .relaxed)
                if index == 4 { running.signal() }
            }
        }
        running.wait()
        let before = committed.load(ordering: .relaxed)
        try other.writeTransaction(durable: false) { _ in }
        let during = committed.load(ordering: .relaxed) - before
        stop.store(true, ordering: .relaxed)
        finished.wait()
        // Without turns the waiter, trying every millisecond, only finds the lock free in the
        // microseconds between two commits, and waits for hundreds of them.
        #expect(during <= 10, "the other handle's writer waited through \(during) transactions")
    }

    @Test("writers refused the lock get their turns in the order they were refused")
    func turnsInOrder() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/write-turns"
        let first = try #require(WriteTurns(path: path, busyTimeout: 30))
        let second = try #require(WriteTurns(path: path, busyTimeout: 30)), third = try #require(WriteTurns(path: path, busyTimeout: 30))
        first.willBegin()
        #expect(first.refused() == true, "the first refused writer has its turn at once")
        let order = Mutex<[String]>([]), secondBegun = DispatchSemaphore(value: 0), secondMayEnd = DispatchSemaphore(value: 0)
        let finished = DispatchGroup()
        for (name, turns) in [("second", second), ("third", third)] {
            finished.enter()
            Thread.detachNewThread {
                defer { finished.leave() }
                turns.willBegin()  // others are queued: it queues too, and waits for its turn
                order.withLock { $0.append(name) }
                if name == "second" { secondBegun.signal(); secondMayEnd.wait() }
                turns.didBegin()
            }
            // Each has taken its ticket before the next starts.
            let tickets: Int64 = name == "second" ? 2 : 3
            let deadline = Date() + 60
            while try Self.ticketsTaken(path) < tickets && Date() < deadline { usleep(1000) }
        }
        usleep(20_000)
        #expect(order.withLock { $0 }.isEmpty, "both wait behind the first")
        first.didBegin()
        secondBegun.wait()
        usleep(20_000)
        #expect(order.withLock { $0 } == ["second"], "the third waits behind the second")
        secondMayEnd.signal()
        finished.wait()
        #expect(order.withLock { $0 } == ["second", "third"])
        #expect(try !Self.someoneQueued(path))
    }

    @Test("a queued writer that never goes (its process stopped) slows each of the others' transactions by the patience, never by their busy timeout")
    func stoppedQueueCostsPatienceOnly() throws {
        let handles = try TwoHandles(secondBusyTimeout: 5)
        let store = handles.second
        let stopped = try #require(WriteTurns(path: handles.turnsFile, busyTimeout: 30))
        stopped.willBegin()
        #expect(stopped.refused() == true)
        for _ in 0..<3 {
            let started = DispatchTime.now().uptimeNanoseconds
            try store.writeTransaction { _ in }
            let waited = DispatchTime.now().uptimeNanoseconds - started
            #expect(waited >= WriteTurns.patienceNanoseconds, "it queued behind the stopped writer")
            #expect(waited < 1_000_000_000, "then asked SQLite, which was free, well before its 5 s busy timeout")
        }
        stopped.didBegin()
    }

    @Test("a writer whose BEGIN fails as busy leaves no ticket behind")
    func busyFailureLeavesNoTicket() throws {
        let handles = try TwoHandles(secondBusyTimeout: 0.1)
        let holder = handles.first, impatient = handles.second
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), released = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            try? holder.writeTransaction { _ in holding.signal(); release.wait() }
            released.signal()
        }
        holding.wait()
        let error = expectStoreError(.database) { try impatient.writeTransaction { _ in } }
        #expect(error?.message.contains("busy") == true)
        #expect(try !Self.someoneQueued(handles.turnsFile), "its ticket went with its failed BEGIN")
        release.signal()
        released.wait()
        try impatient.writeTransaction { _ in }
    }

    @Test("a counter held by a stopped process never keeps a writer waiting: it asks without a ticket")
    func heldCounterIsNeverWaitedOn() throws {
        let handles = try TwoHandles(secondBusyTimeout: 5)
        let holder = handles.first, writer = handles.second
        // Another open file description holds the counter's bytes, as a process stopped while
        // taking a ticket would; it lets go after 3 s, so that a writer that waited on it ends.
        let counter = try FileSystem.open(handles.turnsFile, O_RDWR)
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_len = 8
        #expect(fcntl(counter, 37, &lock) == 0)  // F_OFD_SETLK
        let letGo = DispatchSemaphore(value: 0)
        Thread.detachNewThread { _ = letGo.wait(timeout: .now() + 3); FileSystem.close(counter) }
        // The lock is held for 200 ms: the writer is refused, cannot take a ticket, and asks on.
        Thread.detachNewThread { _ = try? holder.writeTransaction { _ in usleep(200_000) } }
        usleep(20_000)
        let started = DispatchTime.now().uptimeNanoseconds
        try writer.writeTransaction { _ in }
        let waited = DispatchTime.now().uptimeNanoseconds - started
        letGo.signal()
        #expect(waited < 2_000_000_000, "waited \(waited / 1_000_000) ms")
    }

    @Test("a handle closed while queued (its process died) gives up its ticket")
    func closedHandleLeavesTheQueue() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/write-turns"
        var dying = WriteTurns(path: path, busyTimeout: 30)
        dying?.willBegin()
        _ = dying?.refused()
        #expect(try Self.someoneQueued(path))
        dying = nil
        #expect(try !Self.someoneQueued(path))
    }

    @Test("refusals other than of the writer beginning (a reader's, another thread's) take no ticket")
    func onlyTheBeginningWriterQueues() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/write-turns"
        let turns = try #require(WriteTurns(path: path, busyTimeout: 30))
        #expect(turns.refused() == nil)
        turns.willBegin()
        let elsewhere = DispatchSemaphore(value: 0)
        Thread.detachNewThread { #expect(turns.refused() == nil); elsewhere.signal() }
        elsewhere.wait()
        #expect(try !Self.someoneQueued(path))
        #expect(turns.refused() == true)
        #expect(try Self.someoneQueued(path))
        turns.didBegin()
        #expect(try !Self.someoneQueued(path))
    }
}

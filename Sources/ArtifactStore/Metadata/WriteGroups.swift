import Dispatch
import Foundation
import GRDB

/// Group commit for one store handle's SQLite writer (ARCHITECTURE.md §8): small write
/// transactions that queue while another holds the writer run together, in one
/// `BEGIN IMMEDIATE … COMMIT`, each in a savepoint of its own. One commit, and so one fsync,
/// acknowledges them all, and none returns before it: a transaction that succeeds in a group is
/// exactly as durable as one alone.
///
/// Leader and followers: whoever asks when no group is running runs one; whoever asks meanwhile
/// waits. When a group ends, the oldest waiter leads the next, with everything that queued up to
/// ``maximumJobs``. A body that throws is rolled back to its savepoint and fails alone; an error
/// that ends the whole transaction (a full disk, a failed commit) fails every body in it that had
/// not failed on its own.
///
/// Only short, bounded bodies belong here (``Store/writeTransaction(durable:grouped:_:)``):
/// long ones would only lengthen the group's hold. A body runs on whichever thread leads its
/// group, and must not start another write transaction (they do not nest).
final class WriteGroups: @unchecked Sendable {
    /// One body waiting for, or running in, a group.
    final class Job: @unchecked Sendable {
        /// Dropped once its group is done: the caller may have lent it only for the call
        /// (`withoutActuallyEscaping`), and must find it released when the call returns.
        var body: ((SQLSession) throws -> Void)?
        let durable: Bool
        /// When the body was asked to run, and when it began to (for ``WriteLockTiming``).
        let asked: UInt64
        var started: UInt64 = 0
        /// Set once the group's commit has decided it (under the queue's lock).
        var outcome: Result<Void, any Error>?
        /// Woken when ``outcome`` is set or the job is to lead the next group.
        let wake = DispatchSemaphore(value: 0)

        init(body: @escaping (SQLSession) throws -> Void, durable: Bool, asked: UInt64) {
            self.body = body
            self.durable = durable
            self.asked = asked
        }
    }

    /// The most bodies one group runs: enough for every request a server runs at once, few
    /// enough that a group's hold stays that of a few puts.
    static let maximumJobs = 32

    private let lock = NSLock()
    private var waiting: [Job] = []
    private var running = false

    /// How many bodies wait for a group (for tests).
    var waitingCount: Int { lock.withLock { waiting.count } }

    /// Runs `job` in a group and returns once its group has committed (or failed).
    ///
    /// - Parameter transaction: runs its argument inside one write transaction on the handle's
    ///   writer: `durable` when any body of the group is, and returns the times the lock was
    ///   taken and released (zero when no one observes them).
    func run(_ job: Job, transaction: (_ durable: Bool, _ body: (Database) throws -> Void) throws -> (began: UInt64, released: UInt64),
             observed: ((_ job: Job, _ began: UInt64, _ released: UInt64, _ first: Bool) -> Void)?) throws {
        lock.lock()
        waiting.append(job)
        if running {
            lock.unlock()
            job.wake.wait()
            // Either the job ran in someone's group, or it is the oldest waiter and leads now.
            lock.lock()
            if let outcome = job.outcome {
                lock.unlock()
                return try outcome.get()
            }
        } else {
            running = true
        }
        let group = Array(waiting.prefix(Self.maximumJobs))
        waiting.removeFirst(group.count)
        lock.unlock()

        var times: (began: UInt64, released: UInt64) = (0, 0)
        var groupError: (any Error)?
        do {
            times = try transaction(group.contains(where: \.durable)) { db in
                for member in group {
                    if observed != nil { member.started = DispatchTime.now().uptimeNanoseconds }
                    do {
                        try db.inSavepoint {
                            try member.body!(SQLSession(db))
                            return .commit
                        }
                        member.outcome = .success(())
                    } catch {
                        member.outcome = .failure(error)
                        // SQLite rolled the whole transaction back (a full disk, an I/O error):
                        // nothing of the group can commit.
                        if !db.isInsideTransaction { throw error }
                    }
                }
            }
        } catch {
            groupError = error
        }

        // Timed as transactions alone are: those that committed, before their callers return.
        if let observed {
            let committed = group.filter { if case .success = $0.outcome, groupError == nil { true } else { false } }
            for (index, member) in committed.enumerated() { observed(member, times.began, times.released, index == 0) }
        }
        lock.lock()
        for member in group { member.body = nil }
        if let groupError {
            // Nothing of the group committed: a body that had succeeded fails with the group.
            for member in group {
                if case .failure = member.outcome { continue }
                member.outcome = .failure(groupError)
            }
        }
        if let next = waiting.first {
            next.wake.signal()  // leads the next group
        } else {
            running = false
        }
        lock.unlock()
        for member in group where member !== job { member.wake.signal() }
        try job.outcome!.get()
    }
}

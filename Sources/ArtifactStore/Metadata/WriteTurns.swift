import Dispatch
import Foundation
import Synchronization

/// Turns at SQLite's write lock between store handles, and so between processes: a queue in
/// the order writers were refused (ARCHITECTURE.md §8).
///
/// SQLite gives its write lock to whichever connection asks first once it is free. A refused
/// writer asks again after a sleep (``Store``'s busy handler), while a handle that commits
/// transaction after transaction (page rows in chunks, gc's batches, a busy `serve`) asks again
/// microseconds after each commit: it takes the lock again before the waiter looks, and a waiter
/// in another process could wait through hundreds of its transactions. Waiters also raced one
/// another, so the unlucky one waited longest.
///
/// The queue lives in the store's `write-turns` file, in locks only (open file description
/// locks, which belong to the handle's descriptor and go when it is closed or its process dies):
/// - A writer refused the lock takes a ticket: the counter at the file's start, read and
///   advanced under a lock on its bytes. It holds a shared lock on its ticket's byte (at
///   ``ticketBase`` + ticket) until its `BEGIN IMMEDIATE` returns.
/// - Its turn comes when no byte of an earlier ticket is locked; until then it does not ask
///   SQLite, unless the queue ahead has not moved for ``patienceNanoseconds`` (its head's process
///   stopped, say): then it asks once, and waits again. In its turn it asks every ``headPoll``.
/// - A writer about to begin first looks whether any ticket is held (one `fcntl`). If one is, it
///   takes a ticket of its own instead of asking SQLite: it does not barge.
/// Every wait keeps the busy timeout, measured from when the writer began to wait, and no lock
/// of the file is ever waited on (only tried): a process stopped while queued, or while holding
/// the counter, slows each of the others' transactions by the patience at most. Within one
/// handle, the writer's queue already keeps order.
final class WriteTurns: Sendable {
    /// Where the tickets' bytes start (the counter takes the first 8).
    static let ticketBase: Int64 = 1 << 32
    /// How many tickets there are before numbers wrap (never, in practice).
    private static let ticketSpan: Int64 = 1 << 40
    /// How often a writer whose turn it is asks SQLite for the lock.
    static let headPoll: useconds_t = 250
    /// How often a queued writer looks whether its turn came.
    private static let queuePoll: useconds_t = 500
    /// How often a writer that could not take a ticket asks SQLite (as with no turns).
    private static let unqueuedPoll: useconds_t = 1000
    /// How long a queued writer waits for the queue ahead of it to move before it asks SQLite
    /// once anyway (a live head takes the lock within ``headPoll`` of its release).
    static let patienceNanoseconds: UInt64 = 50_000_000

    private let descriptor: Int32
    private let busyTimeoutNanoseconds: UInt64
    private let state = Mutex(State())

    private struct State: @unchecked Sendable {
        /// The thread between ``willBegin()`` and ``didBegin()``, whose refusals are waits.
        var beginning: pthread_t?
        /// This handle's ticket while its writer waits.
        var ticket: Int64?
        /// When the writer began to wait (for the busy timeout).
        var waitingSince: UInt64 = 0
    }

    /// Opens (creating it if it can) the turns file at `path`; nil when it cannot be opened for
    /// writing (a read-only store, which has no writers) or the system has no such locks.
    init?(path: String, busyTimeout: TimeInterval) {
        #if os(Linux)
        guard let descriptor = try? FileSystem.open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode: 0o600) else { return nil }
        self.descriptor = descriptor
        busyTimeoutNanoseconds = UInt64(max(0, min(busyTimeout, 1e9)) * 1e9)
        #else
        return nil
        #endif
    }

    deinit {
        FileSystem.close(descriptor)  // drops this handle's locks, its ticket among them
    }

    /// Called just before `BEGIN IMMEDIATE` on the writer's thread: when writers of other handles
    /// are queued, queues behind them and waits for its turn. Then marks this thread as beginning,
    /// so that ``refused()`` knows its refusals.
    func willBegin() {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { $0 = State(beginning: pthread_self(), ticket: nil, waitingSince: now) }
        guard ticketHeld(before: nil) != nil else { return }
        let deadline = now &+ busyTimeoutNanoseconds
        guard let ticket = takeTicket(deadline: deadline) else { return }
        state.withLock { $0.ticket = ticket }
        waitForTurn(ticket, deadline: deadline)
    }

    /// Called by the busy handler when SQLite refuses a lock. If it is this handle's writer
    /// beginning, it waits in the queue for its turn (taking a ticket if it had none), then for
    /// ``headPoll``, and says whether to ask SQLite again: not once the busy timeout passed since
    /// the writer began to wait. Nil for any other refusal (a reader's): the caller decides.
    func refused() -> Bool? {
        let queued: (ticket: Int64?, since: UInt64)? = state.withLock { state in
            guard let beginning = state.beginning, pthread_equal(beginning, pthread_self()) != 0 else { return nil }
            return (state.ticket, state.waitingSince)
        }
        guard let queued else { return nil }
        let deadline = queued.since &+ busyTimeoutNanoseconds
        guard DispatchTime.now().uptimeNanoseconds < deadline else { return false }
        // Only this thread changes its ticket (refused and willBegin run on it): taken unlocked.
        var ticket = queued.ticket
        if ticket == nil, let taken = takeTicket(deadline: deadline) {
            ticket = taken
            state.withLock { $0.ticket = taken }
        }
        if let ticket {
            waitForTurn(ticket, deadline: deadline)
            usleep(Self.headPoll)
        } else {
            usleep(Self.unqueuedPoll)  // no ticket to be had: asks as if there were no turns
        }
        return DispatchTime.now().uptimeNanoseconds < deadline
    }

    /// Called once `BEGIN IMMEDIATE` returned, whether it took the lock or failed: gives up the
    /// ticket, letting the next writer's turn come.
    func didBegin() {
        state.withLock { state in
            if let ticket = state.ticket { lock(F_UNLCK, start: Self.ticketBase + ticket, length: 1) }
            state = State()
        }
    }

    // MARK: The file's locks

    #if os(Linux)
    // Linux's open file description locks (fcntl.h defines them only for _GNU_SOURCE).
    private static let getLock: Int32 = 36, setLock: Int32 = 37
    #else
    private static let getLock: Int32 = F_GETLK, setLock: Int32 = F_SETLK
    #endif

    /// Where a ticket of another handle (any, or one below `ticket`) is held, if one is: the
    /// byte of the first such lock the system finds.
    private func ticketHeld(before ticket: Int64?) -> Int64? {
        var query = flock()
        query.l_type = Int16(F_WRLCK)
        query.l_whence = Int16(SEEK_SET)
        query.l_start = off_t(Self.ticketBase)
        query.l_len = off_t(ticket ?? Self.ticketSpan)
        guard query.l_len > 0, fcntl(descriptor, Self.getLock, &query) == 0, query.l_type != Int16(F_UNLCK) else { return nil }
        return Int64(query.l_start)
    }

    /// Takes the next ticket: locks the counter (trying for the patience at most, never blocked
    /// by a holder that stopped), reads and advances it, and locks the ticket's byte before
    /// letting the counter go, so that no later ticket can be seen without this one. Nil when no
    /// ticket could be had: the writer then asks as if there were no turns.
    private func takeTicket(deadline: UInt64) -> Int64? {
        let deadline = min(deadline, DispatchTime.now().uptimeNanoseconds &+ Self.patienceNanoseconds)
        while !lock(F_WRLCK, start: 0, length: 8) {
            guard errno == EAGAIN || errno == EACCES, DispatchTime.now().uptimeNanoseconds < deadline else { return nil }
            usleep(Self.queuePoll)
        }
        defer { lock(F_UNLCK, start: 0, length: 8) }
        var counter: Int64 = 0
        if pread(descriptor, &counter, 8, 0) != 8 || counter < 0 || counter >= Self.ticketSpan { counter = 0 }
        var next = (counter + 1) % Self.ticketSpan
        guard pwrite(descriptor, &next, 8, 0) == 8, lock(F_RDLCK, start: Self.ticketBase + counter, length: 1) else { return nil }
        return counter
    }

    /// Waits until no earlier ticket is held, or `deadline` passed, or the queue ahead made no
    /// progress for ``patienceNanoseconds`` (its head's process stopped): then returns, for the
    /// writer to ask SQLite once before it waits again, so that a stopped process slows each
    /// transaction of the others by that much at most rather than by their busy timeout.
    private func waitForTurn(_ ticket: Int64, deadline: UInt64) {
        var ahead = ticketHeld(before: ticket)
        var progressed = DispatchTime.now().uptimeNanoseconds
        while let seen = ahead {
            usleep(Self.queuePoll)
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { return }
            ahead = ticketHeld(before: ticket)
            if ahead != seen { progressed = now } else if now - progressed >= Self.patienceNanoseconds { return }
        }
    }

    @discardableResult
    private func lock(_ type: Int32, start: Int64, length: Int64) -> Bool {
        var request = flock()
        request.l_type = Int16(type)
        request.l_whence = Int16(SEEK_SET)
        request.l_start = off_t(start)
        request.l_len = off_t(length)
        while true {
            if fcntl(descriptor, Self.setLock, &request) == 0 { return true }
            if errno != EINTR { return false }
        }
    }
}

import Foundation
import Synchronization

/// A value too costly to compute on a request's path (a gc dry run walks every blob; counting a
/// million responses takes tens of milliseconds), kept and recomputed off that path.
///
/// - ``start()`` computes it once in the background, so that a server has it ready before the
///   first page asks.
/// - ``value()`` answers with the latest value at once. When that value is older than the
///   lifetime, the same call starts one recomputation in the background (stale-while-revalidate:
///   the page says when its figures were computed). Only a caller that comes before the very first
///   value exists waits, and it waits for the one computation already running, not a new one.
/// - A failed computation keeps the last good value; callers waiting for a first value get the
///   error, and the next call tries again.
///
/// Computations run on a Dispatch queue, not on Swift's cooperative pool, since they block on the
/// database and the file system.
final class BackgroundValue<Value: Sendable>: Sendable {
    private struct State {
        var latest: (value: Value, at: ContinuousClock.Instant)?
        var computing = false
        var waiting: [CheckedContinuation<Value, any Error>] = []
    }

    private let state = Mutex(State())
    private let lifetime: Duration
    private let compute: @Sendable () throws -> Value

    /// A value recomputed at most once per `lifetime`, by `compute`.
    init(lifetime: Duration, compute: @escaping @Sendable () throws -> Value) {
        self.lifetime = lifetime
        self.compute = compute
    }

    /// Starts computing the value in the background unless a computation is already running.
    func start() {
        let starts = state.withLock { state in
            defer { state.computing = true }
            return !state.computing
        }
        if starts { recompute() }
    }

    /// The latest value; see the type's description for when it waits and when it recomputes.
    func value() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let (ready, starts) = state.withLock { state -> (Value?, Bool) in
                if let latest = state.latest {
                    let stale = ContinuousClock.now - latest.at >= lifetime
                    let starts = stale && !state.computing
                    if starts { state.computing = true }
                    return (latest.value, starts)
                }
                state.waiting.append(continuation)
                let starts = !state.computing
                state.computing = true
                return (nil, starts)
            }
            if starts { recompute() }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func recompute() {
        DispatchQueue.global(qos: .utility).async { [self] in
            let result = Result { try compute() }
            let waiting = state.withLock { state in
                state.computing = false
                if case .success(let value) = result { state.latest = (value, .now) }
                defer { state.waiting = [] }
                return state.waiting
            }
            for continuation in waiting { continuation.resume(with: result) }
        }
    }
}

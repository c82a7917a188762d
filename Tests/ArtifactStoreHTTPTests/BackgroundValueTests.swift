@testable import ArtifactStoreHTTP
import Foundation
import Synchronization
import Testing

/// The web pages' store-wide figures (gc preview, overview counts) are computed off the request
/// path: a page never waits for them except before the very first value exists.
@Suite("BackgroundValue")
struct BackgroundValueTests {
    /// A computation whose runs are counted and can be held back until released.
    final class Computation: Sendable {
        let runs = Atomic<Int>(0)
        let failing = Atomic<Bool>(false)
        private let gate = DispatchSemaphore(value: 0)
        let gated: Bool

        init(gated: Bool) { self.gated = gated }

        func run() throws -> Int {
            if gated { gate.wait() }
            let run = runs.add(1, ordering: .sequentiallyConsistent).newValue
            if failing.load(ordering: .sequentiallyConsistent) { throw CocoaError(.fileReadUnknown) }
            return run
        }

        func release(_ count: Int = 1) { for _ in 0..<count { gate.signal() } }
    }

    @Test("callers that come before the first value share the one computation already running")
    func firstCallersShareOneComputation() async throws {
        let computation = Computation(gated: true)
        let value = BackgroundValue(lifetime: .seconds(60)) { try computation.run() }
        value.start()
        async let first = value.value()
        async let second = value.value()
        try await Task.sleep(for: .milliseconds(50))
        computation.release()
        #expect(try await [first, second] == [1, 1])
        #expect(computation.runs.load(ordering: .sequentiallyConsistent) == 1)
    }

    @Test("a value within its lifetime is answered without computing again")
    func freshValueIsReused() async throws {
        let computation = Computation(gated: false)
        let value = BackgroundValue(lifetime: .seconds(60)) { try computation.run() }
        #expect(try await value.value() == 1)
        for _ in 0..<5 { #expect(try await value.value() == 1) }
        #expect(computation.runs.load(ordering: .sequentiallyConsistent) == 1)
    }

    @Test("a stale value is answered at once while one recomputation runs in the background")
    func staleValueIsAnsweredWhileRecomputing() async throws {
        let computation = Computation(gated: true)
        let value = BackgroundValue(lifetime: .zero) { try computation.run() }
        value.start()
        computation.release()
        #expect(try await value.value() == 1)
        // Stale at once (lifetime zero): every call answers 1 without waiting, and only one of
        // them starts a recomputation, which is held at the gate.
        for _ in 0..<3 { #expect(try await value.value() == 1) }
        computation.release()
        try await waitUntil { computation.runs.load(ordering: .sequentiallyConsistent) == 2 }
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await value.value() == 2)
        computation.release()  // the recomputation the last call started
    }

    @Test("a failed recomputation keeps the last good value; a failed first computation is retried")
    func failuresKeepTheLastValueAndRetry() async throws {
        let computation = Computation(gated: false)
        let value = BackgroundValue(lifetime: .zero) { try computation.run() }
        computation.failing.store(true, ordering: .sequentiallyConsistent)
        await #expect(throws: CocoaError.self) { try await value.value() }
        computation.failing.store(false, ordering: .sequentiallyConsistent)
        #expect(try await value.value() == 2, "the next call computes again")
        computation.failing.store(true, ordering: .sequentiallyConsistent)
        #expect(try await value.value() == 2, "stale: answered at once, a recomputation starts and fails")
        try await waitUntil { computation.runs.load(ordering: .sequentiallyConsistent) == 3 }
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await value.value() == 2, "the failure did not replace the last good value")
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(condition())
    }
}

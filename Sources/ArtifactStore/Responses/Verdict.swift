import Foundation
/// Whether a request can be answered from the store, and exactly why not (ARCHITECTURE.md §5).
public enum Verdict: Sendable, Hashable {
    /// A stored response answers the request.
    case satisfiable(Satisfied)
    /// No stored response answers it, for every one of these reasons.
    case unsatisfiable([VerdictReason])

    /// True for ``satisfiable(_:)``.
    public var isSatisfiable: Bool {
        if case .satisfiable = self { return true }
        return false
    }

    /// The response that answers the request, or nil.
    public var satisfied: Satisfied? {
        if case .satisfiable(let satisfied) = self { return satisfied }
        return nil
    }

    /// Why the request cannot be answered (empty when it can).
    public var reasons: [VerdictReason] {
        if case .unsatisfiable(let reasons) = self { return reasons }
        return []
    }
}

import Foundation
import HTTPCaching

/// A stored response that answers the request, and how fresh it is.
public struct Satisfied: Sendable, Hashable {
    /// How fresh the answering response is.
    public enum Freshness: Sendable, Hashable, CustomStringConvertible {
        /// Fresh until this time.
        case fresh(until: Date)
        /// Stale by this many seconds; served because of `allowedBecause` (a sentence).
        case stale(by: Int64, allowedBecause: String)

        /// The one sentence every output uses: `fresh until T`, or `stale by D, served because …`.
        public var description: String {
            switch self {
            case .fresh(let until): "fresh until \(Timestamp.iso8601(until))"
            case .stale(let by, let because): "stale by \(VerdictReason.duration(by)), served because \(because)"
            }
        }

        /// Whether it is past its freshness lifetime.
        public var isStale: Bool {
            if case .stale = self { return true }
            return false
        }
    }

    /// The response that answers.
    public var record: ResponseRecord
    /// Fresh until a time, or stale and why that is allowed.
    public var freshness: Freshness
    /// Facts worth telling (an archived body, an overridden Cache-Control).
    public var notes: [String]
}

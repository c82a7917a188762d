import Foundation

/// Which responses ``Store/forEachResponse(matching:limit:_:)`` lists.
public struct ResponseFilter: Sendable, Hashable {
    /// Only refused (and archived) responses.
    public var refusedOnly = false
    /// Only responses that are stale at `now` (past their freshness lifetime).
    public var staleAt: Date?
    /// Only responses from this host (case-insensitive).
    public var host: String?

    /// Creates a filter; with no arguments every current response matches.
    public init(refusedOnly: Bool = false, staleAt: Date? = nil, host: String? = nil) {
        self.refusedOnly = refusedOnly
        self.staleAt = staleAt
        self.host = host
    }
}

import Foundation

/// What refers to one blob: the responses whose body it is, the pins and the leases that keep it
/// (serve's blob page; ARCHITECTURE.md §7, "Web pages").
public struct BlobReferences: Sendable, Hashable {
    /// Current responses with this body (at most the limit asked for).
    public var responses: [ResponseRecord]
    /// True when more responses than those have it.
    public var moreResponses: Bool
    /// Pins of the digest itself, and URL-pattern pins matching one of ``responses``.
    public var pins: [Pin]
    /// Live or expired leases holding the digest: id and expiry (Unix seconds).
    public var leases: [(id: Int64, expiresAt: Date)]

    /// Equal when the responses, pins and leases (ids and expiries) are equal.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.responses == rhs.responses && lhs.moreResponses == rhs.moreResponses && lhs.pins == rhs.pins
            && lhs.leases.map(\.id) == rhs.leases.map(\.id) && lhs.leases.map(\.expiresAt) == rhs.leases.map(\.expiresAt)
    }

    /// Hashes the responses and pins.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(responses)
        hasher.combine(pins)
    }
}

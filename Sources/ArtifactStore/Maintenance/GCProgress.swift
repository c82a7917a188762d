import Foundation
/// Running totals during a gc.
public struct GCProgress: Sendable {
    /// The phase: `leases`, `history`, `unreferenced`, `unused-for`, `max-size`, `files`, `tmp`.
    public var phase: String
    /// Things removed so far.
    public var itemsRemoved: Int
    /// Bytes freed so far.
    public var bytesRemoved: Int64
}

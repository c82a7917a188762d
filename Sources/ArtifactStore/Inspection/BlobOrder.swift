import Foundation
/// The order of ``Store/forEachBlob(order:limit:_:)``.
public enum BlobOrder: String, Sendable, CaseIterable {
    /// By digest, ascending.
    case digest
    /// Most recently used first.
    case lastUsed = "last-used"
    /// Largest first.
    case size
}

import Foundation

/// The result of a put: which blob holds the content, and whether it was already there.
public struct StoredBlob: Sendable, Hashable, Codable {
    /// The SHA-256 of the content.
    public var digest: BlobDigest
    /// The content's size in bytes.
    public var size: Int64
    /// True when the store already held this content: nothing new was written.
    public var alreadyStored: Bool
}

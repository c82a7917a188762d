import Foundation

/// How a chosen file was found in the store.
public enum FileSource: Sendable, Hashable {
    /// The response recorded for the file's own URL.
    case url
    /// A blob whose SHA-256 equals the page's hash, recorded for another URL.
    case sameContent(fromURL: String)
    /// A blob whose SHA-256 equals the page's hash, stored by `put` (or a response since gone).
    case sameContentFromPut
}

/// The stored blob for a file.
public struct StoredFile: Sendable, Hashable {
    /// The blob's digest.
    public var digest: BlobDigest
    /// The blob's size in bytes.
    public var size: Int64
    /// The content was re-hashed and matched during this query.
    public var verified: Bool
    /// How the blob was found: by the file's URL, or by its hash.
    public var source: FileSource
}

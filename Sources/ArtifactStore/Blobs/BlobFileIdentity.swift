import Foundation
/// The identity of an open blob file: equal identities mean the same file, unchanged.
public struct BlobFileIdentity: Sendable, Hashable {
    /// The device of the file system that holds the file.
    public var device: UInt64
    /// The file's inode number on that device.
    public var inode: UInt64
    /// The file's size in bytes.
    public var size: Int64
    /// Modification time, nanoseconds since 1970.
    public var modified: Int64
}

import Foundation
/// How far a verification has got.
public struct VerifyProgress: Sendable {
    /// Blobs hashed so far.
    public var blobsHashed: Int
    /// Bytes hashed so far.
    public var bytesHashed: Int64
    /// The blobs and bytes the run expects to hash (the sample of what the rows record).
    public var blobsExpected: Int
    /// The bytes the run expects to hash.
    public var bytesExpected: Int64
    /// Fan-out directories done, of 256.
    public var directoriesDone: Int
}

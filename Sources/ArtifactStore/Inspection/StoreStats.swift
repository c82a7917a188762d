import Foundation
import GRDB

/// A summary of a store, as `artifact-store stats` prints it.
public struct StoreStats: Sendable, Hashable, Codable {
    /// The store directory.
    public var path: String
    /// The on-disk format version (``StoreLayout/currentFormatVersion`` for a current store).
    public var formatVersion: Int
    /// Applied schema migrations, e.g. `["0001_initial"]`.
    public var schemaVersion: String
    /// Number of blobs, quarantined ones excluded.
    public var blobCount: Int
    /// Bytes of those blobs.
    public var blobBytes: Int64
    /// Number of quarantined blobs.
    public var quarantinedBlobCount: Int
    /// The SQLite database with its WAL and shared-memory files (0 when the metadata is on a server).
    public var databaseBytes: Int64
    /// Where the metadata is when it is not the SQLite database in the store directory (a
    /// ``MetadataServer``'s ``MetadataServer/displayName``); nil for SQLite.
    public var metadataServer: String? = nil
}

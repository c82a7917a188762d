import Foundation

/// Where things live inside a store directory (ARCHITECTURE.md §2).
///
/// ```
/// <store>/store.sqlite          metadata (WAL)
/// <store>/blobs/sha256/ab/ab…   one read-only file per blob
/// <store>/tmp/                  ingest in progress
/// <store>/quarantine/           blobs that failed verification
/// <store>/STORE-FORMAT          the on-disk format version
/// <store>/write-turns           the write lock's queue across processes (its locks, a counter)
/// ```
public struct StoreLayout: Sendable {
    /// The on-disk layout this build writes. A store with a higher number is refused.
    public static let currentFormatVersion = 1

    /// The store directory, standardized.
    public let root: URL
    /// The store directory as a path, without a trailing slash.
    public let rootPath: String

    /// The layout of the store at `root`; nothing is created or checked.
    public init(root: URL) {
        self.root = root.standardizedFileURL
        var path = self.root.path(percentEncoded: false)
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        rootPath = path
    }

    var database: String { path("store.sqlite") }
    var blobs: String { path("blobs/sha256") }
    var tmp: String { path("tmp") }
    /// The store's private directory for files being written (`tmp/`); gc removes old ones.
    public var temporaryDirectory: String { tmp }
    var quarantine: String { path("quarantine") }
    var formatFile: String { path("STORE-FORMAT") }
    /// The queue of writers waiting for SQLite's write lock, in locks on its bytes (``WriteTurns``).
    var writeTurnsFile: String { path("write-turns") }
    /// The store's own key for hashing credentials that select variants.
    var secretKeyFile: String { path("secret.key") }

    /// The fan-out directory of a blob: `blobs/sha256/ab`.
    func fanOutDirectory(_ digest: BlobDigest) -> String { blobs + "/" + digest.fanOut }

    /// The file of a blob: `blobs/sha256/ab/ab…`. Built from a validated digest only.
    func blobPath(_ digest: BlobDigest) -> String { blobs + "/" + relativeBlobPath(digest) }

    /// The file of a blob relative to ``blobs``: `ab/ab…`.
    func relativeBlobPath(_ digest: BlobDigest) -> String { digest.fanOut + "/" + digest.hex }

    private func path(_ relative: String) -> String {
        rootPath + "/" + relative
    }
}

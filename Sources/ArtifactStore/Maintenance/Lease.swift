import Foundation
import GRDB

/// A time-limited root: the digests added to it are kept by `gc` until it is released or
/// expires. See ``Store/withLease(timeout:_:)``.
public final class Lease: Sendable {
    private let store: Store
    /// The lease's row id.
    public let id: Int64
    /// When `gc` stops respecting it, unless extended.
    public let expiresAt: Date

    init(store: Store, id: Int64, expiresAt: Int64) {
        self.store = store
        self.id = id
        self.expiresAt = Date(unixSeconds: expiresAt)
    }

    /// Keeps these blobs while the lease lives. A digest not stored yet is fine: lease, then put.
    ///
    /// - Throws: ``StoreError`` `invalidInput` when the lease was released or has expired and
    ///   was already collected (take a new lease).
    public func add(_ digests: BlobDigest...) throws {
        try add(contentsOf: digests)
    }

    /// Keeps these blobs while the lease lives.
    public func add(contentsOf digests: some Sequence<BlobDigest>) throws {
        let now = store.nowSeconds
        try store.writeTransaction { db in
            guard let expires = try Int64.fetchOne(db, sql: "SELECT expires_at FROM lease WHERE id = ?", arguments: [id]), expires > now else {
                throw StoreError(.invalidInput, "lease \(id) has expired or was released, so it no longer protects anything; take a new lease (a longer timeout if the work takes long)")
            }
            let statement = try db.cachedStatement(sql: "INSERT INTO lease_blob (lease_id, digest) VALUES (?, ?) ON CONFLICT DO NOTHING")
            for digest in digests {
                try statement.execute(arguments: [id, digest.hex])
            }
        }
    }

    /// Ends the lease: its blobs are no longer kept on its account.
    public func release() throws {
        try store.writeTransaction { db in
            try db.execute(sql: "DELETE FROM lease WHERE id = ?", arguments: [id])
        }
    }
}

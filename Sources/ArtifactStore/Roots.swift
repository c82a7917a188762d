import Foundation
import GRDB

/// What a pin keeps: one blob, or the bodies of every response whose URL matches a pattern.
public enum PinTarget: Sendable, Hashable {
    /// Keeps this blob (it need not be stored yet).
    case digest(BlobDigest)
    /// Keeps the body of every current response whose normalized URL matches this glob
    /// (`*` matches any run of characters including `/`, `?` one character; SQLite `GLOB`).
    case urlPattern(String)
}

/// A root that garbage collection never evicts (ARCHITECTURE.md §3, §6).
public struct Pin: Sendable, Hashable {
    /// The pin's row id.
    public var id: Int64
    /// What the pin keeps.
    public var target: PinTarget
    /// Unix seconds.
    public var createdAt: Int64
    /// Free text for people: why the pin exists.
    public var note: String

    init(row: Row) {
        id = row["id"]
        if let digest = row["digest"] as String? {
            target = .digest(BlobDigest(trusted: digest))
        } else {
            target = .urlPattern(row["url_pattern"])
        }
        createdAt = row["created_at"]
        note = row["note"]
    }
}

extension Store {
    /// Pins a blob or a URL pattern so that `gc` keeps it. Pinning what is already pinned
    /// updates the note and returns the existing pin.
    @discardableResult
    public func pin(_ target: PinTarget, note: String = "") throws -> Pin {
        if case .urlPattern(let pattern) = target, pattern.isEmpty {
            throw StoreError(.invalidInput, "an empty URL pattern would pin nothing; give a URL or a glob such as https://download.pytorch.org/whl/*")
        }
        let now = nowSeconds
        return try writeTransaction { db in
            let (column, value) = Self.pinColumn(target)
            try db.execute(
                sql: """
                    INSERT INTO pin (\(column), created_at, note) VALUES (?, ?, ?)
                    ON CONFLICT (\(column)) WHERE \(column) IS NOT NULL DO UPDATE SET note = excluded.note
                    """,
                arguments: [value, now, note])
            return try Row.fetchOne(db, sql: "SELECT * FROM pin WHERE \(column) = ?", arguments: [value]).map(Pin.init(row:))!
        }
    }

    /// Removes a pin. Returns false when there was no such pin.
    @discardableResult
    public func unpin(_ target: PinTarget) throws -> Bool {
        let (column, value) = Self.pinColumn(target)
        return try writeTransaction { db in
            try db.execute(sql: "DELETE FROM pin WHERE \(column) = ?", arguments: [value])
            return db.changesCount > 0
        }
    }

    /// Every pin, oldest first.
    public func pins() throws -> [Pin] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM pin ORDER BY created_at, id").map(Pin.init(row:))
        }
    }

    private static func pinColumn(_ target: PinTarget) -> (String, String) {
        switch target {
        case .digest(let digest): ("digest", digest.hex)
        case .urlPattern(let pattern): ("url_pattern", normalizedPattern(pattern))
        }
    }

    /// A URL pattern as the recorded URLs it is matched against are written: without
    /// `user:password@` (which must never reach the disk), scheme and host in lowercase, a `+` in
    /// the path as `%2B` (``RecordedURL``).
    static func normalizedPattern(_ pattern: String) -> String {
        let stripped = RecordedURL.redacted(pattern, replacement: "")
        guard let schemeEnd = stripped.range(of: "://") else { return stripped }
        let rest = stripped[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex
        return RecordedURL.quotingPlusInPath(stripped[..<schemeEnd.upperBound].lowercased() + rest[..<authorityEnd].lowercased() + rest[authorityEnd...])
    }

    /// Runs `body` holding a lease: every digest added to it is kept by `gc` until `body`
    /// returns, or until `timeout` seconds have passed (so a crashed holder cannot keep data
    /// forever). Take one around an install: add the digests you are about to use or download.
    public func withLease<T>(timeout: TimeInterval = 3600, _ body: (Lease) throws -> T) throws -> T {
        let lease = try makeLease(timeout: timeout)
        defer { try? lease.release() }
        return try body(lease)
    }

    /// Takes a lease that expires after `timeout` seconds unless released first. Prefer
    /// ``withLease(timeout:_:)``, which releases it for you.
    public func makeLease(timeout: TimeInterval = 3600) throws -> Lease {
        guard timeout > 0, timeout.isFinite else {
            throw StoreError(.invalidInput, "a lease timeout must be a positive number of seconds (got \(timeout))")
        }
        let expires = nowSeconds + Int64(timeout.rounded(.up))
        let id = try writeTransaction { db in
            try db.execute(sql: "INSERT INTO lease (expires_at) VALUES (?)", arguments: [expires])
            return db.lastInsertedRowID
        }
        return Lease(store: self, id: id, expiresAt: expires)
    }
}

/// A time-limited root: the digests added to it are kept by `gc` until it is released or
/// expires. See ``Store/withLease(timeout:_:)``.
public final class Lease: Sendable {
    private let store: Store
    /// The lease's row id.
    public let id: Int64
    /// When `gc` stops respecting it (Unix seconds), unless extended.
    public let expiresAt: Int64

    init(store: Store, id: Int64, expiresAt: Int64) {
        self.store = store
        self.id = id
        self.expiresAt = expiresAt
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
            let statement = try db.cachedStatement(sql: "INSERT OR IGNORE INTO lease_blob (lease_id, digest) VALUES (?, ?)")
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

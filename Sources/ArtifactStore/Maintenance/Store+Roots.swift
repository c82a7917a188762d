import Foundation
import GRDB

extension Store {
    /// Pins a blob or a URL pattern so that `gc` keeps it. Pinning what is already pinned
    /// updates the note and returns the existing pin.
    @discardableResult
    public func pin(_ target: PinTarget, note: String = "") throws -> Pin {
        if case .urlPattern(let pattern) = target, pattern.isEmpty {
            throw StoreError(.invalidInput, "an empty URL pattern would pin nothing; give a URL or a glob such as https://download.pytorch.org/whl/*")
        }
        let now = nowSeconds
        return try writeTransaction { db in try Self.insertPin(target, note: note, now: now, db) }
    }

    /// Writes a pin (or updates the note of the existing one) inside the caller's write transaction.
    static func insertPin(_ target: PinTarget, note: String, now: Int64, _ db: SQLSession) throws -> Pin {
        let (column, value) = pinColumn(target)
        try db.execute(
            sql: """
                INSERT INTO pin (\(column), created_at, note) VALUES (?, ?, ?)
                ON CONFLICT (\(column)) WHERE \(column) IS NOT NULL DO UPDATE SET note = excluded.note
                """,
            arguments: [value, now, note])
        return try SQLRow.fetchOne(db, sql: "SELECT * FROM pin WHERE \(column) = ?", arguments: [value]).map(Pin.init(row:))!
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
            try SQLRow.fetchAll(db, sql: "SELECT * FROM pin ORDER BY created_at, id").map(Pin.init(row:))
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
        return NormalizedURL.quotingPlusInPath(stripped[..<schemeEnd.upperBound].lowercased() + rest[..<authorityEnd].lowercased() + rest[authorityEnd...])
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
            try Int64.fetchOne(db, sql: "INSERT INTO lease (expires_at) VALUES (?) RETURNING id", arguments: [expires])!
        }
        return Lease(store: self, id: id, expiresAt: expires)
    }
}

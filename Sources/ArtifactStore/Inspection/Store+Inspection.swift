import Foundation
import GRDB

extension Store {
    /// The row of one blob, or nil when the store never held it.
    public func blob(_ digest: BlobDigest) throws -> BlobInfo? {
        try read { db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM blob WHERE digest = ?", arguments: [digest.hex]).map(BlobInfo.init(row:))
        }
    }

    /// Calls `body` for each blob in order, without loading them all in memory.
    public func forEachBlob(order: BlobOrder = .digest, limit: Int? = nil, _ body: (BlobInfo) throws -> Void) throws {
        let orderBy = switch order {
        case .digest: "digest"
        case .lastUsed: "last_used_at DESC, digest"
        case .size: "size DESC, digest"
        }
        try read { db in
            let cursor = try SQLRow.fetchCursor(db, sql: "SELECT * FROM blob ORDER BY \(orderBy) LIMIT ?", arguments: [limit ?? Int.max])
            while let row = try cursor.next() {
                try body(BlobInfo(row: row))
            }
        }
    }

    /// Counts and sizes of what the store holds.
    public func stats() throws -> StoreStats {
        let (count, bytes, quarantined, migrations) = try read { db in
            let row = try SQLRow.fetchOne(db, sql: """
                SELECT count(*) FILTER (WHERE quarantined_at IS NULL) AS count,
                       coalesce(sum(size) FILTER (WHERE quarantined_at IS NULL), 0) AS bytes,
                       count(*) FILTER (WHERE quarantined_at IS NOT NULL) AS quarantined
                FROM blob
                """)!
            let migrations = try Self.appliedMigrations(db)
            return (row["count"] as Int, row["bytes"] as Int64, row["quarantined"] as Int, migrations)
        }
        let databaseBytes = ["", "-wal", "-shm"].reduce(Int64(0)) { total, suffix in
            let info = (try? FileSystem.lstat(layout.database + suffix)) ?? nil
            return total + Int64(info?.st_size ?? 0)
        }
        return StoreStats(
            path: layout.rootPath,
            formatVersion: StoreLayout.currentFormatVersion,
            schemaVersion: migrations.last ?? "none",
            blobCount: count,
            blobBytes: bytes,
            quarantinedBlobCount: quarantined,
            databaseBytes: databaseBytes,
            metadataServer: { if case .server(let server) = metadata { server.displayName } else { nil } }())
    }

    /// The path of a blob's file, for display. A small blob put in the last moments may have no
    /// file there yet (it is in the blob journal); ``settleBlobJournal()`` writes it.
    public func path(of digest: BlobDigest) -> String { layout.blobPath(digest) }
}

extension Store {
    /// A bare indexed point lookup of a response row's id, on the connection verdicts use: the
    /// floor a verdict lookup is measured against by `scripts/bench-lookup.sh`.
    @_spi(Benchmarks)
    public func rawResponseLookup(url: String, method: String = "GET") throws -> Int64? {
        var id: Int64?
        try lookup("SELECT id FROM response WHERE url = ? AND method = ?", arguments: [.text(url), .text(method)]) { row in id = row.value(at: 0) }
        return id
    }

    /// How many response rows the store holds (a count of the smallest index: tens of
    /// milliseconds at a million rows).
    public func responseCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM response") ?? 0 }
    }

    /// Folds the WAL into the database file, so its size can be measured.
    @_spi(Benchmarks)
    public func checkpoint() throws {
        guard case .sqlite(let database, _) = metadata else { return }
        try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// The identifiers of the schema migrations applied to the metadata, in order.
    static func appliedMigrations(_ db: SQLSession) throws -> [String] {
        if let sqlite = db.sqlite { return try migrator.appliedMigrations(sqlite) }
        return try String.fetchAll(db, sql: "SELECT identifier FROM schema_migrations ORDER BY identifier")
    }
}

extension Store {
    /// The blob a user means: a full digest, or a unique prefix of at least
    /// ``BlobDigest/minimumPrefixLength`` hex characters, in any case, with or without `sha256:`.
    ///
    /// - Throws: ``StoreError`` `invalidInput` for something that is not hex or too short, or a
    ///   prefix that several blobs share (they are listed); `notFound` when no blob has it.
    public func resolveDigest(_ text: String) throws -> BlobDigest {
        let hex = BlobDigest.hexPart(of: text)
        if hex.utf8.count == 64 { return try BlobDigest(validating: hex) }
        guard hex.utf8.count >= BlobDigest.minimumPrefixLength, hex.utf8.count < 64, hex.utf8.allSatisfy(BlobDigest.isHexDigit) else {
            return try BlobDigest(validating: text)
        }
        // Every digest character sorts below "g": [prefix, prefix + "g") is exactly the prefix's range.
        let matches = try read { db in
            try String.fetchAll(db, sql: "SELECT digest FROM blob WHERE digest >= ? AND digest < ? ORDER BY digest LIMIT 6", arguments: [hex, hex + "g"])
        }
        switch matches.count {
        case 0:
            throw StoreError(.notFound, "no blob's digest starts with \(hex); `artifact-store ls` lists them")
        case 1:
            return BlobDigest(trusted: matches[0])
        default:
            let shown = matches.prefix(5).map { "  " + $0 }.joined(separator: "\n")
            throw StoreError(.invalidInput, "\(hex) is ambiguous: it starts \(matches.count > 5 ? "more than 5" : String(matches.count)) digests; give more characters:\n\(shown)")
        }
    }
}

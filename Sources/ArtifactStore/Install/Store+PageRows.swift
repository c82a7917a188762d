import Foundation
import GRDB

/// How a parsed page's `index_file` rows are written, worked out before the transaction that
/// records the page, so that the transaction writes at most ``Store/rowsPerTransaction`` of them
/// (ARCHITECTURE.md §4, I8).
enum PageRows: Sendable {
    /// A few rows of the page's current set change, inside the recording transaction: the rows
    /// `deleted` go, the files at positions `inserted` come. Valid only while the page still has
    /// set `fileSet` at `revision` (no one changed its rows since they were compared).
    case edit(fileSet: Int64, revision: Int64, deleted: [Int64], inserted: [Int])
    /// A new set, already filled in short transactions of its own and still `staging`: the
    /// recording transaction publishes it.
    case staged(fileSet: Int64)
}

/// Where an `index_file_set` is in its life (column `state`, migration 0016).
enum FileSetState: String, Sendable {
    /// Being written by a recording, never read.
    case staging
    /// Pointed at by its page's `index_page.file_set`: the only rows ever read.
    case published
    /// Replaced or its page gone: its rows are being deleted.
    case retired
}

extension Store {
    /// The most `index_file` rows one transaction writes or deletes for a page, unless a page
    /// changes under a recording (I8). Every other writer queues behind these holds, so their
    /// size sets the wait: in `scripts/bench-contention.sh`, the p99 wait for the lock went
    /// from 83 ms (256 rows) through 44 (128) to 33 (64) from one process, and from 318 through
    /// 207 to 146 ms from separate ones; with the turns between handles, from 63 (64 rows) to
    /// 45 ms (32), for about a sixth fewer files recorded per second by writers alone
    /// (ARCHITECTURE.md §8). A 20 000-file page takes 625 of them.
    static let rowsPerTransaction = 32

    /// A staging set older than this was abandoned by its writer (a crash, a killed process):
    /// gc deletes it. No recording takes that long to stage a page.
    static let abandonedStagingAge: Int64 = 3600

    /// Plans the rows of a parsed page against what the store holds now, outside any write
    /// transaction: nothing (unchanged, or few enough rows to write inside), an edit of the
    /// current set, or a new set, which this stages before returning.
    ///
    /// Each staging transaction is durable: left to the recording's commit, the fsync of several
    /// megabytes of staged log would fall inside that one transaction's hold (measured: a 137 ms
    /// hold, 88 ms with each chunk synced). A crash before the recording leaves a staging set
    /// that gc deletes.
    func planRows(of page: PreparedPage, url: String, method: String, variantKey: String) throws -> PageRows? {
        guard case .parsed(let project, let fingerprint, let files, _) = page.outcome, !files.isEmpty else { return nil }
        enum Decision { case inside, edit(PageRows), stage }
        // One snapshot: the page, its set's revision and the rows compared.
        let decision = try read { db -> Decision in
            guard let current = try SQLRow.fetchOne(db, sql: """
                SELECT p.file_set, p.content_fingerprint, p.project, s.revision FROM response r
                JOIN index_page p ON p.response_id = r.id JOIN index_file_set s ON s.id = p.file_set
                WHERE r.url = ? AND r.method = ? AND r.variant_key = ?
                """, arguments: [url, method, variantKey])
            else { return files.count <= Self.rowsPerTransaction ? .inside : .stage }  // a new page
            let fileSet: Int64 = current[0]
            if current[1] as String == fingerprint, current[2] as String == project { return .inside }  // unchanged
            let (stale, inserted) = try Self.difference(between: fileSet, and: files, project: project, db)
            guard stale.count + inserted.count <= Self.rowsPerTransaction else { return .stage }
            return .edit(.edit(fileSet: fileSet, revision: current[3], deleted: stale, inserted: inserted))
        }
        switch decision {
        case .inside: return nil
        case .edit(let edit): return edit
        case .stage: return .staged(fileSet: try stageFileSet(files, project: project))
        }
    }

    /// Writes `files` into a new `staging` set, ``rowsPerTransaction`` rows per transaction.
    private func stageFileSet(_ files: [PreparedPage.File], project: String) throws -> Int64 {
        let now = nowSeconds
        let fileSet = try writeTransaction(durable: false) { db in
            try Int64.fetchOne(db, sql: "INSERT INTO index_file_set (state, created_at) VALUES ('staging', ?) RETURNING id", arguments: [now])!
        }
        do {
            for start in stride(from: 0, to: files.count, by: Self.rowsPerTransaction) {
                try writeTransaction { db in
                    // Another writer (or gc, after an hour) may have given up on the set.
                    guard try Self.fileSetState(fileSet, db) == .staging else {
                        throw StoreError(.database, "the page's rows being staged (set \(fileSet)) were deleted under the recording; record the page again")
                    }
                    try insertFileRows(files, positions: start..<min(files.count, start + Self.rowsPerTransaction), project: project, into: fileSet, db)
                }
            }
        } catch {
            try? finishFileSets(FileSetChanges(), staged: [fileSet])
            throw error
        }
        return fileSet
    }

    /// After a recording transaction (committed or not): retires the sets it staged but did not
    /// publish, and deletes the rows of the sets it retired, ``rowsPerTransaction`` per
    /// transaction. What this leaves (a crash, an error) gc deletes.
    func finishFileSets(_ changes: FileSetChanges, staged: [Int64]) throws {
        let unpublished = staged.filter { !changes.published.contains($0) }
        if !unpublished.isEmpty {
            try writeTransaction(durable: false) { db in
                let retire = try db.cachedStatement(sql: "UPDATE index_file_set SET state = 'retired' WHERE id = ? AND state = 'staging'")
                for fileSet in unpublished { try retire.execute(arguments: [fileSet]) }
            }
        }
        for fileSet in Set(changes.retired + unpublished) { try deleteRetiredFileSet(fileSet) }
    }

    /// Deletes a retired set's rows, ``rowsPerTransaction`` per transaction, then the set;
    /// returns how many rows it deleted. A set that is not retired is left alone.
    @discardableResult
    func deleteRetiredFileSet(_ fileSet: Int64) throws -> Int {
        var deleted = 0
        while true {
            let done = try writeTransaction { db -> Bool in  // durable: see planRows
                guard try Self.fileSetState(fileSet, db) == .retired else { return true }
                try db.execute(sql: """
                    DELETE FROM index_file WHERE id IN (SELECT id FROM index_file WHERE file_set = ? LIMIT \(Self.rowsPerTransaction))
                    """, arguments: [fileSet])
                deleted += db.changesCount
                if db.changesCount < Self.rowsPerTransaction {
                    try db.execute(sql: "DELETE FROM index_file_set WHERE id = ?", arguments: [fileSet])
                    return true
                }
                return false
            }
            if done { return deleted }
        }
    }

    /// Deletes every retired set, and the staging sets abandoned for over
    /// ``abandonedStagingAge`` seconds (gc). Returns how many `index_file` rows went.
    @discardableResult
    func deleteUnusedFileSets(now: Int64) throws -> Int {
        let abandoned = try writeTransaction(durable: false) { db in
            // `state <> 'published'` too: the condition of index_file_set_unpublished, so that it is used.
            try db.execute(sql: "UPDATE index_file_set SET state = 'retired' WHERE state = 'staging' AND state <> 'published' AND created_at < ?",
                           arguments: [now - Self.abandonedStagingAge])
            return try Int64.fetchAll(db, sql: "SELECT id FROM index_file_set WHERE state = 'retired' AND state <> 'published' ORDER BY id")
        }
        return try abandoned.reduce(0) { $0 + (try deleteRetiredFileSet($1)) }
    }
}

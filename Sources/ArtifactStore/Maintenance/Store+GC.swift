import Foundation
import GRDB
import PythonPackaging

extension Store {
    /// Collects garbage and applies eviction policies, safely while other processes read and
    /// write the store: every deletion happens inside a write transaction, the unlink before the
    /// commit (ARCHITECTURE.md §4, I2), in batches of ``GCOptions/batchSize``. Pinned, leased and recently
    /// used blobs are never removed. An evicted response keeps its row as a tombstone
    /// (`evicted_at`, `evicted_by`), so a verdict says when and why its body went.
    public func gc(_ options: GCOptions = GCOptions()) throws -> GCReport {
        guard options.batchSize > 0 else { throw StoreError(.invalidInput, "the gc batch size must be positive") }
        guard options.unlinkThreads > 0 else { throw StoreError(.invalidInput, "gc needs at least one unlinking thread") }
        for (name, value) in [("unused-for", options.unusedFor), ("refused-older-than", options.refusedOlderThan), ("grace", options.grace), ("recently-used", options.recentlyUsed)] {
            if let value, !(value >= 0 && value.isFinite) {
                throw StoreError(.invalidInput, "--\(name) must be a non-negative duration such as 30d, 12h or 90s")
            }
        }
        if let keepLatest = options.keepLatest, keepLatest < 0 {
            throw StoreError(.invalidInput, "--keep-latest must be 0 or more versions per project")
        }
        if let maxSize = options.maxSize, maxSize < 0 {
            throw StoreError(.invalidInput, "--max-size must be a non-negative size such as 20GiB")
        }
        if !options.dryRun { writeUsage(usage.take()) }  // our own reads count as uses
        var run = GCRun(store: self, options: options, now: nowSeconds)
        try ioCall { try run.execute() }
        return run.report
    }
}

/// One gc run: its clock, its running report, its phases.
private struct GCRun {
    let store: Store
    let options: GCOptions
    let now: Int64
    let started = Date()
    var report: GCReport
    var layout: StoreLayout { store.layout }

    init(store: Store, options: GCOptions, now: Int64) {
        self.store = store
        self.options = options
        self.now = now
        report = GCReport(
            dryRun: options.dryRun, durationSeconds: 0, bytesBefore: 0, bytesAfter: 0, blobsBefore: 0, blobsAfter: 0,
            removed: Dictionary(uniqueKeysWithValues: GCReason.allCases.map { ($0, GCTally()) }),
            evictedResponses: 0, maxSizeMet: nil, longestTransactionMilliseconds: 0, writeTransactions: 0)
    }

    var recentCutoff: Int64 { now - Self.seconds(options.recentlyUsed) }
    var graceCutoff: Int64 { now - Self.seconds(options.grace) }
    var unusedCutoff: Int64? { options.unusedFor.map { now - Self.seconds($0) } }

    static func seconds(_ interval: TimeInterval) -> Int64 { Int64(clamping: Int(exactly: interval.rounded(.up)) ?? Int.max) }

    mutating func execute() throws {
        let (count, bytes) = try blobTotals()
        report.blobsBefore = count
        report.bytesBefore = bytes
        try expireLeases()
        if let cutoff = options.refusedOlderThan.map({ now - Self.seconds($0) }) {
            try deleteHistory(olderThan: cutoff)
        }
        try sweepUnreferenced()
        if let cutoff = unusedCutoff {
            try evict(.unusedFor, extraCondition: "b.last_used_at < :cutoff", arguments: ["cutoff": cutoff])
        }
        if let keep = options.keepLatest {
            try evictOldVersions(keeping: keep)
        }
        if let budget = options.maxSize {
            try evictToFit(budget)
        }
        try sweepBlobFiles()
        try sweepTemporaryFiles()
        // The rows of pages replaced or deleted that their recorder left (a crash), and of pages
        // whose responses this run deleted (ARCHITECTURE.md §4, I8).
        if !options.dryRun { try store.deleteUnusedFileSets(now: now) }
        if options.dryRun {
            let blobReasons: [GCReason] = [.unreferenced, .unusedFor, .keepLatest, .maxSize]
            let blobBytes = blobReasons.reduce(Int64(0)) { $0 + report.removed[$1]!.bytes }
            let blobCount = blobReasons.reduce(0) { $0 + report.removed[$1]!.count }
            report.bytesAfter = report.bytesBefore - blobBytes
            report.blobsAfter = report.blobsBefore - blobCount
        } else {
            (report.blobsAfter, report.bytesAfter) = try blobTotals()
        }
        if let budget = options.maxSize { report.maxSizeMet = report.bytesAfter <= budget }
        report.durationSeconds = Date().timeIntervalSince(started)
    }

    func blobTotals() throws -> (Int, Int64) {
        try store.read { db in
            let row = try SQLRow.fetchOne(db, sql: "SELECT count(*), coalesce(sum(size), 0) FROM blob WHERE quarantined_at IS NULL")!
            return (row[0] as Int, row[1] as Int64)
        }
    }

    // MARK: Bookkeeping

    /// In a dry run: how many files of each fan-out directory would go, to tell which
    /// directories would end up empty.
    var wouldEmpty: [String: Int] = [:]

    /// Counts one removal; the item (with its formatted detail) is built only when someone
    /// listens, which keeps a million-blob run cheap.
    mutating func tally(_ reason: GCReason, bytes: Int64, digest: String? = nil, _ item: () -> GCItem) {
        report.removed[reason, default: GCTally()].count += 1
        report.removed[reason, default: GCTally()].bytes += bytes
        if options.dryRun, let digest, (try? FileSystem.lstat(layout.blobPath(BlobDigest(trusted: digest)))) ?? nil != nil {
            wouldEmpty[String(digest.prefix(2)), default: 0] += 1
        }
        if let onItem = options.onItem { onItem(item()) }
    }

    func reportProgress(_ phase: String) {
        guard let progress = options.progress else { return }
        let total = report.total
        progress(GCProgress(phase: phase, itemsRemoved: total.count, bytesRemoved: total.bytes))
    }

    /// A write transaction, timed: how long gc holds the store's write lock matters to others.
    mutating func write<T>(_ body: (SQLSession) throws -> T) throws -> T {
        var began = DispatchTime.now()
        let result = try store.writeTransaction { db in
            began = DispatchTime.now()
            return try body(db)
        }
        let held = Double(DispatchTime.now().uptimeNanoseconds - began.uptimeNanoseconds) / 1e6
        report.longestTransactionMilliseconds = max(report.longestTransactionMilliseconds, held)
        report.writeTransactions += 1
        return result
    }

    // MARK: Rows: leases and history

    mutating func expireLeases() throws {
        let sql = "SELECT id, expires_at FROM lease WHERE expires_at <= ? ORDER BY id"
        let expired: [(Int64, Int64)]
        if options.dryRun {
            expired = try store.read { db in try SQLRow.fetchAll(db, sql: sql, arguments: [now]).map { ($0[0], $0[1]) } }
        } else {
            let now = now
            expired = try write { db in
                let rows = try SQLRow.fetchAll(db, sql: sql, arguments: [now]).map { ($0[0] as Int64, $0[1] as Int64) }
                try db.execute(sql: "DELETE FROM lease WHERE expires_at <= ?", arguments: [now])
                return rows
            }
        }
        for (id, expiresAt) in expired {
            tally(.expiredLease, bytes: 0) { GCItem(reason: .expiredLease, bytes: 0, detail: "lease \(id), expired \(Timestamp.iso8601(expiresAt))") }
        }
        reportProgress("leases")
    }

    mutating func deleteHistory(olderThan cutoff: Int64) throws {
        for (reason, table, condition, column) in [
            (GCReason.refusedResponse, "response", "storability = 'refused' AND response_time < :cutoff", "url"),
            (GCReason.observation, "observation", "at < :cutoff", "url || ' (' || outcome || ')'"),
        ] {
            var after: Int64 = 0
            while true {
                let select = "SELECT id, \(column) FROM \(table) WHERE \(condition) AND id > :after ORDER BY id LIMIT :limit"
                let arguments: SQLArguments = ["cutoff": cutoff, "after": after, "limit": options.batchSize]
                let rows: [(Int64, String)]
                if options.dryRun {
                    rows = try store.read { db in try SQLRow.fetchAll(db, sql: select, arguments: arguments).map { ($0[0], $0[1]) } }
                } else {
                    rows = try write { db in
                        let rows = try SQLRow.fetchAll(db, sql: select, arguments: arguments).map { ($0[0] as Int64, $0[1] as String) }
                        let statement = try db.cachedStatement(sql: "DELETE FROM \(table) WHERE id = ?")
                        for (id, _) in rows { try statement.execute(arguments: [id]) }
                        return rows
                    }
                }
                for (id, what) in rows {
                    tally(reason, bytes: 0) { GCItem(reason: reason, bytes: 0, detail: "\(table) row \(id): \(what)") }
                }
                reportProgress("history")
                guard let last = rows.last, rows.count == options.batchSize else { break }
                after = last.0
            }
        }
    }

    // MARK: Blobs

    /// Blobs gc may remove: not quarantined (verify's business), not used recently, not pinned by
    /// digest, not in a live lease.
    static let removable = """
        b.quarantined_at IS NULL AND b.last_used_at <= :recent
        AND NOT EXISTS (SELECT 1 FROM pin p WHERE p.digest = b.digest)
        AND NOT EXISTS (SELECT 1 FROM lease_blob lb JOIN lease l ON l.id = lb.lease_id WHERE lb.digest = b.digest AND l.expires_at > :now)
        """
    static let referenced = "EXISTS (SELECT 1 FROM response r WHERE r.body_digest = b.digest)"
    var urlPinned: String {
        """
        EXISTS (SELECT 1 FROM response r JOIN pin p ON p.url_pattern IS NOT NULL AND \(store.dialect.glob("r.url", pattern: "p.url_pattern"))
                WHERE r.body_digest = b.digest)
        """
    }

    struct Candidate {
        var digest: String
        var size: Int64
        var lastUsedAt: Int64
    }

    static func candidates(_ db: SQLSession, condition: String, order: String, after: String, arguments: SQLArguments) throws -> [Candidate] {
        try SQLRow.fetchAll(db, sql: "SELECT b.digest, b.size, b.last_used_at FROM blob b WHERE \(condition) AND \(after) ORDER BY \(order) LIMIT :limit", arguments: arguments)
            .map { Candidate(digest: $0[0], size: $0[1], lastUsedAt: $0[2]) }
    }

    var baseArguments: SQLArguments { ["recent": recentCutoff, "now": now, "limit": options.batchSize] }

    /// Removes blob rows and files that nothing references, in digest order.
    mutating func sweepUnreferenced() throws {
        let condition = "\(Self.removable) AND NOT \(Self.referenced)"
        var after = ""
        while true {
            var arguments = baseArguments
            arguments += ["after": after]
            let batch: [Candidate]
            var complete = true  // false when the lock-hold limit cut the batch short
            if options.dryRun {
                batch = try store.read { db in try Self.candidates(db, condition: condition, order: "b.digest", after: "b.digest > :after", arguments: arguments) }
            } else {
                let layout = layout
                // Look first without the lock and warm the inodes, then take the lock, select
                // again (the truth is what holds under the lock) and delete.
                let preview = try store.read { db in try Self.candidates(db, condition: condition, order: "b.digest", after: "b.digest > :after", arguments: arguments) }
                Maintenance.prefetchInodes(preview.map { layout.blobPath(BlobDigest(trusted: $0.digest)) })
                let (maxLockHold, threads, store) = (options.maxLockHold, options.unlinkThreads, store)
                (batch, complete) = try write { db in
                    let deadline = DispatchTime.now() + maxLockHold
                    let batch = try Self.candidates(db, condition: condition, order: "b.digest", after: "b.digest > :after", arguments: arguments)
                    let done = try Self.deleteBlobs(batch, db, store: store, threads: threads, deadline: deadline)
                    return (Array(batch.prefix(done)), done == batch.count)
                }
            }
            for blob in batch {
                let layout = layout
                tally(.unreferenced, bytes: blob.size, digest: blob.digest) {
                    GCItem(reason: .unreferenced, digest: BlobDigest(trusted: blob.digest), path: layout.blobPath(BlobDigest(trusted: blob.digest)),
                           bytes: blob.size, detail: "referenced by nothing; last used \(Timestamp.iso8601(blob.lastUsedAt))")
                }
            }
            reportProgress("unreferenced")
            guard let last = batch.last, batch.count == options.batchSize || !complete else { return }
            after = last.digest
        }
    }

    /// Unlinks blob files and deletes their rows, inside the caller's write transaction, before
    /// it commits (ARCHITECTURE.md §4, I2). A file already gone is fine (a crash between an earlier unlink
    /// and its commit, or a hand deletion).
    ///
    /// Stops once `deadline` has passed, looked at before each unlink (never fewer than one):
    /// returns how many of `batch`, from the first, it unlinked, and only their rows are deleted.
    @discardableResult
    static func deleteBlobs(_ batch: [Candidate], _ db: SQLSession, store: Store, threads: Int, deadline: DispatchTime = .distantFuture) throws -> Int {
        let layout = store.layout
        guard !batch.isEmpty else { return 0 }
        // Unlink on several threads (each unlink mostly waits for the kernel to free the inode:
        // overlapping them is most of gc's speed), then delete the rows of the files unlinked.
        let paths = batch.map { layout.blobPath(BlobDigest(trusted: $0.digest)) }
        let (unlinked, failure) = Maintenance.unlinkAll(paths, threads: threads, deadline: deadline)
        if let failure { throw failure }
        // The objects of shared blobs too, still inside the transaction: a put of one of them
        // waits for the lock, and uploads again after it (ARCHITECTURE.md §11).
        try store.deleteFromRemote(batch[..<unlinked].map { BlobDigest(trusted: $0.digest) })
        let delete = try db.cachedStatement(sql: "DELETE FROM blob WHERE digest = ?")
        for blob in batch[..<unlinked] { try delete.execute(arguments: [blob.digest]) }
        return unlinked
    }


    /// Evicts response bodies (referenced blobs) chosen by a policy: first their responses become
    /// tombstones (one transaction), then the blobs, unreferenced now, are deleted (another,
    /// re-checking under the lock that nothing took them back meanwhile). A crash in between
    /// leaves unreferenced blobs, which the next gc sweeps.
    mutating func evict(_ reason: GCReason, extraCondition: String, arguments extra: SQLArguments) throws {
        let condition = "\(Self.removable) AND \(Self.referenced) AND NOT \(urlPinned) AND \(extraCondition)"
        var after = ""
        while true {
            var arguments = baseArguments
            arguments += extra
            arguments += ["after": after]
            let batch = try store.read { db in try Self.candidates(db, condition: condition, order: "b.digest", after: "b.digest > :after", arguments: arguments) }
            try evictBatch(batch, reason: reason, condition: condition, arguments: arguments)
            reportProgress(reason.rawValue)
            guard let last = batch.last, batch.count == options.batchSize else { return }
            after = last.digest
        }
    }

    /// Evicts the wheel bodies of all but the `count` newest versions of each project. Versions
    /// come from the wheel file names of the recorded responses (`wheel_response`), compared
    /// as PEP 440 versions; the eviction itself follows the usual rules (pinned, leased and
    /// recently used bodies stay).
    mutating func evictOldVersions(keeping count: Int) throws {
        let rows = try store.read { db in
            try SQLRow.fetchAll(db, sql: """
                SELECT w.project, r.url, r.body_digest FROM wheel_response w JOIN response r ON r.id = w.response_id
                WHERE r.body_digest IS NOT NULL
                """)
        }
        var wheelsByProject: [String: [(version: Version, digest: String)]] = [:]
        for row in rows {
            let url: String = row[1]
            let path = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
            guard let segment = path.split(separator: "/").last, let wheel = try? WheelFilename(urlSegment: String(segment)) else { continue }
            wheelsByProject[row[0], default: []].append((wheel.version, row[2]))
        }
        var old: [String] = []
        for wheels in wheelsByProject.values {
            let newest = Set(Set(wheels.map(\.version)).sorted(by: >).prefix(count))
            old += wheels.filter { !newest.contains($0.version) }.map(\.digest)
        }
        // A digest can be both an old and a kept version's body (same bytes): keep it.
        let kept = Set(wheelsByProject.values.flatMap { wheels in
            let newest = Set(Set(wheels.map(\.version)).sorted(by: >).prefix(count))
            return wheels.filter { newest.contains($0.version) }.map(\.digest)
        })
        let evictable = Array(Set(old).subtracting(kept)).sorted()
        for start in stride(from: 0, to: evictable.count, by: 500) {
            let chunk = evictable[start..<min(start + 500, evictable.count)]
            var arguments = SQLArguments()
            for (index, digest) in chunk.enumerated() { arguments += ["old\(index)": digest] }
            let names = chunk.indices.map { ":old\($0 - start)" }.joined(separator: ", ")
            try evict(.keepLatest, extraCondition: "b.digest IN (\(names))", arguments: arguments)
        }
    }

    /// Evicts least recently used response bodies until the blobs fit in `budget` bytes.
    mutating func evictToFit(_ budget: Int64) throws {
        var total: Int64
        if options.dryRun {
            let (_, bytes) = try blobTotals()
            total = bytes - [GCReason.unreferenced, .unusedFor, .keepLatest].reduce(Int64(0)) { $0 + report.removed[$1]!.bytes }
        } else {
            (_, total) = try blobTotals()
        }
        guard total > budget else { return }
        // Blobs an unused-for pass already took are not counted twice in a dry run.
        var condition = "\(Self.removable) AND \(Self.referenced) AND NOT \(urlPinned)"
        var extra: SQLArguments = [:]
        if let cutoff = unusedCutoff {
            condition += " AND b.last_used_at >= :cutoff"
            extra = ["cutoff": cutoff]
        }
        var afterTime = Int64.min, afterDigest = ""
        while total > budget {
            var arguments = baseArguments
            arguments += extra
            arguments += ["afterTime": afterTime, "after": afterDigest]
            let page = try store.read { db in
                try Self.candidates(db, condition: condition, order: "b.last_used_at, b.digest",
                                    after: "(b.last_used_at, b.digest) > (:afterTime, :after)", arguments: arguments)
            }
            var batch: [Candidate] = []
            var planned = total
            for blob in page where planned > budget {
                batch.append(blob)
                planned -= blob.size
            }
            // Count only what really went: a candidate taken back meanwhile (read, pinned) is
            // skipped, and the next ones in LRU order make up for it.
            total -= try evictBatch(batch, reason: .maxSize, condition: condition, arguments: arguments)
            reportProgress("max-size")
            guard let last = batch.last, page.count == options.batchSize || batch.count < page.count else { return }
            afterTime = last.lastUsedAt
            afterDigest = last.digest
        }
    }

    /// Evicts a batch; returns the bytes removed.
    @discardableResult
    mutating func evictBatch(_ batch: [Candidate], reason: GCReason, condition: String, arguments: SQLArguments) throws -> Int64 {
        guard !batch.isEmpty else { return 0 }
        var evictedResponses = 0
        var removed = batch
        if !options.dryRun {
            let now = now, recent = recentCutoff
            let by = "gc (policy \(reason.rawValue))"
            // 1. Tombstones, for the candidates still eligible under the lock.
            let eligible: [Candidate] = try write { db in
                var eligible: [Candidate] = []
                let check = try db.cachedStatement(sql: "SELECT 1 FROM blob b WHERE b.digest = :digest AND \(condition.replacingOccurrences(of: "AND \(Self.referenced)", with: ""))")
                let tombstone = try db.cachedStatement(sql: "UPDATE response SET body_digest = NULL, evicted_at = ?, evicted_by = ? WHERE body_digest = ?")
                for blob in batch {
                    var checkArguments = arguments
                    checkArguments += ["digest": blob.digest]
                    guard try SQLRow.fetchOne(check, arguments: checkArguments) != nil else { continue }
                    try tombstone.execute(arguments: [now, by, blob.digest])
                    evictedResponses += db.changesCount
                    eligible.append(blob)
                }
                return eligible
            }
            // 2. The blobs, now unreferenced unless something took them back meanwhile.
            let layout = layout
            Maintenance.prefetchInodes(eligible.map { layout.blobPath(BlobDigest(trusted: $0.digest)) })
            removed = []
            var remaining = eligible[...]
            let (maxLockHold, threads, store) = (options.maxLockHold, options.unlinkThreads, store)
            while !remaining.isEmpty {
                let (gone, handled) = try write { db -> ([Candidate], Int) in
                    let deadline = DispatchTime.now() + maxLockHold
                    let check = try db.cachedStatement(sql: """
                        SELECT 1 FROM blob b WHERE b.digest = :digest AND b.quarantined_at IS NULL AND b.last_used_at <= :recent
                        AND NOT EXISTS (SELECT 1 FROM pin p WHERE p.digest = b.digest)
                        AND NOT EXISTS (SELECT 1 FROM lease_blob lb JOIN lease l ON l.id = lb.lease_id WHERE lb.digest = b.digest AND l.expires_at > :now)
                        AND NOT \(Self.referenced)
                        """)
                    // Which are still unreferenced under the lock (checks are index lookups, but
                    // the clock bounds them too), then unlink those until the deadline.
                    var checked = 0
                    var still: [(position: Int, blob: Candidate)] = []
                    for blob in remaining {
                        if checked > 0 && DispatchTime.now() > deadline { break }
                        if try SQLRow.fetchOne(check, arguments: ["digest": blob.digest, "recent": recent, "now": now]) != nil {
                            still.append((checked, blob))
                        }
                        checked += 1
                    }
                    let done = try Self.deleteBlobs(still.map(\.blob), db, store: store, threads: threads, deadline: deadline)
                    // Handled: everything checked, up to the first still-eligible blob not unlinked.
                    let handled = done < still.count ? still[done].position : checked
                    return (still[..<done].map(\.blob), handled)
                }
                removed += gone
                remaining = remaining.dropFirst(handled)
            }
        } else {
            evictedResponses = try store.read { db in
                try batch.reduce(0) { count, blob in
                    count + (try Int.fetchOne(db, sql: "SELECT count(*) FROM response WHERE body_digest = ?", arguments: [blob.digest]) ?? 0)
                }
            }
        }
        report.evictedResponses += evictedResponses
        for blob in removed {
            let layout = layout
            tally(reason, bytes: blob.size, digest: blob.digest) {
                let why = reason == .maxSize
                    ? "least recently used (last used \(Timestamp.iso8601(blob.lastUsedAt))) while over the size budget"
                    : "last used \(Timestamp.iso8601(blob.lastUsedAt))"
                return GCItem(reason: reason, digest: BlobDigest(trusted: blob.digest), path: layout.blobPath(BlobDigest(trusted: blob.digest)), bytes: blob.size, detail: why)
            }
        }
        return removed.reduce(0) { $0 + $1.size }
    }

    // MARK: Files

    /// Orphan files in `blobs/` (digest-named, no row, older than the grace period) and empty
    /// fan-out directories. Misnamed files are left for `verify` to report.
    mutating func sweepBlobFiles() throws {
        let graceCutoff = graceCutoff
        // The store's history says which files it may account for: only one written since this
        // database began can be a crash leftover of it (ARCHITECTURE.md §6).
        let databaseCreatedAt = try store.read { db in
            try Int64.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'database_created_at'")
        } ?? .max
        func isLeftover(_ info: stat) -> Bool {
            let modified = FileSystem.modificationTime(info)
            return modified < graceCutoff && modified >= databaseCreatedAt
        }
        for prefix in Maintenance.fanOuts {
            let directory = layout.blobs + "/" + prefix
            guard let entries = try FileSystem.directoryEntries(directory) else { continue }
            var rows = Set<String>()
            try store.read { db in
                let cursor = try String.fetchCursor(db, sql: "SELECT digest FROM blob WHERE digest >= ? AND digest < ?", arguments: [prefix, Maintenance.upperBound(prefix)])
                while let digest = try cursor.next() { rows.insert(digest) }
            }
            var orphans: [(name: String, size: Int64)] = []
            for entry in entries where entry.kind == .file && Maintenance.isDigestName(entry.name) && entry.name.hasPrefix(prefix) && !rows.contains(entry.name) {
                guard let info = try FileSystem.lstat(directory + "/" + entry.name), isLeftover(info) else { continue }
                orphans.append((entry.name, Int64(info.st_size)))
            }
            var index = 0
            while index < orphans.count {
                let chunk = Array(orphans[index..<min(orphans.count, index + options.batchSize)])
                index += chunk.count
                var removed = chunk
                if !options.dryRun {
                    removed = try write { db in
                        var gone: [(name: String, size: Int64)] = []
                        for orphan in chunk {
                            // Under the lock: still no row, still old (ARCHITECTURE.md §4, I2).
                            guard try SQLRow.fetchOne(db, sql: "SELECT 1 FROM blob WHERE digest = ?", arguments: [orphan.name]) == nil else { continue }
                            let path = directory + "/" + orphan.name
                            guard let info = try FileSystem.lstat(path), FileSystem.isRegularFile(info), isLeftover(info) else { continue }
                            try FileSystem.unlink(path)
                            gone.append(orphan)
                        }
                        return gone
                    }
                }
                for orphan in removed {
                    tally(.orphanFile, bytes: orphan.size, digest: orphan.name) {
                        GCItem(reason: .orphanFile, digest: BlobDigest(trusted: orphan.name), path: directory + "/" + orphan.name,
                               bytes: orphan.size, detail: "a file with no row, written since the database began and older than the grace period (left by a crash)")
                    }
                }
                reportProgress("files")
            }
            if options.dryRun {
                if entries.count == wouldEmpty[prefix, default: 0] {
                    tally(.emptyDirectory, bytes: 0) { GCItem(reason: .emptyDirectory, path: directory, bytes: 0, detail: "a fan-out directory that would be empty") }
                }
            } else if try FileSystem.directoryEntries(directory)?.isEmpty == true {
                try removeEmptyDirectory(directory)
            }
        }
    }

    mutating func removeEmptyDirectory(_ directory: String) throws {
        // Under the lock: a publisher creates the directory and renames into it inside its own
        // write transaction, so it cannot lose its directory to this rmdir.
        let removed = try write { _ in FileSystem.removeDirectory(directory) }
        if removed {
            tally(.emptyDirectory, bytes: 0) { GCItem(reason: .emptyDirectory, path: directory, bytes: 0, detail: "an empty fan-out directory") }
        }
    }

    /// Files in `tmp/` older than the grace period: ingests that were killed or abandoned.
    mutating func sweepTemporaryFiles() throws {
        let graceCutoff = graceCutoff
        var stale: [(name: String, size: Int64)] = []
        for entry in try FileSystem.directoryEntries(layout.tmp) ?? [] where entry.kind == .file {
            guard let info = try FileSystem.lstat(layout.tmp + "/" + entry.name), FileSystem.modificationTime(info) < graceCutoff else { continue }
            stale.append((entry.name, Int64(info.st_size)))
        }
        var index = 0
        let tmp = layout.tmp
        while index < stale.count {
            let chunk = Array(stale[index..<min(stale.count, index + options.batchSize)])
            index += chunk.count
            var removed = chunk
            if !options.dryRun {
                removed = try write { _ in
                    chunk.filter { file in
                        let path = tmp + "/" + file.name
                        guard let info = try? FileSystem.lstat(path), FileSystem.modificationTime(info) < graceCutoff else { return false }
                        return (try? FileSystem.unlink(path)) != nil
                    }
                }
            }
            for file in removed {
                tally(.tmpFile, bytes: file.size) { GCItem(reason: .tmpFile, path: tmp + "/" + file.name, bytes: file.size, detail: "an unfinished ingest older than the grace period") }
            }
            reportProgress("tmp")
        }
    }
}

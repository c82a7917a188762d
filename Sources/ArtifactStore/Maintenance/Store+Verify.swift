import Crypto
import Foundation
import GRDB

extension Store {
    /// Proves the store's integrity: re-hashes blobs (in parallel), compares blob rows and files
    /// both ways, runs SQLite's `integrity_check` and `foreign_key_check`, and looks for
    /// responses whose body has no blob row. With `repair`, fixes what it can and says what it
    /// changed in each problem's `repair`; it never deletes a file (bad ones go to
    /// `quarantine/`). Safe while other processes use the store: every suspected problem is
    /// confirmed under the store's write lock before it is reported.
    public func verify(_ options: VerifyOptions = VerifyOptions()) throws -> VerifyReport {
        guard options.sample > 0, options.sample <= 1 else {
            throw StoreError(.invalidInput, "the sample must be more than 0% and at most 100% (got \(options.sample * 100)%)")
        }
        let started = Date()
        // Journaled blobs first made durable in their files (written from the journal where a
        // file was lost or damaged before it was settled): what is left is damage. A settle that
        // fails (a full disk) leaves the copies, which the checks below still count.
        do {
            try settleBlobJournal()
        } catch {
            self.options.logger.warning("verify could not settle the blob journal first; it goes on", metadata: ["error": "\(error)"])
        }
        var report = VerifyReport(sample: options.sample, repair: options.repair)
        let (rowCount, rowBytes) = try read { db in
            let row = try SQLRow.fetchOne(db, sql: "SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM blob WHERE quarantined_at IS NULL")!
            return (row["n"] as Int, row["bytes"] as Int64)
        }
        var progress = VerifyProgress(
            blobsHashed: 0, bytesHashed: 0,
            blobsExpected: Int((Double(rowCount) * options.sample).rounded(.up)),
            bytesExpected: Int64((Double(rowBytes) * options.sample).rounded(.up)), directoriesDone: 0)

        try ioCall {
            try checkBlobsTopLevel(&report, options: options)
            for prefix in Maintenance.fanOuts {
                try verifyFanOut(prefix, &report, &progress, options: options)
                progress.directoriesDone += 1
                options.progress?(progress)
            }
            try checkResponses(&report, options: options)
            try checkQuarantinedNeeds(&report)
            try checkDatabase(&report)
        }
        report.durationSeconds = Date().timeIntervalSince(started)
        return report
    }

    /// `blobs/` holds only `sha256/`, which holds only the 256 fan-out directories.
    private func checkBlobsTopLevel(_ report: inout VerifyReport, options: VerifyOptions) throws {
        let top = layout.rootPath + "/blobs"
        for entry in try FileSystem.directoryEntries(top) ?? [] where entry.name != "sha256" {
            try reportUnexpected(top + "/" + entry.name, kind: entry.kind, &report, options: options)
        }
        for entry in try FileSystem.directoryEntries(layout.blobs) ?? [] {
            let isFanOut = entry.kind == .directory && entry.name.utf8.count == 2 && Maintenance.fanOuts.contains(entry.name)
            if !isFanOut {
                report.files += 1
                try reportUnexpected(layout.blobs + "/" + entry.name, kind: entry.kind, &report, options: options)
            }
        }
    }

    private func reportUnexpected(_ path: String, kind: FileSystem.EntryKind, _ report: inout VerifyReport, options: VerifyOptions) throws {
        let what = switch kind {
        case .symlink: "a symbolic link"
        case .directory: "a directory"
        case .file: "a file"
        case .other: "a special file"
        }
        var problem = VerifyProblem(
            kind: kind == .symlink ? .symlink : .unexpectedFile, path: path,
            message: "\(path) is \(what) the store never creates there; it is not used. --repair moves it to quarantine/")
        if options.repair {
            let now = nowSeconds
            let destination = try writeTransaction { _ in
                try Maintenance.moveToQuarantine(path, layout: layout, now: now)
            }
            problem.repair = "moved to \(destination)"
        }
        report.problems.append(problem)
    }

    private struct RowState {
        var size: Int64
        var quarantined: Bool
    }

    private func verifyFanOut(_ prefix: String, _ report: inout VerifyReport, _ progress: inout VerifyProgress, options: VerifyOptions) throws {
        let directory = layout.blobs + "/" + prefix
        let entries = try FileSystem.directoryEntries(directory) ?? []
        report.files += entries.count
        var rows: [String: RowState] = [:]
        try read { db in
            let cursor = try SQLRow.fetchCursor(
                db, sql: "SELECT digest, size, quarantined_at FROM blob WHERE digest >= ? AND digest < ?",
                arguments: [prefix, Maintenance.upperBound(prefix)])
            while let row = try cursor.next() {
                rows[row[0]] = RowState(size: row[1], quarantined: row[2] as Int64? != nil)
            }
        }
        report.blobRows += rows.count

        var toHash: [(digest: BlobDigest, expectedSize: Int64?)] = []
        var seen = Set<String>()
        for entry in entries {
            let path = directory + "/" + entry.name
            guard Maintenance.isDigestName(entry.name), entry.name.hasPrefix(prefix) else {
                try reportUnexpected(path, kind: entry.kind, &report, options: options)
                continue
            }
            seen.insert(entry.name)
            let digest = BlobDigest(trusted: entry.name)
            let state = rows[entry.name]
            switch entry.kind {
            case .symlink, .directory, .other:
                try handleNonFile(digest, kind: entry.kind, hasRow: state != nil && state?.quarantined == false, &report, options: options)
            case .file:
                if let state, !state.quarantined {
                    if options.sample >= 1 || Double.random(in: 0..<1) < options.sample {
                        toHash.append((digest, state.size))
                    }
                } else {
                    toHash.append((digest, nil))  // an orphan: always hashed, to judge it
                }
            }
        }
        for (name, state) in rows.sorted(by: { $0.key < $1.key }) where !state.quarantined && !seen.contains(name) {
            try handleMissing(BlobDigest(trusted: name), &report, options: options)
        }

        let outcomes = Maintenance.hashAll(toHash.map { layout.blobPath($0.digest) }, concurrency: options.concurrency)
        var verified: [String] = []
        for ((digest, expectedSize), outcome) in zip(toHash, outcomes) {
            if case .hashed(let size, _, _, _) = outcome {
                report.blobsHashed += 1
                report.bytesHashed += size
                progress.blobsHashed += 1
                progress.bytesHashed += size
            }
            if let expectedSize {
                if try judgeBlob(digest, expectedSize: expectedSize, outcome: outcome, &report, options: options) {
                    verified.append(digest.hex)
                }
            } else {
                try handleOrphan(digest, outcome: outcome, &report, options: options)
            }
        }
        if !verified.isEmpty {
            let now = nowSeconds
            // Only a note of when each blob was last found intact: on a full disk verify still
            // reports, it just cannot write the date.
            do {
                try writeTransaction { db in
                    let statement = try db.cachedStatement(sql: "UPDATE blob SET verified_at = ? WHERE digest = ? AND quarantined_at IS NULL")
                    for digest in verified { try statement.execute(arguments: [now, digest]) }
                }
            } catch {
                self.options.logger.warning("verify could not record when blobs were verified", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Judges a re-hashed blob that has a row; returns true when it is intact.
    private func judgeBlob(_ digest: BlobDigest, expectedSize: Int64, outcome: Maintenance.HashOutcome, _ report: inout VerifyReport, options: VerifyOptions) throws -> Bool {
        let path = layout.blobPath(digest)
        switch outcome {
        case .hashed(let size, let actual, let device, let inode):
            if actual == digest {
                guard size != expectedSize else { return true }
                var problem = VerifyProblem(
                    kind: .sizeMismatch, digest: digest, path: path,
                    message: "blob \(digest.hex): its row records \(expectedSize) bytes but the file has \(size) and hashes correctly; the row is wrong. --repair corrects the row")
                if options.repair {
                    try writeTransaction { db in
                        try db.execute(sql: "UPDATE blob SET size = ? WHERE digest = ?", arguments: [size, digest.hex])
                    }
                    problem.repair = "row size set to \(size)"
                }
                report.problems.append(problem)
                return false
            }
            var reason = "content hashes to \(actual.hex)"
            if size != expectedSize { reason += " and has \(size) bytes instead of \(expectedSize)" }
            var problem = VerifyProblem(
                kind: .contentMismatch, digest: digest, path: path,
                message: "blob \(digest.hex) is corrupt: its \(reason). --repair moves it to quarantine/; put the original file again to restore it")
            let now = nowSeconds
            // Confirm under the write lock that the very file we hashed is still the blob's file
            // (a concurrent put may have replaced a damaged file with good content meanwhile).
            let confirmed = try writeTransaction { db -> Bool in
                guard let current = try FileSystem.lstat(path), UInt64(current.st_ino) == inode, UInt64(current.st_dev) == device else { return false }
                if options.repair {
                    let destination = try Maintenance.moveToQuarantine(path, layout: layout, now: now)
                    try db.execute(sql: "UPDATE blob SET quarantined_at = ?, quarantine_reason = ? WHERE digest = ?",
                                   arguments: [now, reason + " (found by verify)", digest.hex])
                    problem.repair = "moved to \(destination); row marked quarantined"
                }
                return true
            }
            if confirmed { report.problems.append(problem) }
            return false
        case .missing:
            try handleMissing(digest, &report, options: options)
        case .symlink, .notRegular:
            try handleNonFile(digest, kind: outcome.isSymlink ? .symlink : .other, hasRow: true, &report, options: options)
        case .unreadable(let why):
            report.problems.append(VerifyProblem(
                kind: .unreadableFile, digest: digest, path: path,
                message: "blob \(digest.hex) cannot be read (\(why)); check the permissions of \(path) and the disk"))
        }
        return false
    }

    /// A blob row whose file is gone: confirmed under the write lock, then (repair) marked.
    private func handleMissing(_ digest: BlobDigest, _ report: inout VerifyReport, options: VerifyOptions) throws {
        // With shared blobs this node caches what it read; the object is what must exist.
        if let storage = self.options.remoteBlobs, try remoteIO.wait({ try await storage.stat(digest) }) != nil { return }
        // With shared metadata and blobs kept by each node, another node may hold the file: only
        // that node can tell (ARCHITECTURE.md §11); never mark the shared row from here.
        if self.options.remoteBlobs == nil, case .server = metadata { return }
        let path = layout.blobPath(digest)
        let now = nowSeconds
        var problem: VerifyProblem?
        try writeTransaction { db in
            guard try SQLRow.fetchOne(db, sql: "SELECT 1 FROM blob WHERE digest = ? AND quarantined_at IS NULL", arguments: [digest.hex]) != nil,
                  try FileSystem.lstat(path) == nil else { return }
            // Put since verify settled the journal: its file is still to be written from its copy.
            if journalsSmallBlobs, let copy = try Self.journalCopy(of: digest, db),
               BlobDigest(rawBytes: SHA256.hash(data: copy)) == digest { return }
            let users = try Int.fetchOne(db, sql: "SELECT count(*) FROM response WHERE body_digest = ?", arguments: [digest.hex]) ?? 0
            let pinned = try SQLRow.fetchOne(db, sql: "SELECT 1 FROM pin WHERE digest = ?", arguments: [digest.hex]) != nil
            let usage = users > 0 ? "; \(users) response(s) use it as their body"
                : pinned ? "; it is pinned"
                : "; nothing references it (a gc interrupted between unlink and commit leaves such rows: the next gc removes them)"
            var found = VerifyProblem(
                kind: .missingFile, digest: digest, path: path,
                message: "blob \(digest.hex) is recorded but its file is gone (deleted outside artifact-store?)\(usage). Put the original file again to restore it; --repair marks the row")
            if options.repair {
                try db.execute(sql: "UPDATE blob SET quarantined_at = ?, quarantine_reason = ? WHERE digest = ?",
                               arguments: [now, "file missing (found by verify)", digest.hex])
                found.repair = "row marked missing (quarantined, reason \"file missing\"); putting the file again restores it"
            }
            problem = found
        }
        if let problem { report.problems.append(problem) }
    }

    /// A symbolic link, directory or special file where a blob file should be.
    private func handleNonFile(_ digest: BlobDigest, kind: FileSystem.EntryKind, hasRow: Bool, _ report: inout VerifyReport, options: VerifyOptions) throws {
        let path = layout.blobPath(digest)
        let what = kind == .symlink ? "a symbolic link (never followed)" : "not a regular file"
        var problem = VerifyProblem(
            kind: kind == .symlink ? .symlink : .unexpectedFile, digest: digest, path: path,
            message: "\(path) is \(what)\(hasRow ? "; blob \(digest.hex) cannot be served. Put the original file again" : ""). --repair moves it to quarantine/")
        if options.repair {
            let now = nowSeconds
            let destination = try writeTransaction { db in
                let destination = try Maintenance.moveToQuarantine(path, layout: layout, now: now)
                try db.execute(sql: "UPDATE blob SET quarantined_at = ?, quarantine_reason = ? WHERE digest = ? AND quarantined_at IS NULL",
                               arguments: [now, "its file was \(what) (found by verify)", digest.hex])
                return destination
            }
            problem.repair = "moved to \(destination)\(hasRow ? "; row marked quarantined" : "")"
        }
        report.problems.append(problem)
    }

    /// A digest-named file with no (live) row: adopted when its content matches its name and
    /// `repair` is on (publication rule: row inserted under the write lock, file checked there).
    private func handleOrphan(_ digest: BlobDigest, outcome: Maintenance.HashOutcome, _ report: inout VerifyReport, options: VerifyOptions) throws {
        let path = layout.blobPath(digest)
        switch outcome {
        case .missing:
            return  // gone meanwhile (gc, or a quarantine): nothing to report
        case .symlink, .notRegular:
            return try handleNonFile(digest, kind: outcome.isSymlink ? .symlink : .other, hasRow: false, &report, options: options)
        case .unreadable(let why):
            report.problems.append(VerifyProblem(kind: .unreadableFile, digest: digest, path: path, message: "\(path) has no row and cannot be read (\(why)); check its permissions"))
        case .hashed(let size, let actual, let device, let inode):
            // With shared blobs a file without a row is this node's cached copy of a blob gc
            // deleted elsewhere (or of one whose put died here): adopting it would record a blob
            // the bucket no longer holds. gc removes such files after its grace period.
            if self.options.remoteBlobs != nil { return }
            let now = nowSeconds
            var problem: VerifyProblem?
            try writeTransaction { db in
                // Confirm: still no live row (a put may have published it since we listed), and
                // still the file we hashed.
                let live = try SQLRow.fetchOne(db, sql: "SELECT 1 FROM blob WHERE digest = ? AND quarantined_at IS NULL", arguments: [digest.hex]) != nil
                guard !live, let current = try FileSystem.lstat(path), UInt64(current.st_ino) == inode, UInt64(current.st_dev) == device else { return }
                if actual == digest {
                    var found = VerifyProblem(
                        kind: .orphanFile, digest: digest, path: path,
                        message: "\(path) has no row (left by a crash, or its row was lost); its content is intact. --repair adopts it; otherwise gc removes it after the grace period")
                    if options.repair {
                        try FileSystem.setMode(path, 0o444)
                        try db.execute(
                            sql: """
                                INSERT INTO blob (digest, size, created_at, last_used_at, verified_at) VALUES (?, ?, ?, ?, ?)
                                ON CONFLICT (digest) DO UPDATE SET size = excluded.size, verified_at = excluded.verified_at,
                                    quarantined_at = NULL, quarantine_reason = NULL
                                """,
                            arguments: [digest.hex, size, now, FileSystem.modificationTime(current), now])
                        found.repair = "adopted: blob row inserted (\(size) bytes)"
                    }
                    problem = found
                } else {
                    var found = VerifyProblem(
                        kind: .contentMismatch, digest: digest, path: path,
                        message: "\(path) has no row and its content hashes to \(actual.hex), not its name. --repair moves it to quarantine/")
                    if options.repair {
                        found.repair = "moved to \(try Maintenance.moveToQuarantine(path, layout: layout, now: now))"
                    }
                    problem = found
                }
            }
            if let problem { report.problems.append(problem) }
        }
    }

    /// Responses whose body digest has no blob row (possible only if foreign keys were off when
    /// someone edited the database).
    /// Quarantined content is not "clean" while something needs it: a pin, or a current response.
    private func checkQuarantinedNeeds(_ report: inout VerifyReport) throws {
        let needed = try read { db in
            try SQLRow.fetchAll(db, sql: """
                SELECT b.digest, b.quarantine_reason,
                    EXISTS (SELECT 1 FROM pin p WHERE p.digest = b.digest) AS pinned,
                    (SELECT r.url FROM response r WHERE r.body_digest = b.digest LIMIT 1) AS url
                FROM blob b WHERE b.quarantined_at IS NOT NULL
                LIMIT 10000
                """).filter { ($0["pinned"] as Bool) || ($0["url"] as String?) != nil }
        }
        for row in needed {
            let digest = BlobDigest(trusted: row["digest"])
            let by = (row["pinned"] as Bool) ? "it is pinned" : "the response for \(row["url"] as String) names it"
            report.problems.append(VerifyProblem(
                kind: .quarantinedButNeeded, digest: digest,
                message: "blob \(digest.hex) is quarantined (\((row["quarantine_reason"] as String?) ?? "failed verification")) but \(by); put the original file again (or fetch its URL) to restore it"))
        }
    }

    private func checkResponses(_ report: inout VerifyReport, options: VerifyOptions) throws {
        let dangling = try read { db in
            try SQLRow.fetchAll(db, sql: """
                SELECT r.id, r.url, r.body_digest FROM response r
                WHERE r.body_digest IS NOT NULL AND NOT EXISTS (SELECT 1 FROM blob b WHERE b.digest = r.body_digest)
                LIMIT 10000
                """).map { (id: $0[0] as Int64, url: $0[1] as String, digest: $0[2] as String) }
        }
        for item in dangling {
            let digest = Maintenance.isDigestName(item.digest) ? BlobDigest(trusted: item.digest) : nil
            var problem = VerifyProblem(
                kind: .danglingResponse, digest: digest,
                message: "the response for \(item.url) (row \(item.id)) names body blob \(item.digest), which the store has no row for; fetch the URL again. --repair detaches the body and marks the response evicted")
            if options.repair {
                let now = nowSeconds
                let changed = try writeTransaction { db -> Bool in
                    try db.execute(
                        sql: """
                            UPDATE response SET body_digest = NULL, evicted_at = ?, evicted_by = 'verify --repair (body blob row missing)'
                            WHERE id = ? AND body_digest = ? AND NOT EXISTS (SELECT 1 FROM blob WHERE digest = ?)
                            """,
                        arguments: [now, item.id, item.digest, item.digest])
                    return db.changesCount > 0
                }
                if !changed { continue }  // fixed meanwhile
                problem.repair = "response row \(item.id): body detached, marked evicted"
            }
            report.problems.append(problem)
        }
    }

    private func checkDatabase(_ report: inout VerifyReport) throws {
        let (integrity, violations) = try read { db in
            // A server checks its own pages and enforces every foreign key on each statement:
            // what these pragmas look for cannot happen there.
            guard db.sqlite != nil else { return (["ok"], [(table: String, rowid: Int64?, parent: String)]()) }
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check(100)")
            let violations = try SQLRow.fetchAll(db, sql: "PRAGMA foreign_key_check").map { row in
                (table: row[0] as String, rowid: row[1] as Int64?, parent: row[2] as String)
            }
            return (integrity, violations)
        }
        report.integrityCheck = integrity
        if integrity != ["ok"] {
            for line in integrity {
                report.problems.append(VerifyProblem(
                    kind: .databaseIntegrity, path: layout.database,
                    message: "SQLite integrity_check: \(line). Stop using this store: move it aside and start a new one (its blobs/ files can be put again)"))
            }
        }
        // Responses pointing at missing blob rows are reported (and repaired) above.
        for violation in violations where !(violation.table == "response" && violation.parent == "blob") {
            report.problems.append(VerifyProblem(
                kind: .foreignKeyViolation,
                message: "row \(violation.rowid.map(String.init) ?? "?") of table \(violation.table) points to a missing row of \(violation.parent); the database was edited with foreign keys off. Remove that row by hand (sqlite3) or start a new store"))
        }
    }
}

extension Maintenance.HashOutcome {
    var isSymlink: Bool {
        if case .symlink = self { return true }
        return false
    }
}

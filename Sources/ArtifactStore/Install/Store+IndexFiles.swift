import Crypto
import Foundation
import GRDB
import HTTPCaching
import PythonPackaging

/// A project page read and parsed before the write transaction that records it, so that no
/// unbounded work (reading, hashing, parsing a page of many megabytes) ever holds the store's write
/// lock (ARCHITECTURE.md §4, I8).
struct PreparedPage: Sendable {
    /// One distribution file, as its `index_file` row.
    struct File: Sendable {
        var filename: String, url: String, sha256: String?, unusableHash: String?, requiresPython: String?
        var yanked: Bool, yankedReason: String?, kind: IndexedFile.Kind, version: String?, tags: String?
        var coreMetadata: Bool, coreMetadataSHA256: String?, size: Int?

        /// The row of a distribution file on a page of `project`; nil for anything else.
        init?(_ file: ProjectFile, project: String) {
            guard let (kind, version, tags) = Store.classify(file.filename, project: project) else { return nil }
            let (sha256, unusable) = Store.bindingHash(file.hashes)
            self.init(filename: file.filename, url: file.url, sha256: sha256, unusableHash: unusable,
                      requiresPython: file.requiresPython.flatMap { $0.isEmpty ? nil : $0 }, yanked: file.yanked, yankedReason: file.yankedReason,
                      kind: kind, version: version, tags: tags, coreMetadata: file.coreMetadata.available,
                      coreMetadataSHA256: file.coreMetadata.hashes["sha256"].map { $0.lowercased() }, size: file.size)
        }

        init(filename: String, url: String, sha256: String?, unusableHash: String?, requiresPython: String?, yanked: Bool, yankedReason: String?,
             kind: IndexedFile.Kind, version: String?, tags: String?, coreMetadata: Bool, coreMetadataSHA256: String?, size: Int?) {
            self.filename = filename
            self.url = url
            self.sha256 = sha256
            self.unusableHash = unusableHash
            self.requiresPython = requiresPython
            self.yanked = yanked
            self.yankedReason = yankedReason
            self.kind = kind
            self.version = version
            self.tags = tags
            self.coreMetadata = coreMetadata
            self.coreMetadataSHA256 = coreMetadataSHA256
            self.size = size
        }
    }

    enum Outcome: Sendable {
        /// `versions`: the files' distinct versions, highest first (column `index_page.versions`).
        case parsed(project: String, fingerprint: String, files: [File], versions: String)
        /// Why the page is not indexed (a note for the URL's history).
        case notParsed(String)
    }

    /// The body the outcome was read from.
    var digest: BlobDigest
    var outcome: Outcome
    /// How the rows get written, once planned against what the store held before the recording
    /// transaction (``Store/planRows(of:url:method:variantKey:)``); nil: worked out inside.
    var rows: PageRows?

    /// Whether the body parsed as a page.
    var isParsed: Bool {
        if case .parsed = outcome { true } else { false }
    }
}

extension Store {
    /// Pages larger than this are not parsed into `index_file` (the response is still recorded,
    /// and its history says why).
    static let maximumIndexedPageSize: Int64 = 64 << 20

    /// Reads and parses what may be a project page, outside any transaction: nil for anything
    /// that is not a complete 200 page body (a wheel, a download, an error, no body).
    func preparePage(url: String, response: HTTPResponseHead, body: StoredBlob?, reading: ((BlobDigest) -> [UInt8]?)? = nil) -> PreparedPage? {
        guard let body, Self.mayBePage(url: url, response: response), let contentType = response.headers.combinedValue(for: "Content-Type")
        else { return nil }
        guard body.size <= Self.maximumIndexedPageSize else {
            return PreparedPage(digest: body.digest, outcome: .notParsed("page not parsed: larger than \(Self.maximumIndexedPageSize >> 20) MiB"))
        }
        // Verified; a mismatch quarantines the blob.
        guard let bytes = reading.map({ $0(body.digest) }) ?? (try? read(body.digest)) else {
            return PreparedPage(digest: body.digest, outcome: .notParsed("page not parsed: its body could not be read back verified"))
        }
        let page: ProjectPage
        do {
            page = try ProjectPage.parse(body: bytes, contentType: contentType, url: url)
        } catch {
            return PreparedPage(digest: body.digest, outcome: .notParsed("page not parsed: \(error.code)"))
        }
        let project = ProjectName.normalize(page.name ?? Self.projectSegment(url))
        let files = page.files.compactMap { PreparedPage.File($0, project: project) }
        let versions: [String] = Self.versionsHighestFirst(files.compactMap(\.version))
        let fingerprint = Self.contentFingerprint(page)
        return PreparedPage(digest: body.digest, outcome: .parsed(project: project, fingerprint: fingerprint, files: files, versions: versions.joined(separator: "\n")))
    }

    /// Whether a response with a body may be a project page to parse: a 200 of an index page's
    /// content type, at a URL that does not name a distribution file.
    static func mayBePage(url: String, response: HTTPResponseHead) -> Bool {
        guard response.status == 200, !DistributionFilename.isDownload(url: url),
              let contentType = response.headers.combinedValue(for: "Content-Type")
        else { return false }
        return (try? IndexPageContentType(parsing: contentType)) != nil
    }

    /// Distinct version texts, highest first by PEP 440 (texts equal as versions but spelled
    /// differently stay, adjacent, in text order); texts that are not versions are left out.
    static func versionsHighestFirst(_ texts: [String]) -> [String] {
        var seen = Set<String>()
        let parsed: [(version: Version, text: String)] = texts.filter { seen.insert($0).inserted }.compactMap { text in
            Version(text).map { ($0, text) }
        }
        return parsed.sorted { $0.version != $1.version ? $0.version > $1.version : $0.text < $1.text }.map(\.text)
    }

    /// Keeps the derived index tables in step with a response row that was just written, inside
    /// the same write transaction: a project page's files (`index_page` and its set of
    /// `index_file` rows) and wheel URLs (`wheel_response`). The page was parsed before the
    /// transaction (``preparePage(url:response:body:reading:)``), and its rows were planned, or
    /// staged, then too (``planRows(of:url:method:variantKey:)``); here only a bounded number of
    /// rows is written, unless another process changed the page in between (ARCHITECTURE.md §4, I8).
    ///
    /// `isNew`: the response's row was inserted by this transaction, so that no index row can
    /// name it yet (they go with the row they name: `ON DELETE CASCADE`).
    ///
    /// - Returns: a note for the URL's history (`page parsed: 12 files`, `page unchanged: same 12
    ///   files`), or nil when the response is not a project page; and what the transaction
    ///   published or retired, for the caller to finish once it has committed.
    func indexRecordedResponse(_ record: ResponseRecord, isNew: Bool = false, wheelProject: String?, prepared: PreparedPage?, _ db: SQLSession) throws -> (note: String?, sets: FileSetChanges) {
        if let wheelProject {
            // A new row's insert writes once; the upsert, which may write twice, costs SQLite a
            // statement journal (``ResponseUpsert``).
            try db.cachedStatement(sql: isNew ? "INSERT INTO wheel_response (response_id, project) VALUES (?, ?)"
                                              : "INSERT INTO wheel_response (response_id, project) VALUES (?, ?) ON CONFLICT (response_id) DO UPDATE SET project = excluded.project")
                .execute(arguments: [record.id, wheelProject])
            return (nil, FileSetChanges())
        }
        var changes = FileSetChanges()
        let current = isNew ? nil : try SQLRow.fetchOne(
            db.cachedStatement(sql: "SELECT file_set, content_fingerprint, project, file_count FROM index_page WHERE response_id = ?"),
            arguments: [record.id]
        ).map { CurrentPage(fileSet: $0[0], fingerprint: $0[1], project: $0[2], fileCount: $0[3]) }
        guard record.status == 200, record.disposition != .refused, let digest = record.bodyDigest,
              let prepared, prepared.digest == digest,
              case .parsed(let project, let fingerprint, let files, let versions) = prepared.outcome
        else {
            // No page body any more (refused now, an error status), or one that does not parse:
            // what it listed is gone too.
            try dropIndexedPage(current, record.id, &changes, db)
            if let prepared, prepared.digest == record.bodyDigest, case .notParsed(let note) = prepared.outcome { return (note, changes) }
            return (nil, changes)
        }
        let now = record.responseTime.unixSeconds
        if let current, current.fingerprint == fingerprint, current.project == project {
            try db.cachedStatement(sql: "UPDATE index_page SET body_digest = ?, parsed_at = ?, versions = ? WHERE response_id = ?")
                .execute(arguments: [digest.hex, now, versions, record.id])
            return ("page unchanged: same \(current.fileCount) file\(current.fileCount == 1 ? "" : "s")", changes)
        }
        // A page without distribution files (an error page, another project's) needs no rows.
        guard !files.isEmpty else {
            try dropIndexedPage(current, record.id, &changes, db)
            return ("page parsed: 0 files", changes)
        }
        let fileSet: Int64
        if case .staged(let staged) = prepared.rows, try Self.fileSetState(staged, db) == .staging {
            try db.cachedStatement(sql: "UPDATE index_file_set SET state = 'published' WHERE id = ?").execute(arguments: [staged])
            changes.published.append(staged)
            fileSet = staged
        } else if case .edit(let edited, let revision, let deleted, let inserted) = prepared.rows,
                  current?.fileSet == edited, try Self.revision(of: edited, db) == revision {
            try deleteFileRows(deleted, db)
            try insertFileRows(files, positions: inserted, project: project, into: edited, db)
            try Self.bumpRevision(of: edited, db)
            fileSet = edited
        } else {
            // Planned against a page another process has changed since (or not planned): the
            // rows are worked out here, under the lock.
            fileSet = try writeRowsUnderLock(files, project: project, replacing: current?.fileSet, now: now, db)
        }
        if let current, current.fileSet != fileSet { changes.retired.append(current.fileSet) }
        // Upserted, never deleted and inserted: deleting the row would retire its set.
        try db.cachedStatement(sql: """
            INSERT INTO index_page (response_id, file_set, project, body_digest, content_fingerprint, file_count, parsed_at, changed_at, versions)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (response_id) DO UPDATE SET file_set = excluded.file_set, project = excluded.project,
                body_digest = excluded.body_digest, content_fingerprint = excluded.content_fingerprint, file_count = excluded.file_count,
                parsed_at = excluded.parsed_at, changed_at = excluded.changed_at, versions = excluded.versions
            """).execute(arguments: [record.id, fileSet, project, digest.hex, fingerprint, files.count, now, now, versions])
        return ("page parsed: \(files.count) file\(files.count == 1 ? "" : "s")", changes)
    }

    /// What `index_page` says of a page before it is recorded again.
    struct CurrentPage {
        var fileSet: Int64, fingerprint: String, project: String, fileCount: Int
    }

    /// Sets a recording transaction published (staged ones) or retired: after the commit, the
    /// retired ones' rows are deleted, and staged sets it did not publish are retired too.
    struct FileSetChanges {
        var published: [Int64] = []
        var retired: [Int64] = []

        mutating func formUnion(_ other: FileSetChanges) {
            published += other.published
            retired += other.retired
        }
    }

    /// The page's rows worked out under the write lock: the rows of `replacing` that differ from
    /// `files` are changed in place, or, for a page that had none, a new published set is filled.
    private func writeRowsUnderLock(_ files: [PreparedPage.File], project: String, replacing current: Int64?, now: Int64, _ db: SQLSession) throws -> Int64 {
        guard let current else {
            let fileSet = try Int64.fetchOne(
                db.cachedStatement(sql: "INSERT INTO index_file_set (state, created_at) VALUES ('published', ?) RETURNING id"), arguments: [now])!
            try insertFileRows(files, positions: Array(files.indices), project: project, into: fileSet, db)
            return fileSet
        }
        let (stale, inserted) = try Self.difference(between: current, and: files, project: project, db)
        try deleteFileRows(stale, db)
        try insertFileRows(files, positions: inserted, project: project, into: current, db)
        try Self.bumpRevision(of: current, db)
        return current
    }

    /// Which rows of set `fileSet` no longer match `files` (by identifier), and which positions of
    /// `files` have no matching row: a page that gained a release keeps every row it had.
    static func difference(between fileSet: Int64, and files: [PreparedPage.File], project: String, _ db: SQLSession) throws -> (stale: [Int64], inserted: [Int]) {
        var kept = [Bool](repeating: false, count: files.count)
        var stale: [Int64] = []
        let old = try SQLRow.fetchCursor(db.cachedStatement(sql: """
            SELECT id, position, project, filename, url, sha256, unusable_hash, requires_python, yanked, yanked_reason, kind,
                version, tags, core_metadata, core_metadata_sha256, size
            FROM index_file WHERE file_set = ?
            """), arguments: [fileSet])
        while let row = try old.next() {
            let position: Int = row[1]
            if position >= 0, position < files.count, !kept[position], Self.row(row, isFile: files[position], project: project) {
                kept[position] = true
            } else {
                stale.append(row[0])
            }
        }
        return (stale, files.indices.filter { !kept[$0] })
    }

    func deleteFileRows(_ ids: [Int64], _ db: SQLSession) throws {
        let delete = try db.cachedStatement(sql: "DELETE FROM index_file WHERE id = ?")
        for id in ids { try delete.execute(arguments: [id]) }
    }

    func insertFileRows(_ files: [PreparedPage.File], positions: some Sequence<Int>, project: String, into fileSet: Int64, _ db: SQLSession) throws {
        let insert = try db.cachedStatement(sql: """
            INSERT INTO index_file (file_set, project, position, filename, url, sha256, unusable_hash, requires_python,
                yanked, yanked_reason, kind, version, tags, core_metadata, core_metadata_sha256, size)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for position in positions {
            let file = files[position]
            try insert.execute(arguments: [
                fileSet, project, position, file.filename, file.url, file.sha256, file.unusableHash, file.requiresPython, file.yanked,
                file.yankedReason, file.kind.rawValue, file.version, file.tags, file.coreMetadata, file.coreMetadataSHA256, file.size,
            ])
        }
    }

    /// The revision of set `fileSet`'s rows (bumped by every change in place).
    static func revision(of fileSet: Int64, _ db: SQLSession) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT revision FROM index_file_set WHERE id = ?"), arguments: [fileSet])
    }

    static func bumpRevision(of fileSet: Int64, _ db: SQLSession) throws {
        try db.cachedStatement(sql: "UPDATE index_file_set SET revision = revision + 1 WHERE id = ?").execute(arguments: [fileSet])
    }

    static func fileSetState(_ fileSet: Int64, _ db: SQLSession) throws -> FileSetState? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM index_file_set WHERE id = ?"), arguments: [fileSet])
            .flatMap(FileSetState.init(rawValue:))
    }

    /// Whether an `index_file` row (selected as in ``difference(between:and:project:_:)``, from
    /// column 2 on) says exactly what `file` of a page of `project` says.
    private static func row(_ row: SQLRow, isFile file: PreparedPage.File, project: String) -> Bool {
        row[2] as String == project && row[3] as String == file.filename && row[4] as String == file.url
            && row[5] as String? == file.sha256 && row[6] as String? == file.unusableHash && row[7] as String? == file.requiresPython
            && row[8] as Bool == file.yanked && row[9] as String? == file.yankedReason && row[10] as String == file.kind.rawValue
            && row[11] as String? == file.version && row[12] as String? == file.tags && row[13] as Bool == file.coreMetadata
            && row[14] as String? == file.coreMetadataSHA256 && row[15] as Int64? == file.size.map(Int64.init)
    }

    /// Deletes the page row (its set is retired by a trigger, and its rows deleted after the commit).
    private func dropIndexedPage(_ current: CurrentPage?, _ responseID: Int64, _ changes: inout FileSetChanges, _ db: SQLSession) throws {
        guard let current else { return }
        try db.cachedStatement(sql: "DELETE FROM index_page WHERE response_id = ?").execute(arguments: [responseID])
        changes.retired.append(current.fileSet)
    }

    /// The parsed page recorded for a URL (its current stored row), if any.
    public func indexedPage(for url: String) throws -> IndexedPage? {
        let url = try NormalizedURL(url).text
        return try read { db in
            try SQLRow.fetchOne(db, sql: """
                SELECT p.* FROM index_page p JOIN response r ON r.id = p.response_id
                WHERE r.url = ? AND r.method = 'GET' ORDER BY r.response_time DESC, r.id DESC LIMIT 1
                """, arguments: [url]).map(IndexedPage.init(row:))
        }
    }

    /// The files a recorded project page lists, in page order (empty when it was never parsed).
    public func indexedFiles(forPage url: String) throws -> [IndexedFile] {
        let url = try NormalizedURL(url).text
        return try read { db in
            guard let page = try SQLRow.fetchOne(db, sql: """
                SELECT p.response_id, p.file_set FROM index_page p JOIN response r ON r.id = p.response_id
                WHERE r.url = ? AND r.method = 'GET' ORDER BY r.response_time DESC, r.id DESC LIMIT 1
                """, arguments: [url]) else { return [] }
            return try indexedFiles(pageResponseID: page[0], fileSet: page[1], db)
        }
    }

    func indexedFiles(pageResponseID: Int64, fileSet: Int64, _ db: SQLSession) throws -> [IndexedFile] {
        try SQLRow.fetchAll(db, cachedSQL: "SELECT * FROM index_file WHERE file_set = ? ORDER BY position", arguments: [fileSet])
            .map { IndexedFile(row: $0, pageResponseID: pageResponseID) }
    }

    // MARK: - Helpers

    /// Wheel or sdist, version, tags; nil for anything else (an `.exe`, an `.egg`, a link to
    /// another page). The classification itself is PythonPackaging's ``DistributionFilename``.
    static func classify(_ filename: String, project: String) -> (IndexedFile.Kind, String?, String?)? {
        guard let file = DistributionFilename(filename, project: project) else { return nil }
        let tags = file.wheel.map { $0.sortedTags.map(\.description).joined(separator: " ") }
        return (file.kind == .wheel ? .wheel : .sdist, file.version?.description, tags)
    }

    /// The hash that binds a file: a page's sha256 (any case), or what the page gave that the
    /// store cannot check: a malformed sha256, or only another algorithm (pip's md5, sha512…).
    static func bindingHash(_ hashes: [String: String]) -> (sha256: String?, unusable: String?) {
        if let value = hashes["sha256"] {
            let lowered = value.lowercased()
            return isSHA256Hex(lowered) ? (lowered, nil) : (nil, "sha256=" + value)
        }
        if let (algorithm, value) = hashes.sorted(by: { $0.key < $1.key }).first { return (nil, algorithm + "=" + value) }
        return (nil, nil)
    }

    static func isSHA256Hex(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// A fingerprint of what ``ProjectPage/hasSameContent(as:)`` compares: name, versions, the set of files.
    static func contentFingerprint(_ page: ProjectPage) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let files = page.files.map { String(decoding: (try? encoder.encode($0)) ?? Data(), as: UTF8.self) }.sorted()
        var hasher = SHA256()
        hasher.update(data: Array((page.name ?? "\u{0}").utf8) + [0x0A])
        hasher.update(data: Array((page.versions?.joined(separator: "\u{1}") ?? "\u{0}").utf8) + [0x0A])
        hasher.update(data: Array("\(files.count)".utf8) + [0x0A])
        for file in Set(files).sorted() { hasher.update(data: Array(file.utf8) + [0x0A]) }
        return BlobDigest(rawBytes: hasher.finalize()).hex
    }

    /// The last non-empty path segment of a URL (query and fragment removed).
    static func lastPathSegment(_ url: String) -> String {
        // On every recorded response: one pass over the bytes, no intermediate strings.
        let bytes = url.utf8
        let end = bytes.firstIndex { $0 == UInt8(ascii: "#") || $0 == UInt8(ascii: "?") } ?? bytes.endIndex
        var segmentEnd = end
        while segmentEnd > bytes.startIndex, bytes[bytes.index(before: segmentEnd)] == UInt8(ascii: "/") { segmentEnd = bytes.index(before: segmentEnd) }
        var start = segmentEnd
        while start > bytes.startIndex, bytes[bytes.index(before: start)] != UInt8(ascii: "/") { start = bytes.index(before: start) }
        return String(url[start..<segmentEnd])
    }

    /// The project segment of a project page URL (`…/simple/torch/` → `torch`).
    static func projectSegment(_ url: String) -> String {
        let segment = lastPathSegment(url)
        return segment.removingPercentEncoding ?? segment
    }
}

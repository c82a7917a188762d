import Foundation
import GRDB
import GRDBSQLite
import HTTPCaching
import PythonPackaging
import Synchronization

extension Store {
    /// The cache rules the store applies.
    var cache: PrivateCache { PrivateCache() }

    /// Decides, before the body is downloaded, whether it will be kept.
    ///
    /// - Parameter request: the request about to be, or just, sent.
    /// - Parameter response: the response head that arrived.
    /// - Parameter archivingRefused: keep the body of a response that HTTP rules refuse, marked
    ///   `archived`, whatever the URL's index policy says (an index server that must answer from
    ///   the last copy when its upstream is down asks for this).
    public func recordingPlan(request: HTTPRequestHead, response: HTTPResponseHead, archivingRefused: Bool = false) throws -> RecordingPlan {
        try recordingPlan(request: StoreRequest(request), response: response, archivingRefused: archivingRefused)
    }

    /// ``recordingPlan(request:response:archivingRefused:)-(HTTPRequestHead,_,_)`` for a request whose URL is normalized already.
    public func recordingPlan(request: StoreRequest, response: HTTPResponseHead, archivingRefused: Bool = false) throws -> RecordingPlan {
        let url = request.url.text
        let policy = try read { db in try indexPolicy(for: url, db) }
        let effective = HTTPResponseHead(status: response.status, headers: IndexPolicy.apply(policy?.cacheControl(for: url), to: response.headers))
        let storability = cache.storability(request: request.head, response: effective)
        if storability.isStorable { return .keepBody(.stored) }
        // Only a complete 200 can stand for a page or a file: a refused 206 or error page is
        // never archived.
        if policy?.archiveRefused == true || archivingRefused, response.status == 200 { return .keepBody(.archived) }
        return .discardBody(refusalReasons: storability.refusalReasons)
    }

    /// Records a complete response: it becomes the current row for its (method, URL, variant),
    /// stored or refused with the reasons, and an entry of the URL's history.
    ///
    /// - Parameters:
    ///   - request: the request that was sent (credentials are dropped before anything is written).
    ///   - response: the response head that arrived.
    ///   - body: the body, already committed as a blob (``BlobWriter``); `nil` when there is
    ///     none or it was not kept. A body given for a refused response is not referenced,
    ///     unless the URL's index policy archives refused responses.
    ///   - requestTime: when the request was sent; `responseTime`: when the response arrived.
    ///   - responseTime: when the response arrived.
    ///   - archivingRefused: keep a refused response's body as `archived` (see
    ///     ``recordingPlan(request:response:archivingRefused:)-(HTTPRequestHead,_,_)``).
    @discardableResult
    public func record(request: HTTPRequestHead, response: HTTPResponseHead, body: StoredBlob?, requestTime: Date, responseTime: Date, archivingRefused: Bool = false) throws -> ResponseRecord {
        try record(batch: [RecordedExchange(request: request, response: response, body: body, requestTime: requestTime, responseTime: responseTime, archivingRefused: archivingRefused)])[0]
    }

    /// ``record(request:response:body:requestTime:responseTime:archivingRefused:)-(HTTPRequestHead,_,_,_,_,_)`` for a request whose URL is normalized already.
    @discardableResult
    public func record(request: StoreRequest, response: HTTPResponseHead, body: StoredBlob?, requestTime: Date, responseTime: Date, archivingRefused: Bool = false) throws -> ResponseRecord {
        try record(batch: [RecordedExchange(request: request, response: response, body: body, requestTime: requestTime, responseTime: responseTime, archivingRefused: archivingRefused)])[0]
    }

    /// Records many responses in one transaction (one fsync): for imports and bulk loads.
    @discardableResult
    public func record(batch: [RecordedExchange]) throws -> [ResponseRecord] {
        try record(batch: batch, returningRecords: true)
    }

    /// ``record(batch:)``, which returns the records only when asked: an import drops them.
    private func record(batch: [RecordedExchange], returningRecords: Bool) throws -> [ResponseRecord] {
        var recording = try prepareRecording(batch)
        let (records, changes): ([ResponseRecord], FileSetChanges)
        do {
            // One response that is no page is a short transaction: it may share its commit. (A
            // page's rows are bounded only while its plan holds, which is known under the lock.)
            let grouped = batch.count == 1 && recording.pages.allSatisfy { $0 == nil }
            (records, changes) = try writeTransaction(grouped: grouped) { db in try recordPrepared(&recording, returningRecords: returningRecords, db) }
        } catch {
            try? finishFileSets(FileSetChanges(), staged: recording.staged)
            throw error
        }
        // The rows of replaced pages go after the commit, a few hundred per transaction; what a
        // failure here leaves, gc deletes.
        try? finishFileSets(changes, staged: recording.staged)
        return records
    }

    /// Responses per transaction of ``record(contentsOf:responsesPerTransaction:progress:)``.
    public static let importTransactionResponses = 100_000

    /// Records a stream of exchanges, an import of another cache or a store rebuilt for tests,
    /// in transactions of `responsesPerTransaction` responses, each one ``record(batch:)``.
    /// Stopped by an error, it leaves every transaction committed before it.
    ///
    /// Big transactions are what make a big import fast: a transaction writes each page it
    /// changes once, to the log and then to the database, and the indexes keyed by URL take
    /// their entries at random places; at a million responses, 20 000 responses change about two
    /// pages each, 100 000 less than one (ARCHITECTURE.md §8). Other writers wait for each
    /// transaction (a few seconds); readers do not.
    ///
    /// - Parameters:
    ///   - exchanges: read one transaction's worth at a time.
    ///   - responsesPerTransaction: ``importTransactionResponses`` unless given.
    ///   - progress: called after each commit, with the number of responses recorded so far.
    /// - Returns: the number of responses recorded.
    @discardableResult
    public func record(contentsOf exchanges: some Sequence<RecordedExchange>, responsesPerTransaction: Int = importTransactionResponses,
                       progress: (Int) -> Void = { _ in }) throws -> Int {
        let size = max(1, responsesPerTransaction)
        var iterator = exchanges.makeIterator(), recorded = 0
        while true {
            var batch: [RecordedExchange] = []
            batch.reserveCapacity(size)
            while batch.count < size, let exchange = iterator.next() { batch.append(exchange) }
            guard !batch.isEmpty else { return recorded }
            _ = try record(batch: batch, returningRecords: false)
            recorded += batch.count
            progress(recorded)
        }
    }

    /// Publishes the blob `writer` holds and records the response whose body it is, in one write
    /// transaction: one commit, and so one fsync, where ``BlobWriter/commit(expecting:)`` then
    /// ``record(request:response:body:requestTime:responseTime:archivingRefused:)-(StoreRequest,_,_,_,_,_)``
    /// take two. A project page is the exception: its rows are worked out from the published
    /// body, so it is published first, then recorded.
    ///
    /// - Parameters:
    ///   - request: the request that was sent (credentials are dropped before anything is written).
    ///   - response: the response head that arrived.
    ///   - writer: the body, written completely; published here, or discarded on an error before
    ///     it is published (a page's recording that fails after leaves it stored, unreferenced,
    ///     for gc).
    ///   - expected: when given, the body must have this digest, or nothing is stored or recorded.
    ///   - requestTime: when the request was sent.
    ///   - responseTime: when the response arrived.
    ///   - archivingRefused: keep a refused response's body as `archived` (see
    ///     ``recordingPlan(request:response:archivingRefused:)-(HTTPRequestHead,_,_)``).
    /// - Returns: the blob and the recorded response.
    @discardableResult
    public func record(request: StoreRequest, response: HTTPResponseHead, committing writer: BlobWriter, expecting expected: BlobDigest? = nil,
                       requestTime: Date, responseTime: Date, archivingRefused: Bool = false) throws -> (blob: StoredBlob, record: ResponseRecord) {
        defer { writer.cancel() }
        let finished = try writer.finish(expecting: expected)
        let exchange = RecordedExchange(request: request, response: response, body: StoredBlob(digest: finished.digest, size: finished.size, alreadyStored: false),
                                        requestTime: requestTime, responseTime: responseTime, archivingRefused: archivingRefused)
        if Self.mayBePage(url: request.url.text, response: response) {
            let blob = try publish(finished).blob
            var published = exchange
            published.body = blob
            return (blob, try record(batch: [published])[0])
        }
        var recording = try prepareRecording([exchange])
        // Not a page: nothing staged, no set to finish.
        let (blob, (records, _)) = try publish(finished) { _, db in try recordPrepared(&recording, db) }
        return (blob, records[0])
    }

    /// ``record(request:response:committing:expecting:requestTime:responseTime:archivingRefused:)-(StoreRequest,_,_,_,_,_,_)`` for a request not yet normalized.
    @discardableResult
    public func record(request: HTTPRequestHead, response: HTTPResponseHead, committing writer: BlobWriter, expecting expected: BlobDigest? = nil,
                       requestTime: Date, responseTime: Date, archivingRefused: Bool = false) throws -> (blob: StoredBlob, record: ResponseRecord) {
        try record(request: StoreRequest(request), response: response, committing: writer, expecting: expected,
                   requestTime: requestTime, responseTime: responseTime, archivingRefused: archivingRefused)
    }

    /// A batch worked out before the write transaction that records it (ARCHITECTURE.md §4, I8).
    struct PreparedRecording {
        var batch: [RecordedExchange]
        var urls: [String]
        /// The index policies the rows were planned with.
        var policies: [IndexPolicy]
        /// The rows; nil for one planned while the rows before it are written (``Options/recordingChunk``).
        var planned: [PlannedResponse?]
        var pages: [PreparedPage?]
        /// Sets staged for big pages, to publish.
        var staged: [Int64]
    }

    /// Reads and parses pages, works out every row from the index policies as they are now, and
    /// stages the rows of big new pages: everything but the writes. Past the first
    /// ``Options/recordingChunk`` rows, the rows of responses that are no parsed page are left
    /// to the write transaction, which plans them beside the writer, a chunk ahead: pure work on
    /// the response's head, which reads nothing, and so cannot make the write lock wait.
    func prepareRecording(_ batch: [RecordedExchange]) throws -> PreparedRecording {
        let urls = try Self.concurrentMap(batch.count) { index in
            Result { try (batch[index].normalizedURL ?? NormalizedURL(batch[index].request.url)).text }
        }.map { try $0.get() }
        let policies = try read { db in try Self.indexPolicies(db) }
        // Each exchange on its own, on every core: a bulk load spends as long here as writing.
        // A small page body several exchanges share is read once.
        let bodies = Mutex<[BlobDigest: [UInt8]?]>([:])
        let chunk = max(1, options.recordingChunk)
        let prepared = Self.concurrentMap(batch.count) { index in
            let exchange = batch[index], url = urls[index]
            let page = preparePage(url: url, response: exchange.response, body: exchange.body) { digest in
                if let bytes = bodies.withLock({ $0[digest] }) { return bytes }
                let bytes = try? self.read(digest)  // verified; a mismatch quarantines the blob
                // Small bodies only: a bulk load of distinct big pages must not keep them all.
                if (bytes?.count ?? 0) <= 64 << 10 { bodies.withLock { $0[digest] = .some(bytes) } }
                return bytes
            }
            // A parsed page's rows are planned below, from its response's row.
            let now = index < chunk || page?.isParsed == true
            return (now ? plan(exchange, url: url, policies: policies) : nil, page)
        }
        let planned = prepared.map(\.0)
        var pages = prepared.map(\.1)
        // A page's rows too: a big new page is staged in short transactions of its own (I8). A
        // plan that fails here is worked out inside instead.
        var staged: [Int64] = []
        for index in pages.indices {
            guard let row = planned[index]?.record, row.status == 200, row.bodyDigest != nil, let page = pages[index] else { continue }
            pages[index]?.rows = try? planRows(of: page, url: row.url, method: row.method, variantKey: row.variantKey)
            if case .staged(let fileSet) = pages[index]?.rows { staged.append(fileSet) }
        }
        return PreparedRecording(batch: batch, urls: urls, policies: policies, planned: planned, pages: pages, staged: staged)
    }

    /// Writes a prepared batch's rows, inside the write transaction; returns their records
    /// (none unless `returningRecords`) and the file sets it published and retired. The plans are
    /// used up.
    func recordPrepared(_ recording: inout PreparedRecording, returningRecords: Bool = true, _ db: SQLSession) throws -> ([ResponseRecord], FileSetChanges) {
        try withPageCache(forRows: recording.planned.count, db) { try writeRows(&recording, returningRecords: returningRecords, db) }
    }

    /// Runs `body` with a page cache that holds what a batch of `rows` changes: 16 KiB a row (its
    /// response row, history row and index entries, each on a page of its own: URLs and their
    /// keys come in no order), up to 256 MiB. A smaller one spills changed pages to the WAL
    /// mid-transaction and reads them back (500 000 responses in batches of 20 000: a third
    /// fewer writes and two thirds fewer reads). The database is mapped meanwhile, as the lookup
    /// connection maps it: a page the cache lacks is read in place instead of copied in by a
    /// system call (7 % faster at a million responses). The writer's own settings come back
    /// after; a batch it holds already is left alone.
    private func withPageCache<T>(forRows rows: Int, _ db: SQLSession, _ body: () throws -> T) throws -> T {
        let kibibytes = Self.bulkCacheKiB(rows: rows)
        // The writer's own cache (Store.open) is given in KiB, as a negative number.
        guard rows >= 1024, let sqlite = db.sqlite, let own = try Int.fetchOne(sqlite, sql: "PRAGMA cache_size"), own < 0, -own < kibibytes
        else { return try body() }
        try sqlite.execute(sql: "PRAGMA cache_size = \(-kibibytes)")
        defer { try? sqlite.execute(sql: "PRAGMA cache_size = \(own)") }
        let mapped = try Int.fetchOne(sqlite, sql: "PRAGMA mmap_size") ?? 0
        try sqlite.execute(sql: "PRAGMA mmap_size = 2147418112")
        defer { try? sqlite.execute(sql: "PRAGMA mmap_size = \(mapped)") }
        return try body()
    }

    /// The page cache of a batch of `rows`, in KiB (``withPageCache(forRows:_:_:)``).
    static func bulkCacheKiB(rows: Int) -> Int { min(rows * 16, 256 << 10) }

    /// Writes the rows, chunk by chunk; the rows of a chunk left unplanned are planned on another
    /// thread while the chunk before it is written.
    private func writeRows(_ recording: inout PreparedRecording, returningRecords: Bool, _ db: SQLSession) throws -> ([ResponseRecord], FileSetChanges) {
        var changes = FileSetChanges()
        // What the plans assumed: the policies. Another process may have changed them since.
        let current = try Self.indexPolicies(db)
        if current != recording.policies {
            let batch = recording.batch, urls = recording.urls, planned = recording.planned
            recording.planned = Self.concurrentMap(batch.count) { planned[$0] == nil ? nil : plan(batch[$0], url: urls[$0], policies: current) }
            recording.policies = current
        }
        var lastUse: [String: Int64] = [:]
        var history: [HistoryEntry] = []
        var records: [ResponseRecord] = []
        history.reserveCapacity(recording.planned.count)
        if returningRecords { records.reserveCapacity(recording.planned.count) }
        let upsert = try ResponseUpsert(db)
        let size = max(1, options.recordingChunk), count = recording.planned.count
        let chunks = stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
        var ahead = chunks.first.map { planAhead($0, of: recording) }
        for (position, chunk) in chunks.enumerated() {
            for (index, plan) in ahead?.wait() ?? [] { recording.planned[index] = plan }
            ahead = position + 1 < chunks.count ? planAhead(chunks[position + 1], of: recording) : nil
            for index in chunk {
                // Taken, not copied: a plan is a few dozen strings, each retained by a copy.
                let (record, entry) = try record(recording.planned[index].take()!, prepared: recording.pages[index], upsert, &changes, db)
                if let body = record.bodyDigest { lastUse[body.hex] = max(lastUse[body.hex] ?? .min, record.responseTime.unixSeconds) }
                history.append(entry)
                if returningRecords { records.append(record) }
            }
        }
        try observe(history, db)
        let touch = try db.cachedStatement(sql: "UPDATE blob SET last_used_at = \(db.dialect.greatest("last_used_at", "?")) WHERE digest = ?")
        for (digest, time) in lastUse { try touch.execute(arguments: [time, digest]) }
        return (records, changes)
    }

    /// The plans a chunk of `recording` lacks, worked out on another thread: none to wait for
    /// when it lacks none.
    private func planAhead(_ chunk: Range<Int>, of recording: PreparedRecording) -> PlansAhead {
        let missing = chunk.filter { recording.planned[$0] == nil }
        let ahead = PlansAhead()
        guard !missing.isEmpty else { return ahead }
        let batch = recording.batch, urls = recording.urls, policies = recording.policies
        ahead.done.enter()
        DispatchQueue.global().async {
            ahead.plans = missing.map { ($0, self.plan(batch[$0], url: urls[$0], policies: policies)) }
            ahead.done.leave()
        }
        return ahead
    }

    /// Plans worked out on another thread: ``wait()`` for them.
    final class PlansAhead: @unchecked Sendable {
        /// Written before `done` is left, read only after it is waited for.
        fileprivate var plans: [(Int, PlannedResponse)] = []
        fileprivate let done = DispatchGroup()

        func wait() -> [(Int, PlannedResponse)] {
            done.wait()
            return plans
        }
    }

    /// `transform` of `0..<count`, in order, worked out on every core. A batch of one (a single
    /// recording) stays on the caller's thread.
    static func concurrentMap<T>(_ count: Int, _ transform: @Sendable (Int) -> T) -> [T] {
        let chunk = 64
        guard count > chunk else { return (0..<count).map(transform) }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            nonisolated(unsafe) let output = buffer
            DispatchQueue.concurrentPerform(iterations: (count + chunk - 1) / chunk) { part in
                for index in part * chunk..<min(count, (part + 1) * chunk) {
                    (output.baseAddress! + index).initialize(to: transform(index))
                }
            }
            initialized = count
        }
    }

    /// A response's row, worked out before the write transaction that records it.
    struct PlannedResponse {
        /// The row's values, as ``upsertResponse`` binds them.
        var columns: SQLArguments
        /// The row as it reads back, but for its `id`.
        var record: ResponseRecord
        /// The project of the wheel the URL's last path segment names, if it names one.
        var wheelProject: String?
    }

    /// Applies the URL's index policy (one of `policies`) and the cache rules to an exchange.
    func plan(_ exchange: RecordedExchange, url: String, policies: [IndexPolicy]) -> PlannedResponse {
        let response = exchange.response, body = exchange.body
        let sent = Self.seconds(exchange.requestTime), received = Self.seconds(exchange.responseTime)
        let request = HTTPRequestHead(method: exchange.request.method, url: url, headers: HeaderBlock.protectingCredentials(exchange.request.headers, key: secretKey))
        let policy = Self.indexPolicy(for: url, among: policies)
        let override = policy?.cacheControl(for: url)
        let effective = HTTPResponseHead(status: response.status, headers: IndexPolicy.apply(override, to: response.headers))
        let storability = cache.storability(request: request, response: effective)
        let disposition: ResponseDisposition =
            storability.isStorable ? .stored : ((policy?.archiveRefused == true || exchange.archivingRefused) && body != nil && response.status == 200 ? .archived : .refused)

        let nominated = ReuseSummary.nominatedFields(effective.headers)
        let variantKey = Self.variantKey(nominated, request: request.headers)
        let keptRequestHeaders = HeaderFields(request.headers.filter { nominated.contains(HeaderFields.lowercasedName($0.name)) })
        let stored = StoredExchange(
            request: HTTPRequestHead(method: request.method, url: url, headers: keptRequestHeaders),
            response: effective, requestTime: HTTPDate(secondsSince1970: sent), responseTime: HTTPDate(secondsSince1970: received))
        let summary = ReuseSummary(stored, cache: cache), kept = disposition == .refused ? nil : body
        let columns = SQLArguments([
            request.method, url, variantKey, response.status, HeaderBlock.encode(keptRequestHeaders), HeaderBlock.encode(response.headers),
            override, override == nil ? nil : policy?.urlPrefix, sent, received, disposition.rawValue,
            storability.refusalReasons.map(\.code).joined(separator: ","), summary.freshnessLifetime, summary.expiresAt,
            kept?.digest.hex, kept?.size, received,
        ] + summary.columnValues + [NormalizedURL.lookupKey(url)])
        return PlannedResponse(columns: columns, record: ResponseRecord(id: 0, written: columns.values),
                               wheelProject: (try? WheelFilename(urlSegment: Self.lastPathSegment(url)))?.name)
    }

    /// Writes a planned row (with `upsert`) and its derived index
    /// rows: row writes only. Returns the record and its entry for the URL's history.
    private func record(_ planned: PlannedResponse, prepared: PreparedPage?, _ upsert: ResponseUpsert, _ changes: inout FileSetChanges,
                        _ db: SQLSession) throws -> (ResponseRecord, HistoryEntry) {
        var recorded = planned.record
        let inserted: Bool
        (recorded.id, inserted) = try upsert(planned.columns, key: recorded)
        let (indexNote, sets) = try indexRecordedResponse(recorded, isNew: inserted, wheelProject: planned.wheelProject, prepared: prepared, db)  // Store+IndexFiles.swift
        changes.formUnion(sets)
        let entry = HistoryEntry(url: recorded.url, at: recorded.responseTime.unixSeconds, outcome: Observation.Outcome(rawValue: recorded.disposition.rawValue)!,
                                 status: recorded.status, detail: (recorded.refusalReasons.map(\.code) + [indexNote].compactMap { $0 }).joined(separator: ","))
        return (recorded, entry)
    }

    /// Writes the current row of a (URL, method, variant), inserted or replaced, and tells its id.
    ///
    /// The row is every column of ``ResponseRecord/columns`` but `id`, in that order, then
    /// `url_key`; a row that is replaced takes every one of them, so it holds exactly the values
    /// bound. A server upserts and returns the id (`ON CONFLICT … DO UPDATE … RETURNING id`).
    ///
    /// SQLite runs that upsert at twice the cost of what it does. A statement that may write
    /// twice and then fail (an update deletes index entries, then inserts) runs in a statement
    /// journal, which copies every page the statement changes before it changes it: about 16 KiB
    /// a row, and one allocation for each kilobyte. And a `RETURNING` clause goes through a
    /// temporary table, opened and closed for every row. So on SQLite the row is inserted with
    /// `ON CONFLICT … DO NOTHING`, which writes once and checks every constraint first, and needs
    /// no journal: its id is the connection's last inserted rowid, set to 0 before, which an
    /// insert that did nothing leaves as it was. Only a row that was there already is looked up
    /// by its key, in the pages the insert just read, and updated by its id (ARCHITECTURE.md §8).
    struct ResponseUpsert {
        private let write: SQLStatement
        /// SQLite only: the connection, whose last inserted rowid tells the new row's id; the
        /// lookup of a row that was there already, and its update.
        private let connection: OpaquePointer?
        private let existing: SQLStatement?
        private let update: SQLStatement?

        init(_ db: SQLSession) throws {
            if let sqlite = db.sqlite {
                write = try db.cachedStatement(sql: Self.insertSQL)
                connection = sqlite.sqliteConnection
                existing = try db.cachedStatement(sql: "SELECT id FROM response WHERE url = ? AND method = ? AND variant_key = ?")
                update = try db.cachedStatement(sql: Self.updateSQL)
            } else {
                write = try db.cachedStatement(sql: Self.upsertSQL)
                connection = nil
                existing = nil
                update = nil
            }
        }

        /// Writes `columns`, the values of `record` (whose key they hold), and returns the row's
        /// id, and whether the row is new (`false` when that is not known: on a server).
        func callAsFunction(_ columns: SQLArguments, key record: ResponseRecord) throws -> (id: Int64, inserted: Bool) {
            guard let connection, let existing, let update else { return (try Int64.fetchOne(write, arguments: columns)!, false) }
            // Rowids the store assigns start at 1.
            sqlite3_set_last_insert_rowid(connection, 0)
            try write.execute(arguments: columns)
            let id = sqlite3_last_insert_rowid(connection)
            if id != 0 { return (id, true) }
            guard let id = try Int64.fetchOne(existing, arguments: [record.url, record.method, record.variantKey]) else {
                throw StoreError(.database, "recording \(record.method) \(record.url) neither inserted its row nor found one: the database may be damaged; run `artifact-store verify`")
            }
            var replacing = columns
            replacing += [id]
            try update.execute(arguments: replacing)
            return (id, false)
        }

        /// The columns written, in the order they are bound.
        private static let columns = Array(ResponseRecord.columns.dropFirst() + ["url_key"])
        private static let key: Set = ["url", "method", "variant_key"]

        private static var insert: String {
            "INSERT INTO response (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
        }

        /// The insert that leaves a row of the same key as it is.
        static var insertSQL: String { insert + " ON CONFLICT (url, method, variant_key) DO NOTHING" }

        /// The update of the row whose id follows the columns: each column but the key's takes
        /// the parameter of its position.
        static var updateSQL: String {
            let assignments = columns.enumerated().filter { !key.contains($0.element) }.map { "\($0.element) = ?\($0.offset + 1)" }
            return "UPDATE response SET \(assignments.joined(separator: ", ")) WHERE id = ?\(columns.count + 1)"
        }

        /// A server's upsert, which returns the row's id.
        static var upsertSQL: String {
            insert + """

                ON CONFLICT (url, method, variant_key) DO UPDATE SET
                    \(columns.filter { !key.contains($0) }.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
                RETURNING id
                """
        }
    }

    /// Records a 304 that answered a conditional request: the stored responses it validates are
    /// freshened (RFC 9111 §4.3.4). Returns the freshened record, or nil when nothing matched.
    @discardableResult
    public func recordNotModified(request: HTTPRequestHead, response: HTTPResponseHead, requestTime: Date, responseTime: Date) throws -> ResponseRecord? {
        try recordNotModified(request: StoreRequest(request), response: response, requestTime: requestTime, responseTime: responseTime)
    }

    /// ``recordNotModified(request:response:requestTime:responseTime:)-(HTTPRequestHead,_,_,_)`` for a request whose URL is normalized already.
    @discardableResult
    public func recordNotModified(request: StoreRequest, response: HTTPResponseHead, requestTime: Date, responseTime: Date) throws -> ResponseRecord? {
        let url = request.url.text
        let sent = HTTPDate(secondsSince1970: Self.seconds(requestTime)), received = HTTPDate(secondsSince1970: Self.seconds(responseTime))
        let presented = HTTPRequestHead(method: request.method, url: url, headers: HeaderBlock.protectingCredentials(request.headers, key: secretKey))
        return try writeTransaction { db in
            let candidates = try responses(url: url, method: request.method, db).filter { $0.disposition != .refused }
            let indices = cache.responsesToFreshen(with: response, receivedAt: received, among: candidates.map(\.exchange), for: presented)
            var freshened: ResponseRecord?
            for index in indices {
                var record = candidates[index]
                // Freshen the server's headers; the override (if any) still applies on top.
                let serverExchange = StoredExchange(
                    request: record.exchange.request, response: HTTPResponseHead(status: record.status, headers: record.responseHeaders),
                    requestTime: HTTPDate(secondsSince1970: record.requestTime.unixSeconds), responseTime: HTTPDate(secondsSince1970: record.responseTime.unixSeconds))
                let updated = cache.freshen(serverExchange, with: HTTPResponseHead(status: response.status, headers: HeaderBlock.withoutSecrets(response.headers)),
                                            requestTime: sent, responseTime: received)
                record.responseHeaders = updated.response.headers
                record.requestTime = Date(unixSeconds: updated.requestTime.secondsSince1970)
                record.responseTime = Date(unixSeconds: updated.responseTime.secondsSince1970)
                let summary = ReuseSummary(record.exchange, cache: cache)
                record.reuseSummary = summary
                record.freshnessLifetime = summary.freshnessLifetime
                record.expiresAt = Date(unixSeconds: summary.expiresAt)
                record.lastUsedAt = Date(unixSeconds: received.secondsSince1970)
                try db.execute(
                    sql: """
                        UPDATE response SET response_headers = ?, request_time = ?, response_time = ?,
                            freshness_lifetime = ?, expires_at = ?, last_used_at = ?,
                            initial_age = ?, no_cache = ?, must_revalidate = ?, vary = ?, url_key = ? WHERE id = ?
                        """,
                    arguments: SQLArguments([HeaderBlock.encode(record.responseHeaders), record.requestTime.unixSeconds, record.responseTime.unixSeconds,
                                record.freshnessLifetime, record.expiresAt.unixSeconds, record.lastUsedAt.unixSeconds] + summary.columnValues
                                + [request.url.lookupKey, record.id]))
                freshened = freshened ?? record
            }
            try observe([HistoryEntry(url: url, at: received.secondsSince1970, outcome: .notModified, status: 304,
                                      detail: freshened == nil ? "no stored response matched the 304's validators" : "")], db)
            return freshened
        }
    }

    /// Records a fetch that produced no complete response (the error text has credentials removed).
    public func recordFailure(request: HTTPRequestHead, error: String, at time: Date) throws {
        try recordFailure(request: StoreRequest(request), error: error, at: time)
    }

    /// ``recordFailure(request:error:at:)-(HTTPRequestHead,_,_)`` for a request whose URL is normalized already.
    public func recordFailure(request: StoreRequest, error: String, at time: Date) throws {
        let url = request.url.text
        try writeTransaction(grouped: true) { db in
            try observe([HistoryEntry(url: url, at: Self.seconds(time), outcome: .failed, status: nil, detail: RecordedURL.redacted(error))], db)
        }
    }

    /// The conditional headers (`If-None-Match`, `If-Modified-Since`) that revalidate what is
    /// stored for this request, or nil when nothing is stored for it (RFC 9111 §4.3.1).
    public func conditionalHeaders(for request: HTTPRequestHead) throws -> HeaderFields? {
        try conditionalHeaders(for: StoreRequest(request))
    }

    /// ``conditionalHeaders(for:)-(HTTPRequestHead)`` for a request whose URL is normalized already.
    public func conditionalHeaders(for request: StoreRequest) throws -> HeaderFields? {
        let url = request.url.text
        let presented = HTTPRequestHead(method: request.method, url: url, headers: HeaderBlock.protectingCredentials(request.headers, key: secretKey))
        // Only a row whose body can still be read is worth validating: a 304 for one whose body gc
        // evicted (or verify quarantined) would freshen a response that cannot answer anything,
        // and the client would get no body at all.
        let stored = try read { db in try responses(url: url, method: request.method, db) }
            .filter { $0.disposition == .stored && CacheKey.mismatches($0.exchange, presented).isEmpty }
            .filter { record in record.bodyDigest.map { (try? isReadable($0)) == true } ?? false }
        guard !stored.isEmpty else { return nil }
        let headers = cache.conditionalHeaders(validating: stored.map(\.exchange), for: presented)
        return headers.isEmpty ? nil : headers
    }

    /// The current rows for a URL (every method and variant), most recent first.
    public func responses(for url: String) throws -> [ResponseRecord] {
        let url = try NormalizedURL(url).text
        return try read { db in
            try SQLRow.fetchAll(db, cachedSQL: "SELECT \(ResponseRecord.selection()) FROM response WHERE url = ? ORDER BY response_time DESC, id DESC", arguments: [url])
                .map(ResponseRecord.init(row:))
        }
    }

    /// The fetch history of a URL, oldest first (the last ``Options/observationsPerURL``).
    public func observations(for url: String) throws -> [Observation] {
        let url = try NormalizedURL(url).text
        return try read { db in
            try SQLRow.fetchAll(db, cachedSQL: "SELECT * FROM observation WHERE url = ? ORDER BY id", arguments: [url]).map {
                Observation(at: Date(unixSeconds: $0["at"]), outcome: Observation.Outcome(rawValue: $0["outcome"]) ?? .failed, status: $0["status"], detail: $0["detail"])
            }
        }
    }

    func responses(url: String, method: String, _ db: SQLSession) throws -> [ResponseRecord] {
        try SQLRow.fetchAll(db, cachedSQL: "SELECT \(ResponseRecord.selection()) FROM response WHERE url = ? AND method = ? ORDER BY response_time DESC, id DESC", arguments: [url, method])
            .map(ResponseRecord.init(row:))
    }

    /// An entry to append to a URL's history.
    struct HistoryEntry {
        var url: String
        var at: Int64
        var outcome: Observation.Outcome
        var status: Int?
        var detail: String
    }

    /// Appends entries to their URLs' histories, in order, then drops each URL's entries beyond
    /// the configured number: what appending and dropping one entry at a time leaves (dropping
    /// only ever takes a URL's oldest entries, so no id changes).
    ///
    /// A server takes ``historyGroup`` rows a statement, a round trip saved for each. SQLite
    /// takes one a statement: a statement of many rows may fail after it has written some, so
    /// SQLite runs it in a statement journal, which copies every page it changes first; one row
    /// (whose constraints are checked before it is written) needs none, and costs a third less.
    private func observe(_ entries: [HistoryEntry], _ db: SQLSession) throws {
        let one = try db.cachedStatement(sql: Self.historyInserts[1]!)
        for group in Self.historyGroups(entries, size: db.sqlite == nil ? Self.historyGroup : 1) {
            var values: [(any DatabaseValueConvertible)?] = []
            values.reserveCapacity(group.count * 5)
            for entry in group { values += [entry.url, entry.at, entry.outcome.rawValue, entry.status, entry.detail] }
            try (group.count == 1 ? one : db.cachedStatement(sql: Self.historyInserts[group.count]!)).execute(arguments: SQLArguments(values))
        }
        // One URL a statement: a statement for many would look for each entry's cut again.
        let prune = try db.cachedStatement(sql: """
            DELETE FROM observation WHERE url = ?1 AND id <= (
                SELECT id FROM observation WHERE url = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)
            """)
        // A URL pruned again is left as it is: only a run of entries of one URL (as a page
        // revalidated many times) is pruned once, which needs no hashing of every URL.
        for (index, entry) in entries.enumerated() where index == 0 || entries[index - 1].url != entry.url {
            try prune.execute(arguments: [entry.url, max(1, options.observationsPerURL)])
        }
    }

    /// History rows per statement on a server.
    private static let historyGroup = 64

    /// `items` in groups of `size`, then the rest one at a time: two statements to prepare,
    /// whatever the batch's size.
    private static func historyGroups<T>(_ items: [T], size: Int) -> [ArraySlice<T>] {
        let whole = items.count / size * size
        return stride(from: 0, to: whole, by: size).map { items[$0..<$0 + size] } + (whole..<items.count).map { items[$0...$0] }
    }

    /// The `INSERT` of 1 or ``historyGroup`` history rows.
    private static let historyInserts = Dictionary(uniqueKeysWithValues: [1, historyGroup].map { count in
        (count, "INSERT INTO observation (url, at, outcome, status, detail) VALUES " + repeatElement("(?, ?, ?, ?, ?)", count: count).joined(separator: ", "))
    })

    /// The variant a response belongs to: each nominated field with the request's normalized
    /// value (RFC 9111 §4.1), `name=value` lines; empty without `Vary`.
    static func variantKey(_ nominated: [String], request: HeaderFields) -> String {
        if nominated.contains("*") { return "*" }
        return variantKey(nominated, values: nominated.map { CacheKey.normalizedSelectingValue($0, in: request) })
    }

    /// The variant key of nominated fields and their normalized values (`nil`: absent).
    static func variantKey(_ nominated: [String], values: [String?]) -> String {
        zip(nominated, values).map { name, value in name + "=" + (value ?? String(absentFieldMarker)) }.joined(separator: "\n")
    }

    /// Stands for an absent field in variant keys.
    static let absentFieldMarker: Unicode.Scalar = "\u{2205}"

    static func seconds(_ date: Date) -> Int64 { date.unixSeconds }
}

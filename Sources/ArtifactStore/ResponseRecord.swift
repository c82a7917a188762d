import Foundation
import GRDB
import HTTPCaching
import PythonPackaging

/// What became of a response: kept, refused by HTTP rules, or refused but kept on purpose.
public enum ResponseDisposition: String, Sendable, Hashable, Codable, CaseIterable {
    /// Storable under RFC 9111; its body (if any) is a blob.
    case stored
    /// RFC 9111 forbids storing it (e.g. `no-store`): headers and reasons kept, no body.
    case refused
    /// Refused by HTTP rules, but the store's archive policy kept its body; used only by the
    /// `archive` policy.
    case archived
}

/// How requests are answered from the store (ARCHITECTURE.md §5). Policies decide; facts never change.
public enum CachePolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Strict RFC 9111: only fresh responses; a stale one needs revalidation.
    case online
    /// What installers' `--offline` means: any stored body that matches is usable, however
    /// stale, even against `must-revalidate`/`no-cache` (the staleness is reported).
    case offline
    /// Like `offline`, and also serves bodies of refused responses kept by the archive policy.
    case archive
}

/// One recorded response: the current row for its (method, URL, variant).
public struct ResponseRecord: Sendable, Hashable {
    /// The row's id.
    public var id: Int64
    /// The request method (`GET`, `HEAD`).
    public var method: String
    /// Normalized, without credentials.
    public var url: String
    /// The `Vary`-nominated request values this response was selected by (empty without `Vary`).
    public var variantKey: String
    /// The response's status code.
    public var status: Int
    /// The request headers the response's `Vary` nominates (nothing else is kept).
    public var requestHeaders: HeaderFields {
        get { HeaderBlock.decode(requestHeaderBlock) }
        set { requestHeaderBlock = HeaderBlock.encode(newValue) }
    }
    /// The response headers as the server sent them (credentials removed).
    public var responseHeaders: HeaderFields {
        get { HeaderBlock.decode(responseHeaderBlock) }
        set { responseHeaderBlock = HeaderBlock.encode(newValue) }
    }
    // Kept in their stored form and decoded on use: a verdict often needs neither.
    private var requestHeaderBlock: String
    private var responseHeaderBlock: String
    /// The `Cache-Control` an index policy applied instead of the server's, if any.
    public var appliedCacheControl: String?
    /// The URL prefix of that index policy.
    public var overridePrefix: String?
    /// Unix seconds.
    public var requestTime: Int64
    /// Unix seconds: when the response arrived.
    public var responseTime: Int64
    /// Stored, refused or archived.
    public var disposition: ResponseDisposition
    /// Why HTTP rules refused it, read back from the recorded codes (`no-store-response`,
    /// `status-not-cacheable`, …; a code this version does not know is kept as
    /// `RefusalReason.unrecognized(code:)`).
    public var refusalReasons: [RefusalReason]
    /// How long the response is fresh (seconds), from its headers or the applied policy.
    public var freshnessLifetime: Int64
    /// When it stops being fresh (Unix seconds).
    public var expiresAt: Int64
    /// The body's blob; nil for a refused response, one without a body, or an evicted body.
    public var bodyDigest: BlobDigest?
    /// The body's size in bytes, when there is a body.
    public var bodySize: Int64?
    /// Unix seconds: when the body was last used.
    public var lastUsedAt: Int64
    /// What deciding its reuse needs, computed when it was recorded (`nil` for rows recorded
    /// before the store kept it: those are decided from their headers).
    public var reuseSummary: ReuseSummary?

    /// The response headers the cache rules are applied to: the server's, with the override.
    public var effectiveResponseHeaders: HeaderFields {
        IndexPolicy.apply(appliedCacheControl, to: responseHeaders)
    }

    /// The exchange as HTTPCaching sees it.
    public var exchange: StoredExchange {
        StoredExchange(
            request: HTTPRequestHead(method: method, url: url, headers: requestHeaders),
            response: HTTPResponseHead(status: status, headers: effectiveResponseHeaders),
            requestTime: HTTPDate(secondsSince1970: requestTime),
            responseTime: HTTPDate(secondsSince1970: responseTime))
    }

    /// The `response` columns ``init(row:)`` reads, in its order: queries select
    /// ``selection(from:)`` first, and may add their own columns after them.
    static let columns = [
        "id", "method", "url", "variant_key", "status", "request_headers", "response_headers",
        "applied_cache_control", "override_prefix", "request_time", "response_time", "storability",
        "refusal_reasons", "freshness_lifetime", "expires_at", "body_digest", "body_size", "last_used_at",
        "initial_age", "no_cache", "must_revalidate", "vary",
    ]

    /// The select list of ``columns``, qualified by a table alias when given.
    static func selection(from alias: String? = nil) -> String {
        columns.map { name in alias.map { "\($0).\(name)" } ?? name }.joined(separator: ", ")
    }

    /// Reads the ``columns`` at the start of the row, by position (name lookups cost more
    /// than the rest of a verdict).
    init(row: Row) {
        assert(Array(row.columnNames.prefix(Self.columns.count)) == Self.columns, "select ResponseRecord.selection() first")
        self.init(columns: row)
    }

    /// Reads the ``columns`` at the start of a result row, by position.
    init(columns row: some ResultColumns) {
        var next = 0
        func column<Value: DatabaseValueConvertible & StatementColumnConvertible>() -> Value {
            defer { next += 1 }
            guard let value: Value = row.value(at: next) else { preconditionFailure("response column \(Self.columns[next]) is NULL") }
            return value
        }
        func nullable<Value: DatabaseValueConvertible & StatementColumnConvertible>() -> Value? {
            defer { next += 1 }
            return row.value(at: next)
        }
        id = column()
        method = column()
        url = column()
        variantKey = column()
        status = column()
        requestHeaderBlock = column()
        responseHeaderBlock = column()
        appliedCacheControl = nullable()
        overridePrefix = nullable()
        requestTime = column()
        responseTime = column()
        disposition = ResponseDisposition(rawValue: column()) ?? .refused
        let reasons: String = column()
        let recordedMethod = method, recordedStatus = status
        refusalReasons = reasons.isEmpty ? [] : reasons.split(separator: ",").map { RefusalReason(code: String($0), method: recordedMethod, status: recordedStatus) }
        freshnessLifetime = column()
        expiresAt = column()
        bodyDigest = (nullable() as String?).map(BlobDigest.init(trusted:))
        bodySize = nullable()
        lastUsedAt = column()
        let initialAge: Int64? = nullable(), noCache: String? = nullable(), mustRevalidate: Bool = column(), vary: String? = nullable()
        // Rows recorded before migration 0005 have no summary.
        if let initialAge, let vary {
            reuseSummary = ReuseSummary(
                freshnessLifetime: freshnessLifetime, correctedInitialAge: initialAge, responseTime: responseTime,
                noCache: noCache.map(Self.names), mustRevalidate: mustRevalidate, vary: Self.names(vary))
        }
    }

    /// The extra column `offset` places after ``columns`` in the row.
    static func extra<Value: DatabaseValueConvertible & StatementColumnConvertible>(_ row: some ResultColumns, _ offset: Int) -> Value? {
        row.value(at: columns.count + offset)
    }

    private static func names(_ text: String) -> [String] {
        text.split(separator: ",").map(String.init)
    }
}

extension ReuseSummary {
    /// The values of the columns `initial_age`, `no_cache`, `must_revalidate`, `vary`.
    var columnValues: [(any DatabaseValueConvertible)?] {
        [correctedInitialAge, noCache?.joined(separator: ","), mustRevalidate, vary.joined(separator: ",")]
    }
}

/// A per-index policy: override the server's `Cache-Control` for files and/or pages under a URL
/// prefix, as installers let users do per index, and/or keep the bodies of refused responses.
/// The longest matching prefix applies; the prefix `""` applies to every URL (store-wide).
public struct IndexPolicy: Sendable, Hashable, Codable {
    /// The URLs the policy applies to start with this (`""`: every URL).
    public var urlPrefix: String
    /// Used instead of the server's `Cache-Control` for distribution files (`.whl`, sdists,
    /// `.metadata`), e.g. `max-age=365000000, immutable`.
    public var fileCacheControl: String?
    /// Used instead of the server's `Cache-Control` for index pages, e.g. `max-age=600`.
    public var pageCacheControl: String?
    /// Keep bodies of responses HTTP rules refuse, marked `archived` (used by policy `archive`).
    public var archiveRefused: Bool
    /// Free text for people: why the policy exists.
    public var note: String

    /// Creates a policy; with only a prefix it changes nothing.
    public init(urlPrefix: String, fileCacheControl: String? = nil, pageCacheControl: String? = nil, archiveRefused: Bool = false, note: String = "") {
        self.urlPrefix = urlPrefix
        self.fileCacheControl = fileCacheControl
        self.pageCacheControl = pageCacheControl
        self.archiveRefused = archiveRefused
        self.note = note
    }

    /// The override for a URL: the file or the page `Cache-Control`.
    func cacheControl(for url: String) -> String? {
        DistributionFilename.isDownload(url: url) ? fileCacheControl : pageCacheControl
    }

    /// The headers with the server's freshness fields replaced by `cacheControl` (unchanged when nil).
    static func apply(_ cacheControl: String?, to headers: HeaderFields) -> HeaderFields {
        guard let cacheControl else { return headers }
        var result = headers
        // The override stands for everything the server said about freshness and storing.
        result.removeAll(named: "Pragma")
        result.removeAll(named: "Expires")
        result.replaceAll(named: "Cache-Control", with: [cacheControl])
        return result
    }

    init(row: Row) {
        urlPrefix = row["url_prefix"]
        fileCacheControl = row["file_cache_control"]
        pageCacheControl = row["page_cache_control"]
        archiveRefused = row["archive_refused"]
        note = row["note"]
    }
}

extension Store {
    /// Adds or replaces the policy for a URL prefix.
    public func setIndexPolicy(_ policy: IndexPolicy) throws {
        let prefix = policy.urlPrefix.isEmpty ? "" : try RecordedURL.normalize(policy.urlPrefix)
        try writeTransaction { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO index_policy (url_prefix, file_cache_control, page_cache_control, archive_refused, note)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [prefix, policy.fileCacheControl, policy.pageCacheControl, policy.archiveRefused, policy.note])
        }
    }

    /// Removes the policy for a URL prefix; returns whether there was one.
    @discardableResult
    public func removeIndexPolicy(urlPrefix: String) throws -> Bool {
        let prefix = urlPrefix.isEmpty ? "" : try RecordedURL.normalize(urlPrefix)
        return try writeTransaction { db in
            try db.execute(sql: "DELETE FROM index_policy WHERE url_prefix = ?", arguments: [prefix])
            return db.changesCount > 0
        }
    }

    /// Every index policy, by prefix.
    public func indexPolicies() throws -> [IndexPolicy] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM index_policy ORDER BY url_prefix").map(IndexPolicy.init(row:)) }
    }

    /// The policy that applies to a normalized URL: the longest matching prefix.
    func indexPolicy(for url: String, _ db: Database) throws -> IndexPolicy? {
        Self.indexPolicy(for: url, among: try Self.indexPolicies(db))
    }

    /// Every index policy, in prefix order.
    static func indexPolicies(_ db: Database) throws -> [IndexPolicy] {
        try Row.fetchAll(db, cachedSQL: "SELECT * FROM index_policy ORDER BY url_prefix").map(IndexPolicy.init(row:))
    }

    /// The policy among `policies` that applies to a normalized URL: the longest matching prefix.
    static func indexPolicy(for url: String, among policies: [IndexPolicy]) -> IndexPolicy? {
        policies.filter { url.hasPrefix($0.urlPrefix) }.max { $0.urlPrefix.count < $1.urlPrefix.count }
    }
}

extension Row {
    static func fetchAll(_ db: Database, cachedSQL sql: String, arguments: StatementArguments = StatementArguments()) throws -> [Row] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }
}

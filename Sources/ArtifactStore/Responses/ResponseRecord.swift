import Foundation
import GRDB
import HTTPCaching
import PythonPackaging

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
    /// When the request was sent.
    public var requestTime: Date
    /// When the response arrived.
    public var responseTime: Date
    /// Stored, refused or archived.
    public var disposition: ResponseDisposition
    /// Why HTTP rules refused it, read back from the recorded codes (`no-store-response`,
    /// `status-not-cacheable`, …; a code this version does not know is kept as
    /// `RefusalReason.unrecognized(code:)`).
    public var refusalReasons: [RefusalReason]
    /// How long the response is fresh (seconds), from its headers or the applied policy.
    public var freshnessLifetime: Int64
    /// When it stops being fresh.
    public var expiresAt: Date
    /// The body's blob; nil for a refused response, one without a body, or an evicted body.
    public var bodyDigest: BlobDigest?
    /// The body's size in bytes, when there is a body.
    public var bodySize: Int64?
    /// When the body was last used.
    public var lastUsedAt: Date
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
            requestTime: HTTPDate(secondsSince1970: requestTime.unixSeconds),
            responseTime: HTTPDate(secondsSince1970: responseTime.unixSeconds))
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
    init(row: SQLRow) {
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
        requestTime = Date(unixSeconds: column())
        responseTime = Date(unixSeconds: column())
        disposition = ResponseDisposition(rawValue: column()) ?? .refused
        let reasons: String = column()
        let recordedMethod = method, recordedStatus = status
        refusalReasons = reasons.isEmpty ? [] : reasons.split(separator: ",").map { RefusalReason(code: String($0), method: recordedMethod, status: recordedStatus) }
        freshnessLifetime = column()
        expiresAt = Date(unixSeconds: column())
        bodyDigest = (nullable() as String?).map(BlobDigest.init(trusted:))
        bodySize = nullable()
        lastUsedAt = Date(unixSeconds: column())
        let initialAge: Int64? = nullable(), noCache: String? = nullable(), mustRevalidate: Bool = column(), vary: String? = nullable()
        // Rows recorded before migration 0005 have no summary.
        if let initialAge, let vary {
            reuseSummary = ReuseSummary(
                freshnessLifetime: freshnessLifetime, correctedInitialAge: initialAge, responseTime: responseTime.unixSeconds,
                noCache: noCache.map(Self.names), mustRevalidate: mustRevalidate, vary: Self.names(vary))
        }
    }

    /// The record of a row just written: `values` are the ``columns`` after `id`, in their
    /// order, as they were bound. Reading the row back would give the same record (an upsert
    /// sets every one of these columns), so the recording path skips that read.
    init(id: Int64, written values: [DatabaseValue]) {
        self.init(columns: WrittenColumns(id: id, values: values))
    }

    /// The extra column `offset` places after ``columns`` in the row.
    static func extra<Value: DatabaseValueConvertible & StatementColumnConvertible>(_ row: some ResultColumns, _ offset: Int) -> Value? {
        row.value(at: columns.count + offset)
    }

    private static func names(_ text: String) -> [String] {
        text.split(separator: ",").map(String.init)
    }
}

/// ``ResponseRecord/columns`` as written: `id`, then the bound values.
private struct WrittenColumns: ResultColumns {
    var id: Int64
    var values: [DatabaseValue]

    func value<Value: DatabaseValueConvertible & StatementColumnConvertible>(at index: Int) -> Value? {
        Value.fromDatabaseValue(index == 0 ? id.databaseValue : values[index - 1])
    }
}

extension ReuseSummary {
    /// The values of the columns `initial_age`, `no_cache`, `must_revalidate`, `vary`.
    var columnValues: [(any DatabaseValueConvertible)?] {
        [correctedInitialAge, noCache?.joined(separator: ","), mustRevalidate, vary.joined(separator: ",")]
    }
}

extension SQLRow {
    static func fetchAll(_ db: SQLSession, cachedSQL sql: String, arguments: SQLArguments = SQLArguments()) throws -> [SQLRow] {
        try SQLRow.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }
}

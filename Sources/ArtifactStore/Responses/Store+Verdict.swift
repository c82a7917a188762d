import Foundation
import GRDB
import HTTPCaching

extension Store {
    /// Can this request be answered from the store under `policy` at `time` (default: now)?
    /// Either the response that answers it and how fresh it is, or every reason it cannot be.
    public func verdict(for request: HTTPRequestHead, policy: CachePolicy, at time: Date? = nil) throws -> Verdict {
        try verdict(for: StoreRequest(request), policy: policy, at: time)
    }

    /// ``verdict(for:policy:at:)-(HTTPRequestHead,_,_)`` for a request whose URL is normalized already.
    public func verdict(for request: StoreRequest, policy: CachePolicy, at time: Date? = nil) throws -> Verdict {
        let now = HTTPDate(secondsSince1970: time.map(Self.seconds) ?? nowSeconds)
        var presented = request
        presented.headers = HeaderBlock.protectingCredentials(request.headers, key: secretKey)
        if let satisfied = try quickVerdict(for: presented, policy: policy, now: now) { return .satisfiable(satisfied) }
        return try fullVerdict(for: presented, policy: policy, now: now)
    }

    /// The verdict from every current row of the URL, each evaluated from its headers by
    /// HTTPCaching: the reference ``quickVerdict(for:policy:now:)`` must agree with.
    func fullVerdict(for request: StoreRequest, policy: CachePolicy, now: HTTPDate) throws -> Verdict {
        let url = request.url.text
        let head = request.head
        let (candidates, lastFailure) = try read { db -> ([(ResponseRecord, SQLRow)], Observation?) in
            let rows = try SQLRow.fetchAll(db, cachedSQL: """
                SELECT \(ResponseRecord.selection(from: "r")), r.evicted_at, r.evicted_by,
                    b.digest AS blob_digest, b.quarantined_at AS blob_quarantined_at
                FROM response r LEFT JOIN blob b ON b.digest = r.body_digest
                WHERE r.url = ? AND r.method = ? ORDER BY r.response_time DESC, r.id DESC
                """, arguments: [url, request.method])
            var failure: Observation?
            if rows.isEmpty, let row = try SQLRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM observation WHERE url = ? AND outcome = 'failed' ORDER BY id DESC LIMIT 1"), arguments: [url]) {
                failure = Observation(at: Date(unixSeconds: row["at"]), outcome: .failed, status: row["status"], detail: row["detail"])
            }
            return (rows.map { (ResponseRecord(row: $0), $0) }, failure)
        }
        if candidates.isEmpty { return .unsatisfiable([.neverFetched(url: url, lastFailure: lastFailure)]) }

        var reasons: [VerdictReason] = []
        for (record, row) in candidates {
            switch evaluate(record, blobRow: row, for: head, policy: policy, now: now) {
            case .success(let satisfied): return .satisfiable(satisfied)
            case .failure(let failure):
                for reason in failure.reasons where !reasons.contains(reason) { reasons.append(reason) }
            }
        }
        return .unsatisfiable(reasons)
    }

    private struct Unsatisfied: Error { var reasons: [VerdictReason] }

    /// The satisfiable case, decided from the reuse summaries stored with the rows (no header
    /// parsing): the first row, in the full evaluation's order, that answers the request. Rows
    /// that cannot answer it are passed over, as the full evaluation does; nil when none answers
    /// or one cannot be decided without its headers (recorded before summaries were kept, or a
    /// request's own cache directives under policy online). Refusals are explained by the full
    /// evaluation only.
    func quickVerdict(for request: StoreRequest, policy: CachePolicy, now: HTTPDate) throws -> Satisfied? {
        // Unordered: sorting SQLite-side would copy whole rows into a sorter; there are few.
        var candidates: [QuickCandidate] = []
        let arguments: [LookupConnection.Argument] = [.integer(request.url.lookupKey), .text(request.url.text), .text(request.method)]
        try lookup(dialect == .sqlite ? Self.quickVerdictSQL : Self.quickVerdictSQL(.postgres), arguments: arguments) { row in
            candidates.append(QuickCandidate(record: ResponseRecord(columns: row), evicted: ResponseRecord.extra(row, 0) ?? false,
                                             bodyNotQuarantined: ResponseRecord.extra(row, 1) ?? false))
        }
        for candidate in candidates.sorted(by: { ($0.record.responseTime, $0.record.id) > ($1.record.responseTime, $1.record.id) }) {
            switch quickEvaluation(candidate, for: request, policy: policy, now: now) {
            case .satisfied(let satisfied): return satisfied
            case .unusable: continue
            case .undecided: return nil
            }
        }
        return nil
    }

    private static let quickVerdictSQL = quickVerdictSQL(.sqlite)

    private static func quickVerdictSQL(_ dialect: SQLDialect) -> String {
        """
        SELECT \(ResponseRecord.selection(from: "r")), r.evicted_at IS NOT NULL,
            NOT EXISTS (SELECT 1 FROM blob b \(dialect.indexedBy("blob_quarantined")) WHERE b.digest = r.body_digest AND b.quarantined_at IS NOT NULL)
        FROM response r \(dialect.indexedBy("response_by_url_key"))
        WHERE r.url_key = ? AND r.url = ? AND r.method = ?
        """
    }

    /// A row for ``quickVerdict(for:policy:now:)``: the record, whether its body was evicted, and
    /// whether its body blob is not quarantined (its row exists: the foreign key says so).
    private struct QuickCandidate {
        var record: ResponseRecord
        var evicted: Bool
        var bodyNotQuarantined: Bool
    }

    private enum QuickOutcome {
        case satisfied(Satisfied)
        /// The full evaluation would find a reason this row cannot answer the request.
        case unusable
        /// Only the full evaluation can tell.
        case undecided
    }

    /// ``evaluate(_:blobRow:for:policy:now:)`` for one row, from its summary.
    private func quickEvaluation(_ candidate: QuickCandidate, for request: StoreRequest, policy: CachePolicy, now: HTTPDate) -> QuickOutcome {
        let record = candidate.record
        guard let summary = record.reuseSummary else { return .undecided }
        if !summary.variesOnEverything {
            let values = summary.vary.map { CacheKey.normalizedSelectingValue($0, in: request.headers) }
            // A value that looks like the absent-field marker would confuse the key comparison.
            if values.contains(where: { $0?.unicodeScalars.contains(Self.absentFieldMarker) == true }) { return .undecided }
            if Self.variantKey(summary.vary, values: values) != record.variantKey { return .unusable }
        }
        switch record.disposition {
        case .refused: return .unusable
        case .archived where policy != .archive: return .unusable
        case .archived, .stored: break
        }
        if let digest = record.bodyDigest {
            guard candidate.bodyNotQuarantined, blobFileExists(digest) else { return .unusable }
        } else if candidate.evicted {
            return .unusable
        }
        let hasCacheDirectives = request.headers.contains("Cache-Control") || request.headers.contains("Pragma")
        guard let verdict = summary.verdict(Self.servingMode(policy), requestHasCacheDirectives: hasCacheDirectives, now: now) else { return .undecided }
        return Self.satisfied(verdict, record: record, notes: Self.notes(record), policy: policy, now: now).map(QuickOutcome.satisfied) ?? .unusable
    }

    static func servingMode(_ policy: CachePolicy) -> ServingMode {
        policy == .online ? .connected : .overridingDirectives
    }

    /// What is worth telling about a usable record besides its freshness.
    private static func notes(_ record: ResponseRecord) -> [String] {
        var notes: [String] = []
        if record.disposition == .archived {
            notes.append("refused by HTTP rules on \(Timestamp.iso8601(record.responseTime)) (\(record.refusalReasons.map(\.code).joined(separator: ", "))); its body was kept on purpose by the archive policy")
        }
        if let override = record.appliedCacheControl {
            notes.append("the index policy for \(record.overridePrefix ?? "this URL") replaced the server's Cache-Control with \"\(override)\"")
        }
        return notes
    }

    /// The usable record and its freshness when the serving verdict allows it, else nil.
    private static func satisfied(_ verdict: ServingVerdict, record: ResponseRecord, notes: [String], policy: CachePolicy, now: HTTPDate) -> Satisfied? {
        switch verdict {
        case .fresh(let ttl):
            return Satisfied(record: record, freshness: .fresh(until: Date(unixSeconds: now.secondsSince1970 &+ ttl)), notes: notes)
        case .stale(let by, let allowance):
            let because = switch allowance {
            case .requestMaxStale(let limit): "the request accepts stale responses (max-stale\(limit.map { "=\($0)" } ?? ""))"
            case .disconnected, .policy: "policy \(policy.rawValue) serves stale responses"
            }
            return Satisfied(record: record, freshness: .stale(by: by, allowedBecause: because), notes: notes)
        case .overridden(let by, let directives):
            let overridden = directives.isEmpty ? "" : ", overriding the response's \(directives.map(\.code).joined(separator: " and "))"
            return Satisfied(record: record, freshness: .stale(by: by, allowedBecause: "policy \(policy.rawValue) serves stale responses\(overridden)"), notes: notes)
        case .revalidationRequired, .notAllowed, .unusable:
            return nil
        }
    }

    private func evaluate(_ record: ResponseRecord, blobRow: SQLRow, for request: HTTPRequestHead, policy: CachePolicy, now: HTTPDate) -> Result<Satisfied, Unsatisfied> {
        switch record.disposition {
        case .refused:
            return .failure(Unsatisfied(reasons: [.refused(reasons: record.refusalReasons, at: record.responseTime, status: record.status)]))
        case .archived where policy != .archive:
            return .failure(Unsatisfied(reasons: [
                .refused(reasons: record.refusalReasons, at: record.responseTime, status: record.status),
                .archivedNeedsArchivePolicy(at: record.responseTime),
            ]))
        case .archived, .stored:
            break
        }

        let decision = cache.reuse(record.exchange, for: request, now: now)
        if !decision.mismatches.isEmpty {
            return .failure(Unsatisfied(reasons: decision.mismatches.compactMap { mismatch in
                switch mismatch {
                case .varyAll: return .varyStar
                case .varyMismatch(let field, let stored, let presented):
                    return .varyMismatch(header: field, stored: stored, requested: presented,
                                         relaxedMatch: field.lowercased() == "accept" && record.responseHeaders.combinedValue(for: "Content-Type").map { AcceptField.accepts(presented, contentType: $0) } ?? false)
                case .urlMismatch, .methodMismatch: return nil
                }
            }))
        }

        if record.bodyDigest == nil, let evictedAt = blobRow["evicted_at"] as Int64? {
            return .failure(Unsatisfied(reasons: [.evicted(at: Date(unixSeconds: evictedAt), by: blobRow["evicted_by"] as String? ?? "gc")]))
        }
        if let digest = record.bodyDigest {
            if blobRow["blob_digest"] as String? == nil {
                return .failure(Unsatisfied(reasons: [.bodyMissing(digest)]))
            }
            if let quarantinedAt = blobRow["blob_quarantined_at"] as Int64? {
                return .failure(Unsatisfied(reasons: [.bodyCorrupt(digest, at: Date(unixSeconds: quarantinedAt))]))
            }
            if !blobFileExists(digest) {
                return .failure(Unsatisfied(reasons: [.bodyMissing(digest)]))
            }
        }

        let verdict = decision.verdict(Self.servingMode(policy))
        if let satisfied = Self.satisfied(verdict, record: record, notes: Self.notes(record), policy: policy, now: now) {
            return .success(satisfied)
        }
        let reason: VerdictReason = switch verdict {
        case .revalidationRequired(let reasons):
            .staleNotAllowed(by: decision.freshness.staleness, reasons: reasons.map(\.description), policy: policy)
        case .notAllowed(let by, let because):
            .staleNotAllowed(by: by, reasons: because.map(\.description), policy: policy)
        default:  // .unusable (the usable verdicts were satisfied above)
            .varyStar
        }
        return .failure(Unsatisfied(reasons: [reason]))
    }
}

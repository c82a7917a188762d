import ArtifactStore

// The `--json` shapes of gc and verify (docs/json-output.md). The CLI owns them; the library's
// reports only say what happened. `@ExplicitNull` keys are always present.

/// `gc --json`: the report, and in a dry run every item that would go.
struct GCReportJSON: Encodable {
    var dryRun: Bool
    var durationSeconds: Double
    var bytesBefore: Int64
    var bytesAfter: Int64
    var blobsBefore: Int
    var blobsAfter: Int
    /// Keyed by the reasons' codes (`unreferenced`, `max-size`, …), every reason present.
    var removed: [String: Tally]
    var evictedResponses: Int
    @ExplicitNull var maxSizeMet: Bool?
    var longestTransactionMilliseconds: Double
    var writeTransactions: Int
    /// Only in a dry run.
    var items: [Item]?

    init(_ report: GCReport, items: [GCItem]?) {
        dryRun = report.dryRun
        durationSeconds = report.durationSeconds
        bytesBefore = report.bytesBefore
        bytesAfter = report.bytesAfter
        blobsBefore = report.blobsBefore
        blobsAfter = report.blobsAfter
        removed = Dictionary(uniqueKeysWithValues: report.removed.map { ($0.key.rawValue, Tally(count: $0.value.count, bytes: $0.value.bytes)) })
        evictedResponses = report.evictedResponses
        maxSizeMet = report.maxSizeMet
        longestTransactionMilliseconds = report.longestTransactionMilliseconds
        writeTransactions = report.writeTransactions
        self.items = items?.map(Item.init)
    }

    /// How many things, and how many bytes, for one reason.
    struct Tally: Encodable {
        var count: Int
        var bytes: Int64
    }

    /// One thing removed (or that would be).
    struct Item: Encodable {
        var reason: String
        @ExplicitNull var digest: String?
        @ExplicitNull var path: String?
        var bytes: Int64
        var detail: String

        init(_ item: GCItem) {
            reason = item.reason.rawValue
            digest = item.digest?.hex
            path = item.path
            bytes = item.bytes
            detail = item.detail
        }
    }
}

/// `verify --json`: what was checked, every problem and what `--repair` did, and `clean`.
struct VerifyReportJSON: Encodable {
    var blobRows: Int
    var files: Int
    var blobsHashed: Int
    var bytesHashed: Int64
    var sample: Double
    var integrityCheck: [String]
    var repair: Bool
    var durationSeconds: Double
    var problems: [Problem]
    var clean: Bool

    init(_ report: VerifyReport) {
        blobRows = report.blobRows
        files = report.files
        blobsHashed = report.blobsHashed
        bytesHashed = report.bytesHashed
        sample = report.sample
        integrityCheck = report.integrityCheck
        repair = report.repair
        durationSeconds = report.durationSeconds
        problems = report.problems.map(Problem.init)
        clean = report.isClean
    }

    /// One problem found.
    struct Problem: Encodable {
        var kind: String
        @ExplicitNull var digest: String?
        @ExplicitNull var path: String?
        var message: String
        @ExplicitNull var repair: String?

        init(_ problem: VerifyProblem) {
            kind = problem.kind.rawValue
            digest = problem.digest?.hex
            path = problem.path
            message = problem.message
            repair = problem.repair
        }
    }
}

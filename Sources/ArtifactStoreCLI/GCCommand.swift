import ArgumentParser
import ArtifactStore
import Foundation
import Synchronization

struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove what nothing needs, and evict by policy; safe while the store is in use.",
        discussion: """
            Always: blobs that no response, pin or live lease references; files in blobs/ with no \
            row and files in tmp/ older than --grace (crash leftovers); expired leases; empty \
            fan-out directories. Policies (combinable): --unused-for evicts response bodies not \
            used for that long; --max-size evicts the least recently used bodies until the blobs \
            fit; --refused-older-than deletes old refused responses and fetch history. An evicted \
            response keeps its row, so `explain` says when and why its body went. Pinned, leased \
            and recently used (--recent) blobs are never removed.

            Every deletion happens inside the store's write transaction, in small batches, so \
            other processes keep working. A second run right after removes nothing.

            Durations: 90s, 30m, 12h, 30d, 2w. Sizes: 500MB, 20GiB, 1.5T, or bytes.
            With --json: {"dryRun", "durationSeconds", "bytesBefore", "bytesAfter", "blobsBefore", \
            "blobsAfter", "removed": {REASON: {"count", "bytes"}}, "evictedResponses", \
            "maxSizeMet", "longestTransactionMilliseconds", "writeTransactions"}, and with \
            --dry-run also "items": [{"reason", "digest", "path", "bytes", "detail"}].
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: ArgumentHelp("Evict response bodies not used for this long, e.g. 30d.", valueName: "duration")) var unusedFor: String?
    @Option(help: ArgumentHelp("Evict least recently used bodies until the blobs take at most this, e.g. 20GiB.", valueName: "size")) var maxSize: String?
    @Option(help: ArgumentHelp("Keep the wheel bodies of the N newest versions of each project; evict older versions'.", valueName: "N")) var keepLatest: Int?
    @Option(help: ArgumentHelp("Delete refused responses and fetch history older than this, e.g. 90d.", valueName: "duration")) var refusedOlderThan: String?
    @Option(help: ArgumentHelp("Leave orphan and tmp/ files younger than this (a writer may be at work).", valueName: "duration")) var grace = "1h"
    @Option(help: ArgumentHelp("Never remove what was used this recently.", valueName: "duration")) var recent = "5m"
    @Flag(help: "Print what would be removed and why; change nothing.") var dryRun = false
    @Option(help: .hidden) var batchSize: Int?
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        var options = GCOptions()
        options.unusedFor = try unusedFor.map { try Self.duration($0, option: "--unused-for") }
        options.maxSize = try maxSize.map { try Self.size($0) }
        options.refusedOlderThan = try refusedOlderThan.map { try Self.duration($0, option: "--refused-older-than") }
        if let keepLatest, keepLatest < 0 { throw ValidationError("--keep-latest must be 0 or more") }
        options.keepLatest = keepLatest
        options.grace = try Self.duration(grace, option: "--grace")
        options.recentlyUsed = try Self.duration(recent, option: "--recent")
        options.dryRun = dryRun
        if let batchSize {
            guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
            options.batchSize = batchSize
        }
        let store = try storeOptions.openExisting()

        let items = ItemCollector()
        if dryRun {
            let json = json
            options.onItem = { item in
                if json {
                    items.append(item)
                } else {
                    let what = item.digest?.hex ?? item.path ?? ""
                    Output.line("would remove  \(item.reason.rawValue)  \(what)  \(item.bytes)  \(item.detail)")
                }
            }
        }
        let progress = ProgressLine()
        if progress.isActive {
            options.progress = { state in
                progress.update(fraction: nil, text: "gc: \(state.phase): \(state.itemsRemoved) removed, \(Output.humanSize(state.bytesRemoved)) freed")
            }
        }
        let report = try store.gc(options)
        progress.finish()
        if json {
            try Output.printJSON(GCReportJSON(report, items: dryRun ? items.items : nil))
            return
        }
        let total = report.total
        let verb = dryRun ? "would remove" : "removed"
        var parts: [String] = []
        for reason in GCReason.allCases {
            guard let tally = report.removed[reason], tally.count > 0 else { continue }
            parts.append("\(tally.count) \(reason.rawValue)\(tally.bytes > 0 ? " (\(Output.humanSize(tally.bytes)))" : "")")
        }
        Output.line("\(verb) \(total.count) item(s), \(Output.humanSize(total.bytes))\(parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))")
        if report.evictedResponses > 0 { Output.line("\(report.evictedResponses) response(s) \(dryRun ? "would be" : "were") evicted (their rows stay; explain says why)") }
        Output.line("blobs: \(report.blobsBefore) (\(Output.humanSize(report.bytesBefore))) -> \(report.blobsAfter) (\(Output.humanSize(report.bytesAfter)))" + String(format: " in %.1fs", report.durationSeconds))
        if report.maxSizeMet == false {
            Output.line("the blobs still exceed --max-size: the rest is pinned, leased, unreferenced-but-recent or used in the last \(recent)")
        }
    }

    final class ItemCollector: Sendable {
        private let collected = Mutex<[GCItem]>([])
        func append(_ item: GCItem) { collected.withLock { $0.append(item) } }
        var items: [GCItem] { collected.withLock { $0 } }
    }

    /// `90s`, `30m`, `12h`, `30d`, `2w`, or plain seconds.
    static func duration(_ text: String, option: String) throws -> TimeInterval {
        let units: [(String, Double)] = [("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800)]
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            if let value = Double(trimmed.dropLast(suffix.count)), value >= 0, value.isFinite { return value * factor }
        }
        if let value = Double(trimmed), value >= 0, value.isFinite { return value }
        throw ValidationError("\(option) takes a duration such as 90s, 30m, 12h, 30d or 2w (got \"\(text)\")")
    }

    /// `20GiB`, `500MB`, `1.5T` (binary units either way, as du and ls -h), or plain bytes.
    static func size(_ text: String) throws -> Int64 {
        var trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        for suffix in ["ib", "b"] where trimmed.hasSuffix(suffix) {
            trimmed.removeLast(suffix.count)
            break
        }
        let factors: [Character: Double] = ["k": 0x1p10, "m": 0x1p20, "g": 0x1p30, "t": 0x1p40, "p": 0x1p50]
        var factor = 1.0
        if let last = trimmed.last, let unit = factors[last] {
            factor = unit
            trimmed.removeLast()
        }
        guard let value = Double(trimmed), value >= 0, value * factor < 9e18 else {
            throw ValidationError("--max-size takes a size such as 20GiB, 500MB or 1048576 (got \"\(text)\")")
        }
        return Int64(value * factor)
    }
}

import ArgumentParser
import ArtifactStore
import Foundation

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List stored blobs (digest, size, last use), or recorded responses with --responses.",
        discussion: """
            Human output: DIGEST  SIZE  LAST-USED, with QUARANTINED after blobs that failed \
            verification. With --json, one array of objects as `show --json DIGEST` prints them.

            With --responses: STATUS  DISPOSITION  FRESHNESS  URL per recorded response (stored, \
            refused or archived), filtered by --refused, --stale and --host; with --json, one \
            array of response objects as `explain --json` prints them under "responses", plus "url".
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "Order: digest, last-used (most recent first) or size (largest first).") var sort: SortOrder = .digest
    @Option(help: "Show at most this many blobs.") var limit: Int?
    @Flag(help: "Print the result as JSON.") var json = false
    @Flag(help: "List recorded responses instead of blobs.") var responses = false
    @Flag(help: "With --responses: only responses refused by HTTP rules (and archived ones).") var refused = false
    @Flag(help: "With --responses: only responses that are stale now.") var stale = false
    @Option(help: "With --responses: only responses from this host.") var host: String?

    enum SortOrder: String, ExpressibleByArgument, CaseIterable {
        case digest
        case lastUsed = "last-used"
        case size

        var blobOrder: BlobOrder {
            switch self {
            case .digest: .digest
            case .lastUsed: .lastUsed
            case .size: .size
            }
        }
    }

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
        if !responses && (refused || stale || host != nil) {
            throw ValidationError("--refused, --stale and --host filter responses: add --responses")
        }
    }

    func run() throws {
        let store = try storeOptions.openExisting()
        if responses { return try listResponses(store) }
        var first = true
        if json { FileHandle.standardOutput.write(Data("[".utf8)) }
        // Streamed: a store with a million blobs lists in constant memory.
        try store.forEachBlob(order: sort.blobOrder, limit: limit) { info in
            if json {
                let element = try Output.json(BlobJSON(info))
                FileHandle.standardOutput.write(Data(((first ? "" : ",") + element).utf8))
            } else {
                let size = Output.humanSize(info.size).padding(toLength: 10, withPad: " ", startingAt: 0)
                let flag = info.quarantinedAt == nil ? "" : "  QUARANTINED"
                Output.line("\(info.digest.hex)  \(size)  \(Timestamp.iso8601(info.lastUsedAt))\(flag)")
            }
            first = false
        }
        if json { Output.line("]") }
    }

    private func listResponses(_ store: Store) throws {
        let now = Date()
        let filter = ResponseFilter(refusedOnly: refused, staleAt: stale ? now : nil, host: host)
        var first = true
        if json { FileHandle.standardOutput.write(Data("[".utf8)) }
        try store.forEachResponse(matching: filter, limit: limit) { record in
            if json {
                let element = try Output.json(ListedResponseJSON(url: record.url, response: ResponseJSON(record)))
                FileHandle.standardOutput.write(Data(((first ? "" : ",") + element).utf8))
            } else {
                let nowSeconds = Int64(now.timeIntervalSince1970)
                let freshness = record.disposition == .refused ? "-"
                    : record.expiresAt.unixSeconds > nowSeconds ? "fresh \(VerdictReason.duration(record.expiresAt.unixSeconds - nowSeconds))"
                    : "stale \(VerdictReason.duration(nowSeconds - record.expiresAt.unixSeconds))"
                Output.line("\(record.status)  \(record.disposition.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  \(freshness.padding(toLength: 14, withPad: " ", startingAt: 0))  \(record.method == "GET" ? "" : record.method + " ")\(record.url)")
            }
            first = false
        }
        if json { Output.line("]") }
    }
}

/// A response in `ls --responses --json`: its URL, then the fields `explain --json` prints.
private struct ListedResponseJSON: Encodable {
    var url: String
    var response: ResponseJSON

    func encode(to encoder: any Encoder) throws {
        try response.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(url, forKey: .url)
    }
    enum Key: String, CodingKey { case url }
}

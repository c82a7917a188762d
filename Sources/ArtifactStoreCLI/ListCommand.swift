import ArgumentParser
import ArtifactStore
import Foundation

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List stored blobs: digest, size, last use.",
        discussion: """
            Human output: DIGEST  SIZE  LAST-USED, with QUARANTINED after blobs that failed \
            verification. With --json, one array of objects as `show --json` prints them.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "Order: digest, last-used (most recent first) or size (largest first).") var sort: SortOrder = .digest
    @Option(help: "Show at most this many blobs.") var limit: Int?
    @Flag(help: "Print the result as JSON.") var json = false

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
    }

    func run() throws {
        let store = try storeOptions.openExisting()
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
}

import ArgumentParser
import ArtifactStore

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show what the store records about a blob.",
        discussion: """
            Prints the blob's size, when it was stored, last used and last verified, whether it is \
            quarantined, and its file. With --json: {"digest", "size", "createdAt", "lastUsedAt", \
            "verifiedAt", "quarantinedAt", "quarantineReason", "path"} (times in ISO 8601 UTC, null \
            when unset). Exit status 1 when the store has no such blob.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Flag(help: "Print the result as JSON.") var json = false
    @Argument(help: ArgumentHelp("The blob's digest.", valueName: "digest")) var digest: String

    func run() throws {
        let digest = try BlobDigest(validating: digest)
        let store = try storeOptions.openExisting()
        guard let info = try store.blob(digest) else {
            throw StoreError(.notFound, "no blob \(digest.hex) in the store at \(store.layout.rootPath); `artifact-store ls` lists what is stored")
        }
        let path = store.path(of: digest)
        if json {
            try Output.printJSON(BlobJSON(info, path: path))
            return
        }
        var lines = [
            ("digest", "sha256:\(info.digest.hex)"),
            ("size", "\(info.size) bytes (\(Output.humanSize(info.size)))"),
            ("stored", Timestamp.iso8601(info.createdAt)),
            ("last used", Timestamp.iso8601(info.lastUsedAt)),
            ("verified", info.verifiedAt.map(Timestamp.iso8601) ?? "at ingest only"),
        ]
        if let quarantinedAt = info.quarantinedAt {
            lines.append(("quarantined", "\(Timestamp.iso8601(quarantinedAt)): \(info.quarantineReason ?? "content mismatch")"))
        }
        lines.append(("file", path))
        for (label, value) in lines {
            Output.line((label + ":").padding(toLength: 13, withPad: " ", startingAt: 0) + value)
        }
    }
}

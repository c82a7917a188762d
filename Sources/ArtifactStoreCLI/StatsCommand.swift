import ArgumentParser
import ArtifactStore

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Summarize a store: blobs, bytes, database size, format.",
        discussion: """
            With --json: {"path", "formatVersion", "schemaVersion", "blobCount", "blobBytes", \
            "quarantinedBlobCount", "databaseBytes", "metadataServer"} (metadataServer: where \
            --metadata keeps the records, absent for SQLite). Quarantined blobs are not counted in \
            blobCount and blobBytes.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Flag(help: "Print the result as JSON.") var json = false

    func run() throws {
        let stats = try storeOptions.openExisting().stats()
        if json {
            try Output.printJSON(stats)
            return
        }
        for (label, value) in [
            ("store", stats.path),
            ("format", "\(stats.formatVersion) (schema \(stats.schemaVersion))"),
            ("blobs", "\(stats.blobCount) (\(Output.humanSize(stats.blobBytes)))"),
            ("quarantined", "\(stats.quarantinedBlobCount)"),
            ("database", stats.metadataServer ?? Output.humanSize(stats.databaseBytes)),
        ] {
            Output.line((label + ":").padding(toLength: 13, withPad: " ", startingAt: 0) + value)
        }
    }
}

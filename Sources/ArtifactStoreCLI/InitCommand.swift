import ArgumentParser
import ArtifactStore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a store, or check that an existing one opens.",
        discussion: """
            Creates the store directory (mode 0700) with its database, blobs/, tmp/ and quarantine/. \
            Running it on an existing store is harmless: it migrates an older store and reports its path.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Flag(help: "Print the store's summary as JSON, as `stats --json` does.") var json = false

    func run() throws {
        let store = try storeOptions.openStore(at: storeOptions.directory())
        let stats = try store.stats()
        if json {
            try Output.printJSON(stats)
        } else {
            Output.line("artifact store ready at \(stats.path) (format \(stats.formatVersion), \(stats.blobCount) blobs)")
        }
    }
}

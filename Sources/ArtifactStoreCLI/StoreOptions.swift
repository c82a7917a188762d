import ArgumentParser
import ArtifactStore
import Foundation

/// The options every command that touches a store shares.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The store directory.",
            discussion: "Defaults to $ARTIFACT_STORE_DIR, else $XDG_CACHE_HOME/artifact-store, else ~/.cache/artifact-store.",
            valueName: "path"))
    var store: String?

    /// The store directory these options name.
    func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let store { return URL(fileURLWithPath: store) }
        if let path = environment["ARTIFACT_STORE_DIR"], !path.isEmpty { return URL(fileURLWithPath: path) }
        // XDG Base Directory: a relative XDG_CACHE_HOME is invalid and must be ignored.
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") {
            return URL(fileURLWithPath: cache).appending(path: "artifact-store")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.homeDirectoryForCurrentUser.path
        return URL(fileURLWithPath: home).appending(path: ".cache/artifact-store")
    }

    /// Opens (creating if needed) the store.
    func open() throws -> Store {
        try Store.open(at: directory())
    }

    /// Opens an existing store; a missing one is an error that says how to create it, so that a
    /// mistyped `--store` does not silently create an empty store.
    func openExisting(recreatingMissingDatabase: Bool = false) throws -> Store {
        let url = directory()
        guard FileManager.default.fileExists(atPath: url.appending(path: "STORE-FORMAT").path(percentEncoded: false)) else {
            throw StoreError(.unusableStore, "no artifact store at \(url.path(percentEncoded: false)); create one with `artifact-store init` (or `put` a file), or point --store / ARTIFACT_STORE_DIR at an existing store")
        }
        var options = Store.Options()
        options.recreatesMissingDatabase = recreatingMissingDatabase
        return try Store.open(at: url, options: options)
    }
}

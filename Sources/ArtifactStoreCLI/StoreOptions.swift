import ArgumentParser
import ArtifactStore
import Foundation

/// The options every command that touches a store shares. They may also be typed before the
/// command name (`GlobalOptions`).
struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The store directory.",
            discussion: "Defaults to $ARTIFACT_STORE_DIR, else the config file's store, else $XDG_CACHE_HOME/artifact-store, else ~/.cache/artifact-store. May also come before the command name: artifact-store --store PATH ls.",
            valueName: "path"))
    var store: String?
    @Option(help: ArgumentHelp(
        "A configuration file (default: $ARTIFACT_STORE_CONFIG, else $XDG_CONFIG_HOME/artifact-store/config.toml, else ~/.config/artifact-store/config.toml).",
        valueName: "file"))
    var config: String?

    /// The store directory these options name.
    func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        URL(fileURLWithPath: resolvedDirectory(environment: environment).path)
    }

    /// The store directory and where that choice came from (`config show`).
    func resolvedDirectory(environment: [String: String] = ProcessInfo.processInfo.environment, config: ConfigFile? = ConfigFile.active) -> (path: String, source: String) {
        if let store { return (store, "--store") }
        if let path = environment["ARTIFACT_STORE_DIR"], !path.isEmpty { return (path, "ARTIFACT_STORE_DIR") }
        if let config, let store = config.store { return (store, config.path) }
        // XDG Base Directory: a relative XDG_CACHE_HOME is invalid and must be ignored.
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") {
            return (cache + "/artifact-store", "XDG_CACHE_HOME")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.homeDirectoryForCurrentUser.path
        return (home + "/.cache/artifact-store", "default")
    }

    /// Opens (creating if needed) the store; a store created here is announced on standard
    /// error, so that a mistyped `--store` does not go unnoticed.
    func open() throws -> Store {
        let url = directory()
        let existed = FileManager.default.fileExists(atPath: url.appending(path: "STORE-FORMAT").path(percentEncoded: false))
        let store = try Store.open(at: url)
        if !existed { Output.error("artifact-store: created a new store at \(url.path(percentEncoded: false))") }
        return store
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

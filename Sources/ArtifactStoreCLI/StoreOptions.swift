import ArgumentParser
import ArtifactStore
import ArtifactStorePostgres
import ArtifactStoreS3
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
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Keep the store's metadata in PostgreSQL instead of SQLite in the store directory.",
            discussion: "A postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME] URL (the password may come from PGPASSWORD instead; the schema defaults to the user's search_path); defaults to $ARTIFACT_STORE_METADATA. The schema is created or migrated on first use. The store directory then holds this machine's blob files: with --blobs, its cache of the shared bucket; without, blobs only this machine has. May also come before the command name.",
            valueName: "url"))
    var metadata: String?
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Keep the store's blobs in an S3-compatible bucket, with the store directory as this machine's verified cache of them.",
            discussion: "s3://BUCKET?endpoint=http://HOST:PORT&region=REGION (endpoint and region default to AWS_ENDPOINT_URL and AWS_REGION, then AWS's own); credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN). Defaults to $ARTIFACT_STORE_BLOBS. With --metadata, machines naming the same database and bucket share one store. May also come before the command name.",
            valueName: "url"))
    var blobs: String?

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

    /// `--metadata`, else `ARTIFACT_STORE_METADATA`.
    func metadataURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        metadata ?? environment["ARTIFACT_STORE_METADATA"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The PostgreSQL metadata `--metadata` or `ARTIFACT_STORE_METADATA` names, opened and
    /// migrated; nil for SQLite.
    func metadataServer(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresMetadata? {
        guard let url = metadataURL(environment: environment) else { return nil }
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw StoreError(.invalidInput, "--metadata takes a postgres://USER@HOST[:PORT]/DATABASE URL (SQLite in the store directory is the default and needs no option)")
        }
        var options = PostgresMetadata.Options()
        // `?schema=NAME`: several stores in one database, each in a schema of its own.
        options.schema = URLComponents(string: url)?.queryItems?.first { $0.name == "schema" }?.value
        return try PostgresMetadata.openWaiting(try PostgresLocation(parsing: url, environment: environment), options: options)
    }

    /// The bucket `--blobs` or `ARTIFACT_STORE_BLOBS` names; nil for the store directory alone.
    func remoteBlobs(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> S3BlobStorage? {
        guard let url = blobs ?? environment["ARTIFACT_STORE_BLOBS"].flatMap({ $0.isEmpty ? nil : $0 }) else { return nil }
        return S3BlobStorage(location: try S3Location(parsing: url, environment: environment), credentials: try S3Credentials.fromEnvironment(environment))
    }

    /// Opens the store at `url` with `options`, its metadata and blobs where
    /// ``metadataServer(environment:)`` and ``remoteBlobs(environment:)`` say.
    func openStore(at url: URL, options: Store.Options = Store.Options()) throws -> Store {
        var options = options
        options.remoteBlobs = try remoteBlobs()
        if options.remoteBlobs != nil, metadataURL() == nil {
            // Each store's gc would delete the objects that only the others' records name.
            throw StoreError(.invalidInput, "--blobs needs --metadata: a bucket is shared through the records that name its objects, which must then live in PostgreSQL (postgres://…), not in one machine's SQLite")
        }
        if let server = try metadataServer() { return try Store.open(at: url, metadata: server, options: options) }
        return try Store.open(at: url, options: options)
    }

    /// Opens (creating if needed) the store; a store created here is announced on standard
    /// error, so that a mistyped `--store` does not go unnoticed.
    func open() throws -> Store {
        let url = directory()
        let existed = FileManager.default.fileExists(atPath: url.appending(path: "STORE-FORMAT").path(percentEncoded: false))
        let store = try openStore(at: url)
        if !existed { Output.error("artifact-store: created a new store at \(url.path(percentEncoded: false))") }
        return store
    }

    /// Opens an existing store; a missing one is an error that says how to create it, so that a
    /// mistyped `--store` does not silently create an empty store.
    /// With `--metadata` the store is the server's: this machine's directory is created if needed.
    func openExisting(recreatingMissingDatabase: Bool = false) throws -> Store {
        let url = directory()
        if metadataURL() != nil { return try openStore(at: url) }
        guard FileManager.default.fileExists(atPath: url.appending(path: "STORE-FORMAT").path(percentEncoded: false)) else {
            throw StoreError(.unusableStore, "no artifact store at \(url.path(percentEncoded: false)); create one with `artifact-store init` (or `put` a file), or point --store / ARTIFACT_STORE_DIR at an existing store")
        }
        var options = Store.Options()
        options.recreatesMissingDatabase = recreatingMissingDatabase
        return try openStore(at: url, options: options)
    }
}

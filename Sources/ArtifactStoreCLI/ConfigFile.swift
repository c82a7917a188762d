import ArtifactStore
import Foundation
import TOMLKit

/// `config.toml`: defaults for the store path, the policy, `serve`, and index policies applied
/// when `serve` starts. Flags and environment variables override it.
///
/// Looked up at `--config FILE`, else `$ARTIFACT_STORE_CONFIG`, else
/// `$XDG_CONFIG_HOME/artifact-store/config.toml`, else `~/.config/artifact-store/config.toml`.
/// A missing default file is no configuration; a missing named file is an error.
///
/// ```toml
/// store = "/srv/artifact-store"
/// policy = "offline"
///
/// [serve]
/// host = "127.0.0.1"
/// port = 3141
/// offline = false
/// strict-http = false
/// indexes = ["internal=https://pkgs.example.com/simple", "pypi=https://pypi.org/simple"]
///
/// [[index-policy]]
/// prefix = "https://download.pytorch.org/whl/"
/// files = "max-age=365000000, immutable"
/// pages = "max-age=600"
/// archive = false
/// ```
struct ConfigFile: Sendable {
    var path: String
    var store: String?
    var policy: CachePolicy?
    var serveHost: String?
    var servePort: Int?
    var serveOffline: Bool?
    var serveStrictHTTP: Bool?
    var serveIndexes: [String]?
    var indexPolicies: [IndexPolicy] = []

    /// The configuration of this process, read once before the command line is parsed.
    nonisolated(unsafe) static var active: ConfigFile?

    /// Where the configuration is looked up, and whether the user named it.
    static func location(arguments: [String], environment: [String: String]) -> (path: String, explicit: Bool)? {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            if argument == "--" { break }
            if argument == "--config", let value = iterator.next() { return (value, true) }
            if argument.hasPrefix("--config=") { return (String(argument.dropFirst("--config=".count)), true) }
        }
        if let path = environment["ARTIFACT_STORE_CONFIG"], !path.isEmpty { return (path, true) }
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") { return (config + "/artifact-store/config.toml", false) }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return (home + "/.config/artifact-store/config.toml", false)
    }

    /// Reads the configuration the arguments and environment point at (nil when there is none).
    static func load(arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConfigFile? {
        guard let (path, explicit) = location(arguments: arguments, environment: environment) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            if explicit || FileManager.default.fileExists(atPath: path) {
                throw StoreError(.invalidInput, "cannot read the configuration file \(path); check the path (--config or ARTIFACT_STORE_CONFIG)")
            }
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else { throw StoreError(.invalidInput, "\(path) is not UTF-8 text") }
        return try parse(text, path: path, home: environment["HOME"])
    }

    static let topKeys: Set<String> = ["store", "policy", "serve", "index-policy"]
    static let serveKeys: Set<String> = ["host", "port", "offline", "strict-http", "indexes"]
    static let policyKeys: Set<String> = ["prefix", "files", "pages", "archive", "note"]

    /// Parses a configuration; every unknown key and wrong type is an error naming it.
    static func parse(_ text: String, path: String, home: String? = nil) throws -> ConfigFile {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw StoreError(.invalidInput, "\(path):\(error.source.begin.line): not valid TOML (column \(error.source.begin.column): \(error.description))")
        }
        func fail(_ message: String) -> StoreError { StoreError(.invalidInput, "\(path): \(message)") }
        func unknown(_ keys: some Sequence<String>, allowed: Set<String>, in section: String) throws {
            if let key = keys.first(where: { !allowed.contains($0) }) {
                throw fail("unknown key \(section.isEmpty ? "" : section + ".")\(key); known keys\(section.isEmpty ? "" : " in [\(section)]"): \(allowed.sorted().joined(separator: ", "))")
            }
        }
        func string(_ value: TOMLValueConvertible?, _ key: String) throws -> String? {
            guard let value else { return nil }
            guard let text = value.string else { throw fail("\(key) must be a string") }
            return text
        }
        func bool(_ value: TOMLValueConvertible?, _ key: String) throws -> Bool? {
            guard let value else { return nil }
            guard value.type == .bool, let flag = value.bool else { throw fail("\(key) must be true or false") }
            return flag
        }
        try unknown(table.keys, allowed: topKeys, in: "")
        var config = ConfigFile(path: path)
        if let store = try string(table["store"], "store") {
            config.store = store.hasPrefix("~/") ? (home ?? NSHomeDirectory()) + store.dropFirst(1) : store
        }
        if let policy = try string(table["policy"], "policy") {
            guard let value = CachePolicy(rawValue: policy) else { throw fail("policy is online, offline or archive; got \"\(policy)\"") }
            config.policy = value
        }
        if let serve = table["serve"] {
            guard let section = serve.table else { throw fail("serve must be a table: [serve]") }
            try unknown(section.keys, allowed: serveKeys, in: "serve")
            config.serveHost = try string(section["host"], "serve.host")
            if let port = section["port"] {
                guard port.type == .int, let value = port.int, (0...65_535).contains(value) else { throw fail("serve.port must be a number from 0 to 65535") }
                config.servePort = value
            }
            config.serveOffline = try bool(section["offline"], "serve.offline")
            config.serveStrictHTTP = try bool(section["strict-http"], "serve.strict-http")
            if let indexes = section["indexes"] {
                guard let items = indexes.array else { throw fail("serve.indexes must be an array of \"NAME=URL\" strings") }
                config.serveIndexes = try items.map { item in
                    guard let text = item.string else { throw fail("serve.indexes must be an array of \"NAME=URL\" strings") }
                    return text
                }
            }
        }
        if let policies = table["index-policy"] {
            guard let items = policies.array else { throw fail("index-policy must be an array of tables: [[index-policy]]") }
            for (position, item) in items.enumerated() {
                let context = "index-policy #\(position + 1)"
                guard let section = item.table else { throw fail("\(context) must be a table") }
                try unknown(section.keys, allowed: policyKeys, in: "index-policy")
                guard let prefix = try string(section["prefix"], "\(context).prefix") else { throw fail("\(context) has no prefix") }
                let files = try string(section["files"], "\(context).files"), pages = try string(section["pages"], "\(context).pages")
                let archive = try bool(section["archive"], "\(context).archive") ?? false
                guard files != nil || pages != nil || archive else { throw fail("\(context) says nothing: give files, pages and/or archive = true") }
                config.indexPolicies.append(IndexPolicy(urlPrefix: prefix, fileCacheControl: files, pageCacheControl: pages, archiveRefused: archive,
                                                        note: try string(section["note"], "\(context).note") ?? "from \(path)"))
            }
        }
        return config
    }
}

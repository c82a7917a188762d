import ArgumentParser
import ArtifactStore
import Foundation

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the effective settings and where each comes from.",
        discussion: """
            Settings come from flags, then environment variables, then the configuration file, \
            then defaults. The file is --config FILE, else $ARTIFACT_STORE_CONFIG, else \
            $XDG_CONFIG_HOME/artifact-store/config.toml, else ~/.config/artifact-store/config.toml:

              store = "/srv/artifact-store"
              policy = "offline"                  # can-install, export, explain

              [serve]
              host = "127.0.0.1"
              port = 3141
              offline = false
              strict-http = false
              indexes = ["internal=https://pkgs.example.com/simple", "pypi=https://pypi.org/simple"]

              [[index-policy]]                    # set when serve starts
              prefix = "https://download.pytorch.org/whl/"
              files = "max-age=365000000, immutable"
              pages = "max-age=600"

            An unknown key is an error, so a typo never silently falls back to a default.
            """,
        subcommands: [Show.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Print the effective settings with their sources.",
            discussion: "--json prints {\"configFile\", \"settings\": [{\"name\", \"value\", \"source\"}]}.")

        @OptionGroup var storeOptions: StoreOptions
        @Flag(help: "Print the result as JSON.") var json = false

        func run() throws {
            let config = ConfigFile.active
            let file = config?.path
            func source(_ present: Bool) -> String { present ? file ?? "default" : "default" }
            let store = storeOptions.resolvedDirectory()
            var settings: [(String, String, String)] = [
                ("store", store.path, store.source),
                ("policy", (config?.policy ?? .offline).rawValue, source(config?.policy != nil)),
                ("serve.host", config?.serveHost ?? "127.0.0.1", source(config?.serveHost != nil)),
                ("serve.port", String(config?.servePort ?? 3141), source(config?.servePort != nil)),
                ("serve.offline", String(config?.serveOffline ?? false), source(config?.serveOffline != nil)),
                ("serve.strict-http", String(config?.serveStrictHTTP ?? false), source(config?.serveStrictHTTP != nil)),
                ("serve.indexes", (config?.serveIndexes ?? ["pypi=https://pypi.org/simple"]).map { RecordedURL.redacted($0, replacement: "") }.joined(separator: " "),
                 source(config?.serveIndexes != nil)),
            ]
            for policy in config?.indexPolicies ?? [] {
                settings.append(("index-policy \(RecordedURL.redacted(policy.urlPrefix, replacement: ""))", IndexPolicyCommand.List.describe(policy), file ?? ""))
            }
            if json {
                try Output.printJSON(ConfigJSON(configFile: file, settings: settings.map { ConfigJSON.Setting(name: $0.0, value: $0.1, source: $0.2) }))
                return
            }
            Output.line("config file: \(file ?? "none (\(ConfigFile.location(arguments: [], environment: ProcessInfo.processInfo.environment)?.path ?? "no HOME") does not exist)")")
            let width = settings.map(\.0.count).max() ?? 0
            for (name, value, source) in settings {
                Output.line(name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value + "  (" + source + ")")
            }
        }
    }
}

/// `config show --json`: the configuration file read (or null) and every setting with the
/// value in effect and where it came from.
struct ConfigJSON: Encodable {
    @ExplicitNull var configFile: String?
    var settings: [Setting]

    /// One setting.
    struct Setting: Encodable {
        var name: String
        var value: String
        var source: String
    }
}

import Foundation
import Testing

/// `config.toml`: defaults for the store, the policy and `serve`; flags and the environment win.
@Suite("config file: defaults that flags override, shown with their sources")
struct ConfigTests {
    static func settings(_ result: CommandResult) throws -> [String: (value: String, source: String)] {
        let json = try #require(try result.json() as? [String: Any])
        var settings: [String: (String, String)] = [:]
        for item in json["settings"] as? [[String: String]] ?? [] { settings[item["name"]!] = (item["value"]!, item["source"]!) }
        return settings
    }

    @Test("the config file's store and policy are used, and config show names their source; --store overrides it")
    func configSetsStoreAndPolicy() throws {
        let scratch = try Scratch()
        let config = try scratch.file("config.toml", Data("""
            store = "\(scratch.path)/configured"
            policy = "archive"
            """.utf8))
        let shown = try run(["config", "show", "--json", "--config", config])
        #expect(shown.status == 0, "\(shown.stderr)")
        let settings = try Self.settings(shown)
        #expect(settings["store"]?.value == scratch.path + "/configured")
        #expect(settings["store"]?.source == config)
        #expect(settings["policy"]?.value == "archive")
        #expect(settings["serve.port"]?.source == "default")

        let flag = try Self.settings(try run(["config", "show", "--json", "--config", config, "--store", scratch.path + "/flag"]))
        #expect(flag["store"]?.value == scratch.path + "/flag")
        #expect(flag["store"]?.source == "--store")

        // The store the file names is the one commands use; explain reports the configured policy.
        #expect(try run(["init", "--config", config]).status == 0)
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/configured/STORE-FORMAT"))
        let explained = try run(["explain", "https://example.org/simple/x/", "--json", "--config", config])
        #expect((try explained.json() as? [String: Any])?["policy"] as? String == "archive")
        let overridden = try run(["explain", "https://example.org/simple/x/", "--json", "--policy", "online", "--config", config])
        #expect((try overridden.json() as? [String: Any])?["policy"] as? String == "online")
    }

    @Test("a typo or a wrong type in the config file is an error that names the key", arguments: [
        ("polcy = \"offline\"\n", "unknown key polcy"),
        ("[serve]\nprot = 1\n", "unknown key serve.prot"),
        ("[serve]\nport = 70000\n", "serve.port must be a number from 0 to 65535"),
        ("policy = \"sometimes\"\n", "policy is online, offline or archive"),
        ("[[index-policy]]\nprefix = \"https://x/\"\n", "says nothing"),
        ("store = [\n", "config.toml:1: not valid TOML"),
    ])
    func badConfigIsAnErrorNamingTheKey(text: String, expected: String) throws {
        let scratch = try Scratch()
        let config = try scratch.file("config.toml", Data(text.utf8))
        let result = try run(["config", "show", "--config", config])
        #expect(result.status == 64)
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }

    @Test("a named config file that does not exist is an error; a missing default one is no configuration")
    func missingConfigFile() throws {
        let scratch = try Scratch()
        let named = try run(["config", "show", "--config", scratch.path + "/nope.toml"])
        #expect(named.status == 64)
        #expect(named.stderr.contains("cannot read the configuration file"))
        let none = try run(["config", "show"], environment: ["XDG_CONFIG_HOME": scratch.path, "ARTIFACT_STORE_CONFIG": ""])
        #expect(none.status == 0, "\(none.stderr)")
        #expect(none.output.contains("config file: none"))
    }

    @Test("serve takes its indexes, offline mode and index policies from [serve] and [[index-policy]]")
    func serveUsesTheConfigFile() throws {
        let scratch = try Scratch()
        let config = try scratch.file("config.toml", Data("""
            [serve]
            offline = true
            indexes = ["up=https://user:secret@packages.example.org/simple"]

            [[index-policy]]
            prefix = "https://packages.example.org/"
            files = "max-age=31536000, immutable"
            """.utf8))
        let serve = try ServeProcess(store: scratch.store, indexes: [], options: ["--config", config], logPath: scratch.path + "/serve.log")
        let status = try #require(try JSONSerialization.jsonObject(with: httpGet(serve.base + "-/status").body) as? [String: Any])
        #expect(status["offline"] as? Bool == true)
        let indexes = try #require(status["indexes"] as? [[String: Any]])
        #expect(indexes.map { $0["name"] as? String } == ["up"])
        serve.stop()
        let policies = try run(["index-policy", "ls", "--json"], store: scratch.store)
        #expect(policies.output.contains("https://packages.example.org/"))
        let shown = try run(["config", "show", "--config", config])
        #expect(!shown.output.contains("secret"), "credentials are never printed: \(shown.output)")
    }

    @Test("a command that creates a store says so on standard error; init does not repeat it")
    func creatingAStoreIsAnnounced() throws {
        let scratch = try Scratch()
        let file = try scratch.file("a.txt", Data("hello".utf8))
        let put = try run(["put", file, "--store", scratch.path + "/typo"])
        #expect(put.status == 0)
        #expect(put.stderr.contains("created a new store at \(scratch.path)/typo"))
        let again = try run(["put", file, "--store", scratch.path + "/typo"])
        #expect(!again.stderr.contains("created a new store"))
        let initialized = try run(["init", "--store", scratch.path + "/other"])
        #expect(!initialized.stderr.contains("created a new store"))
    }
}

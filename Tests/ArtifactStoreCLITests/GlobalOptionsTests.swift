import Foundation
import Testing

/// `--store` and `--config` where people type them: before the command name as well as after it.
@Suite("global options before or after the command")
struct GlobalOptionsTests {
    /// A store holding one file; ARTIFACT_STORE_DIR points elsewhere, so only `--store` finds it.
    private static func storeWithOneFile(_ scratch: Scratch) throws -> String {
        let file = try scratch.file("hello.txt", Data("hello\n".utf8))
        let put = try run(["put", "--store", scratch.store, file], store: scratch.path + "/elsewhere")
        #expect(put.status == 0, "\(put.stderr)")
        return scratch.store
    }

    @Test("--store PATH works before the command as after it, in both spellings", arguments: [
        ["--store", "STORE", "ls"], ["ls", "--store", "STORE"], ["--store=STORE", "ls"], ["ls", "--store=STORE"],
        ["--store", "STORE", "ls", "--store", "STORE"],
    ])
    func storeBeforeOrAfter(arguments: [String]) throws {
        let scratch = try Scratch()
        let store = try Self.storeWithOneFile(scratch)
        let listed = try run(arguments.map { $0.replacingOccurrences(of: "STORE", with: store) }, store: scratch.path + "/elsewhere")
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.output.contains("5891b5b522d5"), "\(listed.output)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/elsewhere/store.sqlite"), "the other store was not used")
    }

    @Test("a global option before a nested command reaches the innermost command")
    func storeBeforeNestedCommand() throws {
        let scratch = try Scratch()
        let store = try Self.storeWithOneFile(scratch)
        let set = try run(["--store", store, "index-policy", "set", "https://example.org/", "--pages", "max-age=600"])
        #expect(set.status == 0, "\(set.stderr)")
        let listed = try run(["index-policy", "ls", "--store=" + store])
        #expect(listed.output.contains("https://example.org/"), "\(listed.output)")
    }

    @Test("--config before the command is read as after it")
    func configBeforeCommand() throws {
        let scratch = try Scratch()
        let config = try scratch.file("config.toml", Data("policy = \"archive\"\n".utf8))
        let shown = try run(["--config", config, "config", "show", "--json"], store: scratch.store)
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect((try shown.json() as? [String: Any])?["configFile"] as? String == config)
    }

    @Test("--store given twice with different values is a usage error naming both")
    func conflictingValues() throws {
        let scratch = try Scratch()
        let result = try run(["--store", scratch.path + "/a", "ls", "--store=" + scratch.path + "/b"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--store was given twice with different values"), "\(result.stderr)")
        #expect(result.stderr.contains(scratch.path + "/a") && result.stderr.contains(scratch.path + "/b"), "\(result.stderr)")
        let twiceBefore = try run(["--store", scratch.path + "/a", "--store", scratch.path + "/b", "ls"])
        #expect(twiceBefore.status == 64)
        #expect(twiceBefore.stderr.contains("given twice with different values"), "\(twiceBefore.stderr)")
    }

    @Test("a global option before a command that does not take it is a usage error naming the command")
    func commandWithoutTheOption() throws {
        let scratch = try Scratch()
        let result = try run(["--store", scratch.store, "debug", "eval"], stdin: Data())
        #expect(result.status == 64)
        #expect(result.stderr.contains("--store was given before 'artifact-store debug eval', which does not take it"), "\(result.stderr)")
    }

    @Test("a misspelled command after a global option still gets its suggestion")
    func misspelledCommandAfterOption() throws {
        let scratch = try Scratch()
        let result = try run(["--store", scratch.store, "lss"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("unknown command 'lss'; did you mean 'ls'"), "\(result.stderr)")
    }

    @Test("--help and --version still work, with a global option before the command too")
    func helpAndVersion() throws {
        let scratch = try Scratch()
        #expect(try run(["--version"]).output == "0.1.0\n")
        let rootHelp = try run(["--help"])
        #expect(rootHelp.status == 0)
        #expect(rootHelp.output.contains("--store and --config may come before the command"), "\(rootHelp.output)")
        let help = try run(["--store", scratch.store, "ls", "--help"])
        #expect(help.status == 0, "\(help.stderr)")
        #expect(help.output.contains("--store <path>"), "\(help.output)")
    }
}

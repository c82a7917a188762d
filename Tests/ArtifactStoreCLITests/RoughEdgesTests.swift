import Foundation
import Testing

/// Runs `artifact-store` with standard output on a pseudo-terminal (Python's pty module), as a
/// person at a terminal would: returns what the terminal showed and the exit status.
func runOnTerminal(_ arguments: [String], store: String, environment: [String: String] = [:]) throws -> (status: Int32, screen: String) {
    let script = """
        import os, pty, sys
        status = pty.spawn(sys.argv[1:])
        sys.exit(os.waitstatus_to_exitcode(status))
        """
    let result = try run(["python3", "-c", script, artifactStoreExecutable.path(percentEncoded: false)] + arguments,
                         executable: URL(fileURLWithPath: "/usr/bin/env"), environment: ["ARTIFACT_STORE_DIR": store, "TERM": "xterm", "NO_COLOR": ""].merging(environment) { $1 })
    return (result.status, result.output + result.stderr)
}

/// The rough edges a new user hit, each through the CLI.
@Suite("rough edges: terminals, digest prefixes, suggestions, explain, colour")
struct RoughEdgesTests {
    @Test("cat refuses to write a binary blob to a terminal and says how to write it to a file; text is shown")
    func catRefusesBinaryOnATerminal() throws {
        let scratch = try Scratch()
        let binary = try scratch.file("b.bin", Data([0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0xFF]))
        let text = try scratch.file("t.txt", Data("hello, terminal\n".utf8))
        let digests = try run(["put", binary, text, "--json"], store: scratch.store).json() as? [[String: Any]]
        let binaryDigest = try #require(digests?.first?["digest"] as? String), textDigest = try #require(digests?.last?["digest"] as? String)

        let refused = try runOnTerminal(["cat", binaryDigest], store: scratch.store)
        #expect(refused.status == 64)
        #expect(refused.screen.contains("is binary and standard output is a terminal"), "\(refused.screen)")
        #expect(refused.screen.contains("> FILE"))
        let shown = try runOnTerminal(["cat", textDigest], store: scratch.store)
        #expect(shown.status == 0)
        #expect(shown.screen.contains("hello, terminal"))
        // Not a terminal: written as asked.
        #expect(try run(["cat", binaryDigest], store: scratch.store).stdout == Data([0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0xFF]))
    }

    @Test("fetch stores a binary body but does not write it to a terminal")
    func fetchRefusesBinaryOnATerminal() throws {
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream")
        try run(["init"], store: scratch.store)
        let fetched = try runOnTerminal(["fetch", upstream.base + "/files/alpha-1.0-py3-none-any.whl"], store: scratch.store)
        #expect(fetched.screen.contains("not writing a binary body"), "\(fetched.screen)")
        #expect(fetched.screen.contains("-o FILE"))
        let check = try run(["can-install", "--lock", try scratch.file("pylock.toml", Data("""
            lock-version = "1.0"
            created-by = "test"
            [[packages]]
            name = "alpha"
            wheels = [{ url = "\(upstream.base)/files/alpha-1.0-py3-none-any.whl", hashes = { sha256 = "\(try upstream.file("alpha", "alpha-1.0-py3-none-any.whl").sha256)" } }]
            """.utf8)), "--python", "3.11", "--platform", "manylinux_2_28_x86_64"], store: scratch.store)
        #expect(check.status == 0, "the body was stored all the same: \(check.output)")
    }

    @Test("a unique digest prefix of 8 or more characters, in any case, names a blob; shorter or ambiguous ones say why")
    func digestPrefixes() throws {
        let scratch = try Scratch()
        let file = try scratch.file("a.txt", Data("prefix me\n".utf8))
        let digest = try #require((try run(["put", file, "--json"], store: scratch.store).json() as? [[String: Any]])?.first?["digest"] as? String)
        #expect(try run(["cat", String(digest.prefix(8))], store: scratch.store).output == "prefix me\n")
        #expect(try run(["cat", "sha256:" + digest.prefix(10).uppercased()], store: scratch.store).output == "prefix me\n")
        #expect(try run(["show", String(digest.prefix(12))], store: scratch.store).status == 0)
        let short = try run(["cat", String(digest.prefix(7))], store: scratch.store)
        #expect(short.status == 64)
        #expect(short.stderr.contains("a unique prefix of at least 8"))
        let absent = try run(["cat", digest.hasPrefix("0") ? "11111111" : "00000000"], store: scratch.store)
        #expect(absent.status == 1)
        #expect(absent.stderr.contains("no blob's digest starts with"))

        // Two blobs sharing a prefix (rows made by hand: a real 8-character collision is rare).
        let database = scratch.store + "/store.sqlite"
        for suffix in ["1", "2"] {
            let fake = "abcdef01" + String(repeating: suffix, count: 56)
            let inserted = try run(["sqlite3", database, "INSERT INTO blob (digest, size, created_at, last_used_at) VALUES ('\(fake)', 1, 0, 0)"],
                                   executable: URL(fileURLWithPath: "/usr/bin/env"))
            try #require(inserted.status == 0, "sqlite3: \(inserted.stderr)")
        }
        let ambiguous = try run(["cat", "ABCDEF01"], store: scratch.store)
        #expect(ambiguous.status == 64)
        #expect(ambiguous.stderr.contains("abcdef01 is ambiguous"))
        #expect(ambiguous.stderr.contains("abcdef01" + String(repeating: "1", count: 56)))
    }

    @Test("a mistyped command gets a suggestion; a bad duration names the flag and its units, not the root usage")
    func suggestionsAndFlagErrors() throws {
        let scratch = try Scratch()
        let typo = try run(["can-instal", "six"], store: scratch.store)
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("unknown command 'can-instal'; did you mean 'can-install'?"))
        try run(["init"], store: scratch.store)
        let duration = try run(["gc", "--unused-for", "30x"], store: scratch.store)
        #expect(duration.status == 64)
        #expect(duration.stderr.contains("artifact-store gc: --unused-for takes a duration such as 90s, 30m, 12h, 30d or 2w"))
        #expect(!duration.stderr.contains("Usage: artifact-store <subcommand>"))
    }

    @Test("explain says a reason once when every policy agrees, naming the policies")
    func explainSaysAgreeingPoliciesOnce() throws {
        let scratch = try Scratch()
        try run(["init"], store: scratch.store)
        let explained = try run(["explain", "https://example.org/simple/nothing/"], store: scratch.store)
        #expect(explained.output.contains("online, offline, archive: ✘ not satisfiable"), "\(explained.output)")
        #expect(explained.output.components(separatedBy: "[never-fetched]").count == 2, "the reason appears once")
    }

    @Test("a + in a path and its %2B spelling are one URL: fetched as one, explained as the other", arguments: [("%2B", "+"), ("+", "%2B")])
    func plusAndItsQuotedSpellingAreOneURL(fetched: String, explained: String) throws {
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream")
        let wheel = "torch-2.0.1\(fetched)cpu-py3-none-any.whl"
        let fetch = try run(["fetch", upstream.base + "/files/" + wheel, "-o", scratch.path + "/torch.whl"], store: scratch.store)
        try #require(fetch.status == 0, "\(fetch.output)")
        let explain = try run(["explain", upstream.base + "/files/torch-2.0.1\(explained)cpu-py3-none-any.whl", "--json"], store: scratch.store)
        #expect(!explain.output.contains("never-fetched"), "\(explain.output)")
        #expect(explain.output.contains("torch-2.0.1%2Bcpu-py3-none-any.whl"), "the URL is recorded in pip's spelling: \(explain.output)")
        #expect(try upstream.requests()["/files/torch-2.0.1+cpu-py3-none-any.whl"] == 1)
    }

    @Test("fetch --json prints the keys docs/json-output.md documents, online and when offline cannot answer")
    func fetchJSONKeysAreTheDocumentedOnes() throws {
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream")
        let fetched = try run(["fetch", upstream.base + "/files/beta-1.0-py3-none-any.whl", "-o", scratch.path + "/beta.whl", "--json"], store: scratch.store)
        let object = try #require(try fetched.json() as? [String: Any], "\(fetched.output)")
        #expect(Set(object.keys) == ["url", "status", "source", "fresh", "freshness", "storage", "digest", "size", "output", "redirects"])
        #expect(object["source"] as? String == "network")
        #expect(object["storage"] as? String == "stored")
        #expect(object["output"] as? String == scratch.path + "/beta.whl")

        let offline = try run(["fetch", "--offline", upstream.base + "/files/never-1.0-py3-none-any.whl", "--json"], store: scratch.store)
        #expect(offline.status == 1)
        let unsatisfiable = try #require(try offline.json() as? [String: Any], "\(offline.output)")
        #expect(Set(unsatisfiable.keys) == ["url", "satisfiable", "reasons"])
        #expect((unsatisfiable["reasons"] as? [[String: Any]])?.first?["code"] as? String == "never-fetched")
    }

    @Test("verify and gc draw their progress on one terminal line and erase it; into a pipe, no progress at all")
    func progressOnlyOnATerminal() throws {
        let scratch = try Scratch()
        let file = try scratch.file("a.bin", Data(repeating: 7, count: 4096))
        #expect(try run(["put", file], store: scratch.store).status == 0)
        for command in [["verify"], ["gc", "--dry-run"]] {
            let terminal = try runOnTerminal(command, store: scratch.store)
            #expect(terminal.status == 0, "\(command): \(terminal.screen)")
            #expect(terminal.screen.contains("\r\u{1B}[K"), "\(command) drew no progress line: \(terminal.screen)")
            let piped = try run(command, store: scratch.store)
            #expect(piped.status == 0)
            #expect(!piped.stderr.contains("\u{1B}["), "\(command) wrote progress into a pipe: \(piped.stderr)")
        }
    }

    @Test("✔ and ✘ are coloured on a terminal, never with NO_COLOR or into a pipe")
    func colourOnlyOnATerminal() throws {
        let scratch = try Scratch()
        try run(["init"], store: scratch.store)
        let coloured = try runOnTerminal(["explain", "https://example.org/x/"], store: scratch.store)
        #expect(coloured.screen.contains("\u{1B}[31m✘\u{1B}[0m"))
        let plain = try runOnTerminal(["explain", "https://example.org/x/"], store: scratch.store, environment: ["NO_COLOR": "1"])
        #expect(!plain.screen.contains("\u{1B}["))
        #expect(!(try run(["explain", "https://example.org/x/"], store: scratch.store).output.contains("\u{1B}[")))
    }
}

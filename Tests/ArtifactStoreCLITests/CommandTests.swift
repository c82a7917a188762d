import Foundation
import Testing

@Suite("artifact-store commands")
struct CommandTests {
    @Test("put prints digest, size and file; cat writes the bytes back")
    func putAndCat() throws {
        let scratch = try Scratch()
        let file = try scratch.file("hello.txt", Data("hello\n".utf8))
        let put = try run(["put", file], store: scratch.store)
        #expect(put.status == 0, "\(put.stderr)")
        #expect(put.output == "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  6  \(file)\n")
        let cat = try run(["cat", "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"], store: scratch.store)
        #expect(cat.status == 0)
        #expect(cat.output == "hello\n")
    }

    @Test("put reads standard input for -")
    func putStandardInput() throws {
        let scratch = try Scratch()
        let put = try run(["put", "--json", "-"], store: scratch.store, stdin: Data("from a pipe".utf8))
        #expect(put.status == 0, "\(put.stderr)")
        let results = try #require(try put.json() as? [[String: Any]])
        #expect(results.first?["size"] as? Int == 11)
        #expect(results.first?["file"] as? String == "-")
    }

    @Test("the --json outputs of put, ls, show and stats carry their documented fields")
    func jsonContracts() throws {
        let scratch = try Scratch()
        let file = try scratch.file("a.whl", Data(repeating: 1, count: 1000))
        let put = try #require(try run(["put", "--json", file, file], store: scratch.store).json() as? [[String: Any]])
        #expect(put.count == 2)
        #expect(Set(put[0].keys) == ["file", "digest", "size", "alreadyStored"])
        #expect(put[0]["alreadyStored"] as? Bool == false)
        #expect(put[1]["alreadyStored"] as? Bool == true)
        let digest = try #require(put[0]["digest"] as? String)

        let list = try #require(try run(["ls", "--json"], store: scratch.store).json() as? [[String: Any]])
        #expect(list.count == 1)
        #expect(Set(list[0].keys) == ["digest", "size", "createdAt", "lastUsedAt", "verifiedAt", "quarantinedAt", "quarantineReason"])

        let show = try #require(try run(["show", "--json", digest], store: scratch.store).json() as? [String: Any])
        #expect(show["size"] as? Int == 1000)
        #expect((show["path"] as? String)?.hasSuffix("/blobs/sha256/\(digest.prefix(2))/\(digest)") == true)
        #expect(show["quarantinedAt"] is NSNull)

        let stats = try #require(try run(["stats", "--json"], store: scratch.store).json() as? [String: Any])
        #expect(Set(stats.keys) == ["path", "formatVersion", "schemaVersion", "blobCount", "blobBytes", "quarantinedBlobCount", "databaseBytes"])
        #expect(stats["blobCount"] as? Int == 1)
        #expect(stats["blobBytes"] as? Int == 1000)
    }

    @Test("ls on an empty store prints nothing, and [] with --json")
    func emptyListing() throws {
        let scratch = try Scratch()
        #expect(try run(["init"], store: scratch.store).status == 0)
        #expect(try run(["ls"], store: scratch.store).output == "")
        #expect(try run(["ls", "--json"], store: scratch.store).output == "[]\n")
    }

    @Test("--store wins over ARTIFACT_STORE_DIR")
    func storeOptionWins() throws {
        let scratch = try Scratch()
        let file = try scratch.file("x", Data("x".utf8))
        #expect(try run(["put", "--store", scratch.path + "/explicit", file], store: scratch.store).status == 0)
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/explicit/STORE-FORMAT"))
        #expect(!FileManager.default.fileExists(atPath: scratch.store))
    }

    @Test("without --store or ARTIFACT_STORE_DIR the store lives under XDG_CACHE_HOME")
    func xdgDefault() throws {
        let scratch = try Scratch()
        let result = try run(["init", "--json"], environment: ["ARTIFACT_STORE_DIR": "", "XDG_CACHE_HOME": scratch.path + "/cache"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/cache/artifact-store/STORE-FORMAT"))
    }

    struct Failure: CustomTestStringConvertible, Sendable {
        var name: String
        var arguments: [String]
        var status: Int32
        var message: String
        var testDescription: String { name }
    }

    @Test("failures exit with the documented status and say what to do", arguments: [
        Failure(name: "path traversal as digest", arguments: ["cat", "../../etc/passwd"], status: 64, message: "not a blob digest"),
        Failure(name: "uppercase digest is the same digest", arguments: ["cat", String(repeating: "AB", count: 32)], status: 1, message: "no blob abab"),
        Failure(name: "short digest", arguments: ["show", "abc123"], status: 64, message: "64 hexadecimal"),
        Failure(name: "unknown digest", arguments: ["cat", String(repeating: "0", count: 64)], status: 1, message: "no blob"),
        Failure(name: "show unknown digest", arguments: ["show", String(repeating: "0", count: 64)], status: 1, message: "no blob"),
        Failure(name: "nonexistent file", arguments: ["put", "/nonexistent/file.whl"], status: 64, message: "no such file"),
        Failure(name: "directory", arguments: ["put", "/tmp"], status: 64, message: "is a directory"),
        Failure(name: "unknown option", arguments: ["ls", "--colour"], status: 64, message: "Unknown option"),
        Failure(name: "put without files", arguments: ["put"], status: 64, message: "Missing expected argument"),
    ])
    func failures(_ failure: Failure) throws {
        let scratch = try Scratch()
        #expect(try run(["init"], store: scratch.store).status == 0)
        let result = try run(failure.arguments, store: scratch.store)
        #expect(result.status == failure.status, "\(result.stderr)")
        #expect(result.stderr.contains(failure.message), "\(result.stderr)")
        #expect(result.output.isEmpty)
    }

    @Test("read commands on a store that does not exist say how to create one, and create nothing")
    func missingStore() throws {
        let scratch = try Scratch()
        for arguments in [["ls"], ["stats"], ["cat", String(repeating: "0", count: 64)]] {
            let result = try run(arguments, store: scratch.path + "/typo")
            #expect(result.status == 74)
            #expect(result.stderr.contains("artifact-store init"))
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/typo"))
    }

    @Test("a corrupt blob is not served: cat exits 3, prints nothing, and the blob is quarantined")
    func corruptBlob() throws {
        let scratch = try Scratch()
        let file = try scratch.file("w.whl", Data(repeating: 7, count: 100_000))
        let digest = String(try run(["put", file], store: scratch.store).output.prefix(64))
        let blob = scratch.store + "/blobs/sha256/\(digest.prefix(2))/\(digest)"
        chmod(blob, 0o644)
        try Data(repeating: 8, count: 100_000).write(to: URL(fileURLWithPath: blob))

        let cat = try run(["cat", digest], store: scratch.store)
        #expect(cat.status == 3)
        #expect(cat.stdout.isEmpty)
        #expect(cat.stderr.contains("corrupt"))
        let show = try #require(try run(["show", "--json", digest], store: scratch.store).json() as? [String: Any])
        #expect(show["quarantinedAt"] is String)
        #expect(try run(["ls"], store: scratch.store).output.contains("QUARANTINED"))
    }

    @Test("a store written by a newer format is refused with exit status 74")
    func newerFormat() throws {
        let scratch = try Scratch()
        #expect(try run(["init"], store: scratch.store).status == 0)
        try Data("7\n".utf8).write(to: URL(fileURLWithPath: scratch.store + "/STORE-FORMAT"))
        let result = try run(["stats"], store: scratch.store)
        #expect(result.status == 74)
        #expect(result.stderr.contains("newer artifact-store"))
    }

    @Test("a store directory the user cannot write is reported, not crashed on")
    func unwritableStore() throws {
        let scratch = try Scratch()
        let file = try scratch.file("x", Data("x".utf8))
        let store = scratch.path + "/locked"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: false)
        chmod(scratch.path, 0o755)
        chmod(file, 0o644)
        let result: CommandResult
        if getuid() == 0 {
            // root writes anywhere: run the command as an unprivileged user instead.
            let setpriv = URL(fileURLWithPath: "/usr/bin/setpriv")
            try #require(FileManager.default.isExecutableFile(atPath: setpriv.path), "setpriv (util-linux) is needed to drop root")
            result = try run(
                ["--reuid=65534", "--regid=65534", "--clear-groups", artifactStoreExecutable.path(percentEncoded: false), "put", "--store", store, file],
                executable: setpriv)
        } else {
            chmod(store, 0o500)
            result = try run(["put", "--store", store, file])
            chmod(store, 0o700)
        }
        #expect(result.status == 74, "\(result.stderr)")
        #expect(result.stderr.contains("not writable"), "\(result.stderr)")
    }

    @Test("--help documents the exit statuses and the store location")
    func help() throws {
        let help = try run(["--help"])
        #expect(help.status == 0)
        for text in ["EXIT STATUS", "64", "74", "ARTIFACT_STORE_DIR", "XDG_CACHE_HOME", "put", "cat", "stats"] {
            #expect(help.output.contains(text), "\(text)")
        }
    }

    @Test("an installed copy of the binary runs on its own: the schema is compiled in")
    func installedCopy() throws {
        let scratch = try Scratch()
        let installed = scratch.path + "/bin/artifact-store"
        try FileManager.default.createDirectory(atPath: scratch.path + "/bin", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: artifactStoreExecutable.path(percentEncoded: false), toPath: installed)
        let file = try scratch.file("x", Data("portable".utf8))
        let put = try run(["put", file], store: scratch.store, executable: URL(fileURLWithPath: installed))
        #expect(put.status == 0, "\(put.stderr)")
        let stats = try #require(try run(["stats", "--json"], store: scratch.store, executable: URL(fileURLWithPath: installed)).json() as? [String: Any])
        #expect((stats["schemaVersion"] as? String)?.hasPrefix("00") == true)
        // Nothing beside the binary that it could have been reading its schema from.
        let products = artifactStoreExecutable.deletingLastPathComponent().path(percentEncoded: false)
        let bundles = try FileManager.default.contentsOfDirectory(atPath: products).filter { $0.hasSuffix(".resources") && $0.contains("ArtifactStore") }
        #expect(bundles.isEmpty, "the store must not rely on a resource bundle: \(bundles)")
    }
}

@Suite("put --pin")
struct PutPinTests {
    @Test("a blob put with --pin survives gc; one put without it is garbage")
    func pinnedPutSurvivesGC() throws {
        let scratch = try Scratch()
        let kept = try scratch.file("kept.whl", Data("kept".utf8))
        let loose = try scratch.file("loose.whl", Data("loose".utf8))
        let pinned = try run(["put", "--pin", "--json", kept], store: scratch.store)
        #expect(pinned.status == 0, "\(pinned.stderr)")
        let keptDigest = try #require((try pinned.json() as? [[String: Any]])?.first?["digest"] as? String)
        let looseDigest = String(try run(["put", loose], store: scratch.store).output.prefix(64))
        let pins = try run(["pins"], store: scratch.store)
        #expect(pins.output.contains(keptDigest))

        let gc = try run(["gc", "--recent", "0s"], store: scratch.store)
        #expect(gc.status == 0, "\(gc.stderr)")
        #expect(try run(["cat", keptDigest], store: scratch.store).output == "kept")
        #expect(try run(["cat", looseDigest], store: scratch.store).status == 1)
    }
}

@Suite("Numbers a user types are bounded")
struct BoundedInputTests {
    @Test("an absurd --python is refused at once, naming the flag", arguments: ["3.1000000", "4.0", "3.11.100000", "300.1"])
    func absurdPython(_ version: String) throws {
        let scratch = try Scratch()
        let started = Date()
        let result = try run(["can-install", "torch", "--index", "https://example.org/simple", "--python", version, "--platform", "manylinux_2_28_x86_64"], store: scratch.store)
        #expect(result.status == 64)
        #expect(result.stderr.contains("--python"), "\(result.stderr)")
        #expect(Date().timeIntervalSince(started) < 5)
    }
}

@Suite("--header is parsed one way by every command")
struct HeaderArgumentTests {
    @Test("fetch and explain refuse the same malformed headers with the same words, before touching the network",
          arguments: [("no colon", "must look like 'Name: value'"), (": empty name", "invalid field name"),
                      ("Bad Name: x", "invalid field name"), ("X-Test: a\r\nEvil: 1", "cannot contain line breaks")])
    func malformedHeaders(_ header: String, _ message: String) throws {
        let scratch = try Scratch()
        for command in [["fetch", "http://127.0.0.1:9/x", "-o", "/dev/null"], ["explain", "http://127.0.0.1:9/x"]] {
            let result = try run(command + ["--header", header], store: scratch.store)
            #expect(result.status == 64, "\(command[0]): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(command[0]): \(result.stderr)")
        }
    }
}

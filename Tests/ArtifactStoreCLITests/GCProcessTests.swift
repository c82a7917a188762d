import Foundation
import Testing

/// Puts `count` small distinct files in one process; returns their digests.
private func putMany(_ count: Int, prefix: String, scratch: Scratch, store: String) throws -> [String] {
    var files: [String] = []
    for index in 0..<count {
        files.append(try scratch.file("\(prefix)-\(index)", Data("\(prefix) \(index) \(UUID().uuidString)".utf8)))
    }
    let put = try run(["put", "--json"] + files, store: store)
    #expect(put.status == 0, "\(put.stderr)")
    let results = try #require(try put.json() as? [[String: Any]])
    for file in files { try FileManager.default.removeItem(atPath: file) }
    return results.compactMap { $0["digest"] as? String }
}

private func sqlite(_ database: String, _ sql: String) throws -> CommandResult {
    try run([database, sql], executable: URL(fileURLWithPath: "/usr/bin/sqlite3"))
}

@Suite("gc, verify and pins through the CLI", .serialized)
struct GCProcessTests {
    @Test("verify --json and gc --dry-run --json print their documented fields")
    func jsonContracts() throws {
        let scratch = try Scratch()
        let digests = try putMany(3, prefix: "a", scratch: scratch, store: scratch.store)
        let verify = try run(["verify", "--json"], store: scratch.store)
        #expect(verify.status == 0, "\(verify.stderr)")
        let report = try #require(try verify.json() as? [String: Any])
        #expect(Set(report.keys) == ["blobRows", "files", "blobsHashed", "bytesHashed", "sample", "integrityCheck", "repair", "durationSeconds", "clean", "problems"])
        #expect(report["clean"] as? Bool == true)
        #expect(report["blobsHashed"] as? Int == 3)

        let dry = try run(["gc", "--dry-run", "--json", "--recent", "0s"], store: scratch.store)
        #expect(dry.status == 0, "\(dry.stderr)")
        let gc = try #require(try dry.json() as? [String: Any])
        #expect(Set(gc.keys) == ["dryRun", "durationSeconds", "bytesBefore", "bytesAfter", "blobsBefore", "blobsAfter", "removed",
                                 "evictedResponses", "maxSizeMet", "longestTransactionMilliseconds", "writeTransactions", "items"])
        let removed = try #require(gc["removed"] as? [String: [String: Int]])
        #expect(Set(removed.keys) == ["unreferenced", "unused-for", "keep-latest", "max-size", "orphan-file", "tmp-file", "empty-directory", "expired-lease", "refused-response", "observation"])
        #expect(removed["unreferenced"]?["count"] == 3)
        let items = try #require(gc["items"] as? [[String: Any]])
        #expect(Set(items.compactMap { $0["digest"] as? String }) == Set(digests))
        #expect(Set(items[0].keys) == ["reason", "digest", "path", "bytes", "detail"])
        #expect(gc["maxSizeMet"] is NSNull)
        #expect(try run(["ls", "--json"], store: scratch.store).json() as? [Any] != nil)
        #expect(try run(["stats", "--json"], store: scratch.store).json() as? [String: Any] != nil)
        let stats = try #require(try run(["stats", "--json"], store: scratch.store).json() as? [String: Any])
        #expect(stats["blobCount"] as? Int == 3, "the dry run changed nothing")

        let real = try run(["gc", "--recent", "0s"], store: scratch.store)
        #expect(real.status == 0)
        #expect(real.output.contains("3 unreferenced"), "\(real.output)")
        let again = try run(["gc", "--json", "--recent", "0s"], store: scratch.store)
        let second = try #require(try again.json() as? [String: Any])
        #expect((second["removed"] as? [String: [String: Int]])?.values.allSatisfy { $0["count"] == 0 } == true, "a second gc removes nothing")
    }

    @Test("a store whose database was deleted or emptied is refused, never silently recreated; verify --repair adopts its blobs", arguments: ["delete", "empty"])
    func lostDatabase(how: String) throws {
        let scratch = try Scratch()
        let digests = try putMany(3, prefix: "lost", scratch: scratch, store: scratch.store)
        for suffix in ["", "-wal", "-shm"] {
            let path = scratch.store + "/store.sqlite" + suffix
            if how == "delete" || suffix != "" { try? FileManager.default.removeItem(atPath: path) } else { try Data().write(to: URL(fileURLWithPath: path)) }
        }
        let newFile = try scratch.file("new", Data("x".utf8))
        for command in [["stats"], ["gc"], ["ls"], ["put", newFile]] {
            let refused = try run(command, store: scratch.store)
            #expect(refused.status == 74, "\(command)")
            #expect(refused.stderr.contains("verify --repair"), "\(command): \(refused.stderr)")
        }
        for digest in digests {
            #expect(FileManager.default.fileExists(atPath: scratch.store + "/blobs/sha256/\(digest.prefix(2))/\(digest)"), "nothing was deleted")
        }
        let repair = try run(["verify", "--repair"], store: scratch.store)
        #expect(repair.status == 0, "\(repair.output) \(repair.stderr)")
        for digest in digests {
            #expect(try run(["cat", digest], store: scratch.store).status == 0, "adopted by content")
        }
        #expect(try run(["gc"], store: scratch.store).status == 0)
    }

    @Test("pin, pins --json and unpin; a pinned blob survives gc")
    func pins() throws {
        let scratch = try Scratch()
        let digests = try putMany(2, prefix: "p", scratch: scratch, store: scratch.store)
        #expect(try run(["pin", digests[0], "--note", "release 1.0"], store: scratch.store).status == 0)
        #expect(try run(["pin", "https://download.pytorch.org/whl/*"], store: scratch.store).status == 0)
        let pins = try #require(try run(["pins", "--json"], store: scratch.store).json() as? [[String: Any]])
        #expect(pins.count == 2)
        #expect(Set(pins[0].keys) == ["id", "digest", "urlPattern", "createdAt", "note"])
        #expect(pins[0]["note"] as? String == "release 1.0")
        #expect(try run(["gc", "--recent", "0s"], store: scratch.store).status == 0)
        #expect(try run(["cat", digests[0]], store: scratch.store).status == 0)
        #expect(try run(["cat", digests[1]], store: scratch.store).status == 1)
        #expect(try run(["unpin", digests[0]], store: scratch.store).status == 0)
        let missing = try run(["unpin", digests[0]], store: scratch.store)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("not pinned"))
        #expect(try run(["pin", "not-a-digest"], store: scratch.store).status == 64)
    }

    @Test("verify exits 3 on a row with no file and a response pointing at a missing blob row; --repair fixes both")
    func badRowsRepaired() throws {
        let scratch = try Scratch()
        _ = try putMany(2, prefix: "r", scratch: scratch, store: scratch.store)
        let database = scratch.store + "/store.sqlite"
        let ghost = String(repeating: "ab", count: 32)
        let dangling = String(repeating: "cd", count: 32)
        // The sqlite3 shell runs with foreign keys off, as a careless hand edit would.
        let edit = try sqlite(database, """
            INSERT INTO blob (digest, size, created_at, last_used_at) VALUES ('\(ghost)', 10, 0, 0);
            INSERT INTO response (method, url, status, response_headers, request_time, response_time, storability,
                freshness_lifetime, expires_at, body_digest, body_size, last_used_at)
            VALUES ('GET', 'https://example.org/x.whl', 200, '', 0, 0, 'stored', 0, 0, '\(dangling)', 5, 0);
            """)
        #expect(edit.status == 0, "\(edit.stderr)")

        let found = try run(["verify"], store: scratch.store)
        #expect(found.status == 3)
        #expect(found.output.contains("missing-file"), "\(found.output)")
        #expect(found.output.contains("dangling-response"))
        #expect(found.output.contains("verify --repair"))
        let repaired = try run(["verify", "--repair", "--json"], store: scratch.store)
        #expect(repaired.status == 0, "\(repaired.output)")
        let report = try #require(try repaired.json() as? [String: Any])
        let problems = try #require(report["problems"] as? [[String: Any]])
        #expect(problems.count == 2)
        #expect(problems.allSatisfy { $0["repair"] is String })
        #expect(try run(["verify"], store: scratch.store).status == 0)
    }

    @Test("a blob file deleted, one altered and an unknown file: verify exits 3, --repair fixes, nothing deleted")
    func badFilesRepaired() throws {
        let scratch = try Scratch()
        let digests = try putMany(3, prefix: "f", scratch: scratch, store: scratch.store)
        func path(_ digest: String) -> String { scratch.store + "/blobs/sha256/\(digest.prefix(2))/\(digest)" }
        try FileManager.default.removeItem(atPath: path(digests[0]))
        chmod(path(digests[1]), 0o644)
        try Data("altered".utf8).write(to: URL(fileURLWithPath: path(digests[1])))
        try Data("stray".utf8).write(to: URL(fileURLWithPath: scratch.store + "/blobs/sha256/stray.txt"))
        let found = try run(["verify", "--json"], store: scratch.store)
        #expect(found.status == 3)
        let kinds = try #require((try found.json() as? [String: Any])?["problems"] as? [[String: Any]]).compactMap { $0["kind"] as? String }
        #expect(Set(kinds) == ["missing-file", "content-mismatch", "unexpected-file"])
        #expect(try run(["verify", "--repair"], store: scratch.store).status == 0)
        #expect(try run(["verify"], store: scratch.store).status == 0)
        let quarantined = try FileManager.default.contentsOfDirectory(atPath: scratch.store + "/quarantine")
        #expect(quarantined.count == 2, "the altered blob and the stray file are kept in quarantine/")
        #expect(try run(["cat", digests[2]], store: scratch.store).status == 0)
    }

    @Test("processes putting and reading while gc --max-size runs: no pinned put lost, no wrong bytes, verify clean")
    func concurrentWritersAndGC() throws {
        let scratch = try Scratch()
        let store = scratch.store, directory = scratch.path
        let budget = Double(ProcessInfo.processInfo.environment["AS_GC_STRESS_SECONDS"] ?? "") ?? 4
        #expect(try run(["init"], store: store).status == 0)
        let deadline = Date().addingTimeInterval(budget)
        let state = StressState()

        let group = DispatchGroup()
        for writer in 0..<2 {
            DispatchQueue.global().async(group: group) {
                var round = 0
                while Date() < deadline {
                    round += 1
                    let content = Data("writer \(writer) round \(round) \(UUID().uuidString)".utf8)
                    let keep = round % 2 == 0
                    do {
                        // Pin first, then put: the blob is protected from the moment the put is acknowledged.
                        if keep {
                            let pin = try run(["pin", try sha256(content, directory: directory)], store: store)
                            if pin.status != 0 { state.fail("pin: \(pin.stderr)"); continue }
                        }
                        let put = try run(["put", "-"], store: store, stdin: content)
                        guard put.status == 0 else { state.fail("put: \(put.stderr)"); continue }
                        state.acknowledged(String(put.output.prefix(64)), content, pinned: keep)
                        // Read back something pinned earlier: always there, always right.
                        if let (digest, expected) = state.randomPinned() {
                            let cat = try run(["cat", digest], store: store)
                            if cat.status != 0 { state.fail("cat of pinned \(digest): \(cat.status) \(cat.stderr)") }
                            else if cat.stdout != expected { state.fail("cat of \(digest) returned wrong bytes") }
                            state.count { $0.reads += 1 }
                        }
                    } catch {
                        state.fail("\(error)")
                    }
                }
            }
        }
        DispatchQueue.global().async(group: group) {
            while Date() < deadline {
                do {
                    let gc = try run(["gc", "--max-size", "0", "--recent", "0s", "--batch-size", "8"], store: store)
                    if gc.status != 0 { state.fail("gc: \(gc.stderr)") }
                    state.count { $0.gcs += 1 }
                } catch {
                    state.fail("\(error)")
                }
            }
        }
        group.wait()
        let (failures, pinned, counts) = state.snapshot
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(counts.gcs > 0 && counts.puts > 0)
        for (digest, expected) in pinned {
            let cat = try run(["cat", digest], store: store)
            #expect(cat.status == 0 && cat.stdout == expected, "pinned \(digest) survived")
        }
        let verify = try run(["verify"], store: store)
        #expect(verify.status == 0, "\(verify.output)")
        print("concurrency: \(counts.puts) puts, \(counts.reads) verified reads of pinned blobs, \(counts.gcs) gc runs in \(budget)s; all \(pinned.count) pinned puts present, verify clean")
    }

    @Test("gc killed with SIGKILL at random moments leaves a store that opens; the next gc leaves it clean")
    func killedGC() throws {
        let scratch = try Scratch()
        let iterations = Int(ProcessInfo.processInfo.environment["AS_GC_KILL_ITERATIONS"] ?? "") ?? 4
        let kept = try putMany(20, prefix: "kept", scratch: scratch, store: scratch.store)
        for digest in kept { #expect(try run(["pin", digest], store: scratch.store).status == 0) }
        var generator = SystemRandomNumberGenerator()
        var killedMidRun = 0, leftovers = 0
        for round in 0..<iterations {
            _ = try putMany(400, prefix: "garbage\(round)", scratch: scratch, store: scratch.store)
            let process = Process()
            process.executableURL = artifactStoreExecutable
            process.arguments = ["gc", "--store", scratch.store, "--recent", "0s", "--batch-size", "16"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.0...0.25, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { killedMidRun += 1 }

            #expect(try run(["stats"], store: scratch.store).status == 0, "the store opens after the crash")
            let verify = try #require(try run(["verify", "--json"], store: scratch.store).json() as? [String: Any])
            let problems = verify["problems"] as? [[String: Any]] ?? []
            // A kill between an unlink and its commit leaves rows of unreferenced blobs without
            // files: garbage that the next gc removes. Nothing else may be wrong.
            #expect(problems.allSatisfy { $0["kind"] as? String == "missing-file" }, "\(problems)")
            leftovers += problems.count
            for digest in kept { #expect(try run(["cat", digest], store: scratch.store).status == 0) }
        }
        #expect(try run(["gc", "--recent", "0s"], store: scratch.store).status == 0)
        let verify = try run(["verify"], store: scratch.store)
        #expect(verify.status == 0, "\(verify.output)")
        let stats = try #require(try run(["stats", "--json"], store: scratch.store).json() as? [String: Any])
        #expect(stats["blobCount"] as? Int == kept.count)
        print("gc kill -9: \(iterations) rounds, \(killedMidRun) killed mid-run, \(leftovers) row(s) left without a file (removed by the next gc)")
    }
}

private func sha256(_ data: Data, directory: String) throws -> String {
    let path = directory + "/hash-\(UUID().uuidString)"
    try data.write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try sha256Hex(ofFile: path)
}

/// What the stress test's threads share.
private final class StressState: @unchecked Sendable {
    struct Counts { var puts = 0, reads = 0, gcs = 0 }
    private let lock = NSLock()
    private var failures: [String] = []
    private var pinned: [String: Data] = [:]
    private var counts = Counts()

    func fail(_ text: String) { lock.withLock { failures.append(text) } }
    func count(_ change: (inout Counts) -> Void) { lock.withLock { change(&counts) } }
    func acknowledged(_ digest: String, _ content: Data, pinned keep: Bool) {
        lock.withLock {
            counts.puts += 1
            if keep { pinned[digest] = content }
        }
    }
    func randomPinned() -> (String, Data)? { lock.withLock { pinned.randomElement().map { ($0.key, $0.value) } } }
    var snapshot: ([String], [String: Data], Counts) { lock.withLock { (failures, pinned, counts) } }
}

@Suite("A full disk", .serialized)
struct FullDiskTests {
    @Test("puts on a full disk fail with a clear error and leave the store consistent: every acknowledged put reads back, verify is clean")
    func fullDisk() throws {
        let scratch = try Scratch()
        let mountPoint = scratch.path + "/small"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mount = try run(["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint], executable: URL(fileURLWithPath: "/bin/mount"))
        guard mount.status == 0 else {
            print("skipped: a small tmpfs cannot be mounted here (\(mount.stderr.trimmingCharacters(in: .whitespacesAndNewlines))); CI runs as root and mounts it")
            return
        }
        defer { _ = try? run([mountPoint], executable: URL(fileURLWithPath: "/bin/umount")) }
        let store = mountPoint + "/store"
        var acknowledged: [String] = []
        var failures: [CommandResult] = []
        for index in 0..<60 {
            let file = try scratch.largeFile("f\(index)", size: 150_000, seed: UInt8(index % 250 + 1))
            let put = try run(["put", "--json", "--pin", file], store: store)
            if put.status == 0, let digest = (try? put.json() as? [[String: Any]])?.first?["digest"] as? String {
                acknowledged.append(digest)
            } else {
                failures.append(put)
            }
            if failures.count >= 5 { break }
        }
        #expect(!failures.isEmpty, "the disk filled up")
        for failure in failures {
            #expect(failure.status == 74, "\(failure.stderr)")
            #expect(failure.stderr.contains("full") || failure.stderr.contains("space"), "\(failure.stderr)")
        }
        let verify = try run(["verify", "--json"], store: store)
        #expect(verify.status == 0, "no orphan, no missing file: \(verify.output) \(verify.stderr) \(failures.map(\.stderr))")
        for digest in acknowledged {
            #expect(try run(["cat", digest], store: store).status == 0, "acknowledged put \(digest) reads back")
        }
    }
}

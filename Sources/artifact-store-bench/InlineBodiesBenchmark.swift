import ArgumentParser
import ArtifactStore
import ArtifactStoreCLI
import Crypto
import Foundation
import GRDB

/// `artifact-store-bench inline`: small bodies as files (the store's blobs) against the same bodies
/// kept inside an SQLite database, both durable and verified, in one run (scripts/bench-inline.sh).
/// The figures decide whether the store keeps small bodies inline (ARCHITECTURE.md §8).
struct InlineBodiesBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inline",
        abstract: "Measure small bodies as blob files against the same bodies inside SQLite.",
        discussion: """
            Files: --count bodies of --size bytes put with `Store.put` (written to tmp/, fsynced, \
            renamed to their digest's path, the directory fsynced, the row committed), then read \
            back in random order with `Store.read` (verified). Inline: the same bodies inserted \
            into an SQLite table of their own (WAL, synchronous = FULL, one transaction per put: \
            as durable), then selected by digest in random order and hashed (as verified). The two \
            alternate, --rounds times, each in a new directory. Prints one JSON line per round.
            """)

    @Option(help: "Bodies per round.") var count = 5000
    @Option(help: "Body size in bytes.") var size = 20_000
    @Option(help: "Rounds (each measures both, files first on odd rounds).") var rounds = 3
    @Option(help: "Where to create the stores (default: a new temporary directory, removed afterwards).") var directory: String?

    func run() throws {
        let base = directory.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: NSTemporaryDirectory()).appending(path: "bench-inline-\(UUID().uuidString)")
        defer { if directory == nil { try? FileManager.default.removeItem(at: base) } }
        for round in 0..<rounds {
            let bodies = Self.bodies(count: count, size: size, seed: UInt64(round))
            var result = Round(round: round + 1, count: count, size: size)
            // Nothing is deleted until the end: deleted inodes would slow whichever side came next.
            let root = base.appending(path: "round-\(round)")
            if round % 2 == 0 {
                (result.filePutsPerSecond, result.fileGetsPerSecond) = try files(bodies, at: root.appending(path: "files"))
                (result.inlinePutsPerSecond, result.inlineGetsPerSecond) = try inline(bodies, at: root.appending(path: "inline"))
            } else {
                (result.inlinePutsPerSecond, result.inlineGetsPerSecond) = try inline(bodies, at: root.appending(path: "inline"))
                (result.filePutsPerSecond, result.fileGetsPerSecond) = try files(bodies, at: root.appending(path: "files"))
            }
            try Output.printJSON(result)
        }
    }

    struct Round: Encodable {
        var round, count, size: Int
        var filePutsPerSecond = 0.0, fileGetsPerSecond = 0.0, inlinePutsPerSecond = 0.0, inlineGetsPerSecond = 0.0
    }

    static func bodies(count: Int, size: Int, seed: UInt64) -> [[UInt8]] {
        let base = (0..<max(size, 16)).map { _ in UInt8.random(in: 0...255) }
        return (0..<count).map { index in
            var body = base
            withUnsafeBytes(of: UInt64(index)) { body.replaceSubrange(0..<8, with: $0) }
            withUnsafeBytes(of: seed) { body.replaceSubrange(8..<16, with: $0) }
            return Array(body.prefix(size))
        }
    }

    /// The store's own blobs.
    func files(_ bodies: [[UInt8]], at root: URL) throws -> (Double, Double) {
        let store = try Store.open(at: root)
        var started = Date()
        let digests = try bodies.map { try store.put(bytes: $0).digest }
        let puts = Double(bodies.count) / Date().timeIntervalSince(started)
        let order = bodies.indices.shuffled()
        started = Date()
        for index in order where try store.read(digests[index]) != bodies[index] {
            throw ValidationError("blob \(index) did not come back whole")
        }
        return (puts, Double(bodies.count) / Date().timeIntervalSince(started))
    }

    /// The same bodies in a table, as durable and as checked.
    func inline(_ bodies: [[UInt8]], at root: URL) throws -> (Double, Double) {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var configuration = Configuration()
        // Overflow pages read through the page cache's map, not one pread each (fairest to SQLite).
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA mmap_size = 1073741824") }
        let pool = try DatabasePool(path: root.appending(path: "bodies.sqlite").path(percentEncoded: false), configuration: configuration)
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A rowid table: WITHOUT ROWID suits rows under about 1/20 of a page, not 20 KB values.
            try db.execute(sql: "CREATE TABLE body (id INTEGER PRIMARY KEY, digest BLOB NOT NULL UNIQUE, size INTEGER NOT NULL, bytes BLOB NOT NULL)")
        }
        var started = Date()
        var digests: [Data] = []
        for body in bodies {
            let digest = Data(SHA256.hash(data: body))
            digests.append(digest)
            try pool.write { db in
                try db.execute(sql: "INSERT OR IGNORE INTO body (digest, size, bytes) VALUES (?, ?, ?)", arguments: [digest, body.count, Data(body)])
            }
        }
        let puts = Double(bodies.count) / Date().timeIntervalSince(started)
        let order = bodies.indices.shuffled()
        started = Date()
        for index in order {
            let bytes = try pool.read { db in try Data.fetchOne(db, sql: "SELECT bytes FROM body WHERE digest = ?", arguments: [digests[index]]) }
            guard let bytes, Data(SHA256.hash(data: bytes)) == digests[index], bytes.count == bodies[index].count else {
                throw ValidationError("body \(index) did not come back whole")
            }
        }
        return (puts, Double(bodies.count) / Date().timeIntervalSince(started))
    }
}

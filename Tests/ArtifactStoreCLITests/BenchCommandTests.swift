import Foundation
import Testing

@Suite("benchmark drivers (artifact-store-bench)")
struct BenchCommandTests {
    @Test("every benchmark verdict is satisfiable, and a loaded store is measured again without recording")
    func smallRun() throws {
        let scratch = try Scratch()
        let arguments = ["lookup", "--responses", "300", "--lookups", "200", "--directory", scratch.store]
        let first = try run(arguments, executable: benchmarkExecutable)
        #expect(first.status == 0, "\(first.stderr)")
        let report = try #require(try first.json() as? [String: Any])
        #expect(report["satisfiable"] as? Int == 200)
        #expect(report["loadSeconds"] is Double)
        for field in ["verdictP50Micros", "verdictP99Micros", "warmVerdictP50Micros", "warmVerdictP99Micros", "rawLookupP50Micros", "rawLookupP99Micros"] {
            #expect((report[field] as? Double ?? 0) > 0, "\(field)")
        }
        #expect((report["databaseBytesPerResponse"] as? Double ?? 0) > 0)

        let again = try #require(try run(arguments, executable: benchmarkExecutable).json() as? [String: Any])
        #expect(again["loadSeconds"] == nil)
        #expect(again["satisfiable"] as? Int == 200)
    }

    @Test("small puts bodies durably and reads every one back verified")
    func smallPutsAndGets() throws {
        let scratch = try Scratch()
        let result = try run(["small", "--count", "40", "--size", "3000", "--directory", scratch.store], executable: benchmarkExecutable)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try result.json() as? [String: Any])
        #expect(report["count"] as? Int == 40)
        #expect((report["putsPerSecond"] as? Double ?? 0) > 0)
        #expect((report["getsPerSecond"] as? Double ?? 0) > 0)
        // Every put left a blob and a response behind.
        let stats = try #require(try run(["stats", "--json"], store: scratch.store).json() as? [String: Any])
        #expect(stats["blobCount"] as? Int == 40)
    }

    @Test("inline puts and reads back the same bodies as blob files and inside SQLite, and reports both rates per round")
    func inlineBodies() throws {
        let scratch = try Scratch()
        let result = try run(["inline", "--count", "30", "--size", "2000", "--rounds", "2", "--directory", scratch.store], executable: benchmarkExecutable)
        #expect(result.status == 0, "\(result.stderr)")
        let rounds = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(rounds.count == 2)
        for round in rounds {
            for key in ["filePutsPerSecond", "fileGetsPerSecond", "inlinePutsPerSecond", "inlineGetsPerSecond"] {
                #expect((round[key] as? Double ?? 0) > 0, "\(key)")
            }
        }
    }

    @Test("contention measures every write transaction's lock wait and hold while writers, readers and gc share a store, and leaves it verified")
    func contention() throws {
        let scratch = try Scratch()
        let result = try run(["contention", "--seconds", "1", "--writers", "2", "--readers", "2", "--page-files", "30",
                              "--big-page-files", "60", "--files-per-page", "2", "--old-files", "20", "--directory", scratch.store], executable: benchmarkExecutable)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try result.json() as? [String: Any])
        let contended = try #require(report["contended"] as? [String: Any])
        let alone = try #require(report["writersAlone"] as? [String: Any])
        for figures in [contended, alone] {
            #expect((figures["pages"] as? Int ?? 0) > 0)
            #expect((figures["files"] as? Int ?? 0) > 0)
            let wait = try #require(figures["wait"] as? [String: Any])
            let hold = try #require(figures["hold"] as? [String: Any])
            #expect((wait["count"] as? Int ?? 0) > 0)
            #expect((hold["maxMs"] as? Double ?? 0) > 0)
            #expect((hold["p50Ms"] as? Double ?? -1) <= (hold["p99Ms"] as? Double ?? -1))
            #expect((hold["totalMs"] as? Double ?? -1) >= (hold["maxMs"] as? Double ?? 0) - 1, "the sum of the holds is at least the longest")
        }
        #expect((contended["verdicts"] as? Int ?? 0) > 0)
        #expect((contended["gcRuns"] as? Int ?? 0) > 0)
        #expect(((contended["gcHold"] as? [String: Any])?["count"] as? Int ?? 0) > 0, "gc's transactions are measured too")
        #expect(alone["verdicts"] as? Int == 0 && alone["gcRuns"] as? Int == 0, "the baseline runs the writers alone")
        let verify = try run(["verify", "--json"], store: scratch.store + "/contended")
        #expect(verify.status == 0, "\(verify.stdout)")
    }

    @Test("the shipped artifact-store binary carries no benchmark command")
    func productHasNoBenchmarks() throws {
        let help = try run(["debug", "--help"])
        #expect(help.status == 0)
        #expect(!String(decoding: help.stdout, as: UTF8.self).contains("bench"))
        #expect(try run(["debug", "bench-lookup"]).status == 64)
    }
}

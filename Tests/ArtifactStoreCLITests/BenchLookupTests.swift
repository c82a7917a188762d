import Foundation
import Testing

@Suite("debug bench-lookup")
struct BenchLookupTests {
    @Test("every benchmark verdict is satisfiable, and a loaded store is measured again without recording")
    func smallRun() throws {
        let scratch = try Scratch()
        let arguments = ["debug", "bench-lookup", "--responses", "300", "--lookups", "200", "--directory", scratch.store]
        let first = try run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        let report = try #require(try first.json() as? [String: Any])
        #expect(report["satisfiable"] as? Int == 200)
        #expect(report["loadSeconds"] is Double)
        for field in ["verdictP50Micros", "verdictP99Micros", "warmVerdictP50Micros", "warmVerdictP99Micros", "rawLookupP50Micros", "rawLookupP99Micros"] {
            #expect((report[field] as? Double ?? 0) > 0, "\(field)")
        }
        #expect((report["databaseBytesPerResponse"] as? Double ?? 0) > 0)

        let again = try #require(try run(arguments).json() as? [String: Any])
        #expect(again["loadSeconds"] == nil)
        #expect(again["satisfiable"] as? Int == 200)
    }
}

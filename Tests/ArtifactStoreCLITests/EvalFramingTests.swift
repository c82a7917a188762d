import Foundation
import Testing

@Suite("debug eval framing")
struct EvalFramingTests {
    @Test("each input line yields one output line, in order, with its id echoed; bad lines do not stop the run")
    func framing() throws {
        let input = """
            {"op":"no.such.op","id":1}
            not json at all

            {"id":"x"}
            {"op":"no.such.op","id":{"nested":[1,2]}}

            """
        let result = try run(["debug", "eval"], stdin: Data(input.utf8))
        #expect(result.status == 0)
        let lines = result.output.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 4, "blank lines are skipped")
        #expect(lines[0]?["id"] as? Int == 1)
        #expect((lines[0]?["error"] as? [String: Any])?["code"] as? String == "unknown-op")
        #expect((lines[1]?["error"] as? [String: Any])?["code"] as? String == "invalid-json")
        #expect(lines[1]?["id"] is NSNull)
        #expect(lines[2]?["id"] as? String == "x")
        #expect((lines[2]?["error"] as? [String: Any])?["code"] as? String == "missing-op")
        #expect((lines[3]?["id"] as? [String: Any])?["nested"] as? [Int] == [1, 2])
    }
}

@testable import ArtifactStoreCLI
import Foundation
import Testing

/// `--json` keys the contracts document are always present: a missing value is `null`, never an
/// absent key.
@Suite("Explicit nulls in --json output")
struct ExplicitNullTests {
    struct Sample: Encodable {
        @ExplicitNull var always: String?
        var sometimes: String?
    }

    @Test("a nil @ExplicitNull field is written as null; a nil plain optional is left out", arguments: [nil, "x"] as [String?])
    func nilIsNull(value: String?) throws {
        let text = try Output.json(Sample(always: value, sometimes: value))
        if let value {
            #expect(text.contains(#""always":"\#(value)""#) && text.contains(#""sometimes":"\#(value)""#))
        } else {
            #expect(text.contains(#""always":null"#))
            #expect(!text.contains("sometimes"))
        }
    }
}

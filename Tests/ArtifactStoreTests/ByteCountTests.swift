import ArtifactStore
import Testing
import TestSupport

@Suite("sizes as people read them")
struct ByteCountTests {
    @Test("binary units, one decimal below 10 of a unit, none above", arguments: [
        (0, "0 B"), (146, "146 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (7680, "7.5 KiB"),
        (10 * 1024, "10 KiB"), (35 * 1024 * 1024, "35 MiB"), (Int64.max, "8192 PiB"),
    ] as [(Int64, String)])
    func text(bytes: Int64, expected: String) {
        #expect(ByteCount.text(bytes) == expected)
    }
}

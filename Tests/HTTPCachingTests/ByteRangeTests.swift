import Testing

@testable import HTTPCaching

@Suite("Single byte ranges (RFC 9110 §14)")
struct ByteRangeTests {
    @Test("ranges resolve against the size; what cannot be served whole or in part says so", arguments: [
        ("bytes=0-499", ByteRangeRequest.partial(first: 0, last: 499)), ("bytes=500-", .partial(first: 500, last: 999)),
        ("bytes=-100", .partial(first: 900, last: 999)), ("bytes=-5000", .partial(first: 0, last: 999)),
        ("bytes=900-5000", .partial(first: 900, last: 999)), ("BYTES=1-1", .partial(first: 1, last: 1)), ("bytes = 1-1", .whole),
        ("bytes=1000-", .unsatisfiable), ("bytes=-0", .unsatisfiable), ("bytes=5-4", .whole), ("bytes=0-1,5-6", .whole),
        ("items=0-1", .whole), ("bytes=a-b", .whole), ("bytes=-", .whole), ("bytes=99999999999999999999-", .whole), ("", .whole),
    ] as [(String, ByteRangeRequest)])
    func resolve(_ header: String, _ expected: ByteRangeRequest) {
        #expect(ByteRangeRequest(header: header, size: 1000) == expected)
    }

    @Test("no Range header, or an empty representation")
    func edges() {
        #expect(ByteRangeRequest(header: nil, size: 10) == .whole)
        #expect(ByteRangeRequest(header: "bytes=0-", size: 0) == .unsatisfiable)
        #expect(ByteRangeRequest(header: "bytes=-1", size: 0) == .unsatisfiable)
    }
}

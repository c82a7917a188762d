import ArtifactStore
import Crypto
import Foundation
import Testing

/// The verified stream a BlobStorage hands out: what a storage (or a hostile server) sends is
/// delivered only as far as it checks out.
@Suite("Verified blob streams")
struct BlobBytesTests {
    static func stream(_ chunks: [[UInt8]]) -> AsyncThrowingStream<[UInt8], any Error> {
        AsyncThrowingStream { continuation in
            for chunk in chunks { continuation.yield(chunk) }
            continuation.finish()
        }
    }

    static let content: [UInt8] = Array("the content of a wheel".utf8)
    static let digest = try! BlobDigest(validating: SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined())

    @Test("content that matches its digest and size is delivered whole, then the stream ends")
    func matchingContent() async throws {
        let bytes = BlobBytes(digest: Self.digest, size: Int64(Self.content.count), source: "test",
                              chunks: Self.stream([Array(Self.content[..<5]), [], Array(Self.content[5...])]))
        #expect(try await bytes.collect() == Self.content)
    }

    @Test("a stream longer than announced fails as soon as it is, and keeps failing when asked again")
    func longerThanAnnounced() async throws {
        let endless = Array(repeating: UInt8(7), count: 1 << 16)
        let bytes = BlobBytes(digest: Self.digest, size: 10, source: "test", chunks: Self.stream([endless, endless, endless]))
        var iterator = bytes.makeAsyncIterator()
        var delivered = 0
        await #expect(throws: StoreError.self) {
            while let chunk = try await iterator.next() { delivered += chunk.count }
        }
        #expect(delivered == 0, "nothing of a stream already longer than announced is delivered")
        await #expect(throws: StoreError.self) { _ = try await iterator.next() }
    }

    @Test("a wrong last chunk is never delivered, and asking again does not look like a clean end")
    func wrongContent() async throws {
        var damaged = Self.content
        damaged[damaged.count - 1] ^= 1
        let bytes = BlobBytes(digest: Self.digest, size: Int64(damaged.count), source: "test",
                              chunks: Self.stream([Array(damaged[..<5]), Array(damaged[5...])]))
        var iterator = bytes.makeAsyncIterator()
        #expect(try await iterator.next() == Array(damaged[..<5]))
        await #expect(throws: StoreError.self) { _ = try await iterator.next() }
        await #expect(throws: StoreError.self) { _ = try await iterator.next() }
    }

    @Test("an announced size far beyond memory is not reserved up front")
    func hugeAnnouncedSize() async throws {
        let bytes = BlobBytes(digest: Self.digest, size: .max, source: "test", chunks: Self.stream([Self.content]))
        await #expect(throws: StoreError.self) { _ = try await bytes.collect() }
    }
}

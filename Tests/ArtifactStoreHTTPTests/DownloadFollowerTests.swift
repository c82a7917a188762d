import ArtifactStore
@testable import ArtifactStoreHTTP
import Foundation
import HTTPCaching
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
import Testing
import TestSupport

/// A client that joins a download `serve` is making follows its body file as it grows
/// (`DownloadFollower`, ARCHITECTURE.md §7).
@Suite("following a download")
struct DownloadFollowerTests {
    /// Collects what a response body writer is given.
    struct Collector: ResponseBodyWriter {
        final class Received: Sendable { let bytes = Mutex<[UInt8]>([]) }
        let received: Received
        mutating func write(_ buffer: ByteBuffer) async throws { received.bytes.withLock { $0 += Array(buffer.readableBytesView) } }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    @Test("a client that joins as the download finishes gets the whole file, though its body file was renamed to its blob's path meanwhile")
    func joiningAsTheDownloadFinishes() async throws {
        let fixture = try TestStore()
        let body = pseudoRandomBytes(count: 300_000, seed: 11)  // more than the held-back end
        let stored = try fixture.store.put(bytes: body)
        let request = HTTPRequestHead(method: "GET", url: "https://files.example.org/big-1.0-py3-none-any.whl")
        let record = try fixture.store.record(request: request, response: HTTPResponseHead(status: 200, headers: ["Cache-Control": "max-age=600"]),
                                              body: stored, requestTime: Date(), responseTime: Date())

        // The download wrote its body file and named it, then finished and published it: the
        // file is no longer at the path the follower is told.
        let path = fixture.directory.path + "/download-body"
        try Data(body).write(to: URL(fileURLWithPath: path))
        let progress = DownloadProgress()
        progress.bodyFile(path, expected: Int64(body.count))
        progress.received(Int64(body.count), expected: Int64(body.count))
        try FileManager.default.moveItem(atPath: path, toPath: path + ".published")
        let result = FetchResult(source: .network, url: request.url, redirects: [], status: 200, headers: HeaderFields(),
                                 body: .stored(digest: stored.digest, size: stored.size), record: record, freshness: nil)
        let task = Task<FetchResult, any Error> { result }
        progress.finish()

        let follower = DownloadFollower(progress: progress, task: task, path: path, expected: stored.digest, length: stored.size,
                                        accept: { _ in }, unstored: { _ in })
        let received = Collector.Received()
        var writer: any ResponseBodyWriter = Collector(received: received)
        try await follower.send(to: &writer)
        #expect(received.bytes.withLock { $0 } == body)
    }
}

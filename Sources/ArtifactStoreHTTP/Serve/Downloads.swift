import ArtifactStore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// The upstream downloads in progress, one per URL, that any number of requests follow.
final class Downloads: Sendable {
    private let running = Mutex<[String: (task: Task<FetchResult, any Error>, progress: DownloadProgress)]>([:])
    /// Where the download tasks run (``BlockingCallExecutor``); nil: Swift concurrency's pool.
    private let executor: BlockingCallExecutor?

    init(executor: BlockingCallExecutor?) {
        self.executor = executor
    }

    /// Joins the download of `url`, starting it with `operation` when none runs. The download
    /// runs in a task of its own: a client that goes away does not cancel it for the others.
    func join(_ url: String, _ operation: @escaping @Sendable (DownloadProgress) async throws -> FetchResult) -> (Task<FetchResult, any Error>, DownloadProgress) {
        running.withLock { running in
            if let entry = running[url] { return (entry.task, entry.progress) }
            let progress = DownloadProgress()
            let task = Task(executorPreference: executor) { [weak self] in
                defer {
                    progress.finish()
                    self?.running.withLock { running in _ = running.removeValue(forKey: url) }
                }
                return try await operation(progress)
            }
            running[url] = (task, progress)
            return (task, progress)
        }
    }
}

/// How far one download has come: the private file its body is written to and how many bytes
/// are in it. Followers wait on changes without polling.
final class DownloadProgress: Sendable {
    struct Snapshot: Sendable {
        /// The body file, once a `200` body is being stored.
        var path: String?
        var written: Int64 = 0
        /// The upstream's `Content-Length`, when it sent one.
        var expected: Int64?
        /// The download ended (successfully or not: the task tells).
        var finished = false
        var version: UInt64 = 0
    }

    private struct State {
        var snapshot = Snapshot()
        var waiters: [CheckedContinuation<Snapshot, Never>] = []
    }

    private let state = Mutex(State())
    /// The body file, opened as soon as the download names it (before its first byte is
    /// written), so that its bytes can still be read when the store could not keep them (it
    /// removes the file then): ``unstoredBodySize(matching:)``. The last one is the body file;
    /// all are closed only when the download is released, so no reader ever finds a descriptor
    /// closed (or reused) under it.
    private let descriptors = Mutex<[(path: String, descriptor: Int32)]>([])

    deinit {
        for opened in descriptors.withLock({ $0 }) { FileSystem.close(opened.descriptor) }
    }

    func bodyFile(_ path: String, expected: Int64?) {
        if let opened = try? FileSystem.open(path, O_RDONLY) { descriptors.withLock { $0.append((path, opened)) } }
        change {
            $0.path = path
            $0.expected = expected
        }
    }

    /// Once the download has failed in the store (the upstream's answer arrived, but the store
    /// could not keep it: its blob storage or metadata database cannot be reached, a disk is
    /// full), the size of the body file if its whole content has the digest `expected`: then
    /// those bytes are the file the page announced, and may be served though nothing was
    /// stored. Nil when there is no body file or its content is anything else (incomplete,
    /// altered). Hashes the whole file: called only on that failure.
    func unstoredBodySize(matching expected: BlobDigest) -> Int64? {
        var hasher = SHA256()
        var size: Int64 = 0
        while true {
            guard let chunk = readBody(at: size, upTo: IndexServer.chunkSize) else { return nil }
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
            size += Int64(chunk.count)
        }
        let hex = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return hex == expected.hex ? size : nil
    }

    /// The body file the download named `path`, open since before its name was announced: it
    /// reads on through the rename that publishes it. Nil when it could not be opened. Valid
    /// while this download is: its descriptors are closed only when it is released.
    func descriptor(of path: String) -> Int32? {
        descriptors.withLock { $0.last { $0.path == path }?.descriptor }
    }

    /// Up to `count` bytes of the body file from `offset` (empty at its end); nil when there is
    /// no body file or it cannot be read. Positional reads: any number of readers at once.
    func readBody(at offset: Int64, upTo count: Int) -> [UInt8]? {
        descriptors.withLock { $0.last?.descriptor }.flatMap { read($0, at: offset, upTo: count) }
    }

    /// Up to `count` bytes of one of this download's body files (``descriptor(of:)``) from
    /// `offset`; nil when it cannot be read.
    func read(_ descriptor: Int32, at offset: Int64, upTo count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        guard let read = try? FileSystem.check("pread", { buffer.withUnsafeMutableBytes { Glibc.pread(descriptor, $0.baseAddress, count, off_t(offset)) } })
        else { return nil }
        return Array(buffer[..<read])
    }

    func received(_ bytes: Int64, expected: Int64?) {
        change {
            $0.written = bytes
            $0.expected = expected
        }
    }

    func finish() { change { $0.finished = true } }

    private func change(_ update: (inout Snapshot) -> Void) {
        let waiters = state.withLock { state -> [CheckedContinuation<Snapshot, Never>] in
            update(&state.snapshot)
            state.snapshot.version &+= 1
            defer { state.waiters = [] }
            return state.waiters
        }
        let snapshot = current
        for waiter in waiters { waiter.resume(returning: snapshot) }
    }

    var current: Snapshot { state.withLock { $0.snapshot } }

    /// The state once it differs from `version` (at once if it already does).
    func next(after version: UInt64) async -> Snapshot {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Snapshot? in
                if state.snapshot.version != version { return state.snapshot }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Waits until the body file is known or the download has finished.
    func bodyFileOrEnd() async -> Snapshot {
        var snapshot = current
        while snapshot.path == nil && !snapshot.finished {
            snapshot = await next(after: snapshot.version)
        }
        return snapshot
    }
}

/// Streams a download to one client while the store writes it: bytes go out as they reach the
/// body file, except the last ``holdBack`` bytes, which go out only once the download has
/// succeeded, that is once the store has checked the digest and published the blob. A download
/// that fails (cut short, wrong hash) ends the response short of its end, so a client never
/// receives a complete wrong file. One the store failed to keep (its blob storage unreachable)
/// is finished from the body file when that has the digest the page announced.
struct DownloadFollower: Sendable {
    static let holdBack: Int64 = 64 << 10

    let progress: DownloadProgress
    let task: Task<FetchResult, any Error>
    /// The body file, as the download opened it before naming it: the download renames it to
    /// its blob path when it succeeds, and an open descriptor reads on through the rename.
    /// (Opening it by path here, once the response has begun, found it gone when the download
    /// finished in between, and sent a 200 with no body: seen in CI.)
    let file: Int32?
    /// Called when the download has succeeded: throws when its result is not what was asked
    /// for (the final check before the held-back bytes go out).
    let accept: @Sendable (FetchResult) throws -> Void
    /// The digest the page announced and the length the response declared: a download that
    /// failed in the store is finished only when the body file has exactly these.
    let expected: BlobDigest?
    let length: Int64?
    /// Called when the rest is sent although the store did not keep the file (a warning).
    let unstored: @Sendable (StoreError) -> Void

    init(progress: DownloadProgress, task: Task<FetchResult, any Error>, path: String, expected: BlobDigest?, length: Int64?,
         accept: @escaping @Sendable (FetchResult) throws -> Void, unstored: @escaping @Sendable (StoreError) -> Void) {
        self.progress = progress
        self.task = task
        file = progress.descriptor(of: path)
        self.expected = expected
        self.length = length
        self.accept = accept
        self.unstored = unstored
    }

    func send(to writer: inout any ResponseBodyWriter) async throws {
        guard let file else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "the download's body file could not be opened"])
        }
        var sent: Int64 = 0
        /// The next bytes of the body file from `sent`, at most `count`: empty at its end.
        func chunk(upTo count: Int) throws -> [UInt8] {
            guard let bytes = progress.read(file, at: sent, upTo: count) else {
                throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "the download's body file could not be read"])
            }
            return bytes
        }
        var snapshot = progress.current
        while true {
            let limit = snapshot.finished ? Int64.max : snapshot.written - Self.holdBack
            if snapshot.finished {
                do {
                    try accept(try await task.value)
                } catch FetchError.store(let error) {
                    // The upstream's bytes arrived but the store could not keep them. Send the
                    // rest only if the whole body file is the announced file (hashed again
                    // here, whatever the store did or did not check): still no complete wrong file.
                    guard let expected, let size = progress.unstoredBodySize(matching: expected), length == nil || size == length else {
                        throw FetchError.store(error)
                    }
                    unstored(error)
                    while sent < size {
                        guard let chunk = progress.readBody(at: sent, upTo: IndexServer.chunkSize), !chunk.isEmpty else {
                            throw FetchError.store(error)
                        }
                        sent += Int64(chunk.count)
                        try await writer.write(ByteBuffer(bytes: chunk))
                    }
                    try await writer.finish(nil)
                    return
                }
                // Everything written is now the verified, published blob: send the rest.
                while case let bytes = try chunk(upTo: IndexServer.chunkSize), !bytes.isEmpty {
                    sent += Int64(bytes.count)
                    try await writer.write(ByteBuffer(bytes: bytes))
                }
                try await writer.finish(nil)
                return
            }
            while sent < limit {
                let bytes = try chunk(upTo: Int(min(Int64(IndexServer.chunkSize), limit - sent)))
                if bytes.isEmpty { break }
                sent += Int64(bytes.count)
                try await writer.write(ByteBuffer(bytes: bytes))
            }
            snapshot = await progress.next(after: snapshot.version)
        }
    }
}

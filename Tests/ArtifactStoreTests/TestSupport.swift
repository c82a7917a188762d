import ArtifactStore
import Foundation
import Logging
import Testing

/// A fresh directory under the system temporary directory, removed when the test ends.
final class TemporaryDirectory {
    let url: URL
    var path: String { url.path(percentEncoded: false) }

    init() throws {
        url = URL(fileURLWithPath: NSTemporaryDirectory())
            .appending(path: "artifact-store-tests-\(UUID().uuidString)", directoryHint: .isDirectory)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        // Blob files are read-only; removal only needs the directories writable, which they are.
        try? FileManager.default.removeItem(at: url)
    }

    func file(_ name: String, contents: [UInt8]) throws -> URL {
        let file = url.appending(path: name)
        try Data(contents).write(to: file)
        return file
    }
}

/// A store in a temporary directory, with a controllable clock.
final class TestStore {
    let directory: TemporaryDirectory
    let store: Store
    let clock: TestClock
    /// What the store logged.
    let log = CapturedLog()
    var root: URL { directory.url.appending(path: "store") }

    init() throws {
        directory = try TemporaryDirectory()
        clock = TestClock()
        var options = Store.Options()
        let clock = clock
        options.now = { clock.now }
        options.logger = log.logger
        store = try Store.open(at: directory.url.appending(path: "store"), options: options)
    }

    /// The path of a blob's file inside the store.
    func blobPath(_ digest: BlobDigest) -> String {
        root.appending(path: "blobs/sha256/\(digest.hex.prefix(2))/\(digest.hex)").path(percentEncoded: false)
    }

    /// Replaces a blob file's content behind the store's back (as disk corruption would).
    func tamper(_ digest: BlobDigest, with contents: [UInt8]) throws {
        let path = blobPath(digest)
        chmod(path, 0o644)
        try Data(contents).write(to: URL(fileURLWithPath: path))
    }
}

/// A log that keeps what it is given instead of printing it: stores in tests log here, so a test
/// that provokes an error can look at the error, and a passing run prints no error line.
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(level: Logger.Level, message: String)] = []

    /// A logger that writes into this log.
    var logger: Logger { Logger(label: "artifact-store-test") { _ in Handler(log: self) } }

    /// What was logged, in order.
    var messages: [(level: Logger.Level, message: String)] { lock.withLock { entries } }

    private func append(_ level: Logger.Level, _ message: String) { lock.withLock { entries.append((level, message)) } }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            log.append(event.level, "\(event.message)")
        }
    }
}

final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_772_534_520)  // 2026-03-03T10:42:00Z
    var now: Date { lock.withLock { current } }
    func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }
}

/// Deterministic pseudo-random bytes.
func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    return (0..<count).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}

/// Expects `body` to throw a `StoreError` with `code`, and returns it.
@discardableResult
func expectStoreError<T>(_ code: StoreError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T) -> StoreError? {
    do {
        _ = try body()
        Issue.record("expected StoreError \(code), nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as StoreError {
        #expect(error.code == code, "message: \(error.message)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected StoreError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

import ArtifactStore
import Foundation
import Synchronization
import Testing

/// A store in a temporary directory, with a controllable clock and a captured log.
public final class TestStore {
    public let directory: TemporaryDirectory
    public let store: Store
    public let clock: TestClock
    /// What the store logged.
    public let log = CapturedLog()
    public var root: URL { directory.url.appending(path: "store") }

    public init() throws {
        directory = try TemporaryDirectory()
        clock = TestClock()
        var options = Store.Options()
        let clock = clock
        options.now = { clock.now }
        options.logger = log.logger
        store = try Store.open(at: directory.url.appending(path: "store"), options: options)
    }

    /// The path of a blob's file inside the store.
    public func blobPath(_ digest: BlobDigest) -> String {
        root.appending(path: "blobs/sha256/\(digest.hex.prefix(2))/\(digest.hex)").path(percentEncoded: false)
    }

    /// Replaces a blob file's content behind the store's back (as disk corruption would).
    public func tamper(_ digest: BlobDigest, with contents: [UInt8]) throws {
        let path = blobPath(digest)
        chmod(path, 0o644)
        try Data(contents).write(to: URL(fileURLWithPath: path))
    }
}

/// A clock tests move by hand.
public final class TestClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_772_534_520))  // 2026-03-03T10:42:00Z

    public init() {}

    public var now: Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// Expects `body` to throw a `StoreError` with `code`, and returns it.
@discardableResult
public func expectStoreError<T>(_ code: StoreError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T) -> StoreError? {
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

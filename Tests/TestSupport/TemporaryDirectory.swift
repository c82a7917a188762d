import Foundation

/// A fresh directory under the system temporary directory, removed when the value goes away.
public final class TemporaryDirectory: Sendable {
    public let url: URL
    public var path: String { url.path(percentEncoded: false) }

    /// `prefix` names the directory (`PREFIX-UUID`), so leftovers say which tests made them.
    public init(prefix: String = "artifact-store-tests") throws {
        url = URL(fileURLWithPath: NSTemporaryDirectory())
            .appending(path: "\(prefix)-\(UUID().uuidString)", directoryHint: .isDirectory)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        // Blob files are read-only; removal only needs the directories writable, which they are.
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `contents` to `name` inside the directory and returns its URL.
    @discardableResult
    public func file(_ name: String, contents: [UInt8]) throws -> URL {
        let file = url.appending(path: name)
        try Data(contents).write(to: file)
        return file
    }
}

import Logging
import Synchronization

/// A log that keeps what it is given instead of printing it: stores in tests log here, so a test
/// that provokes an error can look at the error, and a passing run prints no error line (CI fails
/// a passing `swift test` that printed one).
public final class CapturedLog: Sendable {
    private let entries = Mutex<[(level: Logger.Level, message: String)]>([])

    public init() {}

    /// A logger that writes into this log.
    public var logger: Logger { Logger(label: "artifact-store-test") { _ in Handler(log: self) } }

    /// What was logged, in order.
    public var messages: [(level: Logger.Level, message: String)] { entries.withLock { $0 } }

    private func append(_ level: Logger.Level, _ message: String) { entries.withLock { $0.append((level, message)) } }

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

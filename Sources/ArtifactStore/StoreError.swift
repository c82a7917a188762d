import Foundation

/// The one error type of the store: a stable code, a message that says what happened and what
/// to do, and the underlying cause when there is one.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// Stable, machine-readable error kinds. The raw values appear in `--json` output.
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// The argument is malformed (a digest that is not 64 lowercase hex characters, a
        /// directory given where a file is expected, an input file that cannot be read).
        case invalidInput = "invalid-input"
        /// The store has no blob with this digest.
        case notFound = "not-found"
        /// The store has a row for the blob but its file is gone.
        case blobMissing = "blob-missing"
        /// The blob's content does not match its digest; it has been quarantined.
        case blobCorrupt = "blob-corrupt"
        /// The store was written by a newer artifact-store and cannot be opened by this one.
        case newerFormat = "newer-format"
        /// The path is not a usable store directory (not a directory, not writable, damaged).
        case unusableStore = "unusable-store"
        /// A filesystem operation failed.
        case io = "io"
        /// The metadata database failed.
        case database = "database"
    }

    /// What kind of error it is.
    public var code: Code
    /// What happened and what to do, in one or two sentences.
    public var message: String
    /// The error that caused this one, if any (an `errno`, a SQLite error).
    public var underlying: (any Error)?

    /// Creates an error with a code, a message that says what to do, and its cause.
    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    /// The message, followed by the underlying error in parentheses when there is one.
    public var description: String {
        guard let underlying else { return message }
        return "\(message) (\(underlying))"
    }
}

import Foundation

/// An `errno` value with its system description.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    /// The `errno` value.
    public var errno: Int32
    /// The failing call, e.g. `open`.
    public var operation: String

    /// The system's description of ``errno``, e.g. `No such file or directory`.
    public var reason: String { String(cString: strerror(errno)) }

    /// `OPERATION: system description of errno`.
    public var description: String {
        "\(operation): \(reason)"
    }
}

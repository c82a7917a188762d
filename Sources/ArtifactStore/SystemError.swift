import Foundation
/// An `errno` value with its system description.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    /// The `errno` value.
    public var errno: Int32
    /// The failing call, e.g. `open`.
    public var operation: String

    /// `OPERATION: system description of errno`.
    public var description: String {
        "\(operation): \(String(cString: strerror(errno)))"
    }
}

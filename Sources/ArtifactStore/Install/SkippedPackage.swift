import Foundation
/// A package an environment does not install, and why.
public struct SkippedPackage: Sendable, Hashable {
    /// The package's name.
    public var name: String
    /// The version, when known.
    public var version: String?
    /// Why the environment does not install it (its markers do not hold, for instance).
    public var reason: String
}

import Foundation
import PythonPackaging

/// The answer to "can this requirement be installed from the store?" (ARCHITECTURE.md §5).
public struct InstallVerdict: Sendable, Hashable {
    /// The requirement answered.
    public var requirement: InstallRequirement
    /// The environment, for people: `CPython 3.11 on manylinux_2_28_x86_64`.
    public var environment: String
    /// The policy the answer was given under.
    public var policy: CachePolicy
    /// How several indexes were combined.
    public var strategy: IndexStrategy
    /// Stored and verified: an offline installer would succeed.
    public var isSatisfiable: Bool
    /// The file an installer would pick (stored or not).
    public var chosen: InstallCandidate?
    /// Every index walked, in order.
    public var indexes: [IndexOutcome]
    /// Why not, in order of importance (empty when satisfiable).
    public var reasons: [InstallReason]
    /// Facts worth telling (a stale page served by policy, content-addressed reuse, markers ignored).
    public var notes: [String]
    /// Wheels of the project in the store, whatever page listed them (filled when not satisfiable).
    public var storedWheels: [StoredWheel]
    /// The stored wheel `export` would write for this requirement, when the requirement is not
    /// satisfiable through its index but a stored wheel satisfies it.
    public var wayOut: StoredWheel?
    /// The command that builds a local index from the store, when there is a way out.
    public var wayOutCommand: String?
}

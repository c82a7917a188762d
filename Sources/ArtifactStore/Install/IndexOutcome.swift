import Foundation

/// What happened at one index.
public struct IndexOutcome: Sendable, Hashable {
    /// The index's base URL.
    public var index: String
    /// The project page asked for on that index.
    public var pageURL: String
    /// The page could be used under the policy.
    public var pageUsable: Bool
    /// How fresh the page is, when usable.
    public var pageFreshness: Satisfied.Freshness?
    /// Number of distribution files the page lists for the project.
    public var fileCount: Int
    /// The best installable candidate on this index, if any.
    public var best: InstallCandidate?
    /// Why this index offers nothing installable.
    public var reasons: [InstallReason]
}

import Foundation

/// How several indexes are combined, like uv's `--index-strategy`.
public enum IndexStrategy: String, Sendable, Hashable, CaseIterable, Codable {
    /// Use only the first index whose usable page lists the project (uv's default; protects
    /// against dependency confusion).
    case firstIndex = "first-index"
    /// Consider every index and take the best version found anywhere (pip's behaviour with
    /// `--extra-index-url`); ties go to the earlier index.
    case unsafeBestMatch = "unsafe-best-match"
}

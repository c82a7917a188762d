import Foundation
import HTTPCaching

/// How requests are answered from the store (ARCHITECTURE.md §5). Policies decide; facts never change.
public enum CachePolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Strict RFC 9111: only fresh responses; a stale one needs revalidation.
    case online
    /// What installers' `--offline` means: any stored body that matches is usable, however
    /// stale, even against `must-revalidate`/`no-cache` (the staleness is reported).
    case offline
    /// Like `offline`, and also serves bodies of refused responses kept by the archive policy.
    case archive
}

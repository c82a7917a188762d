import Foundation

/// The answer for a whole environment: every package, and one summary line
/// (ARCHITECTURE.md §5, "environments").
public struct EnvironmentVerdict: Sendable, Hashable {
    /// For people: `CPython 3.11 on manylinux_2_28_x86_64`.
    public var environment: String
    /// What was asked: the lock file or requirements file path, or `requirements`.
    public var source: String
    /// One answer per package the environment installs.
    public var packages: [PackageAnswer]
    /// Packages the environment does not install.
    public var skipped: [SkippedPackage]
    /// Facts about the whole answer worth telling.
    public var notes: [String]

    /// Creates an answer from its parts.
    public init(environment: String, source: String, packages: [PackageAnswer], skipped: [SkippedPackage], notes: [String]) {
        self.environment = environment
        self.source = source
        self.packages = packages
        self.skipped = skipped
        self.notes = notes
    }

    /// Every package's file is stored (or local).
    public var isSatisfiable: Bool { packages.allSatisfy(\.isSatisfiable) }

    /// `41 of 43 files stored (1.2 GiB); missing: torch-…whl (never fetched), triton-… (refused: no-store, 2026-03-03)`.
    public var summary: String {
        let files = packages.filter { $0.status != .local }
        let stored = files.filter { $0.status == .stored }
        let bytes = stored.reduce(Int64(0)) { $0 + ($1.stored?.size ?? $1.size ?? 0) }
        var text = "\(stored.count) of \(files.count) files stored (\(Self.bytes(bytes)))"
        let missing = files.filter { $0.status != .stored }
        if !missing.isEmpty {
            let items = missing.map { answer in "\(answer.filename ?? answer.requirement ?? answer.name) (\(answer.shortReason))" }
            text += "; missing: " + (items.count <= 8 ? items.joined(separator: ", ") : items.prefix(8).joined(separator: ", ") + " and \(items.count - 8) more")
        }
        if !skipped.isEmpty { text += "; \(skipped.count) skipped by markers" }
        return text
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(count) bytes" : String(format: "%.1f %@", value, units[unit])
    }
}

import Foundation
import GRDB

/// What a pin keeps: one blob, or the bodies of every response whose URL matches a pattern.
public enum PinTarget: Sendable, Hashable {
    /// Keeps this blob (it need not be stored yet).
    case digest(BlobDigest)
    /// Keeps the body of every current response whose normalized URL matches this glob
    /// (`*` matches any run of characters including `/`, `?` one character; SQLite `GLOB`).
    case urlPattern(String)
}

/// A root that garbage collection never evicts (ARCHITECTURE.md §3, §6).
public struct Pin: Sendable, Hashable {
    /// The pin's row id.
    public var id: Int64
    /// What the pin keeps.
    public var target: PinTarget
    /// When the pin was made.
    public var createdAt: Date
    /// Free text for people: why the pin exists.
    public var note: String

    init(row: SQLRow) {
        id = row["id"]
        if let digest = row["digest"] as String? {
            target = .digest(BlobDigest(trusted: digest))
        } else {
            target = .urlPattern(row["url_pattern"])
        }
        createdAt = Date(unixSeconds: row["created_at"])
        note = row["note"]
    }
}

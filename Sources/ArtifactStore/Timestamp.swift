import Foundation

/// Formatting of the store's times. Every instant on the public surface is a `Date`; the
/// database keeps whole Unix seconds (`Date(unixSeconds:)` reads them back).
public enum Timestamp {
    /// `2026-03-03T10:42:00Z`.
    public static func iso8601(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// `2026-03-03T10:42:00Z`, for Unix seconds.
    public static func iso8601(_ seconds: Int64) -> String {
        iso8601(Date(unixSeconds: seconds))
    }
}

extension Date {
    /// The instant `seconds` whole seconds after 1970-01-01T00:00:00Z, as the store records times.
    public init(unixSeconds seconds: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Whole Unix seconds, rounded down, as the store records times (clamped to `Int64`).
    public var unixSeconds: Int64 {
        let value = timeIntervalSince1970.rounded(.down)
        return value.isFinite ? Int64(clamping: Int(exactly: value) ?? (value < 0 ? Int.min : Int.max)) : 0
    }
}

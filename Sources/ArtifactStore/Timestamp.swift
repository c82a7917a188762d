import Foundation

/// Formatting of the store's Unix-second timestamps.
public enum Timestamp {
    /// `2026-03-03T10:42:00Z`.
    public static func iso8601(_ seconds: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(.iso8601)
    }
}

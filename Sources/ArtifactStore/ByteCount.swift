import Foundation

/// Sizes as people read them, in binary units as `ls -h` and `du -h` give them: `146 B`,
/// `7.5 KiB`, `35 MiB`. One rule for the CLI and serve's web pages.
public enum ByteCount {
    /// `bytes` in B, KiB, MiB…: one decimal below 10 of a unit, none above.
    public static func text(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }
}

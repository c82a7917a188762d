import Foundation
import HTTPCaching

/// Redacting URLs in text for messages and logs. Normalizing a URL for the store is
/// ``NormalizedURL``.
public enum RecordedURL {
    /// The text with the userinfo of every URL in it removed (or replaced by `replacement`):
    /// `https://user:secret@host/` → `https://***@host/`. Safe for messages and error details.
    public static func redacted(_ text: String, replacement: String = "***@") -> String {
        var result = ""
        var rest = Substring(text)
        while let marker = rest.range(of: "://") {
            result += rest[..<marker.upperBound]
            rest = rest[marker.upperBound...]
            let authorityEnd = rest.firstIndex { "/?#".contains($0) || $0.isWhitespace } ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@") {
                result += replacement
                rest = rest[rest.index(after: at)...]
            }
        }
        return result + rest
    }
}

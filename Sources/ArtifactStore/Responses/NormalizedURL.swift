import Foundation
import HTTPCaching

/// A URL as the store records and looks it up: `http`/`https` only, normalized for comparison,
/// and without `user:password@` or fragment, so credentials never reach the disk. Having one
/// proves the normalization was done, once; code that takes one never normalizes again.
///
/// Beyond RFC 3986's normalization (`CacheKey.normalizedURL(_:)` of HTTPCaching), one installer
/// rule: a `+` in the path is recorded as `%2B`. pip quotes every link's path (a `+` becomes
/// `%2B`) while people and some installers write `torch-2.0.1+cpu-…whl`; both spellings name one
/// file, so they are one URL here (ARCHITECTURE.md §3). Only the key changes: requests go out as
/// written.
public struct NormalizedURL: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The normalized URL.
    public let text: String

    /// Normalizes an absolute `http(s)` URL.
    ///
    /// - Throws: ``StoreError`` `invalidInput` for anything but an absolute `http(s)` URL with a host.
    public init(_ url: String) throws {
        text = try Self.normalize(url)
    }

    /// The normalized URL.
    public var description: String { text }

    /// Ordered by text.
    public static func < (lhs: NormalizedURL, rhs: NormalizedURL) -> Bool { lhs.text < rhs.text }

    /// Encoded as its text.
    public init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self))
    }

    /// Encoded as its text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    /// The key the URL's responses are looked up by (column `url_key`): the 64-bit FNV-1a hash of
    /// its UTF-8 bytes, as a signed integer. Stored in every store: never change it.
    var lookupKey: Int64 { Self.lookupKey(text) }

    static func lookupKey(_ normalized: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in normalized.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    private static func normalize(_ url: String) throws -> String {
        // Fast path for the common case (a lowercase scheme, no userinfo, nothing to trim).
        let utf8 = url.utf8
        if (url.hasPrefix("https://") || url.hasPrefix("http://")), !utf8.contains(where: { $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: "+") }),
           let first = utf8.first, let last = utf8.last, first > 0x20, last > 0x20 {
            let host = url.hasPrefix("https://") ? utf8.dropFirst(8) : utf8.dropFirst(7)
            if let start = host.first, start != UInt8(ascii: "/"), start != UInt8(ascii: "?"), start != UInt8(ascii: "#") {
                return CacheKey.normalizedURL(url)
            }
        }
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        guard let schemeEnd = trimmed.range(of: "://") else {
            throw StoreError(.invalidInput, "not an absolute URL: \(RecordedURL.redacted(trimmed)); give one like https://pypi.org/simple/torch/")
        }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw StoreError(.invalidInput, "unsupported URL scheme \"\(scheme)\" in \(RecordedURL.redacted(trimmed)); the store records http and https responses only")
        }
        let withoutUserinfo = RecordedURL.redacted(trimmed, replacement: "")
        let afterScheme = withoutUserinfo[schemeEnd.upperBound...]
        guard let hostStart = afterScheme.first, hostStart != "/", hostStart != "?", hostStart != "#" else {
            throw StoreError(.invalidInput, "the URL \(RecordedURL.redacted(trimmed)) has no host")
        }
        return quotingPlusInPath(CacheKey.normalizedURL(withoutUserinfo))
    }

    /// A normalized URL with each `+` in its path written `%2B` (the query keeps its `+`, which
    /// form encoding reads as a space).
    static func quotingPlusInPath(_ normalized: String) -> String {
        guard normalized.utf8.contains(UInt8(ascii: "+")), let schemeEnd = normalized.range(of: "://") else { return normalized }
        let afterScheme = normalized[schemeEnd.upperBound...]
        guard let pathStart = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return normalized }
        let pathEnd = normalized[pathStart...].firstIndex(of: "?") ?? normalized.endIndex
        let path = normalized[pathStart..<pathEnd]
        guard path.contains("+") else { return normalized }
        return normalized[..<pathStart] + path.replacingOccurrences(of: "+", with: "%2B") + normalized[pathEnd...]
    }
}

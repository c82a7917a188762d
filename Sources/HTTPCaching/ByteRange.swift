// Single byte-range requests (RFC 9110 §14): what a client resuming a download asks for.

/// The part of a representation a `Range` header asks for, resolved against its size.
public enum ByteRangeRequest: Sendable, Hashable {
    /// No range, an unsupported unit, several ranges, or a syntax error: answer with the whole
    /// representation (RFC 9110 §14.2: a recipient may ignore the `Range` field).
    case whole
    /// Bytes `first...last` (inclusive, within the representation): answer `206`.
    case partial(first: Int64, last: Int64)
    /// A valid range that starts past the end: answer `416` with `Content-Range: bytes */SIZE`.
    case unsatisfiable

    /// Resolves `Range` (`bytes=0-499`, `bytes=500-`, `bytes=-500`) for a representation of `size`
    /// bytes. Only one range is served; a request for several gets the whole representation.
    public init(header: String?, size: Int64) {
        guard let header else {
            self = .whole
            return
        }
        let trimmed = header.drop { $0 == " " || $0 == "\t" }
        guard trimmed.lowercased().hasPrefix("bytes="), size >= 0 else {
            self = .whole
            return
        }
        let spec = trimmed.dropFirst("bytes=".count).filter { $0 != " " && $0 != "\t" }
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else {
            self = .whole
            return
        }
        let start = spec[..<dash], end = spec[spec.index(after: dash)...]
        guard start.allSatisfy(\.isASCIIDigit), end.allSatisfy(\.isASCIIDigit), !(start.isEmpty && end.isEmpty),
              start.count <= 18, end.count <= 18
        else {
            self = .whole
            return
        }
        if start.isEmpty {
            // A suffix range: the last N bytes (§14.1.2); zero bytes is unsatisfiable.
            let length = Int64(end)!
            guard length > 0, size > 0 else {
                self = .unsatisfiable
                return
            }
            self = .partial(first: max(0, size - length), last: size - 1)
            return
        }
        let first = Int64(start)!
        if let last = Int64(end), last < first {
            self = .whole  // invalid: ignore the field
            return
        }
        guard first < size else {
            self = .unsatisfiable
            return
        }
        let last = end.isEmpty ? size - 1 : min(Int64(end)!, size - 1)
        self = .partial(first: first, last: last)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

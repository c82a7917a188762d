/// One header field line: a name and a value, exactly as sent.
public struct HeaderField: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The field name as sent (compared case-insensitively by ``HeaderFields``).
    public var name: String
    /// The field value as sent, byte-for-byte (not trimmed, not combined).
    public var value: String

    /// Creates a field line.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// `Name: value`.
    public var description: String { "\(name): \(value)" }

    /// Encodes as a two-element array `[name, value]`, the shape used by `debug eval` inputs.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(name)
        try container.encode(value)
    }

    /// Decodes from a two-element array `[name, value]` of strings.
    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        guard container.count == 2 else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "a header line must be a [name, value] pair of strings"))
        }
        name = try container.decode(String.self)
        value = try container.decode(String.self)
    }
}

/// The header section of a message: an ordered list of field lines (RFC 9110 §5).
///
/// Field names are compared case-insensitively (RFC 9110 §5.1); lines are kept in the order
/// received, repeated lines are kept as separate lines (two `Cache-Control` lines stay two
/// lines), and values are kept byte-for-byte. Equality and hashing compare the lines exactly,
/// including the spelling of names, because the type records what was sent.
///
/// It encodes (`Codable`) as an array of `[name, value]` pairs.
public struct HeaderFields: Hashable, Sendable, Codable, RandomAccessCollection, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral, CustomStringConvertible
{
    /// The field lines in order.
    public private(set) var lines: [HeaderField]

    /// An empty header section.
    public init() { lines = [] }

    /// A header section with these lines, in order.
    public init(_ lines: [HeaderField]) { self.lines = lines }

    /// A header section from `(name, value)` pairs, in order; repeated names are kept.
    public init(_ pairs: [(String, String)]) {
        lines = pairs.map { HeaderField(name: $0.0, value: $0.1) }
    }

    /// `[HeaderField(...), ...]`.
    public init(arrayLiteral elements: HeaderField...) { lines = elements }

    /// `["Cache-Control": "max-age=60", "Cache-Control": "public"]`: order and repeats are kept.
    public init(dictionaryLiteral elements: (String, String)...) {
        lines = elements.map { HeaderField(name: $0.0, value: $0.1) }
    }

    /// Decodes from an array of `[name, value]` pairs.
    public init(from decoder: any Decoder) throws {
        lines = try decoder.singleValueContainer().decode([HeaderField].self)
    }

    /// Encodes as an array of `[name, value]` pairs, in order.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(lines)
    }

    /// The index of the first line.
    public var startIndex: Int { lines.startIndex }
    /// One past the index of the last line.
    public var endIndex: Int { lines.endIndex }
    /// The line at `position`.
    public subscript(position: Int) -> HeaderField { lines[position] }

    /// One `Name: value` line per field line.
    public var description: String { lines.map(\.description).joined(separator: "\n") }

    // MARK: Lookup

    /// Whether at least one line has this name (case-insensitive).
    public func contains(_ name: String) -> Bool {
        lines.contains { HeaderFields.namesEqual($0.name, name) }
    }

    /// The values of all lines with this name (case-insensitive), in order, unmodified.
    public func values(for name: String) -> [String] {
        lines.filter { HeaderFields.namesEqual($0.name, name) }.map(\.value)
    }

    /// The combined field value (RFC 9110 §5.3): the values of all lines with this name joined
    /// with `", "`, or `nil` if no line has this name.
    public func combinedValue(for name: String) -> String? {
        let values = values(for: name)
        return values.isEmpty ? nil : values.joined(separator: ", ")
    }

    /// The members of a comma-separated list field (RFC 9110 §5.6.1) across all its lines,
    /// with surrounding whitespace removed and empty members dropped. Commas inside
    /// quoted strings do not split.
    public func listMembers(for name: String) -> [String] {
        values(for: name).flatMap { HeaderFields.splitList($0) }
    }

    // MARK: Mutation

    /// Appends a line at the end.
    public mutating func append(name: String, value: String) {
        lines.append(HeaderField(name: name, value: value))
    }

    /// Removes every line with this name (case-insensitive).
    public mutating func removeAll(named name: String) {
        lines.removeAll { HeaderFields.namesEqual($0.name, name) }
    }

    /// Replaces every line with this name by `values` (one line each), put where the first
    /// existing line was, or at the end when there was none.
    public mutating func replaceAll(named name: String, with values: [String]) {
        let position = lines.firstIndex { HeaderFields.namesEqual($0.name, name) }
        removeAll(named: name)
        let newLines = values.map { HeaderField(name: name, value: $0) }
        if let position {
            lines.insert(contentsOf: newLines, at: Swift.min(position, lines.count))
        } else {
            lines.append(contentsOf: newLines)
        }
    }

    // MARK: Lexical helpers (RFC 9110 §5.6)

    /// Case-insensitive ASCII comparison of field names.
    public static func namesEqual(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        guard x.count == y.count else { return false }
        // Native strings' bytes in place: a loop over two buffers, not two iterators.
        let inPlace = x.withContiguousStorageIfAvailable { x in
            y.withContiguousStorageIfAvailable { y in
                x.indices.allSatisfy { asciiLower(x[$0]) == asciiLower(y[$0]) }
            }
        }
        if let equal = inPlace ?? nil { return equal }
        return zip(x, y).allSatisfy { asciiLower($0) == asciiLower($1) }
    }

    /// The name lowercased in ASCII only (other bytes are left alone).
    public static func lowercasedName(_ name: some StringProtocol) -> String {
        // Most names arrive lowercased already (directive names, HTTP/2 field names).
        guard name.utf8.contains(where: { (0x41...0x5A).contains($0) }) else { return String(name) }
        return String(unsafeUninitializedCapacity: name.utf8.count) { buffer in
            var count = 0
            for byte in name.utf8 {
                buffer[count] = asciiLower(byte)
                count += 1
            }
            return count
        }
    }

    @inline(__always)
    static func asciiLower(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// Removes leading and trailing optional whitespace (SP / HTAB, RFC 9110 §5.6.3).
    public static func trimmingWhitespace(_ text: some StringProtocol) -> String {
        let bytes = Array(text.utf8)
        var start = 0, end = bytes.count
        while start < end, isWhitespace(bytes[start]) { start += 1 }
        while end > start, isWhitespace(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// Splits one field value into list members at commas outside quoted strings; trims
    /// whitespace from each member and drops empty members (RFC 9110 §5.6.1 lets a recipient
    /// ignore empty list elements).
    static func splitList(_ value: String) -> [String] {
        var members: [String] = []
        var current: [UInt8] = []
        var inQuotes = false
        var escaped = false
        for byte in value.utf8 {
            if inQuotes {
                current.append(byte)
                if escaped { escaped = false }
                else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") { inQuotes = false }
            } else if byte == UInt8(ascii: ",") {
                members.append(String(decoding: current, as: UTF8.self))
                current = []
            } else {
                if byte == UInt8(ascii: "\"") { inQuotes = true }
                current.append(byte)
            }
        }
        members.append(String(decoding: current, as: UTF8.self))
        return members.map { trimmingWhitespace($0) }.filter { !$0.isEmpty }
    }

    /// The content of a quoted-string (RFC 9110 §5.6.4) with quoted-pairs unescaped, or the text
    /// unchanged when it is not quoted. An unterminated quoted string yields its content up to
    /// the end.
    static func unquoted(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "\"") else { return text }
        var result: [UInt8] = []
        var index = 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                result.append(bytes[index + 1])
                index += 2
                continue
            }
            if byte == UInt8(ascii: "\"") { break }
            result.append(byte)
            index += 1
        }
        return String(decoding: result, as: UTF8.self)
    }
}

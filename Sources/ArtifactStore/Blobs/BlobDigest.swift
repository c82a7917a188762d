/// The SHA-256 of a blob's content, as 64 lowercase hexadecimal characters.
///
/// Blob paths inside the store are built only from this type, so no user input can name a path
/// outside `blobs/`.
public struct BlobDigest: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The 64 lowercase hex characters.
    public let hex: String

    /// Validates a user-supplied digest: 64 hex characters in any case, optionally prefixed by
    /// `sha256:` (a hash is the same hash in upper case).
    public init(validating text: String) throws {
        let hex = Self.hexPart(of: text)
        guard hex.utf8.count == 64, hex.utf8.allSatisfy(Self.isHexDigit) else {
            throw StoreError(.invalidInput, "not a blob digest: \(Self.quoted(text)); a digest is 64 hexadecimal characters (SHA-256), e.g. the first column of `artifact-store ls`, or a unique prefix of at least 8")
        }
        self.hex = hex
    }

    /// The lowercased hex of a user-supplied digest or prefix, without `sha256:`.
    static func hexPart(of text: String) -> String {
        let lowered = text.lowercased()
        return lowered.hasPrefix("sha256:") ? String(lowered.dropFirst("sha256:".count)) : lowered
    }

    /// Shortest prefix accepted for a digest (as git accepts abbreviated object names).
    public static let minimumPrefixLength = 8

    /// A digest from the 32 raw bytes of a SHA-256.
    init(rawBytes: some Sequence<UInt8>) {
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in rawBytes {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        precondition(hex.count == 64, "SHA-256 digests have 32 bytes")
        self.hex = String(decoding: hex, as: UTF8.self)
    }

    /// A digest read back from the database, where the schema already guarantees the shape.
    init(trusted hex: String) {
        self.hex = hex
    }

    /// The 64 lowercase hex characters (``hex``).
    public var description: String { hex }

    /// Orders digests by their hex text.
    public static func < (lhs: BlobDigest, rhs: BlobDigest) -> Bool { lhs.hex < rhs.hex }

    /// Decodes a digest from a string, validated as ``init(validating:)`` does (`sha256:` and upper
    /// case accepted).
    public init(from decoder: any Decoder) throws {
        try self.init(validating: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the digest as its 64 lowercase hex characters.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }

    /// The fan-out directory name: the first two hex characters.
    var fanOut: String { String(hex.prefix(2)) }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    /// The input, shortened and with control characters escaped, safe to print in a message.
    private static func quoted(_ text: String) -> String {
        let shown = text.count > 80 ? String(text.prefix(77)) + "..." : text
        return "\"" + shown.unicodeScalars.map { $0.properties.generalCategory == .control ? $0.escaped(asASCII: true) : String($0) }.joined() + "\""
    }
}

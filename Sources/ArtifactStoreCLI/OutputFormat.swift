import ArtifactStore
import Foundation

/// Human and JSON output helpers shared by the commands.
enum Output {
    /// Writes one line to standard output (✔ and ✘ in colour on a terminal, see ``usesColor``).
    static func line(_ text: String) {
        let shown = usesColor ? text.replacingOccurrences(of: "✔", with: "\u{1B}[32m✔\u{1B}[0m").replacingOccurrences(of: "✘", with: "\u{1B}[31m✘\u{1B}[0m") : text
        FileHandle.standardOutput.write(Data((shown + "\n").utf8))
    }

    /// Colour only on a terminal, and never with `NO_COLOR` set (no-color.org) or `TERM=dumb`.
    static let usesColor: Bool = {
        let environment = ProcessInfo.processInfo.environment
        if let value = environment["NO_COLOR"], !value.isEmpty { return false }
        if environment["TERM"] == "dumb" { return false }
        return isatty(STDOUT_FILENO) == 1
    }()

    /// Writes one line to standard error.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// The encoder for every `--json` output: compact, keys sorted, stable.
    static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try jsonEncoder.encode(value), as: UTF8.self)
    }

    /// Prints a value as one line of JSON.
    static func printJSON(_ value: some Encodable) throws {
        line(try json(value))
    }

    /// `1.2 MiB`-style sizes (``ByteCount/text(_:)``).
    static func humanSize(_ bytes: Int64) -> String { ByteCount.text(bytes) }

    static func time(_ seconds: Int64?) -> String? {
        seconds.map(Timestamp.iso8601)
    }
}

/// A blob as the CLI prints it in `--json` (times in ISO 8601, UTC).
struct BlobJSON: Encodable {
    var digest: String
    var size: Int64
    var createdAt: String
    var lastUsedAt: String
    var verifiedAt: String?
    var quarantinedAt: String?
    var quarantineReason: String?
    var path: String?

    init(_ info: BlobInfo, path: String? = nil) {
        digest = info.digest.hex
        size = info.size
        createdAt = Timestamp.iso8601(info.createdAt)
        lastUsedAt = Timestamp.iso8601(info.lastUsedAt)
        verifiedAt = Output.time(info.verifiedAt)
        quarantinedAt = Output.time(info.quarantinedAt)
        quarantineReason = info.quarantineReason
        self.path = path
    }

    func encode(to encoder: any Encoder) throws {
        // Optional fields are always present, `null` when unset, so scripts can rely on the keys.
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(digest, forKey: .digest)
        try container.encode(size, forKey: .size)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(lastUsedAt, forKey: .lastUsedAt)
        try container.encode(verifiedAt, forKey: .verifiedAt)
        try container.encode(quarantinedAt, forKey: .quarantinedAt)
        try container.encode(quarantineReason, forKey: .quarantineReason)
        if let path { try container.encode(path, forKey: .path) }
    }

    enum CodingKeys: String, CodingKey {
        case digest, size, createdAt, lastUsedAt, verifiedAt, quarantinedAt, quarantineReason, path
    }
}

extension Output {
    /// Whether bytes look binary, as curl and git decide: a NUL byte in the first 8 KiB.
    static func looksBinary(_ prefix: some Sequence<UInt8>) -> Bool {
        prefix.contains(0)
    }

    /// The first 8 KiB of a stored blob (not verified: only for deciding how to show it).
    static func prefix(of digest: BlobDigest, in store: Store) throws -> [UInt8] {
        let reader = try store.open(digest)
        defer { reader.close() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 8192, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        while total < buffer.count {
            let count = try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[total...]))
            if count == 0 { break }
            total += count
        }
        return Array(buffer[..<total])
    }

    /// Standard output is a terminal.
    static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
}

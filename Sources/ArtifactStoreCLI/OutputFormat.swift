import ArtifactStore
import Foundation

/// Human and JSON output helpers shared by the commands.
package enum Output {
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
        return FileSystem.isTerminal(STDOUT_FILENO)
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
    package static func printJSON(_ value: some Encodable) throws {
        line(try json(value))
    }

    /// `1.2 MiB`-style sizes (``ByteCount/text(_:)``).
    static func humanSize(_ bytes: Int64) -> String { ByteCount.text(bytes) }

    static func time(_ date: Date?) -> String? {
        date.map(Timestamp.iso8601)
    }
}

/// An optional field that `--json` output always writes, as `null` when there is no value, so
/// that scripts can rely on every documented key (synthesized `Encodable` leaves nil optionals
/// out). Plain optionals stay for keys the contract says are present only sometimes.
@propertyWrapper
struct ExplicitNull<Value: Encodable>: Encodable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

/// A blob as the CLI prints it in `--json` (times in ISO 8601, UTC).
struct BlobJSON: Encodable {
    var digest: String
    var size: Int64
    var createdAt: String
    var lastUsedAt: String
    @ExplicitNull var verifiedAt: String?
    @ExplicitNull var quarantinedAt: String?
    @ExplicitNull var quarantineReason: String?
    /// Only when asked for.
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
    static var standardOutputIsTerminal: Bool { FileSystem.isTerminal(STDOUT_FILENO) }
}

import Crypto
import Foundation

/// What earlier exports wrote into a find-links directory (`.artifact-store-export.json`):
/// each file's SHA-256, size and `Requires-Python`, so a later export merges its index with
/// them without re-hashing. A file whose size changed since, or that the manifest does not
/// know (put there by hand), is hashed.
struct ExportManifest: Codable {
    struct Entry: Codable {
        var sha256: String
        var size: Int64?
        var requiresPython: String?
    }

    static let name = ".artifact-store-export.json"
    var files: [String: Entry] = [:]

    init() {}

    /// The manifest in `directory`, or an empty one (missing or unreadable: every file is hashed).
    static func load(from directory: String) -> ExportManifest {
        guard let data = FileManager.default.contents(atPath: directory + "/" + name),
              let manifest = try? JSONDecoder().decode(ExportManifest.self, from: data) else { return ExportManifest() }
        return manifest
    }

    func save(to directory: String) throws {
        var manifest = self
        for (name, entry) in files where entry.size == nil {
            let size = (try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.size] as? NSNumber)?.int64Value
            manifest.files[name]?.size = size
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try Store.writeAtomically(String(decoding: try encoder.encode(manifest), as: UTF8.self), to: directory + "/" + Self.name)
    }

    /// The SHA-256 of the file `name` at `path`: the manifest's when its size still matches,
    /// else hashed now (and remembered).
    mutating func digest(of name: String, at path: String) throws -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? NSNumber)?.int64Value
        if let entry = files[name], entry.size != nil, entry.size == size { return entry.sha256 }
        guard attributes?[.type] as? FileAttributeType == .typeRegular, let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError(.io, "cannot read \(path) to learn its hash; check its permissions")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        let hex = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        files[name] = Entry(sha256: hex, size: size, requiresPython: files[name]?.requiresPython)
        return hex
    }
}

/// The fields of a distribution's core metadata (the wheel's `METADATA` file, or its PEP 658
/// sidecar) that offline answers need. The format is RFC 822-style headers (core metadata
/// specification, "Metadata-Version 2.x"): `Name: value` lines, continuation lines start with
/// whitespace, the first empty line starts the description body.
public struct DistributionMetadata: Sendable, Hashable {
    /// The `Name` field, as written (not normalized); nil when missing.
    public var name: String?
    /// The `Version` field, as written; nil when missing.
    public var version: String?
    /// `Requires-Dist` values in order, each a PEP 508 requirement (possibly with a marker).
    public var requiresDist: [String]
    /// The `Requires-Python` field, a specifier set as written; nil when missing.
    public var requiresPython: String?

    /// Reads the header fields; never fails (a field that is missing is nil or empty).
    public init(parsing text: String) {
        var fields: [(String, String)] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.isEmpty { break }
            if let first = line.first, first == " " || first == "\t" {
                if !fields.isEmpty { fields[fields.count - 1].1 += " " + line.drop { $0 == " " || $0 == "\t" } }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            fields.append((line[..<colon].lowercased(), String(value)))
        }
        func value(_ key: String) -> String? { fields.first { $0.0 == key }?.1 }
        name = value("name")
        version = value("version")
        requiresPython = value("requires-python")
        requiresDist = fields.filter { $0.0 == "requires-dist" }.map { String($0.1.reversed().drop { $0 == " " }.reversed()) }
    }
}

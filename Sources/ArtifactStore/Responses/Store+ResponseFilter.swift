import Foundation
import GRDB

extension Store {
    /// Calls `body` for each current response row matching `filter`, by URL, without loading
    /// them all in memory.
    public func forEachResponse(matching filter: ResponseFilter = ResponseFilter(), limit: Int? = nil, _ body: (ResponseRecord) throws -> Void) throws {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if filter.refusedOnly { conditions.append("storability IN ('refused', 'archived')") }
        if let staleAt = filter.staleAt {
            conditions.append("storability <> 'refused' AND expires_at <= ?")
            arguments.append(Self.seconds(staleAt))
        }
        if let host = filter.host?.lowercased() {
            // URLs are normalized: the host follows the scheme in lowercase.
            conditions.append("(" + Array(repeating: dialect.glob("url", pattern: "?"), count: 4).joined(separator: " OR ") + ")")
            let escaped = host.replacingOccurrences(of: "[", with: "[[]").replacingOccurrences(of: "*", with: "[*]").replacingOccurrences(of: "?", with: "[?]")
            for scheme in ["http", "https"] {
                arguments.append("\(scheme)://\(escaped)/*")
                arguments.append("\(scheme)://\(escaped):*")
            }
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments.append(limit ?? Int.max)
        try read { db in
            let cursor = try SQLRow.fetchCursor(db, sql: "SELECT \(ResponseRecord.selection()) FROM response \(whereClause) ORDER BY url, method, variant_key LIMIT ?",
                                             arguments: SQLArguments(arguments))
            while let row = try cursor.next() { try body(ResponseRecord(row: row)) }
        }
    }
}

import Foundation
import GRDB
import HTTPCaching
import PythonPackaging

/// The read-only questions serve's web pages ask. Every query here is answered from an index
/// (checked at 1 M responses by `scripts/bench-pages.sh`); none writes.
extension Store {
    /// The most recent refused (or archived) responses, newest first.
    public func recentRefusedResponses(limit: Int) throws -> [ResponseRecord] {
        try read { db in
            try SQLRow.fetchAll(db, sql: """
                SELECT \(ResponseRecord.selection()) FROM response \(dialect.indexedBy("response_refused_by_time"))
                WHERE storability IN ('refused', 'archived') ORDER BY response_time DESC LIMIT ?
                """, arguments: [max(0, limit)]).map(ResponseRecord.init(row:))
        }
    }

    /// What refers to a blob: responses (up to `limit`), pins and leases.
    public func references(to digest: BlobDigest, limit: Int = 50) throws -> BlobReferences {
        try read { db in
            let rows = try SQLRow.fetchAll(db, sql: "SELECT \(ResponseRecord.selection()) FROM response WHERE body_digest = ? ORDER BY response_time DESC LIMIT ?",
                                        arguments: [digest.hex, limit + 1]).map(ResponseRecord.init(row:))
            let responses = Array(rows.prefix(limit))
            var pins = try SQLRow.fetchAll(db, sql: "SELECT * FROM pin WHERE digest = ?", arguments: [digest.hex]).map(Pin.init(row:))
            for pin in try SQLRow.fetchAll(db, sql: "SELECT * FROM pin WHERE url_pattern IS NOT NULL ORDER BY id LIMIT 1000").map(Pin.init(row:)) {
                guard case .urlPattern(let pattern) = pin.target else { continue }
                let matches = try responses.contains { try Bool.fetchOne(db, sql: "SELECT \(db.dialect.glob("?", pattern: "?"))", arguments: [$0.url, pattern]) ?? false }
                if matches { pins.append(pin) }
            }
            let leases = try SQLRow.fetchAll(db, sql: """
                SELECT lease.id, lease.expires_at FROM lease_blob JOIN lease ON lease.id = lease_blob.lease_id
                WHERE lease_blob.digest = ? ORDER BY lease.expires_at DESC LIMIT 100
                """, arguments: [digest.hex]).map { (id: $0[0] as Int64, expiresAt: Date(unixSeconds: $0[1] as Int64)) }
            return BlobReferences(responses: responses, moreResponses: rows.count > limit, pins: pins, leases: leases)
        }
    }

    /// Blobs whose digest starts with `hexPrefix` (lowercase hex), in digest order.
    public func blobs(withDigestPrefix hexPrefix: String, limit: Int) throws -> [BlobInfo] {
        let hex = hexPrefix.lowercased()
        guard !hex.isEmpty, hex.utf8.count <= 64, hex.utf8.allSatisfy(BlobDigest.isHexDigit) else {
            throw StoreError(.invalidInput, "a digest prefix is hexadecimal (0-9, a-f), at most 64 characters")
        }
        return try read { db in
            // Every digest character sorts below "g": [prefix, prefix + "g") is the prefix's range.
            try SQLRow.fetchAll(db, sql: "SELECT * FROM blob WHERE digest >= ? AND digest < ? ORDER BY digest LIMIT ?",
                             arguments: [hex, hex + "g", max(0, limit)]).map(BlobInfo.init(row:))
        }
    }

    /// Projects with a recorded page whose normalized name starts with the normalized `prefix`,
    /// by name, at most `limit`.
    public func recordedProjects(prefix: String, limit: Int) throws -> [RecordedProject] {
        let normalized = ProjectName.normalize(prefix)
        guard !normalized.isEmpty else { return [] }
        return try read { db in
            // Normalized names are [a-z0-9-]: "~" sorts after all of them.
            try SQLRow.fetchAll(db, sql: """
                SELECT index_page.project, response.url FROM index_page JOIN response ON response.id = index_page.response_id
                WHERE index_page.project >= ? AND index_page.project < ? ORDER BY index_page.project, response.url LIMIT ?
                """, arguments: [normalized, normalized + "~", max(0, limit)]).map { RecordedProject(project: $0[0], pageURL: $0[1]) }
        }
    }

    /// The rows of those of `digests` (lowercase hex) the store holds, by digest; one query per
    /// 500, each an indexed lookup.
    public func blobs(withDigests digests: [String]) throws -> [String: BlobInfo] {
        let wanted = digests.filter { $0.utf8.count == 64 && $0.utf8.allSatisfy(BlobDigest.isHexDigit) }
        guard !wanted.isEmpty else { return [:] }
        return try read { db in
            var found: [String: BlobInfo] = [:]
            for chunk in stride(from: 0, to: wanted.count, by: 500) {
                let part = Array(wanted[chunk..<min(chunk + 500, wanted.count)])
                let marks = part.map { _ in "?" }.joined(separator: ",")
                for row in try SQLRow.fetchAll(db, sql: "SELECT * FROM blob WHERE digest IN (\(marks))", arguments: SQLArguments(part)) {
                    let info = BlobInfo(row: row)
                    found[info.digest.hex] = info
                }
            }
            return found
        }
    }
}

extension ResponseRecord {
    /// The response headers as they may be shown: fields that carry credentials dropped (they
    /// are never stored; this guards the display too) and userinfo in URLs redacted.
    public var displayableResponseHeaders: HeaderFields {
        HeaderFields(HeaderBlock.withoutSecrets(responseHeaders).map { HeaderField(name: $0.name, value: RecordedURL.redacted($0.value)) })
    }
}

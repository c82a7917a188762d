import Foundation
import GRDB

extension Store {
    /// Adds or replaces the policy for a URL prefix.
    public func setIndexPolicy(_ policy: IndexPolicy) throws {
        let prefix = policy.urlPrefix.isEmpty ? "" : try NormalizedURL(policy.urlPrefix).text
        try writeTransaction { db in
            try db.execute(
                sql: """
                    INSERT INTO index_policy (url_prefix, file_cache_control, page_cache_control, archive_refused, note)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (url_prefix) DO UPDATE SET file_cache_control = excluded.file_cache_control,
                        page_cache_control = excluded.page_cache_control, archive_refused = excluded.archive_refused, note = excluded.note
                    """,
                arguments: [prefix, policy.fileCacheControl, policy.pageCacheControl, policy.archiveRefused, policy.note])
        }
    }

    /// Removes the policy for a URL prefix; returns whether there was one.
    @discardableResult
    public func removeIndexPolicy(urlPrefix: String) throws -> Bool {
        let prefix = urlPrefix.isEmpty ? "" : try NormalizedURL(urlPrefix).text
        return try writeTransaction { db in
            try db.execute(sql: "DELETE FROM index_policy WHERE url_prefix = ?", arguments: [prefix])
            return db.changesCount > 0
        }
    }

    /// Every index policy, by prefix.
    public func indexPolicies() throws -> [IndexPolicy] {
        try read { db in try SQLRow.fetchAll(db, sql: "SELECT * FROM index_policy ORDER BY url_prefix").map(IndexPolicy.init(row:)) }
    }

    /// The policy that applies to a normalized URL: the longest matching prefix.
    func indexPolicy(for url: String, _ db: SQLSession) throws -> IndexPolicy? {
        Self.indexPolicy(for: url, among: try Self.indexPolicies(db))
    }

    /// Every index policy, in prefix order.
    static func indexPolicies(_ db: SQLSession) throws -> [IndexPolicy] {
        try SQLRow.fetchAll(db, cachedSQL: "SELECT * FROM index_policy ORDER BY url_prefix").map(IndexPolicy.init(row:))
    }

    /// The policy among `policies` that applies to a normalized URL: the longest matching prefix.
    static func indexPolicy(for url: String, among policies: [IndexPolicy]) -> IndexPolicy? {
        policies.filter { url.hasPrefix($0.urlPrefix) }.max { $0.urlPrefix.count < $1.urlPrefix.count }
    }
}

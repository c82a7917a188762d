import ArtifactStore
import Foundation
import PostgresNIO

/// The server's clock, in Unix seconds: the one clock every node's grace period is measured by.
private let serverNow = "CAST(extract(epoch FROM now()) AS BIGINT)"

extension PostgresMetadata {
    /// Publishes a blob *before* its bytes are uploaded (ARCHITECTURE.md §11, rule 1): creates its
    /// row, or bumps the existing row's generation, and stamps the publication with the server's
    /// clock. It waits for a gc claim in progress on the same digest and, if that claim deleted
    /// the row, creates it afresh; after it returns, no claim marked earlier can succeed. Upload
    /// (or check) the object after this, then record the response that names the blob.
    ///
    /// - Returns: The blob's new generation.
    @discardableResult
    public func publish(digest: BlobDigest, size: Int64) async throws -> Int64 {
        guard size >= 0 else { throw StoreError(.invalidInput, "a blob size cannot be negative (got \(size))") }
        return try await run {
            let query: PostgresQuery = """
                INSERT INTO blob (digest, size, created_at, last_used_at, generation, published_at)
                VALUES (\(digest.hex), \(size), \(unescaped: serverNow), \(unescaped: serverNow), nextval('blob_generation'), \(unescaped: serverNow))
                ON CONFLICT (digest) DO UPDATE SET generation = excluded.generation, published_at = excluded.published_at,
                    last_used_at = GREATEST(blob.last_used_at, excluded.last_used_at)
                RETURNING generation
                """
            for try await generation in try await client.query(query, logger: logger).decode(Int64.self) {
                return generation
            }
            throw StoreError(.database, "publishing \(digest.hex) on PostgreSQL at \(location.hostAndPort) returned no row")
        }
    }

    /// gc's mark (rule 2), without locks: blobs not quarantined, referenced by no response, pinned
    /// by no pin, in no live lease, and last published more than `grace` seconds ago by the
    /// server's clock, in digest order, each with the generation it has now.
    public func gcCandidates(unreferencedFor grace: TimeInterval, limit: Int = 1000) async throws -> [GCCandidate] {
        guard grace >= 0, grace.isFinite else { throw StoreError(.invalidInput, "a grace period must be zero or more seconds (got \(grace))") }
        let graceSeconds = Int64(grace.rounded(.up))
        return try await run {
            let query: PostgresQuery = """
                SELECT b.digest, b.size, b.generation FROM blob b
                WHERE b.published_at <= \(unescaped: serverNow) - \(graceSeconds) AND \(unescaped: Self.removable)
                ORDER BY b.digest LIMIT \(Int64(limit))
                """
            var candidates: [GCCandidate] = []
            for try await (hex, size, generation) in try await client.query(query, logger: logger).decode((String, Int64, Int64).self) {
                candidates.append(GCCandidate(digest: try BlobDigest(validating: hex), size: size, generation: generation))
            }
            return candidates
        }
    }

    /// What must still hold of blob `b` for gc to remove it, besides its age: not quarantined, no
    /// response naming it, no pin, no live lease.
    static let removable = """
        b.quarantined_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM response r WHERE r.body_digest = b.digest)
        AND NOT EXISTS (SELECT 1 FROM pin p WHERE p.digest = b.digest)
        AND NOT EXISTS (SELECT 1 FROM lease_blob lb JOIN lease l ON l.id = lb.lease_id
                        WHERE lb.digest = b.digest AND l.expires_at > CAST(extract(epoch FROM now()) AS BIGINT))
        """

    /// gc's claim (rule 3): locks the blob's row (`SELECT … FOR UPDATE`) and re-checks, under the
    /// lock, that its generation is still the marked one and that nothing references, pins or
    /// leases it. Only then calls `deleteObject` (delete the bytes, in S3 or on disk) *while still
    /// holding the lock*, deletes the row and commits: a publisher of the same digest waits
    /// meanwhile and then re-creates the row, so no fresh upload is ever deleted.
    ///
    /// - Returns: Whether the blob was removed; false, with nothing touched, when it was published,
    ///   referenced, pinned or leased since the mark, or is gone already.
    /// - Throws: What `deleteObject` throws (the transaction rolls back and the row stays, for the
    ///   next gc), or a ``StoreError`` `database`.
    public func claimForDeletion(_ candidate: GCCandidate, deleteObject: (BlobDigest) async throws -> Void) async throws -> Bool {
        try await run {
            try await client.withTransaction(logger: logger) { connection in
                let lock: PostgresQuery = "SELECT generation FROM blob WHERE digest = \(candidate.digest.hex) FOR UPDATE"
                var generation: Int64?
                for try await value in try await connection.query(lock, logger: logger).decode(Int64.self) { generation = value }
                guard generation == candidate.generation else { return false }
                let recheck: PostgresQuery = "SELECT count(*) FROM blob b WHERE b.digest = \(candidate.digest.hex) AND \(unescaped: Self.removable)"
                var stillRemovable = false
                for try await count in try await connection.query(recheck, logger: logger).decode(Int64.self) { stillRemovable = count == 1 }
                guard stillRemovable else { return false }
                try await deleteObject(candidate.digest)
                try await connection.query("DELETE FROM blob WHERE digest = \(candidate.digest.hex)", logger: logger)
                return true
            }
        }
    }

    /// Runs `body` holding this store's gc lock, a session advisory lock (`pg_try_advisory_lock`):
    /// one gc at a time per database and schema. PostgreSQL drops it if this node dies.
    ///
    /// The lock is held on a connection of its own, outside the pool, and that connection is
    /// closed at the end, which releases the lock whatever happens: a pooled connection that
    /// failed to unlock would go back to the pool still holding it (and `body`, drawing on the
    /// pool, could not wait for the connection the lock sits on).
    ///
    /// - Throws: ``StoreError`` `database` at once when another gc holds it.
    @discardableResult
    public func withGCLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let key = Self.lockKey(schema)
        return try await run {
            let connection = try await PostgresConnection.connect(configuration: connectionConfiguration, id: 1, logger: logger)
            do {
                var acquired = false
                for try await value in try await connection.query("SELECT pg_try_advisory_lock(hashtext('artifact-store gc'), hashtext(\(key)))", logger: logger).decode(Bool.self) {
                    acquired = value
                }
                guard acquired else {
                    throw StoreError(.database, "another gc is running on \(location) (it holds the gc lock); wait for it to finish")
                }
                // Unlocked before the connection closes: the server lets go of a closed session's
                // locks only once its backend has finished exiting, so another node trying right
                // after the close could still find the lock held.
                let result: T
                do {
                    result = try await body()
                } catch {
                    _ = try? await connection.query("SELECT pg_advisory_unlock(hashtext('artifact-store gc'), hashtext(\(key)))", logger: logger)
                    throw error
                }
                try await connection.query("SELECT pg_advisory_unlock(hashtext('artifact-store gc'), hashtext(\(key)))", logger: logger)
                try await connection.close()
                return result
            } catch {
                try? await connection.close()
                throw error
            }
        }
    }

    // MARK: Pins and leases

    /// Pins a blob by digest so that gc keeps it. Takes a share lock on its row first, so a pin
    /// waits for a claim in progress (and a claim that follows sees the pin).
    public func pin(_ digest: BlobDigest, note: String = "") async throws {
        try await run {
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT 1 FROM blob WHERE digest = \(digest.hex) FOR SHARE", logger: logger)
                try await connection.query("""
                    INSERT INTO pin (digest, created_at, note) VALUES (\(digest.hex), \(unescaped: serverNow), \(note))
                    ON CONFLICT (digest) WHERE digest IS NOT NULL DO UPDATE SET note = excluded.note
                    """, logger: logger)
            }
        }
    }

    /// Removes a digest's pin. Returns false when there was none.
    @discardableResult
    public func unpin(_ digest: BlobDigest) async throws -> Bool {
        try await run {
            var removed = false
            for try await _ in try await client.query("DELETE FROM pin WHERE digest = \(digest.hex) RETURNING id", logger: logger).decode(Int64.self) {
                removed = true
            }
            return removed
        }
    }

    /// Takes a lease on `digests` that gc honours until ``releaseLease(_:)`` or until `timeout`
    /// seconds have passed by the server's clock. Each digest's row is share-locked as for
    /// ``pin(_:note:)``.
    ///
    /// - Returns: The lease's identifier.
    public func makeLease(on digests: [BlobDigest], timeout: TimeInterval = 3600) async throws -> Int64 {
        guard timeout > 0, timeout.isFinite else {
            throw StoreError(.invalidInput, "a lease timeout must be a positive number of seconds (got \(timeout))")
        }
        let seconds = Int64(timeout.rounded(.up))
        return try await run {
            try await client.withTransaction(logger: logger) { connection in
                var id: Int64 = 0
                for try await value in try await connection.query("INSERT INTO lease (expires_at) VALUES (\(unescaped: serverNow) + \(seconds)) RETURNING id", logger: logger).decode(Int64.self) {
                    id = value
                }
                for digest in Set(digests).sorted() {
                    try await connection.query("SELECT 1 FROM blob WHERE digest = \(digest.hex) FOR SHARE", logger: logger)
                    try await connection.query("INSERT INTO lease_blob (lease_id, digest) VALUES (\(id), \(digest.hex))", logger: logger)
                }
                return id
            }
        }
    }

    /// Releases a lease; its blobs are gc's again (unless something else keeps them).
    public func releaseLease(_ id: Int64) async throws {
        try await run {
            _ = try await client.query("DELETE FROM lease WHERE id = \(id)", logger: logger)
        }
    }
}

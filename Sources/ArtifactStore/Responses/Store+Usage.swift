import Foundation
import GRDB
import Synchronization

/// Last-use times of blobs read since the last flush, kept in memory so that reads do not each
/// take the store's write lock (ARCHITECTURE.md §6: last-use updates are batched, not a write per read).
final class UsageBuffer: Sendable {
    /// Reads between two flushes.
    static let flushEvery = 64

    private struct Pending {
        var uses: [String: Int64] = [:]
        var reads = 0

        mutating func take() -> [String: Int64] {
            defer {
                uses = [:]
                reads = 0
            }
            return uses
        }
    }

    private let pending = Mutex(Pending())

    /// Notes a use; returns the batch to write when it is time to flush.
    func note(_ digest: BlobDigest, at time: Int64) -> [String: Int64]? {
        pending.withLock { pending in
            pending.uses[digest.hex] = max(pending.uses[digest.hex] ?? time, time)
            pending.reads += 1
            guard pending.reads >= Self.flushEvery else { return nil }
            return pending.take()
        }
    }

    func take() -> [String: Int64] {
        pending.withLock { $0.take() }
    }
}

extension Store {
    /// Records that a blob was used (read). Written to the database in batches: every
    /// ``UsageBuffer/flushEvery`` reads, on ``flushUsage()`` and when the store is released;
    /// kept to the minute.
    func noteUse(_ digest: BlobDigest) {
        if let batch = usage.note(digest, at: nowSeconds) {
            writeUsage(batch)
        }
    }

    /// Writes the last-use times of blobs read since the last flush (`gc` sorts by them). Called
    /// automatically every few dozen reads and when the store is released; call it before a
    /// long pause if the process keeps the store open.
    public func flushUsage() throws {
        try writeUsage(usage.take(), throwing: true)
    }

    func writeUsage(_ batch: [String: Int64]) {
        do {
            try writeUsage(batch, throwing: true)
        } catch {
            // A lost last-use time only makes gc's LRU order slightly less exact: never fail a read.
            options.logger.notice("could not record blob last-use times", metadata: ["error": "\(error)"])
        }
    }

    private func writeUsage(_ batch: [String: Int64], throwing: Bool) throws {
        guard !batch.isEmpty else { return }
        // Not durable: a lost last-use time only makes gc's LRU order slightly less exact. Kept
        // to the minute, like a filesystem's relatime: a blob read again within a minute of its
        // recorded use is not written again (an unchanged page costs no WAL write).
        try writeTransaction(durable: false) { db in
            let statement = try db.cachedStatement(sql: "UPDATE blob SET last_used_at = ?1 WHERE digest = ?2 AND last_used_at < ?1 - 60")
            for (digest, time) in batch { try statement.execute(arguments: [time, digest]) }
        }
    }
}

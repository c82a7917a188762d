import Foundation
import GRDB

/// ``BlobStorage`` over a local store: the blobs of a ``Store`` (`blobs/sha256/ab/…`, one row
/// each in its database), through the store's own writer and verified reader, so every rule of
/// ARCHITECTURE.md §4 (I1 to I5) holds for what goes through it.
///
/// The store's calls are synchronous file and SQLite work; these methods run them on the calling
/// task, as the store's own callers do.
public struct DirectoryBlobStorage: BlobStorage {
    /// The store whose blobs this is.
    public let store: Store

    /// The blobs of `store`.
    public init(store: Store) {
        self.store = store
    }

    /// Streams the file through a ``BlobWriter``: hashed as written to `tmp/`, published under
    /// its digest only when complete (and, with `expected`, only when it has that digest).
    public func put(file: URL, expecting expected: BlobDigest?) async throws -> StoredBlob {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: file)
        } catch {
            throw StoreError(.invalidInput, "\(file.path(percentEncoded: false)): cannot be opened for reading; check that it exists and that you can read it", underlying: error)
        }
        defer { try? handle.close() }
        let writer = try store.makeBlobWriter()
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: Store.ingestChunkSize) ?? Data()
            } catch {
                writer.cancel()
                throw StoreError(.invalidInput, "\(file.path(percentEncoded: false)): read failed; nothing was stored", underlying: error)
            }
            if chunk.isEmpty { break }
            try writer.write(chunk)
        }
        return try writer.commit(expecting: expected)
    }

    /// Streams the chunks through a ``BlobWriter`` (see ``put(file:expecting:)``).
    public func put<Bytes: AsyncSequence & Sendable>(_ bytes: Bytes, expecting expected: BlobDigest?) async throws -> StoredBlob
        where Bytes.Element == [UInt8] {
        let writer = try store.makeBlobWriter()
        do {
            for try await chunk in bytes { try writer.write(chunk) }
        } catch {
            writer.cancel()
            throw error
        }
        return try writer.commit(expecting: expected)
    }

    /// Opens the blob with ``Store/open(_:)``: its reader verifies (and quarantines a blob that
    /// fails); the returned sequence holds the last chunk back until then.
    public func get(_ digest: BlobDigest) async throws -> BlobBytes {
        let reader = try store.open(digest)
        return BlobBytes(digest: digest, size: reader.size, source: store.layout.blobPath(digest),
                         chunks: ReaderChunks(reader: reader), hashes: false)
    }

    /// The recorded size of a blob whose row is not quarantined and whose file is there (or
    /// still to be written from the blob journal).
    public func stat(_ digest: BlobDigest) async throws -> Int64? {
        guard let info = try store.blob(digest), info.quarantinedAt == nil,
              store.hasLocalCopy(of: digest)
        else { return nil }
        return info.size
    }

    /// Removes the blob's file and row in one write transaction, the unlink before the commit
    /// (I2). A blob that a response, a pin or a lease still needs is refused: that is gc's
    /// decision (`Store.gc`), not this one's.
    public func delete(_ digest: BlobDigest) async throws {
        let path = store.layout.blobPath(digest)
        try store.writeTransaction { db in
            let needed = try Int.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM response WHERE body_digest = ?1)
                     + (SELECT count(*) FROM pin WHERE digest = ?1)
                     + (SELECT count(*) FROM lease_blob WHERE digest = ?1)
                """, arguments: [digest.hex]) ?? 0
            guard needed == 0 else {
                throw StoreError(.invalidInput, "blob \(digest.hex) is still needed by a recorded response, a pin or a lease, so it was not deleted; `artifact-store gc` removes blobs nothing needs")
            }
            try db.execute(sql: "DELETE FROM blob WHERE digest = ?", arguments: [digest.hex])
            do {
                try FileSystem.unlink(path)
                try FileSystem.fsyncDirectory(store.layout.fanOutDirectory(digest))
            } catch let error as SystemError where error.errno == ENOENT {
                // Already gone: the row goes too.
            } catch {
                throw StoreError(.io, "cannot delete blob \(digest.hex) at \(path); check the store's permissions", underlying: error)
            }
        }
    }

    /// Digests in ascending order; the cursor is the last digest of the previous page.
    /// Quarantined blobs are not listed.
    public func list(from cursor: String?, limit: Int) async throws -> BlobListPage {
        let limit = max(1, limit)
        let digests = try store.read { db in
            try String.fetchAll(db, sql: """
                SELECT digest FROM blob WHERE quarantined_at IS NULL AND digest > ? ORDER BY digest LIMIT ?
                """, arguments: [cursor ?? "", limit])
        }.map(BlobDigest.init(trusted:))
        return BlobListPage(digests: digests, next: digests.count == limit ? digests.last?.hex : nil)
    }
}

/// The chunks of an open ``BlobReader``, 1 MiB at a time; the reader verifies at the end.
struct ReaderChunks: AsyncSequence {
    typealias Element = [UInt8]
    let reader: BlobReader

    struct AsyncIterator: AsyncIteratorProtocol {
        let reader: BlobReader

        mutating func next() async throws -> [UInt8]? {
            var chunk = [UInt8](repeating: 0, count: Store.ingestChunkSize)
            let count = try chunk.withUnsafeMutableBytes { try reader.read(into: $0) }
            if count == 0 {
                reader.close()
                return nil
            }
            chunk.removeLast(chunk.count - count)
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: reader) }
}

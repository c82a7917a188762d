import Dispatch
import Foundation
import Synchronization

/// A task executor on threads of its own, outside Swift concurrency's shared pool (one thread
/// per core): for work that blocks its thread, such as a synchronous call that waits on another
/// machine. It runs jobs on a concurrent dispatch queue, which adds threads while its threads
/// are blocked. The store runs its remote blob operations on one; `serve` runs requests on one
/// when the store's calls wait on other machines (``Store/callsWaitOnOtherMachines``).
public final class BlockingCallExecutor: TaskExecutor, Sendable {
    private let queue: DispatchQueue

    /// An executor whose threads are named `label` (as debuggers and profilers show them).
    public init(label: String) {
        queue = DispatchQueue(label: label, attributes: .concurrent)
    }

    /// Runs `job` on one of this executor's threads.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// Runs `operation` on this executor and blocks the calling thread until it ends: the way
    /// for synchronous code to call async code, even from a thread of the shared pool, which
    /// `operation` then does not need.
    public func wait<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<T, any Error>?>(nil)
        Task(executorPreference: self) {
            let result: Result<T, any Error>
            do {
                result = .success(try await operation())
            } catch {
                result = .failure(error)
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try outcome.withLock { $0! }.get()
    }
}

// Blob storage shared by several nodes (an S3 bucket, `Store.Options.remoteBlobs`) behind this
// node's blob directory, which becomes a verified cache of it (ARCHITECTURE.md §11):
// - a put uploads the content, under a lease so that no gc deletes it between the upload and the
//   row naming it, before publishing it locally and writing its row;
// - a blob whose row exists but whose file this node lacks is downloaded, verified against its
//   digest and published locally on first read;
// - gc deletes the object inside the write transaction that deletes the row, as it unlinks a
//   file (I2).
extension Store {
    /// Uploads a complete temporary file to the remote blobs under a lease taken first, and
    /// returns the lease's id: the publishing transaction deletes it (the row then protects the
    /// blob). Nil when the store has no remote blobs.
    func uploadToRemote(_ finished: BlobWriter.Finished) throws -> Int64? {
        guard let storage = options.remoteBlobs else { return nil }
        let expires = nowSeconds + 3600
        let lease = try writeTransaction { db in
            let id = try Int64.fetchOne(db, sql: "INSERT INTO lease (expires_at) VALUES (?) RETURNING id", arguments: [expires])!
            try db.execute(sql: "INSERT INTO lease_blob (lease_id, digest) VALUES (?, ?)", arguments: [id, finished.digest.hex])
            return id
        }
        // With remote blobs nothing is journaled: every finished blob has its file.
        let file = URL(fileURLWithPath: finished.temporaryPath!)
        let digest = finished.digest
        do {
            try remoteIO.wait { _ = try await storage.put(file: file, expecting: digest) }
        } catch {
            try? writeTransaction(durable: false) { db in try db.execute(sql: "DELETE FROM lease WHERE id = ?", arguments: [lease]) }
            throw error
        }
        return lease
    }

    /// Downloads a blob this node lacks from the remote blobs, verified against its digest, and
    /// publishes it in this node's directory. Returns false when the store has no remote blobs.
    ///
    /// An object that arrives whole with other content is the blob's own damage, the same for
    /// every node: its row is marked quarantined, so that no node serves it or downloads it
    /// again, until a put of the original content uploads it again and clears the mark.
    func fetchFromRemote(_ digest: BlobDigest) throws -> Bool {
        guard let storage = options.remoteBlobs else { return false }
        let writer = try makeBlobWriter()
        defer { writer.cancel() }
        nonisolated(unsafe) let filling = writer
        do {
            // The storage verifies what it streams: `blobCorrupt` once the whole object arrived
            // with other content (a download that breaks off is another error).
            try remoteIO.wait {
                for try await chunk in try await storage.get(digest) {
                    try filling.write(chunk)
                }
            }
        } catch let error as StoreError where error.code == .blobCorrupt {
            try writeTransaction { db in
                try db.execute(sql: "UPDATE blob SET quarantined_at = ?, quarantine_reason = ? WHERE digest = ?",
                               arguments: [nowSeconds, "the bucket's object is corrupt", digest.hex])
            }
            options.logger.error("blob failed verification and was quarantined", metadata: ["digest": "\(digest.hex)", "reason": "\(error.message)"])
            throw StoreError(.blobCorrupt, "\(error.message); the blob is quarantined, and no node will serve it", underlying: error)
        }
        _ = try publish(writer.finish(expecting: digest), uploading: false, onlyIfRecorded: true)
        return true
    }

    /// Deletes blobs from the remote blobs (inside gc's write transaction).
    func deleteFromRemote(_ digests: [BlobDigest]) throws {
        guard let storage = options.remoteBlobs else { return }
        // Concurrently, a few at a time: the cluster's write lock is held meanwhile.
        try remoteIO.wait {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var pending = digests[...]
                for _ in 0..<16 {
                    guard let digest = pending.popFirst() else { break }
                    group.addTask { try await storage.delete(digest) }
                }
                while try await group.next() != nil {
                    if let digest = pending.popFirst() { group.addTask { try await storage.delete(digest) } }
                }
            }
        }
    }
}

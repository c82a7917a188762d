import Crypto
import Foundation
import GRDB
import Synchronization

/// File-system helpers shared by `verify` and `gc`.
enum Maintenance {
    /// The 256 fan-out directory names, `00` … `ff`.
    static let fanOuts: [String] = (0..<256).map { value in
        let digits = Array("0123456789abcdef")
        return String([digits[value >> 4], digits[value & 15]])
    }

    /// Whether a file name is a blob digest (64 lowercase hex characters, nothing else).
    static func isDigestName(_ name: String) -> Bool {
        name.utf8.count == 64 && name.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// The exclusive upper bound of digests starting with `prefix` (`ab` → `ac`, `ff` → `fg`).
    static func upperBound(_ prefix: String) -> String {
        let value = Int(prefix, radix: 16)!
        return value == 255 ? "fg" : fanOuts[value + 1]
    }

    /// The outcome of re-hashing one file.
    enum HashOutcome: Sendable {
        /// Opened as a regular file: its size, digest, and identity (device, inode).
        case hashed(size: Int64, digest: BlobDigest, device: UInt64, inode: UInt64)
        case missing
        case symlink
        case notRegular
        case unreadable(String)
    }

    /// Re-hashes a file without following a symbolic link.
    static func hash(_ path: String, buffer: UnsafeMutableRawBufferPointer) -> HashOutcome {
        // O_NONBLOCK: a FIFO in a blob's place must not block the open (it is then reported).
        let descriptor: Int32
        do {
            descriptor = try FileSystem.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
        } catch let error as SystemError {
            switch error.errno {
            case ENOENT: return .missing
            case ELOOP: return .symlink
            default: return .unreadable(error.reason)
            }
        } catch {
            return .unreadable("\(error)")
        }
        defer { FileSystem.close(descriptor) }
        let info: stat
        do { info = try FileSystem.fstat(descriptor) } catch let error as SystemError { return .unreadable(error.reason) } catch { return .unreadable("\(error)") }
        guard info.st_mode & S_IFMT == S_IFREG else { return .notRegular }
        FileSystem.adviseSequential(descriptor)
        var hasher = SHA256()
        var size: Int64 = 0
        while true {
            let count: Int
            do {
                count = try FileSystem.read(descriptor, into: buffer)
            } catch let error as SystemError {
                return .unreadable(error.reason)
            } catch {
                return .unreadable("\(error)")
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            size += Int64(count)
        }
        return .hashed(size: size, digest: BlobDigest(rawBytes: hasher.finalize()), device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Hashes many files using every core; results are in the order of `paths`.
    static func hashAll(_ paths: [String], concurrency: Int) -> [HashOutcome] {
        guard !paths.isEmpty else { return [] }
        let results = UnsafeMutableBufferPointer<HashOutcome>.allocate(capacity: paths.count)
        results.initialize(repeating: .missing)
        defer { results.deallocate() }
        let workers = max(1, min(concurrency, paths.count))
        let next = Counter()
        nonisolated(unsafe) let output = results
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buffer.deallocate() }
            while true {
                let index = next.increment()
                guard index < paths.count else { return }
                output[index] = hash(paths[index], buffer: buffer)
            }
        }
        return Array(results)
    }

    /// A shared counter handing out work items to threads.
    final class Counter: Sendable {
        private let value = Mutex(0)
        func increment() -> Int {
            value.withLock { value in
                defer { value += 1 }
                return value
            }
        }
    }

    /// Brings the inodes of these files into the kernel's cache with `lstat` on several threads
    /// at once, so that the unlinks that follow (serialized per directory by the kernel, and
    /// done while the store's write lock is held) do not each wait for a disk read. Measured on
    /// 1 M blobs: one blocking inode read per unlink otherwise dominates gc's time.
    static func prefetchInodes(_ paths: [String], threads: Int = 8) {
        guard paths.count > 16 else { return }
        let workers = min(threads, paths.count / 8)
        let group = DispatchGroup()
        for worker in 0..<workers {
            group.enter()
            Thread.detachNewThread {
                for index in stride(from: worker, to: paths.count, by: workers) {
                    _ = try? FileSystem.lstat(paths[index])
                }
                group.leave()
            }
        }
        group.wait()
    }

    /// Unlinks files on up to `threads` threads; a file already gone is fine. Returns the first
    /// failure, if any (the other files are still unlinked).
    static func unlinkAll(_ paths: [String], threads: Int) -> SystemError? {
        unlinkAll(paths, threads: threads, deadline: .distantFuture).failure
    }

    /// Unlinks a prefix of `paths` on up to `threads` threads, stopping once `deadline` has
    /// passed: each worker looks at the clock before each unlink, so the time spent past the
    /// deadline is at most one unlink per worker, however slow the file system is. The first file
    /// is always unlinked, so that a caller looping until done always makes progress.
    ///
    /// - Returns: how many paths, from the first, were handled (unlinked, or already gone), and
    ///   the first failure, if any. Paths past `unlinked` were not touched.
    static func unlinkAll(_ paths: [String], threads: Int, deadline: DispatchTime) -> (unlinked: Int, failure: SystemError?) {
        let failure = FailureBox()
        let unlinkOne: @Sendable (String) -> Void = { path in
            do {
                try FileSystem.unlink(path)
            } catch let error as SystemError where error.errno != ENOENT {
                failure.set(error)
            } catch {}
        }
        let workers = min(threads, paths.count / 4)
        if workers <= 1 {
            var index = 0
            while index < paths.count, index == 0 || DispatchTime.now() <= deadline {
                unlinkOne(paths[index])
                index += 1
            }
            return (index, failure.value)
        }
        // Workers take the next index from one counter, looking at the clock first: the
        // indices taken are always a prefix, and every index taken is unlinked.
        let next = UnlinkQueue()
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            Thread.detachNewThread {
                while let index = next.take(below: paths.count, deadline: deadline) { unlinkOne(paths[index]) }
                group.leave()
            }
        }
        group.wait()
        return (next.taken, failure.value)
    }

    /// Hands out 0, 1, 2… to unlink workers until a limit or a deadline (index 0 regardless).
    final class UnlinkQueue: Sendable {
        private let value = Mutex(0)
        func take(below limit: Int, deadline: DispatchTime) -> Int? {
            let late = DispatchTime.now() > deadline
            return value.withLock { value in
                guard value < limit, value == 0 || !late else { return nil }
                defer { value += 1 }
                return value
            }
        }
        var taken: Int { value.withLock { $0 } }
    }

    final class FailureBox: Sendable {
        private let first = Mutex<SystemError?>(nil)
        func set(_ error: SystemError) { first.withLock { if $0 == nil { $0 = error } } }
        var value: SystemError? { first.withLock { $0 } }
    }

    /// Moves a file or link out of `blobs/` into `quarantine/` (never deleting it); returns the
    /// new path. Call inside a write transaction when the path is a blob's (ARCHITECTURE.md §4, I2).
    static func moveToQuarantine(_ path: String, layout: StoreLayout, now: Int64) throws -> String {
        let name = (path as NSString).lastPathComponent
        let destination = layout.quarantine + "/\(name).\(now).\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.rename(path, destination)
        try FileSystem.fsyncDirectory((path as NSString).deletingLastPathComponent)
        try FileSystem.fsyncDirectory(layout.quarantine)
        return destination
    }
}

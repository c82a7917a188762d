import SystemShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin, throwing wrappers over the POSIX calls the store needs for crash safety
/// (`fsync` of files and directories, `rename`, exclusive creation), which Foundation does not
/// expose precisely enough. The one system layer: code elsewhere (the HTTP and CLI modules too)
/// calls these rather than `Glibc` directly, so that a short write, an `EINTR` or a half-written
/// file is handled once, here.
package enum FileSystem {
    /// Retries a system call interrupted by a signal; throws `SystemError` on failure.
    @discardableResult
    package static func check<T: BinaryInteger>(_ operation: String, _ call: () -> T) throws -> T {
        while true {
            let result = call()
            if result != -1 { return result }
            if errno == EINTR { continue }
            throw SystemError(errno: errno, operation: operation)
        }
    }

    /// `open` with `O_CLOEXEC`; throws ``SystemError`` (its `errno` tells `ENOENT`, `ELOOP`…).
    package static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws -> Int32 {
        try check("open \(path)") { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    /// Closes a descriptor (not retried on `EINTR`: on Linux the descriptor is gone either way).
    package static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// Writes the whole buffer, looping over short writes: the one such loop.
    package static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < buffer.count {
            let written = try check("write") {
                Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            offset += written
        }
    }

    /// Reads up to `buffer.count` bytes; returns 0 at end of file.
    package static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try check("read") { Glibc.read(fd, buffer.baseAddress!, buffer.count) }
    }

    package static func fsync(_ fd: Int32) throws {
        try check("fsync") { Glibc.fsync(fd) }
    }

    /// Makes a directory's entries (a rename, a new file) durable.
    static func fsyncDirectory(_ path: String) throws {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try fsync(fd)
    }

    /// Replaces the file at `path` whole or not at all: `fill` writes into `temporary` (created
    /// exclusively with `mode`, in the same directory as `path`), which is fsynced and renamed
    /// over `path`; with `syncingDirectory`, that directory is fsynced after the rename. On any
    /// failure the temporary file is removed and `path` is as it was. The one "temporary file,
    /// fsync, rename" sequence: errors of `fill` are rethrown as they are, the others are
    /// ``SystemError``s naming the call (`open …`, `write`, `fsync`, `rename …`).
    package static func replaceFile(_ path: String, temporary: String, mode: mode_t = 0o644, syncingDirectory directory: String? = nil,
                                    _ fill: (Int32) throws -> Void) throws {
        let fd = try open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode: mode)
        do {
            defer { close(fd) }
            try fill(fd)
            try fsync(fd)
        } catch {
            _ = Glibc.unlink(temporary)
            throw error
        }
        do {
            try rename(temporary, path)
        } catch {
            _ = Glibc.unlink(temporary)
            throw error
        }
        if let directory { try fsyncDirectory(directory) }
    }

    /// Asks the kernel to begin writing a range of a file to disk without waiting for it.
    static func startWriteback(_ fd: Int32, offset: Int64, length: Int64) {
        _ = artifact_store_start_writeback(fd, offset, length)
    }

    package static func rename(_ from: String, _ to: String) throws {
        try check("rename \(from) to \(to)") { Glibc.rename(from, to) }
    }

    package static func unlink(_ path: String) throws {
        try check("unlink \(path)") { Glibc.unlink(path) }
    }

    /// A copy-on-write clone of the whole of `source` into `destination` (`ioctl(FICLONE)`);
    /// false where the file system cannot (the caller copies).
    static func clone(_ source: Int32, to destination: Int32) -> Bool {
        // FICLONE = _IOW(0x94, 9, int)
        Glibc.ioctl(destination, 0x4004_9409, source) == 0
    }

    /// A hard link `to` → the file at `from`.
    static func link(_ from: String, _ to: String) throws {
        try check("link \(from) to \(to)") { Glibc.link(from, to) }
    }

    /// Removes a directory; false when it could not be (not empty, gone).
    static func removeDirectory(_ path: String) -> Bool {
        Glibc.rmdir(path) == 0
    }

    static func fstat(_ fd: Int32) throws -> stat {
        var info = stat()
        try check("fstat") { Glibc.fstat(fd, &info) }
        return info
    }

    /// `lstat`, or nil when nothing is at the path.
    static func lstat(_ path: String) throws -> stat? {
        var info = stat()
        if Glibc.lstat(path, &info) == 0 { return info }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw SystemError(errno: errno, operation: "lstat \(path)")
    }

    /// Creates a directory with the given mode; returns false when it already existed.
    @discardableResult
    static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws -> Bool {
        if mkdir(path, mode) == 0 { return true }
        if errno == EEXIST {
            guard let info = try lstat(path), info.st_mode & S_IFMT == S_IFDIR else {
                throw SystemError(errno: ENOTDIR, operation: "mkdir \(path)")
            }
            return false
        }
        throw SystemError(errno: errno, operation: "mkdir \(path)")
    }

    static func isDirectory(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }
    static func isRegularFile(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFREG }

    /// Seconds since the epoch of a file's last modification.
    static func modificationTime(_ info: stat) -> Int64 { Int64(info.st_mtim.tv_sec) }
}

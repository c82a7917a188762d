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
/// expose precisely enough.
enum FileSystem {
    /// Retries a system call interrupted by a signal; throws `SystemError` on failure.
    @discardableResult
    static func check<T: BinaryInteger>(_ operation: String, _ call: () -> T) throws -> T {
        while true {
            let result = call()
            if result != -1 { return result }
            if errno == EINTR { continue }
            throw SystemError(errno: errno, operation: operation)
        }
    }

    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws -> Int32 {
        try check("open \(path)") { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    /// Writes the whole buffer, looping over short writes.
    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < buffer.count {
            let written = try check("write") {
                Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            offset += written
        }
    }

    /// Reads up to `buffer.count` bytes; returns 0 at end of file.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try check("read") { Glibc.read(fd, buffer.baseAddress!, buffer.count) }
    }

    static func fsync(_ fd: Int32) throws {
        try check("fsync") { Glibc.fsync(fd) }
    }

    /// Makes a directory's entries (a rename, a new file) durable.
    static func fsyncDirectory(_ path: String) throws {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try fsync(fd)
    }

    /// Asks the kernel to begin writing a range of a file to disk without waiting for it.
    static func startWriteback(_ fd: Int32, offset: Int64, length: Int64) {
        _ = artifact_store_start_writeback(fd, offset, length)
    }

    static func rename(_ from: String, _ to: String) throws {
        try check("rename \(from) to \(to)") { Glibc.rename(from, to) }
    }

    static func unlink(_ path: String) throws {
        try check("unlink \(path)") { Glibc.unlink(path) }
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

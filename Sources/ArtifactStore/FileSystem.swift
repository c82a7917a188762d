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

    /// Makes every change to the file system holding `fd` durable at once (Linux `syncfs`):
    /// false where there is no such call, for the caller to fsync what it needs one by one.
    static func syncFileSystem(_ fd: Int32) throws -> Bool {
        if artifact_store_sync_file_system(fd) == 0 { return true }
        if errno == ENOSYS { return false }
        throw SystemError(errno: errno, operation: "syncfs")
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

    /// Removes a file if it is there, ignoring every error: for cleaning up a temporary file on
    /// a path that is already failing or finished.
    package static func removeIfPresent(_ path: String) {
        _ = Glibc.unlink(path)
    }

    /// `openat` relative to a held directory descriptor, with `O_CLOEXEC`.
    static func open(relativeTo directory: Int32, _ path: String, _ flags: Int32, mode: mode_t = 0) throws -> Int32 {
        try check("open \(path)") { Glibc.openat(directory, path, flags | O_CLOEXEC, mode) }
    }

    /// Creates a new, empty file with a unique name in `directory` (`mkostemp`, mode 0600,
    /// `O_CLOEXEC`): its descriptor, open for writing, and its path.
    package static func makeTemporaryFile(in directory: String, prefix: String) throws -> (descriptor: Int32, path: String) {
        // Not through `check`: a retry would reuse a template the failed call may have changed.
        var template = Array((directory + "/" + prefix + "XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { artifact_store_make_temporary_file($0.baseAddress!) }
        guard descriptor >= 0 else { throw SystemError(errno: errno, operation: "mkostemp \(directory)/\(prefix)XXXXXX") }
        return (descriptor, template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }

    /// Moves a descriptor's offset to `offset` bytes from the start.
    static func seek(_ fd: Int32, to offset: Int64) throws {
        try check("lseek") { Glibc.lseek(fd, off_t(offset), SEEK_SET) }
    }

    /// Sets a file's permission bits (`fchmod`).
    static func setMode(_ fd: Int32, _ mode: mode_t) throws {
        try check("fchmod") { Glibc.fchmod(fd, mode) }
    }

    /// Sets the permission bits of the file at `path` (`chmod`).
    static func setMode(_ path: String, _ mode: mode_t) throws {
        try check("chmod \(path)") { Glibc.chmod(path, mode) }
    }

    /// Whether this process may create and remove entries in the directory at `path`.
    static func isWritableDirectory(_ path: String) throws {
        try check("access \(path)") { Glibc.access(path, W_OK | X_OK) }
    }

    /// Takes an exclusive `flock` on a descriptor, waiting for it.
    static func lockExclusively(_ fd: Int32, _ what: String) throws {
        try check("flock \(what)") { flock(fd, LOCK_EX) }
    }

    /// What a directory entry is.
    enum EntryKind: Sendable {
        case file, directory, symlink, other
    }

    /// One entry of a directory.
    struct Entry: Sendable {
        var name: String
        var kind: EntryKind
    }

    /// The entries of a directory (without `.` and `..`), sorted by name; nil when it does not
    /// exist. Reads `d_type`, falling back to `lstat` where the file system does not fill it in.
    static func directoryEntries(_ path: String) throws -> [Entry]? {
        guard let directory = Glibc.opendir(path) else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw SystemError(errno: errno, operation: "opendir \(path)")
        }
        defer { Glibc.closedir(directory) }
        var entries: [Entry] = []
        while true {
            errno = 0
            guard let entry = Glibc.readdir(directory) else {
                if errno != 0 { throw SystemError(errno: errno, operation: "readdir \(path)") }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            var kind: EntryKind
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): kind = .file
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_LNK): kind = .symlink
            case Int32(DT_UNKNOWN):
                kind = .other
                if let info = try lstat(path + "/" + name) { kind = Self.kind(info) }
            default: kind = .other
            }
            entries.append(Entry(name: name, kind: kind))
        }
        entries.sort { $0.name < $1.name }
        return entries
    }

    /// The kind of file a `stat` describes.
    static func kind(_ info: stat) -> EntryKind {
        switch info.st_mode & S_IFMT {
        case S_IFREG: .file
        case S_IFDIR: .directory
        case S_IFLNK: .symlink
        default: .other
        }
    }

    /// `stat` of the file at `path`, following symbolic links, or nil when nothing is there.
    package static func status(ofPath path: String) throws -> stat? {
        var info = Glibc.stat()
        if stat(path, &info) == 0 { return info }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw SystemError(errno: errno, operation: "stat \(path)")
    }

    /// `fstatat` without following a symbolic link, or nil when nothing is at the path.
    static func lstat(relativeTo directory: Int32, _ path: String) -> stat? {
        var info = Glibc.stat()
        return Glibc.fstatat(directory, path, &info, AT_SYMLINK_NOFOLLOW) == 0 ? info : nil
    }

    /// Tells the kernel a file will be read from start to end (read-ahead); only a hint.
    static func adviseSequential(_ fd: Int32) {
        _ = Glibc.posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
    }

    /// The effective user id of this process.
    static var effectiveUserID: uid_t { Glibc.geteuid() }

    /// Whether a descriptor is a terminal (`isatty`).
    package static func isTerminal(_ fd: Int32) -> Bool { Glibc.isatty(fd) == 1 }

    /// This process's id (for unique temporary names).
    package static var processID: Int32 { Glibc.getpid() }

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

    package static func isDirectory(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }
    package static func isRegularFile(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFREG }

    /// Seconds since the epoch of a file's last modification.
    static func modificationTime(_ info: stat) -> Int64 { Int64(info.st_mtim.tv_sec) }
}

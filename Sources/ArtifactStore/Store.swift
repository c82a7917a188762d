import Crypto
import Foundation
import GRDB
import Logging
import Synchronization

/// A content-addressed store of blobs with their metadata in SQLite.
///
/// Open one with ``open(at:options:)``; many processes may open the same store at once. Blobs are
/// written with ``put(file:)``, ``put(bytes:)`` or a ``BlobWriter``, and read back verified with
/// ``read(_:)``, ``open(_:)`` or ``copy(_:to:)``.
public final class Store: Sendable {
    /// Settings for opening a store.
    public struct Options: Sendable {
        /// How long a writer waits for another process's write transaction before failing.
        public var busyTimeout: TimeInterval = 30
        /// Where the store reports notable events (quarantined blobs, migrations).
        public var logger = Logger(label: "artifact-store")
        /// How many entries of each URL's fetch history to keep.
        public var observationsPerURL = 20
        /// The clock. Tests set it; everything else uses the system clock.
        public var now: @Sendable () -> Date = { Date() }
        /// Open a store whose database is missing or empty although it holds blob files, with a
        /// fresh database, so that `verify --repair` can adopt the blobs by their content. Off by
        /// default: such a store is refused, because a fresh database would make every blob look
        /// unreferenced and the next gc would delete them all.
        public var recreatesMissingDatabase = false
        /// Called after each write transaction with how long it waited for the store's write
        /// lock and how long it held it (`artifact-store-bench contention`). Nil (the default) costs nothing.
        @_spi(Benchmarks) public var writeLockObserver: (@Sendable (WriteLockTiming) -> Void)?
        /// Whether small write transactions that queue for this handle's SQLite writer share one
        /// commit (``WriteGroups``). On by default; off only to measure what it gives.
        @_spi(Benchmarks) public var groupsCommits = true
        /// Whether this handle's writers take turns at the write lock with other handles'
        /// (``WriteTurns``). On by default; off only to measure what it gives.
        @_spi(Benchmarks) public var takesWriteTurns = true
        /// Whether small blobs are made durable by their publishing commit, in the blob journal,
        /// rather than by fsyncs of their own (``Store/settleBlobJournal()``). On by default;
        /// off only to measure what it gives.
        @_spi(Benchmarks) public var journalsSmallBlobs = true
        /// How long after a put that journals a blob the handle settles it (with every other
        /// blob journaled meanwhile). A tenth of a second by default; tests lengthen it to look
        /// at blobs not yet settled.
        @_spi(Benchmarks) public var blobJournalSettleDelay: TimeInterval = 0.1
        /// Rows a bulk recording writes per chunk; past the first chunk, the rows that need no
        /// read are planned a chunk ahead of the writer, on another thread
        /// (``Store/record(batch:)``). 512 by default; tests shorten it to take that path with
        /// a few rows.
        @_spi(Benchmarks) public var recordingChunk = 512
        /// Blob storage shared with other nodes (an S3 bucket, `ArtifactStoreS3`), behind the
        /// store directory's blobs, which then cache it: puts upload to it, reads of a blob this
        /// node lacks download from it, gc deletes from it (ARCHITECTURE.md §11). Nil (the
        /// default): the store directory holds every blob.
        public var remoteBlobs: (any BlobStorage)?

        /// The defaults: a 30-second busy timeout, 20 history entries per URL, the system clock.
        public init() {}
    }

    /// The store directory and the paths inside it.
    public let layout: StoreLayout
    /// Where the metadata is.
    let metadata: Metadata
    let options: Options
    /// `blobs/sha256`, open for looking up blob files relative to it (fewer path components to
    /// resolve on every verdict).
    let blobsDirectory: Int32
    /// Blob last-use times not yet written (Store+Usage.swift).
    let usage = UsageBuffer()
    /// The store's own key for hashing credentials that select variants (HeaderBlock).
    let secretKey: [UInt8]
    /// Runs `Options.remoteBlobs`' operations for synchronous callers (RemoteBlobs.swift).
    let remoteIO = BlockingCallExecutor(label: "artifact-store.remote-blobs")
    /// When the write lock was last released (only with `Options.writeLockObserver`).
    let commitClock: CommitClock?
    /// Small write transactions waiting to share a commit (SQLite only).
    let writeGroups = WriteGroups()
    /// The thread inside the SQLite writer's transaction, if any.
    private let writerThread = Mutex<pthread_t?>(nil)
    /// Turns at the write lock with other handles of the store (SQLite only).
    private let writeTurns: WriteTurns?
    /// When this handle settles the blob journal (Store+BlobJournal.swift).
    let blobJournal: BlobJournalSettler

    /// Where a store's metadata is.
    enum Metadata {
        /// `store.sqlite` in the store directory, with a read-only connection of its own for point
        /// lookups (verdicts).
        case sqlite(DatabasePool, lookups: LookupConnection)
        /// A database server shared with other nodes (ARCHITECTURE.md §11).
        case server(any MetadataServer)
    }

    private init(layout: StoreLayout, metadata: Metadata, blobsDirectory: Int32, secretKey: [UInt8], options: Options, commitClock: CommitClock?, writeTurns: WriteTurns? = nil) {
        self.secretKey = secretKey
        self.writeTurns = writeTurns
        self.commitClock = commitClock
        self.layout = layout
        self.metadata = metadata
        self.blobsDirectory = blobsDirectory
        self.options = options
        blobJournal = BlobJournalSettler(delay: options.blobJournalSettleDelay)
    }

    deinit {
        // Its pending settle holds no reference to the handle: done here instead.
        if blobJournal.hasPending {
            do {
                try settleOwnJournaledBlobs()
            } catch {
                options.logger.warning("settling the blob journal failed; the journal keeps the blobs, and the next settle tries again", metadata: ["error": "\(error)"])
            }
        }
        writeUsage(usage.take())
        FileSystem.close(blobsDirectory)
    }

    /// Opens the store at `directory`, creating it (private to the user, mode 0700) if needed and
    /// migrating an older store to the current schema.
    ///
    /// - Throws: ``StoreError`` with code `newerFormat` when a newer artifact-store wrote the
    ///   store, `unusableStore` when the path is not a usable directory.
    public static func open(at directory: URL, options: Options = Options()) throws -> Store {
        let layout = StoreLayout(root: directory)
        try prepareDirectory(layout)
        if !options.recreatesMissingDatabase { try refuseLostDatabase(layout) }
        let commitClock = options.writeLockObserver == nil ? nil : CommitClock()
        let writeTurns = options.takesWriteTurns ? WriteTurns(path: layout.writeTurnsFile, busyTimeout: options.busyTimeout) : nil
        let (database, lookups) = try openDatabase(layout, options: options, commitClock: commitClock, writeTurns: writeTurns)
        let blobsDirectory = try openBlobsDirectory(layout)
        let key = try loadSecretKey(layout)
        return Store(layout: layout, metadata: .sqlite(database, lookups: lookups), blobsDirectory: blobsDirectory, secretKey: key, options: options,
                     commitClock: commitClock, writeTurns: writeTurns)
    }

    /// Opens a store whose metadata is on a database server shared with other nodes
    /// (`ArtifactStorePostgres`), keeping its blobs, temporary files and key at `directory`.
    /// ARCHITECTURE.md §11.
    ///
    /// - Parameters:
    ///   - directory: this node's store directory, created if needed.
    ///   - server: the metadata, already open and migrated.
    ///   - options: as for ``open(at:options:)``; the busy timeout and the write-lock observer
    ///     apply to SQLite only.
    public static func open(at directory: URL, metadata server: any MetadataServer, options: Options = Options()) throws -> Store {
        let layout = StoreLayout(root: directory)
        try prepareDirectory(layout)
        let blobsDirectory = try openBlobsDirectory(layout)
        let key = try loadSecretKey(layout)
        return Store(layout: layout, metadata: .server(server), blobsDirectory: blobsDirectory, secretKey: key, options: options, commitClock: nil)
    }

    /// `blobs/sha256`, opened for lookups relative to it.
    private static func openBlobsDirectory(_ layout: StoreLayout) throws -> Int32 {
        do {
            return try FileSystem.open(layout.blobs, O_RDONLY | O_DIRECTORY)
        } catch {
            throw StoreError(.unusableStore, "cannot open \(layout.blobs); check that the store directory is yours and complete", underlying: error)
        }
    }

    /// The SQLite database, when the metadata is in one.
    var sqlitePool: DatabasePool? {
        if case .sqlite(let pool, _) = metadata { pool } else { nil }
    }

    /// Whether the store's calls can wait on another machine: its metadata is on a server, or
    /// its blobs are in remote storage. Each such call blocks its thread for round trips; a
    /// caller on Swift concurrency's shared threads (a server) should make it on threads of its
    /// own, as `serve` does.
    public var callsWaitOnOtherMachines: Bool {
        if case .server = metadata { return true }
        return options.remoteBlobs != nil
    }

    /// How this store's metadata spells what SQLite and the servers spell differently.
    var dialect: SQLDialect {
        switch metadata {
        case .sqlite: .sqlite
        case .server(let server): server.dialect
        }
    }

    /// The store's key (`secret.key`, 32 random bytes, 0600), created on first use. Concurrent
    /// openers agree: the key is written to a private file and linked into place, so it appears
    /// whole or not at all, and the first link wins.
    private static func loadSecretKey(_ layout: StoreLayout) throws -> [UInt8] {
        let path = layout.secretKeyFile
        if let existing = FileManager.default.contents(atPath: path), existing.count == 32 {
            return Array(existing)
        }
        let temporary = layout.tmp + "/key-\(FileSystem.processID)-\(UInt64.random(in: 0...UInt64.max).hexString)"
        do {
            let descriptor = try FileSystem.open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
            defer { FileSystem.close(descriptor) }
            let key = SymmetricKey(size: .bits256)
            try key.withUnsafeBytes { try FileSystem.writeAll(descriptor, $0) }
            try FileSystem.fsync(descriptor)
            defer { FileSystem.removeIfPresent(temporary) }
            do {
                try FileSystem.link(temporary, path)
            } catch let error as SystemError where error.errno == EEXIST {
                // Another opener's key won: it is read below.
            }
            try FileSystem.fsyncDirectory(layout.rootPath)
        } catch let error as SystemError {
            throw StoreError(.unusableStore, "cannot create the store's key \(path); check that the store directory is yours and writable", underlying: error)
        }
        guard let stored = FileManager.default.contents(atPath: path), stored.count == 32 else {
            throw StoreError(.unusableStore, "the store's key \(path) is damaged (it must hold 32 bytes); remove it to make a new one (stored variants selected by credentials will then no longer match)")
        }
        return Array(stored)
    }

    /// Opens a blob's file for reading, never following a symbolic link, and only if it is a
    /// regular file: a FIFO in its place would block a reader forever (`O_NONBLOCK` makes the open
    /// itself return; it changes nothing for regular files).
    func openBlobFile(_ digest: BlobDigest) throws -> (descriptor: Int32, info: stat) {
        let descriptor = try FileSystem.open(relativeTo: blobsDirectory, layout.relativeBlobPath(digest), O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
        guard let info = try? FileSystem.fstat(descriptor), FileSystem.isRegularFile(info) else {
            FileSystem.close(descriptor)
            throw StoreError(.blobCorrupt, "the file of blob \(digest.hex) at \(layout.blobPath(digest)) is not a regular file (a FIFO, device or directory the store never creates); it was not read. Run `artifact-store verify --repair` to move it aside, then put the original again")
        }
        return (descriptor, info)
    }

    /// Whether the body of a blob with a row can be read: its file is here, or it is in the
    /// remote blobs (a row there means an uploaded object, ARCHITECTURE.md §11), or in the blob
    /// journal (put moments ago, its file still to be written; looked up only when no file is).
    func blobFileExists(_ digest: BlobDigest) -> Bool {
        options.remoteBlobs != nil || hasLocalCopy(of: digest)
    }

    /// Whether this node's directory has the blob's file, in place: a regular file (never a
    /// symbolic link, which reads refuse to follow).
    func localBlobFileExists(_ digest: BlobDigest) -> Bool {
        FileSystem.lstat(relativeTo: blobsDirectory, layout.relativeBlobPath(digest)).map(FileSystem.isRegularFile) ?? false
    }

    var nowSeconds: Int64 { Int64(options.now().timeIntervalSince1970.rounded(.down)) }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: the store's write lock across processes.
    /// Every change to the set of published blob files happens inside one (ARCHITECTURE.md §4, I2).
    ///
    /// - Parameters:
    ///   - durable: false for changes a crash may lose (never corrupt), such as last-use times:
    ///     the commit does not wait for an fsync.
    ///   - grouped: `body` is short (a put, one response) and may share its transaction and commit
    ///     with others queued on this handle (``WriteGroups``): it runs in a savepoint, and
    ///     returns once the shared commit is done. Its effects and durability are those of a
    ///     transaction of its own; only the time of the commit is shared.
    func writeTransaction<T>(durable: Bool = true, grouped: Bool = false, _ body: (SQLSession) throws -> T) throws -> T {
        let database: DatabasePool
        switch metadata {
        case .sqlite(let pool, _): database = pool
        case .server(let server):
            return try databaseCall { try server.transaction(.write(durable: durable)) { try body(SQLSession($0, dialect: server.dialect)) } }
        }
        let observer = options.writeLockObserver
        let asked = observer == nil ? 0 : DispatchTime.now().uptimeNanoseconds
        if grouped && options.groupsCommits {
            // Asked from inside a write transaction (a body reading a blob whose last use then
            // flushes), a group would wait for the writer that very body holds.
            precondition(!writerThread.withLock { $0.map { pthread_equal($0, pthread_self()) != 0 } ?? false },
                         "a write transaction of the store was started inside another; they do not nest")
            return try databaseCall {
                try withoutActuallyEscaping(body) { body in
                    var result: T?
                    // The job never outlives this call: run returns only once the job's group is done.
                    let job = WriteGroups.Job(body: { result = try body($0) }, durable: durable, asked: asked)
                    try writeGroups.run(job, transaction: { durable, body in try sqliteTransaction(database, durable: durable, observed: observer != nil, body) },
                                        observed: observer.map { observer in { job, began, released, first in
                                            observer(WriteLockTiming(waitNanoseconds: job.started - job.asked, holdNanoseconds: released - began, sharesHold: !first))
                                        } })
                    return result!
                }
            }
        }
        var result: T?
        let (began, released) = try databaseCall {
            try sqliteTransaction(database, durable: durable, observed: observer != nil) { db in result = try body(SQLSession(db)) }
        }
        observer?(WriteLockTiming(waitNanoseconds: began - asked, holdNanoseconds: released - began))
        return result!
    }

    /// One `BEGIN IMMEDIATE … COMMIT` on the SQLite writer. When `observed`, returns when the
    /// lock was taken and when the commit released it (zeros otherwise).
    private func sqliteTransaction(_ database: DatabasePool, durable: Bool, observed: Bool, _ body: (Database) throws -> Void) throws -> (began: UInt64, released: UInt64) {
        var began: UInt64 = 0, released: UInt64 = 0
        try database.writeWithoutTransaction { db in
            if !durable {
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            defer {
                if !durable { try? db.execute(sql: "PRAGMA synchronous = FULL") }
            }
            writerThread.withLock { $0 = pthread_self() }
            defer { writerThread.withLock { $0 = nil } }
            writeTurns?.willBegin()
            defer { writeTurns?.didBegin() }  // when BEGIN failed
            try db.inTransaction(.immediate) {
                writeTurns?.didBegin()
                if observed { began = DispatchTime.now().uptimeNanoseconds }  // BEGIN IMMEDIATE succeeded
                try body(db)
                return .commit
            }
            if observed {
                // The lock went with this commit, before any checkpoint SQLite then ran
                // (CommitClock); read here, before another transaction can commit.
                let clock = commitClock?.released.load(ordering: .relaxed) ?? 0
                released = clock > began ? clock : DispatchTime.now().uptimeNanoseconds
            }
        }
        return (began, released)
    }

    /// Runs `body` in a read transaction: one consistent snapshot.
    func read<T>(_ body: (SQLSession) throws -> T) throws -> T {
        switch metadata {
        case .sqlite(let database, _): try databaseCall { try database.read { try body(SQLSession($0)) } }
        case .server(let server): try databaseCall { try server.transaction(.read) { try body(SQLSession($0, dialect: server.dialect)) } }
        }
    }

    /// Runs a SELECT on the lookup connection, calling `body` with each row in place (on a
    /// server, as a statement of its own: one round trip).
    func lookup(_ sql: String, arguments: [LookupConnection.Argument], _ body: (SteppedRow) throws -> Void) throws {
        switch metadata {
        case .sqlite(_, let lookups): try databaseCall { try lookups.forEachRow(sql, arguments: arguments, body) }
        case .server(let server):
            let parameters = SQLParameters(positional: arguments.map { argument in
                switch argument {
                case .text(let text): .text(text)
                case .integer(let integer): .integer(integer)
                }
            })
            let result = try databaseCall { try server.statement(sql, parameters) }
            let columns = SQLColumns(result.columns)
            for values in result.rows { try body(SteppedRow(SQLRow(columns: columns, values: values.map(\.databaseValue)))) }
        }
    }

    /// Converts SQLite and system errors into `StoreError`s that say what to do.
    private func databaseCall<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw Store.storeError(error, layout: layout)
        } catch let error as SystemError {
            throw StoreError(.io, "a file operation in the store failed at \(layout.rootPath); check free space and permissions", underlying: error)
        }
    }

    static func storeError(_ error: DatabaseError, layout: StoreLayout) -> StoreError {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError(.database, "the store database is busy: another process held its write lock too long; try again", underlying: error)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return StoreError(.unusableStore, "the store database \(layout.database) is damaged; move the store directory aside and start a new one (its blobs/ files can be put again)", underlying: error)
        case .SQLITE_FULL:
            return StoreError(.io, "the disk holding \(layout.rootPath) is full; free some space and try again", underlying: error)
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN, .SQLITE_AUTH:
            return StoreError(.unusableStore, "cannot write the store database \(layout.database); check that the store directory is yours and writable", underlying: error)
        default:
            return StoreError(.database, "the store database failed: \(error.message ?? "\(error.resultCode)")", underlying: error)
        }
    }
}

// MARK: - Opening

extension Store {
    private static func prepareDirectory(_ layout: StoreLayout) throws {
        let root = layout.rootPath
        do {
            try createPrivateDirectory(root)
            try checkFormat(layout)
            for directory in [layout.rootPath + "/blobs", layout.blobs, layout.tmp, layout.quarantine] where try FileSystem.makeDirectory(directory) {
                try FileSystem.fsyncDirectory((directory as NSString).deletingLastPathComponent)
            }
        } catch let error as SystemError {
            let what: String
            switch error.errno {
            case EACCES, EPERM, EROFS: what = "is not writable by this user; choose another --store or fix its permissions"
            case ENOTDIR: what = "is not a directory (or lies under a file); choose another --store"
            case ENOSPC: what = "cannot be written: the disk is full"
            default: what = "cannot be prepared"
            }
            throw StoreError(.unusableStore, "the store directory \(root) \(what)", underlying: error)
        }
    }

    /// A store whose blobs are there but whose database was deleted or emptied is damaged, not
    /// new: opening it with a fresh schema would present every blob as garbage.
    private static func refuseLostDatabase(_ layout: StoreLayout) throws {
        let size = (try? FileSystem.lstat(layout.database))??.st_size ?? 0
        guard size == 0, hasBlobFiles(layout) else { return }
        throw lostDatabase(layout)
    }

    private static func lostDatabase(_ layout: StoreLayout) -> StoreError {
        StoreError(.unusableStore, "the store at \(layout.rootPath) holds blob files but its database \(layout.database) is missing or empty; nothing was changed. Run `artifact-store verify --repair --store \(layout.rootPath)` to rebuild the database and adopt the blobs by their content, or restore store.sqlite from a backup")
    }

    /// Whether any file sits in a fan-out directory of `blobs/sha256` (stops at the first).
    private static func hasBlobFiles(_ layout: StoreLayout) -> Bool {
        guard let fanOuts = try? FileManager.default.contentsOfDirectory(atPath: layout.blobs) else { return false }
        for fanOut in fanOuts {
            if let entries = try? FileManager.default.contentsOfDirectory(atPath: layout.blobs + "/" + fanOut), !entries.isEmpty { return true }
        }
        return false
    }

    /// Creates the store directory and its missing parents; the store directory itself is 0700.
    private static func createPrivateDirectory(_ path: String) throws {
        if let info = try FileSystem.lstat(path) {
            guard FileSystem.isDirectory(info) else { throw SystemError(errno: ENOTDIR, operation: "open \(path)") }
            try FileSystem.isWritableDirectory(path)
            // Someone else's directory, or one others may write into, could have blobs swapped
            // under us: refuse it rather than trust it.
            if info.st_uid != FileSystem.effectiveUserID || info.st_mode & 0o022 != 0 {
                throw StoreError(.unusableStore, "the store directory \(path) is not private to you (owner uid \(info.st_uid), mode \(String(info.st_mode & 0o777, radix: 8))); use a directory you own that only you can write, e.g. chmod 700 it")
            }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if parent != path, try FileSystem.lstat(parent) == nil {
            try createPrivateDirectory(parent)
        }
        if try FileSystem.makeDirectory(path, mode: 0o700) {
            try FileSystem.setMode(path, 0o700)  // umask may have masked bits
            try FileSystem.fsyncDirectory(parent)
        }
    }

    /// Writes `STORE-FORMAT` in a new store; refuses a store whose format is newer than ours.
    private static func checkFormat(_ layout: StoreLayout) throws {
        let path = layout.formatFile
        if let contents = FileManager.default.contents(atPath: path) {
            let text = String(decoding: contents, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let version = Int(text) else {
                throw StoreError(.unusableStore, "\(path) does not hold a format version (found \"\(text.prefix(40))\"); this is not an artifact-store directory, or it is damaged")
            }
            if version > StoreLayout.currentFormatVersion {
                throw StoreError(.newerFormat, "the store at \(layout.rootPath) has format \(version), written by a newer artifact-store; this build reads format \(StoreLayout.currentFormatVersion) and older. Upgrade artifact-store, or use another --store")
            }
            if version < StoreLayout.currentFormatVersion {
                try writeFormatFile(layout)  // every older layout is still readable: upgrade in place
            }
            return
        }
        // Another process may be creating this store right now: its temporary format file is
        // fine, and a format file that appeared since we looked is read again.
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: layout.rootPath)) ?? [])
            .filter { !$0.hasPrefix(formatFileTemporaryPrefix) }
        if entries.contains("STORE-FORMAT") { return try checkFormat(layout) }
        if !entries.isEmpty && !entries.contains("store.sqlite") {
            throw StoreError(.unusableStore, "\(layout.rootPath) is not empty and is not an artifact-store directory (no STORE-FORMAT file); choose an empty or new directory for --store")
        }
        // A new store: private to its owner, whatever the directory's mode was.
        try FileSystem.setMode(layout.rootPath, 0o700)
        try writeFormatFile(layout)
    }

    private static let formatFileTemporaryPrefix = "STORE-FORMAT.tmp-"

    private static func writeFormatFile(_ layout: StoreLayout) throws {
        let temporary = layout.rootPath + "/" + formatFileTemporaryPrefix + UInt64.random(in: 0...UInt64.max).hexString
        try FileSystem.replaceFile(layout.formatFile, temporary: temporary, syncingDirectory: layout.rootPath) { fd in
            try Array("\(StoreLayout.currentFormatVersion)\n".utf8).withUnsafeBytes { try FileSystem.writeAll(fd, $0) }
        }
    }

    private static func openDatabase(_ layout: StoreLayout, options: Options, commitClock: CommitClock?, writeTurns: WriteTurns?) throws -> (DatabasePool, LookupConnection) {
        var configuration = Configuration()
        configuration.busyMode = .callback(busyWait(timeout: options.busyTimeout, turns: writeTurns))
        configuration.foreignKeysEnabled = true
        configuration.label = "artifact-store"
        configuration.prepareDatabase { db in
            // WAL with FULL sync: a committed transaction (an acknowledged put) survives power
            // loss. (The pool's writer is set again once the pool has opened; see below.)
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // The writer's page cache holds a bulk load's changed pages until the commit (32 MiB
            // at most): a smaller one spills them to the WAL mid-transaction, and pages changed
            // again are then written twice.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -32768") }
            // A statement that may have to undo its own changes (an upsert, one with RETURNING:
            // every recorded response) journals each page it changes into a temporary file
            // first; in memory, that is a copy instead of a write system call per page.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA temp_store = MEMORY") }
            if !db.configuration.readonly { commitClock?.install(on: db) }
        }
        do {
            // Openers of one store take turns (an advisory lock on the store directory): switching
            // a new database to WAL and migrating it need it to themselves, and SQLite reports
            // such a conflict as "busy" without waiting. Everything after the open runs freely.
            let lock = try FileSystem.open(layout.rootPath, O_RDONLY | O_DIRECTORY)
            defer { FileSystem.close(lock) }
            try FileSystem.lockExclusively(lock, layout.rootPath)
            let pool = try DatabasePool(path: layout.database, configuration: configuration)
            // GRDB switches its writer to WAL and then to `synchronous = NORMAL`, after
            // `prepareDatabase` ran: a commit would then reach the disk only at the next
            // checkpoint, and a power loss could take back acknowledged puts (I3). FULL again.
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
            try migrate(pool, layout: layout, options: options)
            return (pool, try LookupConnection(path: layout.database, busyTimeout: options.busyTimeout))
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw storeError(error, layout: layout)
        } catch {
            throw StoreError(.unusableStore, "cannot open the store database \(layout.database); check that the store directory is yours and writable", underlying: error)
        }
    }

    /// Waits for another connection's write lock up to `timeout` seconds. SQLite's own busy
    /// timeout sleeps up to 100 ms between tries, so a writer would often sleep on long after the
    /// lock was released; this one tries again every millisecond (a try is one `fcntl`; every
    /// 8 ms left the lock idle between holders for 4 ms on average: ARCHITECTURE.md §8).
    ///
    /// The timeout is measured on the clock from the first try, not counted in tries: a loaded
    /// machine oversleeps each millisecond, and would stretch it. This handle's writer, when
    /// `turns` are taken, waits in their queue instead (``WriteTurns``), with the same timeout.
    static func busyWait(timeout: TimeInterval, turns: WriteTurns? = nil) -> Database.BusyCallback {
        { tries in
            // This handle's writer beginning waits in the turns' queue (with the same timeout).
            if let turns, let again = turns.refused() { return again }
            // SQLite calls this on the waiting thread, from try 0 on: when the wait began is kept
            // there (one connection waits at a time on a thread).
            let now = DispatchTime.now().uptimeNanoseconds
            let key = "artifact-store.busy-since"
            let thread = Thread.current.threadDictionary
            if tries == 0 { thread[key] = NSNumber(value: now) }
            let since = (thread[key] as? NSNumber)?.uint64Value ?? now
            guard Double(now &- since) < timeout * 1e9 else { return false }
            usleep(1000)
            return true
        }
    }

    /// The migrator over `Schema/*.sql`, compiled into the binary by the schema plugin.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in schemaMigrations {
            migrator.registerMigration(migration.identifier) { db in
                db.add(function: recordedURLFunction)
                db.add(function: recordedURLKeyFunction)
                db.add(function: recordedURLPatternFunction)
                try db.execute(sql: migration.sql)
            }
        }
        return migrator
    }

    /// `recorded_url(TEXT)`: ``NormalizedURL`` for a migration that changes how URLs
    /// are recorded (a URL it cannot normalize is returned as it is).
    private static let recordedURLFunction = DatabaseFunction("recorded_url", argumentCount: 1, pure: true) { values in
        guard let url = String.fromDatabaseValue(values[0]) else { return nil }
        return (try? NormalizedURL(url).text) ?? url
    }

    /// `recorded_url_key(TEXT)`: the `url_key` of a recorded URL (`NormalizedURL.lookupKey`).
    private static let recordedURLKeyFunction = DatabaseFunction("recorded_url_key", argumentCount: 1, pure: true) { values in
        String.fromDatabaseValue(values[0]).map(NormalizedURL.lookupKey)
    }

    /// `recorded_url_pattern(TEXT)`: a pin's URL pattern as ``normalizedPattern(_:)`` writes it.
    private static let recordedURLPatternFunction = DatabaseFunction("recorded_url_pattern", argumentCount: 1, pure: true) { values in
        String.fromDatabaseValue(values[0]).map(normalizedPattern)
    }

    private static func migrate(_ pool: DatabasePool, layout: StoreLayout, options: Options) throws {
        let migrator = migrator
        let superseded = try pool.read { db in try migrator.hasBeenSuperseded(db) }
        if superseded {
            let unknown = try pool.read { db in
                try migrator.appliedIdentifiers(db).subtracting(schemaMigrations.map(\.identifier)).sorted()
            }
            throw StoreError(.newerFormat, "the store database at \(layout.database) was migrated by a newer artifact-store (schema \(unknown.joined(separator: ", "))); upgrade artifact-store, or use another --store")
        }
        let pending = try pool.read { db in try !migrator.hasCompletedMigrations(db) }
        if pending {
            // A database with no migration at all is new, or it is a lost one that something
            // recreated empty (a valid SQLite file of no tables): beside blob files it is the
            // latter, refused as a missing one is, before a fresh schema makes every blob look
            // like garbage.
            if !options.recreatesMissingDatabase, try pool.read({ db in try migrator.appliedIdentifiers(db).isEmpty }), hasBlobFiles(layout) {
                throw lostDatabase(layout)
            }
            try migrator.migrate(pool)
            options.logger.debug("store schema migrated", metadata: ["store": "\(layout.rootPath)"])
        }
    }
}

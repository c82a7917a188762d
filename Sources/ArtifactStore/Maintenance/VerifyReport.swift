import Foundation

/// One thing `verify` found wrong, and what `--repair` did about it.
public struct VerifyProblem: Sendable, Hashable {
    /// What kind of problem; the raw values are the `kind` of `verify --json`.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The file's content does not hash to its name.
        case contentMismatch = "content-mismatch"
        /// The file's size differs from the row's, though the content matches the digest.
        case sizeMismatch = "size-mismatch"
        /// A blob row whose file is gone.
        case missingFile = "missing-file"
        /// A file in `blobs/` named like a digest, with no row.
        case orphanFile = "orphan-file"
        /// Something in `blobs/` the store never creates (a misnamed file, a directory, a
        /// file in the wrong fan-out directory).
        case unexpectedFile = "unexpected-file"
        /// A symbolic link in `blobs/` (never followed).
        case symlink
        /// A blob file that cannot be read (permissions, I/O error).
        case unreadableFile = "unreadable-file"
        /// A response whose body digest has no blob row.
        case danglingResponse = "dangling-response"
        /// `PRAGMA foreign_key_check` found a row pointing nowhere.
        case foreignKeyViolation = "foreign-key-violation"
        /// `PRAGMA integrity_check` found damage in the database file.
        case databaseIntegrity = "database-integrity"
        /// A quarantined blob that a pin or a current response still needs: the store cannot
        /// serve what it promised to keep until the original is put again.
        case quarantinedButNeeded = "quarantined-but-needed"
    }

    /// What is wrong.
    public var kind: Kind
    /// The blob concerned, when there is one.
    public var digest: BlobDigest?
    /// The file concerned, when there is one.
    public var path: String?
    /// What is wrong, in one sentence, with what to do when `--repair` cannot fix it.
    public var message: String
    /// What `--repair` changed; nil when nothing was changed.
    public var repair: String?
}

/// The result of ``Store/verify(_:)``.
public struct VerifyReport: Sendable, Hashable {
    /// Blob rows compared with the files (quarantined rows included).
    public var blobRows: Int
    /// Entries found under `blobs/sha256/`.
    public var files: Int
    /// Blobs re-hashed.
    public var blobsHashed: Int
    /// Bytes re-hashed.
    public var bytesHashed: Int64
    /// The fraction of blobs re-hashed.
    public var sample: Double
    /// `["ok"]`, or what `PRAGMA integrity_check` reported.
    public var integrityCheck: [String]
    /// Whether the run repaired what it could (``VerifyOptions/repair``).
    public var repair: Bool
    /// How long the run took (seconds).
    public var durationSeconds: Double
    /// Everything found, repaired or not.
    public var problems: [VerifyProblem]

    /// Problems that are still there: found and not repaired.
    public var unrepairedProblems: [VerifyProblem] { problems.filter { $0.repair == nil } }
    /// True when nothing is wrong (any longer).
    public var isClean: Bool { unrepairedProblems.isEmpty }

    init(sample: Double, repair: Bool) {
        blobRows = 0
        files = 0
        blobsHashed = 0
        bytesHashed = 0
        self.sample = sample
        integrityCheck = []
        self.repair = repair
        durationSeconds = 0
        problems = []
    }
}

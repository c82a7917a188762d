import Foundation
import GRDB
import PythonPackaging

/// One distribution file a recorded project page offers (a row of `index_file`).
public struct IndexedFile: Sendable, Hashable {
    /// Wheel or source distribution.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// `wheel`: a `.whl` file; `sdist`: a source distribution.
        case wheel, sdist
    }

    /// The `response` row of the page that lists the file.
    public var pageResponseID: Int64
    /// PEP 503-normalized project name of the page.
    public var project: String
    /// Position on the page (0 first).
    public var position: Int
    /// The filename, percent-decoded (`torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl`).
    public var filename: String
    /// The absolute URL, without fragment.
    public var url: String
    /// Lowercase hex SHA-256 the page gives for the file, if any.
    public var sha256: String?
    /// A hash the page gives that the store cannot check (`sha256=<malformed>`, `md5=…`): the
    /// file is then unverifiable, never trusted by its URL.
    public var unusableHash: String?
    /// The `Requires-Python` value the page gives for the file, as written.
    public var requiresPython: String?
    /// Whether the page marks the file yanked (PEP 592).
    public var yanked: Bool
    /// The reason the page gives for the yank, if any.
    public var yankedReason: String?
    /// Whether the file is a wheel or a source distribution.
    public var kind: Kind
    /// The normalized version, when the filename carries one that parses.
    public var version: String?
    /// Wheel tags (`cp311-cp311-linux_x86_64`), sorted; empty for sdists.
    public var tags: [String]
    /// PEP 658 / 714 metadata is served beside the file.
    public var coreMetadata: Bool
    /// The SHA-256 of the metadata file, when the page gives it.
    public var coreMetadataSHA256: String?
    /// PEP 700 size, when the page gives it.
    public var size: Int64?

    /// A file of a page parsed now (not from `index_file`).
    init(pageResponseID: Int64, project: String, position: Int, _ file: PreparedPage.File) {
        self.pageResponseID = pageResponseID
        self.project = project
        self.position = position
        filename = file.filename
        url = file.url
        sha256 = file.sha256
        unusableHash = file.unusableHash
        requiresPython = file.requiresPython
        yanked = file.yanked
        yankedReason = file.yankedReason
        kind = file.kind
        version = file.version
        tags = file.tags.map { $0.split(separator: " ").map(String.init) } ?? []
        coreMetadata = file.coreMetadata
        coreMetadataSHA256 = file.coreMetadataSHA256
        size = file.size.map(Int64.init)
    }

    /// A row of `index_file`, of a set `pageResponseID`'s page publishes.
    init(row: SQLRow, pageResponseID: Int64) {
        self.pageResponseID = pageResponseID
        project = row["project"]
        position = row["position"]
        filename = row["filename"]
        url = row["url"]
        sha256 = row["sha256"]
        unusableHash = row["unusable_hash"]
        requiresPython = row["requires_python"]
        yanked = row["yanked"]
        yankedReason = row["yanked_reason"]
        kind = Kind(rawValue: row["kind"]) ?? .sdist
        version = row["version"]
        tags = (row["tags"] as String?).map { $0.split(separator: " ").map(String.init) } ?? []
        coreMetadata = row["core_metadata"]
        coreMetadataSHA256 = row["core_metadata_sha256"]
        size = row["size"]
    }
}

extension IndexedFile {
    /// What PythonPackaging's `FileSelection` weighs of the file.
    var offer: FileSelection.Offer {
        FileSelection.Offer(filename: filename, version: version.flatMap(Version.init), isWheel: kind == .wheel, requiresPython: requiresPython,
                            isYanked: yanked, yankedReason: yankedReason, position: position)
    }
}

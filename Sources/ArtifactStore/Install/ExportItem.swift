import Foundation
import PythonPackaging

/// One file to export: which blob, under which name, for what.
public struct ExportItem: Sendable, Hashable {
    /// The requirement or locked package the file satisfies.
    public var requirement: String
    /// The PEP 503-normalized project name.
    public var project: String
    /// The file name to write it under.
    public var filename: String
    /// The blob to write.
    public var digest: BlobDigest
    /// The blob's size in bytes.
    public var size: Int64
    /// `Requires-Python` to carry into the written index page, when known.
    public var requiresPython: String?

    /// Creates an item to export.
    public init(requirement: String, project: String, filename: String, digest: BlobDigest, size: Int64, requiresPython: String? = nil) {
        self.requirement = requirement
        self.project = project
        self.filename = filename
        self.digest = digest
        self.size = size
        self.requiresPython = requiresPython
    }
}

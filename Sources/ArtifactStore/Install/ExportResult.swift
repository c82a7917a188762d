import Foundation
import PythonPackaging

/// One file written by ``Store/export(_:to:layout:method:)-([InstallVerdict],_,_,_)``.
public struct ExportedFile: Sendable, Hashable {
    /// The requirement or locked package it satisfies.
    public var requirement: String
    /// The PEP 503-normalized project name.
    public var project: String
    /// The file name it was written under.
    public var filename: String
    /// The blob it was written from.
    public var digest: BlobDigest
    /// Its size in bytes.
    public var size: Int64
    /// Where it was written.
    public var path: String
    /// A hard link to the blob rather than a copy or clone.
    public var hardLinked: Bool
    /// `Requires-Python` carried into the index page, when known.
    public var requiresPython: String?
}

/// Something that had nothing to export, and why.
public struct MissingExport: Sendable, Hashable {
    /// The requirement text or locked package (`name version`).
    public var requirement: String
    /// Why nothing could be exported for it.
    public var reasons: [InstallReason]
    /// The requirement's verdict, when it came from one (its stored wheels explain more).
    public var verdict: InstallVerdict?
}

/// What an export wrote, and what had nothing to write.
public struct ExportResult: Sendable, Hashable {
    /// Every file written.
    public var files: [ExportedFile]
    /// Every requirement or package that had nothing to write.
    public var missing: [MissingExport]
    /// The `index.html` written at the top of the directory.
    public var indexPath: String
    /// Files already in a find-links directory that the new index lists beside this run's.
    public var kept: [String]
}

import Foundation
/// How exported files are made from blobs.
public enum ExportMethod: String, Sendable, Hashable, CaseIterable {
    /// A copy-on-write clone where the file system can (FICLONE: Btrfs, XFS, bcachefs), else a
    /// copy: a tool that writes into the exported file never changes the stored blob.
    case copy
    /// A hard link to the blob (same file system only; falls back to a copy). Opt-in: writing
    /// into the exported file would change the stored blob, which `verify` then quarantines.
    case hardLink = "hard-link"
}

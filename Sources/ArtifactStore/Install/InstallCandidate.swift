import Foundation
import PythonPackaging

/// A file an installer would consider.
public struct InstallCandidate: Sendable, Hashable {
    /// The file name, percent-decoded.
    public var filename: String
    /// The absolute URL the page links, without fragment.
    public var url: String
    /// The version the file name carries; nil for a locked file whose lock gives none.
    public var version: Version?
    /// Wheel or source distribution.
    public var kind: IndexedFile.Kind
    /// The SHA-256 the page (or lock) gives, if any.
    public var sha256: BlobDigest?
    /// A hash the page gives that the store cannot check (see ``IndexedFile/unusableHash``).
    public var unusableHash: String?
    /// The best supported tag of the wheel.
    public var tag: Tag?
    /// The index (base URL) and the project page it came from.
    public var index: String
    /// The project page that lists the file.
    public var pageURL: String
    /// Whether the page marks the file yanked.
    public var yanked: Bool
    /// Set for the chosen file when it is stored.
    public var stored: StoredFile?
}

import Foundation
import PythonPackaging

/// A wheel of the project found in the store whatever page listed it (step 4: the way out).
public struct StoredWheel: Sendable, Hashable {
    /// The wheel's file name.
    public var filename: String
    /// The version the file name carries.
    public var version: Version
    /// The blob that holds it.
    public var digest: BlobDigest
    /// Its size in bytes.
    public var size: Int64
    /// Where it came from: the URL it was fetched from, or the page whose hash it matches.
    public var source: String
    /// The best supported tag, nil when incompatible.
    public var tag: Tag?
    /// Whether its version satisfies the requirement's specifier.
    public var matchesSpecifier: Bool
    /// `Requires-Python` from a page listing it, when known.
    public var requiresPython: String?
    /// Compatible, version matches, `Requires-Python` (if known) satisfied.
    public var satisfies: Bool
    /// Why it does not satisfy the requirement, when it does not.
    public var whyNot: String?
}

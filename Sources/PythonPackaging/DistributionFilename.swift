// The one classification of distribution filenames: wheel, source distribution, or neither.

/// What a filename on a project page is: a wheel (binary distribution format) or a source
/// distribution, with the version it carries.
public struct DistributionFilename: Sendable, Hashable {
    /// Wheel or source distribution.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// `wheel`: a `.whl` file; `sdist`: a source distribution (one of ``sdistSuffixes``).
        case wheel, sdist
    }

    /// The suffixes of source distributions pip accepts (lowercase), longest first.
    public static let sdistSuffixes = [".tar.bz2", ".tar.gz", ".tar.xz", ".tgz", ".tar", ".zip"]
    /// Every suffix of a file an index serves as a download rather than a page: distributions,
    /// legacy eggs and PEP 658 metadata sidecars.
    public static let downloadSuffixes = [".whl"] + sdistSuffixes + [".egg", ".metadata"]

    /// Whether the file is a wheel or a source distribution.
    public var kind: Kind
    /// The version: a wheel's, or an sdist's when its name part normalizes to the project.
    public var version: Version?
    /// The parsed wheel filename (nil for sdists and for wheel names that do not parse).
    public var wheel: WheelFilename?

    /// Classifies `filename` (percent-decoded) of `project` (PEP 503-normalized); nil for
    /// anything that is neither a wheel nor an sdist (an `.exe`, an `.egg`, a link to a page).
    public init?(_ filename: String, project: String) {
        if filename.hasSuffix(".whl") {
            kind = .wheel
            wheel = WheelFilename(filename)
            version = wheel?.version
            return
        }
        let lowered = filename.lowercased()
        guard let suffix = Self.sdistSuffixes.first(where: { lowered.hasSuffix($0) }) else { return nil }
        kind = .sdist
        wheel = nil
        version = Self.sdistVersion(String(filename.dropLast(suffix.count)), project: project)
    }

    /// Whether the last path segment of a URL names a download (see ``downloadSuffixes``).
    /// The last segment is the last non-empty one of the path (the part before any `?`), so a
    /// trailing `/` does not hide it; suffixes match in any letter case.
    public static func isDownload(url: String) -> Bool {
        // Asked of every response recorded: on the UTF-8 bytes, without splitting the URL. The
        // suffixes are ASCII, and no non-ASCII character lowercases to one of their letters, so
        // an ASCII case-insensitive comparison of the bytes is the comparison of the lowercased
        // name.
        var url = url
        return url.withUTF8 { bytes in
            let path = bytes[..<(bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex)]
            var end = path.endIndex
            while end > path.startIndex, path[end - 1] == UInt8(ascii: "/") { end -= 1 }
            let start = path[..<end].lastIndex(of: UInt8(ascii: "/")).map { $0 + 1 } ?? path.startIndex
            let name = path[start..<end]
            return downloadSuffixBytes.contains { suffix in
                name.count >= suffix.count && zip(name.suffix(suffix.count), suffix).allSatisfy { byte, lower in
                    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 == lower : byte == lower
                }
            }
        }
    }

    /// ``downloadSuffixes`` as bytes.
    private static let downloadSuffixBytes = downloadSuffixes.map { Array($0.utf8) }

    /// pip's `_extract_version_from_fragment`: the part after the first `-`-separated prefix that
    /// normalizes to the project.
    static func sdistVersion(_ stem: String, project: String) -> Version? {
        var index = stem.startIndex
        while let dash = stem[index...].firstIndex(of: "-") {
            if ProjectName.normalize(String(stem[..<dash])) == project {
                return Version(String(stem[stem.index(after: dash)...]))
            }
            index = stem.index(after: dash)
        }
        return nil
    }
}

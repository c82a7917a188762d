// Wheel file names (binary distribution format specification, PEP 427/491):
// `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`, parsed exactly like
// `packaging.utils.parse_wheel_filename` 26.2 (without `validate_order`).

/// Why a file name is not a valid wheel file name.
public struct InvalidWheelFilename: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: String, Sendable, Hashable {
        /// The name does not end with `.whl` (case-sensitive).
        case extensionNotWhl = "extension-not-whl"
        /// The stem does not have 4 or 5 `-` (5 or 6 parts).
        case wrongNumberOfParts = "wrong-number-of-parts"
        /// The project part contains `__` or characters other than word characters, `.` and `_`.
        case invalidProjectName = "invalid-project-name"
        /// The version part is not a PEP 440 version.
        case invalidVersion = "invalid-version"
        /// The build part does not start with a digit.
        case invalidBuildNumber = "invalid-build-number"
    }

    /// Which rule the file name breaks.
    public let kind: Kind
    /// The rejected file name.
    public let filename: String

    /// A sentence naming the file and the broken rule.
    public var description: String {
        let what: String
        switch kind {
        case .extensionNotWhl: what = "extension must be '.whl'"
        case .wrongNumberOfParts: what = "wrong number of parts"
        case .invalidProjectName: what = "invalid project name"
        case .invalidVersion: what = "invalid version"
        case .invalidBuildNumber: what = "invalid build number, it must start with a digit"
        }
        return "Invalid wheel filename (\(what)): '\(filename)'"
    }
}

/// A wheel build tag: leading digits and the rest, ordered like packaging's `(int, str)` tuple.
public struct BuildTag: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The leading number (any size; ``VersionNumber/intValue`` when it fits in `Int`).
    public let number: VersionNumber
    /// What follows the digits (up to a newline, as packaging's `(.*)` stops there).
    public let suffix: String

    /// Creates a build tag from its leading number and the rest.
    public init(number: VersionNumber, suffix: String) {
        self.number = number
        self.suffix = suffix
    }

    /// The build tag as written: the number followed by the suffix.
    public var description: String { number.description + suffix }

    /// Equal when the numbers are equal and the suffixes have the same code points.
    public static func == (lhs: BuildTag, rhs: BuildTag) -> Bool {
        lhs.number == rhs.number && PythonText.equal(lhs.suffix, rhs.suffix)
    }

    /// Hashes the number and the suffix's UTF-8 bytes, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(number)
        hasher.combine(Array(suffix.utf8))
    }

    /// By number first, then by the suffix's code points, like packaging's `(int, str)` tuple.
    public static func < (lhs: BuildTag, rhs: BuildTag) -> Bool {
        if lhs.number != rhs.number { return lhs.number < rhs.number }
        return PythonText.codePointLess(lhs.suffix, rhs.suffix)
    }
}

/// A parsed wheel file name.
public struct WheelFilename: Sendable, Hashable, CustomStringConvertible {
    /// The file name as given (after percent-decoding for ``init(urlSegment:)``).
    public let filename: String
    /// The project name, PEP 503-normalized (the wheel spelling `Foo_Bar` gives `foo-bar`).
    public let name: String
    /// The version.
    public let version: Version
    /// The optional build tag.
    public let build: BuildTag?
    /// The expanded tag set (`py2.py3-none-any` gives two tags).
    public let tags: Set<Tag>

    /// The tags sorted by (interpreter, abi, platform).
    public var sortedTags: [Tag] { tags.sorted() }

    /// The file name as given.
    public var description: String { filename }

    /// Parses a wheel file name.
    ///
    /// As lenient as packaging 26.2 and no more: the version may use any spelling PEP 440
    /// normalizes (`v1.0`, `1.0-1`), the project part may be empty or contain non-ASCII word
    /// characters, tag components are not validated (even empty ones are kept), the build tag
    /// only has to start with a digit. The compressed tag set order is not checked.
    public init(parsing filename: String) throws(InvalidWheelFilename) {
        func fail(_ kind: InvalidWheelFilename.Kind) -> InvalidWheelFilename {
            InvalidWheelFilename(kind: kind, filename: filename)
        }
        let bytes = Array(filename.utf8)
        guard bytes.count >= 4, bytes.suffix(4).elementsEqual(".whl".utf8) else { throw fail(.extensionNotWhl) }
        let stem = bytes.dropLast(4)
        let dashes = stem.reduce(0) { $0 + ($1 == UInt8(ascii: "-") ? 1 : 0) }
        guard dashes == 4 || dashes == 5 else { throw fail(.wrongNumberOfParts) }
        // split("-", dashes - 2): the first parts, then the three-part tag string as one.
        let pieces = stem.split(separator: UInt8(ascii: "-"), maxSplits: dashes - 2, omittingEmptySubsequences: false)
        let namePart = String(decoding: pieces[0], as: UTF8.self)
        guard WheelFilename.isValidNamePart(namePart) else { throw fail(.invalidProjectName) }
        guard let version = Version(String(decoding: pieces[1], as: UTF8.self)) else { throw fail(.invalidVersion) }
        var build: BuildTag?
        if dashes == 5 {
            let part = pieces[2]
            var digitsEnd = part.startIndex
            while digitsEnd < part.endIndex, PythonText.isASCIIDigit(part[digitsEnd]) { digitsEnd += 1 }
            guard digitsEnd > part.startIndex else { throw fail(.invalidBuildNumber) }
            var suffix = part[digitsEnd...]
            if let newline = suffix.firstIndex(of: UInt8(ascii: "\n")) { suffix = suffix[..<newline] }
            build = BuildTag(
                number: VersionNumber(validatedDigits: part[part.startIndex..<digitsEnd]),
                suffix: String(decoding: suffix, as: UTF8.self))
        }
        // The last piece always holds exactly two dashes.
        let tags = Tag.parseCompressed(String(decoding: pieces[pieces.count - 1], as: UTF8.self)) ?? []
        self.filename = filename
        self.name = ProjectName.normalize(namePart)
        self.version = version
        self.build = build
        self.tags = tags
    }

    /// Parses a wheel file name that may be invalid; `nil` when it is.
    public init?(_ filename: String) {
        guard let parsed = try? WheelFilename(parsing: filename) else { return nil }
        self = parsed
    }

    /// Parses the last path segment of a URL (as found in an index page), percent-decoding it
    /// first like pip's `Link.filename` (`urllib.parse.unquote`), so that
    /// `torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl` gives version `2.0.1+cpu`.
    public init(urlSegment: String) throws(InvalidWheelFilename) {
        try self.init(parsing: PythonText.percentDecode(urlSegment))
    }

    /// packaging's `re.match(r"^[\w\d._]*$", name)` plus the "no `__`" rule. `$` also matches
    /// before one trailing newline, which packaging therefore accepts.
    static func isValidNamePart(_ name: String) -> Bool {
        if name.utf8.count >= 2 {
            var previousUnderscore = false
            for byte in name.utf8 {
                let isUnderscore = byte == UInt8(ascii: "_")
                if isUnderscore && previousUnderscore { return false }
                previousUnderscore = isUnderscore
            }
        }
        var scalars = Substring(name).unicodeScalars
        if scalars.last == "\n" { scalars = scalars.dropLast() }
        return scalars.allSatisfy { PythonText.isWordCharacter($0) || $0 == "." }
    }

    /// The best rank of this wheel in a supported-tag list (see ``SupportedTags/bestMatch(for:)``).
    public func bestMatch(in supported: SupportedTags) -> SupportedTags.Match? {
        supported.bestMatch(for: tags)
    }
}

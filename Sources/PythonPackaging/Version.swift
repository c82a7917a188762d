// PEP 440 versions, parsed, normalized and ordered exactly like `packaging.version.Version` 26.2.
//
// Parsing is a hand-written scanner that accepts precisely the language of packaging's
// `VERSION_PATTERN` (with its possessive quantifiers, as used on CPython ≥ 3.11.5), compiled with
// IGNORECASE and surrounded by `\s*`:
//
//     v? (N!)? N(.N)* ([._-]? (alpha|a|beta|b|preview|pre|c|rc) [._-]? N?)?
//     (-N | [._-]? (post|rev|r) [._-]? N?)? ([._-]? dev [._-]? N?)? (+ L([._-]L)*)?
//
// Ordering follows packaging's `_cmpkey` (PEP 440 §"Summary of permitted suffixes and relative
// ordering"): epoch, release with trailing zeros removed, then a six-part suffix
// (pre rank, pre number, post rank, post number, dev rank, dev number), then the local segment.

/// The error thrown for a string that is not a valid PEP 440 version.
public struct InvalidVersion: Error, Sendable, Hashable, CustomStringConvertible {
    /// The rejected input.
    public let input: String

    /// `Invalid version: 'INPUT'`, the input cut at 200 characters.
    public var description: String {
        let shown = input.unicodeScalars.count > 200
            ? String(String.UnicodeScalarView(input.unicodeScalars.prefix(200))) + "…" : input
        return "Invalid version: '\(shown)'"
    }
}

/// A PEP 440 version such as `1!2.0.0rc1.post2.dev3+ubuntu.1`.
///
/// Equality and hashing follow PEP 440 ordering, not spelling: `1.0`, `1.0.0` and `V1.0` are equal
/// and hash alike (as packaging's `_cmpkey` makes them); use ``description`` for the normalized
/// spelling of a particular value (which keeps trailing zeros: `1.0.0`).
public struct Version: Sendable, Hashable, Comparable, CustomStringConvertible, LosslessStringConvertible {
    /// A pre-release phase (PEP 440 §"Pre-releases"); alternative spellings are normalized.
    public enum PreReleaseLabel: String, Sendable, Hashable, Comparable, CaseIterable {
        /// `a`, also spelled `alpha`.
        case alpha = "a"
        /// `b`, also spelled `beta`.
        case beta = "b"
        /// `rc`, also spelled `c`, `pre` or `preview`.
        case releaseCandidate = "rc"

        var rank: Int {
            switch self {
            case .alpha: return 0
            case .beta: return 1
            case .releaseCandidate: return 2
            }
        }

        /// Alpha before beta before release candidate.
        public static func < (lhs: PreReleaseLabel, rhs: PreReleaseLabel) -> Bool { lhs.rank < rhs.rank }
    }

    /// A pre-release segment: phase and number (`rc1` → `.releaseCandidate`, 1).
    public struct PreRelease: Sendable, Hashable {
        /// The phase.
        public var label: PreReleaseLabel
        /// The number after the phase (0 when none was written).
        public var number: VersionNumber

        /// Creates a pre-release segment.
        public init(label: PreReleaseLabel, number: VersionNumber) {
            self.label = label
            self.number = number
        }
    }

    /// One dot-separated part of a local version label (PEP 440 §"Local version identifiers").
    public enum LocalSegment: Sendable, Hashable, CustomStringConvertible {
        /// An all-digit part, compared numerically (`007` is `7`).
        case number(VersionNumber)
        /// Any other part, lowercased, compared lexically; it sorts before every number.
        case string(String)

        /// The part as normalized: the number without leading zeros, or the lowercased string.
        public var description: String {
            switch self {
            case .number(let number): return number.description
            case .string(let string): return string
            }
        }
    }

    /// The epoch (`1` in `1!2.0`), zero when absent.
    public let epoch: VersionNumber
    /// The release segment as written, trailing zeros included (`[2, 0, 0]` for `2.0.0`).
    public let release: [VersionNumber]
    /// The pre-release segment, if any.
    public let pre: PreRelease?
    /// The post-release number, if any (`1.0-1`, `1.0.post1`, `1.0r1` all give 1).
    public let post: VersionNumber?
    /// The development release number, if any.
    public let dev: VersionNumber?
    /// The local version label split into parts, if any.
    public let localSegments: [LocalSegment]?

    /// Builds a version from its parts. `release` must not be empty (a single `0` is used if it is).
    public init(
        epoch: VersionNumber = .zero, release: [VersionNumber], pre: PreRelease? = nil,
        post: VersionNumber? = nil, dev: VersionNumber? = nil, local: [LocalSegment]? = nil
    ) {
        self.epoch = epoch
        self.release = release.isEmpty ? [.zero] : release
        self.pre = pre
        self.post = post
        self.dev = dev
        self.localSegments = (local?.isEmpty ?? true) ? nil : local
    }

    /// Parses any spelling PEP 440 normalizes (case, `v` prefix, `.`/`-`/`_` separators, implicit
    /// numbers, `alpha`/`beta`/`c`/`pre`/`preview`/`rev`/`r`, implicit post `1.0-1`, surrounding
    /// whitespace); throws ``InvalidVersion`` otherwise.
    public init(parsing string: String) throws(InvalidVersion) {
        guard let parsed = VersionScanner.parse(string) else { throw InvalidVersion(input: string) }
        self = parsed
    }

    /// Parses a version, or returns `nil` when `string` is not a valid PEP 440 version.
    public init?(_ description: String) {
        guard let parsed = VersionScanner.parse(description) else { return nil }
        self = parsed
    }

    /// Whether `string` parses as a PEP 440 version.
    public static func isValid(_ string: String) -> Bool {
        VersionScanner.parse(string) != nil
    }

    // MARK: Derived values

    /// The normalized local label (`ubuntu.1`), or `nil`.
    public var local: String? {
        localSegments.map { $0.map(\.description).joined(separator: ".") }
    }

    /// The normalized spelling (PEP 440 §"Normalization"), e.g. `1!2.0rc1.post2.dev3+abc.7`.
    public var description: String {
        var text = publicDescription
        if let local { text += "+" + local }
        return text
    }

    /// The public version (everything but the local label) as a normalized string.
    public var `public`: String { publicDescription }

    /// The base version: epoch and release only (`1!1.2.3` for `1!1.2.3dev1+abc`).
    public var baseVersion: String {
        let releaseText = release.map(\.description).joined(separator: ".")
        return epoch.isZero ? releaseText : "\(epoch)!\(releaseText)"
    }

    private var publicDescription: String {
        var text = baseVersion
        if let pre { text += pre.label.rawValue + pre.number.description }
        if let post { text += ".post\(post)" }
        if let dev { text += ".dev\(dev)" }
        return text
    }

    /// True for a pre-release or a development release (`1.0a1`, `1.0.dev1`, `1.0.post1.dev1`).
    public var isPrerelease: Bool { pre != nil || dev != nil }
    /// True when there is a post-release segment.
    public var isPostrelease: Bool { post != nil }
    /// True when there is a development release segment.
    public var isDevrelease: Bool { dev != nil }

    /// This version without its local label.
    public var publicVersion: Version {
        localSegments == nil ? self : Version(epoch: epoch, release: release, pre: pre, post: post, dev: dev)
    }

    /// The release segment with trailing zeros removed (keeping at least one component).
    var trimmedRelease: ArraySlice<VersionNumber> {
        var end = release.count
        while end > 1 && release[end - 1].isZero { end -= 1 }
        return release[..<end]
    }

    /// The string `packaging.utils.canonicalize_version` returns: the normalized spelling, with
    /// trailing zeros of the release removed when `stripTrailingZero` is true.
    public func canonicalString(stripTrailingZero: Bool = true) -> String {
        guard stripTrailingZero else { return description }
        return Version(epoch: epoch, release: Array(trimmedRelease), pre: pre, post: post, dev: dev,
                       local: localSegments).description
    }

    // MARK: Ordering (packaging's `_cmpkey`)

    /// Strip all trailing zeros (even a lone `0`, as `_cmpkey` does: `0` and `0.0` both become `()`).
    private var keyRelease: ArraySlice<VersionNumber> {
        var end = release.count
        while end > 0 && release[end - 1].isZero { end -= 1 }
        return release[..<end]
    }

    /// (pre rank, pre n, post rank, post n, dev rank, dev n).
    private var suffixKey: (Int, VersionNumber, Int, VersionNumber, Int, VersionNumber) {
        let preRank: Int
        let preNumber: VersionNumber
        if pre == nil && post == nil && dev != nil {
            // A dev-only release (1.0.dev1) sorts before every pre-release of 1.0.
            preRank = -1
            preNumber = .zero
        } else if let pre {
            preRank = pre.label.rank
            preNumber = pre.number
        } else {
            preRank = 3
            preNumber = .zero
        }
        return (preRank, preNumber, post == nil ? 0 : 1, post ?? .zero, dev == nil ? 1 : 0, dev ?? .zero)
    }

    /// Three-way comparison in PEP 440 order: -1, 0 or 1.
    public func compare(to other: Version) -> Int {
        if epoch != other.epoch { return epoch < other.epoch ? -1 : 1 }
        let a = keyRelease
        let b = other.keyRelease
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        let s = suffixKey
        let t = other.suffixKey
        if s.0 != t.0 { return s.0 < t.0 ? -1 : 1 }
        if s.1 != t.1 { return s.1 < t.1 ? -1 : 1 }
        if s.2 != t.2 { return s.2 < t.2 ? -1 : 1 }
        if s.3 != t.3 { return s.3 < t.3 ? -1 : 1 }
        if s.4 != t.4 { return s.4 < t.4 ? -1 : 1 }
        if s.5 != t.5 { return s.5 < t.5 ? -1 : 1 }
        switch (localSegments, other.localSegments) {
        case (nil, nil): return 0
        case (nil, _): return -1
        case (_, nil): return 1
        case (let l?, let r?):
            for (x, y) in zip(l, r) {
                let c = Version.compareLocal(x, y)
                if c != 0 { return c }
            }
            return l.count == r.count ? 0 : (l.count < r.count ? -1 : 1)
        }
    }

    /// Strings sort before numbers; strings by code point, numbers numerically.
    private static func compareLocal(_ x: LocalSegment, _ y: LocalSegment) -> Int {
        switch (x, y) {
        case (.number(let a), .number(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        case (.string, .number): return -1
        case (.number, .string): return 1
        case (.string(let a), .string(let b)):
            return a == b ? 0 : (PythonText.codePointLess(a, b) ? -1 : 1)
        }
    }

    /// PEP 440 order (see ``compare(to:)``).
    public static func < (lhs: Version, rhs: Version) -> Bool { lhs.compare(to: rhs) < 0 }

    /// PEP 440 equality: `1.0 == 1.0.0`, `1.0+ABC == 1.0+abc`.
    public static func == (lhs: Version, rhs: Version) -> Bool { lhs.compare(to: rhs) == 0 }

    /// Hashes the comparison key, so versions that compare equal hash equal.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(epoch)
        hasher.combine(Array(keyRelease))
        let s = suffixKey
        hasher.combine(s.0)
        hasher.combine(s.1)
        hasher.combine(s.2)
        hasher.combine(s.3)
        hasher.combine(s.4)
        hasher.combine(s.5)
        hasher.combine(localSegments)
    }
}

/// The PEP 440 scanner (see the grammar at the top of the file).
enum VersionScanner {
    static func parse(_ string: String) -> Version? {
        let stripped = PythonText.strip(string[...].unicodeScalars)
        // Everything between the surrounding whitespace is matched in ASCII mode.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(stripped.count)
        for scalar in stripped {
            guard scalar.isASCII else { return nil }
            let value = UInt8(scalar.value)
            bytes.append(value >= 0x41 && value <= 0x5A ? value + 0x20 : value)
        }
        var scanner = Scanner(bytes: bytes)
        return scanner.scanVersion()
    }

    struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        private func peek(_ offset: Int = 0) -> UInt8? {
            index + offset < bytes.count ? bytes[index + offset] : nil
        }

        private static func isSeparator(_ byte: UInt8?) -> Bool {
            byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }

        private static func isAlphanumeric(_ byte: UInt8?) -> Bool {
            guard let byte else { return false }
            return PythonText.isASCIIDigit(byte) || (byte >= 0x61 && byte <= 0x7A)
        }

        /// Length of the run of digits at `start`.
        private func digitRun(at start: Int) -> Int {
            var end = start
            while end < bytes.count, PythonText.isASCIIDigit(bytes[end]) { end += 1 }
            return end - start
        }

        private mutating func scanNumber() -> VersionNumber? {
            let length = digitRun(at: index)
            guard length > 0 else { return nil }
            let number = VersionNumber(validatedDigits: bytes[index..<(index + length)])
            index += length
            return number
        }

        private func hasWord(_ word: String, at position: Int) -> Bool {
            let utf8 = word.utf8
            guard position + utf8.count <= bytes.count else { return false }
            var p = position
            for byte in utf8 {
                if bytes[p] != byte { return false }
                p += 1
            }
            return true
        }

        /// The first alternative (in order) that matches at `position`.
        private func matchWord(_ words: [String], at position: Int) -> String? {
            words.first { hasWord($0, at: position) }
        }

        mutating func scanVersion() -> Version? {
            if peek() == UInt8(ascii: "v") { index += 1 }

            // Epoch: digits followed by "!".
            var epoch = VersionNumber.zero
            let epochLength = digitRun(at: index)
            if epochLength > 0, index + epochLength < bytes.count, bytes[index + epochLength] == UInt8(ascii: "!") {
                epoch = VersionNumber(validatedDigits: bytes[index..<(index + epochLength)])
                index += epochLength + 1
            }

            // Release: N(.N)*
            guard let first = scanNumber() else { return nil }
            var release = [first]
            while peek() == UInt8(ascii: "."), let next = peek(1), PythonText.isASCIIDigit(next) {
                index += 1
                release.append(scanNumber()!)
            }

            // Pre-release (atomic group; separators possessive).
            var pre: Version.PreRelease?
            do {
                var position = index
                if Scanner.isSeparator(peek()) { position += 1 }
                if let word = matchWord(["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"], at: position) {
                    index = position + word.utf8.count
                    if Scanner.isSeparator(peek()) { index += 1 }
                    let number = scanNumber() ?? .zero
                    let label: Version.PreReleaseLabel
                    switch word {
                    case "alpha", "a": label = .alpha
                    case "beta", "b": label = .beta
                    default: label = .releaseCandidate
                    }
                    pre = Version.PreRelease(label: label, number: number)
                }
            }

            // Post-release: "-N" or [._-]?(post|rev|r)[._-]?N?
            var post: VersionNumber?
            if peek() == UInt8(ascii: "-"), let next = peek(1), PythonText.isASCIIDigit(next) {
                index += 1
                post = scanNumber()
            } else {
                var position = index
                if Scanner.isSeparator(peek()) { position += 1 }
                if let word = matchWord(["post", "rev", "r"], at: position) {
                    index = position + word.utf8.count
                    if Scanner.isSeparator(peek()) { index += 1 }
                    post = scanNumber() ?? .zero
                }
            }

            // Development release.
            var dev: VersionNumber?
            do {
                var position = index
                if Scanner.isSeparator(peek()) { position += 1 }
                if hasWord("dev", at: position) {
                    index = position + 3
                    if Scanner.isSeparator(peek()) { index += 1 }
                    dev = scanNumber() ?? .zero
                }
            }

            // Local label: +L([._-]L)*
            var local: [Version.LocalSegment]?
            if peek() == UInt8(ascii: "+"), Scanner.isAlphanumeric(peek(1)) {
                index += 1
                var segments: [Version.LocalSegment] = []
                while true {
                    let start = index
                    while Scanner.isAlphanumeric(peek()) { index += 1 }
                    let part = bytes[start..<index]
                    if part.allSatisfy(PythonText.isASCIIDigit) {
                        segments.append(.number(VersionNumber(validatedDigits: part)))
                    } else {
                        segments.append(.string(String(decoding: part, as: UTF8.self)))
                    }
                    if Scanner.isSeparator(peek()), Scanner.isAlphanumeric(peek(1)) {
                        index += 1
                    } else {
                        break
                    }
                }
                local = segments
            }

            guard index == bytes.count else { return nil }
            return Version(epoch: epoch, release: release, pre: pre, post: post, dev: dev, local: local)
        }
    }
}

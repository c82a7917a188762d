// PEP 440 version specifiers (one clause such as `>=1.0` or `==1.2.*`), with the matching and
// pre-release rules of `packaging.specifiers.Specifier` 26.2.

/// The error thrown for a string that is not a valid specifier (or specifier set).
public struct InvalidSpecifier: Error, Sendable, Hashable, CustomStringConvertible {
    /// The rejected clause.
    public let input: String
    /// Why it was rejected.
    public let reason: String

    /// `Invalid specifier: 'INPUT' (REASON)`, the input cut at 200 characters.
    public var description: String {
        let shown = input.unicodeScalars.count > 200
            ? String(String.UnicodeScalarView(input.unicodeScalars.prefix(200))) + "…" : input
        return "Invalid specifier: '\(shown)' (\(reason))"
    }
}

/// One version specifier clause, e.g. `~=2.2`, `!=1.3.*`, `<2.0`, `===foobar`.
///
/// Validity (PEP 440 §"Version specifiers"): the version must be valid for its operator; local
/// labels (`+abc`) only with `==`/`!=`; the `.*` wildcard only with `==`/`!=` and only after a
/// plain release; `~=` needs at least two release components; `===` takes any string without
/// whitespace, `;` or `)`.
public struct Specifier: Sendable, Hashable, CustomStringConvertible {
    /// A comparison operator (PEP 440 §"Version specifiers").
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        /// `~=`: compatible release.
        case compatible = "~="
        /// `==`: version matching (with an optional `.*` prefix match).
        case equal = "=="
        /// `!=`: version exclusion (with an optional `.*` prefix match).
        case notEqual = "!="
        /// `<=`: inclusive ordered comparison.
        case lessThanOrEqual = "<="
        /// `>=`: inclusive ordered comparison.
        case greaterThanOrEqual = ">="
        /// `<`: exclusive ordered comparison.
        case lessThan = "<"
        /// `>`: exclusive ordered comparison.
        case greaterThan = ">"
        /// `===`: arbitrary equality, a case-insensitive comparison with the version as written.
        case arbitrary = "==="
    }

    /// The operator.
    public let `operator`: Operator
    /// The version text after the operator, whitespace stripped, exactly as written (not normalized).
    public let version: String
    /// An explicit pre-release override (`nil`: decide from the specifier itself, see
    /// ``prereleases``). Ignored by equality.
    public var explicitPrereleases: Bool?

    /// The parsed version for every operator except `===` and the wildcard forms; for `===` it is
    /// the parse of the arbitrary string when that happens to be a version.
    let parsedVersion: Version?
    /// For `==X.*`, `!=X.*` and `~=`: the prefix to match (`_version_split` form) and how many of
    /// its leading components are numeric.
    let prefixSplit: [String]?
    let prefixNumericLength: Int

    /// Parses one clause; surrounding whitespace and whitespace after the operator are allowed.
    public init(parsing text: String, prereleases: Bool? = nil) throws(InvalidSpecifier) {
        // Work on UTF-8 bytes: the operators are ASCII, and Swift's Character-based `hasPrefix`
        // would treat "=" followed by a combining mark as a different character.
        let spec = Array(PythonText.strip(text).utf8)
        func starts(with op: String) -> Bool { spec.starts(with: op.utf8) }
        let op: Operator
        if starts(with: "===") {
            op = .arbitrary
        } else if let two = [Operator.compatible, .equal, .notEqual, .lessThanOrEqual, .greaterThanOrEqual]
            .first(where: { starts(with: $0.rawValue) })
        {
            op = two
        } else if starts(with: "<") {
            op = .lessThan
        } else if starts(with: ">") {
            op = .greaterThan
        } else {
            throw InvalidSpecifier(input: text, reason: "no operator")
        }
        let rest = String(decoding: spec[op.rawValue.utf8.count...], as: UTF8.self)
        let versionText = PythonText.strip(rest)
        self.operator = op
        self.version = versionText
        self.explicitPrereleases = prereleases

        func invalid(_ reason: String) -> InvalidSpecifier { InvalidSpecifier(input: text, reason: reason) }

        switch op {
        case .arbitrary:
            if versionText.unicodeScalars.contains(where: { PythonText.isWhitespace($0) || $0 == ";" || $0 == ")" }) {
                throw invalid("'===' version contains whitespace, ';' or ')'")
            }
            parsedVersion = Version(versionText)
            prefixSplit = nil
            prefixNumericLength = 0
        case .equal, .notEqual:
            if versionText.utf8.last == UInt8(ascii: "*"), versionText.utf8.dropLast().last == UInt8(ascii: ".") {
                let base = String(decoding: versionText.utf8.dropLast(2), as: UTF8.self)
                guard Specifier.isPlainRelease(base), let baseVersion = Version(base) else {
                    throw invalid("a '.*' wildcard may only follow a release segment")
                }
                parsedVersion = nil
                let split = Specifier.versionSplit(baseVersion.description)
                prefixSplit = split
                prefixNumericLength = Specifier.numericPrefixLength(split)
            } else {
                guard let parsed = Version(versionText), !versionText.isEmpty else { throw invalid("invalid version") }
                parsedVersion = parsed
                prefixSplit = nil
                prefixNumericLength = 0
            }
        case .compatible:
            guard let parsed = Version(versionText) else { throw invalid("invalid version") }
            guard parsed.localSegments == nil else { throw invalid("'~=' does not allow a local version") }
            guard parsed.release.count >= 2 else { throw invalid("'~=' needs at least two release components") }
            parsedVersion = parsed
            // packaging derives the prefix from the version *as written* (`_version_split` of the
            // raw text, suffixes dropped, last release component dropped), then canonicalizes it.
            var components = Array(Specifier.versionSplit(versionText).prefix { !Specifier.isSuffix($0) })
            if !components.isEmpty { components.removeLast() }
            let joined = (components.first ?? "") + "!" + components.dropFirst().joined(separator: ".")
            let split = Specifier.versionSplit(Specifier.canonicalizeKeepingZeros(joined))
            prefixSplit = split
            prefixNumericLength = Specifier.numericPrefixLength(split)
        case .lessThan, .greaterThan, .lessThanOrEqual, .greaterThanOrEqual:
            guard let parsed = Version(versionText) else { throw invalid("invalid version") }
            guard parsed.localSegments == nil else {
                throw invalid("'\(op.rawValue)' does not allow a local version")
            }
            parsedVersion = parsed
            prefixSplit = nil
            prefixNumericLength = 0
        }
    }

    /// Parses a clause, or returns `nil` when it is invalid.
    public init?(_ text: String, prereleases: Bool? = nil) {
        guard let parsed = try? Specifier(parsing: text, prereleases: prereleases) else { return nil }
        self = parsed
    }

    /// Whether `text` is a valid specifier clause.
    public static func isValid(_ text: String) -> Bool { Specifier(text) != nil }

    /// `operator` followed by `version`, as written (e.g. `>=1.0`).
    public var description: String { self.operator.rawValue + version }

    /// Whether the specifier is a `.*` prefix match.
    public var isWildcard: Bool { (self.operator == .equal || self.operator == .notEqual) && prefixSplit != nil }

    /// Whether pre-releases are accepted: the explicit override if set; otherwise `!=` and
    /// `==X.*` say `false`, `===` with a non-version string says `nil`, and every other operator
    /// says whether its own version is a pre-release (`>=1.0a1` implies pre-releases).
    public var prereleases: Bool? {
        if let explicitPrereleases { return explicitPrereleases }
        if self.operator == .notEqual { return false }
        if isWildcard { return false }
        guard let parsedVersion else { return nil }
        return parsedVersion.isPrerelease
    }

    // MARK: Equality (packaging's `_canonical_spec`; the pre-release override is ignored)

    private var canonicalVersion: String {
        if self.operator == .arbitrary || isWildcard { return version }
        guard let parsedVersion else { return version }
        return parsedVersion.canonicalString(stripTrailingZero: self.operator != .compatible)
    }

    /// Equal when the operators are equal and the versions have the same canonical spelling.
    public static func == (lhs: Specifier, rhs: Specifier) -> Bool {
        lhs.operator == rhs.operator && lhs.canonicalVersion.utf8.elementsEqual(rhs.canonicalVersion.utf8)
    }

    /// Hashes the operator and the canonical version, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.operator)
        hasher.combine(Array(canonicalVersion.utf8))
    }

    // MARK: Matching

    /// Whether the operator accepts `candidate` (pre-release policy not applied). `raw` is the
    /// candidate as written, which `===` compares case-insensitively.
    func operatorMatches(_ candidate: Version, raw: String) -> Bool {
        switch self.operator {
        case .arbitrary:
            return arbitraryMatches(raw)
        case .equal:
            return equalMatches(candidate)
        case .notEqual:
            return !equalMatches(candidate)
        case .lessThanOrEqual:
            return candidate.publicVersion <= parsedVersion!
        case .greaterThanOrEqual:
            return candidate.publicVersion >= parsedVersion!
        case .compatible:
            return candidate.publicVersion >= parsedVersion! && prefixMatches(candidate)
        case .lessThan:
            let spec = parsedVersion!
            guard candidate < spec else { return false }
            // PEP 440: "<V" must not allow a pre-release of V unless V is itself a pre-release.
            if !spec.isPrerelease, candidate.isPrerelease,
                candidate >= Version(epoch: spec.epoch, release: spec.release, pre: spec.pre, post: spec.post, dev: .zero)
            {
                return false
            }
            return true
        case .greaterThan:
            let spec = parsedVersion!
            guard candidate > spec else { return false }
            // PEP 440: ">V" must not allow a post-release of V unless V is itself a post-release…
            if !spec.isPostrelease, candidate.isPostrelease,
                Version(epoch: candidate.epoch, release: candidate.release, pre: candidate.pre) == spec
            {
                return false
            }
            // …nor a local version of V.
            if candidate.localSegments != nil, candidate.publicVersion == spec { return false }
            return true
        }
    }

    /// `===`: case-insensitive string equality with the candidate as written.
    func arbitraryMatches(_ raw: String) -> Bool {
        PythonText.lower(raw).utf8.elementsEqual(PythonText.lower(version).utf8)
    }

    private func equalMatches(_ candidate: Version) -> Bool {
        if prefixSplit != nil { return prefixMatches(candidate) }
        let spec = parsedVersion!
        return (spec.localSegments == nil ? candidate.publicVersion : candidate) == spec
    }

    /// Prefix matching for `==X.*`, `!=X.*` and the `==` half of `~=`: the candidate's public
    /// version is split like the prefix, zero-padded to the prefix's numeric length, cut to the
    /// prefix's length and compared component by component.
    private func prefixMatches(_ candidate: Version) -> Bool {
        guard let prefixSplit else { return false }
        var split = Specifier.versionSplit(candidate.publicVersion.description)
        let numeric = Specifier.numericPrefixLength(split)
        if numeric < prefixNumericLength {
            split.insert(contentsOf: Array(repeating: "0", count: prefixNumericLength - numeric), at: numeric)
        }
        return Array(split.prefix(prefixSplit.count)) == prefixSplit
    }

    /// Whether a specifier with this override accepts `version` (`Specifier.contains`): an
    /// unparsable string only matches `===`; a pre-release is refused only when `prereleases` is
    /// `false`, or when it is `nil` and the explicit override is `false`.
    public func contains(_ version: String, prereleases: Bool? = nil) -> Bool {
        !filter([version], prereleases: prereleases).isEmpty
    }

    /// Whether the specifier accepts a parsed version (its normalized string is what `===` sees).
    public func contains(_ version: Version, prereleases: Bool? = nil) -> Bool {
        contains(version.description, prereleases: prereleases)
    }

    /// The candidates this specifier accepts, in input order (`Specifier.filter`): with no explicit
    /// decision, pre-releases are kept only when no final release matched.
    public func filter(_ candidates: [String], prereleases: Bool? = nil) -> [String] {
        let include = prereleases ?? self.prereleases ?? false
        var result: [String] = []
        var heldPrereleases: [String] = []
        var foundNonPrerelease = false
        for candidate in candidates {
            guard let parsed = Version(candidate) else {
                if self.operator == .arbitrary, arbitraryMatches(candidate) {
                    result.append(candidate)
                }
                continue
            }
            guard operatorMatches(parsed, raw: candidate) else { continue }
            if !parsed.isPrerelease || include {
                foundNonPrerelease = true
                result.append(candidate)
            } else if prereleases == nil && explicitPrereleases != false {
                heldPrereleases.append(candidate)
            }
        }
        if !foundNonPrerelease && prereleases == nil && explicitPrereleases != false {
            result.append(contentsOf: heldPrereleases)
        }
        return result
    }

    // MARK: packaging's string helpers for prefix matching

    /// `_version_split`: epoch (text before the last `!`, default `0`), then the dot-separated
    /// parts, with `1a1`-style parts split in two (`([0-9]+)((?:a|b|c|rc)[0-9]+)`).
    static func versionSplit(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var epoch: ArraySlice<UInt8> = []
        var rest = bytes[...]
        if let bang = bytes.lastIndex(of: UInt8(ascii: "!")) {
            epoch = bytes[..<bang]
            rest = bytes[(bang + 1)...]
        }
        var result = [epoch.isEmpty ? "0" : String(decoding: epoch, as: UTF8.self)]
        for item in rest.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            let itemText = String(decoding: item, as: UTF8.self)
            if let (number, suffix) = splitNumberAndPre(itemText[...]) {
                result.append(number)
                result.append(suffix)
            } else {
                result.append(itemText)
            }
        }
        return result
    }

    private static func splitNumberAndPre(_ item: Substring) -> (String, String)? {
        let bytes = Array(item.utf8)
        var index = 0
        while index < bytes.count, PythonText.isASCIIDigit(bytes[index]) { index += 1 }
        guard index > 0 else { return nil }
        var labelEnd = index
        if labelEnd < bytes.count, [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "c")].contains(bytes[labelEnd]) {
            labelEnd += 1
        } else if labelEnd + 1 < bytes.count, bytes[labelEnd] == UInt8(ascii: "r"), bytes[labelEnd + 1] == UInt8(ascii: "c") {
            labelEnd += 2
        } else {
            return nil
        }
        guard labelEnd < bytes.count, bytes[labelEnd...].allSatisfy(PythonText.isASCIIDigit) else { return nil }
        return (String(decoding: bytes[..<index], as: UTF8.self), String(decoding: bytes[index...], as: UTF8.self))
    }

    /// `_is_not_suffix` negated: starts with `dev`, `a`, `b`, `rc` or `post`.
    static func isSuffix(_ segment: String) -> Bool {
        ["dev", "a", "b", "rc", "post"].contains { segment.utf8.starts(with: $0.utf8) }
    }

    /// Number of leading all-digit components (`str.isdigit`).
    static func numericPrefixLength(_ split: [String]) -> Int {
        split.prefix { isPythonDigitString($0) }.count
    }

    /// `str.isdigit()`: non-empty and every character has a Numeric_Type of Digit or Decimal.
    private static func isPythonDigitString(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy {
            $0.properties.numericType == .decimal || $0.properties.numericType == .digit
        }
    }

    /// `canonicalize_version(text, strip_trailing_zero=False)`: normalized if valid, else unchanged.
    static func canonicalizeKeepingZeros(_ text: String) -> String {
        Version(text)?.description ?? text
    }

    /// `v?(N!)?N(.N)*` (the only thing a `.*` wildcard may follow).
    private static func isPlainRelease(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        if let first = bytes.first, first == UInt8(ascii: "v") || first == UInt8(ascii: "V") { bytes = bytes.dropFirst() }
        if let bang = bytes.firstIndex(of: UInt8(ascii: "!")) {
            guard bang > bytes.startIndex, bytes[..<bang].allSatisfy(PythonText.isASCIIDigit) else { return false }
            bytes = bytes[(bang + 1)...]
        }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(PythonText.isASCIIDigit) }
    }
}

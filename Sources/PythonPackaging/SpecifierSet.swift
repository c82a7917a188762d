// A comma-separated set of specifiers (`>=1.0,!=1.3.*,<2`), with the filtering and pre-release
// rules of `packaging.specifiers.SpecifierSet` 26.2.

/// A set of ``Specifier`` clauses that must all hold, e.g. the `Requires-Python` value `>=3.8,<4`.
///
/// Pre-release policy (packaging 26.2, PEP 440 §"Handling of pre-releases"):
/// - an explicit `prereleases` argument wins;
/// - otherwise the set's ``prereleases`` property: its explicit override, else `true` when any
///   clause implies pre-releases (`>=2.0b1`), else undecided;
/// - undecided: ``filter(_:prereleases:)`` keeps pre-releases only when no final release matched,
///   and ``contains(_:prereleases:installed:)-(String,_,_)`` (a one-element filter) accepts a matching
///   pre-release.
public struct SpecifierSet: Sendable, Hashable, CustomStringConvertible {
    /// The clauses in input order.
    public let specifiers: [Specifier]
    /// An explicit pre-release override for the whole set. Ignored by equality.
    public var explicitPrereleases: Bool?

    /// Parses a comma-separated list (empty items are skipped; the empty string is the set that
    /// accepts everything).
    public init(parsing text: String, prereleases: Bool? = nil) throws(InvalidSpecifier) {
        var clauses: [Specifier] = []
        for item in text.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            let clause = PythonText.strip(String(decoding: item, as: UTF8.self))
            if clause.isEmpty { continue }
            clauses.append(try Specifier(parsing: clause))
        }
        specifiers = clauses
        explicitPrereleases = prereleases
    }

    /// Parses a set, or returns `nil` when any clause is invalid.
    public init?(_ text: String, prereleases: Bool? = nil) {
        guard let parsed = try? SpecifierSet(parsing: text, prereleases: prereleases) else { return nil }
        self = parsed
    }

    /// A set made of the given clauses.
    public init(_ specifiers: [Specifier], prereleases: Bool? = nil) {
        self.specifiers = specifiers
        self.explicitPrereleases = prereleases
    }

    /// Whether `text` is a valid specifier set.
    public static func isValid(_ text: String) -> Bool { SpecifierSet(text) != nil }

    /// The clauses, deduplicated and sorted by their text, joined with commas (packaging's `str`).
    public var description: String {
        var seen = Set<Specifier>()
        let sorted = specifiers.sorted { PythonText.codePointLess($0.description, $1.description) }
        return sorted.filter { seen.insert($0).inserted }.map(\.description).joined(separator: ",")
    }

    /// Equal when the canonical spellings (``description``) are equal.
    public static func == (lhs: SpecifierSet, rhs: SpecifierSet) -> Bool {
        lhs.description.utf8.elementsEqual(rhs.description.utf8)
    }

    /// Hashes the canonical spelling, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(Array(description.utf8))
    }

    /// The explicit override if set; `nil` for an empty set; `true` when any clause implies
    /// pre-releases; `nil` otherwise.
    public var prereleases: Bool? {
        if let explicitPrereleases { return explicitPrereleases }
        if specifiers.isEmpty { return nil }
        return specifiers.contains { $0.prereleases == true } ? true : nil
    }

    /// Whether every clause accepts `candidate` (pre-release exclusion applied when
    /// `excludePrereleases`). An unparsable candidate only passes `===` clauses.
    private func passes(_ candidate: String, excludePrereleases: Bool) -> Bool {
        guard let parsed = Version(candidate) else {
            return specifiers.allSatisfy { $0.operator == .arbitrary && $0.arbitraryMatches(candidate) }
        }
        if excludePrereleases && parsed.isPrerelease { return false }
        return specifiers.allSatisfy { $0.operatorMatches(parsed, raw: candidate) }
    }

    /// Whether the set accepts one version string (packaging's `SpecifierSet.contains`).
    ///
    /// - Parameters:
    ///   - prereleases: `true`/`false` force the decision; `nil` uses ``prereleases`` and, when that
    ///     is undecided too, accepts a matching pre-release.
    ///   - version: the version as written; a string that is not a valid version matches only `===`.
    ///   - installed: when `true` and the version is a pre-release, pre-releases are allowed.
    public func contains(_ version: String, prereleases: Bool? = nil, installed: Bool = false) -> Bool {
        var decision = prereleases
        if installed, let parsed = Version(version), parsed.isPrerelease { decision = true }
        let effective = decision ?? self.prereleases
        return passes(version, excludePrereleases: effective == false)
    }

    /// Whether the set accepts a parsed version.
    public func contains(_ version: Version, prereleases: Bool? = nil, installed: Bool = false) -> Bool {
        var decision = prereleases
        if installed && version.isPrerelease { decision = true }
        let effective = decision ?? self.prereleases
        if effective == false && version.isPrerelease { return false }
        return specifiers.allSatisfy { $0.operatorMatches(version, raw: version.description) }
    }

    /// Whether the set pins one version (`==X` without a wildcard, or `===X`): the only case in
    /// which an installer may take a yanked file (PEP 592).
    public var pinsOneVersion: Bool {
        specifiers.contains { ($0.operator == .equal && !$0.isWildcard) || $0.operator == .arbitrary }
    }

    /// The candidates the set accepts, in input order (packaging's `SpecifierSet.filter`).
    ///
    /// With no decision (`prereleases` `nil` and ``prereleases`` undecided), matching
    /// pre-releases are returned only when no final release matched; strings that are not
    /// versions (accepted by `===` clauses) are always kept.
    public func filter(_ candidates: [String], prereleases: Bool? = nil) -> [String] {
        filter(candidates, prereleases: prereleases, version: { $0 })
    }

    /// Like ``filter(_:prereleases:)`` for any element type, reading each element's version
    /// string through `version`.
    public func filter<Element>(
        _ candidates: [Element], prereleases: Bool? = nil, version: (Element) -> String
    ) -> [Element] {
        let effective = prereleases ?? self.prereleases
        let matching = candidates.filter { passes(version($0), excludePrereleases: effective == false) }
        if effective != nil { return matching }
        return SpecifierSet.dropPrereleasesUnlessOnlyOnes(matching, version: version)
    }

    /// packaging's `_pep440_filter_prereleases`: keep final releases and non-version strings; keep
    /// pre-releases only if no final release is present at all.
    static func dropPrereleasesUnlessOnlyOnes<Element>(
        _ items: [Element], version: (Element) -> String
    ) -> [Element] {
        var kinds: [Bool?] = []  // nil: not a version; true: pre-release; false: final
        kinds.reserveCapacity(items.count)
        for item in items { kinds.append(Version(version(item)).map(\.isPrerelease)) }
        guard kinds.contains(false) else { return items }
        return zip(items, kinds).filter { $0.1 != true }.map(\.0)
    }
}

/// The outcome of checking a `Requires-Python` value the way pip does.
public enum RequiresPythonCheck: Sendable, Hashable {
    /// No value, or the Python version satisfies it.
    case compatible
    /// The value is valid and the Python version does not satisfy it.
    case incompatible
    /// The value is not a valid specifier set; pip ignores it (logs "Ignoring invalid
    /// Requires-Python") and keeps the file.
    case invalidIgnored(InvalidSpecifier)

    /// Whether pip would keep the file.
    public var isAcceptable: Bool {
        if case .incompatible = self { return false }
        return true
    }
}

extension SpecifierSet {
    /// Checks a `Requires-Python` value against an interpreter version as pip does
    /// (`pip._internal.utils.packaging.check_requires_python` and
    /// `package_finder._check_link_requires_python`):
    /// the value is parsed as a ``SpecifierSet``, the interpreter version is
    /// `".".join(map(str, version_info[:3]))` and the answer is `version in specifier_set`.
    ///
    /// pip passes no `prereleases` argument; because the version is built from three integers it
    /// is never a pre-release, so this is the same as `contains(version, prereleases: true)`, which
    /// is what is evaluated here (a caller passing a pre-release interpreter version such as
    /// `3.14.0rc1` to the ``Version`` overload gets pre-release-tolerant matching).
    /// An invalid value is reported as ``RequiresPythonCheck/invalidIgnored(_:)``; `nil` is
    /// compatible.
    public static func checkRequiresPython(_ requiresPython: String?, pythonVersion: [Int]) -> RequiresPythonCheck {
        guard let requiresPython else { return .compatible }
        let set: SpecifierSet
        do {
            set = try SpecifierSet(parsing: requiresPython)
        } catch {
            return .invalidIgnored(error)
        }
        let version = Version(release: pythonVersion.map { VersionNumber($0) })
        return set.contains(version, prereleases: true) ? .compatible : .incompatible
    }

    /// ``checkRequiresPython(_:pythonVersion:)`` for an interpreter version given as a string.
    public static func checkRequiresPython(_ requiresPython: String?, pythonVersion: Version) -> RequiresPythonCheck {
        guard let requiresPython else { return .compatible }
        do {
            let set = try SpecifierSet(parsing: requiresPython)
            return set.contains(pythonVersion, prereleases: true) ? .compatible : .incompatible
        } catch {
            return .invalidIgnored(error)
        }
    }
}

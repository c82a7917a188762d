// The ordered list of tags an interpreter supports, built exactly like packaging 26.2's
// `sys_tags()` (`cpython_tags` or `generic_tags`, then `compatible_tags`) but from an explicit
// description of the target environment instead of the running interpreter.

/// The target interpreter and platform, e.g. CPython 3.11 on manylinux x86_64.
public struct PythonEnvironment: Sendable, Hashable {
    /// Which tag-generation rules apply.
    public enum Implementation: String, Sendable, Hashable, CaseIterable {
        /// `cpython_tags` + `compatible_tags(interpreter: interpreter)`.
        case cpython
        /// `generic_tags` + `compatible_tags(interpreter: "pp3")`.
        case pypy
        /// `generic_tags` + `compatible_tags(interpreter: nil)` (GraalPy, Pyston, …).
        case other
    }

    /// The Python implementation, which decides the tag rules that apply.
    public var implementation: Implementation
    /// The interpreter tag (`cp311`, `pp310`): the first tag part of `generic_tags`, and the
    /// `<interpreter>-none-any` entry of `compatible_tags` for CPython.
    public var interpreter: String
    /// The Python language version (`[3, 11]`; at least one component).
    public var pythonVersion: [Int]
    /// The interpreter's ABIs, most specific first (`["cp311"]`, `["cp313t"]`,
    /// `["pypy310_pp73"]`). `abi3` and `none` are placed by the rules themselves.
    public var abis: [String]
    /// Supported platforms, best first, e.g. from ``Platforms/expand(_:)``.
    public var platforms: [String]

    /// Creates an environment from its parts; ``cpython(_:_:freeThreaded:platforms:)`` is shorter
    /// for CPython.
    public init(
        implementation: Implementation, interpreter: String, pythonVersion: [Int], abis: [String], platforms: [String]
    ) {
        self.implementation = implementation
        self.interpreter = interpreter
        self.pythonVersion = pythonVersion
        self.abis = abis
        self.platforms = platforms
    }

    /// A CPython environment: interpreter `cpXY`, ABI `cpXY` (or `cpXYt` when `freeThreaded`).
    public static func cpython(_ major: Int, _ minor: Int, freeThreaded: Bool = false, platforms: [String]) -> PythonEnvironment {
        let nodot = "\(major)\(minor)"
        return PythonEnvironment(
            implementation: .cpython, interpreter: "cp\(nodot)", pythonVersion: [major, minor],
            abis: ["cp\(nodot)\(freeThreaded ? "t" : "")"], platforms: platforms)
    }

    /// The supported tags for this environment, best first.
    public var supportedTags: SupportedTags { SupportedTags(environment: self) }
}

/// Tag generators with the same contracts as packaging's `cpython_tags`, `generic_tags` and
/// `compatible_tags` (every argument explicit). Duplicates are kept, as packaging yields them.
public enum CompatibilityTags {
    private static func nodot(_ version: ArraySlice<Int>) -> String {
        version.map(String.init).joined()
    }

    private static func versionAtLeast(_ version: [Int], _ major: Int, _ minor: Int) -> Bool {
        // Python tuple comparison of `tuple(version) >= (major, minor)`.
        let other = [major, minor]
        for (a, b) in zip(version, other) where a != b { return a > b }
        return version.count >= other.count
    }

    /// packaging's `_is_threaded_cpython`: the first ABI matches `cp\d+(.*)` and the rest (up to a
    /// newline) contains `t`.
    static func isFreeThreaded(_ abis: [String]) -> Bool {
        guard let first = abis.first else { return false }
        var scalars = Substring(first).unicodeScalars[...]
        guard scalars.starts(with: "cp".unicodeScalars) else { return false }
        scalars = scalars.dropFirst(2)
        let digits = scalars.prefix { PythonText.isUnicodeDecimalDigit($0) }
        guard !digits.isEmpty else { return false }
        let flags = scalars.dropFirst(digits.count).prefix { $0 != "\n" }
        return flags.contains("t")
    }

    /// `cpython_tags(python_version, abis, platforms)`:
    /// `cpXY-<abi>-<platform>` for each ABI, then `cpXY-abi3-*` (not for free-threaded builds,
    /// and only for Python ≥ 3.2, PEP 384), then `cpXY-abi3t-*` (free-threaded only, PEP 803),
    /// then `cpXY-none-*`, then `abi3`/`abi3t` for every older minor version down to 3.2.
    public static func cpythonTags(pythonVersion: [Int], abis: [String], platforms: [String]) -> [Tag] {
        precondition(!pythonVersion.isEmpty, "pythonVersion needs at least one component")
        let interpreter = "cp" + nodot(pythonVersion.prefix(2))
        var abis = abis
        for explicit in ["abi3", "none"] {
            if let index = abis.firstIndex(where: { PythonText.equal($0, explicit) }) { abis.remove(at: index) }
        }
        var tags: [Tag] = []
        for abi in abis {
            for platform in platforms { tags.append(Tag(interpreter: interpreter, abi: abi, platform: platform)) }
        }
        let threaded = isFreeThreaded(abis)
        let stableAPIVersion = pythonVersion.count > 1 && versionAtLeast(pythonVersion, 3, 2)
        let useABI3 = stableAPIVersion && !threaded
        let useABI3t = stableAPIVersion && threaded
        if useABI3 {
            for platform in platforms { tags.append(Tag(interpreter: interpreter, abi: "abi3", platform: platform)) }
        }
        if useABI3t {
            for platform in platforms { tags.append(Tag(interpreter: interpreter, abi: "abi3t", platform: platform)) }
        }
        for platform in platforms { tags.append(Tag(interpreter: interpreter, abi: "none", platform: platform)) }
        if useABI3 || useABI3t {
            var minor = pythonVersion[1] - 1
            while minor > 1 {
                let older = "cp\(pythonVersion[0])\(minor)"
                for platform in platforms {
                    if useABI3 { tags.append(Tag(interpreter: older, abi: "abi3", platform: platform)) }
                    if useABI3t { tags.append(Tag(interpreter: older, abi: "abi3t", platform: platform)) }
                }
                minor -= 1
            }
        }
        return tags
    }

    /// `generic_tags(interpreter, abis, platforms)`: `<interpreter>-<abi>-<platform>` for each ABI,
    /// with `none` appended when absent.
    public static func genericTags(interpreter: String, abis: [String], platforms: [String]) -> [Tag] {
        var abis = abis
        if !abis.contains(where: { PythonText.equal($0, "none") }) { abis.append("none") }
        var tags: [Tag] = []
        for abi in abis {
            for platform in platforms { tags.append(Tag(interpreter: interpreter, abi: abi, platform: platform)) }
        }
        return tags
    }

    /// `_py_interpreter_range`: `pyXY`, `pyX`, then `pyX(Y-1)` … `pyX0`.
    private static func pythonInterpreterRange(_ version: [Int]) -> [String] {
        var result: [String] = []
        if version.count > 1 { result.append("py" + nodot(version.prefix(2))) }
        result.append("py\(version[0])")
        if version.count > 1 {
            var minor = version[1] - 1
            while minor >= 0 {
                result.append("py\(version[0])\(minor)")
                minor -= 1
            }
        }
        return result
    }

    /// `compatible_tags(python_version, interpreter, platforms)`: `py*-none-<platform>`, then
    /// `<interpreter>-none-any` when an interpreter is given, then `py*-none-any`.
    public static func compatibleTags(pythonVersion: [Int], interpreter: String?, platforms: [String]) -> [Tag] {
        precondition(!pythonVersion.isEmpty, "pythonVersion needs at least one component")
        let range = pythonInterpreterRange(pythonVersion)
        var tags: [Tag] = []
        for version in range {
            for platform in platforms { tags.append(Tag(interpreter: version, abi: "none", platform: platform)) }
        }
        if let interpreter, !interpreter.isEmpty { tags.append(Tag(interpreter: interpreter, abi: "none", platform: "any")) }
        for version in range { tags.append(Tag(interpreter: version, abi: "none", platform: "any")) }
        return tags
    }
}

/// The ordered tags an environment supports and the rank of each (0 is best).
public struct SupportedTags: Sendable, Hashable {
    /// All tags, best first, duplicates included (as packaging yields them).
    public let tags: [Tag]
    /// The first position of each tag.
    private let ranks: [Tag: Int]

    /// A supported list given explicitly, best first.
    public init(tags: [Tag]) {
        self.tags = tags
        var ranks: [Tag: Int] = [:]
        for (rank, tag) in tags.enumerated() where ranks[tag] == nil { ranks[tag] = rank }
        self.ranks = ranks
    }

    /// The list packaging's `sys_tags()` would produce for `environment`: for CPython
    /// `cpython_tags(...)` then `compatible_tags(interpreter: environment.interpreter)`; for PyPy
    /// `generic_tags(...)` then `compatible_tags(interpreter: "pp3")`; otherwise `generic_tags`
    /// then `compatible_tags` without an interpreter entry. An empty `pythonVersion` gives `[]`.
    public init(environment: PythonEnvironment) {
        guard !environment.pythonVersion.isEmpty else {
            self.init(tags: [])
            return
        }
        var tags: [Tag]
        switch environment.implementation {
        case .cpython:
            tags = CompatibilityTags.cpythonTags(
                pythonVersion: environment.pythonVersion, abis: environment.abis, platforms: environment.platforms)
            tags += CompatibilityTags.compatibleTags(
                pythonVersion: environment.pythonVersion, interpreter: environment.interpreter,
                platforms: environment.platforms)
        case .pypy, .other:
            tags = CompatibilityTags.genericTags(
                interpreter: environment.interpreter, abis: environment.abis, platforms: environment.platforms)
            tags += CompatibilityTags.compatibleTags(
                pythonVersion: environment.pythonVersion,
                interpreter: environment.implementation == .pypy ? "pp3" : nil, platforms: environment.platforms)
        }
        self.init(tags: tags)
    }

    /// The rank of `tag` (its first position), or `nil` when unsupported.
    public func rank(of tag: Tag) -> Int? { ranks[tag] }

    /// The best supported tag of a file and its rank.
    public struct Match: Sendable, Hashable {
        /// The supported tag the file matched.
        public let tag: Tag
        /// Its rank among the environment's supported tags (0 is best).
        public let rank: Int
    }

    /// The best (lowest-rank) supported tag among `tags`, or `nil` when none is supported.
    public func bestMatch(for tags: Set<Tag>) -> Match? {
        var best: Match?
        for tag in tags {
            if let rank = ranks[tag], best == nil || rank < best!.rank { best = Match(tag: tag, rank: rank) }
        }
        return best
    }

    /// The compatible items, best first; items of equal rank keep their input order
    /// (packaging's `create_compatible_tags_selector`).
    public func rank<Item>(_ items: [Item], tags: (Item) -> Set<Tag>) -> [Item] {
        var ranked: [(offset: Int, rank: Int, item: Item)] = []
        for (offset, item) in items.enumerated() {
            if let match = bestMatch(for: tags(item)) { ranked.append((offset, match.rank, item)) }
        }
        ranked.sort { ($0.rank, $0.offset) < ($1.rank, $1.offset) }
        return ranked.map(\.item)
    }

    /// The compatible wheels, best first, ties in input order.
    public func rank(_ wheels: [WheelFilename]) -> [WheelFilename] {
        rank(wheels, tags: \.tags)
    }
}

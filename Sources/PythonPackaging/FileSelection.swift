/// Which file an installer takes from the files a project page offers, and, when there is none,
/// why not: the finder step of pip and uv, as pure values (no page, no store, no I/O).
///
/// The rule: among the wheels whose tags the environment supports, that are not yanked (unless
/// the specifier pins one version, PEP 592) and whose `Requires-Python` admits the interpreter,
/// take the highest version the specifier selects (pre-releases as PEP 440 handles them), then
/// the best-ranked tag, then the first file on the page. Source distributions are never chosen:
/// installing one needs a build.
public enum FileSelection {
    /// What selection needs to know of one offered file.
    public struct Offer: Sendable, Hashable {
        /// The filename, percent-decoded.
        public var filename: String
        /// The version the filename carries, when it parses.
        public var version: Version?
        /// Whether the file is a wheel (otherwise a source distribution).
        public var isWheel: Bool
        /// The `Requires-Python` value the page gives, as written.
        public var requiresPython: String?
        /// Whether the page marks the file yanked (PEP 592).
        public var isYanked: Bool
        /// The reason the page gives for the yank.
        public var yankedReason: String?
        /// The position on the page (earlier wins a tie).
        public var position: Int

        /// An offered file.
        public init(filename: String, version: Version?, isWheel: Bool, requiresPython: String?, isYanked: Bool, yankedReason: String?, position: Int) {
            self.filename = filename
            self.version = version
            self.isWheel = isWheel
            self.requiresPython = requiresPython
            self.isYanked = isYanked
            self.yankedReason = yankedReason
            self.position = position
        }
    }

    /// The chosen file.
    public struct Choice: Sendable, Hashable {
        /// Its index in the offers given to ``select(_:allVersions:project:specifier:pythonVersion:supportedTags:explaining:)``.
        public var index: Int
        /// Its version.
        public var version: Version
        /// The tag of the wheel the environment ranks best.
        public var tag: Tag
    }

    /// Why no file is chosen; several can hold at once.
    public enum Rejection: Sendable, Hashable {
        /// No version on the page matches the specifier: what the page offers, and the
        /// pre-releases that would match if pre-releases were allowed.
        case noMatchingVersion(available: [String], prereleasesWouldMatch: [String])
        /// The matching wheels of these versions are yanked (and the specifier pins none).
        case yanked(versions: [String], reasons: [String])
        /// The matching wheels of these versions require another Python.
        case requiresPython(versions: [String], requires: [String])
        /// No matching wheel has a tag the environment supports; the nearest tag offered.
        case noCompatibleWheel(versions: [String], nearest: SupportedTags.NearestTag?)
        /// Only source distributions match.
        case needsBuild(filenames: [String])
    }

    /// The chosen file, or why there is none.
    public struct Outcome: Sendable, Hashable {
        /// The chosen file; nil when none can be installed.
        public var choice: Choice?
        /// Why none can be (empty when there is a choice).
        public var rejections: [Rejection]
    }

    /// Chooses among `offers`.
    ///
    /// - Parameters:
    ///   - offers: the files that could match (all of a page's, or those of some versions).
    ///   - allVersions: every version the page offers, as written (for the rejections).
    ///   - project: the PEP 503-normalized project name; wheels of other projects are ignored.
    ///   - specifier: the requirement's specifiers.
    ///   - pythonVersion: the interpreter version, for `Requires-Python`.
    ///   - supportedTags: the environment's tags, best first.
    ///   - explaining: false when only the choice matters: without one, no rejection is worked
    ///     out (that reads every version of `allVersions`) and ``Outcome/rejections`` is empty.
    public static func select(_ offers: [Offer], allVersions: [String], project: String, specifier: SpecifierSet,
                              pythonVersion: [Int], supportedTags: SupportedTags, explaining: Bool = true) -> Outcome {
        struct Weighed {
            var index: Int
            var offer: Offer
            var version: Version
            var match: SupportedTags.Match?
            var wheel: WheelFilename?
        }
        var all: [Weighed] = []
        for (index, offer) in offers.enumerated() {
            guard let version = offer.version else { continue }
            if offer.isWheel {
                guard let wheel = WheelFilename(offer.filename), wheel.name == project else { continue }
                all.append(Weighed(index: index, offer: offer, version: version, match: supportedTags.bestMatch(for: wheel.tags), wheel: wheel))
            } else {
                all.append(Weighed(index: index, offer: offer, version: version, match: nil, wheel: nil))
            }
        }
        let pinned = specifier.pinsOneVersion
        func requiresPythonOK(_ offer: Offer) -> Bool {
            SpecifierSet.checkRequiresPython(offer.requiresPython, pythonVersion: pythonVersion).isAcceptable
        }
        let installable = all.filter { $0.wheel != nil && $0.match != nil && (!$0.offer.isYanked || pinned) && requiresPythonOK($0.offer) }
        let selected = Set(specifier.filter(distinct(installable.map(\.version.description))))
        if !selected.isEmpty {
            let best = installable.filter { selected.contains($0.version.description) }
                .max { lhs, rhs in
                    if lhs.version != rhs.version { return lhs.version < rhs.version }
                    if lhs.match!.rank != rhs.match!.rank { return lhs.match!.rank > rhs.match!.rank }
                    return lhs.offer.position > rhs.offer.position
                }!
            return Outcome(choice: Choice(index: best.index, version: best.version, tag: best.match!.tag), rejections: [])
        }

        // Nothing installable: say why, for the versions the specifier would accept.
        guard explaining else { return Outcome(choice: nil, rejections: []) }
        let matching = Set(specifier.filter(allVersions).compactMap { Version($0)?.description })
        if matching.isEmpty {
            let sorted = allVersions.compactMap(Version.init).sorted(by: >).map(\.description)
            return Outcome(choice: nil, rejections: [.noMatchingVersion(available: sorted, prereleasesWouldMatch: specifier.filter(allVersions, prereleases: true))])
        }
        let candidates = all.filter { matching.contains($0.version.description) }
        let wheels = candidates.filter { $0.wheel != nil }
        let versionsOf = { (items: [Weighed]) in distinct(items.sorted { $0.version > $1.version }.map(\.version.description)) }
        var rejections: [Rejection] = []
        let yanked = wheels.filter { $0.offer.isYanked && !pinned }
        if !yanked.isEmpty {
            rejections.append(.yanked(versions: versionsOf(yanked), reasons: distinct(yanked.compactMap(\.offer.yankedReason))))
        }
        let wrongPython = wheels.filter { !requiresPythonOK($0.offer) }
        if !wrongPython.isEmpty {
            rejections.append(.requiresPython(versions: versionsOf(wrongPython), requires: distinct(wrongPython.compactMap(\.offer.requiresPython))))
        }
        let incompatible = wheels.filter { $0.match == nil }
        if !incompatible.isEmpty && (incompatible.count == wheels.count || rejections.isEmpty) {
            rejections.append(.noCompatibleWheel(versions: versionsOf(incompatible), nearest: supportedTags.nearest(to: incompatible.flatMap { Array($0.wheel!.tags) })))
        }
        let sdists = candidates.filter { $0.wheel == nil }
        if wheels.isEmpty && !sdists.isEmpty {
            rejections.append(.needsBuild(filenames: sdists.map(\.offer.filename)))
        }
        if rejections.isEmpty {
            rejections.append(.noMatchingVersion(available: allVersions, prereleasesWouldMatch: []))
        }
        return Outcome(choice: nil, rejections: rejections)
    }

    /// The items in their first order, without repeats.
    static func distinct(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}

extension SupportedTags {
    /// The offered tag closest to an environment, and how it differs.
    public struct NearestTag: Sendable, Hashable {
        /// The tag.
        public var tag: Tag
        /// What the environment does not support about it, for people: `ABI cp312 is not
        /// supported; platform macosx_11_0_arm64 is not one of manylinux_2_28_x86_64 …`.
        public var difference: String
    }

    /// Of `tags` (none of which this environment supports), the closest: the one with most of
    /// interpreter (weighed 4), platform (3) and ABI (2) supported; ties go to the first in tag
    /// order. Nil when `tags` is empty.
    public func nearest(to tags: [Tag]) -> NearestTag? {
        let interpreters = Set(self.tags.map(\.interpreter)), abis = Set(self.tags.map(\.abi))
        var platforms: [String] = []
        for tag in self.tags where !platforms.contains(tag.platform) { platforms.append(tag.platform) }
        let platformSet = Set(platforms)
        func score(_ tag: Tag) -> Int {
            (interpreters.contains(tag.interpreter) ? 4 : 0) + (abis.contains(tag.abi) ? 2 : 0) + (platformSet.contains(tag.platform) ? 3 : 0)
        }
        guard let best = tags.sorted().max(by: { score($0) < score($1) }) else { return nil }
        var differences: [String] = []
        if !interpreters.contains(best.interpreter) { differences.append("interpreter \(best.interpreter) is not supported") }
        if !abis.contains(best.abi) { differences.append("ABI \(best.abi) is not supported") }
        if !platformSet.contains(best.platform) {
            let shown = platforms.filter { $0 != "any" }
            differences.append("platform \(best.platform) is not one of \(shown.count <= 3 ? shown.joined(separator: ", ") : "\(shown[0]) … \(shown[shown.count - 1]) (\(shown.count) platforms)")")
        }
        if differences.isEmpty { differences.append("this interpreter/ABI/platform combination is not supported") }
        return NearestTag(tag: best, difference: differences.joined(separator: "; "))
    }
}

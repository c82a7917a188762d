import PythonPackaging

/// `debug eval` operations over the PythonPackaging module (names, versions, specifiers, wheels, tags,
/// markers).
///
/// Conventions shared by all of them:
/// - numbers from versions and build tags are JSON numbers when they fit in a 64-bit signed
///   integer, otherwise decimal digit strings (PEP 440 numbers are unbounded);
/// - "not valid" is an answer (`"valid": false` with explicit `null`s), not an error; an error is
///   reserved for input that makes no sense (e.g. comparing an invalid version);
/// - `specifier.*` operations parse a specifier *set* (comma-separated; `""` is valid) unless the
///   input says `"kind": "specifier"`, which parses one clause like packaging's `Specifier`.
enum PackagingEvalOperations {
    static let all: [any EvalOperation.Type] = [
        NameNormalizeOperation.self,
        VersionParseOperation.self,
        VersionCompareOperation.self,
        VersionSortOperation.self,
        SpecifierValidateOperation.self,
        SpecifierContainsOperation.self,
        SpecifierFilterOperation.self,
        WheelParseOperation.self,
        PlatformsExpandOperation.self,
        TagsSupportedOperation.self,
        WheelSelectOperation.self,
        MarkerEvaluateOperation.self,
    ]

    static func number(_ value: VersionNumber) -> JSONValue {
        if let int = value.intValue { return .int(int) }
        return .string(value.description)
    }

    static func parseVersion(_ text: String, field: String) throws -> Version {
        do {
            return try Version(parsing: text)
        } catch {
            throw EvalError.invalidInput("\(field): \(error)")
        }
    }
}

/// `name.normalize {input}` → `{normalized, valid, isNormalized}`.
struct NameNormalizeOperation: EvalOperation {
    struct Input: Decodable { var input: String }
    static let name = "name.normalize"
    static func evaluate(_ input: Input) throws -> JSONValue {
        .object([
            "normalized": .string(ProjectName.normalize(input.input)),
            "valid": .bool(ProjectName.isValid(input.input)),
            "isNormalized": .bool(ProjectName.isNormalized(input.input)),
        ])
    }
}

/// `version.parse {input}` → `{valid, normalized, epoch, release, pre, post, dev, local, public,
/// baseVersion, isPrerelease, isPostrelease, isDevrelease}` (all `null` but `valid` when invalid).
struct VersionParseOperation: EvalOperation {
    struct Input: Decodable { var input: String }
    static let name = "version.parse"
    static func evaluate(_ input: Input) throws -> JSONValue {
        let keys = ["normalized", "epoch", "release", "pre", "post", "dev", "local", "public", "baseVersion",
                    "isPrerelease", "isPostrelease", "isDevrelease"]
        guard let version = Version(input.input) else {
            var object: [String: JSONValue] = ["valid": .bool(false)]
            for key in keys { object[key] = .null }
            return .object(object)
        }
        let number = PackagingEvalOperations.number
        return .object([
            "valid": .bool(true),
            "normalized": .string(version.description),
            "epoch": number(version.epoch),
            "release": .array(version.release.map(number)),
            "pre": version.pre.map { .array([.string($0.label.rawValue), number($0.number)]) } ?? .null,
            "post": version.post.map(number) ?? .null,
            "dev": version.dev.map(number) ?? .null,
            "local": version.local.map { .string($0) } ?? .null,
            "public": .string(version.public),
            "baseVersion": .string(version.baseVersion),
            "isPrerelease": .bool(version.isPrerelease),
            "isPostrelease": .bool(version.isPostrelease),
            "isDevrelease": .bool(version.isDevrelease),
        ])
    }
}

/// `version.compare {left, right}` → `{cmp: -1|0|1}`; an invalid version is an error.
struct VersionCompareOperation: EvalOperation {
    struct Input: Decodable {
        var left: String
        var right: String
    }
    static let name = "version.compare"
    static func evaluate(_ input: Input) throws -> JSONValue {
        let left = try PackagingEvalOperations.parseVersion(input.left, field: "left")
        let right = try PackagingEvalOperations.parseVersion(input.right, field: "right")
        return .object(["cmp": .int(left.compare(to: right))])
    }
}

/// `version.sort {input:[…]}` → `{sorted:[…]}`: the strings as given, in PEP 440 order, equal
/// versions in input order; an invalid version is an error.
struct VersionSortOperation: EvalOperation {
    struct Input: Decodable { var input: [String] }
    static let name = "version.sort"
    static func evaluate(_ input: Input) throws -> JSONValue {
        var parsed: [(offset: Int, version: Version, text: String)] = []
        for (offset, text) in input.input.enumerated() {
            parsed.append((offset, try PackagingEvalOperations.parseVersion(text, field: "input[\(offset)]"), text))
        }
        parsed.sort { a, b in
            let c = a.version.compare(to: b.version)
            return c != 0 ? c < 0 : a.offset < b.offset
        }
        return .object(["sorted": .array(parsed.map { .string($0.text) })])
    }
}

/// What the `specifier.*` operations parse.
private enum ParsedSpecifier {
    case set(SpecifierSet)
    case single(Specifier)

    init?(_ text: String, kind: String?, prereleases: Bool?) throws {
        switch kind ?? "set" {
        case "set":
            guard let set = SpecifierSet(text, prereleases: prereleases) else { return nil }
            self = .set(set)
        case "specifier":
            guard let single = Specifier(text, prereleases: prereleases) else { return nil }
            self = .single(single)
        default:
            throw EvalError.invalidInput("kind must be \"set\" or \"specifier\"")
        }
    }

    func contains(_ version: String, prereleases: Bool?, installed: Bool) -> Bool {
        switch self {
        case .set(let set): return set.contains(version, prereleases: prereleases, installed: installed)
        case .single(let single): return single.contains(version, prereleases: prereleases)
        }
    }

    func filter(_ versions: [String], prereleases: Bool?) -> [String] {
        switch self {
        case .set(let set): return set.filter(versions, prereleases: prereleases)
        case .single(let single): return single.filter(versions, prereleases: prereleases)
        }
    }
}

/// `specifier.validate {specifier, kind?}` → `{valid}`.
struct SpecifierValidateOperation: EvalOperation {
    struct Input: Decodable {
        var specifier: String
        var kind: String?
    }
    static let name = "specifier.validate"
    static func evaluate(_ input: Input) throws -> JSONValue {
        .object(["valid": .bool(try ParsedSpecifier(input.specifier, kind: input.kind, prereleases: nil) != nil)])
    }
}

/// `specifier.contains {specifier, version, prereleases, specifierPrereleases?, installed?, kind?}`
/// → `{valid, contains}` (`contains` is `null` for an invalid specifier).
struct SpecifierContainsOperation: EvalOperation {
    struct Input: Decodable {
        var specifier: String
        var version: String
        var prereleases: Bool?
        var specifierPrereleases: Bool?
        var installed: Bool?
        var kind: String?
    }
    static let name = "specifier.contains"
    static func evaluate(_ input: Input) throws -> JSONValue {
        guard let parsed = try ParsedSpecifier(input.specifier, kind: input.kind, prereleases: input.specifierPrereleases)
        else { return .object(["valid": .bool(false), "contains": .null]) }
        let result = parsed.contains(input.version, prereleases: input.prereleases, installed: input.installed ?? false)
        return .object(["valid": .bool(true), "contains": .bool(result)])
    }
}

/// `specifier.filter {specifier, prereleases, specifierPrereleases?, kind?, input:[…]}` →
/// `{valid, output:[…]|null}`.
struct SpecifierFilterOperation: EvalOperation {
    struct Input: Decodable {
        var specifier: String
        var prereleases: Bool?
        var specifierPrereleases: Bool?
        var kind: String?
        var input: [String]
    }
    static let name = "specifier.filter"
    static func evaluate(_ input: Input) throws -> JSONValue {
        guard let parsed = try ParsedSpecifier(input.specifier, kind: input.kind, prereleases: input.specifierPrereleases)
        else { return .object(["valid": .bool(false), "output": .null]) }
        let output = parsed.filter(input.input, prereleases: input.prereleases)
        return .object(["valid": .bool(true), "output": .array(output.map { .string($0) })])
    }
}

/// `wheel.parse {filename, urlSegment?}` → `{valid, name, version, build:[n, suffix]|null,
/// tags:[[interpreter, abi, platform]…] sorted, error:{kind, message}|null}`. With
/// `"urlSegment": true` the filename is percent-decoded first.
struct WheelParseOperation: EvalOperation {
    struct Input: Decodable {
        var filename: String
        var urlSegment: Bool?
    }
    static let name = "wheel.parse"
    static func evaluate(_ input: Input) throws -> JSONValue {
        do {
            let wheel = input.urlSegment == true
                ? try WheelFilename(urlSegment: input.filename) : try WheelFilename(parsing: input.filename)
            return .object([
                "valid": .bool(true),
                "name": .string(wheel.name),
                "version": .string(wheel.version.description),
                "build": wheel.build.map { .array([PackagingEvalOperations.number($0.number), .string($0.suffix)]) } ?? .null,
                "tags": .array(wheel.sortedTags.map { .array([.string($0.interpreter), .string($0.abi), .string($0.platform)]) }),
                "error": .null,
            ])
        } catch {
            return .object([
                "valid": .bool(false), "name": .null, "version": .null, "build": .null, "tags": .null,
                "error": .object(["kind": .string(error.kind.rawValue), "message": .string(error.description)]),
            ])
        }
    }
}

/// `platforms.expand {platform}` → `{platforms:[…]}` best first.
struct PlatformsExpandOperation: EvalOperation {
    struct Input: Decodable { var platform: String }
    static let name = "platforms.expand"
    static func evaluate(_ input: Input) throws -> JSONValue {
        .object(["platforms": .array(Platforms.expand(input.platform).map { .string($0) })])
    }
}

/// The environment object of `tags.supported` and `wheel.select`.
struct PackagingEnvironmentInput: Decodable {
    var implementation: String
    var interpreter: String
    var pythonVersion: [Int]
    var abis: [String]
    var platforms: [String]

    func environment() throws -> PythonEnvironment {
        guard let implementation = PythonEnvironment.Implementation(rawValue: implementation) else {
            throw EvalError.invalidInput("implementation must be \"cpython\", \"pypy\" or \"other\"")
        }
        guard !pythonVersion.isEmpty else { throw EvalError.invalidInput("pythonVersion must not be empty") }
        guard pythonVersion.allSatisfy({ $0 >= 0 && $0 <= 1_000 }) else {
            throw EvalError.invalidInput("pythonVersion components must be between 0 and 1000")
        }
        return PythonEnvironment(
            implementation: implementation, interpreter: interpreter, pythonVersion: pythonVersion, abis: abis,
            platforms: platforms)
    }
}

/// `tags.supported {implementation, interpreter, pythonVersion, abis, platforms}` →
/// `{tags:["cp311-cp311-manylinux_2_28_x86_64", …]}` best first.
struct TagsSupportedOperation: EvalOperation {
    typealias Input = PackagingEnvironmentInput
    static let name = "tags.supported"
    static func evaluate(_ input: PackagingEnvironmentInput) throws -> JSONValue {
        let supported = SupportedTags(environment: try input.environment())
        return .object(["tags": .array(supported.tags.map { .string($0.description) })])
    }
}

/// `wheel.select {environment, files}` → `{ranked:[compatible files, best first, ties in input
/// order], results:[{filename, compatible, bestTag, bestRank}…]}`. Invalid wheel names are
/// reported as incompatible.
struct WheelSelectOperation: EvalOperation {
    struct Input: Decodable {
        var environment: PackagingEnvironmentInput
        var files: [String]
    }
    static let name = "wheel.select"
    static func evaluate(_ input: Input) throws -> JSONValue {
        let supported = SupportedTags(environment: try input.environment.environment())
        var results: [JSONValue] = []
        var ranked: [(offset: Int, rank: Int, file: String)] = []
        for (offset, file) in input.files.enumerated() {
            let match = WheelFilename(file).flatMap { supported.bestMatch(for: $0.tags) }
            if let match { ranked.append((offset, match.rank, file)) }
            results.append(.object([
                "filename": .string(file),
                "compatible": .bool(match != nil),
                "bestTag": match.map { .string($0.tag.description) } ?? .null,
                "bestRank": match.map { .int($0.rank) } ?? .null,
            ]))
        }
        ranked.sort { ($0.rank, $0.offset) < ($1.rank, $1.offset) }
        return .object(["ranked": .array(ranked.map { .string($0.file) }), "results": .array(results)])
    }
}

/// `marker.evaluate {marker, environment?:{os_name: …, …}, extras?:[…], dependencyGroups?:[…]}` →
/// `{valid, canonical, result, undefined, errorMessage, errorColumn}`:
/// - valid: `canonical` is the marker's canonical form, `result` what
///   `Marker.evaluate` answers (an undefined comparison counting as false) and `undefined` whether
///   `Marker.evaluateStrictly` refuses it (packaging raises `UndefinedComparison`); the error
///   fields are `null`;
/// - invalid: `errorMessage` and the 1-based `errorColumn`; the others are `null`.
///
/// The environment is keyed by PEP 508 variable name (missing ones are `""`); an unknown key is an
/// error. `extra` is bound to each of `extras` in turn (`""` when there are none).
struct MarkerEvaluateOperation: EvalOperation {
    struct Input: Decodable {
        var marker: String
        var environment: [String: String]?
        var extras: [String]?
        var dependencyGroups: [String]?
    }
    static let name = "marker.evaluate"
    static func evaluate(_ input: Input) throws -> JSONValue {
        guard let environment = MarkerEnvironment(variables: input.environment ?? [:]) else {
            let unknown = (input.environment ?? [:]).keys.filter { !MarkerEnvironment.variableNames.contains($0) }.sorted()
            throw EvalError.invalidInput("environment: not PEP 508 environment variables: \(unknown.joined(separator: ", "))")
        }
        let marker: Marker
        do {
            marker = try Marker(parsing: input.marker)
        } catch {
            return .object([
                "valid": .bool(false), "canonical": .null, "result": .null, "undefined": .null,
                "errorMessage": .string(error.message), "errorColumn": .int(error.column),
            ])
        }
        let extras = Set(input.extras ?? [])
        let groups = Set(input.dependencyGroups ?? [])
        let undefined: Bool
        do {
            _ = try marker.evaluateStrictly(environment, extras: extras, dependencyGroups: groups)
            undefined = false
        } catch {
            undefined = true
        }
        return .object([
            "valid": .bool(true), "canonical": .string(marker.description),
            "result": .bool(marker.evaluate(environment, extras: extras, dependencyGroups: groups)),
            "undefined": .bool(undefined), "errorMessage": .null, "errorColumn": .null,
        ])
    }
}

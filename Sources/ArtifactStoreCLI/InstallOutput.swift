import ArtifactStore
import Foundation

// The `--json` shapes of can-install, export, prefetch and the environment answers
// (docs/json-output.md). The CLI owns them: the library's types say what is true, these say
// what scripts read. Keys are sorted by the encoder; `@ExplicitNull` keys are always present.

/// `can-install --json` for requirements.
struct InstallReport: Encodable {
    var satisfiable: Bool
    var environment: String
    var policy: String
    var indexStrategy: String
    var results: [RequirementJSON]

    init(verdicts: [InstallVerdict], environment: TargetEnvironment, policy: CachePolicy, strategy: IndexStrategy) {
        satisfiable = verdicts.allSatisfy(\.isSatisfiable)
        self.environment = environment.summary
        self.policy = policy.rawValue
        indexStrategy = strategy.rawValue
        results = verdicts.map(RequirementJSON.init)
    }
}

/// `can-install --json` for whole environments (`--lock`, `-r`, `--with-deps`): one answer per
/// lock or requirements file.
struct EnvironmentsReport: Encodable {
    var satisfiable: Bool
    var environment: String
    var policy: String
    var indexStrategy: String
    var environments: [EnvironmentJSON]
}

/// One requirement's answer.
struct RequirementJSON: Encodable {
    var requirement: String
    var project: String
    var extras: [String]
    var specifier: String
    @ExplicitNull var marker: String?
    var satisfiable: Bool
    @ExplicitNull var chosen: CandidateJSON?
    var indexes: [IndexOutcomeJSON]
    var reasons: [ReasonJSON]
    var notes: [String]
    var storedWheels: [StoredWheelJSON]
    @ExplicitNull var wayOut: WayOutJSON?

    init(_ verdict: InstallVerdict) {
        requirement = verdict.requirement.text
        project = verdict.requirement.project
        extras = verdict.requirement.extras
        specifier = verdict.requirement.specifier.description
        marker = verdict.requirement.marker
        satisfiable = verdict.isSatisfiable
        chosen = verdict.chosen.map(CandidateJSON.init)
        indexes = verdict.indexes.map(IndexOutcomeJSON.init)
        reasons = verdict.reasons.map(ReasonJSON.init)
        notes = verdict.notes
        storedWheels = verdict.storedWheels.map(StoredWheelJSON.init)
        wayOut = verdict.wayOut.map { WayOutJSON(wheel: StoredWheelJSON($0), command: verdict.wayOutCommand) }
    }
}

/// A reason with its stable code, its sentence and what to do: a verdict's (`fetch`, `explain`)
/// or an install answer's.
struct ReasonJSON: Encodable {
    var code: String
    var message: String
    var hint: String

    init(_ reason: VerdictReason) {
        (code, message, hint) = (reason.code, reason.message, reason.hint)
    }

    init(_ reason: InstallReason) {
        (code, message, hint) = (reason.code, reason.message, reason.hint)
    }
}

/// A file an installer would take.
struct CandidateJSON: Encodable {
    var filename: String
    var url: String
    /// `""` for a locked file whose lock gives no version.
    var version: String
    var kind: String
    @ExplicitNull var sha256: String?
    @ExplicitNull var tag: String?
    var index: String
    var pageURL: String
    var yanked: Bool
    @ExplicitNull var stored: StoredFileJSON?

    init(_ candidate: InstallCandidate) {
        filename = candidate.filename
        url = candidate.url
        version = candidate.version?.description ?? ""
        kind = candidate.kind.rawValue
        sha256 = candidate.sha256?.hex
        tag = candidate.tag?.description
        index = candidate.index
        pageURL = candidate.pageURL
        yanked = candidate.yanked
        stored = candidate.stored.map { StoredFileJSON($0, url: candidate.url) }
    }
}

/// Where the chosen file's bytes are in the store.
struct StoredFileJSON: Encodable {
    var digest: String
    var size: Int64
    var verified: Bool
    /// `url`, `same-content` or `put`.
    var source: String
    @ExplicitNull var sourceURL: String?

    init(_ file: StoredFile, url: String) {
        digest = file.digest.hex
        size = file.size
        verified = file.verified
        (source, sourceURL) = switch file.source {
        case .url: ("url", url)
        case .sameContent(let other): ("same-content", other)
        case .sameContentFromPut: ("put", nil)
        }
    }
}

/// What one index offered.
struct IndexOutcomeJSON: Encodable {
    var index: String
    var pageURL: String
    var pageUsable: Bool
    @ExplicitNull var pageFreshness: String?
    var fileCount: Int
    @ExplicitNull var best: CandidateJSON?
    var reasons: [ReasonJSON]

    init(_ outcome: IndexOutcome) {
        index = outcome.index
        pageURL = outcome.pageURL
        pageUsable = outcome.pageUsable
        pageFreshness = outcome.pageFreshness?.description
        fileCount = outcome.fileCount
        best = outcome.best.map(CandidateJSON.init)
        reasons = outcome.reasons.map(ReasonJSON.init)
    }
}

/// A wheel of the project found in the store whatever page listed it.
struct StoredWheelJSON: Encodable {
    var filename: String
    var version: String
    var digest: String
    var size: Int64
    var source: String
    @ExplicitNull var tag: String?
    var matchesSpecifier: Bool
    @ExplicitNull var requiresPython: String?
    var satisfies: Bool
    @ExplicitNull var whyNot: String?

    init(_ wheel: StoredWheel) {
        filename = wheel.filename
        version = wheel.version.description
        digest = wheel.digest.hex
        size = wheel.size
        source = wheel.source
        tag = wheel.tag?.description
        matchesSpecifier = wheel.matchesSpecifier
        requiresPython = wheel.requiresPython
        satisfies = wheel.satisfies
        whyNot = wheel.whyNot
    }
}

/// The stored wheel `export` would use instead, and the command that does it.
struct WayOutJSON: Encodable {
    var wheel: StoredWheelJSON
    @ExplicitNull var command: String?
}

/// `can-install --json` for a whole environment (`--lock`, `-r`, `--with-deps`), and each
/// environment of `prefetch --json`.
struct EnvironmentJSON: Encodable {
    var satisfiable: Bool
    var environment: String
    var policy: String
    var source: String
    var summary: String
    var packages: [PackageJSON]
    var skipped: [SkippedJSON]
    var notes: [String]

    init(_ verdict: EnvironmentVerdict, policy: CachePolicy) {
        satisfiable = verdict.isSatisfiable
        environment = verdict.environment
        self.policy = policy.rawValue
        source = verdict.source
        summary = verdict.summary
        packages = verdict.packages.map(PackageJSON.init)
        skipped = verdict.skipped.map(SkippedJSON.init)
        notes = verdict.notes
    }

    /// One package of the environment. URLs are shown without credentials.
    struct PackageJSON: Encodable {
        @ExplicitNull var requirement: String?
        @ExplicitNull var index: String?
        var name: String
        var project: String
        @ExplicitNull var version: String?
        @ExplicitNull var file: String?
        @ExplicitNull var url: String?
        @ExplicitNull var digest: String?
        @ExplicitNull var size: Int64?
        var status: String
        var satisfiable: Bool
        var reasons: [ReasonJSON]
        var notes: [String]
        var origin: String

        init(_ package: PackageAnswer) {
            requirement = package.requirement
            index = package.index.map { RecordedURL.redacted($0, replacement: "") }
            name = package.name
            project = package.project
            version = package.version
            file = package.filename
            url = package.url.map { RecordedURL.redacted($0, replacement: "") }
            digest = package.stored?.digest.hex ?? package.sha256
            size = package.stored?.size ?? package.size
            status = package.status.rawValue
            satisfiable = package.isSatisfiable
            reasons = package.reasons.map(ReasonJSON.init)
            notes = package.notes
            origin = package.origin
        }
    }

    /// A package left out, and why (its marker excludes the environment, …).
    struct SkippedJSON: Encodable {
        var name: String
        @ExplicitNull var version: String?
        var reason: String

        init(_ skipped: SkippedPackage) {
            name = skipped.name
            version = skipped.version
            reason = skipped.reason
        }
    }
}

/// `export --json`.
struct ExportJSON: Encodable {
    var directory: String
    var layout: String
    var index: String
    var files: [FileJSON]
    var kept: [String]
    var missing: [MissingJSON]

    init(_ result: ExportResult, directory: URL, layout: ExportLayout) {
        self.directory = directory.path(percentEncoded: false)
        self.layout = layout.rawValue
        index = result.indexPath
        files = result.files.map(FileJSON.init)
        kept = result.kept
        missing = result.missing.map(MissingJSON.init)
    }

    /// An exported file; every one was verified as it was written.
    struct FileJSON: Encodable {
        var requirement: String
        var project: String
        var filename: String
        var digest: String
        var size: Int64
        var path: String
        var hardLinked: Bool
        var verified = true

        init(_ file: ExportedFile) {
            requirement = file.requirement
            project = file.project
            filename = file.filename
            digest = file.digest.hex
            size = file.size
            path = file.path
            hardLinked = file.hardLinked
        }
    }

    /// A requirement that could not be exported, and why.
    struct MissingJSON: Encodable {
        var requirement: String
        var reasons: [ReasonJSON]

        init(_ missing: MissingExport) {
            requirement = missing.requirement
            reasons = missing.reasons.map(ReasonJSON.init)
        }
    }
}

import Foundation
import PythonPackaging

/// The store's answer for one package of an environment (a lock's package, a requirements
/// file's line, or a dependency found with `--with-deps`).
public struct PackageAnswer: Sendable, Hashable {
    /// What the store can say of the package's file.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// A verified blob has the file's hash: an offline install gets it.
        case stored
        /// The file is not in the store (the reasons say why: never fetched, refused…).
        case missing
        /// Only an sdist fits the environment: installing it needs a build (and its build
        /// dependencies offline).
        case needsBuild = "needs-build"
        /// The file's only hash cannot be checked (another algorithm, malformed).
        case unverifiable
        /// No file of the package fits the environment.
        case noCompatibleFile = "no-compatible-file"
        /// Not an index file: a VCS checkout or a remote archive, which the store does not keep.
        case notFromIndex = "not-from-an-index"
        /// A local directory or editable project: installed from disk, nothing to fetch.
        case local
    }

    /// The package's name as the lock or requirement gives it.
    public var name: String
    /// The PEP 503-normalized project name.
    public var project: String
    /// The version to install, when known.
    public var version: String?
    /// The file an installer would use for the environment.
    public var filename: String?
    /// Where the file is downloaded from, when it comes from an index.
    public var url: String?
    /// The file's SHA-256 as the lock or page gives it (lowercase hex), when known.
    public var sha256: String?
    /// The file's size in bytes, when known.
    public var size: Int64?
    /// The one status that sums up the answer.
    public var status: Status
    /// The blob that holds the file, when it is stored.
    public var stored: StoredFile?
    /// Why it is not ``Status/stored`` (empty when it is).
    public var reasons: [InstallReason]
    /// Facts worth telling that are not reasons (a file that needs a build, a local source).
    public var notes: [String]
    /// Where the package comes from: `pylock.toml package #3`, `requirements.txt:5`, `dependency of alpha`.
    public var origin: String
    /// The index the package was locked from or found on, when known.
    public var index: String?
    /// The requirement it answers (`beta>=1.0`), when it came from one rather than a lock.
    public var requirement: String?

    /// An offline install gets this package.
    public var isSatisfiable: Bool { status == .stored || status == .local }
}

extension PackageAnswer {
    /// A few words for the summary line: `never fetched`, `refused: no-store, 2026-03-03`.
    public var shortReason: String {
        switch status {
        case .needsBuild: return "needs a build"
        case .unverifiable: return "hash cannot be verified"
        case .noCompatibleFile: return "no compatible file"
        case .notFromIndex: return "not from an index"
        case .stored, .local: return "stored"
        case .missing: break
        }
        guard let first = reasons.first else { return "missing" }
        if case .fileNotStored(_, _, let urlReasons) = first, let reason = urlReasons.first {
            switch reason {
            case .neverFetched: return "never fetched"
            case .refused(let why, let at, _):
                let what = why.contains(.noStoreResponse) ? "no-store" : (why.first?.code ?? "refused")
                return "refused: \(what), \(Timestamp.iso8601(at).prefix(10))"
            default: return reason.code.replacingOccurrences(of: "-", with: " ")
            }
        }
        return first.code.replacingOccurrences(of: "-", with: " ")
    }
}

extension PackageAnswer {
    /// The answer for a requirement, from its ``InstallVerdict``: the chosen file (or the way
    /// out `export` would use) and the reasons.
    public init(_ verdict: InstallVerdict, origin: String) {
        self.init(name: verdict.requirement.name, project: verdict.requirement.project, version: verdict.chosen?.version?.description, status: .missing,
                  reasons: verdict.reasons, notes: verdict.notes, origin: origin)
        requirement = verdict.requirement.text
        filename = verdict.chosen?.filename
        index = verdict.chosen?.index
        url = verdict.chosen?.url
        sha256 = verdict.chosen?.sha256?.hex
        stored = verdict.chosen?.stored
        size = stored?.size
        if verdict.isSatisfiable {
            status = .stored
        } else if verdict.reasons.contains(where: { $0.code == "needs-build" }) {
            status = .needsBuild
        } else if verdict.reasons.contains(where: { $0.code == "hash-unverifiable" }) {
            status = .unverifiable
        } else if verdict.reasons.contains(where: { $0.code == "no-compatible-wheel" }) {
            status = .noCompatibleFile
        }
        if !verdict.isSatisfiable, let wayOut = verdict.wayOut {
            notes.append("\(wayOut.filename) is stored and satisfies it: export --find-links would use it")
        }
    }
}

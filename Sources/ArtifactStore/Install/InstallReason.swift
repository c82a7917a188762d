import Foundation
import PythonPackaging

/// One reason a requirement cannot be installed from the store, with a stable code.
public enum InstallReason: Sendable, Hashable {
    /// The project page at this URL cannot be used (the URL verdict's reason).
    case page(url: String, VerdictReason)
    /// The index answered the page with this status (404: the project is not on this index).
    case projectNotFound(pageURL: String, status: Int)
    /// The page is usable but lists no distribution of the project.
    case noFiles(pageURL: String)
    /// The page is larger than the store parses (64 MiB): it was
    /// recorded unparsed, and it is not read now either.
    case pageTooLarge(pageURL: String, size: Int64, limit: Int64)
    /// No version on the page matches the specifier.
    case noMatchingVersion(pageURL: String, specifier: String, available: [String], prereleasesWouldMatch: [String])
    /// The matching versions are yanked, and the requirement is not pinned with `==`.
    case yanked(versions: [String], reasons: [String])
    /// The matching files require another Python.
    case requiresPython(versions: [String], requires: [String], python: String)
    /// No wheel of a matching version has a tag this environment supports.
    case noCompatibleWheel(versions: [String], nearestTag: String?, difference: String?, environment: String)
    /// Only source distributions match: installing needs a build.
    case needsBuild(filenames: [String])
    /// The chosen file is not in the store (and why its URL cannot be answered).
    case fileNotStored(url: String, sha256: String?, urlReasons: [VerdictReason])
    /// A body is stored for the file's URL but its SHA-256 is not the page's.
    case hashMismatch(url: String, expected: String, actual: String)
    /// The page gives a hash the store cannot check (malformed, or not sha256): the file cannot
    /// be verified, and is never trusted by its URL instead.
    case hashUnverifiable(url: String, hash: String)
    /// The stored blob failed verification (quarantined) or its file is gone.
    case fileUnreadable(url: String, digest: BlobDigest, message: String)
    /// A locked package comes from a VCS checkout or a remote archive, not an index file.
    case notAnIndexFile(package: String, source: String)
    /// The page lists files of the requirement, but none has a hash the requirement allows
    /// (`--hash` in a requirements file).
    case noFileWithAllowedHash(pageURL: String, allowed: [String])

    /// A stable, machine-readable code.
    public var code: String {
        switch self {
        case .page(_, let reason): "page-" + reason.code
        case .projectNotFound: "project-not-found"
        case .noFiles: "no-files"
        case .pageTooLarge: "page-too-large"
        case .noMatchingVersion: "no-matching-version"
        case .yanked: "yanked"
        case .requiresPython: "requires-python"
        case .noCompatibleWheel: "no-compatible-wheel"
        case .needsBuild: "needs-build"
        case .fileNotStored: "file-not-stored"
        case .hashMismatch: "hash-mismatch"
        case .hashUnverifiable: "hash-unverifiable"
        case .fileUnreadable: "file-unreadable"
        case .notAnIndexFile: "not-an-index-file"
        case .noFileWithAllowedHash: "no-file-with-allowed-hash"
        }
    }

    /// What is wrong, in one sentence.
    public var message: String {
        switch self {
        case .page(let url, let reason):
            return "the project page \(url) cannot be used: \(reason.message)"
        case .projectNotFound(let url, let status):
            return "the index answered \(url) with status \(status): the project is not on this index"
        case .noFiles(let url):
            return "the project page \(url) lists no wheel or sdist of the project"
        case .pageTooLarge(let url, let size, let limit):
            return "the project page \(url) has \(size) bytes, more than the \(limit >> 20) MiB the store parses: its files are not known"
        case .noMatchingVersion(let url, let specifier, let available, let pre):
            var text = "no version on \(url) matches \(specifier.isEmpty ? "the requirement" : specifier)"
            text += available.isEmpty ? "" : " (it offers \(Self.list(available)))"
            if !pre.isEmpty { text += "; pre-releases \(Self.list(pre)) would match if pre-releases were allowed" }
            return text
        case .yanked(let versions, let reasons):
            let why = reasons.isEmpty ? "" : " (\(reasons.joined(separator: "; ")))"
            return "the matching files of \(Self.list(versions)) are yanked\(why); yanked files are used only when pinned with =="
        case .requiresPython(let versions, let requires, let python):
            return "the matching files of \(Self.list(versions)) require Python \(requires.joined(separator: " or ")), not \(python)"
        case .noCompatibleWheel(let versions, let nearest, let difference, let environment):
            var text = "no wheel of \(Self.list(versions)) is compatible with \(environment)"
            if let nearest { text += "; the nearest is \(nearest)\(difference.map { " (\($0))" } ?? "")" }
            return text
        case .needsBuild(let filenames):
            return "only source distributions match (\(Self.list(filenames))): installing needs a build, and its build dependencies offline"
        case .fileNotStored(let url, let sha256, let reasons):
            var text = "the chosen file \(url) is not stored"
            if let sha256 { text += " (no blob has its SHA-256 \(sha256.prefix(12))…)" }
            if let first = reasons.first { text += ": \(first.message)" }
            return text
        case .hashMismatch(let url, let expected, let actual):
            return "the body stored for \(url) hashes to \(actual), but the page says sha256=\(expected): it is not the file the page lists and will not be used or exported"
        case .fileUnreadable(let url, _, let message):
            return "the stored file for \(url) cannot be used: \(message)"
        case .hashUnverifiable(let url, let hash):
            return "the page gives \(hash.prefix(80)) for \(url), which the store cannot check (it verifies sha256 only): the file cannot be verified, so it is not used"
        case .notAnIndexFile(let package, let source):
            return "\(package) comes from a \(source) source, which is not an index file: the store does not keep it"
        case .noFileWithAllowedHash(let url, let allowed):
            return "\(url) lists no file of the requirement whose sha256 is one of its --hash values (\(Self.list(allowed.map { String($0.prefix(12)) + "…" })))"
        }
    }

    /// What to do about it.
    public var hint: String {
        switch self {
        case .page(_, let reason):
            return reason.hint
        case .projectNotFound:
            return "check the project name and the --index URL; another index may have it"
        case .noFiles:
            return "check the --index URL: it should be a simple-repository base (e.g. https://pypi.org/simple)"
        case .pageTooLarge:
            return "such a page is not a project page an installer can use; check the --index URL, or export the wheels you stored without --index"
        case .noMatchingVersion(_, _, _, let pre):
            return pre.isEmpty ? "relax the version specifier, or fetch the page again while online if it is out of date"
                : "ask for the pre-release explicitly (e.g. ==\(pre[0])) or relax the specifier"
        case .yanked(let versions, _):
            return "pin the exact version (==\(versions.first ?? "X")) if you really want a yanked release"
        case .requiresPython:
            return "use a matching interpreter (--python X.Y) or an older release of the project"
        case .noCompatibleWheel:
            return "check --python/--platform/--implementation/--abi; wheels for your platform may be on another index (e.g. a CPU/CUDA channel)"
        case .needsBuild:
            return "fetch a wheel for this platform while online, or build one (pip wheel) and put it in the store"
        case .fileNotStored(let url, _, _):
            return "fetch it once while online: artifact-store fetch \(url)"
        case .hashMismatch(let url, _, _):
            return "fetch the file again while online (artifact-store fetch \(url)); if the index changed the file, the page is out of date too"
        case .fileUnreadable(let url, _, _):
            return "fetch it again while online (artifact-store fetch \(url)), or put the original file again"
        case .hashUnverifiable:
            return "ask the index to publish sha256 hashes (PEP 503 recommends them); a file without a trustworthy hash cannot be answered for offline"
        case .notAnIndexFile:
            return "build a wheel of it (pip wheel) and list that wheel in the lock, or keep the source reachable"
        case .noFileWithAllowedHash:
            return "the requirements file pins other files than the index now lists: re-compile it (uv pip compile --generate-hashes), or fetch the page again while online"
        }
    }

    static func list(_ items: [String], limit: Int = 6) -> String {
        items.count <= limit ? items.joined(separator: ", ") : items.prefix(limit).joined(separator: ", ") + " and \(items.count - limit) more"
    }
}

import Foundation
import GRDB
import HTTPCaching

/// One reason a request cannot be answered from the store, with a stable code, a sentence and
/// a hint for what to do.
public enum VerdictReason: Sendable, Hashable {
    /// Nothing was ever recorded for this URL (as recorded: normalized, without credentials),
    /// with the last failed attempt, if any.
    case neverFetched(url: String, lastFailure: Observation?)
    /// The response was refused by HTTP rules: the reasons, when it was seen, its status.
    case refused(reasons: [RefusalReason], at: Date, status: Int)
    /// The stored response was selected by other request headers (`Vary`).
    /// `relaxedMatch`: its content type is one the request accepts, so it would do under a
    /// relaxed `Accept` comparison.
    case varyMismatch(header: String, stored: String?, requested: String?, relaxedMatch: Bool)
    /// The response said `Vary: *`: it can never be reused.
    case varyStar
    /// The body's blob is recorded but its file is gone.
    case bodyMissing(BlobDigest)
    /// The body failed verification and was quarantined (when).
    case bodyCorrupt(BlobDigest, at: Date?)
    /// The response is stale (by seconds) and the policy does not allow serving it: the reasons.
    case staleNotAllowed(by: Int64, reasons: [String], policy: CachePolicy)
    /// The refused response's body was archived, but only policy `archive` uses it.
    case archivedNeedsArchivePolicy(at: Date)
    /// The body was evicted (when), and by what, e.g. `gc (policy max-size)`.
    case evicted(at: Date, by: String)

    /// A stable, machine-readable code.
    public var code: String {
        switch self {
        case .neverFetched: "never-fetched"
        case .refused(let reasons, _, _):
            reasons.contains { $0.code == "status-not-cacheable" } && !reasons.contains(.noStoreResponse) ? "status-not-cacheable" : "refused"
        case .varyMismatch: "vary-mismatch"
        case .varyStar: "vary-star"
        case .bodyMissing: "body-missing"
        case .bodyCorrupt: "body-corrupt"
        case .staleNotAllowed: "stale-not-allowed"
        case .archivedNeedsArchivePolicy: "archived-needs-archive-policy"
        case .evicted: "evicted"
        }
    }

    /// What happened, in one sentence.
    public var message: String {
        switch self {
        case .neverFetched(_, let failure):
            if let failure {
                return "never fetched successfully; the last attempt failed on \(Timestamp.iso8601(failure.at)): \(failure.detail)"
            }
            return "never fetched: the store has no response for this URL"
        case .refused(let reasons, let at, let status):
            let why = reasons.map(\.description).joined(separator: "; ")
            return "the \(status) response seen on \(Timestamp.iso8601(at)) was refused by HTTP caching rules: \(why)"
        case .varyMismatch(let header, let stored, let requested, let relaxed):
            var text = "the stored response varies on \(header): it was fetched with \(Self.show(stored)), this request sends \(Self.show(requested))"
            if relaxed { text += " (its content type is acceptable to this request: it would match under a relaxed Accept comparison)" }
            return text
        case .varyStar:
            return "the stored response says Vary: *, so it can never be reused"
        case .bodyMissing(let digest):
            return "the body blob \(digest.hex) is recorded but its file is gone"
        case .bodyCorrupt(let digest, let at):
            return "the body blob \(digest.hex) failed verification\(at.map { " on \(Timestamp.iso8601($0))" } ?? "") and is quarantined"
        case .staleNotAllowed(let by, let reasons, let policy):
            // "the response is stale by N s" would only repeat the first clause.
            let why = reasons.filter { !$0.hasPrefix("the response is stale by") }
            return "the stored response is stale by \(Self.duration(by)) and policy \(policy.rawValue) does not serve it" + (why.isEmpty ? "" : ": " + why.joined(separator: "; "))
        case .archivedNeedsArchivePolicy(let at):
            return "the body of the response refused on \(Timestamp.iso8601(at)) was archived, but only policy archive serves archived bodies"
        case .evicted(let at, let by):
            return "the body was evicted by \(by) on \(Timestamp.iso8601(at))"
        }
    }

    /// What to do about it.
    public var hint: String {
        switch self {
        case .neverFetched(let url, _):
            // Quoted for a POSIX shell, so that the command can be pasted as it is.
            "fetch it once while online: artifact-store fetch '\(url.replacingOccurrences(of: "'", with: #"'\''"#))'"
        case .refused(let reasons, _, _) where reasons.contains(.noStoreResponse):
            "the index sends no-store; override it for this index (an index policy with a page/file Cache-Control, e.g. max-age=600) or keep refused bodies with an archive policy, then fetch again while online"
        case .refused:
            "this response cannot be cached under HTTP rules; an index policy can override the index's Cache-Control, then fetch again"
        case .varyMismatch(_, _, _, true):
            "request it with the same header as before, or fetch it again with this request's headers while online"
        case .varyMismatch, .varyStar:
            "fetch it again with this request's headers while online"
        case .bodyMissing, .bodyCorrupt:
            "fetch it again while online, or put the original file again"
        case .staleNotAllowed(_, _, .online):
            "revalidate while online, or answer it with policy offline, which serves stale responses"
        case .staleNotAllowed:
            "revalidate while online"
        case .archivedNeedsArchivePolicy:
            "use policy archive to serve archived bodies"
        case .evicted:
            "fetch it again while online; pin it (artifact-store pin URL-PATTERN) so gc keeps it"
        }
    }

    static func show(_ value: String?) -> String {
        value.map { "\"\($0)\"" } ?? "no such header"
    }

    /// `3d 4h`, `12m 5s`: a staleness for humans.
    public static func duration(_ seconds: Int64) -> String {
        let units: [(Int64, String)] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")]
        var rest = max(0, seconds)
        var parts: [String] = []
        for (size, unit) in units where rest >= size && parts.count < 2 {
            parts.append("\(rest / size)\(unit)")
            rest %= size
        }
        return parts.isEmpty ? "0s" : parts.joined(separator: " ")
    }
}

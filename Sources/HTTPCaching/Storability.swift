/// Why a private cache must not store a response (RFC 9111 §3). A refusal is data: each reason
/// has a stable ``code`` for machines and a ``description`` for people. The code is what a store
/// records; ``init(code:method:status:)`` reads it back, so the one description here is the one
/// every output (explain, verdicts, serve's pages) shows.
public enum RefusalReason: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The request method is not one whose caching this cache implements. Only `GET` and
    /// `HEAD` are understood; method names are case-sensitive (RFC 9110 §9.1), and `POST`
    /// (cacheable only with explicit freshness and `Content-Location`, RFC 9110 §9.3.3) is not
    /// implemented.
    case methodNotCacheable(method: String)
    /// The status code is outside 100...599 (RFC 9110 §15 calls such codes invalid).
    case statusInvalid(status: Int)
    /// The status code is informational (1xx), not a final response (RFC 9111 §3).
    case statusNotFinal(status: Int)
    /// 206 Partial Content: storing it requires range support this cache does not implement
    /// (RFC 9111 §3, §3.3).
    case partialContent
    /// 304 Not Modified is never stored by itself; it freshens a stored response (§4.3.4).
    case notModified
    /// `must-understand` is present and this cache does not implement the status code's
    /// caching requirements (RFC 9111 §3, §5.2.2.3).
    case mustUnderstandStatusNotUnderstood(status: Int)
    /// The response carries `Cache-Control: no-store` (RFC 9111 §5.2.2.5).
    case noStoreResponse
    /// The request carried `Cache-Control: no-store` (RFC 9111 §5.2.1.5).
    case noStoreRequest
    /// The status code is not heuristically cacheable and the response has none of `public`,
    /// `private`, `Expires` or `max-age` (RFC 9111 §3, last condition).
    case statusNotCacheable(status: Int)
    /// A code this version does not know (recorded by another version): shown as it was written.
    /// Never produced by ``Storability``.
    case unrecognized(code: String)

    /// Reads a recorded ``code`` back into its reason. The associated values a code does not
    /// carry come from the recorded exchange: `method` (empty when unknown) and `status`. An
    /// unknown code becomes ``unrecognized(code:)``, so that older or newer rows still display.
    public init(code: String, method: String, status: Int) {
        self = switch code {
        case "method-not-cacheable": .methodNotCacheable(method: method)
        case "status-invalid": .statusInvalid(status: status)
        case "status-not-final": .statusNotFinal(status: status)
        case "partial-content": .partialContent
        case "not-modified": .notModified
        case "must-understand-status-not-understood": .mustUnderstandStatusNotUnderstood(status: status)
        case "no-store-response": .noStoreResponse
        case "no-store-request": .noStoreRequest
        case "status-not-cacheable": .statusNotCacheable(status: status)
        default: .unrecognized(code: code)
        }
    }

    /// A stable, machine-readable code.
    public var code: String {
        switch self {
        case .methodNotCacheable: "method-not-cacheable"
        case .statusInvalid: "status-invalid"
        case .statusNotFinal: "status-not-final"
        case .partialContent: "partial-content"
        case .notModified: "not-modified"
        case .mustUnderstandStatusNotUnderstood: "must-understand-status-not-understood"
        case .noStoreResponse: "no-store-response"
        case .noStoreRequest: "no-store-request"
        case .statusNotCacheable: "status-not-cacheable"
        case .unrecognized(let code): code
        }
    }

    /// A sentence explaining the refusal.
    public var description: String {
        switch self {
        case .methodNotCacheable(let method):
            "the request method \(method.isEmpty ? "" : method + " ")is not cacheable by this cache (only GET and HEAD are)"
        case .statusInvalid(let status):
            "the status code \(status) is not a valid HTTP status code (100-599)"
        case .statusNotFinal(let status):
            "the status code \(status) is an interim (1xx) response, not a final one"
        case .partialContent:
            "the response is 206 Partial Content, and this cache does not store partial responses"
        case .notModified:
            "the response is 304 Not Modified, which only freshens an already stored response"
        case .mustUnderstandStatusNotUnderstood(let status):
            "the response says must-understand and this cache does not implement caching for status \(status)"
        case .noStoreResponse:
            "the response says Cache-Control: no-store"
        case .noStoreRequest:
            "the request said Cache-Control: no-store"
        case .statusNotCacheable(let status):
            "status \(status) is not heuristically cacheable and the response has no max-age, Expires, public or private"
        case .unrecognized(let code):
            code
        }
    }
}

/// Facts that allowed storage where a reader might have expected a refusal.
public enum StorabilityNote: String, Hashable, Sendable, Codable {
    /// `private` is present: it forbids shared caches only; a private cache may store (§5.2.2.7).
    case privateAllowed = "private-allowed"
    /// The request had `Authorization`: §3.5 restricts shared caches only.
    case authorizationAllowed = "authorization-allowed"
    /// `must-understand` with an understood status code: `no-store` is ignored (§5.2.2.3).
    case noStoreOverriddenByMustUnderstand = "no-store-overridden-by-must-understand"
    /// `Vary: *`: the response may be stored but can never be reused without validation (§4.1).
    case varyStarNeverMatches = "vary-star-never-matches"
}

/// Whether a private cache may store a response, and why not (RFC 9111 §3).
public struct Storability: Hashable, Sendable, Codable {
    /// Every reason that forbids storage; empty when the response is storable.
    public var refusalReasons: [RefusalReason]
    /// Facts worth reporting about a storable (or refused) response.
    public var notes: [StorabilityNote]

    /// Whether the response may be stored.
    public var isStorable: Bool { refusalReasons.isEmpty }

    /// Creates a verdict.
    public init(refusalReasons: [RefusalReason], notes: [StorabilityNote] = []) {
        self.refusalReasons = refusalReasons
        self.notes = notes
    }

    /// Decides storability for a private cache (RFC 9111 §3). All applicable reasons are
    /// reported, not just the first, so that an explanation is complete.
    ///
    /// Private-cache choices: `private` and `Authorization` do not prevent storage (§3 restricts
    /// them for shared caches only; §3.5 likewise); `s-maxage` does not count as explicit
    /// freshness; `public` or `private` make any status storable (§3; §5.2.2.7 "even if the
    /// response would not otherwise be heuristically cacheable by a private cache").
    public init(request: HTTPRequestHead, response: HTTPResponseHead) {
        var reasons: [RefusalReason] = []
        var notes: [StorabilityNote] = []
        let directives = ResponseCacheDirectives(response.headers)
        let requestDirectives = RequestCacheDirectives(request.headers)
        let status = response.status

        if request.method != "GET" && request.method != "HEAD" {
            reasons.append(.methodNotCacheable(method: request.method))
        }

        var statusUsable = false
        if !(100...599).contains(status) {
            reasons.append(.statusInvalid(status: status))
        } else if status < 200 {
            reasons.append(.statusNotFinal(status: status))
        } else if status == 206 {
            reasons.append(.partialContent)
        } else if status == 304 {
            reasons.append(.notModified)
        } else {
            statusUsable = true
        }

        let understood = StatusCodes.understood.contains(status)
        if directives.mustUnderstand && statusUsable && !understood {
            reasons.append(.mustUnderstandStatusNotUnderstood(status: status))
        }

        if directives.noStore {
            if directives.mustUnderstand && understood {
                notes.append(.noStoreOverriddenByMustUnderstand)
            } else {
                reasons.append(.noStoreResponse)
            }
        }
        if requestDirectives.noStore {
            reasons.append(.noStoreRequest)
        }

        let hasExplicitCacheability = directives.isPublic || directives.isPrivate != nil
            || directives.maxAge != nil || response.headers.contains("Expires")
        if statusUsable && !hasExplicitCacheability && !StatusCodes.heuristicallyCacheable.contains(status) {
            reasons.append(.statusNotCacheable(status: status))
        }

        if directives.isPrivate != nil { notes.append(.privateAllowed) }
        if request.headers.contains("Authorization") { notes.append(.authorizationAllowed) }
        if response.headers.listMembers(for: "Vary").contains("*") { notes.append(.varyStarNeverMatches) }

        self.init(refusalReasons: reasons, notes: notes)
    }
}

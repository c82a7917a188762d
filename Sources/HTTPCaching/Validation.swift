/// An entity tag (RFC 9110 §8.8.3): `[W/] DQUOTE *etagc DQUOTE`.
public struct EntityTag: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Whether the tag is weak (`W/` prefix).
    public var isWeak: Bool
    /// The opaque tag without quotes.
    public var opaqueTag: String

    /// Creates an entity tag.
    public init(opaqueTag: String, isWeak: Bool = false) {
        self.opaqueTag = opaqueTag
        self.isWeak = isWeak
    }

    /// Parses one entity tag, surrounding whitespace allowed; `nil` if it is not one. The
    /// `W/` prefix is case-sensitive, as in the grammar; any byte except `"` is accepted inside
    /// the quotes (etagc plus leniency for control characters).
    public init?(parsing text: some StringProtocol) {
        var bytes = Array(HeaderFields.trimmingWhitespace(text).utf8)
        var weak = false
        if bytes.count >= 2, bytes[0] == UInt8(ascii: "W"), bytes[1] == UInt8(ascii: "/") {
            weak = true
            bytes.removeFirst(2)
        }
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "\""), bytes.last == UInt8(ascii: "\"") else { return nil }
        let inner = bytes[1..<(bytes.count - 1)]
        guard !inner.contains(UInt8(ascii: "\"")) else { return nil }
        self.init(opaqueTag: String(decoding: inner, as: UTF8.self), isWeak: weak)
    }

    /// The field-value form, e.g. `W/"abc"`.
    public var description: String { (isWeak ? "W/" : "") + "\"\(opaqueTag)\"" }

    /// Strong comparison (RFC 9110 §8.8.3.2): both strong and the opaque tags identical.
    public func matchesStrongly(_ other: EntityTag) -> Bool {
        !isWeak && !other.isWeak && opaqueTag == other.opaqueTag
    }

    /// Weak comparison (RFC 9110 §8.8.3.2): the opaque tags identical, weakness ignored.
    public func matchesWeakly(_ other: EntityTag) -> Bool {
        opaqueTag == other.opaqueTag
    }
}

/// The header fields a private cache does not store from a response nor update from a 304
/// (RFC 9111 §3.1, §3.2).
public enum StoredFieldRules {
    /// Hop-by-hop fields (RFC 9110 §7.6.1 lists them as examples of fields removed before
    /// forwarding; RFC 9111 §3.1 allows removing them before storage) and the proxy-specific
    /// fields RFC 9111 §3.1 says MUST NOT be stored.
    public static let notStored: [String] = [
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Transfer-Encoding", "Upgrade",
        "Proxy-Authenticate", "Proxy-Authentication-Info", "Proxy-Authorization",
    ]

    /// Fields a 304 must not replace in the stored response, beyond ``notStored``:
    /// - `Content-Length`: RFC 9111 §3.2 lists it explicitly;
    /// - `Content-Encoding`: the stored body's bytes depend on it (§3.2 allows omitting "header
    ///   fields that the cache's stored response depends upon"; a blob store keeps the bytes as
    ///   received, so their coding must not be relabelled);
    /// - `Content-Range`: "automatically processed and removed" fields may be omitted (§3.2).
    ///
    /// Everything else, including `Content-Type`, `ETag`, `Cache-Control`, `Expires`, `Date`,
    /// `Last-Modified` and `Vary`, is replaced (§3.2: the `Content-*` prefix is not a signal).
    public static let notUpdated: [String] = ["Content-Length", "Content-Encoding", "Content-Range"]

    /// The header section minus the fields that are not stored (``notStored`` and the fields
    /// nominated by `Connection`), order otherwise preserved.
    public static func headersToStore(_ headers: HeaderFields) -> HeaderFields {
        let excluded = Set((notStored + headers.listMembers(for: "Connection")).map(HeaderFields.lowercasedName))
        return HeaderFields(headers.lines.filter { !excluded.contains(HeaderFields.lowercasedName($0.name)) })
    }

    /// RFC 9111 §3.2: every field of `update` (except the excluded ones) replaces all stored
    /// lines with that name, in place of the first of them, or is appended when new.
    public static func updating(_ stored: HeaderFields, with update: HeaderFields) -> HeaderFields {
        let excluded = Set((notStored + notUpdated + update.listMembers(for: "Connection")).map(HeaderFields.lowercasedName))
        var result = stored
        var handled: Set<String> = []
        for line in update.lines {
            let lower = HeaderFields.lowercasedName(line.name)
            guard !excluded.contains(lower), handled.insert(lower).inserted else { continue }
            result.replaceAll(named: line.name, with: update.values(for: line.name))
        }
        return result
    }
}

extension PrivateCache {
    /// The precondition fields for revalidating `stored` responses (RFC 9111 §4.3.1), to add to
    /// `request` before forwarding it.
    ///
    /// - `If-None-Match`: the entity tags of all the stored responses (MUST), deduplicated, in
    ///   order. An `ETag` value that is not a valid entity tag is sent as received (trimmed), since
    ///   the origin compares against what it sent.
    /// - `If-Modified-Since`: the stored `Last-Modified` value exactly as received, when a single
    ///   response is validated, the request has no `Range`, and the value is a valid HTTP-date
    ///   (SHOULD). Without `Last-Modified`, the stored `Date` is used only when
    ///   ``ifModifiedSinceFromDate`` is set: RFC 9110 §13.1.3 calls `Last-Modified` "most
    ///   interoperable" and mentions `Date` as something caches "occasionally" use.
    ///
    /// Returns an empty header section when there is nothing to validate with.
    public func conditionalHeaders(validating candidates: [StoredExchange], for request: HTTPRequestHead) -> HeaderFields {
        var result = HeaderFields()
        // Only a stored response that could answer this request is revalidated for it: same
        // URL, and a method it can answer (GET for GET or HEAD, HEAD for HEAD; §4).
        let stored = candidates.filter { exchange in
            CacheKey.mismatches(exchange, request).allSatisfy {
                if case .varyMismatch = $0 { return true }
                return false
            }
        }
        // §4.3.1: the conditional request carries the stored request's fields that its `Vary`
        // selected (those the new request lacks), so that the server validates that variant.
        if stored.count == 1, let only = stored.first {
            let nominated = Set(ReuseSummary.nominatedFields(only.response.headers))
            for field in only.request.headers where nominated.contains(HeaderFields.lowercasedName(field.name)) && !request.headers.contains(field.name) {
                result.append(name: field.name, value: field.value)
            }
        }
        var tags: [String] = []
        for exchange in stored {
            for value in exchange.response.headers.values(for: "ETag") {
                let text = EntityTag(parsing: value)?.description ?? HeaderFields.trimmingWhitespace(value)
                if !text.isEmpty && !tags.contains(text) { tags.append(text) }
            }
        }
        if !tags.isEmpty { result.append(name: "If-None-Match", value: tags.joined(separator: ", ")) }

        if stored.count == 1, let only = stored.first, !request.headers.contains("Range") {
            let headers = only.response.headers
            if let lastModified = headers.values(for: "Last-Modified").first,
               HTTPDate.parse(lastModified, relativeTo: only.responseTime) != nil {
                result.append(name: "If-Modified-Since", value: HeaderFields.trimmingWhitespace(lastModified))
            } else if ifModifiedSinceFromDate, !headers.contains("Last-Modified"),
                      let date = headers.values(for: "Date").first,
                      HTTPDate.parse(date, relativeTo: only.responseTime) != nil {
                result.append(name: "If-Modified-Since", value: HeaderFields.trimmingWhitespace(date))
            }
        }
        return result
    }

    /// Which stored responses a 304 freshens (RFC 9111 §4.3.4), as indices into `candidates`.
    ///
    /// The initial set is the candidates that could have been chosen for `request` (no
    /// ``ReuseMismatch``). Then the first match of:
    /// 1. the 304 has strong entity tags: every candidate with a strong tag equal to one of them
    ///    (none: nothing is updated);
    /// 2. the 304 has weak validators (weak entity tags, or `Last-Modified`, which this module
    ///    always treats as weak rather than inferring strength per RFC 9110 §8.8.2.2): the most
    ///    recent matching candidate (by `Date`, else response time; later index wins ties);
    /// 3. the 304 has no validator: the only candidate, if there is exactly one and it has no
    ///    validator either.
    ///
    /// `receivedAt` is when the 304 arrived (the reference for two-digit years).
    public func responsesToFreshen(with notModified: HTTPResponseHead, receivedAt: HTTPDate,
                                   among candidates: [StoredExchange], for request: HTTPRequestHead) -> [Int] {
        let initial = candidates.indices.filter { CacheKey.mismatches(candidates[$0], request).isEmpty }
        let newTags = notModified.headers.values(for: "ETag").compactMap { EntityTag(parsing: $0) }
        let strong = newTags.filter { !$0.isWeak }
        func tags(_ index: Int) -> [EntityTag] {
            candidates[index].response.headers.values(for: "ETag").compactMap { EntityTag(parsing: $0) }
        }
        if !strong.isEmpty {
            return initial.filter { index in tags(index).contains { tag in strong.contains { $0.matchesStrongly(tag) } } }
        }

        let newLastModified = notModified.headers.values(for: "Last-Modified").first
            .flatMap { HTTPDate.parse($0, relativeTo: receivedAt) }
        if !newTags.isEmpty || newLastModified != nil {
            let matching = initial.filter { index in
                if tags(index).contains(where: { tag in newTags.contains { $0.matchesWeakly(tag) } }) { return true }
                if let newLastModified, let stored = candidates[index].response.headers.values(for: "Last-Modified").first,
                   HTTPDate.parse(stored, relativeTo: candidates[index].responseTime) == newLastModified {
                    return true
                }
                return false
            }
            guard let mostRecent = matching.max(by: { recency(candidates[$0]) <= recency(candidates[$1]) }) else { return [] }
            return [mostRecent]
        }

        if initial.count == 1, let only = initial.first {
            let headers = candidates[only].response.headers
            if !headers.contains("ETag") && !headers.contains("Last-Modified") { return [only] }
        }
        return []
    }

    private func recency(_ exchange: StoredExchange) -> HTTPDate {
        dateHeader(of: exchange.response, receivedAt: exchange.responseTime) ?? exchange.responseTime
    }

    /// The stored exchange updated by a 304 (RFC 9111 §4.3.4, §3.2), received for a request
    /// sent at `requestTime` and answered at `responseTime`.
    ///
    /// Header fields are replaced per ``StoredFieldRules/updating(_:with:)``. The status code
    /// and the original request stay. The clock readings become those of the validation
    /// exchange, since age counts from the last validation (§4.2). Two message-specific fields
    /// follow the 304 rather than lingering from the old message: when the 304 has no valid
    /// `Date`, `Date` is set to `responseTime` (RFC 9110 §6.6.1: a recipient appends the time
    /// it received a message without `Date`); when the 304 has no `Age`, the old `Age` is
    /// removed (it described the old message's trip, not this one's).
    public func freshen(_ stored: StoredExchange, with notModified: HTTPResponseHead,
                        requestTime: HTTPDate, responseTime: HTTPDate) -> StoredExchange {
        var headers = StoredFieldRules.updating(stored.response.headers, with: notModified.headers)
        if dateHeader(of: notModified, receivedAt: responseTime) == nil {
            headers.replaceAll(named: "Date", with: [responseTime.imfFixdate])
        }
        if !notModified.headers.contains("Age") {
            headers.removeAll(named: "Age")
        }
        return StoredExchange(
            request: stored.request,
            response: HTTPResponseHead(status: stored.response.status, headers: headers),
            requestTime: requestTime, responseTime: responseTime)
    }
}

/// One cache directive from a `Cache-Control` field (RFC 9111 §5.2):
/// `token [ "=" ( token / quoted-string ) ]`.
public struct CacheDirective: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The directive name, lowercased (directive names are case-insensitive, RFC 9111 §5.2).
    public var name: String
    /// The argument with any quoted-string unescaped, or `nil` when there was no `=`.
    public var argument: String?
    /// Whether the argument was sent in quoted-string form.
    public var argumentWasQuoted: Bool

    /// Creates a directive; `name` is lowercased.
    public init(name: String, argument: String? = nil, argumentWasQuoted: Bool = false) {
        self.name = HeaderFields.lowercasedName(name)
        self.argument = argument
        self.argumentWasQuoted = argumentWasQuoted
    }

    /// `name`, `name=arg` or `name="arg"`.
    public var description: String {
        guard let argument else { return name }
        return argumentWasQuoted ? "\(name)=\"\(argument)\"" : "\(name)=\(argument)"
    }
}

/// The parsed `Cache-Control` field of a message: every directive of every line, in order,
/// including unknown extensions and duplicates (RFC 9111 §5.2, §5.2.3).
///
/// Parsing is total: any input produces a value. Lines are parsed one at a time (a stray quote
/// on one line never swallows the next line), members are split at commas outside quoted
/// strings, empty members are ignored (RFC 9110 §5.6.1), whitespace around members and around
/// `=` is ignored, and names are lowercased.
public struct CacheControl: Hashable, Sendable, Codable {
    /// All directives in order of appearance.
    public var directives: [CacheDirective]

    /// A `Cache-Control` made of these directives.
    public init(directives: [CacheDirective]) {
        self.directives = directives
    }

    /// Parses field values, one per field line.
    public init(fieldValues: [String]) {
        directives = fieldValues.flatMap(CacheControl.parseLine)
    }

    /// Parses every `Cache-Control` line of a header section.
    public init(headers: HeaderFields) {
        self.init(fieldValues: headers.values(for: "Cache-Control"))
    }

    /// Whether a directive with this (case-insensitive) name is present.
    public func contains(_ name: String) -> Bool {
        let lower = HeaderFields.lowercasedName(name)
        return directives.contains { $0.name == lower }
    }

    /// Every occurrence of the directive with this (case-insensitive) name.
    public func occurrences(of name: String) -> [CacheDirective] {
        let lower = HeaderFields.lowercasedName(name)
        return directives.filter { $0.name == lower }
    }

    private static func parseLine(_ line: String) -> [CacheDirective] {
        HeaderFields.splitList(line).compactMap { member in
            let bytes = Array(member.utf8)
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else {
                return CacheDirective(name: member)
            }
            let name = HeaderFields.trimmingWhitespace(String(decoding: bytes[..<equals], as: UTF8.self))
            guard !name.isEmpty else { return nil }
            let rawArgument = HeaderFields.trimmingWhitespace(String(decoding: bytes[(equals + 1)...], as: UTF8.self))
            if rawArgument.utf8.first == UInt8(ascii: "\"") {
                return CacheDirective(name: name, argument: HeaderFields.unquoted(rawArgument), argumentWasQuoted: true)
            }
            return CacheDirective(name: name, argument: rawArgument)
        }
    }
}

/// The value of a directive whose argument is delta-seconds (RFC 9111 §1.2.2), such as
/// `max-age`, after the rule for repeated directives has been applied.
public enum DeltaSecondsArgument: Hashable, Sendable, Codable {
    /// Every occurrence carried the same valid number of seconds (clamped to 2^31).
    case valid(Int64)
    /// At least one occurrence had no argument or an argument that is not delta-seconds
    /// (`max-age=-1`, `max-age=1.5`, `max-age=`, `max-age=abc`); the raw arguments are kept.
    case invalid(arguments: [String?])
    /// The directive appeared several times with different valid values, in order.
    case conflicting(values: [Int64])

    /// The number of seconds when the value is ``valid(_:)``.
    public var seconds: Int64? {
        if case .valid(let seconds) = self { return seconds }
        return nil
    }

    /// Resolves the occurrences of one directive.
    ///
    /// The argument may be a token or a quoted-string: RFC 9111 §5.2 says "For the directives
    /// defined below that define arguments, recipients ought to accept both forms, even if a
    /// specific form is required for generation", so `max-age="60"` is 60 seconds. The content
    /// must be `1*DIGIT` (RFC 9111 §1.2.2): signs, decimals, spaces and empty arguments are
    /// invalid. Values larger than 2^31 are clamped to 2^31 (RFC 9111 §1.2.2).
    static func resolve(_ occurrences: [CacheDirective]) -> DeltaSecondsArgument? {
        guard !occurrences.isEmpty else { return nil }
        var values: [Int64] = []
        for occurrence in occurrences {
            guard let argument = occurrence.argument, let value = parseDeltaSeconds(argument) else {
                return .invalid(arguments: occurrences.map(\.argument))
            }
            values.append(value)
        }
        if values.allSatisfy({ $0 == values[0] }) { return .valid(values[0]) }
        return .conflicting(values: values)
    }
}

/// Parses delta-seconds (`1*DIGIT`, RFC 9111 §1.2.2), clamping at 2^31.
func parseDeltaSeconds(_ text: String) -> Int64? {
    guard !text.isEmpty else { return nil }
    var value: Int64 = 0
    for byte in text.utf8 {
        guard (0x30...0x39).contains(byte) else { return nil }
        value = min(value.saturatingMultiply(10).saturatingAdd(Int64(byte - 0x30)), deltaSecondsLimit)
    }
    return value
}

/// The argument of `no-cache` or `private` in a response (RFC 9111 §5.2.2.4, §5.2.2.7).
public enum FieldNamesArgument: Hashable, Sendable, Codable {
    /// The directive appeared without an argument (at least once).
    case unqualified
    /// The directive appeared only with field-name lists; the lowercased names, in order.
    case fields([String])

    static func resolve(_ occurrences: [CacheDirective]) -> FieldNamesArgument? {
        guard !occurrences.isEmpty else { return nil }
        var names: [String] = []
        for occurrence in occurrences {
            guard let argument = occurrence.argument else { return .unqualified }
            for member in HeaderFields.splitList(argument) {
                let name = HeaderFields.lowercasedName(member)
                if !names.contains(name) { names.append(name) }
            }
        }
        // `no-cache=""` lists nothing; read it as the unqualified form (more restrictive).
        return names.isEmpty ? .unqualified : .fields(names)
    }
}

/// The response directives of RFC 9111 §5.2.2 (plus `immutable`, RFC 8246, and the RFC 5861
/// `stale-while-revalidate` / `stale-if-error`), read from a response's header section.
///
/// Repeated directives: flags are simply present; for delta-seconds directives see
/// ``DeltaSecondsArgument`` (a conflict or an invalid value makes the response stale, see
/// ``FreshnessLifetime``).
public struct ResponseCacheDirectives: Hashable, Sendable, Codable {
    /// Everything that was parsed, including unknown extensions.
    public var cacheControl: CacheControl
    /// `max-age` (§5.2.2.1).
    public var maxAge: DeltaSecondsArgument?
    /// `s-maxage` (§5.2.2.10); parsed, but only a shared cache uses it.
    public var sMaxAge: DeltaSecondsArgument?
    /// `no-cache` (§5.2.2.4), unqualified or with field names.
    public var noCache: FieldNamesArgument?
    /// `no-store` (§5.2.2.5).
    public var noStore: Bool
    /// `no-transform` (§5.2.2.6).
    public var noTransform: Bool
    /// `must-revalidate` (§5.2.2.2).
    public var mustRevalidate: Bool
    /// `must-understand` (§5.2.2.3).
    public var mustUnderstand: Bool
    /// `proxy-revalidate` (§5.2.2.8); does not apply to a private cache.
    public var proxyRevalidate: Bool
    /// `public` (§5.2.2.9).
    public var isPublic: Bool
    /// `private` (§5.2.2.7), unqualified or with field names; allowed in a private cache.
    public var isPrivate: FieldNamesArgument?
    /// `immutable` (RFC 8246); informational here.
    public var immutable: Bool
    /// `stale-while-revalidate` (RFC 5861); parsed, not acted upon.
    public var staleWhileRevalidate: DeltaSecondsArgument?
    /// `stale-if-error` (RFC 5861); parsed, not acted upon.
    public var staleIfError: DeltaSecondsArgument?
    /// Directives this module does not know, kept in order (RFC 9111 §5.2.3: ignored).
    public var extensions: [CacheDirective]

    static let known: Set<String> = [
        "max-age", "s-maxage", "no-cache", "no-store", "no-transform", "must-revalidate", "must-understand",
        "proxy-revalidate", "public", "private", "immutable", "stale-while-revalidate", "stale-if-error",
    ]

    /// Reads the `Cache-Control` lines of a response header section. `Pragma` is not consulted:
    /// RFC 9111 §5.4 notes that "Pragma: no-cache" in responses was never specified and "does
    /// not provide a reliable replacement for Cache-Control: no-cache in them".
    public init(_ headers: HeaderFields) {
        self.init(CacheControl(headers: headers))
    }

    /// Interprets an already parsed `Cache-Control`.
    public init(_ cacheControl: CacheControl) {
        self.cacheControl = cacheControl
        maxAge = DeltaSecondsArgument.resolve(cacheControl.occurrences(of: "max-age"))
        sMaxAge = DeltaSecondsArgument.resolve(cacheControl.occurrences(of: "s-maxage"))
        noCache = FieldNamesArgument.resolve(cacheControl.occurrences(of: "no-cache"))
        noStore = cacheControl.contains("no-store")
        noTransform = cacheControl.contains("no-transform")
        mustRevalidate = cacheControl.contains("must-revalidate")
        mustUnderstand = cacheControl.contains("must-understand")
        proxyRevalidate = cacheControl.contains("proxy-revalidate")
        isPublic = cacheControl.contains("public")
        isPrivate = FieldNamesArgument.resolve(cacheControl.occurrences(of: "private"))
        immutable = cacheControl.contains("immutable")
        staleWhileRevalidate = DeltaSecondsArgument.resolve(cacheControl.occurrences(of: "stale-while-revalidate"))
        staleIfError = DeltaSecondsArgument.resolve(cacheControl.occurrences(of: "stale-if-error"))
        extensions = cacheControl.directives.filter { !Self.known.contains($0.name) }
    }
}

/// The `max-stale` request directive (RFC 9111 §5.2.1.2). When it appears several times, the
/// most restrictive reading wins: the smallest valid limit, else unlimited if any occurrence had
/// no argument; occurrences with unusable arguments are ignored.
public enum MaxStale: Hashable, Sendable, Codable {
    /// `max-stale` without a value: a stale response of any staleness is acceptable.
    case unlimited
    /// `max-stale=N`: a response stale by at most N seconds is acceptable.
    case seconds(Int64)
    /// Present only with unusable arguments (`max-stale=abc`); grants nothing.
    case invalid(arguments: [String?])
}

/// The request directives of RFC 9111 §5.2.1, read from a request's header section, with the
/// HTTP/1.0 `Pragma: no-cache` taken into account.
///
/// Request directives are advisory (§5.2.1). Repeated or invalid ones are resolved towards the
/// most restrictive reading, documented on each `effective…` property.
public struct RequestCacheDirectives: Hashable, Sendable, Codable {
    /// Everything that was parsed, including unknown extensions.
    public var cacheControl: CacheControl
    /// `max-age` (§5.2.1.1) as sent.
    public var maxAge: DeltaSecondsArgument?
    /// `max-stale` (§5.2.1.2).
    public var maxStale: MaxStale?
    /// `min-fresh` (§5.2.1.3) as sent.
    public var minFresh: DeltaSecondsArgument?
    /// `no-cache` (§5.2.1.4).
    public var noCache: Bool
    /// `no-store` (§5.2.1.5).
    public var noStore: Bool
    /// `no-transform` (§5.2.1.6).
    public var noTransform: Bool
    /// `only-if-cached` (§5.2.1.7).
    public var onlyIfCached: Bool
    /// The request had no `Cache-Control` line but a `Pragma` field with `no-cache`; this is
    /// treated like `Cache-Control: no-cache` (RFC 7234 §5.4, the HTTP/1.0 compatibility rule
    /// that RFC 9111 §5.4 deprecates but that clients such as old proxies still send).
    public var pragmaNoCache: Bool
    /// Directives this module does not know, kept in order.
    public var extensions: [CacheDirective]

    static let known: Set<String> = [
        "max-age", "max-stale", "min-fresh", "no-cache", "no-store", "no-transform", "only-if-cached",
    ]

    /// Reads `Cache-Control` (and, when it is absent, `Pragma`) from a request header section.
    public init(_ headers: HeaderFields) {
        let cacheControl = CacheControl(headers: headers)
        self.cacheControl = cacheControl
        maxAge = DeltaSecondsArgument.resolve(cacheControl.occurrences(of: "max-age"))
        minFresh = DeltaSecondsArgument.resolve(cacheControl.occurrences(of: "min-fresh"))
        noCache = cacheControl.contains("no-cache")
        noStore = cacheControl.contains("no-store")
        noTransform = cacheControl.contains("no-transform")
        onlyIfCached = cacheControl.contains("only-if-cached")
        extensions = cacheControl.directives.filter { !Self.known.contains($0.name) }
        pragmaNoCache = !headers.contains("Cache-Control")
            && headers.listMembers(for: "Pragma").contains { HeaderFields.lowercasedName($0) == "no-cache" }

        let staleOccurrences = cacheControl.occurrences(of: "max-stale")
        if staleOccurrences.isEmpty {
            maxStale = nil
        } else {
            let limits = staleOccurrences.compactMap { $0.argument.flatMap(parseDeltaSeconds) }
            if let smallest = limits.min() {
                maxStale = .seconds(smallest)
            } else if staleOccurrences.contains(where: { $0.argument == nil }) {
                maxStale = .unlimited
            } else {
                maxStale = .invalid(arguments: staleOccurrences.map(\.argument))
            }
        }
    }

    /// Whether the request asks for validation: `no-cache`, or `Pragma: no-cache` without
    /// `Cache-Control`.
    public var requiresValidation: Bool { noCache || pragmaNoCache }

    /// The `max-age` limit to apply: the value; the smallest of conflicting values; 0 when
    /// invalid (the most restrictive reading of an unusable limit).
    public var effectiveMaxAge: Int64? {
        switch maxAge {
        case nil: return nil
        case .valid(let seconds): return seconds
        case .conflicting(let values): return values.min()
        case .invalid: return 0
        }
    }

    /// The `min-fresh` requirement to apply: the value; the largest of conflicting values;
    /// ignored (`nil`) when invalid, since no finite reading of it is more restrictive.
    public var effectiveMinFresh: Int64? {
        switch minFresh {
        case nil, .invalid: return nil
        case .valid(let seconds): return seconds
        case .conflicting(let values): return values.max()
        }
    }
}

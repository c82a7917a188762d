// Resolving the links of an index page: RFC 3986 §5 reference resolution, the filename of a link,
// and the hash in its fragment, the way pip reads them (pip/_internal/models/link.py).
//
// Written by hand on UTF-8 bytes (not with Foundation's URL(string:relativeTo:), whose Linux
// behaviour differs in corners, and which would refuse hrefs with spaces or `|`). A page of 15,000
// links resolves in a few milliseconds: the base is prepared once per page (``LinkResolver``), and
// each link costs one output buffer plus the strings it returns.

/// A URI reference split into its five components (RFC 3986 §3), as the regular expression of
/// RFC 3986 Appendix B splits it, except that a scheme must be syntactically valid
/// (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`, §3.1); otherwise the text before `:` is path.
///
/// Components are kept as written (no percent-decoding, no case folding); `nil` means undefined,
/// which differs from empty (`http://a/b?` has an empty query, `http://a/b` none).
public struct URIReference: Sendable, Hashable {
    /// The scheme, as written; nil for a relative reference.
    public var scheme: String?
    /// The authority (`user@host:port`), as written; nil when the reference has none.
    public var authority: String?
    /// The path, as written; may be empty.
    public var path: String
    /// The query without its `?`; nil when there is no `?`.
    public var query: String?
    /// The fragment without its `#`; nil when there is no `#`.
    public var fragment: String?

    /// Creates a reference from its components, kept as given.
    public init(scheme: String? = nil, authority: String? = nil, path: String, query: String? = nil, fragment: String? = nil) {
        self.scheme = scheme
        self.authority = authority
        self.path = path
        self.query = query
        self.fragment = fragment
    }

    /// Splits `string` into components. Never fails: every string is some reference.
    public init(parsing string: String) {
        var string = string
        self = string.withUTF8 { bytes in
            let parts = LinkURIRanges(splitting: bytes)
            func text(_ range: Range<Int>?) -> String? { range.map { bytesString(bytes, $0) } }
            return URIReference(
                scheme: text(parts.scheme), authority: text(parts.authority), path: bytesString(bytes, parts.path),
                query: text(parts.query), fragment: text(parts.fragment))
        }
    }

    /// The reference recomposed (RFC 3986 §5.3).
    public var string: String {
        var result = ""
        if let scheme { result += scheme + ":" }
        if let authority { result += "//" + authority }
        result += path
        if let query { result += "?" + query }
        if let fragment { result += "#" + fragment }
        return result
    }

    /// Resolves this reference against `base` (RFC 3986 §5.2.2); no percent-encoding is applied.
    ///
    /// The scheme is lowercased. One deliberate non-strict choice (§5.2.2 "if ((not strict) and
    /// (R.scheme == Base.scheme))"): a reference with the same scheme as the base is resolved as
    /// relative, so `http:g` against `http://a/b/c/d;p?q` is `http://a/b/c/g`, as browsers
    /// (WHATWG URL, special schemes) and Python's `urljoin` (hence pip) do.
    public func resolved(against base: URIReference) -> URIReference {
        // Lay the components out in one buffer so the byte-level resolver can run on them.
        var bytes: [UInt8] = []
        var parts = LinkURIRanges(path: 0..<0)
        func add(_ component: String?) -> Range<Int>? {
            guard let component else { return nil }
            let start = bytes.count
            bytes.append(contentsOf: component.utf8)
            return start..<bytes.count
        }
        parts.scheme = add(scheme)
        parts.authority = add(authority)
        parts.path = add(path)!
        parts.query = add(query)
        let resolutionBase = LinkResolutionBase(base)
        var out: [UInt8] = []
        let target = bytes.withUnsafeBufferPointer { resolveReference($0, parts, against: resolutionBase, encode: false, into: &out) }
        return out.withUnsafeBufferPointer { output in
            func text(_ range: Range<Int>?) -> String? { range.map { bytesString(output, $0) } }
            return URIReference(
                scheme: text(target.scheme), authority: text(target.authority), path: bytesString(output, target.path),
                query: text(target.query), fragment: fragment)
        }
    }
}

/// A hash found in a link's fragment, e.g. `sha256` and its hex digest from `#sha256=…`.
public struct LinkHash: Sendable, Hashable, Codable {
    /// One of ``LinkResolution/supportedHashAlgorithms``.
    public var algorithm: String
    /// The value as written (pip does not validate it either).
    public var value: String

    /// Creates a hash from an algorithm name and its value.
    public init(algorithm: String, value: String) {
        self.algorithm = algorithm
        self.value = value
    }
}

/// A link of an index page, resolved.
public struct ResolvedLink: Sendable, Hashable {
    /// The absolute URL without its fragment. Characters not allowed in a URI are percent-encoded
    /// (existing `%XX` escapes such as `%2B` are kept as they are).
    public var url: String
    /// The last path segment, percent-decoded (`torch-2.5.1+cpu-….whl` for `…%2Bcpu-….whl`).
    public var filename: String
    /// The first supported `algorithm=value` pair of the fragment.
    public var hash: LinkHash?

    /// Creates a resolved link.
    public init(url: String, filename: String, hash: LinkHash? = nil) {
        self.url = url
        self.filename = filename
        self.hash = hash
    }
}

/// Resolves the links of one page: the base (page URL and `<base href>`) is prepared once.
public struct LinkResolver: Sendable {
    let base: LinkResolutionBase

    /// - Parameters:
    ///   - pageURL: the URL the page was fetched from.
    ///   - baseHref: the page's first `<base href>`, if any; it is itself resolved against
    ///     `pageURL` (WHATWG HTML §2.4.1, "document base URL").
    public init(pageURL: String, baseHref: String? = nil) {
        var page = pageURL
        let pageBase = page.withUTF8 { LinkResolutionBase(bytes: $0, parts: LinkURIRanges(splitting: $0)) }
        guard let baseHref else {
            base = pageBase
            return
        }
        base = withCleanedHref(baseHref) { href in
            var out: [UInt8] = []
            let target = resolveReference(href, LinkURIRanges(splitting: href), against: pageBase, encode: true, into: &out)
            return out.withUnsafeBufferPointer { LinkResolutionBase(bytes: $0, parts: LinkURIRanges(target)) }
        }
    }

    /// Resolves an anchor's `href` (RFC 3986 §5.2) and reads its filename and hash as pip does.
    ///
    /// Like a browser's URL parser (WHATWG URL, "basic URL parser"), leading and trailing C0
    /// controls and spaces and every tab, CR and LF are removed from the href first.
    public func resolve(href: String) -> ResolvedLink {
        withCleanedHref(href) { bytes in
            let parts = LinkURIRanges(splitting: bytes)
            var out: [UInt8] = []
            out.reserveCapacity(base.capacityHint + bytes.count)
            let target = resolveReference(bytes, parts, against: base, encode: true, into: &out)
            let filename = out.withUnsafeBufferPointer { linkFilename($0, path: target.path, authority: target.authority) }
            let hash = parts.fragment.flatMap { linkHash(UnsafeBufferPointer(rebasing: bytes[$0])) }
            return ResolvedLink(url: String(decoding: out, as: UTF8.self), filename: filename, hash: hash)
        }
    }
}

/// RFC 3986 reference resolution and pip's reading of links.
public enum LinkResolution {
    /// The hash algorithms pip accepts in a link fragment, its `_SUPPORTED_HASHES`
    /// (pip/_internal/models/link.py), matched case-sensitively as pip's regular expression does.
    public static let supportedHashAlgorithms: [String] = ["sha512", "sha384", "sha256", "sha224", "sha1", "md5"]

    /// Resolves `reference` against the absolute URI `base` (RFC 3986 §5.2), as strings.
    /// No percent-encoding or other clean-up is applied; see ``resolveLink(href:pageURL:baseHref:)``.
    public static func resolve(_ reference: String, against base: String) -> String {
        URIReference(parsing: reference).resolved(against: URIReference(parsing: base)).string
    }

    /// Resolves one anchor's `href` found on the page at `pageURL` whose first `<base href>` is
    /// `baseHref`; see ``LinkResolver`` (which to prefer for many links of one page).
    public static func resolveLink(href: String, pageURL: String, baseHref: String? = nil) -> ResolvedLink {
        LinkResolver(pageURL: pageURL, baseHref: baseHref).resolve(href: href)
    }

    /// The first `algorithm=value` pair of `fragment` whose algorithm pip supports.
    ///
    /// pip searches `[#&](sha512|sha384|sha256|sha224|sha1|md5)=([^&]*)`: a pair starts the
    /// fragment or follows `&` (or a further `#`), the value runs to the next `&`, and the leftmost
    /// pair wins, so `#egg=x&sha256=…` and `#sha256=…&md5=…` both give the sha256. (pip runs the
    /// search over the whole URL, query included; only the fragment is searched here.)
    public static func hash(inFragment fragment: String) -> LinkHash? {
        var fragment = fragment
        return fragment.withUTF8 { linkHash($0) }
    }

    /// RFC 3986 §5.2.4 "Remove Dot Segments".
    public static func removeDotSegments(_ path: String) -> String {
        var path = path
        return path.withUTF8 { input in
            guard hasDotSegment(input) else { return bytesString(input, 0..<input.count) }
            var out: [UInt8] = []
            appendRemovingDotSegments(input, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
    }
}

// MARK: - The byte-level machinery

private let colon: UInt8 = 0x3A, slash: UInt8 = 0x2F, question: UInt8 = 0x3F, numberSign: UInt8 = 0x23
private let dot: UInt8 = 0x2E, percent: UInt8 = 0x25, ampersand: UInt8 = 0x26, equalsSign: UInt8 = 0x3D

@inline(__always) private func bytesString(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
}

/// Component ranges of a URI reference inside a byte buffer (RFC 3986 Appendix B, strict scheme).
struct LinkURIRanges {
    var scheme: Range<Int>?
    var authority: Range<Int>?
    var path: Range<Int>
    var query: Range<Int>?
    var fragment: Range<Int>?

    init(path: Range<Int>) {
        self.path = path
    }

    init(_ target: LinkTargetRanges) {
        scheme = target.scheme
        authority = target.authority
        path = target.path
        query = target.query
    }

    init(splitting b: UnsafeBufferPointer<UInt8>) {
        let n = b.count
        var i = 0
        var k = 0
        while k < n && b[k] != colon && b[k] != slash && b[k] != question && b[k] != numberSign { k += 1 }
        if k < n && b[k] == colon && k > 0 && isValidScheme(UnsafeBufferPointer(rebasing: b[0..<k])) {
            scheme = 0..<k
            i = k + 1
        }
        if i + 1 < n && b[i] == slash && b[i + 1] == slash {
            var j = i + 2
            while j < n && b[j] != slash && b[j] != question && b[j] != numberSign { j += 1 }
            authority = (i + 2)..<j
            i = j
        }
        var j = i
        while j < n && b[j] != question && b[j] != numberSign { j += 1 }
        path = i..<j
        i = j
        if i < n && b[i] == question {
            j = i + 1
            while j < n && b[j] != numberSign { j += 1 }
            query = (i + 1)..<j
            i = j
        }
        if i < n && b[i] == numberSign {
            fragment = (i + 1)..<n
        }
    }
}

private func isValidScheme(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let first = bytes.first, isAlpha(first) else { return false }
    return bytes.allSatisfy { c in isAlpha(c) || (c >= 0x30 && c <= 0x39) || c == 0x2B || c == 0x2D || c == 0x2E }
}

@inline(__always) private func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
@inline(__always) private func lowercased(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }

/// The base of a resolution, as bytes (scheme lowercased).
struct LinkResolutionBase: Sendable {
    var scheme: [UInt8]?
    var authority: [UInt8]?
    var path: [UInt8]
    var query: [UInt8]?

    init(bytes: UnsafeBufferPointer<UInt8>, parts: LinkURIRanges) {
        scheme = parts.scheme.map { bytes[$0].map(lowercased) }
        authority = parts.authority.map { Array(bytes[$0]) }
        path = Array(bytes[parts.path])
        query = parts.query.map { Array(bytes[$0]) }
    }

    init(_ reference: URIReference) {
        scheme = reference.scheme.map { $0.utf8.map(lowercased) }
        authority = reference.authority.map { Array($0.utf8) }
        path = Array(reference.path.utf8)
        query = reference.query.map { Array($0.utf8) }
    }

    var capacityHint: Int { (scheme?.count ?? 0) + (authority?.count ?? 0) + path.count + 8 }
}

/// Where the target's components landed in the output buffer.
struct LinkTargetRanges {
    var scheme: Range<Int>?
    var authority: Range<Int>?
    var path: Range<Int>
    var query: Range<Int>?
}

/// RFC 3986 §5.2.2 "Transform References" and §5.3 "Component Recomposition": appends the target
/// URI, without fragment, to `out`. With `encode`, characters not allowed in a path or query are
/// percent-encoded afterwards.
private func resolveReference(
    _ r: UnsafeBufferPointer<UInt8>, _ parts: LinkURIRanges, against base: LinkResolutionBase, encode: Bool, into out: inout [UInt8]
) -> LinkTargetRanges {
    var referenceScheme = parts.scheme
    // Non-strict: the same scheme as the base means a relative reference.
    if let scheme = referenceScheme, let baseScheme = base.scheme,
       scheme.count == baseScheme.count, zip(r[scheme], baseScheme).allSatisfy({ lowercased($0) == $1 }) {
        referenceScheme = nil
    }
    var target = LinkTargetRanges(path: 0..<0)
    if let scheme = referenceScheme {
        let start = out.count
        for i in scheme { out.append(lowercased(r[i])) }
        target.scheme = start..<out.count
        out.append(colon)
    } else if let baseScheme = base.scheme {
        let start = out.count
        out.append(contentsOf: baseScheme)
        target.scheme = start..<out.count
        out.append(colon)
    }
    let referenceDefinesAuthority = referenceScheme != nil || parts.authority != nil
    if referenceDefinesAuthority {
        if let authority = parts.authority {
            out.append(slash)
            out.append(slash)
            let start = out.count
            out.append(contentsOf: UnsafeBufferPointer(rebasing: r[authority]))
            target.authority = start..<out.count
        }
    } else if let authority = base.authority {
        out.append(slash)
        out.append(slash)
        let start = out.count
        out.append(contentsOf: authority)
        target.authority = start..<out.count
    }

    let pathStart = out.count
    let referencePath = UnsafeBufferPointer(rebasing: r[parts.path])
    var queryFromBase = false
    if referenceDefinesAuthority || referencePath.first == slash {
        appendRemovingDotSegments(referencePath, to: &out)
    } else if referencePath.isEmpty {
        out.append(contentsOf: base.path)
        queryFromBase = parts.query == nil
    } else {
        // §5.2.3 "Merge Paths": the base path up to its last "/" (or "/" alone for an authority
        // with an empty path), then the reference path; then §5.2.4.
        base.path.withUnsafeBufferPointer { basePath in
            let prefix: UnsafeBufferPointer<UInt8>
            var slashOnly = false
            if base.authority != nil && basePath.isEmpty {
                prefix = basePath
                slashOnly = true
            } else if let lastSlash = basePath.lastIndex(of: slash) {
                prefix = UnsafeBufferPointer(rebasing: basePath[...lastSlash])
            } else {
                prefix = UnsafeBufferPointer(rebasing: basePath[0..<0])
            }
            if !hasDotSegment(prefix) && !hasDotSegment(referencePath) {
                if slashOnly { out.append(slash) }
                out.append(contentsOf: prefix)
                out.append(contentsOf: referencePath)
            } else {
                var merged: [UInt8] = slashOnly ? [slash] : Array(prefix)
                merged.append(contentsOf: referencePath)
                merged.withUnsafeBufferPointer { appendRemovingDotSegments($0, to: &out) }
            }
        }
    }
    if encode { percentEncodeDisallowed(&out, from: pathStart) }
    target.path = pathStart..<out.count

    if queryFromBase, let query = base.query {
        out.append(question)
        let start = out.count
        out.append(contentsOf: query)
        if encode { percentEncodeDisallowed(&out, from: start) }
        target.query = start..<out.count
    } else if !queryFromBase, let query = parts.query {
        out.append(question)
        let start = out.count
        out.append(contentsOf: UnsafeBufferPointer(rebasing: r[query]))
        if encode { percentEncodeDisallowed(&out, from: start) }
        target.query = start..<out.count
    }
    return target
}

/// Whether `path` has a `.` or `..` segment; if not, §5.2.4 would return it unchanged. (A path
/// that continues a prefix ending in "/" can be checked on its own: its first byte starts a segment.)
private func hasDotSegment(_ path: UnsafeBufferPointer<UInt8>) -> Bool {
    let n = path.count
    var i = 0
    while i < n {
        if path[i] == dot && (i == 0 || path[i - 1] == slash) {
            let next = i + 1
            if next == n || path[next] == slash { return true }
            if path[next] == dot && (next + 1 == n || path[next + 1] == slash) { return true }
        }
        i += 1
    }
    return false
}

/// RFC 3986 §5.2.4 "Remove Dot Segments", appending the output to `out` (whose earlier bytes are
/// left alone: "remove the last segment" never reaches before where this path started).
private func appendRemovingDotSegments(_ input: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
    let start = out.count
    let n = input.count
    var i = 0
    func hasPrefix(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard n - i >= count else { return false }
        for k in 0..<count where input[i + k] != literal.utf8Start[k] { return false }
        return true
    }
    func restIs(_ literal: StaticString) -> Bool { literal.utf8CodeUnitCount == n - i && hasPrefix(literal) }
    func removeLastSegment() {
        var j = out.count
        while j > start && out[j - 1] != slash { j -= 1 }
        out.removeSubrange((j > start ? j - 1 : start)...)
    }
    while i < n {
        if hasPrefix("../") {                          // A
            i += 3
        } else if hasPrefix("./") {                    // A
            i += 2
        } else if hasPrefix("/./") {                   // B: "/./" → "/"
            i += 2
        } else if restIs("/.") {                       // B: a final "/." → "/"
            out.append(slash)
            i = n
        } else if hasPrefix("/../") {                  // C: "/../" → "/", dropping the last output segment
            i += 3
            removeLastSegment()
        } else if restIs("/..") {                      // C: a final "/.." → "/"
            removeLastSegment()
            out.append(slash)
            i = n
        } else if restIs(".") || restIs("..") {        // D
            i = n
        } else {                                       // E: move the first segment to the output
            var j = i
            if input[j] == slash { j += 1 }
            while j < n && input[j] != slash { j += 1 }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: input[i..<j]))
            i = j
        }
    }
}

/// Percent-encodes, from `start` on, what may not appear in a URI path or query (RFC 3986 §2,
/// §3.3, §3.4): controls, space, non-ASCII bytes (already UTF-8), `"` `<` `>` `\` `^` `` ` `` `{`
/// `|` `}`, and a `%` that does not start an escape. Existing escapes are left alone, so `%2B`
/// stays `%2B` and `+` stays `+`.
private func percentEncodeDisallowed(_ out: inout [UInt8], from start: Int) {
    func isEscape(_ i: Int) -> Bool {
        i + 2 < out.count && hexValue(out[i + 1]) != nil && hexValue(out[i + 2]) != nil
    }
    var first = start
    while first < out.count {
        let c = out[first]
        if mustEncode(c) || (c == percent && !isEscape(first)) { break }
        first += 1
    }
    guard first < out.count else { return }
    var encoded: [UInt8] = []
    encoded.reserveCapacity((out.count - first) * 3)
    for i in first..<out.count {
        let c = out[i]
        if mustEncode(c) || (c == percent && !isEscape(i)) {
            encoded.append(percent)
            encoded.append(upperHexDigits[Int(c >> 4)])
            encoded.append(upperHexDigits[Int(c & 0x0F)])
        } else {
            encoded.append(c)
        }
    }
    out.replaceSubrange(first..., with: encoded)
}

private let upperHexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

@inline(__always) private func mustEncode(_ c: UInt8) -> Bool {
    switch c {
    case 0x00...0x20, 0x7F...0xFF: return true
    case 0x22, 0x3C, 0x3E, 0x5C, 0x5E, 0x60, 0x7B, 0x7C, 0x7D: return true   // " < > \ ^ ` { | }
    default: return false
    }
}

@inline(__always) private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 0x30...0x39: return c - 0x30
    case 0x41...0x46: return c - 0x41 + 10
    case 0x61...0x66: return c - 0x61 + 10
    default: return nil
    }
}

/// Calls `body` with the href as a browser's URL parser sees it (WHATWG URL §4.4): without
/// leading and trailing C0 control or space, and without any ASCII tab or newline.
private func withCleanedHref<R>(_ href: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    var href = href
    return href.withUTF8 { raw in
        var low = 0
        var high = raw.count
        while low < high && raw[low] <= 0x20 { low += 1 }
        while high > low && raw[high - 1] <= 0x20 { high -= 1 }
        let trimmed = UnsafeBufferPointer(rebasing: raw[low..<high])
        guard trimmed.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return body(trimmed) }
        let filtered = trimmed.filter { $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        return filtered.withUnsafeBufferPointer(body)
    }
}

/// pip's `Link.filename`: the last segment of the path once trailing slashes are stripped,
/// percent-decoded (`urllib.parse.unquote`: invalid UTF-8 becomes U+FFFD, a `%` not followed by two
/// hex digits stays); for an empty path, the authority without user information.
private func linkFilename(_ bytes: UnsafeBufferPointer<UInt8>, path: Range<Int>, authority: Range<Int>?) -> String {
    var end = path.upperBound
    while end > path.lowerBound && bytes[end - 1] == slash { end -= 1 }
    var start = end
    while start > path.lowerBound && bytes[start - 1] != slash { start -= 1 }
    if start == end {
        guard let authority else { return "" }
        var hostStart = authority.lowerBound
        for i in authority where bytes[i] == 0x40 { hostStart = i + 1 }   // after the last "@"
        return bytesString(bytes, hostStart..<authority.upperBound)
    }
    let segment = UnsafeBufferPointer(rebasing: bytes[start..<end])
    guard segment.contains(percent) else { return bytesString(bytes, start..<end) }
    var decoded: [UInt8] = []
    decoded.reserveCapacity(segment.count)
    var i = 0
    while i < segment.count {
        if segment[i] == percent, i + 2 < segment.count,
           let high = hexValue(segment[i + 1]), let low = hexValue(segment[i + 2]) {
            decoded.append(high << 4 | low)
            i += 3
        } else {
            decoded.append(segment[i])
            i += 1
        }
    }
    return String(decoding: decoded, as: UTF8.self)
}

/// See ``LinkResolution/hash(inFragment:)``.
private func linkHash(_ fragment: UnsafeBufferPointer<UInt8>) -> LinkHash? {
    let n = fragment.count
    var start = 0
    while start < n {
        for algorithm in LinkResolution.supportedHashAlgorithms {
            let name = algorithm.utf8
            let nameEnd = start + name.count
            guard nameEnd < n, fragment[nameEnd] == equalsSign,
                  fragment[start..<nameEnd].elementsEqual(name) else { continue }
            var valueEnd = nameEnd + 1
            while valueEnd < n && fragment[valueEnd] != ampersand { valueEnd += 1 }
            return LinkHash(algorithm: algorithm, value: bytesString(fragment, (nameEnd + 1)..<valueEnd))
        }
        // The next candidate follows an "&" or a "#".
        while start < n && fragment[start] != ampersand && fragment[start] != numberSign { start += 1 }
        start += 1
    }
    return nil
}

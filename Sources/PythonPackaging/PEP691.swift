// PEP 691 JSON project pages (with the PEP 700 additions of API 1.1) → ProjectPage.

/// Reads a PEP 691 JSON page the way pip's `parse_links` + `Link.from_json` do, but never trusting
/// the shape: a value of the wrong type is skipped with a warning instead of raising.
enum PEP691Parser {
    static func parse(_ bytes: [UInt8], url: String) throws(ProjectPageError) -> ProjectPage {
        let resolver = LinkResolver(pageURL: url)
        let document: PEP691JSON
        do {
            document = try PEP691JSON.parse(bytes)
        } catch {
            throw .invalidJSON(error.description)
        }
        guard case .object(let top) = document else { throw .invalidJSON("the top-level value is not an object") }
        var warnings = ProjectPageWarningCollector()

        var declaredVersion: String?
        switch top["meta"] {
        case .object(let meta)?:
            switch meta["api-version"] {
            case .string(let version)?: declaredVersion = version
            case nil: warnings.add("missing-api-version", "meta.api-version is missing; read as 1.0")
            case let other?: warnings.add("json-wrong-type", "meta.api-version is \(other.typeName), not a string; read as 1.0")
            }
        case nil:
            warnings.add("missing-api-version", "meta is missing; read as API 1.0")
        case let other?:
            warnings.add("json-wrong-type", "meta is \(other.typeName), not an object; read as API 1.0")
        }
        let apiVersion = try ProjectPage.checkAPIVersion(declaredVersion, warnings: &warnings)

        var name: String?
        switch top["name"] {
        case .string(let value)?: name = value
        case nil: warnings.add("missing-name", "name is missing")
        case let other?: warnings.add("json-wrong-type", "name is \(other.typeName), not a string")
        }

        var files: [ProjectFile] = []
        switch top["files"] {
        case .array(let entries)?:
            files.reserveCapacity(entries.count)
            for (index, entry) in entries.enumerated() {
                if let file = file(from: entry, index: index, resolver: resolver, warnings: &warnings) {
                    files.append(file)
                }
            }
        case nil:
            warnings.add("missing-files", "files is missing; the page lists no files")
        case let other?:
            throw .invalidJSON("files is \(other.typeName), not an array")
        }

        var versions: [String]?
        switch top["versions"] {
        case .array(let values)?:
            versions = []
            for value in values {
                if case .string(let version) = value {
                    versions!.append(version)
                } else {
                    warnings.add("json-wrong-type", "a versions entry is \(value.typeName), not a string; skipped")
                }
            }
        case nil, .null?:
            break
        case let other?:
            warnings.add("json-wrong-type", "versions is \(other.typeName), not an array; ignored")
        }

        return ProjectPage(format: .json, apiVersion: apiVersion, name: name, files: files, versions: versions, warnings: warnings.all)
    }

    static func file(from entry: PEP691JSON, index: Int, resolver: LinkResolver, warnings: inout ProjectPageWarningCollector) -> ProjectFile? {
        guard case .object(let fields) = entry else {
            warnings.add("json-file-skipped", "files[\(index)] is \(entry.typeName), not an object; skipped")
            return nil
        }
        let href: String
        switch fields["url"] {
        case .string(let value)?:
            href = value
        case nil, .null?:
            // pip: `if file_url is None: return None`.
            warnings.add("json-file-skipped", "files[\(index)] has no url; skipped")
            return nil
        case let other?:
            warnings.add("json-file-skipped", "files[\(index)].url is \(other.typeName), not a string; skipped")
            return nil
        }
        let link = resolver.resolve(href: href)
        var file = ProjectFile(filename: link.filename, url: link.url)
        switch fields["filename"] {
        case .string(let value)? where !value.isEmpty:
            file.filename = value
        case let other:
            warnings.add("json-wrong-type", "files[\(index)].filename is \(other?.typeName ?? "missing"); the URL's last segment is used")
        }

        switch fields["hashes"] {
        case .object(let hashes)?:
            for (algorithm, digest) in hashes {
                if case .string(let value) = digest {
                    file.hashes[algorithm.lowercased()] = value
                } else {
                    warnings.add("json-wrong-type", "files[\(index)].hashes[\(algorithm)] is \(digest.typeName), not a string; skipped")
                }
            }
        case nil, .null?:
            break
        case let other?:
            warnings.add("json-wrong-type", "files[\(index)].hashes is \(other.typeName), not an object; ignored")
        }
        // pip: `{**hashes, **hashes_from_link}`: a fragment hash on the URL wins.
        if let hash = link.hash { file.hashes[hash.algorithm] = hash.value }

        switch fields["requires-python"] {
        case .string(let value)?: file.requiresPython = value.isEmpty ? nil : value
        case nil, .null?: break
        case let other?: warnings.add("json-wrong-type", "files[\(index)].requires-python is \(other.typeName), not a string; ignored")
        }

        // PEP 592 / 691: a boolean, or a non-empty string that is the reason. pip treats any falsy
        // value (false, "", null) as not yanked and any other truthy value as yanked without reason.
        switch fields["yanked"] {
        case .bool(let value)?:
            file.yanked = value
        case .string(let reason)?:
            file.yanked = !reason.isEmpty
            file.yankedReason = reason.isEmpty ? nil : reason
        case nil, .null?:
            break
        case let other?:
            file.yanked = other.isTruthy
            warnings.add("json-wrong-type", "files[\(index)].yanked is \(other.typeName), not a boolean or string; read by truthiness")
        }

        // PEP 714: prefer core-metadata; dist-info-metadata only when core-metadata is absent or null (as pip).
        let metadata: PEP691JSON?
        switch fields["core-metadata"] {
        case nil, .null?: metadata = fields["dist-info-metadata"]
        case let value?: metadata = value
        }
        switch metadata {
        case .bool(let available)?:
            file.coreMetadata = CoreMetadata(available: available)
        case .object(let hashes)?:
            var supported: [String: String] = [:]
            for (algorithm, digest) in hashes {
                let name = algorithm.lowercased()
                if case .string(let value) = digest, LinkResolution.supportedHashAlgorithms.contains(name) {
                    supported[name] = value
                }
            }
            file.coreMetadata = CoreMetadata(available: true, hashes: supported)
        case nil, .null?:
            break
        case let other?:
            file.coreMetadata = CoreMetadata(available: other.isTruthy)
            warnings.add("json-wrong-type", "files[\(index)].core-metadata is \(other.typeName), not a boolean or object; read by truthiness")
        }

        switch fields["gpg-sig"] {
        case .bool(let value)?: file.gpgSig = value
        case nil, .null?: break
        case let other?: warnings.add("json-wrong-type", "files[\(index)].gpg-sig is \(other.typeName), not a boolean; ignored")
        }

        // PEP 700 (API 1.1).
        switch fields["size"] {
        case .number(let text)?:
            if let size = Int(text), size >= 0 {
                file.size = size
            } else {
                warnings.add("json-wrong-type", "files[\(index)].size \(text) is not a non-negative integer; ignored")
            }
        case nil, .null?: break
        case let other?: warnings.add("json-wrong-type", "files[\(index)].size is \(other.typeName), not a number; ignored")
        }
        switch fields["upload-time"] {
        case .string(let value)?: file.uploadTime = value
        case nil, .null?: break
        case let other?: warnings.add("json-wrong-type", "files[\(index)].upload-time is \(other.typeName), not a string; ignored")
        }
        return file
    }
}

// MARK: - A small JSON reader (RFC 8259)

/// A parsed JSON value. Numbers keep their text (so `size` is read as an exact integer).
///
/// Written here rather than using Foundation's decoders so that wrong types can be detected
/// without throwing per field, nesting depth is bounded, and invalid UTF-8 inside strings becomes
/// U+FFFD instead of failing the page.
indirect enum PEP691JSON: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([PEP691JSON])
    case object([String: PEP691JSON])

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Python's truthiness, which pip applies to these values.
    var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let value): value
        case .number(let text): (Double(text) ?? 0) != 0
        case .string(let value): !value.isEmpty
        case .array(let values): !values.isEmpty
        case .object(let fields): !fields.isEmpty
        }
    }

    struct SyntaxError: Error, CustomStringConvertible {
        var message: String
        var offset: Int
        var description: String { "\(message) at byte \(offset)" }
    }

    /// Deeper nesting than this is refused (a page is never deeper than 4).
    static let maximumDepth = 256

    static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> PEP691JSON {
        try bytes.withUnsafeBufferPointer { (buffer) throws(SyntaxError) -> PEP691JSON in
            var reader = Reader(buffer: buffer)
            // A UTF-8 byte order mark is tolerated (RFC 8259 §8.1: parsers "MAY ignore" it).
            if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { reader.position = 3 }
            let value = try reader.value(depth: 0)
            reader.skipWhitespace()
            guard reader.position == buffer.count else { throw reader.error("extra data after the JSON value") }
            return value
        }
    }

    private struct Reader {
        let buffer: UnsafeBufferPointer<UInt8>
        var position = 0
        var scratch: [UInt8] = []

        init(buffer: UnsafeBufferPointer<UInt8>) { self.buffer = buffer }

        func error(_ message: String) -> SyntaxError { SyntaxError(message: message, offset: position) }

        mutating func skipWhitespace() {
            while position < buffer.count {
                let c = buffer[position]
                guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
                position += 1
            }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> PEP691JSON {
            skipWhitespace()
            guard position < buffer.count else { throw error("unexpected end of input") }
            switch buffer[position] {
            case 0x7B: return try object(depth: depth + 1)
            case 0x5B: return try array(depth: depth + 1)
            case 0x22: return .string(try string())
            case 0x74: try literal("true"); return .bool(true)
            case 0x66: try literal("false"); return .bool(false)
            case 0x6E: try literal("null"); return .null
            case 0x2D, 0x30...0x39: return .number(try number())
            default: throw error("unexpected character")
            }
        }

        mutating func literal(_ word: StaticString) throws(SyntaxError) {
            let count = word.utf8CodeUnitCount
            guard position + count <= buffer.count else { throw error("invalid literal") }
            for i in 0..<count where buffer[position + i] != word.utf8Start[i] { throw error("invalid literal") }
            position += count
        }

        mutating func object(depth: Int) throws(SyntaxError) -> PEP691JSON {
            guard depth <= PEP691JSON.maximumDepth else { throw error("nesting deeper than \(PEP691JSON.maximumDepth)") }
            position += 1   // {
            var fields: [String: PEP691JSON] = [:]
            skipWhitespace()
            if position < buffer.count && buffer[position] == 0x7D {
                position += 1
                return .object(fields)
            }
            while true {
                skipWhitespace()
                guard position < buffer.count, buffer[position] == 0x22 else { throw error("expected a string key") }
                let key = try string()
                skipWhitespace()
                guard position < buffer.count, buffer[position] == 0x3A else { throw error("expected ':'") }
                position += 1
                fields[key] = try value(depth: depth)   // a duplicate key: the last one wins, as in Python
                skipWhitespace()
                guard position < buffer.count else { throw error("unexpected end of input in an object") }
                if buffer[position] == 0x2C { position += 1; continue }
                if buffer[position] == 0x7D { position += 1; return .object(fields) }
                throw error("expected ',' or '}'")
            }
        }

        mutating func array(depth: Int) throws(SyntaxError) -> PEP691JSON {
            guard depth <= PEP691JSON.maximumDepth else { throw error("nesting deeper than \(PEP691JSON.maximumDepth)") }
            position += 1   // [
            var values: [PEP691JSON] = []
            skipWhitespace()
            if position < buffer.count && buffer[position] == 0x5D {
                position += 1
                return .array(values)
            }
            while true {
                values.append(try value(depth: depth))
                skipWhitespace()
                guard position < buffer.count else { throw error("unexpected end of input in an array") }
                if buffer[position] == 0x2C { position += 1; continue }
                if buffer[position] == 0x5D { position += 1; return .array(values) }
                throw error("expected ',' or ']'")
            }
        }

        mutating func number() throws(SyntaxError) -> String {
            let start = position
            if buffer[position] == 0x2D { position += 1 }
            func digits() -> Int {
                let from = position
                while position < buffer.count && buffer[position] >= 0x30 && buffer[position] <= 0x39 { position += 1 }
                return position - from
            }
            guard position < buffer.count else { throw error("invalid number") }
            if buffer[position] == 0x30 {
                position += 1
            } else if digits() == 0 {
                throw error("invalid number")
            }
            if position < buffer.count && buffer[position] == 0x2E {
                position += 1
                guard digits() > 0 else { throw error("invalid number") }
            }
            if position < buffer.count && (buffer[position] | 0x20) == 0x65 {
                position += 1
                if position < buffer.count && (buffer[position] == 0x2B || buffer[position] == 0x2D) { position += 1 }
                guard digits() > 0 else { throw error("invalid number") }
            }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<position]), as: UTF8.self)
        }

        mutating func string() throws(SyntaxError) -> String {
            position += 1   // opening quote
            let start = position
            // Fast path: no escapes.
            while position < buffer.count {
                let c = buffer[position]
                if c == 0x22 {
                    let value = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<position]), as: UTF8.self)
                    position += 1
                    return value
                }
                if c == 0x5C { break }
                if c < 0x20 { throw error("control character in a string") }
                position += 1
            }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<position]))
            while position < buffer.count {
                let c = buffer[position]
                if c == 0x22 {
                    position += 1
                    return String(decoding: scratch, as: UTF8.self)
                }
                if c < 0x20 { throw error("control character in a string") }
                if c != 0x5C {
                    scratch.append(c)
                    position += 1
                    continue
                }
                position += 1
                guard position < buffer.count else { break }
                let escaped = buffer[position]
                position += 1
                switch escaped {
                case 0x22, 0x5C, 0x2F: scratch.append(escaped)
                case 0x62: scratch.append(0x08)
                case 0x66: scratch.append(0x0C)
                case 0x6E: scratch.append(0x0A)
                case 0x72: scratch.append(0x0D)
                case 0x74: scratch.append(0x09)
                case 0x75:
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar), position + 1 < buffer.count,
                       buffer[position] == 0x5C, buffer[position + 1] == 0x75 {
                        let saved = position
                        position += 2
                        let low = try hex4()
                        if (0xDC00...0xDFFF).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            position = saved   // not a pair: the high surrogate alone becomes U+FFFD
                        }
                    }
                    UTF8.encode(Unicode.Scalar(scalar) ?? "\u{FFFD}") { scratch.append($0) }
                default:
                    throw error("invalid escape")
                }
            }
            throw error("unterminated string")
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard position + 4 <= buffer.count else { throw error("invalid \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let c = buffer[position]
                let digit: UInt32
                switch c {
                case 0x30...0x39: digit = UInt32(c - 0x30)
                case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
                default: throw error("invalid \\u escape")
                }
                value = value << 4 | digit
                position += 1
            }
            return value
        }
    }
}

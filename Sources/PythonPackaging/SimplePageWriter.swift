// Writing simple-repository pages: PEP 503 HTML and PEP 691 JSON (with PEP 700's API 1.1 fields),
// from the same ProjectPage model the parsers produce.

/// Serializes project pages and project lists in either format.
///
/// Everything that came from an upstream (names, filenames, URLs, reasons) is escaped: HTML
/// attribute and text escaping for PEP 503, JSON string escaping for PEP 691. The output is
/// deterministic for a given input.
public enum SimplePageWriter {
    /// A project page.
    ///
    /// - Parameters:
    ///   - name: the project name (JSON `name`; the HTML title).
    ///   - files: the files, their `url`s already pointing where clients should download them
    ///     (hash fragments are added here from `hashes`; a `url` must carry no fragment).
    ///   - versions: PEP 700 `versions`; when nil they are derived from the filenames.
    ///   - format: `.json` writes PEP 691; `.html` writes PEP 503 with the PEP 629 version meta tag.
    /// - Returns: the body. JSON declares API 1.1 only when every file has a `size` and an
    ///   `upload-time` is optional (PEP 700), else 1.0 (whose readers ignore the extra keys).
    public static func projectPage(name: String, files: [ProjectFile], versions: [String]?, format: ProjectPage.Format) -> [UInt8] {
        switch format {
        case .json: return Array(projectPageJSON(name: name, files: files, versions: versions).utf8)
        case .html: return Array(projectPageHTML(name: name, files: files).utf8)
        }
    }

    /// A project list (the repository's root page): `hrefs` maps each name to its page link.
    public static func projectList(_ names: [String], format: ProjectPage.Format, href: (String) -> String) -> [UInt8] {
        switch format {
        case .json:
            var out = #"{"meta":{"api-version":"1.0"},"projects":["#
            for (index, name) in names.enumerated() {
                if index > 0 { out += "," }
                out += #"{"name":"# + jsonString(name) + "}"
            }
            out += "]}"
            return Array(out.utf8)
        case .html:
            var out = "<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"1.0\">\n<title>Simple index</title>\n</head>\n<body>\n"
            for name in names {
                out += "<a href=\"" + htmlEscaped(href(name)) + "\">" + htmlEscaped(name) + "</a>\n"
            }
            out += "</body>\n</html>\n"
            return Array(out.utf8)
        }
    }

    /// The versions the files carry, in first-seen order: wheel versions, and sdist versions where
    /// the filename starts with the project name (pip's reading).
    public static func versions(of files: [ProjectFile], project: String) -> [String] {
        var seen = Set<String>(), ordered: [String] = []
        let normalized = ProjectName.normalize(project)
        for file in files {
            guard let version = DistributionFilename(file.filename, project: normalized)?.version?.description else { continue }
            if seen.insert(version).inserted { ordered.append(version) }
        }
        return ordered
    }

    // MARK: - HTML

    static func projectPageHTML(name: String, files: [ProjectFile]) -> String {
        var out = "<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"1.1\">\n"
        out += "<title>Links for " + htmlEscaped(name) + "</title>\n</head>\n<body>\n<h1>Links for " + htmlEscaped(name) + "</h1>\n"
        for file in files {
            var href = file.url
            if let (algorithm, value) = preferredHash(file.hashes) { href += "#" + algorithm + "=" + value }
            out += "<a href=\"" + htmlEscaped(href) + "\""
            if let requires = file.requiresPython, !requires.isEmpty {
                out += " data-requires-python=\"" + htmlEscaped(requires) + "\""
            }
            if file.yanked { out += " data-yanked=\"" + htmlEscaped(file.yankedReason ?? "") + "\"" }
            if file.coreMetadata.available {
                let value = preferredHash(file.coreMetadata.hashes).map { $0.0 + "=" + $0.1 } ?? "true"
                out += " data-core-metadata=\"" + htmlEscaped(value) + "\" data-dist-info-metadata=\"" + htmlEscaped(value) + "\""
            }
            out += ">" + htmlEscaped(file.filename) + "</a><br/>\n"
        }
        out += "</body>\n</html>\n"
        return out
    }

    /// pip reads one hash from a fragment: the strongest one given.
    static func preferredHash(_ hashes: [String: String]) -> (String, String)? {
        for algorithm in LinkResolution.supportedHashAlgorithms {
            if let value = hashes[algorithm] { return (algorithm, value) }
        }
        return hashes.sorted { $0.key < $1.key }.first.map { ($0.key, $0.value) }
    }

    /// Escapes `& < > " '` for text and double- or single-quoted attribute values.
    public static func htmlEscaped(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    // MARK: - JSON

    static func projectPageJSON(name: String, files: [ProjectFile], versions: [String]?) -> String {
        let complete = files.allSatisfy { $0.size != nil }
        var out = #"{"meta":{"api-version":"# + (complete ? #""1.1""# : #""1.0""#) + "},"
        out += #""name":"# + jsonString(ProjectName.normalize(name)) + #","files":["#
        for (index, file) in files.enumerated() {
            if index > 0 { out += "," }
            out += #"{"filename":"# + jsonString(file.filename) + #","url":"# + jsonString(file.url) + #","hashes":{"#
            for (position, (algorithm, value)) in file.hashes.sorted(by: { $0.key < $1.key }).enumerated() {
                if position > 0 { out += "," }
                out += jsonString(algorithm) + ":" + jsonString(value)
            }
            out += "}"
            if let requires = file.requiresPython, !requires.isEmpty { out += #","requires-python":"# + jsonString(requires) }
            if file.yanked {
                out += #","yanked":"# + (file.yankedReason.map(jsonString) ?? "true")
            } else {
                out += #","yanked":false"#
            }
            let metadata: String
            if file.coreMetadata.available {
                metadata = "{" + file.coreMetadata.hashes.sorted { $0.key < $1.key }.map { jsonString($0.key) + ":" + jsonString($0.value) }.joined(separator: ",") + "}"
            } else {
                metadata = "false"
            }
            out += #","core-metadata":"# + metadata + #","dist-info-metadata":"# + metadata
            if let size = file.size { out += #","size":"# + String(size) }
            if let uploaded = file.uploadTime { out += #","upload-time":"# + jsonString(uploaded) }
            out += "}"
        }
        out += "]"
        let listed = versions ?? Self.versions(of: files, project: name)
        out += #","versions":["# + listed.map(jsonString).joined(separator: ",") + "]}"
        return out
    }

    /// A JSON string literal (RFC 8259 §7): quotes, backslashes and control characters escaped.
    public static func jsonString(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// A project list: the names a repository's root page (`/simple/`) offers.
public enum ProjectList {
    /// The project names on a root page, as written, in page order: PEP 691 `projects[].name`,
    /// or the text of each PEP 503 anchor.
    public static func parse(body: [UInt8], contentType: String?) throws(ProjectPageError) -> [String] {
        let format: ProjectPage.Format
        if let contentType {
            format = try IndexPageContentType(parsing: contentType).format
        } else {
            format = body.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == 0x7B ? .json : .html
        }
        switch format {
        case .json:
            let document: PEP691JSON
            do {
                document = try PEP691JSON.parse(body)
            } catch {
                throw .invalidJSON(error.description)
            }
            guard case .object(let top) = document, case .array(let projects)? = top["projects"] else {
                throw .invalidJSON("not a project list: no projects array")
            }
            return projects.compactMap { entry in
                guard case .object(let fields) = entry, case .string(let name)? = fields["name"] else { return nil }
                return name
            }
        case .html:
            var names: [String] = []
            var inAnchor = false
            var text = ""
            HTMLTokenizer.forEachToken(in: body) { token in
                switch token {
                case .startTag(let tag) where tag.name == "a":
                    inAnchor = true
                    text = ""
                case .endTag(let name) where name == "a":
                    if inAnchor {
                        let name = indexPageTrimmed(text[...])
                        if !name.isEmpty { names.append(String(name)) }
                    }
                    inAnchor = false
                case .text(let value) where inAnchor:
                    text += value
                default:
                    break
                }
            }
            return names
        }
    }
}

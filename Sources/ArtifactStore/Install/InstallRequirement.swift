import PythonPackaging

/// A PEP 508 requirement as `can-install` answers it: a name, extras (carried, not resolved),
/// a specifier set, and the marker as text (evaluated by the walks that need it, with
/// `PythonPackaging.Marker`).
public struct InstallRequirement: Sendable, Hashable, CustomStringConvertible {
    /// As written (trimmed).
    public var text: String
    /// The name as written and its PEP 503 normalization.
    public var name: String
    /// The PEP 503-normalized name.
    public var project: String
    /// Extras in brackets, normalized, in order.
    public var extras: [String]
    /// The version specifiers (empty: any version).
    public var specifier: SpecifierSet
    /// The marker after `;`, as written.
    public var marker: String?
    /// The SHA-256 values a file must have (`--hash` in a requirements file), nil for any.
    public var allowedSHA256: Set<String>?

    /// The requirement as written (``text``).
    public var description: String { text }

    /// Whether the requirement pins one version (`==X` without wildcard, or `===X`): the only
    /// case in which a yanked file may be chosen (PEP 592).
    public var isPinned: Bool { specifier.pinsOneVersion }

    /// Parses `name[extra,…] specifiers ; marker` (the specifiers may be in parentheses).
    ///
    /// - Throws: ``StoreError`` `invalidInput` with what is wrong, for an invalid name or
    ///   specifier, and for a direct reference (`name @ URL`), which names no index file.
    public init(parsing input: String) throws {
        let text = input.trimmingCharacters(in: .whitespaces)
        var rest = Substring(text)
        var marker: String?
        if let semicolon = rest.firstIndex(of: ";") {
            let value = rest[rest.index(after: semicolon)...].trimmingCharacters(in: .whitespaces)
            marker = value.isEmpty ? nil : value
            rest = rest[..<semicolon]
        }
        let nameEnd = rest.firstIndex { !($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-")) } ?? rest.endIndex
        let name = String(rest[..<nameEnd])
        guard ProjectName.isValid(name) else {
            throw StoreError(.invalidInput, "\"\(input)\" is not a requirement: it must start with a project name (letters, digits, '.', '_', '-'), e.g. 'torch==2.5.1' or 'numpy>=2'")
        }
        rest = rest[nameEnd...].drop { $0 == " " || $0 == "\t" }
        var extras: [String] = []
        if rest.first == "[" {
            guard let close = rest.firstIndex(of: "]") else {
                throw StoreError(.invalidInput, "\"\(input)\": the extras bracket is not closed; write e.g. 'name[extra1,extra2]>=1.0'")
            }
            for item in rest[rest.index(after: rest.startIndex)..<close].split(separator: ",") {
                let extra = item.trimmingCharacters(in: .whitespaces)
                guard ProjectName.isValid(extra) else {
                    throw StoreError(.invalidInput, "\"\(input)\": \"\(extra)\" is not a valid extra name")
                }
                extras.append(ProjectName.normalize(extra))
            }
            rest = rest[rest.index(after: close)...].drop { $0 == " " || $0 == "\t" }
        }
        if rest.first == "@" {
            throw StoreError(.invalidInput, "\"\(input)\" is a direct reference (name @ URL): it names no index; ask about the URL with `artifact-store explain URL`")
        }
        var specifierText = rest.trimmingCharacters(in: .whitespaces)
        if specifierText.hasPrefix("(") {
            guard specifierText.hasSuffix(")") else {
                throw StoreError(.invalidInput, "\"\(input)\": the parenthesis around the version specifiers is not closed")
            }
            specifierText = String(specifierText.dropFirst().dropLast())
        }
        do {
            specifier = try SpecifierSet(parsing: specifierText)
        } catch {
            throw StoreError(.invalidInput, "\"\(input)\": \(error.description); write specifiers like '==2.5.1', '>=2,<3' or '~=1.4'")
        }
        self.text = text
        self.name = name
        self.project = ProjectName.normalize(name)
        self.extras = extras
        self.marker = marker
    }
}

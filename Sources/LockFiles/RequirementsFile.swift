/// A pip requirements file (`pip-compile`, `uv pip compile --generate-hashes`): the
/// requirement lines with their `--hash` options, and the index options that apply to all
/// of them. Parsing only: `-r`/`-c` includes are read through a closure, so this stays pure.
///
/// The format is pip's ("Requirements File Format" in pip's documentation): a `\` at the end of
/// a line continues it; `#` starts a comment at the start of a line or after whitespace; options
/// that are not per-requirement stand on their own lines.
public struct RequirementsFile: Sendable, Hashable {
    /// One requirement line.
    public struct Entry: Sendable, Hashable {
        /// The PEP 508 requirement as written (`name==1.0 ; marker`), or `name @ URL`.
        public var requirement: String
        /// `--hash=sha256:…` values, lowercase hex: the file installed must have one of them.
        public var sha256: [String]
        /// `--hash` values of other algorithms, or malformed ones (`algorithm:value`).
        public var unusableHashes: [String]
        /// Where it was written.
        public var path: String
        public var line: Int
        /// `-e`/`--editable`: a local project, never an index file.
        public var isEditable: Bool
    }

    public var entries: [Entry] = []
    /// `--index-url`/`-i` (the last one wins, as in pip), `--extra-index-url`s in order.
    public var indexURL: String?
    public var extraIndexURLs: [String] = []
    public var noIndex = false
    /// Options that were read and have no effect on the answer, said once each.
    public var notes: [String] = []

    /// Every index the file names, in priority order.
    public var indexes: [String] { (indexURL.map { [$0] } ?? []) + extraIndexURLs }

    /// Reads `text` (the file at `path`), following `-r`/`-c` through `include`, which maps an
    /// included name (relative to the including file's path, as pip resolves it) to its text
    /// and path. Includes are followed at most 32 deep; a cycle is an error.
    ///
    /// - Throws: ``LockFileError`` with the file and line of the first unknown option, bad
    ///   `--hash`, or unreadable include.
    public static func parse(
        _ text: String, path: String, include: (_ name: String, _ from: String) throws -> (text: String, path: String)
    ) throws(LockFileError) -> RequirementsFile {
        var file = RequirementsFile()
        try file.read(text, path: path, include: include, stack: [path], constraintsOnly: false)
        return file
    }

    /// Options that take a value; `-x value`, `-xvalue`, `--opt value` and `--opt=value` are all accepted.
    private static let optionsWithValue: Set<String> = [
        "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-r", "--requirement", "-c", "--constraint",
        "--trusted-host", "--only-binary", "--no-binary", "--use-feature", "-e", "--editable", "--hash",
        "--config-settings", "--global-option", "-Z", "--always-unzip",
    ]
    private static let flags: Set<String> = ["--pre", "--prefer-binary", "--require-hashes", "--no-index"]

    private mutating func read(
        _ text: String, path: String, include: (String, String) throws -> (text: String, path: String), stack: [String], constraintsOnly: Bool
    ) throws(LockFileError) {
        for (line, logical) in Self.logicalLines(text) {
            var words = Self.words(logical)
            guard !words.isEmpty else { continue }
            func fail(_ message: String) -> LockFileError { LockFileError(path: path, line: line, message) }
            // Split `--opt=value` and `-xvalue` into option and value.
            var options: [(String, String?)] = []
            var requirementWords: [String] = []
            while !words.isEmpty {
                let word = words.removeFirst()
                guard word.hasPrefix("-") else {
                    guard options.isEmpty || options.allSatisfy({ $0.0 == "-e" || $0.0 == "--editable" }) else {
                        throw fail("\"\(word)\" follows an option; a requirement starts its own line")
                    }
                    requirementWords.append(word)
                    continue
                }
                var name = word, value: String?
                if let equals = word.firstIndex(of: "="), word.hasPrefix("--") {
                    name = String(word[..<equals])
                    value = String(word[word.index(after: equals)...])
                } else if !word.hasPrefix("--"), word.count > 2, Self.optionsWithValue.contains(String(word.prefix(2))) {
                    name = String(word.prefix(2))
                    value = String(word.dropFirst(2))
                }
                if Self.flags.contains(name) {
                    options.append((name, nil))
                } else if Self.optionsWithValue.contains(name) {
                    if value == nil {
                        guard !words.isEmpty else { throw fail("\(name) needs a value") }
                        value = words.removeFirst()
                    }
                    options.append((name, value))
                } else {
                    throw fail("unknown option \(name); requirements files take -r, -c, -i/--index-url, --extra-index-url, --no-index, -f/--find-links, --hash, -e, --pre, --prefer-binary, --only-binary, --no-binary, --require-hashes, --trusted-host")
                }
            }
            var entry = Entry(requirement: requirementWords.joined(separator: " "), sha256: [], unusableHashes: [], path: path, line: line, isEditable: false)
            for (name, value) in options {
                let value = value ?? ""
                switch name {
                case "-i", "--index-url": indexURL = value
                case "--extra-index-url": if !extraIndexURLs.contains(value) { extraIndexURLs.append(value) }
                case "--no-index": noIndex = true
                case "-r", "--requirement", "-c", "--constraint":
                    guard stack.count < 32 else { throw fail("includes nest more than 32 deep") }
                    let included: (text: String, path: String)
                    do {
                        included = try include(value, path)
                    } catch {
                        throw fail("cannot read the included file \(value): \(error)")
                    }
                    guard !stack.contains(included.path) else { throw fail("\(value) includes itself (through \(stack.joined(separator: " → ")))") }
                    let isConstraint = name == "-c" || name == "--constraint"
                    try read(included.text, path: included.path, include: include, stack: stack + [included.path], constraintsOnly: constraintsOnly || isConstraint)
                case "--hash":
                    guard let colon = value.firstIndex(of: ":") else { throw fail("--hash takes ALGORITHM:VALUE, e.g. --hash=sha256:…; got \"\(value.prefix(80))\"") }
                    let (sha256, unusable) = LockedFile.classify([String(value[..<colon]): String(value[value.index(after: colon)...])])
                    if let sha256 { entry.sha256.append(sha256) }
                    if let unusable { entry.unusableHashes.append(unusable) }
                case "-e", "--editable":
                    entry.isEditable = true
                    entry.requirement = value
                default:
                    let note = "\(name) is read but does not change the answer"
                    if !notes.contains(note) { notes.append(note) }
                }
            }
            if entry.requirement.isEmpty {
                guard entry.sha256.isEmpty && entry.unusableHashes.isEmpty else { throw fail("--hash belongs on a requirement's line") }
                continue
            }
            // Constraints narrow versions; they do not add packages to install.
            if constraintsOnly {
                let note = "constraints files (-c) are read; their lines do not add packages"
                if !notes.contains(note) { notes.append(note) }
                continue
            }
            entries.append(entry)
        }
    }

    /// Joins `\`-continued lines and drops comments; yields each logical line that is not blank
    /// with the number of its first physical line.
    static func logicalLines(_ text: String) -> [(Int, String)] {
        var result: [(Int, String)] = []
        var current = "", start = 0
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(raw)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if current.isEmpty { start = offset + 1 }
            // A comment: `#` at the start or after whitespace (a URL fragment is not one).
            var cut = line.endIndex
            var previous: Character = " "
            for index in line.indices {
                if line[index] == "#" && (previous == " " || previous == "\t") { cut = index; break }
                previous = line[index]
            }
            let hadComment = cut != line.endIndex
            line = line[..<cut]
            if !hadComment, line.hasSuffix("\\") {
                current += line.dropLast() + " "
                continue
            }
            current += line
            if !current.allSatisfy({ $0 == " " || $0 == "\t" }) { result.append((start, current)) }
            current = ""
        }
        if !current.allSatisfy({ $0 == " " || $0 == "\t" }) { result.append((start, current)) }
        return result
    }

    /// Splits on whitespace, keeping a requirement's marker (after `;`) and `name @ url` whole
    /// enough to be rejoined.
    static func words(_ line: String) -> [String] {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }
}

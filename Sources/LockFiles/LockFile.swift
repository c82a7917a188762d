import PythonPackaging

/// A lock file read into what the store needs of it: the packages it pins and, for each, the
/// exact files (URL, hashes, size) an installer may download. Parsing only: no I/O, no
/// evaluation against an environment beyond the markers (ARCHITECTURE.md §5).
public struct LockFile: Sendable, Hashable {
    /// The formats read.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// PEP 751 `pylock.toml` (`pylock.<name>.toml`), lock-version 1.x.
        case pylock = "pylock.toml"
        /// uv's `uv.lock`, version 1.
        case uvLock = "uv.lock"
    }

    public var format: Format
    /// The path as the user gave it (for messages).
    public var path: String
    /// Every package the file pins, in file order.
    public var packages: [LockedPackage]
    /// uv.lock: the workspace members the walk starts from and the edges between packages;
    /// nil for pylock.toml, whose packages carry their own markers.
    public var graph: DependencyGraph?
    /// `requires-python` of the whole lock, when given.
    public var requiresPython: String?
    /// pylock.toml `default-groups`: the dependency groups installed unless told otherwise.
    public var defaultGroups: [String]

    public init(format: Format, path: String, packages: [LockedPackage], graph: DependencyGraph? = nil, requiresPython: String? = nil, defaultGroups: [String] = []) {
        self.format = format
        self.path = path
        self.packages = packages
        self.graph = graph
        self.requiresPython = requiresPython
        self.defaultGroups = defaultGroups
    }

    /// Reads `text` as the format its name or content says: `pylock.toml`/`pylock.*.toml` or a
    /// `lock-version` key is PEP 751; `uv.lock` or a top-level `version` with `[[package]]` is uv's.
    ///
    /// - Throws: ``LockFileError`` with the file, and the line when the TOML itself is malformed.
    public static func parse(_ text: String, path: String) throws(LockFileError) -> LockFile {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let document = try TOMLDocument(text, path: path)
        let format: Format
        if name == "uv.lock" {
            format = .uvLock
        } else if name == "pylock.toml" || (name.hasPrefix("pylock.") && name.hasSuffix(".toml")) {
            format = .pylock
        } else if document.root["lock-version"] != nil {
            format = .pylock
        } else if document.root["version"] != nil, document.root["package"] != nil {
            format = .uvLock
        } else {
            throw LockFileError(path: path, "is neither a PEP 751 pylock.toml (no lock-version) nor a uv.lock (no version and [[package]]); name it pylock.toml or uv.lock, or pass a requirements file with -r")
        }
        switch format {
        case .pylock: return try PylockParser.parse(document, path: path)
        case .uvLock: return try UVLockParser.parse(document, path: path)
        }
    }
}

/// One package a lock pins.
public struct LockedPackage: Sendable, Hashable {
    /// The name as written, and its PEP 503 normalization.
    public var name: String
    public var project: String
    public var version: String?
    /// pylock.toml: the package's own marker (PEP 751 `packages.marker`).
    public var marker: String?
    public var requiresPython: String?
    /// The index the package was locked from, when the lock says.
    public var index: String?
    public var wheels: [LockedFile]
    public var sdist: LockedFile?
    /// Set when the package does not come from an index file (`vcs`, `directory`, `editable`,
    /// `virtual`, `path`…): the store has nothing to say about it.
    public var otherSource: String?
    /// 1-based position in the file's package list (for messages).
    public var position: Int

    public init(name: String, version: String?, marker: String? = nil, requiresPython: String? = nil, index: String? = nil,
                wheels: [LockedFile] = [], sdist: LockedFile? = nil, otherSource: String? = nil, position: Int) {
        self.name = name
        self.project = ProjectName.normalize(name)
        self.version = version
        self.marker = marker
        self.requiresPython = requiresPython
        self.index = index
        self.wheels = wheels
        self.sdist = sdist
        self.otherSource = otherSource
        self.position = position
    }

    /// `name version` for people.
    public var label: String { version.map { "\(name) \($0)" } ?? name }
}

/// One file a lock names.
public struct LockedFile: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case wheel, sdist }
    public var kind: Kind
    /// The file name: given, or the last segment of the URL or path.
    public var filename: String
    /// Absolute URL (nil for a local `path`).
    public var url: String?
    /// A local path the lock gives instead of a URL.
    public var path: String?
    /// Lowercase hex SHA-256 when the lock gives a well-formed one.
    public var sha256: String?
    /// A hash the lock gives that the store cannot check (another algorithm, or a malformed
    /// sha256), as `algorithm:value`: present and binding, so the file is unverifiable.
    public var unusableHash: String?
    public var size: Int64?

    public init(kind: Kind, filename: String, url: String?, path: String? = nil, hashes: [String: String], size: Int64? = nil) {
        self.kind = kind
        self.filename = filename
        self.url = url
        self.path = path
        self.size = size
        (sha256, unusableHash) = Self.classify(hashes)
    }

    /// Picks the SHA-256 out of `algorithm → value`, case-insensitively; anything else present
    /// is kept as the unusable hash (rule: a hash that is present is binding).
    public static func classify(_ hashes: [String: String]) -> (String?, String?) {
        var unusable: String?
        for (algorithm, value) in hashes.sorted(by: { $0.key < $1.key }) {
            let lowered = value.lowercased()
            if algorithm.lowercased() == "sha256" {
                if lowered.utf8.count == 64, lowered.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) {
                    return (lowered, nil)
                }
                unusable = "sha256:\(value)"
            } else if unusable == nil {
                unusable = "\(algorithm):\(value)"
            }
        }
        return (nil, unusable)
    }

    /// The last path segment of a URL or path, percent-decoded, without query or fragment.
    public static func lastSegment(_ location: String) -> String {
        var text = Substring(location)
        if let cut = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = text[..<cut] }
        let segment = text.split(separator: "/").last.map(String.init) ?? String(text)
        return segment.removingPercentEncoding ?? segment
    }

    /// Wheel or sdist by the file name.
    static func kind(of filename: String) -> Kind? {
        if filename.hasSuffix(".whl") { return .wheel }
        if DistributionFilename.sdistSuffixes.contains(where: { filename.hasSuffix($0) }) { return .sdist }
        return nil
    }
}

/// uv.lock's dependency edges: which packages a workspace member needs, under which markers.
public struct DependencyGraph: Sendable, Hashable {
    /// One edge: from a package to a dependency (by index in ``LockFile/packages``).
    public struct Edge: Sendable, Hashable {
        public var target: Int
        public var marker: String?
        /// The extras of the target this edge activates.
        public var extras: [String]
    }

    /// The packages the walk starts from (workspace members: virtual, editable, directory).
    public var roots: [Int]
    /// Edges by package index: `dependencies`, and `dev-dependencies` of the roots.
    public var dependencies: [Int: [Edge]]
    /// `optional-dependencies` by package index and extra name.
    public var optional: [Int: [String: [Edge]]]
}

/// A lock file that cannot be read, with where and why.
public struct LockFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var message: String

    public init(path: String, line: Int? = nil, _ message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

extension String {
    var removingPercentEncoding: String? {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(),
                      let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return nil }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// PEP 751 `pylock.toml`, lock-version 1.x: `[[packages]]` with `wheels`, `sdist`, and the
/// non-index sources (`vcs`, `directory`, `archive`), each package with its own `marker`.
enum PylockParser {
    static func parse(_ document: TOMLDocument, path: String) throws(LockFileError) -> LockFile {
        let top = FieldReader(table: document.root, context: "the file", path: path)
        // PEP 751 "lock-version": a tool must refuse a major version it does not know, and may
        // read a newer minor version (with a warning, which the caller gives).
        guard let version = try top.string("lock-version") else {
            throw LockFileError(path: path, "has no lock-version; a PEP 751 lock starts with lock-version = \"1.0\"")
        }
        guard version == "1" || version.hasPrefix("1.") else {
            throw LockFileError(path: path, "has lock-version \"\(version)\", which this version of artifact-store cannot read (it reads 1.x); upgrade artifact-store or re-lock with lock-version 1.0")
        }
        var packages: [LockedPackage] = []
        for (offset, table) in try top.tables("packages").enumerated() {
            let position = offset + 1
            var reader = FieldReader(table: table, context: "package #\(position)", path: path)
            let name = try reader.requiredString("name")
            reader.context = "package #\(position) (\(name))"
            var package = LockedPackage(
                name: name, version: try reader.string("version"), marker: try reader.string("marker"),
                requiresPython: try reader.string("requires-python"), index: try reader.string("index"), position: position)
            for (number, wheel) in try reader.tables("wheels").enumerated() {
                package.wheels.append(try file(wheel, kind: .wheel, context: "\(reader.context) wheel #\(number + 1)", path: path))
            }
            if let sdist = try reader.table("sdist") {
                package.sdist = try file(sdist, kind: .sdist, context: "\(reader.context) sdist", path: path)
            }
            for other in ["vcs", "directory", "archive"] where table[other] != nil {
                package.otherSource = other
            }
            if package.wheels.isEmpty, package.sdist == nil, package.otherSource == nil {
                throw LockFileError(path: path, "\(reader.context) names no file: PEP 751 requires wheels, sdist, vcs, directory or archive")
            }
            packages.append(package)
        }
        return LockFile(format: .pylock, path: path, packages: packages, requiresPython: try top.string("requires-python"),
                        defaultGroups: document.root["default-groups"]?.array?.compactMap(\.string) ?? [])
    }

    static func file(_ table: [String: TOMLDocument.Node], kind: LockedFile.Kind, context: String, path: String) throws(LockFileError) -> LockedFile {
        let reader = FieldReader(table: table, context: context, path: path)
        let url = try reader.string("url"), localPath = try reader.string("path")
        guard let location = url ?? localPath else { throw LockFileError(path: path, "\(context) has neither url nor path") }
        let filename = try reader.string("name") ?? LockedFile.lastSegment(location)
        guard !filename.isEmpty, !filename.contains("/") else { throw LockFileError(path: path, "\(context): \"\(filename)\" is not a file name") }
        var hashes: [String: String] = [:]
        for (algorithm, value) in try reader.table("hashes") ?? [:] {
            guard let text = value.string else { throw LockFileError(path: path, "\(context): hashes.\(algorithm) must be a string") }
            hashes[algorithm] = text
        }
        guard !hashes.isEmpty else {
            throw LockFileError(path: path, "\(context) has no hashes; PEP 751 requires at least one (e.g. hashes = { sha256 = \"…\" })")
        }
        return LockedFile(kind: kind, filename: filename, url: url, path: url == nil ? localPath : nil, hashes: hashes, size: try reader.size("size"))
    }
}

import PythonPackaging

/// uv's `uv.lock` (version 1): `[[package]]` with `source`, `wheels`, `sdist`, and dependency
/// edges (`dependencies`, `optional-dependencies`, `dev-dependencies`) whose markers decide
/// which packages an environment needs. The walk from the workspace members is
/// ``LockFile/packages(for:)``.
enum UVLockParser {
    static func parse(_ document: TOMLDocument, path: String) throws(LockFileError) -> LockFile {
        let top = FieldReader(table: document.root, context: "the file", path: path)
        guard let version = document.root["version"]?.int else {
            throw LockFileError(path: path, "has no integer version; a uv.lock starts with version = 1")
        }
        guard version == 1 else {
            throw LockFileError(path: path, "is a uv.lock of version \(version), which this version of artifact-store cannot read (it reads version 1); upgrade artifact-store")
        }
        var packages: [LockedPackage] = []
        var tables: [[String: TOMLDocument.Node]] = []
        for (offset, table) in try top.tables("package").enumerated() {
            let position = offset + 1
            var reader = FieldReader(table: table, context: "package #\(position)", path: path)
            let name = try reader.requiredString("name")
            reader.context = "package #\(position) (\(name))"
            let source = try reader.table("source") ?? [:]
            var package = LockedPackage(name: name, version: try reader.string("version"), position: position)
            if let registry = source["registry"]?.string {
                package.index = registry
            } else if let kind = ["virtual", "editable", "directory", "path", "git", "url"].first(where: { source[$0] != nil }) {
                package.otherSource = kind
            }
            for (number, wheel) in try reader.tables("wheels").enumerated() {
                package.wheels.append(try file(wheel, kind: .wheel, context: "\(reader.context) wheel #\(number + 1)", path: path))
            }
            if let sdist = try reader.table("sdist") {
                package.sdist = try file(sdist, kind: .sdist, context: "\(reader.context) sdist", path: path)
            }
            packages.append(package)
            tables.append(table)
        }
        // Edges name a package by name, and by version/source when several share the name.
        func target(of edge: [String: TOMLDocument.Node], context: String) throws(LockFileError) -> Int {
            guard let name = edge["name"]?.string else { throw LockFileError(path: path, "\(context): a dependency has no name") }
            let project = ProjectName.normalize(name)
            var candidates = packages.indices.filter { packages[$0].project == project }
            if candidates.count > 1, let version = edge["version"]?.string {
                candidates = candidates.filter { packages[$0].version == version }
            }
            if candidates.count > 1, let registry = edge["source"]?.table?["registry"]?.string {
                candidates = candidates.filter { packages[$0].index == registry }
            }
            guard let first = candidates.first else {
                throw LockFileError(path: path, "\(context) depends on \(name), which the lock does not contain; re-run uv lock")
            }
            return first
        }
        func edges(_ items: [[String: TOMLDocument.Node]], context: String) throws(LockFileError) -> [DependencyGraph.Edge] {
            var result: [DependencyGraph.Edge] = []
            for item in items {
                let extras = item["extra"]?.array?.compactMap(\.string).map(ProjectName.normalize) ?? []
                result.append(DependencyGraph.Edge(target: try target(of: item, context: context), marker: item["marker"]?.string, extras: extras))
            }
            return result
        }
        var graph = DependencyGraph(roots: [], dependencies: [:], optional: [:])
        for (index, table) in tables.enumerated() {
            let reader = FieldReader(table: table, context: "package #\(index + 1) (\(packages[index].name))", path: path)
            var needed = try edges(reader.tables("dependencies"), context: reader.context)
            let isRoot = ["virtual", "editable", "directory"].contains(packages[index].otherSource ?? "")
            if isRoot {
                graph.roots.append(index)
                // uv sync installs the `dev` group by default.
                if let groups = try reader.table("dev-dependencies"), let dev = groups["dev"]?.array {
                    needed += try edges(dev.compactMap(\.table), context: reader.context)
                }
            }
            graph.dependencies[index] = needed
            for (extra, items) in try reader.table("optional-dependencies") ?? [:] {
                graph.optional[index, default: [:]][ProjectName.normalize(extra)] = try edges(items.array?.compactMap(\.table) ?? [], context: reader.context)
            }
        }
        if graph.roots.isEmpty {
            // A lock without workspace members (e.g. a script lock): every package is a root.
            graph.roots = Array(packages.indices)
        }
        return LockFile(format: .uvLock, path: path, packages: packages, graph: graph, requiresPython: try top.string("requires-python"))
    }

    /// `{ url, hash = "sha256:…", size }`.
    static func file(_ table: [String: TOMLDocument.Node], kind: LockedFile.Kind, context: String, path: String) throws(LockFileError) -> LockedFile {
        let reader = FieldReader(table: table, context: context, path: path)
        let url = try reader.string("url"), localPath = try reader.string("path")
        guard let location = url ?? localPath else { throw LockFileError(path: path, "\(context) has neither url nor path") }
        let filename = try reader.string("filename") ?? LockedFile.lastSegment(location)
        var hashes: [String: String] = [:]
        if let hash = try reader.string("hash") {
            guard let colon = hash.firstIndex(of: ":") else {
                throw LockFileError(path: path, "\(context): hash \"\(hash.prefix(80))\" is not ALGORITHM:VALUE")
            }
            hashes[String(hash[..<colon])] = String(hash[hash.index(after: colon)...])
        }
        return LockedFile(kind: kind, filename: filename, url: url, path: url == nil ? localPath : nil, hashes: hashes, size: try reader.size("size"))
    }
}

import PythonPackaging

/// Which of a lock's packages an environment installs, and why the others are left out.
public struct LockSelection: Sendable, Hashable {
    /// The packages to install, in file order.
    public var needed: [LockedPackage]
    /// Packages left out, with the reason (a marker that excludes the environment; for uv.lock,
    /// no dependency path that applies to it).
    public var skipped: [(package: LockedPackage, reason: String)]

    public static func == (lhs: LockSelection, rhs: LockSelection) -> Bool {
        lhs.needed == rhs.needed && lhs.skipped.map(\.package) == rhs.skipped.map(\.package) && lhs.skipped.map(\.reason) == rhs.skipped.map(\.reason)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(needed)
        hasher.combine(skipped.map(\.package))
    }
}

extension LockFile {
    /// The packages `environment` installs: for pylock.toml each package whose `marker` holds
    /// (PEP 751: evaluated with the lock's `default-groups` as `dependency_groups` and no extras);
    /// for uv.lock the packages reachable from the workspace members through edges whose
    /// markers hold (the `dev` group included, as `uv sync` does by default).
    ///
    /// - Throws: ``LockFileError`` for a marker that does not parse.
    public func packages(for environment: MarkerEnvironment) throws(LockFileError) -> LockSelection {
        func holds(_ marker: String?, context: String, extras: Set<String> = []) throws(LockFileError) -> Bool {
            guard let marker, !marker.allSatisfy({ $0 == " " || $0 == "\t" }) else { return true }
            do {
                return try Marker(parsing: marker).evaluate(environment, extras: extras, dependencyGroups: Set(defaultGroups))
            } catch {
                throw LockFileError(path: path, "\(context): the marker \"\(marker)\" is not valid (\(error))")
            }
        }
        guard let graph else {
            var selection = LockSelection(needed: [], skipped: [])
            for package in packages {
                if try holds(package.marker, context: "package #\(package.position) (\(package.name))") {
                    selection.needed.append(package)
                } else {
                    selection.skipped.append((package, "its marker \(package.marker ?? "") excludes this environment"))
                }
            }
            return selection
        }
        // Walk the edges from the roots; a package is reached with the extras its edges activate.
        var reached = Set<Int>(), activeExtras: [Int: Set<String>] = [:]
        var queue: [(Int, Set<String>)] = graph.roots.map { ($0, []) }
        while let (index, extras) = queue.popLast() {
            let newExtras = extras.subtracting(activeExtras[index] ?? [])
            if reached.contains(index) && newExtras.isEmpty { continue }
            reached.insert(index)
            activeExtras[index, default: []].formUnion(extras)
            var edges = graph.dependencies[index] ?? []
            for extra in extras { edges += graph.optional[index]?[extra] ?? [] }
            let context = "package #\(index + 1) (\(packages[index].name))"
            for edge in edges where try holds(edge.marker, context: context, extras: extras) {
                queue.append((edge.target, Set(edge.extras)))
            }
        }
        var selection = LockSelection(needed: [], skipped: [])
        for (index, package) in packages.enumerated() {
            if graph.roots.contains(index), package.otherSource != nil { continue }  // the project itself
            if reached.contains(index) {
                selection.needed.append(package)
            } else {
                selection.skipped.append((package, "no dependency path to it applies to this environment (markers)"))
            }
        }
        return selection
    }
}

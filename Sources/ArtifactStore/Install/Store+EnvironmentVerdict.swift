import Foundation
import LockFiles
import PythonPackaging

extension Store {
    /// Answers for every package `lock` installs in `environment`: each package's file (the
    /// best wheel for the environment's tags, else its sdist, flagged as needing a build) is
    /// satisfiable when a verified blob has the lock's SHA-256, whatever URL it came from;
    /// otherwise its URL's verdict says why not. Packages whose markers exclude the environment
    /// are listed as skipped.
    ///
    /// - Throws: `LockFileError` for a marker that does not parse; store errors.
    public func canInstall(lock: LockFile, environment: TargetEnvironment, policy: CachePolicy, verifyFiles: Bool = true, at time: Date? = nil) throws -> EnvironmentVerdict {
        let selection: LockSelection
        do {
            selection = try lock.packages(for: environment.markerEnvironment)
        } catch {
            throw StoreError(.invalidInput, error.description)
        }
        var verdict = EnvironmentVerdict(environment: environment.summary, source: lock.path, packages: [], skipped: [], notes: [])
        verdict.skipped = selection.skipped.map { SkippedPackage(name: $0.package.name, version: $0.package.version, reason: $0.reason) }
        if let requires = lock.requiresPython, !SpecifierSet.checkRequiresPython(requires, pythonVersion: environment.pythonVersion).isAcceptable {
            verdict.notes.append("the lock requires Python \(requires), not \(environment.pythonVersion.map(String.init).joined(separator: "."))")
        }
        for package in selection.needed {
            verdict.packages.append(try answer(package, origin: "\(lock.path) package #\(package.position)", environment: environment, policy: policy, verifyFiles: verifyFiles, at: time))
        }
        return verdict
    }

    /// The file of `package` that fits `environment`: the wheel with the best supported tag, else
    /// the sdist. Nil when neither fits.
    public static func chooseFile(_ package: LockedPackage, environment: TargetEnvironment) -> (file: LockedFile, tag: Tag?)? {
        var best: (LockedFile, Tag, Int)?
        for wheel in package.wheels {
            guard let parsed = WheelFilename(wheel.filename), let match = environment.supportedTags.bestMatch(for: parsed.tags) else { continue }
            if best == nil || match.rank < best!.2 { best = (wheel, match.tag, match.rank) }
        }
        if let best { return (best.0, best.1) }
        return package.sdist.map { ($0, nil) }
    }

    func answer(_ package: LockedPackage, origin: String, environment: TargetEnvironment, policy: CachePolicy, verifyFiles: Bool, at time: Date?) throws -> PackageAnswer {
        var answer = PackageAnswer(name: package.name, project: package.project, version: package.version, status: .missing, reasons: [], notes: [], origin: origin)
        answer.index = package.index
        if let source = package.otherSource {
            answer.status = ["directory", "editable", "path", "virtual"].contains(source) ? .local : .notFromIndex
            answer.notes.append(answer.status == .local ? "installed from a local \(source): nothing to fetch"
                                : "comes from a \(source) source, not an index file: the store does not keep it")
            if answer.status == .notFromIndex { answer.reasons = [.notAnIndexFile(package: package.label, source: source)] }
            return answer
        }
        if let requires = package.requiresPython, !SpecifierSet.checkRequiresPython(requires, pythonVersion: environment.pythonVersion).isAcceptable {
            answer.notes.append("\(package.label) requires Python \(requires), not \(environment.pythonVersionText)")
        }
        guard let (file, tag) = Self.chooseFile(package, environment: environment) else {
            answer.status = .noCompatibleFile
            let tags = package.wheels.compactMap { WheelFilename($0.filename) }.flatMap { Array($0.tags) }
            let nearest = environment.supportedTags.nearest(to: tags)
            answer.reasons = [.noCompatibleWheel(versions: [package.version ?? "?"], nearestTag: nearest?.tag.description, difference: nearest?.difference, environment: environment.summary)]
            return answer
        }
        answer.filename = file.filename
        answer.url = file.url ?? file.path
        answer.sha256 = file.sha256
        answer.size = file.size
        let (stored, reasons, notes) = try checkLockedFile(file, version: package.version ?? "", tag: tag, index: package.index ?? "", policy: policy, verify: verifyFiles, at: time)
        answer.stored = stored
        answer.reasons = reasons
        answer.notes += notes
        if file.kind == .sdist {
            answer.status = .needsBuild
            answer.reasons.insert(.needsBuild(filenames: [file.filename]), at: 0)
            if stored != nil { answer.notes.append("the sdist is stored; a build needs its build backend offline too") }
        } else if stored != nil && reasons.isEmpty {
            answer.status = .stored
        } else if reasons.first?.code == "hash-unverifiable" {
            answer.status = .unverifiable
        }
        return answer
    }

    /// A locked file is stored when a blob has its SHA-256 (the URL does not matter); a lock
    /// without a usable hash falls back to the rules of ``checkFile``.
    func checkLockedFile(_ file: LockedFile, version: String, tag: Tag?, index: String, policy: CachePolicy, verify: Bool, at time: Date?) throws -> (StoredFile?, [InstallReason], [String]) {
        guard let url = file.url, (try? NormalizedURL(url).text) != nil else {
            // A local path: only the content can stand for it.
            let location = file.path ?? file.filename
            guard let sha256 = file.sha256 else {
                return (nil, [file.unusableHash.map { .hashUnverifiable(url: location, hash: $0) } ?? .fileNotStored(url: location, sha256: nil, urlReasons: [])], [])
            }
            let digest = BlobDigest(trusted: sha256)
            guard let info = try blob(digest), info.quarantinedAt == nil else {
                return (nil, [.fileNotStored(url: location, sha256: sha256, urlReasons: [])], [])
            }
            if verify { try verifyBlob(digest) }
            return (StoredFile(digest: digest, size: info.size, verified: verify, source: .sameContentFromPut), [], [])
        }
        let candidate = InstallCandidate(
            filename: file.filename, url: url, version: Version(version), kind: file.kind == .wheel ? .wheel : .sdist, sha256: file.sha256.map(BlobDigest.init(trusted:)),
            unusableHash: file.unusableHash, tag: tag, index: index, pageURL: index, yanked: false, stored: nil)
        return try checkFile(candidate, policy: policy, verify: verify, at: time)
    }
}

extension Store {
    /// Answers for every line of a requirements file: each requirement is answered as
    /// ``canInstall(requirement:indexes:environment:policy:strategy:verifyFiles:at:)`` does, with
    /// its `--hash` values binding (only a file with one of them may be chosen); lines whose
    /// marker excludes the environment are skipped; `name @ URL` lines are answered by their URL
    /// and hashes.
    ///
    /// - Parameter file: the parsed requirements file.
    /// - Parameter source: how the file is named in the answer (its path).
    /// - Parameter environment: the interpreter and platform to install for.
    /// - Parameter policy: which stored responses may answer (``CachePolicy``).
    /// - Parameter indexes: the indexes to use; when empty, the file's `--index-url` and
    ///   `--extra-index-url` lines.
    /// - Parameter strategy: how several indexes combine (uv's `--index-strategy`).
    /// - Parameter verifyFiles: re-hash each chosen blob (reads the whole file).
    /// - Parameter time: "now" for freshness (default: the store's clock).
    public func canInstall(
        requirements file: RequirementsFile, source: String, indexes: [String], environment: TargetEnvironment, policy: CachePolicy,
        strategy: IndexStrategy = .firstIndex, verifyFiles: Bool = true, at time: Date? = nil
    ) throws -> EnvironmentVerdict {
        var verdict = EnvironmentVerdict(environment: environment.summary, source: source, packages: [], skipped: [], notes: file.notes)
        let indexes = indexes.isEmpty ? file.indexes : indexes
        for entry in file.entries {
            let origin = "\(entry.path):\(entry.line)"
            if entry.isEditable {
                verdict.packages.append(PackageAnswer(name: entry.requirement, project: entry.requirement, status: .local, reasons: [],
                                                      notes: ["an editable project is installed from disk: nothing to fetch"], origin: origin))
                continue
            }
            if let at = entry.requirement.range(of: " @ ") ?? entry.requirement.range(of: "@"), !entry.requirement[..<at.lowerBound].contains("=") {
                // A direct reference: the URL and its hashes are the lock.
                var rest = entry.requirement[at.upperBound...].trimmingCharacters(in: .whitespaces)
                var marker: String?
                if let semicolon = rest.range(of: ";") {
                    marker = rest[semicolon.upperBound...].trimmingCharacters(in: .whitespaces)
                    rest = rest[..<semicolon.lowerBound].trimmingCharacters(in: .whitespaces)
                }
                let name = entry.requirement[..<at.lowerBound].trimmingCharacters(in: .whitespaces)
                if let marker, !(try evaluate(marker, environment: environment, origin: origin)) {
                    verdict.skipped.append(SkippedPackage(name: name, version: nil, reason: "its marker \(marker) excludes this environment"))
                    continue
                }
                let filename = LockedFile.lastSegment(rest)
                var hashes: [String: String] = [:]
                if let sha256 = entry.sha256.first { hashes["sha256"] = sha256 } else if let other = entry.unusableHashes.first, let colon = other.firstIndex(of: ":") {
                    hashes[String(other[..<colon])] = String(other[other.index(after: colon)...])
                }
                let file = LockedFile(kind: filename.hasSuffix(".whl") ? .wheel : .sdist, filename: filename, url: rest, hashes: hashes)
                let package = LockedPackage(name: name, version: WheelFilename(filename)?.version.description, wheels: file.kind == .wheel ? [file] : [],
                                            sdist: file.kind == .sdist ? file : nil, position: entry.line)
                verdict.packages.append(try answer(package, origin: origin, environment: environment, policy: policy, verifyFiles: verifyFiles, at: time))
                continue
            }
            var requirement: InstallRequirement
            do {
                requirement = try InstallRequirement(parsing: entry.requirement)
            } catch let error as StoreError {
                throw StoreError(.invalidInput, "\(origin): \(error.message)")
            }
            if let marker = requirement.marker, !(try evaluate(marker, environment: environment, origin: origin)) {
                verdict.skipped.append(SkippedPackage(name: requirement.name, version: nil, reason: "its marker \(marker) excludes this environment"))
                continue
            }
            if !entry.sha256.isEmpty { requirement.allowedSHA256 = Set(entry.sha256) }
            guard !indexes.isEmpty else {
                throw StoreError(.invalidInput, "\(source) names no index (--index-url) and none was given: add --index URL")
            }
            let answered = try canInstall(requirement: requirement, indexes: indexes, environment: environment, policy: policy, strategy: strategy, verifyFiles: verifyFiles, at: time)
            verdict.packages.append(PackageAnswer(answered, origin: origin))
        }
        return verdict
    }

    func evaluate(_ marker: String, environment: TargetEnvironment, origin: String, extras: Set<String> = []) throws -> Bool {
        do {
            return try Marker(parsing: marker).evaluate(environment.markerEnvironment, extras: extras)
        } catch {
            throw StoreError(.invalidInput, "\(origin): the marker \"\(marker)\" is not valid (\(error))")
        }
    }
}

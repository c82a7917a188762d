import Foundation
import GRDB
import HTTPCaching
import PythonPackaging

extension Store {
    /// Can `requirement` be installed from the store alone, for `environment`, under `policy`?
    ///
    /// Walks what an installer does, per index in order: (1) the project page
    /// `<index>/<normalized-name>/` must be usable under the policy (else every reason of its URL
    /// verdict); (2) candidates: versions matching the specifier (PEP 440, pre-releases only when
    /// nothing final matches or the specifier asks for them), not yanked unless pinned with
    /// `==`/`===`, `Requires-Python` satisfied, a wheel whose tags the environment supports (best
    /// tag first; sdists are listed as needing a build); (3) the chosen file must be stored: any
    /// blob whose SHA-256 equals the page's hash satisfies it, whatever URL it came from, and it
    /// is re-hashed when `verifyFiles`; (4) when that fails, the wheels of the project stored
    /// through other pages, URLs or `put` are listed with which of them would satisfy the
    /// requirement (the way out: `export --find-links`).
    ///
    /// - Parameters:
    ///   - requirement: the requirement to answer.
    ///   - environment: the interpreter and platform to install for.
    ///   - policy: which stored responses may answer (``CachePolicy``).
    ///   - indexes: simple-repository base URLs (`https://pypi.org/simple`), in priority order;
    ///     with none, only the stored wheels are looked at (step 4).
    ///   - strategy: how several indexes combine (uv's `--index-strategy`).
    ///   - verifyFiles: re-hash the chosen blob (reads the whole file).
    ///   - time: "now" for freshness (default: the store's clock).
    public func canInstall(
        requirement: InstallRequirement, indexes: [String], environment: TargetEnvironment, policy: CachePolicy,
        strategy: IndexStrategy = .firstIndex, verifyFiles: Bool = true, at time: Date? = nil
    ) throws -> InstallVerdict {
        // The store answers from what it recorded, which never holds credentials: neither does
        // anything it reports.
        let indexes = indexes.map { RecordedURL.redacted($0, replacement: "") }
        var verdict = InstallVerdict(
            requirement: requirement, environment: environment.summary, policy: policy, strategy: strategy,
            isSatisfiable: false, chosen: nil, indexes: [], reasons: [], notes: [], storedWheels: [], wayOut: nil, wayOutCommand: nil)
        if let marker = requirement.marker {
            switch Result(catching: { try Marker(parsing: marker) }) {
            case .success(let parsed) where !parsed.evaluate(environment.markerEnvironment, extras: Set(requirement.extras)):
                verdict.notes.append("the marker \"\(marker)\" does not hold for \(environment.summary): an installer would skip this requirement; it is answered as if it applied")
            case .success:
                break
            case .failure(let error):
                verdict.notes.append("the marker \"\(marker)\" is not valid (\(error)); the requirement is answered as if it applies")
            }
        }
        if !requirement.extras.isEmpty {
            verdict.notes.append("extras [\(requirement.extras.joined(separator: ","))] are carried, not resolved: their dependencies are separate requirements")
        }
        for index in indexes {
            verdict.indexes.append(try evaluateIndex(index, requirement: requirement, environment: environment, policy: policy, at: time))
        }

        // Which index decides.
        var deciding: IndexOutcome?
        switch strategy {
        case .firstIndex:
            deciding = verdict.indexes.first { $0.pageUsable && $0.fileCount > 0 }
            if let deciding, deciding.best == nil,
               let elsewhere = verdict.indexes.first(where: { $0.index != deciding.index && $0.best != nil })?.best {
                verdict.notes.append("\(elsewhere.index) offers \(elsewhere.filename), but with --index-strategy first-index only \(deciding.index) is used for this project; --index-strategy unsafe-best-match would consider it")
            }
        case .unsafeBestMatch:
            // Higher version wins; ties keep the earlier index.
            for outcome in verdict.indexes {
                guard let best = outcome.best, let version = best.version else { continue }
                if let current = deciding?.best, let currentVersion = current.version, currentVersion >= version { continue }
                deciding = outcome
            }
            if deciding == nil { deciding = verdict.indexes.first { $0.pageUsable && $0.fileCount > 0 } }
        }
        for outcome in verdict.indexes where !outcome.pageUsable && outcome.index != deciding?.index {
            if deciding != nil {
                verdict.notes.append("the page \(outcome.pageURL) could not be used (\(outcome.reasons.first?.code ?? "unusable")); an installer that fails on an unreachable index stops there")
            }
        }

        if let deciding, var chosen = deciding.best {
            let (stored, fileReasons, fileNotes) = try checkFile(chosen, policy: policy, verify: verifyFiles, at: time)
            chosen.stored = stored
            verdict.chosen = chosen
            verdict.notes += fileNotes
            if let pageFreshness = deciding.pageFreshness, pageFreshness.isStale {
                verdict.notes.append("the page \(deciding.pageURL) is \(pageFreshness)")
            }
            verdict.reasons = fileReasons
            verdict.isSatisfiable = stored != nil && fileReasons.isEmpty
        } else if let deciding {
            verdict.reasons = deciding.reasons
        } else {
            // No index could be used: every index's reasons, in order.
            verdict.reasons = verdict.indexes.flatMap(\.reasons)
        }

        if !verdict.isSatisfiable {
            verdict.storedWheels = try storedWheels(for: requirement, environment: environment)
            // The way out obeys the way in: a blob just found unreadable (not a regular file,
            // corrupt) is no way out either.
            for case .fileUnreadable(_, let digest, _) in verdict.reasons {
                for index in verdict.storedWheels.indices where verdict.storedWheels[index].digest == digest {
                    verdict.storedWheels[index].satisfies = false
                    verdict.storedWheels[index].whyNot = [verdict.storedWheels[index].whyNot, "its stored file cannot be read (file-unreadable)"]
                        .compactMap { $0 }.joined(separator: "; ")
                }
            }
            if let best = verdict.storedWheels.first(where: \.satisfies) {
                verdict.wayOut = best
                let options = environment.commandLineOptions.isEmpty ? "" : " " + environment.commandLineOptions
                verdict.wayOutCommand = "artifact-store export --find-links DIR '\(requirement.text)'\(options) && pip install --no-index --find-links DIR '\(requirement.text)'"
            }
        }
        return verdict
    }

    // MARK: - One index

    private func evaluateIndex(_ index: String, requirement: InstallRequirement, environment: TargetEnvironment, policy: CachePolicy, at time: Date?) throws -> IndexOutcome {
        let base = index.hasSuffix("/") ? String(index.dropLast()) : index
        let pageURL = try NormalizedURL(base + "/" + requirement.project + "/").text
        var outcome = IndexOutcome(index: base, pageURL: pageURL, pageUsable: false, pageFreshness: nil, fileCount: 0, best: nil, reasons: [])
        // Judge the page with the request headers it was fetched with: whichever installer sent
        // them would be served it (Vary: Accept on PyPI).
        let recorded = try responses(for: pageURL)
        let headers = recorded.first { $0.disposition != .refused }?.requestHeaders ?? HeaderFields()
        let pageVerdict = try verdict(for: HTTPRequestHead(method: "GET", url: pageURL, headers: headers), policy: policy, at: time)
        let satisfied: Satisfied
        switch pageVerdict {
        case .unsatisfiable(let reasons):
            outcome.reasons = reasons.map { .page(url: pageURL, $0) }
            return outcome
        case .satisfiable(let value):
            satisfied = value
        }
        outcome.pageUsable = true
        outcome.pageFreshness = satisfied.freshness
        guard satisfied.record.status == 200 else {
            outcome.reasons = [.projectNotFound(pageURL: pageURL, status: satisfied.record.status)]
            return outcome
        }
        // A page over the cap was recorded unparsed (I8); reading it here would be the same
        // unbounded work, only outside the lock.
        if let size = satisfied.record.bodySize, size > Self.maximumIndexedPageSize {
            outcome.reasons = [.pageTooLarge(pageURL: pageURL, size: size, limit: Self.maximumIndexedPageSize)]
            return outcome
        }
        let page = try filesOfPage(satisfied.record, requirement: requirement, environment: environment)
        outcome.fileCount = page.fileCount
        guard page.fileCount > 0 else {
            outcome.reasons = [.noFiles(pageURL: pageURL)]
            return outcome
        }
        let evaluation: IndexEvaluation
        if let decided = page.decided {
            evaluation = decided
        } else {
            var (files, allVersions) = (page.files, page.allVersions)
            if let allowed = requirement.allowedSHA256 {
                // `--hash` binds like pip's hash-checking mode: only the listed files may be installed.
                let matching = files.filter { $0.sha256.map(allowed.contains) ?? false }
                if matching.isEmpty, !files.isEmpty {
                    outcome.reasons = [.noFileWithAllowedHash(pageURL: pageURL, allowed: allowed.sorted())]
                    return outcome
                }
                files = matching
                allVersions = Self.distinct(files.compactMap(\.version))
            }
            evaluation = Self.evaluate(files, allVersions: allVersions, pageURL: pageURL, requirement: requirement, environment: environment)
        }
        outcome.reasons = evaluation.reasons
        if let best = evaluation.best {
            outcome.best = InstallCandidate(
                filename: best.file.filename, url: best.file.url, version: best.version, kind: .wheel,
                sha256: best.file.sha256.map(BlobDigest.init(trusted:)), unusableHash: best.file.unusableHash, tag: best.tag, index: base, pageURL: pageURL,
                yanked: best.file.yanked, stored: nil)
        }
        return outcome
    }

    /// A page's files as step (2) needs them: either already decided from its highest versions
    /// (``evaluateHighestVersionsFirst``), or every file that could match.
    struct PageFiles {
        /// The answer, when the highest versions settled it without reading the rest.
        var decided: IndexEvaluation?
        /// The files of every version the specifier accepts with pre-releases allowed (empty
        /// when `decided`).
        var files: [IndexedFile]
        /// The page's distinct versions.
        var allVersions: [String]
        var fileCount: Int
    }

    /// The files of the page that could match the requirement, read from `index_file` in one
    /// read transaction; a page recorded before `index_file` existed is parsed now.
    private func filesOfPage(_ record: ResponseRecord, requirement: InstallRequirement, environment: TargetEnvironment) throws -> PageFiles {
        let indexed = try read { db -> PageFiles? in
            guard let page = try SQLRow.fetchOne(db, sql: "SELECT file_count, versions, file_set FROM index_page WHERE response_id = ?", arguments: [record.id]) else { return nil }
            let count: Int = page[0]
            let fileSet: Int64 = page[2]
            // Highest first since migration 0014; a page indexed before it is read from its rows.
            let versions: [String] = try (page[1] as String?).map { $0.isEmpty ? [] : $0.split(separator: "\n").map(String.init) }
                ?? Self.versionsHighestFirst(String.fetchAll(db, sql: "SELECT DISTINCT version FROM index_file WHERE file_set = ? AND version IS NOT NULL", arguments: [fileSet]))
            func files(ofVersions texts: [String]) throws -> [IndexedFile] {
                let marks = Array(repeating: "?", count: texts.count).joined(separator: ",")
                return try SQLRow.fetchAll(db, sql: "SELECT * FROM index_file WHERE file_set = ? AND version IN (\(marks)) ORDER BY position",
                                        arguments: SQLArguments([fileSet] + texts)).map { IndexedFile(row: $0, pageResponseID: record.id) }
            }
            if requirement.allowedSHA256 == nil,
               let decided = try Self.evaluateHighestVersionsFirst(versions, pageURL: record.url, requirement: requirement, environment: environment, files: files(ofVersions:)) {
                return PageFiles(decided: decided, files: [], allVersions: versions, fileCount: count)
            }
            let wanted = requirement.specifier.filter(versions, prereleases: true)
            let matching: [IndexedFile]
            if wanted.count == versions.count {
                matching = try indexedFiles(pageResponseID: record.id, fileSet: fileSet, db)
            } else if wanted.isEmpty {
                matching = []
            } else {
                matching = try files(ofVersions: wanted)
            }
            return PageFiles(decided: nil, files: matching, allVersions: versions, fileCount: count)
        }
        if let indexed { return indexed }
        guard let digest = record.bodyDigest else { return PageFiles(files: [], allVersions: [], fileCount: 0) }
        let body = try self.read(digest)
        guard let page = try? ProjectPage.parse(body: body, contentType: record.responseHeaders.combinedValue(for: "Content-Type"), url: record.url) else {
            return PageFiles(files: [], allVersions: [], fileCount: 0)
        }
        let project = ProjectName.normalize(page.name ?? Self.projectSegment(record.url))
        let files: [IndexedFile] = page.files.compactMap { PreparedPage.File($0, project: project) }.enumerated().map { position, file in
            IndexedFile(pageResponseID: record.id, project: project, position: position, file)
        }
        return PageFiles(files: files, allVersions: Self.distinct(files.compactMap(\.version)), fileCount: files.count)
    }

    /// How many of a page's highest versions ``evaluateHighestVersionsFirst`` reads before it
    /// leaves the answer to the whole page.
    static let highestVersionsRead = 32

    /// Step (2) decided from a page's highest versions alone, reading their files one version at
    /// a time, highest first; nil when that cannot decide it, and the whole page must be read (the
    /// answer is then "no", with reasons that need every file).
    ///
    /// It gives what ``evaluate(_:allVersions:pageURL:requirement:environment:)`` gives on every
    /// file (`CanInstallTests` checks this on generated pages), because that answer is the highest
    /// version with an installable file, among the versions the specifier selects from the
    /// installable ones. Walking down from the top:
    /// - the first final release F with an installable file is the highest such final;
    /// - a pre-release P above F competes with it only if it is the highest installable one (P1).
    ///   The specifier keeps pre-releases beside a final release only when it admits them
    ///   explicitly (PEP 440, "Handling of pre-releases"), and that choice depends on nothing
    ///   else, so evaluating P1's and F's files together selects what the whole page would.
    /// Versions equal under PEP 440 but spelled differently (`1.0`, `1.0.0`) are read together.
    ///
    /// - Parameter allVersions: the page's distinct versions, highest first
    ///   (``versionsHighestFirst(_:)``); only the top ones are parsed.
    static func evaluateHighestVersionsFirst(
        _ allVersions: [String], pageURL: String, requirement: InstallRequirement, environment: TargetEnvironment,
        files: ([String]) throws -> [IndexedFile]
    ) throws -> IndexEvaluation? {
        // The versions the specifier admits (pre-releases too), in groups of equal versions.
        var groups: [(version: Version, texts: [String])] = []
        for text in allVersions {
            guard let version = Version(text) else { continue }
            if let last = groups.last, last.version == version {
                groups[groups.count - 1].texts.append(text)
            } else if requirement.specifier.contains(version, prereleases: true) {
                if groups.count == highestVersionsRead { break }
                groups.append((version, [text]))
            }
        }
        var highestPrerelease: [IndexedFile]?
        for group in groups {
            let groupFiles = try files(group.texts)
            // Only whether the group has a choice matters here: its reasons are never shown.
            let evaluation = evaluate(groupFiles, allVersions: allVersions, pageURL: pageURL, requirement: requirement, environment: environment, explaining: false)
            guard evaluation.best != nil else { continue }
            if group.version.isPrerelease {
                if highestPrerelease == nil { highestPrerelease = groupFiles }
                continue
            }
            guard let highestPrerelease else { return evaluation }
            return evaluate(highestPrerelease + groupFiles, allVersions: allVersions, pageURL: pageURL, requirement: requirement, environment: environment)
        }
        return nil
    }

    struct Evaluated {
        var file: IndexedFile
        var version: Version
        var tag: Tag
    }

    struct IndexEvaluation {
        var best: Evaluated?
        var reasons: [InstallReason]
    }

    /// Steps (2) of the walk for one page's files: PythonPackaging's `FileSelection`, its
    /// rejections told as install reasons for this page.
    ///
    /// - Parameters:
    ///   - files: the page's files of the versions that could match (or all of them);
    ///   - allVersions: every version the page offers (for the reasons).
    ///   - explaining: false when only the choice matters: no rejection is worked out.
    static func evaluate(_ files: [IndexedFile], allVersions: [String], pageURL: String, requirement: InstallRequirement, environment: TargetEnvironment,
                         explaining: Bool = true) -> IndexEvaluation {
        let outcome = FileSelection.select(files.map(\.offer), allVersions: allVersions, project: requirement.project, specifier: requirement.specifier,
                                           pythonVersion: environment.pythonVersion, supportedTags: environment.supportedTags, explaining: explaining)
        let best = outcome.choice.map { Evaluated(file: files[$0.index], version: $0.version, tag: $0.tag) }
        return IndexEvaluation(best: best, reasons: outcome.rejections.map { rejection in
            switch rejection {
            case .noMatchingVersion(let available, let prereleases):
                .noMatchingVersion(pageURL: pageURL, specifier: requirement.specifier.description, available: available, prereleasesWouldMatch: prereleases)
            case .yanked(let versions, let reasons):
                .yanked(versions: versions, reasons: reasons)
            case .requiresPython(let versions, let requires):
                .requiresPython(versions: versions, requires: requires, python: environment.pythonVersionText)
            case .noCompatibleWheel(let versions, let nearest):
                .noCompatibleWheel(versions: versions, nearestTag: nearest?.tag.description, difference: nearest?.difference, environment: environment.summary)
            case .needsBuild(let filenames):
                .needsBuild(filenames: filenames)
            }
        })
    }

    static func distinct(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }

    // MARK: - Step (3): the chosen file

    func checkFile(_ candidate: InstallCandidate, policy: CachePolicy, verify: Bool, at time: Date?) throws -> (StoredFile?, [InstallReason], [String]) {
        var notes: [String] = []
        let fileURL = try NormalizedURL(candidate.url).text
        // Only a complete 200 can stand for a file (ARCHITECTURE.md §4, I7): a recorded 404
        // page or a 206 is not the wheel.
        let atURL = try responses(for: fileURL).filter { $0.status == 200 }
        if let digest = candidate.sha256 {
            let expected = digest.hex
            let mismatched = atURL.compactMap(\.bodyDigest).first { $0 != digest }
            if let info = try blob(digest), info.quarantinedAt == nil {
                let source: FileSource
                if atURL.contains(where: { $0.bodyDigest == digest }) {
                    source = .url
                } else if let other = try read({ db in
                    try String.fetchOne(db, sql: "SELECT url FROM response WHERE body_digest = ? ORDER BY response_time DESC LIMIT 1", arguments: [expected])
                }) {
                    source = .sameContent(fromURL: other)
                    notes.append("the page's sha256 matches a blob fetched from \(other): content addressing makes it this file")
                } else {
                    source = .sameContentFromPut
                    notes.append("the page's sha256 matches a blob stored by put: content addressing makes it this file")
                }
                if let mismatched {
                    notes.append("the body recorded for \(fileURL) (\(mismatched.hex.prefix(12))…) does not match the page's sha256; the matching blob is used instead")
                }
                do {
                    if verify { try verifyBlob(digest) }
                } catch let error as StoreError {
                    return (nil, [.fileUnreadable(url: fileURL, digest: digest, message: error.message)], notes)
                }
                return (StoredFile(digest: digest, size: info.size, verified: verify, source: source), [], notes)
            }
            if let info = try blob(digest), let quarantinedAt = info.quarantinedAt {
                return (nil, [.fileUnreadable(url: fileURL, digest: digest, message: "blob \(digest.hex) failed verification on \(Timestamp.iso8601(quarantinedAt)) and is quarantined")], notes)
            }
            if let mismatched {
                return (nil, [.hashMismatch(url: fileURL, expected: expected, actual: mismatched.hex)], notes)
            }
            let urlVerdict = try self.verdict(for: HTTPRequestHead(method: "GET", url: fileURL, headers: HeaderFields()), policy: policy, at: time)
            return (nil, [.fileNotStored(url: fileURL, sha256: expected, urlReasons: urlVerdict.unsatisfiedReasons)], notes)
        }
        // A hash the store cannot check binds all the same: the file is unverifiable.
        if let unusable = candidate.unusableHash {
            return (nil, [.hashUnverifiable(url: fileURL, hash: unusable)], notes)
        }
        // No hash on the page: only the response for the URL can stand for the file.
        notes.append("the page gives no sha256 for \(candidate.filename): the file is trusted by its URL")
        switch try self.verdict(for: HTTPRequestHead(method: "GET", url: fileURL, headers: HeaderFields()), policy: policy, at: time) {
        case .unsatisfiable(let reasons):
            return (nil, [.fileNotStored(url: fileURL, sha256: nil, urlReasons: reasons)], notes)
        case .satisfiable(let satisfied):
            guard satisfied.record.status == 200, let digest = satisfied.record.bodyDigest else {
                if satisfied.record.status != 200 {
                    notes.append("\(fileURL) answered \(satisfied.record.status), which is not the file")
                }
                return (nil, [.fileNotStored(url: fileURL, sha256: nil, urlReasons: [])], notes)
            }
            do {
                if verify { try verifyBlob(digest) }
            } catch let error as StoreError {
                return (nil, [.fileUnreadable(url: fileURL, digest: digest, message: error.message)], notes)
            }
            return (StoredFile(digest: digest, size: satisfied.record.bodySize ?? 0, verified: verify, source: .url), [], notes)
        }
    }

    /// Re-hashes a blob (streaming); a mismatch quarantines it and throws.
    func verifyBlob(_ digest: BlobDigest) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Store.ingestChunkSize, alignment: 16)
        defer { buffer.deallocate() }
        try verifiedOnce(digest) { reader in
            defer { reader.close() }
            while try reader.read(into: buffer) > 0 {}
        }
    }

    // MARK: - Step (4): stored wheels of the project

    /// Every wheel of the project whose blob is in the store, found through the URLs it was
    /// fetched from, the names it was put under, and the hashes pages list; best first
    /// (satisfying, higher version, better tag).
    public func storedWheels(for requirement: InstallRequirement, environment: TargetEnvironment) throws -> [StoredWheel] {
        struct Found {
            var filename: String; var digest: String; var size: Int64; var source: String; var requiresPython: String?
            var listedHashes: [String] = []; var yanked = false; var unusableHash: String?
        }
        let found: [Found] = try read { db in
            var result: [Found] = []
            // What the pages say of this filename binds the stored copy too: a body matching none
            // of the listed hashes is not that file, and the way out obeys the rules of the way in
            // (Requires-Python, yanked).
            func found(_ filename: String, digest: String, size: Int64, source: String) throws -> Found {
                // Only rows of published sets, the ones a page points at (migration 0016).
                let listed = try String.fetchAll(db, sql: """
                    SELECT DISTINCT f.sha256 FROM index_file f JOIN index_page p ON p.file_set = f.file_set
                    WHERE f.project = ? AND f.filename = ? AND f.sha256 IS NOT NULL
                    """, arguments: [requirement.project, filename])
                let listing = try SQLRow.fetchOne(db, sql: """
                    SELECT max(f.yanked) AS yanked, max(f.requires_python) AS requires_python, max(f.unusable_hash) AS unusable_hash
                    FROM index_file f JOIN index_page p ON p.file_set = f.file_set WHERE f.project = ? AND f.filename = ?
                    """, arguments: [requirement.project, filename])
                return Found(filename: filename, digest: digest, size: size, source: source, requiresPython: listing?["requires_python"],
                             listedHashes: listed, yanked: (listing?["yanked"] as Bool?) ?? false,
                             unusableHash: listed.isEmpty ? listing?["unusable_hash"] : nil)
            }
            for row in try SQLRow.fetchAll(db, sql: """
                SELECT r.url, r.body_digest, b.size FROM wheel_response w
                JOIN response r ON r.id = w.response_id JOIN blob b ON b.digest = r.body_digest
                WHERE w.project = ? AND r.status = 200 AND b.quarantined_at IS NULL ORDER BY r.response_time DESC
                """, arguments: [requirement.project]) {
                let url: String = row["url"]
                guard let filename = (try? WheelFilename(urlSegment: Self.lastPathSegment(url)))?.filename else { continue }
                result.append(try found(filename, digest: row["body_digest"], size: row["size"], source: url))
            }
            // Wheels put from files, known by their name only.
            for row in try SQLRow.fetchAll(db, sql: """
                SELECT n.filename, n.digest, b.size FROM named_wheel n JOIN blob b ON b.digest = n.digest
                WHERE n.project = ? AND b.quarantined_at IS NULL ORDER BY n.named_at DESC
                """, arguments: [requirement.project]) {
                let filename: String = row["filename"]
                result.append(try found(filename, digest: row["digest"], size: row["size"], source: "put as \(filename)"))
            }
            for row in try SQLRow.fetchAll(db, sql: """
                SELECT f.filename, f.sha256, f.requires_python, f.yanked, b.size, r.url AS page_url FROM index_file f
                JOIN blob b ON b.digest = f.sha256 JOIN index_page p ON p.file_set = f.file_set JOIN response r ON r.id = p.response_id
                WHERE f.project = ? AND f.kind = 'wheel' AND f.sha256 IS NOT NULL AND b.quarantined_at IS NULL
                """, arguments: [requirement.project]) {  // index_file_wheels_by_project (migration 0013)
                let digest: String = row["sha256"]
                if let index = result.firstIndex(where: { $0.digest == digest }) {
                    if result[index].requiresPython == nil { result[index].requiresPython = row["requires_python"] }
                    if row["yanked"] as Bool { result[index].yanked = true }
                    continue
                }
                result.append(Found(filename: row["filename"], digest: digest, size: row["size"],
                                    source: "a blob matching the sha256 listed on \(row["page_url"] as String)", requiresPython: row["requires_python"],
                                    yanked: row["yanked"]))
            }
            return result
        }
        var seen = Set<String>()
        var wheels: [(StoredWheel, Int)] = []
        for item in found where seen.insert(item.digest).inserted {
            guard let wheel = WheelFilename(item.filename) ?? (try? WheelFilename(urlSegment: item.filename)) else { continue }
            let match = environment.supportedTags.bestMatch(for: wheel.tags)
            let matches = requirement.specifier.contains(wheel.version)
            let pythonOK = SpecifierSet.checkRequiresPython(item.requiresPython, pythonVersion: environment.pythonVersion).isAcceptable
            var whyNot: [String] = []
            if !matches { whyNot.append("version \(wheel.version) does not match \(requirement.specifier.description)") }
            if match == nil {
                let nearest = environment.supportedTags.nearest(to: Array(wheel.tags))
                whyNot.append("not compatible with \(environment.summary)\(nearest.map { ": \($0.difference)" } ?? "")")
            }
            if !pythonOK { whyNot.append("requires Python \(item.requiresPython ?? "")") }
            if item.yanked && !requirement.isPinned { whyNot.append("yanked (only a pin with == or === selects a yanked file)") }
            if let unusable = item.unusableHash {
                whyNot.append("a page gives \(unusable.prefix(40)) for \(wheel.filename), which the store cannot check: it cannot be verified")
            }
            if let allowed = requirement.allowedSHA256, !allowed.contains(item.digest) {
                whyNot.append("its SHA-256 \(item.digest.prefix(12))… is not one of the requirement's --hash values")
            }
            if !item.listedHashes.isEmpty && !item.listedHashes.contains(item.digest) {
                whyNot.append("its SHA-256 \(item.digest.prefix(12))… is not the sha256 a project page lists for \(wheel.filename): it is not that file")
            }
            wheels.append((StoredWheel(
                filename: wheel.filename, version: wheel.version, digest: BlobDigest(trusted: item.digest), size: item.size,
                source: item.source, tag: match?.tag, matchesSpecifier: matches, requiresPython: item.requiresPython,
                satisfies: whyNot.isEmpty, whyNot: whyNot.isEmpty ? nil : whyNot.joined(separator: "; ")), match?.rank ?? Int.max))
        }
        return wheels.sorted { lhs, rhs in
            if lhs.0.satisfies != rhs.0.satisfies { return lhs.0.satisfies }
            if lhs.0.version != rhs.0.version { return lhs.0.version > rhs.0.version }
            return lhs.1 < rhs.1
        }.map(\.0)
    }
}

extension Verdict {
    var unsatisfiedReasons: [VerdictReason] {
        if case .unsatisfiable(let reasons) = self { return reasons }
        return []
    }
}

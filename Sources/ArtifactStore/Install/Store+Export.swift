import Foundation
import PythonPackaging

extension Store {
    /// Writes the stored wheels that satisfy the verdicts' requirements into `directory`: for
    /// each verdict the chosen file when it is satisfiable, else its ``InstallVerdict/wayOut``
    /// (a stored wheel whose version, tags and known `Requires-Python` satisfy the requirement).
    /// See ``export(items:missing:to:layout:method:)`` for how files are written.
    public func export(_ verdicts: [InstallVerdict], to directory: URL, layout: ExportLayout, method: ExportMethod = .copy) throws -> ExportResult {
        var items: [ExportItem] = [], missing: [MissingExport] = []
        for verdict in verdicts {
            let requirement = verdict.requirement
            if verdict.isSatisfiable, let chosen = verdict.chosen, let stored = chosen.stored {
                items.append(ExportItem(requirement: requirement.text, project: requirement.project, filename: chosen.filename, digest: stored.digest, size: stored.size))
            } else if let wayOut = verdict.wayOut {
                items.append(ExportItem(requirement: requirement.text, project: requirement.project, filename: wayOut.filename, digest: wayOut.digest,
                                        size: wayOut.size, requiresPython: wayOut.requiresPython))
            } else {
                missing.append(MissingExport(requirement: requirement.text, reasons: verdict.reasons, verdict: verdict))
            }
        }
        return try export(items: items, missing: missing, to: directory, layout: layout, method: method)
    }

    /// Writes exactly the stored files of an environment's answer (a lock's files, wheels or
    /// sdists); packages without a stored file are reported as missing.
    public func export(_ environment: EnvironmentVerdict, to directory: URL, layout: ExportLayout, method: ExportMethod = .copy) throws -> ExportResult {
        var items: [ExportItem] = [], missing: [MissingExport] = []
        for package in environment.packages where package.status != .local {
            let label = package.version.map { "\(package.name)==\($0)" } ?? package.name
            if let stored = package.stored, let filename = package.filename, package.reasons.allSatisfy({ $0.code == "needs-build" }) {
                items.append(ExportItem(requirement: label, project: package.project, filename: filename, digest: stored.digest, size: stored.size))
            } else {
                missing.append(MissingExport(requirement: label, reasons: package.reasons, verdict: nil))
            }
        }
        return try export(items: items, missing: missing, to: directory, layout: layout, method: method)
    }

    /// Writes `items` into `directory`, each re-hashed on the way out (a blob that does not
    /// match its digest is quarantined and not written), then an `index.html` listing them with
    /// `#sha256=` fragments (and with `.simple`: a PEP 503 tree).
    ///
    /// A find-links directory is merged: the files an earlier export wrote there (recorded in
    /// `.artifact-store-export.json`) and any other distribution file already in it stay listed.
    /// A file already there under the same name with other content is never overwritten: the
    /// export stops with an error that names both hashes.
    public func export(items: [ExportItem], missing: [MissingExport], to directory: URL, layout: ExportLayout, method: ExportMethod = .copy) throws -> ExportResult {
        let root = directory.path(percentEncoded: false)
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.io, "cannot create the export directory \(root); choose a writable directory", underlying: error)
        }
        var manifest = ExportManifest.load(from: root)
        var files: [ExportedFile] = []
        for item in items {
            if let existing = files.first(where: { $0.digest == item.digest }) {
                files.append(ExportedFile(requirement: item.requirement, project: item.project, filename: existing.filename, digest: existing.digest,
                                          size: existing.size, path: existing.path, hardLinked: existing.hardLinked, requiresPython: existing.requiresPython))
                continue
            }
            guard !item.filename.contains("/"), !item.filename.hasPrefix("."), !item.filename.isEmpty else {
                throw StoreError(.invalidInput, "refusing to export a file named \"\(item.filename)\"")
            }
            if let clash = files.first(where: { $0.filename == item.filename && $0.digest != item.digest }) {
                // One name, two contents: writing both would leave one file under a hash it does not have.
                throw StoreError(.invalidInput, "two different files are both named \(item.filename) (for \(clash.requirement): sha256 \(clash.digest.hex.prefix(12))…, for \(item.requirement): \(item.digest.hex.prefix(12))…); nothing was written for the second. Export them into separate directories")
            }
            let folder = layout == .simple ? root + "/" + item.project : root
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let destination = folder + "/" + item.filename
            if FileManager.default.fileExists(atPath: destination) {
                let present = try manifest.digest(of: item.filename, at: destination)
                if present != item.digest.hex {
                    throw StoreError(.invalidInput, "\(destination) already exists with other content (sha256 \(present.prefix(12))…, the store's file for \(item.requirement) is \(item.digest.hex.prefix(12))…); it was not overwritten. Export into an empty directory, or remove the old file")
                }
            }
            let linked = try writeVerified(item.digest, to: destination, method: method)
            files.append(ExportedFile(requirement: item.requirement, project: item.project, filename: item.filename, digest: item.digest,
                                      size: item.size, path: destination, hardLinked: linked, requiresPython: item.requiresPython))
        }
        let indexPath = root + "/index.html"
        var unique: [ExportedFile] = []
        for file in files where !unique.contains(where: { $0.digest == file.digest }) { unique.append(file) }
        var kept: [String] = []
        switch layout {
        case .findLinks:
            for file in unique { manifest.files[file.filename] = .init(sha256: file.digest.hex, requiresPython: file.requiresPython) }
            var listed = unique
            // Merge with what the directory already holds.
            for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where !unique.contains(where: { $0.filename == name }) {
                guard DistributionFilename.downloadSuffixes.contains(where: { name.hasSuffix($0) }), !name.hasSuffix(".metadata") else { continue }
                let digest = try manifest.digest(of: name, at: root + "/" + name)
                guard let blobDigest = try? BlobDigest(validating: digest) else { continue }
                listed.append(ExportedFile(requirement: "", project: "", filename: name, digest: blobDigest, size: 0, path: root + "/" + name,
                                           hardLinked: false, requiresPython: manifest.files[name]?.requiresPython))
                kept.append(name)
            }
            manifest.files = manifest.files.filter { name, _ in listed.contains { $0.filename == name } }
            try Self.writeAtomically(Self.linksPage(title: "Links", listed), to: indexPath)
            try manifest.save(to: root)
        case .simple:
            let projects = Array(Set(unique.map(\.project))).sorted()
            for project in projects {
                try Self.writeAtomically(Self.linksPage(title: "Links for \(project)", unique.filter { $0.project == project }), to: root + "/" + project + "/index.html")
            }
            let anchors = projects.map { "<a href=\"\(Self.escapeHTML($0))/\">\(Self.escapeHTML($0))</a><br/>" }
            try Self.writeAtomically(Self.page(title: "Simple index", anchors), to: indexPath)
        }
        return ExportResult(files: files, missing: missing, indexPath: indexPath, kept: kept.sorted())
    }

    /// Verifies a blob, then writes it to `destination` (replacing what is there): a hard link
    /// when asked and possible, else a copy-on-write clone when the file system can, else a copy
    /// verified before the first byte is written. Returns whether it hard-linked.
    private func writeVerified(_ digest: BlobDigest, to destination: String, method: ExportMethod) throws -> Bool {
        // One verified reader (BlobReader: a mismatch quarantines): the clone or copy is made
        // from the very file that was verified.
        let reader = try open(digest)
        defer { reader.close() }
        try reader.verifyAndRewind()
        let temporary = destination + ".tmp-\(UInt32.random(in: 0...UInt32.max))"
        // A file written from the blob journal and not yet settled is synced before another
        // name shares it: the export must not lose it to a power cut the store would recover from.
        if method == .hardLink, hasJournalCopy(digest) { try ioCall { try FileSystem.fsync(reader.fileDescriptor) } }
        if method == .hardLink, (try? FileSystem.link(layout.blobPath(digest), temporary)) != nil {
            do {
                try FileSystem.rename(temporary, destination)
            } catch let error as SystemError {
                try? FileSystem.unlink(temporary)
                throw StoreError(.io, "cannot write \(destination); check the directory's permissions", underlying: SystemError(errno: error.errno, operation: "rename"))
            }
            return true
        }
        do {
            try FileSystem.replaceFile(destination, temporary: temporary) { descriptor in
                // A copy-on-write clone where the file system can, else a copy.
                if !FileSystem.clone(reader.fileDescriptor, to: descriptor) {
                    try copyVerified(reader, to: descriptor)
                }
            }
        } catch let error as SystemError where error.operation.hasPrefix("open") {
            throw StoreError(.io, "cannot create \(temporary); check the directory's permissions and free space", underlying: SystemError(errno: error.errno, operation: "open"))
        } catch let error as SystemError where error.operation.hasPrefix("rename") {
            throw StoreError(.io, "cannot write \(destination)", underlying: SystemError(errno: error.errno, operation: "rename"))
        }
        return false
    }

    static func linksPage(title: String, _ files: [ExportedFile]) -> String {
        let anchors = files.sorted { $0.filename < $1.filename }.map { file in
            let href = (file.filename.addingPercentEncoding(withAllowedCharacters: hrefAllowed) ?? file.filename) + "#sha256=" + file.digest.hex
            let python = file.requiresPython.map { " data-requires-python=\"\(escapeHTML($0))\"" } ?? ""
            return "<a href=\"\(href)\"\(python)>\(escapeHTML(file.filename))</a><br/>"
        }
        return page(title: title, anchors)
    }

    static func page(title: String, _ anchors: [String]) -> String {
        """
        <!DOCTYPE html>
        <html>
          <head>
            <meta name="pypi:repository-version" content="1.0">
            <title>\(escapeHTML(title))</title>
          </head>
          <body>
            <!-- written by artifact-store export from verified blobs -->
        \(anchors.map { "    " + $0 }.joined(separator: "\n"))
          </body>
        </html>

        """
    }

    /// Path characters left as they are in hrefs; `+` is encoded (`%2B`), as PyTorch's pages do.
    private static let hrefAllowed: CharacterSet = {
        var set = CharacterSet.urlPathAllowed
        set.remove(charactersIn: "+;=&$,@:")
        return set
    }()

    static func escapeHTML(_ text: String) -> String { SimplePageWriter.htmlEscaped(text) }

    static func writeAtomically(_ text: String, to path: String) throws {
        do {
            try FileSystem.replaceFile(path, temporary: path + ".tmp-\(UInt32.random(in: 0...UInt32.max))") { descriptor in
                try Array(text.utf8).withUnsafeBytes { try FileSystem.writeAll(descriptor, $0) }
            }
        } catch {
            throw StoreError(.io, "cannot write \(path); check the directory's permissions and free space", underlying: error)
        }
    }
}

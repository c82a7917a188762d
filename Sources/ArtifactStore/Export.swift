import Foundation
import PythonPackaging

/// The shape of a directory built from stored wheels.
public enum ExportLayout: String, Sendable, Hashable, CaseIterable {
    /// Files side by side plus an `index.html`: `pip install --no-index --find-links DIR …`.
    case findLinks = "find-links"
    /// A PEP 503 tree, `DIR/index.html` and `DIR/<project>/index.html` beside the files:
    /// `pip install --index-url file:///DIR/ …`.
    case simple
}

/// One file written by ``Store/export(_:to:layout:)``.
public struct ExportedFile: Sendable, Hashable {
    /// The requirement it satisfies.
    public var requirement: String
    public var project: String
    public var filename: String
    public var digest: BlobDigest
    public var size: Int64
    /// Where it was written.
    public var path: String
    /// A hard link to the blob (same file system) rather than a copy.
    public var hardLinked: Bool
    /// `Requires-Python` carried into the index page, when known.
    public var requiresPython: String?
}

/// What an export wrote, and which requirements had nothing to write.
public struct ExportResult: Sendable, Hashable {
    public var files: [ExportedFile]
    /// Requirements with no stored, verified wheel that satisfies them (their verdicts say why).
    public var missing: [InstallVerdict]
    /// The `index.html` written at the top of the directory.
    public var indexPath: String
}

extension Store {
    /// Writes the stored wheels that satisfy the verdicts' requirements into `directory`, each
    /// re-hashed on the way out (a blob that does not match its digest is quarantined and not
    /// written), as hard links when the directory is on the store's file system, else as copies;
    /// then an `index.html` listing them with `#sha256=` fragments (and `--simple`: a PEP 503 tree).
    ///
    /// For each verdict, the file is the chosen one when it is satisfiable, else its
    /// ``InstallVerdict/wayOut`` (a stored wheel whose version, tags and known `Requires-Python`
    /// satisfy the requirement). A wheel whose bytes differ from a page's sha256 is never written.
    public func export(_ verdicts: [InstallVerdict], to directory: URL, layout: ExportLayout) throws -> ExportResult {
        let root = directory.path(percentEncoded: false)
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.io, "cannot create the export directory \(root); choose a writable directory", underlying: error)
        }
        var files: [ExportedFile] = []
        var missing: [InstallVerdict] = []
        for verdict in verdicts {
            let picked: (filename: String, digest: BlobDigest, size: Int64, requiresPython: String?)?
            if verdict.isSatisfiable, let chosen = verdict.chosen, let stored = chosen.stored {
                picked = (chosen.filename, stored.digest, stored.size, nil)
            } else if let wayOut = verdict.wayOut {
                picked = (wayOut.filename, wayOut.digest, wayOut.size, wayOut.requiresPython)
            } else {
                picked = nil
            }
            guard let picked else {
                missing.append(verdict)
                continue
            }
            let project = verdict.requirement.project
            if let existing = files.first(where: { $0.digest == picked.digest }) {
                files.append(ExportedFile(requirement: verdict.requirement.text, project: project, filename: existing.filename, digest: existing.digest,
                                          size: existing.size, path: existing.path, hardLinked: existing.hardLinked, requiresPython: existing.requiresPython))
                continue
            }
            guard !picked.filename.contains("/"), !picked.filename.hasPrefix(".") else {
                throw StoreError(.invalidInput, "refusing to export a file named \"\(picked.filename)\"")
            }
            if let clash = files.first(where: { $0.filename == picked.filename && $0.digest != picked.digest }) {
                // One name, two contents: writing both would leave one file under a hash it does not have.
                throw StoreError(.invalidInput, "two different files are both named \(picked.filename) (for \(clash.requirement): sha256 \(clash.digest.hex.prefix(12))…, for \(verdict.requirement.text): \(picked.digest.hex.prefix(12))…); nothing was written for the second. Export them into separate directories")
            }
            let folder = layout == .simple ? root + "/" + project : root
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let destination = folder + "/" + picked.filename
            let linked = try writeVerified(picked.digest, to: destination)
            files.append(ExportedFile(requirement: verdict.requirement.text, project: project, filename: picked.filename, digest: picked.digest,
                                      size: picked.size, path: destination, hardLinked: linked, requiresPython: picked.requiresPython))
        }
        let indexPath = root + "/index.html"
        var unique: [ExportedFile] = []
        for file in files where !unique.contains(where: { $0.digest == file.digest }) { unique.append(file) }
        switch layout {
        case .findLinks:
            try Self.writeAtomically(Self.linksPage(title: "Links", unique), to: indexPath)
        case .simple:
            let projects = Array(Set(unique.map(\.project))).sorted()
            for project in projects {
                try Self.writeAtomically(Self.linksPage(title: "Links for \(project)", unique.filter { $0.project == project }), to: root + "/" + project + "/index.html")
            }
            let anchors = projects.map { "<a href=\"\(Self.escapeHTML($0))/\">\(Self.escapeHTML($0))</a><br/>" }
            try Self.writeAtomically(Self.page(title: "Simple index", anchors), to: indexPath)
        }
        return ExportResult(files: files, missing: missing, indexPath: indexPath)
    }

    /// Verifies a blob, then hard-links it to `destination` (replacing what is there), or copies it
    /// (verified before the first byte is written) when linking is impossible. Returns whether it linked.
    private func writeVerified(_ digest: BlobDigest, to destination: String) throws -> Bool {
        try verifyBlob(digest)
        let temporary = destination + ".tmp-\(UInt32.random(in: 0...UInt32.max))"
        if Glibc.link(layout.blobPath(digest), temporary) == 0 {
            guard rename(temporary, destination) == 0 else {
                let error = errno
                unlink(temporary)
                throw StoreError(.io, "cannot write \(destination); check the directory's permissions", underlying: SystemError(errno: error, operation: "rename"))
            }
            return true
        }
        let descriptor = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StoreError(.io, "cannot create \(temporary); check the directory's permissions and free space", underlying: SystemError(errno: errno, operation: "open"))
        }
        do {
            defer { close(descriptor) }
            try copy(digest, to: descriptor)
            guard fsync(descriptor) == 0 else { throw SystemError(errno: errno, operation: "fsync") }
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, destination) == 0 else {
            let error = errno
            unlink(temporary)
            throw StoreError(.io, "cannot write \(destination)", underlying: SystemError(errno: error, operation: "rename"))
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
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw StoreError(.io, "cannot write \(path); check the directory's permissions and free space", underlying: error)
        }
    }
}

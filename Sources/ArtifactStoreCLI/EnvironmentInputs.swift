import ArgumentParser
import ArtifactStore
import Foundation
import LockFiles

/// What describes an environment besides requirement strings: a lock file, requirements files,
/// and whether to follow dependencies (`can-install`, `export`, `prefetch`).
struct EnvironmentInputs: ParsableArguments {
    @Option(name: .customLong("lock"), help: ArgumentHelp(
        "A lock file: PEP 751 pylock.toml or uv.lock (detected by name and content).", valueName: "file"))
    var lock: String?
    @Option(name: [.customShort("r"), .customLong("requirement")], help: ArgumentHelp(
        "A requirements file (pins, --hash, --index-url, -r includes); repeatable.", valueName: "file"))
    var requirementFiles: [String] = []
    @Flag(help: "Follow each chosen wheel's Requires-Dist (from the stored wheel or its PEP 658 metadata), transitively.")
    var withDeps = false

    var isGiven: Bool { lock != nil || !requirementFiles.isEmpty }

    /// Reads the lock file, or fails with the file (and line) and what is wrong.
    func loadLock() throws -> LockFile? {
        guard let lock else { return nil }
        let text = try Self.read(lock)
        do {
            return try LockFile.parse(text, path: lock)
        } catch {
            throw StoreError(.invalidInput, error.description)
        }
    }

    /// Reads the requirements files (following `-r`/`-c` relative to the including file), merged.
    func loadRequirements() throws -> [(path: String, file: RequirementsFile)] {
        try requirementFiles.map { path in
            let text = try Self.read(path)
            do {
                return (path, try RequirementsFile.parse(text, path: path) { name, from in
                    let resolved = name.hasPrefix("/") ? name : URL(fileURLWithPath: from).deletingLastPathComponent().appending(path: name).path(percentEncoded: false)
                    return (try Self.read(resolved), resolved)
                })
            } catch {
                throw StoreError(.invalidInput, "\(error)")
            }
        }
    }

    static func read(_ path: String) throws -> String {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard data.count <= 64 << 20 else { throw StoreError(.invalidInput, "\(path) is larger than 64 MiB; is it really a lock or requirements file?") }
            guard let text = String(data: data, encoding: .utf8) else { throw StoreError(.invalidInput, "\(path) is not UTF-8 text") }
            return text
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.invalidInput, "cannot read \(path): \((error as NSError).localizedDescription); check the path")
        }
    }
}

/// The human and JSON renderings of an ``EnvironmentVerdict``.
enum EnvironmentText {
    static func print(_ verdict: EnvironmentVerdict) {
        for package in verdict.packages {
            let what = package.filename ?? package.version.map { "\(package.name) \($0)" } ?? package.name
            switch package.status {
            case .stored:
                Output.line("✔ \(package.name) \(package.version ?? "")  \(what) (stored\(package.stored?.verified == true ? ", verified" : ""))")
            case .local:
                Output.line("✔ \(package.name)  \(package.notes.first ?? "local")")
                continue
            default:
                let asked = package.requirement.map { $0 + (package.origin.hasPrefix("dependency") ? " (\(package.origin))" : "") } ?? "\(package.name) \(package.version ?? "")"
                Output.line("✘ \(asked)\(package.filename.map { "  " + $0 } ?? ""): \(package.reasons.first?.message ?? package.status.rawValue)")
                for reason in package.reasons.prefix(3) { Output.line("    [\(reason.code)] hint: \(reason.hint)") }
            }
            for note in package.notes { Output.line("    note: \(note)") }
        }
        for skipped in verdict.skipped {
            Output.line("- \(skipped.name) \(skipped.version ?? "")  skipped: \(skipped.reason)")
        }
        for note in verdict.notes { Output.line("note: \(note)") }
        Output.line(verdict.summary)
        if verdict.packages.contains(where: { $0.status == .missing }) {
            Output.line("hint: while online, artifact-store prefetch with the same arguments fetches what is missing")
        }
    }
}

import ArgumentParser
import ArtifactStore
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the stored wheels that satisfy requirements into a directory installers can use offline.",
        discussion: """
            For each requirement, the wheel `can-install` chooses (when satisfiable) or the best \
            stored wheel that satisfies it (the way out when the index page itself is unusable) is \
            re-hashed and written: a hard link when DIR is on the store's file system, else a copy. \
            A blob that fails verification is quarantined and not written; a wheel whose bytes \
            differ from a page's sha256 is never written.

            --find-links DIR writes the files and DIR/index.html (with #sha256= fragments):
              pip install --no-index --find-links DIR 'torch==2.5.1'
              uv pip install --offline --find-links DIR 'torch==2.5.1'
            --simple DIR writes a PEP 503 tree (DIR/index.html, DIR/<project>/index.html and files):
              pip install --no-index --index-url file:///abs/DIR/ 'torch==2.5.1'

            Without --index, only the wheels in the store are considered (any page's hash or any URL).

            EXIT STATUS
              0   a file was written for every requirement
              1   nothing stored satisfies at least one requirement (the others are written)
              3   a blob failed verification on the way out (it was quarantined)
              64  bad input; 74 store or file-system failure
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: ArgumentHelp("Requirements, e.g. 'torch==2.5.1'.", valueName: "requirement")) var requirements: [String]
    @Option(help: ArgumentHelp("Write a flat find-links directory here.", valueName: "dir")) var findLinks: String?
    @Option(help: ArgumentHelp("Write a PEP 503 simple-repository tree here.", valueName: "dir")) var simple: String?
    @OptionGroup var resolution: ResolutionOptions
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        guard (findLinks == nil) != (simple == nil) else { throw ValidationError("give exactly one of --find-links DIR or --simple DIR") }
        guard !requirements.isEmpty else { throw ValidationError("give at least one requirement, e.g. 'torch==2.5.1'") }
    }

    func run() throws {
        var opened: Store?
        let (environment, verdicts) = try resolution.verdicts(for: requirements, store: {
            opened = try storeOptions.openExisting()
            return opened!
        }, verifyFiles: false)
        let store = opened!
        let layout: ExportLayout = findLinks != nil ? .findLinks : .simple
        let directory = URL(fileURLWithPath: findLinks ?? simple!)
        let result = try store.export(verdicts, to: directory, layout: layout)
        if json {
            try Output.printJSON(InstallJSON.object([
                "directory": .string(directory.path(percentEncoded: false)),
                "layout": .string(layout.rawValue),
                "index": .string(result.indexPath),
                "files": .array(result.files.map { file in
                    .object(["requirement": .string(file.requirement), "project": .string(file.project), "filename": .string(file.filename),
                             "digest": .string(file.digest.hex), "size": .int(file.size), "path": .string(file.path),
                             "hardLinked": .bool(file.hardLinked), "verified": .bool(true)])
                }),
                "missing": .array(result.missing.map { verdict in
                    .object(["requirement": .string(verdict.requirement.text), "reasons": .array(verdict.reasons.map(InstallReport.reason))])
                }),
            ]))
        } else {
            for file in result.files {
                Output.line("✔ \(file.requirement)  \(file.path) (\(file.hardLinked ? "hard link" : "copy"), verified)")
            }
            for verdict in result.missing {
                Output.line("✘ \(verdict.requirement.text): no stored wheel satisfies it for \(environment.summary)")
                for reason in verdict.reasons {
                    Output.line("    [\(reason.code)] \(reason.message)")
                    Output.line("      hint: \(reason.hint)")
                }
                for wheel in verdict.storedWheels.prefix(10) where !wheel.satisfies {
                    Output.line("    stored \(wheel.filename): \(wheel.whyNot ?? "")")
                }
            }
            Output.line("index: \(result.indexPath)")
            if !result.files.isEmpty {
                let root = directory.path(percentEncoded: false)
                let install = layout == .findLinks ? "pip install --no-index --find-links \(root)" : "pip install --no-index --index-url file://\(root)/"
                Output.line("install with: \(install) \(requirements.map { "'\($0)'" }.joined(separator: " "))")
            }
        }
        if !result.missing.isEmpty { throw ExitCode(ExitStatus.notFound.rawValue) }
    }
}

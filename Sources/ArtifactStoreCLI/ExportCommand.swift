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
            re-hashed and written as a copy (a copy-on-write clone where the file system can; \
            --hard-links links to the blob instead). \
            A blob that fails verification is quarantined and not written; a wheel whose bytes \
            differ from a page's sha256 is never written.

            --find-links DIR writes the files and DIR/index.html (with #sha256= fragments):
              pip install --no-index --find-links DIR 'torch==2.5.1'
              uv pip install --offline --find-links DIR 'torch==2.5.1'
            --simple DIR writes a PEP 503 tree (DIR/index.html, DIR/<project>/index.html and files):
              pip install --no-index --index-url file:///abs/DIR/ 'torch==2.5.1'

            Without --index, only the wheels in the store are considered (any page's hash or any URL).

            --lock FILE (pylock.toml or uv.lock) writes exactly the locked files the environment \
            installs; -r FILE the files a requirements file pins (its --hash values bind); \
            --with-deps adds each wheel's dependencies. A --find-links directory is merged: files \
            already there stay listed in its index.html, and a file of the same name with other \
            content is never overwritten.

            EXIT STATUS
              0   a file was written for every requirement
              1   nothing stored satisfies at least one requirement (the others are written)
              3   a blob failed verification on the way out (it was quarantined)
              64  bad input; 74 store or file-system failure
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: ArgumentHelp("Requirements, e.g. 'torch==2.5.1'.", valueName: "requirement")) var requirements: [String] = []
    @OptionGroup var inputs: EnvironmentInputs
    @Option(help: ArgumentHelp("Write a flat find-links directory here (merged with what it already holds).", valueName: "dir")) var findLinks: String?
    @Option(help: ArgumentHelp("Write a PEP 503 simple-repository tree here.", valueName: "dir")) var simple: String?
    @Flag(help: "Hard-link files to the blobs instead of copying (same file system only). A tool that writes into an exported file would then change the stored blob.")
    var hardLinks = false
    @OptionGroup var resolution: ResolutionOptions
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        guard (findLinks == nil) != (simple == nil) else { throw ValidationError("give exactly one of --find-links DIR or --simple DIR") }
        guard !requirements.isEmpty || inputs.isGiven else {
            throw ValidationError("give requirements (e.g. 'torch==2.5.1'), a lock file (--lock pylock.toml or uv.lock) or a requirements file (-r requirements.txt)")
        }
        guard inputs.lock == nil || (requirements.isEmpty && inputs.requirementFiles.isEmpty) else {
            throw ValidationError("--lock exports exactly the locked files: give it alone, without requirements or -r")
        }
    }

    func run() throws {
        var opened: Store?
        let openStore = {
            opened = try storeOptions.openExisting()
            return opened!
        }
        let layout: ExportLayout = findLinks != nil ? .findLinks : .simple
        let directory = URL(fileURLWithPath: findLinks ?? simple!)
        let method: ExportMethod = hardLinks ? .hardLink : .copy
        if hardLinks && !json {
            FileHandle.standardError.write(Data("warning: --hard-links: the exported files are the stored blobs; a tool that writes into one changes the blob, and verify will quarantine it\n".utf8))
        }
        let result: ExportResult
        let environment: TargetEnvironment
        if inputs.isGiven || inputs.withDeps {
            let verdicts: [EnvironmentVerdict]
            (environment, verdicts) = try resolution.environmentVerdicts(requirements: requirements, inputs: inputs, store: openStore, verifyFiles: false)
            var merged = verdicts.first!
            merged.packages = verdicts.flatMap(\.packages)
            result = try opened!.export(merged, to: directory, layout: layout, method: method)
        } else {
            let verdicts: [InstallVerdict]
            (environment, verdicts) = try resolution.verdicts(for: requirements, store: openStore, verifyFiles: false)
            result = try opened!.export(verdicts, to: directory, layout: layout, method: method)
        }
        if json {
            try Output.printJSON(ExportJSON(result, directory: directory, layout: layout))
        } else {
            for file in result.files {
                Output.line("✔ \(file.requirement)  \(file.path) (\(file.hardLinked ? "hard link" : "copy"), verified)")
            }
            for missing in result.missing {
                Output.line("✘ \(missing.requirement): nothing stored satisfies it for \(environment.summary)")
                for reason in missing.reasons {
                    Output.line("    [\(reason.code)] \(reason.message)")
                    Output.line("      hint: \(reason.hint)")
                }
                for wheel in missing.verdict?.storedWheels.prefix(10) ?? [] where !wheel.satisfies {
                    Output.line("    stored \(wheel.filename): \(wheel.whyNot ?? "")")
                }
            }
            if !result.kept.isEmpty { Output.line("kept \(result.kept.count) file(s) already in the directory, listed in its index") }
            Output.line("index: \(result.indexPath)")
            if !result.files.isEmpty {
                let root = directory.path(percentEncoded: false)
                let install = layout == .findLinks ? "pip install --no-index --find-links \(root)" : "pip install --no-index --index-url file://\(root)/"
                let what = inputs.lock != nil ? "-r <requirements exported from the lock>" : inputs.requirementFiles.isEmpty
                    ? requirements.map { "'\($0)'" }.joined(separator: " ") : inputs.requirementFiles.map { "-r \($0)" }.joined(separator: " ")
                Output.line("install with: \(install) \(what)")
            }
        }
        if !result.missing.isEmpty { throw ExitCode(ExitStatus.notFound.rawValue) }
    }
}

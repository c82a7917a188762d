import ArgumentParser
import ArtifactStore
import Foundation
import PythonPackaging

extension IndexStrategy: ExpressibleByArgument {}

struct CanInstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "can-install",
        abstract: "Answer whether requirements can be installed from the store alone, and exactly why not.",
        discussion: """
            For each requirement (PEP 508: name, extras, specifiers; a marker that excludes the environment gets a note), \
            walks what an installer does per --index, in order: is the project page \
            <index>/<name>/ usable under --policy (else every reason: never fetched, refused \
            no-store on a date, stale, Vary mismatch…); which files match (PEP 440 specifiers and \
            pre-release rules, yanked only when pinned with ==, Requires-Python, a wheel whose tags \
            the environment supports, best tag first; sdists need a build); is the chosen file \
            stored (any blob with the page's sha256 counts, whatever URL it came from) and does \
            it verify. When not, lists the project's wheels in the store and which would satisfy \
            the requirement, and the way out: `artifact-store export --find-links DIR …`.

            The environment is this machine's (python3 on PATH, its packaging tags) unless \
            --python and --platform are given.

            --json prints one object: {"satisfiable", "environment", "policy", "indexStrategy", \
            "results": [RESULT]}; docs/json-output.md describes RESULT.

            WHOLE ENVIRONMENTS
            --lock FILE answers for a PEP 751 pylock.toml or a uv.lock: each package the \
            environment installs (markers evaluated) resolves to exactly one file, its best wheel \
            or its sdist (flagged as needing a build); a file is stored when a blob has its hash, \
            whatever URL it came from. -r FILE answers for a requirements file (pins, --hash, \
            --index-url, -r includes). --with-deps follows each chosen wheel's Requires-Dist \
            (not a resolver: conflicts are reported, not backtracked). These print one line per \
            package and a summary ("41 of 43 files stored (1.2 GiB); missing: …"); --json prints \
            {"satisfiable", "environment", "policy", "indexStrategy", "environments": [{"source", \
            "summary", "packages": [PACKAGE], "skipped"}]}, where PACKAGE is {"name", "version", \
            "file", "url", "digest", "size", "status", "reasons", …} (docs/json-output.md).

            EXIT STATUS
              0   every requirement can be installed from the store
              1   at least one cannot (the reasons and hints are printed)
              64  bad input: an invalid requirement, missing --index, bad environment options
              74  the store cannot be opened or read

            EXAMPLES
              artifact-store can-install 'torch==2.5.1' --index https://download.pytorch.org/whl/cpu --python 3.11 --platform manylinux_2_28_x86_64
              artifact-store can-install numpy 'scipy>=1.13' --index https://pypi.org/simple --json
              artifact-store can-install --lock uv.lock --python 3.12 --platform manylinux_2_28_x86_64
              artifact-store can-install -r requirements.txt
              artifact-store can-install python-dateutil --with-deps --index https://pypi.org/simple
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: ArgumentHelp("Requirements, e.g. 'torch==2.5.1' 'numpy>=2'.", valueName: "requirement")) var requirements: [String] = []
    @OptionGroup var inputs: EnvironmentInputs
    @OptionGroup var resolution: ResolutionOptions
    @Flag(help: "Do not re-hash the chosen files (faster for large wheels; they are still checked when exported).") var noVerify = false
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        guard !requirements.isEmpty || inputs.isGiven else {
            throw ValidationError("give requirements (e.g. 'torch==2.5.1'), a lock file (--lock pylock.toml or uv.lock) or a requirements file (-r requirements.txt)")
        }
        guard inputs.lock == nil || (requirements.isEmpty && inputs.requirementFiles.isEmpty) else {
            throw ValidationError("--lock answers for exactly the locked files: give it alone, without requirements or -r")
        }
        guard !resolution.indexes.isEmpty || inputs.isGiven else { throw ValidationError("give at least one --index URL, e.g. --index https://pypi.org/simple") }
        guard !(inputs.withDeps && inputs.lock != nil) else { throw ValidationError("--with-deps follows requirements; a lock file already lists every package") }
    }

    func run() throws {
        let (policy, indexStrategy) = (resolution.policy, resolution.indexStrategy)
        if inputs.isGiven || inputs.withDeps {
            let (environment, verdicts) = try resolution.environmentVerdicts(requirements: requirements, inputs: inputs, store: { try storeOptions.openExisting() }, verifyFiles: !noVerify)
            if json {
                try Output.printJSON(EnvironmentsReport(satisfiable: verdicts.allSatisfy(\.isSatisfiable), environment: environment.summary, policy: policy.rawValue,
                                                        indexStrategy: indexStrategy.rawValue, environments: verdicts.map { EnvironmentJSON($0, policy: policy) }))
            } else {
                Output.line("environment: \(environment.summary); policy \(policy.rawValue); index strategy \(indexStrategy.rawValue)")
                for verdict in verdicts {
                    if verdicts.count > 1 { Output.line("\(verdict.source):") }
                    EnvironmentText.print(verdict)
                }
            }
            if !verdicts.allSatisfy(\.isSatisfiable) { throw ExitCode(ExitStatus.notFound.rawValue) }
            return
        }
        let (environment, verdicts) = try resolution.verdicts(for: requirements, store: { try storeOptions.openExisting() }, verifyFiles: !noVerify)
        if json {
            try Output.printJSON(InstallReport(verdicts: verdicts, environment: environment, policy: policy, strategy: indexStrategy))
        } else {
            Output.line("environment: \(environment.summary); policy \(policy.rawValue); index strategy \(indexStrategy.rawValue)")
            for verdict in verdicts { InstallText.print(verdict) }
            if verdicts.contains(where: \.isSatisfiable) {
                Output.line("note: dependencies were not checked; add --with-deps to follow each wheel's Requires-Dist")
            }
        }
        if !verdicts.allSatisfy(\.isSatisfiable) { throw ExitCode(ExitStatus.notFound.rawValue) }
    }
}

/// The human rendering of an ``InstallVerdict``.
enum InstallText {
    static func print(_ verdict: InstallVerdict) {
        let requirement = verdict.requirement.text
        if verdict.isSatisfiable, let chosen = verdict.chosen, let stored = chosen.stored {
            Output.line("✔ \(requirement)  \(chosen.filename) (stored\(stored.verified ? ", verified" : ""))")
            Output.line("    from \(chosen.pageURL), tag \(chosen.tag?.description ?? "?"), blob \(stored.digest.hex)")
        } else {
            Output.line("✘ \(requirement) because \(verdict.reasons.first?.message ?? "nothing in the store satisfies it")")
            if let chosen = verdict.chosen {
                Output.line("    an installer would pick \(chosen.filename) from \(chosen.pageURL)")
            }
            for (position, reason) in verdict.reasons.enumerated() {
                // The first reason's message is already on the ✘ line.
                Output.line(position == 0 ? "    [\(reason.code)] hint: \(reason.hint)" : "    [\(reason.code)] \(reason.message)")
                if position > 0 { Output.line("      hint: \(reason.hint)") }
            }
        }
        for note in verdict.notes { Output.line("    note: \(note)") }
        if !verdict.storedWheels.isEmpty {
            Output.line("    stored wheels of \(verdict.requirement.project):")
            for wheel in verdict.storedWheels.prefix(20) {
                let mark = wheel.satisfies ? "✔" : "✘"
                let detail = wheel.satisfies ? "satisfies \(requirement) (tag \(wheel.tag?.description ?? "?"))" : (wheel.whyNot ?? "")
                Output.line("      \(mark) \(wheel.filename)  \(wheel.version)  \(detail)")
                Output.line("          from \(wheel.source)")
            }
            if verdict.storedWheels.count > 20 { Output.line("      … and \(verdict.storedWheels.count - 20) more") }
        }
        if let wayOut = verdict.wayOut, let command = verdict.wayOutCommand {
            Output.line("    way out: \(wayOut.filename) is stored and satisfies \(requirement); build a local index from the store:")
            Output.line("      \(command)")
        }
    }
}

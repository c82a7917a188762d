import ArgumentParser
import ArtifactStore
import Foundation
import Synchronization

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Prove the store's integrity: re-hash blobs, compare rows and files, check the database.",
        discussion: """
            Re-hashes every blob on all cores, compares blob rows and files both ways (missing \
            files, orphan files, size mismatches, misnamed files, symbolic links), runs SQLite's \
            integrity_check and foreign_key_check, and finds responses whose body has no blob row. \
            Safe while other processes use the store. verify never deletes anything: with \
            --repair, bad files move to quarantine/, rows whose file is gone are marked, intact \
            orphan files are adopted, and each problem says exactly what was changed.

            Exit status: 0 when the store is clean (or every problem was repaired), 3 when problems \
            remain. With --json: {"blobRows", "files", "blobsHashed", "bytesHashed", "sample", \
            "integrityCheck", "repair", "durationSeconds", "clean", "problems": [{"kind", \
            "digest", "path", "message", "repair"}]}.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Flag(help: "Fix what can be fixed (quarantine, mark, adopt); never deletes data.") var repair = false
    @Option(help: ArgumentHelp("Re-hash only this share of the blobs, e.g. 1% (rows and files are still compared for all).", valueName: "percent"))
    var sample: String?
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        var fraction = 1.0
        if let sample {
            let text = sample.hasSuffix("%") ? String(sample.dropLast()) : sample
            guard let percent = Double(text), percent > 0, percent <= 100 else {
                throw ValidationError("--sample takes a percentage in (0, 100], e.g. 1% or 25%")
            }
            fraction = percent / 100
        }
        // --repair may rebuild a lost database and adopt the blobs by their content.
        let store = try storeOptions.openExisting(recreatingMissingDatabase: repair)
        let progress = ProgressLine()
        var options = VerifyOptions(repair: repair, sample: fraction)
        if progress.isActive {
            options.progress = { state in
                let byBytes = state.bytesExpected > 0 ? Double(state.bytesHashed) / Double(state.bytesExpected) : 0
                let byDirectories = Double(state.directoriesDone) / 256
                let text = "verify: \(state.blobsHashed)/\(state.blobsExpected) blobs, \(Output.humanSize(state.bytesHashed)) of \(Output.humanSize(state.bytesExpected))"
                progress.update(fraction: min(1, max(byBytes, byDirectories)), text: text)
            }
        }
        let report = try store.verify(options)
        progress.finish()
        if json {
            try Output.printJSON(VerifyReportJSON(report))
        } else {
            for problem in report.problems {
                Output.line("\(problem.kind.rawValue): \(problem.message)")
                if let change = problem.repair { Output.line("  repaired: \(change)") }
            }
            let hashed = "\(report.blobsHashed) blob(s) re-hashed (\(Output.humanSize(report.bytesHashed)))"
            let sampled = report.sample < 1 ? String(format: ", a %.3g%% sample", report.sample * 100) : ""
            let summary = report.problems.isEmpty
                ? "clean: \(report.blobRows) blob row(s), \(hashed)\(sampled), database ok"
                : "\(report.problems.count) problem(s), \(report.problems.count - report.unrepairedProblems.count) repaired; \(report.blobRows) blob row(s), \(hashed)\(sampled)"
            Output.line(summary + String(format: " in %.1fs", report.durationSeconds))
            if !report.isClean && !repair { Output.line("run `artifact-store verify --repair` to fix what can be fixed (nothing is deleted)") }
        }
        if !report.isClean { throw ExitCode(ExitStatus.integrityFailure.rawValue) }
    }
}

import ArgumentParser
import ArtifactStore
import Foundation

struct PutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put",
        abstract: "Store files; print each one's digest and size.",
        discussion: """
            Each file is read once: hashed while it is copied into the store, made durable (fsync), \
            then published under its SHA-256. Content already in the store is not stored twice. \
            Use - to read standard input.

            Output, one line per file: DIGEST  SIZE  FILE. With --json, one array of \
            {"file", "digest", "size", "alreadyStored"}. A file that cannot be stored is reported \
            on standard error; the others are still stored, and the exit status is then 64 (bad \
            input) or 74 (store failure).
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Flag(help: "Print the result as JSON.") var json = false
    @Flag(help: "Pin each stored blob so that gc keeps it (a blob nothing references is otherwise garbage after a few minutes).") var pin = false
    @Option(help: "With --pin: a note kept with the pins.") var note = ""
    @Argument(help: ArgumentHelp("Files to store (- for standard input).", valueName: "file")) var files: [String]

    struct Result: Encodable {
        var file: String
        var digest: String
        var size: Int64
        var alreadyStored: Bool
    }

    func run() throws {
        let store = try storeOptions.open()
        var results: [Result] = []
        var firstError: StoreError?
        for file in files {
            do {
                // Pinned in the put's own transaction: a gc in between could take it.
                let pinNote = note.isEmpty ? "put \(file)" : note
                let stored = switch (file == "-", pin) {
                case (true, false): try store.put(contentsOf: .standardInput)
                case (true, true): try store.putPinned(contentsOf: .standardInput, note: pinNote)
                case (false, false): try store.put(file: URL(fileURLWithPath: file))
                case (false, true): try store.putPinned(file: URL(fileURLWithPath: file), note: pinNote)
                }
                let result = Result(file: file, digest: stored.digest.hex, size: stored.size, alreadyStored: stored.alreadyStored)
                if json { results.append(result) } else { Output.line("\(result.digest)  \(result.size)  \(file)") }
            } catch let error as StoreError {
                Output.error("artifact-store: \(ArtifactStoreCommand.detailed(error))")
                firstError = firstError ?? error
                // A store that cannot be written will not take the next file either.
                if ExitStatus(for: error.code) == .storeFailure { break }
            }
        }
        if json { try Output.printJSON(results) }
        if let firstError { throw ExitCode(ExitStatus(for: firstError.code).rawValue) }
    }
}

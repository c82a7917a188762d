import ArgumentParser
import ArtifactStore
import Foundation

struct CatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Write blobs to standard output, verified.",
        discussion: """
            Each blob is re-hashed before its first byte is written: a blob whose content no longer \
            matches its digest is moved to quarantine/ and nothing of it is written (exit status 3). \
            A digest is 64 hex characters (any case), optionally prefixed with sha256:, or a unique prefix of at least 8.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: ArgumentHelp("Digests of the blobs to write, in order.", valueName: "digest")) var digests: [String]

    func validate() throws {
        if digests.isEmpty { throw ValidationError("name at least one digest (see `artifact-store ls`)") }
    }

    func run() throws {
        let store = try storeOptions.openExisting()
        let parsed = try digests.map(store.resolveDigest)
        // Binary data would garble the terminal: refuse, as curl does, and say what to do.
        if Output.standardOutputIsTerminal, let binary = try parsed.first(where: { Output.looksBinary(try Output.prefix(of: $0, in: store)) }) {
            throw StoreError(.invalidInput, "blob \(binary.hex.prefix(12))… is binary and standard output is a terminal; redirect it to a file (artifact-store cat \(binary.hex.prefix(12)) > FILE) or pipe it")
        }
        for digest in parsed {
            try store.copy(digest, to: FileHandle.standardOutput.fileDescriptor)
        }
    }
}

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
            A digest is 64 lowercase hex characters, optionally prefixed with sha256:.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: ArgumentHelp("Digests of the blobs to write, in order.", valueName: "digest")) var digests: [String]

    func validate() throws {
        if digests.isEmpty { throw ValidationError("name at least one digest (see `artifact-store ls`)") }
    }

    func run() throws {
        let parsed = try digests.map(BlobDigest.init(validating:))
        let store = try storeOptions.openExisting()
        for digest in parsed {
            try store.copy(digest, to: FileHandle.standardOutput.fileDescriptor)
        }
    }
}

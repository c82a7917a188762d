import ArgumentParser
import ArtifactStore

struct IndexPolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index-policy",
        abstract: "Override an index's caching headers, or keep refused bodies, per URL prefix.",
        discussion: """
            Installers let users override caching per index; this is the store's equivalent. For \
            URLs under a prefix (the longest matching prefix wins; "" means every URL), the store \
            can replace the server's Cache-Control for distribution files (--files) and for index \
            pages (--pages), and keep the bodies of responses HTTP rules refuse (--archive; policy \
            archive serves them). Recorded responses keep both what the server sent and what was \
            applied. A policy applies to responses recorded after it is set.

            EXAMPLE (PyTorch's old pages said no-store)
              artifact-store index-policy set https://download.pytorch.org/whl/ \\
                  --files 'max-age=365000000, immutable' --pages 'max-age=600'
            """,
        subcommands: [Set.self, List.self, Remove.self])

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Add or replace the policy for a URL prefix.")

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The URL prefix, e.g. https://download.pytorch.org/whl/ (\"\" for every URL).") var prefix: String
        @Option(help: "Cache-Control to apply to distribution files (.whl, sdists, .metadata).") var files: String?
        @Option(help: "Cache-Control to apply to index pages.") var pages: String?
        @Flag(help: "Keep bodies of responses HTTP rules refuse (served only under policy archive).") var archive = false
        @Option(help: "A note for yourself.") var note = ""

        func validate() throws {
            if files == nil && pages == nil && !archive {
                throw ValidationError("say what the policy does: --files, --pages and/or --archive")
            }
        }

        func run() throws {
            let store = try storeOptions.open()
            try store.setIndexPolicy(IndexPolicy(urlPrefix: prefix, fileCacheControl: files, pageCacheControl: pages, archiveRefused: archive, note: note))
            Output.line("index policy set for \(prefix.isEmpty ? "every URL" : RecordedURL.redacted(prefix, replacement: ""))")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls", abstract: "List index policies.",
            discussion: "With --json: [{\"urlPrefix\", \"fileCacheControl\", \"pageCacheControl\", \"archiveRefused\", \"note\"}].")

        @OptionGroup var storeOptions: StoreOptions
        @Flag(help: "Print the result as JSON.") var json = false

        func run() throws {
            let policies = try storeOptions.openExisting().indexPolicies()
            if json { return try Output.printJSON(policies) }
            for policy in policies {
                Output.line("\(policy.urlPrefix.isEmpty ? "(every URL)" : policy.urlPrefix)  \(Self.describe(policy))")
            }
        }

        /// `files: …; pages: …; archive refused bodies; note: …`.
        static func describe(_ policy: IndexPolicy) -> String {
            var parts: [String] = []
            if let files = policy.fileCacheControl { parts.append("files: \(files)") }
            if let pages = policy.pageCacheControl { parts.append("pages: \(pages)") }
            if policy.archiveRefused { parts.append("archive refused bodies") }
            if !policy.note.isEmpty { parts.append("note: \(policy.note)") }
            return parts.joined(separator: "; ")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove the policy for a URL prefix.")

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The URL prefix.") var prefix: String

        func run() throws {
            guard try storeOptions.openExisting().removeIndexPolicy(urlPrefix: prefix) else {
                throw StoreError(.notFound, "no index policy for \(prefix); `artifact-store index-policy ls` lists them")
            }
        }
    }
}

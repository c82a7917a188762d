import ArgumentParser
import ArtifactStore

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show what the store records about a blob, or about a URL's responses.",
        discussion: """
            Prints the blob's size, when it was stored, last used and last verified, whether it is \
            quarantined, and its file. With --json: {"digest", "size", "createdAt", "lastUsedAt", \
            "verifiedAt", "quarantinedAt", "quarantineReason", "path"} (times in ISO 8601 UTC, null \
            when unset). Exit status 1 when the store has no such blob.

            Given a URL, shows its recorded responses (status, disposition, freshness, headers, \
            body blob); --json prints them as an array, in the form `explain --json` uses under \
            "responses". `artifact-store explain URL` tells the whole story.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Flag(help: "Print the result as JSON.") var json = false
    @Argument(help: ArgumentHelp("A blob's digest, or a URL.", valueName: "digest-or-url")) var digest: String

    func run() throws {
        if digest.contains("://") { return try showURL(digest) }
        let store = try storeOptions.openExisting()
        let digest = try store.resolveDigest(digest)
        guard let info = try store.blob(digest) else {
            throw StoreError(.notFound, "no blob \(digest.hex) in the store at \(store.layout.rootPath); `artifact-store ls` lists what is stored")
        }
        let path = store.path(of: digest)
        if json {
            try Output.printJSON(BlobJSON(info, path: path))
            return
        }
        var lines = [
            ("digest", "sha256:\(info.digest.hex)"),
            ("size", "\(info.size) bytes (\(Output.humanSize(info.size)))"),
            ("stored", Timestamp.iso8601(info.createdAt)),
            ("last used", Timestamp.iso8601(info.lastUsedAt)),
            ("verified", info.verifiedAt.map(Timestamp.iso8601) ?? "at ingest only"),
        ]
        if let quarantinedAt = info.quarantinedAt {
            lines.append(("quarantined", "\(Timestamp.iso8601(quarantinedAt)): \(info.quarantineReason ?? "content mismatch")"))
        }
        lines.append(("file", path))
        for (label, value) in lines {
            Output.line((label + ":").padding(toLength: 13, withPad: " ", startingAt: 0) + value)
        }
    }

    private func showURL(_ url: String) throws {
        let store = try storeOptions.openExisting()
        let records = try store.responses(for: url)
        if json { return try Output.printJSON(records.map(ResponseJSON.init)) }
        guard !records.isEmpty else {
            throw StoreError(.notFound, "no response recorded for \(try NormalizedURL(url).text); fetch it once while online")
        }
        for record in records {
            Output.line("\(record.method) \(record.url)\(record.variantKey.isEmpty ? "" : "  [variant \(record.variantKey.replacingOccurrences(of: "\n", with: "; "))]")")
            Output.line("  \(record.status) \(record.disposition.rawValue) on \(Timestamp.iso8601(record.responseTime))\(record.refusalReasons.isEmpty ? "" : " (" + record.refusalReasons.map(\.code).joined(separator: ", ") + ")")")
            if record.disposition != .refused {
                Output.line("  fresh until \(Timestamp.iso8601(record.expiresAt)) (lifetime \(VerdictReason.duration(record.freshnessLifetime)))")
            }
            if let applied = record.appliedCacheControl { Output.line("  Cache-Control overridden to \"\(applied)\" (index policy \(record.overridePrefix ?? ""))") }
            if let digest = record.bodyDigest { Output.line("  body: \(digest.hex) (\(record.bodySize ?? 0) bytes)") }
            for field in record.responseHeaders { Output.line("  < \(field.name): \(field.value)") }
        }
    }
}

import ArgumentParser
import ArtifactStore
import Foundation

/// `DIGEST` (64 hex, optionally `sha256:`, or a unique prefix of a stored blob's) or a URL
/// pattern (anything with `://`).
private func pinTarget(_ text: String, in store: Store) throws -> PinTarget {
    if text.contains("://") { return .urlPattern(text) }
    return .digest(try store.resolveDigest(text))
}

struct PinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin",
        abstract: "Keep a blob, or the bodies of responses whose URL matches a pattern, from gc.",
        discussion: """
            A DIGEST pins one blob (it need not be stored yet). A URL pattern pins the body of \
            every response whose normalized URL matches it: * matches any run of characters \
            (including /), ? one character, e.g. 'https://download.pytorch.org/whl/*'. Quote \
            patterns so the shell leaves them alone. Pinning again updates the note.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "Why it is pinned (shown by `pins`).") var note = ""
    @Argument(help: ArgumentHelp("A blob digest, or a URL pattern.", valueName: "digest-or-url-pattern")) var target: String

    func run() throws {
        let store = try storeOptions.open()
        let pin = try store.pin(try pinTarget(target, in: store), note: note)
        Output.line("pinned \(PinsCommand.describe(pin.target))")
    }
}

struct UnpinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpin",
        abstract: "Remove a pin (exit status 1 when there was none).")

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: ArgumentHelp("The pinned digest or URL pattern, as given to `pin`.", valueName: "digest-or-url-pattern")) var target: String

    func run() throws {
        let store = try storeOptions.openExisting()
        let target = try pinTarget(target, in: store)
        guard try store.unpin(target) else {
            throw StoreError(.notFound, "\(PinsCommand.describe(target)) is not pinned; `artifact-store pins` lists the pins")
        }
        Output.line("unpinned \(PinsCommand.describe(target))")
    }
}

struct PinsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pins",
        abstract: "List the pins.",
        discussion: """
            One line per pin: DIGEST or URL pattern, when it was pinned, the note. With --json: \
            [{"id", "digest", "urlPattern", "createdAt", "note"}] (one of digest and urlPattern is null).
            """)

    @OptionGroup var storeOptions: StoreOptions
    @Flag(help: "Print the result as JSON.") var json = false

    struct PinJSON: Encodable {
        var id: Int64
        @ExplicitNull var digest: String?
        @ExplicitNull var urlPattern: String?
        var createdAt: String
        var note: String

    }

    func run() throws {
        let pins = try storeOptions.openExisting().pins()
        if json {
            try Output.printJSON(pins.map { pin in
                var digest: String?, pattern: String?
                switch pin.target {
                case .digest(let value): digest = value.hex
                case .urlPattern(let value): pattern = value
                }
                return PinJSON(id: pin.id, digest: digest, urlPattern: pattern, createdAt: Timestamp.iso8601(pin.createdAt), note: pin.note)
            })
            return
        }
        for pin in pins {
            Output.line("\(Self.describe(pin.target))  \(Timestamp.iso8601(pin.createdAt))\(pin.note.isEmpty ? "" : "  \(pin.note)")")
        }
    }

    static func describe(_ target: PinTarget) -> String {
        switch target {
        case .digest(let digest): digest.hex
        case .urlPattern(let pattern): pattern
        }
    }
}

import ArgumentParser
import ArtifactStore

/// The options people type before the command name as often as after it
/// (`artifact-store --store PATH ls`, `artifact-store ls --store PATH`): ``StoreOptions``'
/// `--store` and `--config`. swift-argument-parser only accepts an option after the command
/// that declares it, so before parsing, ``hoist(_:root:)`` moves the ones that precede the
/// command name to just after the command's full name (`index-policy set`), where the command's
/// own ``StoreOptions`` parses them. Nothing else changes: `--help` and `--version` are the
/// parser's as before, and a misspelled command still gets its suggestion.
enum GlobalOptions {
    /// The long names that may precede the command name.
    static let names = ["--store", "--config", "--metadata", "--blobs"]

    /// The arguments with leading global options moved after the command name.
    ///
    /// - Throws: ``StoreError`` `invalidInput` when a global option given before the command is
    ///   given again after it with another value, or when the command does not take it.
    static func hoist(_ arguments: [String], root: any ParsableCommand.Type = ArtifactStoreCommand.self) throws -> [String] {
        let (hoisted, index) = leading(arguments)
        guard !hoisted.isEmpty else { return arguments }

        // The command's full name: subcommand names as far as they go.
        var command = root
        var end = index
        while end < arguments.count, let next = command.configuration.subcommands.first(where: { named($0, arguments[end]) }) {
            command = next
            end += 1
        }
        // No command name after them: leave it to the parser to say what is wrong.
        guard end > index else { return arguments }
        let commandName = (["artifact-store"] + arguments[index..<end]).joined(separator: " ")
        // A group's default subcommand is what runs when no subcommand name follows.
        let taking = command.configuration.defaultSubcommand ?? command
        let rest = Array(arguments[end...])
        let given = values(in: rest)

        var moved: [String] = []
        var movedNames: Set<String> = []
        for option in hoisted {
            guard takesStoreOptions(taking) else {
                throw StoreError(.invalidInput, "\(option.name) was given before '\(commandName)', which does not take it ('\(commandName) --help' lists its options)")
            }
            let others = given[option.name, default: []] + hoisted.filter { $0.name == option.name }.map(\.value)
            if let other = others.first(where: { $0 != option.value }) {
                throw StoreError(.invalidInput, "\(option.name) was given twice with different values ('\(option.value)' and '\(other)'); give it once")
            }
            // Given again after the command (with the same value), or already moved: once is enough.
            if given[option.name] == nil && movedNames.insert(option.name).inserted {
                moved += option.tokens
            }
        }
        return Array(arguments[index..<end]) + moved + rest
    }

    /// The arguments after the leading global options: what should name a command.
    static func afterLeadingOptions(_ arguments: [String]) -> [String] {
        Array(arguments[leading(arguments).end...])
    }

    /// The leading global options, each as typed (`--store PATH` or `--store=PATH`), and the
    /// index of the first argument after them.
    private static func leading(_ arguments: [String]) -> (options: [(name: String, value: String, tokens: [String])], end: Int) {
        var options: [(name: String, value: String, tokens: [String])] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if names.contains(argument), index + 1 < arguments.count {
                options.append((argument, arguments[index + 1], [argument, arguments[index + 1]]))
                index += 2
            } else if let name = names.first(where: { argument.hasPrefix($0 + "=") }) {
                options.append((name, String(argument.dropFirst(name.count + 1)), [argument]))
                index += 1
            } else {
                break
            }
        }
        return (options, index)
    }

    /// Whether `command` is called `name` (its command name or an alias).
    private static func named(_ command: any ParsableCommand.Type, _ name: String) -> Bool {
        let configuration = command.configuration
        return (configuration.commandName ?? "") == name || configuration.aliases.contains(name)
    }

    /// The values given to each global option in `arguments` (up to a `--`).
    private static func values(in arguments: [String]) -> [String: [String]] {
        var result: [String: [String]] = [:]
        var index = 0
        while index < arguments.count, arguments[index] != "--" {
            let argument = arguments[index]
            if names.contains(argument), index + 1 < arguments.count {
                result[argument, default: []].append(arguments[index + 1])
                index += 2
                continue
            }
            if let name = names.first(where: { argument.hasPrefix($0 + "=") }) {
                result[name, default: []].append(String(argument.dropFirst(name.count + 1)))
            }
            index += 1
        }
        return result
    }

    /// Whether a command declares ``StoreOptions`` (an `@OptionGroup` of them), read from a
    /// default instance so that a new command cannot be forgotten here.
    private static func takesStoreOptions(_ command: any ParsableCommand.Type) -> Bool {
        Mirror(reflecting: command.init()).children.contains { $0.value is OptionGroup<StoreOptions> }
    }
}

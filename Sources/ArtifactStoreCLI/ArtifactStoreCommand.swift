import ArgumentParser
import ArtifactStore
import Foundation
import Logging

/// The `artifact-store` command: the root of the command tree.
public struct ArtifactStoreCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "artifact-store",
        abstract: "A content-addressed store for the wheels and index pages Python installers download.",
        discussion: """
            Every blob is stored once, named by its SHA-256, and verified when it is read. Metadata \
            lives in SQLite beside the blobs.

            STORE LOCATION
              --store PATH, else $ARTIFACT_STORE_DIR, else $XDG_CACHE_HOME/artifact-store, \
            else ~/.cache/artifact-store. The directory is created private to you (mode 0700).
              --store and --config may come before the command as well as after it: \
            `artifact-store --store PATH ls` is `artifact-store ls --store PATH`.

            EXIT STATUS
              0   success
              1   not found: no such blob (or, for queries, not satisfiable)
              3   integrity failure: a blob failed verification (it was quarantined) or its file is missing
              64  usage error: bad arguments, a malformed digest, an input file that cannot be read
              74  store error: the store cannot be opened or written, I/O or database failure, newer format

            ENVIRONMENT
              ARTIFACT_STORE_DIR   the store directory (see STORE LOCATION)
              ARTIFACT_STORE_LOG   log level on standard error: trace, debug, info, notice, warning, error, critical

            EXAMPLES
              artifact-store put torch-2.5.1-cp311-cp311-linux_x86_64.whl
              artifact-store cat 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 > copy.whl
              artifact-store ls --sort size --limit 10
              artifact-store stats --json
            """,
        version: "0.1.0",
        subcommands: [
            InitCommand.self,
            PutCommand.self,
            CatCommand.self,
            ListCommand.self,
            ShowCommand.self,
            StatsCommand.self,
            FetchCommand.self,
            ServeCommand.self,
            ExplainCommand.self,
            CanInstallCommand.self,
            ExportCommand.self,
            PrefetchCommand.self,
            ConfigCommand.self,
            IndexPolicyCommand.self,
            GCCommand.self,
            VerifyCommand.self,
            PinCommand.self,
            UnpinCommand.self,
            PinsCommand.self,
            DebugCommand.self,
        ]
    )

    public init() {}

    /// Runs the command line, mapping store errors to the documented exit codes.
    public static func main(_ arguments: [String]? = nil) async {
        bootstrapLogging()
        Store.turnOffSQLiteMemoryStatistics()
        let given: [String]
        do {
            given = try GlobalOptions.hoist(arguments ?? Array(CommandLine.arguments.dropFirst()))
        } catch let error as StoreError {
            reportAndExit(error)
        } catch {
            exit(withError: error)
        }
        if let suggestion = unknownSubcommand(GlobalOptions.afterLeadingOptions(given)) {
            FileHandle.standardError.write(Data("artifact-store: \(suggestion)\n".utf8))
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        var parsed: (any ParsableCommand)?
        do {
            ConfigFile.active = try ConfigFile.load(arguments: given)
            var command = try parseAsRoot(given)
            parsed = command
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as StoreError {
            reportAndExit(error)
        } catch let error as ValidationError where parsed != nil {
            // Thrown while running (a bad duration, a bad size): name the command, not the root's usage.
            let name = type(of: parsed!).configuration.commandName ?? "artifact-store"
            FileHandle.standardError.write(Data("artifact-store \(name): \(error.message)\n  See 'artifact-store \(name) --help'.\n".utf8))
            Foundation.exit(ExitStatus.usage.rawValue)
        } catch {
            exit(withError: error)
        }
    }

    /// "unknown command …; did you mean …?" when the first word is not a command (nil otherwise).
    static func unknownSubcommand(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        let names = configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
        guard !names.contains(first) else { return nil }
        let ranked = names.map { ($0, editDistance(first, $0)) }.sorted { $0.1 < $1.1 }
        let close = ranked.filter { $0.1 <= max(2, first.count / 3) }.map(\.0)
        let hint = close.isEmpty ? "" : "; did you mean \(close.prefix(3).map { "'\($0)'" }.joined(separator: " or "))?"
        return "unknown command '\(first)'\(hint) ('artifact-store --help' lists them)"
    }

    /// Levenshtein distance (small strings: command names).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }

    /// Log lines go to standard error at the level of `ARTIFACT_STORE_LOG` (trace … critical);
    /// by default only critical ones, since every error is already reported in its message.
    private static func bootstrapLogging() {
        let level = ProcessInfo.processInfo.environment["ARTIFACT_STORE_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// The message, with the underlying cause (an errno, a SQLite error) for failures of the
    /// store itself, where it tells the user what broke.
    static func detailed(_ error: StoreError) -> String {
        switch error.code {
        case .io, .database, .unusableStore: error.description
        default: error.message
        }
    }

    static func reportAndExit(_ error: StoreError) -> Never {
        FileHandle.standardError.write(Data("artifact-store: \(detailed(error))\n".utf8))
        Foundation.exit(ExitStatus(for: error.code).rawValue)
    }
}

/// The documented exit statuses (see `artifact-store --help`).
enum ExitStatus: Int32 {
    case success = 0
    case notFound = 1
    case integrityFailure = 3
    case usage = 64
    case storeFailure = 74

    init(for code: StoreError.Code) {
        switch code {
        case .notFound: self = .notFound
        case .blobCorrupt, .blobMissing: self = .integrityFailure
        case .invalidInput: self = .usage
        case .newerFormat, .unusableStore, .io, .database: self = .storeFailure
        }
    }
}

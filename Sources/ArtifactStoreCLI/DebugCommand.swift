import ArgumentParser
import Foundation

struct DebugCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Tools for scripts and differential tests.",
        subcommands: [EvalCommand.self])
}

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate JSON-lines requests against the pure modules (HTTP caching, Python packaging).",
        discussion: """
            Reads one JSON object per line on standard input and writes one JSON line per input, \
            in the same order, on standard output. Each input names an "op" and may carry an "id", \
            which is echoed. An unknown op or bad input yields {"id": …, "error": {"code", "message"}} \
            for that line, and the run goes on. Blank lines are skipped.

            EXAMPLE
              echo '{"op":"version.compare","left":"1.0","right":"1.0.0"}' | artifact-store debug eval

            Ops: \(EvalDriver.operationNames.joined(separator: ", ")).
            """)

    func run() throws {
        let driver = EvalDriver()
        while let line = readLine(strippingNewline: true) {
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            let output = driver.evaluate(line: Data(line.utf8))
            FileHandle.standardOutput.write(output + Data("\n".utf8))
        }
    }
}

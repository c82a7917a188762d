import Foundation
import Testing

/// The built `artifact-store` executable, found beside the test bundle in the products directory.
let artifactStoreExecutable = builtExecutable("artifact-store")

/// The built benchmark driver, `artifact-store-bench`.
let benchmarkExecutable = builtExecutable("artifact-store-bench")

/// An executable of the package, found beside the test bundle in the products directory.
func builtExecutable(_ name: String) -> URL {
    var candidates: [URL] = []
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = testBinary.deletingLastPathComponent()
    for _ in 0..<4 {
        candidates.append(directory.appending(path: name))
        directory = directory.deletingLastPathComponent()
    }
    let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    candidates.append(packageRoot.appending(path: ".build/debug/" + name))
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path(percentEncoded: false)) } ?? candidates.last!
}

/// What a finished command printed and how it exited.
struct CommandResult {
    var status: Int32
    var stdout: Data
    var stderr: String
    /// Whether it was ended by a signal (then `status` is the signal's number).
    var signaled = false
    /// Whether the `timeout` given to ``run(_:store:stdin:executable:environment:timeout:)``
    /// elapsed, and the command was killed for it.
    var timedOut = false
    var output: String { String(decoding: stdout, as: UTF8.self) }

    func json() throws -> Any { try JSONSerialization.jsonObject(with: stdout) }
}

/// Runs `artifact-store` (or another executable) to completion; with a `timeout`, a command
/// still running after that many seconds is killed (SIGKILL) and reported as `timedOut`.
@discardableResult
func run(
    _ arguments: [String], store: String? = nil, stdin: Data? = nil,
    executable: URL = artifactStoreExecutable, environment: [String: String] = [:], timeout: TimeInterval? = nil
) throws -> CommandResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["ARTIFACT_STORE_DIR"] = store
    env.merge(environment) { $1 }
    process.environment = env
    let output = Pipe(), errors = Pipe(), input = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = input
    try process.run()
    let killed = KilledFlag()
    let watchdog = timeout.map { seconds in
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + seconds)
        timer.setEventHandler {
            guard process.isRunning else { return }
            killed.set()
            kill(process.processIdentifier, SIGKILL)
        }
        timer.resume()
        return timer
    }
    defer { watchdog?.cancel() }
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    // Drain both pipes concurrently so a chatty child cannot block on a full pipe.
    nonisolated(unsafe) var errorData = Data()
    let drained = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        errorData = errors.fileHandleForReading.readDataToEndOfFile()
        drained.signal()
    }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    drained.wait()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, stdout: outputData, stderr: String(decoding: errorData, as: UTF8.self),
                         signaled: process.terminationReason == .uncaughtSignal, timedOut: killed.isSet)
}

/// Set once by a watchdog thread, read after the process ended.
private final class KilledFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// A temporary directory removed at the end of the test.
final class Scratch {
    let url: URL
    var path: String { url.path(percentEncoded: false) }
    var store: String { path + "/store" }

    init() throws {
        url = URL(fileURLWithPath: NSTemporaryDirectory()).appending(path: "artifact-store-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func file(_ name: String, _ contents: Data) throws -> String {
        let path = path + "/" + name
        try contents.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A file of `size` pseudo-random bytes, written in chunks.
    func largeFile(_ name: String, size: Int, seed: UInt8 = 1) throws -> String {
        let path = path + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: nil)  // opening it next throws if this failed
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        var chunk = Data(count: 1 << 20)
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        var written = 0
        while written < size {
            chunk.withUnsafeMutableBytes { buffer in
                let words = buffer.bindMemory(to: UInt64.self)
                for index in words.indices {
                    state ^= state << 13; state ^= state >> 7; state ^= state << 17
                    words[index] = state
                }
            }
            let count = min(chunk.count, size - written)
            try handle.write(contentsOf: chunk.prefix(count))
            written += count
        }
        try handle.close()
        return path
    }
}

func sha256Hex(ofFile path: String) throws -> String {
    let result = try run([path], executable: URL(fileURLWithPath: "/usr/bin/sha256sum"))
    return String(result.output.prefix(64))
}

/// The first line a child process writes to `pipe` (what it reads until then, at least).
func firstLine(of pipe: Pipe) -> String {
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
        let chunk = pipe.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        line.append(chunk)
    }
    return String(decoding: line, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
}

/// A Python HTTP server on loopback for one test: runs `python3 ARGUMENTS…`, which must print
/// its port on the first line of standard output.
final class LoopbackServer {
    private let process = Process()
    let port: Int
    var base: String { "http://127.0.0.1:\(port)" }

    init(python arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        guard let port = Int(firstLine(of: output).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "the loopback server \(arguments.first ?? "") did not start"])
        }
        self.port = port
    }

    /// Stops the server. SIGKILL: a child spawned from a test thread may have SIGTERM blocked.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}

import Foundation
import Testing

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The real installers the serve tests drive: uv and pip from the virtual environment that
/// `.ci/run` creates (`.build/client-venv`, or `$ARTIFACT_STORE_TEST_CLIENTS`).
struct Installers {
    let python: String
    let uv: String

    static let shared: Installers? = {
        let environment = ProcessInfo.processInfo.environment
        let venv = environment["ARTIFACT_STORE_TEST_CLIENTS"] ?? packageRoot.appending(path: ".build/client-venv").path(percentEncoded: false)
        let installers = Installers(python: venv + "/bin/python", uv: venv + "/bin/uv")
        guard FileManager.default.isExecutableFile(atPath: installers.python), FileManager.default.isExecutableFile(atPath: installers.uv) else { return nil }
        return installers
    }()

    /// Present, or running outside CI (where the tests then skip). CI must have them.
    static var requiredAndPresent: Bool {
        if shared != nil { return true }
        return ProcessInfo.processInfo.environment["CI"] != nil
    }

    static func require() throws -> Installers {
        try #require(shared, "uv and pip are missing: run `python3 -m venv .build/client-venv && .build/client-venv/bin/pip install uv==0.13.8 pip==26.3` (as .ci/run does)")
    }

    /// `uv pip install --target` through `index` with a private, empty (or given) cache.
    func uv(_ packages: [String], index: String, target: String, cache: String, offline: Bool = false) throws -> CommandResult {
        var arguments = ["pip", "install", "--python", python, "--index-url", index, "--target", target, "--no-progress"]
        if offline { arguments.append("--offline") }
        return try run(arguments + packages, executable: URL(fileURLWithPath: uv),
                       environment: ["UV_CACHE_DIR": cache, "UV_NO_CONFIG": "1", "UV_INDEX_URL": "", "UV_EXTRA_INDEX_URL": "", "UV_HTTP_TIMEOUT": "30"])
    }

    /// `pip install --target` through `index`, ignoring the machine's pip configuration and caches.
    func pip(_ packages: [String], index: String, target: String) throws -> CommandResult {
        try run(["-m", "pip", "install", "--isolated", "--disable-pip-version-check", "--no-cache-dir", "--no-input",
                 "--index-url", index, "--target", target] + packages,
                executable: URL(fileURLWithPath: python), environment: ["PIP_CONFIG_FILE": "/dev/null"])
    }
}

/// `scripts/test-upstream.py`: a PyPI-like index on loopback with real little wheels, PEP 658
/// sidecars, a PyTorch-like `no-store` project, and faults on demand.
final class TestUpstream {
    static let script = packageRoot.appending(path: "scripts/test-upstream.py").path(percentEncoded: false)
    let directory: String
    private(set) var server: LoopbackServer
    var base: String { server.base }
    var simple: String { base + "/simple" }

    init(directory: String, build options: [String] = []) throws {
        self.directory = directory
        let built = try run(["python3", Self.script, "build", directory] + options, executable: URL(fileURLWithPath: "/usr/bin/env"))
        guard built.status == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "building the test index failed: \(built.stderr)"])
        }
        server = try LoopbackServer(python: [Self.script, "serve", directory])
    }

    /// Starts the server again on the same port.
    func restart() throws {
        server = try LoopbackServer(python: [Self.script, "serve", directory, "--port", String(server.port)])
    }

    func stop() { server.stop() }

    /// POSTs a JSON control message (`/-/fault`, `/-/cache-control`, …).
    func control(_ path: String, _ json: String) throws {
        let result = try curl(["-sf", "-X", "POST", "-H", "Content-Type: application/json", "--data", json, base + path])
        guard result.status == 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "control \(path) failed: \(result.stderr)"])
        }
    }

    /// Requests received per path.
    func requests() throws -> [String: Int] {
        let result = try curl(["-sf", base + "/-/requests"])
        return (try JSONSerialization.jsonObject(with: result.stdout) as? [String: Int]) ?? [:]
    }

    /// The manifest the build wrote: project → files.
    func file(_ project: String, _ filename: String) throws -> (sha256: String, size: Int) {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/manifest.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [[String: Any]]])
        let entry = try #require(manifest[project]?.first { $0["filename"] as? String == filename })
        return (try #require(entry["sha256"] as? String), try #require(entry["size"] as? Int))
    }
}

/// `artifact-store serve --port 0` in a process of its own.
final class ServeProcess {
    private let process = Process()
    let base: String
    let logPath: String

    init(store: String, indexes: [String], options: [String] = [], logPath: String) throws {
        self.logPath = logPath
        process.executableURL = artifactStoreExecutable
        process.arguments = ["serve", "--store", store, "--port", "0"] + indexes.flatMap { ["--index", $0] } + options
        let output = Pipe()
        process.standardOutput = output
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)  // opening it next throws if this failed
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try process.run()
        let first = firstLine(of: output)
        guard first.hasPrefix("http://"), first.hasSuffix("/") else {
            kill(process.processIdentifier, SIGKILL)
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "serve did not start: \(first) \(log)"])
        }
        base = first
        // Keep draining the banner so the server never blocks on a full pipe.
        output.fileHandleForReading.readabilityHandler = { handle in _ = handle.availableData }
    }

    var pid: Int32 { process.processIdentifier }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, and the exit status.
    @discardableResult
    func stop() -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        return process.terminationStatus
    }

    func kill9() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { kill9() }
}

/// curl, for what a test wants to see on the wire.
@discardableResult
func curl(_ arguments: [String]) throws -> CommandResult {
    try run(["--max-time", "60"] + arguments, executable: URL(fileURLWithPath: "/usr/bin/curl"))
}

/// A GET through curl: status, headers (lowercased names) and body.
func httpGet(_ url: String, headers: [String] = [], method: String = "GET") throws -> (status: Int, headers: [String: String], body: Data) {
    let scratch = NSTemporaryDirectory() + "/artifact-store-curl-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    var arguments = ["-s", "-D", scratch + ".headers", "-o", scratch + ".body", "-X", method]
    if method == "HEAD" { arguments = ["-s", "-I", "-D", scratch + ".headers", "-o", "/dev/null"] }
    for header in headers { arguments += ["-H", header] }
    try curl(arguments + [url])
    defer { try? FileManager.default.removeItem(atPath: scratch + ".headers"); try? FileManager.default.removeItem(atPath: scratch + ".body") }
    let head = (try? String(contentsOfFile: scratch + ".headers", encoding: .utf8)) ?? ""
    var status = 0
    var fields: [String: String] = [:]
    for line in head.split(separator: "\r\n") {
        if line.hasPrefix("HTTP/") {
            status = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
            fields = [:]
        } else if let colon = line.firstIndex(of: ":") {
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }
    let body = (try? Data(contentsOf: URL(fileURLWithPath: scratch + ".body"))) ?? Data()
    return (status, fields, body)
}

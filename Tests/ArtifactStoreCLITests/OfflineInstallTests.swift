import Foundation
import Testing

/// `scripts/fake-torch-index.py` serving real (tiny) wheels on loopback: a PyTorch-shaped index.
final class FakeTorchIndex {
    static let script = packageRoot.appending(path: "scripts/fake-torch-index.py").path(percentEncoded: false)
    let server: LoopbackServer
    let root: String
    var port: Int { server.port }
    var base: String { server.base }
    var index: String { base + "/whl/cpu" }

    init(directory: String) throws {
        root = directory + "/index"
        let built = try run(["python3", Self.script, "build", root], executable: URL(fileURLWithPath: "/usr/bin/env"))
        guard built.status == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "building the fake wheels failed: \(built.stderr)"])
        }
        server = try LoopbackServer(python: [Self.script, "serve", root])
    }
}

@Suite("can-install and export through the CLI, ending in a real offline pip install")
struct OfflineInstallTests {
    static let target = ["--python", "3.11", "--platform", "manylinux_2_28_x86_64"]

    @Test("the seed scenario end to end: no-store page refused, wheel stored, export --find-links, pip install --no-index succeeds")
    func seedScenarioWithRealPip() throws {
        let scratch = try Scratch()
        let index = try FakeTorchIndex(directory: scratch.path)
        let wheelURL = index.index + "/torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl"
        #expect(try run(["fetch", index.index + "/torch/", "-o", "/dev/null"], store: scratch.store).status == 0)
        #expect(try run(["fetch", wheelURL, "-o", "/dev/null"], store: scratch.store).status == 0)

        let answer = try run(["can-install", "torch==2.0.1", "--index", index.index] + Self.target, store: scratch.store)
        #expect(answer.status == 1, "the page was refused: \(answer.output) \(answer.stderr)")
        #expect(answer.output.contains("✘ torch==2.0.1 because the project page \(index.index)/torch/ cannot be used"))
        #expect(answer.output.contains("no-store"))
        let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        #expect(answer.output.contains("seen on \(today)"))
        #expect(answer.output.contains("✔ torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl  2.0.1+cpu  satisfies torch==2.0.1"))
        #expect(answer.output.contains("artifact-store export --find-links DIR 'torch==2.0.1' --python 3.11 --platform manylinux_2_28_x86_64"))

        let json = try #require(try run(["can-install", "--json", "torch==2.0.1", "--index", index.index] + Self.target, store: scratch.store).json() as? [String: Any])
        #expect(json["satisfiable"] as? Bool == false)
        let result = try #require((json["results"] as? [[String: Any]])?.first)
        #expect(result["project"] as? String == "torch")
        #expect(result["chosen"] is NSNull)
        let reason = try #require((result["reasons"] as? [[String: Any]])?.first)
        #expect(reason["code"] as? String == "page-refused")
        let wayOut = try #require(result["wayOut"] as? [String: Any])
        #expect((wayOut["wheel"] as? [String: Any])?["filename"] as? String == "torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl")

        let wheelhouse = scratch.path + "/wheelhouse"
        let export = try run(["export", "--find-links", wheelhouse, "torch==2.0.1", "--index", index.index] + Self.target, store: scratch.store)
        #expect(export.status == 0, "\(export.output) \(export.stderr)")
        #expect(FileManager.default.fileExists(atPath: wheelhouse + "/torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl"))
        #expect(try String(contentsOfFile: wheelhouse + "/index.html", encoding: .utf8).contains("#sha256="))

        // A fresh virtual environment, no network: pip installs from the exported directory.
        let venv = scratch.path + "/venv"
        let created = try run(["python3", "-m", "venv", venv], executable: URL(fileURLWithPath: "/usr/bin/env"))
        try #require(created.status == 0, "python3 -m venv is needed for this check: \(created.stderr)")
        // Only the exported directory: the machine's pip configuration (PIP_FIND_LINKS, pip.conf) is left out.
        let pip = try run(["-u", "PIP_FIND_LINKS", "-u", "PIP_INDEX_URL", "PIP_CONFIG_FILE=/dev/null", "PIP_DISABLE_PIP_VERSION_CHECK=1",
                           venv + "/bin/python", "-m", "pip", "install", "--no-index", "--find-links", wheelhouse, "torch==2.0.1"],
                          executable: URL(fileURLWithPath: "/usr/bin/env"))
        #expect(pip.status == 0, "pip: \(pip.output) \(pip.stderr)")
        #expect(pip.output.contains("Looking in links: \(wheelhouse)\n"))
        #expect(pip.output.contains("Successfully installed torch-2.0.1+cpu"))
        let imported = try run(["-c", "import torch; print(torch.__version__)"], executable: URL(fileURLWithPath: venv + "/bin/python"))
        #expect(imported.output.trimmingCharacters(in: .whitespacesAndNewlines) == "2.0.1+cpu")
    }

    @Test("with the page made storable by an index policy, can-install says ✔ stored, verified; export --simple works with pip --index-url")
    func satisfiableAndSimpleExport() throws {
        let scratch = try Scratch()
        let index = try FakeTorchIndex(directory: scratch.path)
        #expect(try run(["index-policy", "set", index.base + "/whl/", "--pages", "max-age=600"], store: scratch.store).status == 0)
        #expect(try run(["fetch", index.index + "/torch/", "-o", "/dev/null"], store: scratch.store).status == 0)
        #expect(try run(["fetch", index.index + "/torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl", "-o", "/dev/null"], store: scratch.store).status == 0)
        let answer = try run(["can-install", "torch==2.0.1", "torch>=3", "--index", index.index] + Self.target, store: scratch.store)
        #expect(answer.status == 1, "torch>=3 is not satisfiable")
        #expect(answer.output.contains("✔ torch==2.0.1  torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl (stored, verified)"))
        #expect(answer.output.contains("✘ torch>=3 because no version"))
        #expect(try run(["can-install", "torch==2.0.1", "--index", index.index] + Self.target, store: scratch.store).status == 0)

        let tree = scratch.path + "/simple"
        let export = try run(["export", "--simple", tree, "torch==2.0.1", "--index", index.index] + Self.target, store: scratch.store)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(FileManager.default.fileExists(atPath: tree + "/torch/index.html"))
        #expect(FileManager.default.fileExists(atPath: tree + "/torch/torch-2.0.1+cpu-cp311-cp311-linux_x86_64.whl"))
        let missing = try run(["export", "--find-links", scratch.path + "/none", "torch>=3", "--index", index.index] + Self.target, store: scratch.store)
        #expect(missing.status == 1)
        #expect(missing.output.contains("✘ torch>=3"))
    }

    @Test("without --python/--platform the environment is this machine's python3; half an environment is a usage error")
    func environmentDetection() throws {
        let scratch = try Scratch()
        #expect(try run(["init"], store: scratch.store).status == 0)
        let detected = try run(["can-install", "torch", "--index", "https://download.pytorch.org/whl/cpu"], store: scratch.store)
        #expect(detected.status == 1)
        #expect(detected.output.contains("environment: CPython 3."), "\(detected.output) \(detected.stderr)")
        #expect(detected.output.contains("[page-never-fetched]"))
        let half = try run(["can-install", "torch", "--index", "https://x.example/simple", "--python", "3.11"], store: scratch.store)
        #expect(half.status == 64)
        #expect(half.stderr.contains("--platform is required"))
        let noIndex = try run(["can-install", "torch"], store: scratch.store)
        #expect(noIndex.status == 64)
        #expect(noIndex.stderr.contains("--index"))
    }
}

import Foundation
import HTTPCaching
import Testing

@Suite("The seed scenario through the CLI")
struct SeedScenarioTests {
    @Test("explain describes a refusal in HTTPCaching's one wording, in the history and the verdicts, and --json keeps the code")
    func explainUsesTheOneRefusalWording() throws {
        let scratch = try Scratch()
        let index = try FakeTorchIndex(directory: scratch.path)
        defer { index.server.stop() }
        let page = index.base + "/whl/cpu/torch/"
        #expect(try run(["fetch", page, "-o", "/dev/null"], store: scratch.store).status == 0)
        let sentence = RefusalReason.noStoreResponse.description
        let explain = try run(["explain", page], store: scratch.store)
        #expect(explain.output.contains("refused 200 (\(sentence))"), "the history line: \(explain.output)")
        #expect(explain.output.contains("refused by HTTP caching rules: \(sentence)"), "the verdict: \(explain.output)")
        let json = try #require(try run(["explain", "--json", page], store: scratch.store).json() as? [String: Any])
        let response = try #require((json["responses"] as? [[String: Any]])?.first)
        #expect(response["refusalReasons"] as? [String] == ["no-store-response"])
    }

    @Test("explain names no-store, when it was seen and the way out; with an index policy, offline works")
    func seedScenario() throws {
        let scratch = try Scratch()
        let index = try FakeTorchIndex(directory: scratch.path)
        defer { index.server.stop() }
        let page = index.base + "/whl/cpu/torch/"
        let wheel = index.base + "/whl/cpu/torch-2.0.1%2Bcpu-cp311-cp311-linux_x86_64.whl"
        #expect(try run(["fetch", page, "-o", "/dev/null"], store: scratch.store).status == 0)
        #expect(try run(["fetch", wheel, "-o", "/dev/null"], store: scratch.store).status == 0)

        let explain = try run(["explain", page], store: scratch.store)
        #expect(explain.status == 1, "offline cannot satisfy it")
        #expect(explain.output.contains("no-store"))
        let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
        #expect(explain.output.contains("seen on \(today)"))
        #expect(explain.output.contains("hint:"))
        #expect(explain.output.contains("archive"))

        let json = try #require(try run(["explain", "--json", page], store: scratch.store).json() as? [String: Any])
        #expect(json["satisfiable"] as? Bool == false)
        let offline = try #require((json["verdicts"] as? [String: Any])?["offline"] as? [String: Any])
        let reason = try #require((offline["reasons"] as? [[String: Any]])?.first)
        #expect(reason["code"] as? String == "refused")
        #expect((reason["message"] as? String)?.contains("no-store") == true)
        #expect((reason["hint"] as? String)?.isEmpty == false)

        let wheelExplain = try run(["explain", wheel], store: scratch.store)
        #expect(wheelExplain.status == 0, "the wheel is stored: \(wheelExplain.output)")

        let refused = try run(["ls", "--responses", "--refused"], store: scratch.store)
        #expect(refused.output.contains("/whl/cpu/torch/"))
        #expect(!refused.output.contains(".whl"))

        // The way out: an index policy, then one more fetch while online.
        let set = try run(["index-policy", "set", index.base + "/whl/", "--files", "max-age=365000000, immutable", "--pages", "max-age=600"], store: scratch.store)
        #expect(set.status == 0, "\(set.stderr)")
        #expect(try run(["fetch", page, "-o", "/dev/null"], store: scratch.store).status == 0)
        let after = try run(["explain", page], store: scratch.store)
        #expect(after.status == 0, "\(after.output)")
        #expect(after.output.contains("max-age=600"))
        let offlineFetch = try run(["fetch", "--offline", page], store: scratch.store)
        #expect(offlineFetch.status == 0)
        #expect(offlineFetch.output.contains("torch-2.0.1%2Bcpu"))
    }

    @Test("show URL lists the recorded responses; an unknown URL is not found")
    func showURL() throws {
        let scratch = try Scratch()
        let index = try FakeTorchIndex(directory: scratch.path)
        defer { index.server.stop() }
        #expect(try run(["fetch", index.base + "/whl/cpu/torch/", "-o", "/dev/null"], store: scratch.store).status == 0)
        let show = try run(["show", index.base + "/whl/cpu/torch/"], store: scratch.store)
        #expect(show.status == 0)
        #expect(show.output.contains("refused"))
        #expect(show.output.contains("Cache-Control: no-cache,no-store,must-revalidate"))
        let json = try #require(try run(["show", "--json", index.base + "/whl/cpu/torch/"], store: scratch.store).json() as? [[String: Any]])
        #expect(json.first?["disposition"] as? String == "refused")
        #expect(try run(["show", index.base + "/never/"], store: scratch.store).status == 1)
    }
}

@Suite("Streaming large bodies")
struct StreamingTests {
    @Test("fetch streams a large body to disk in constant memory (measured in its own process)")
    func constantMemory() throws {
        let scratch = try Scratch()
        let size = 256 << 20
        let server = try LoopbackServer(python: [packageRoot.appending(path: "scripts/big-body-server.py").path(percentEncoded: false), "\(size)"])
        defer { server.stop() }
        let port = server.port

        let fetch = Process()
        fetch.executableURL = artifactStoreExecutable
        fetch.arguments = ["fetch", "--store", scratch.store, "http://127.0.0.1:\(port)/big.whl", "-o", scratch.path + "/big.whl"]
        fetch.standardOutput = FileHandle.nullDevice
        fetch.standardError = FileHandle.nullDevice
        try fetch.run()
        // Sample the child's resident memory while it runs.
        var peakKilobytes = 0
        while fetch.isRunning {
            if let status = try? String(contentsOfFile: "/proc/\(fetch.processIdentifier)/status", encoding: .utf8),
               let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
               let kilobytes = line.split(separator: " ").compactMap({ Int($0) }).first {
                peakKilobytes = max(peakKilobytes, kilobytes)
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(fetch.terminationStatus == 0)
        let written = try FileManager.default.attributesOfItem(atPath: scratch.path + "/big.whl")[.size] as? Int
        #expect(written == size)
        #expect(peakKilobytes > 0, "the child's memory was sampled")
        #expect(peakKilobytes < 96 << 10, "peak RSS \(peakKilobytes) KiB for a \(size >> 20) MiB body")
    }
}

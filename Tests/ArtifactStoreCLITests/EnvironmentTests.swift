import Foundation
import Testing

/// Whole environments: lock files made by the real uv and pip over a local index, `prefetch`,
/// then `can-install`/`export` and real offline installs with the upstream stopped.
@Suite("environments: lock files, requirements files, --with-deps and prefetch", .enabled(if: Installers.requiredAndPresent), .serialized)
struct EnvironmentTests {
    static let linux = ["--python", "3.11", "--platform", "manylinux_2_28_x86_64"]

    /// uv with no user configuration, a private cache, and the upstream as its only index.
    static func uv(_ clients: Installers, _ arguments: [String], cache: String, in directory: String? = nil) throws -> CommandResult {
        var arguments = arguments
        if let directory { arguments += ["--directory", directory] }
        return try run(arguments, executable: URL(fileURLWithPath: clients.uv),
                       environment: ["UV_CACHE_DIR": cache, "UV_NO_CONFIG": "1", "UV_INDEX_URL": "", "UV_EXTRA_INDEX_URL": "", "UV_PYTHON": clients.python])
    }

    /// A project depending on alpha (→ beta → gamma) and, on Windows only, mixed-case-name, locked by `uv lock`.
    static func lockedProject(_ clients: Installers, upstream: TestUpstream, scratch: Scratch) throws -> String {
        let project = scratch.path + "/project"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try Data("""
            [project]
            name = "demo"
            version = "0.1"
            requires-python = ">=3.9"
            dependencies = ["alpha", "mixed-case-name; sys_platform == 'win32'"]
            """.utf8).write(to: URL(fileURLWithPath: project + "/pyproject.toml"))
        let locked = try uv(clients, ["lock", "--default-index", upstream.simple + "/"], cache: scratch.path + "/uv-cache-lock", in: project)
        try #require(locked.status == 0, "uv lock: \(locked.stderr)")
        return project
    }

    @Test("uv.lock: prefetch fills the store; with the upstream stopped can-install says ✔ and uv and pip install offline")
    func uvLockPrefetchThenOfflineInstall() throws {
        let clients = try Installers.require()
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream")
        let project = try Self.lockedProject(clients, upstream: upstream, scratch: scratch)
        let lock = project + "/uv.lock"
        try run(["init"], store: scratch.store)

        let before = try run(["can-install", "--lock", lock] + Self.linux, store: scratch.store)
        #expect(before.status == 1)
        #expect(before.output.contains("0 of 3 files stored"), "\(before.output)")
        #expect(before.output.contains("alpha-1.0-py3-none-any.whl (never fetched)"), "\(before.output)")

        let prefetch = try run(["prefetch", "--lock", lock] + Self.linux + ["--platform", "win_amd64"], store: scratch.store)
        #expect(prefetch.status == 0, "\(prefetch.output) \(prefetch.stderr)")
        #expect(prefetch.output.contains("3 of 3 files stored"), "\(prefetch.output)")
        #expect(prefetch.output.contains("4 of 4 files stored"), "win_amd64 also needs mixed-case-name: \(prefetch.output)")

        // Safe to re-run: nothing is fetched again.
        let requestsBefore = try upstream.requests().values.reduce(0, +)
        let again = try run(["prefetch", "--lock", lock] + Self.linux, store: scratch.store)
        #expect(again.status == 0)
        #expect(again.output.contains("fetched 0 of 0"), "\(again.output)")
        #expect(try upstream.requests().values.reduce(0, +) == requestsBefore)

        upstream.stop()
        let check = try run(["can-install", "--lock", lock, "--json"] + Self.linux, store: scratch.store)
        #expect(check.status == 0, "\(check.output)")
        let json = try #require(try check.json() as? [String: Any])
        let environment = try #require((json["environments"] as? [[String: Any]])?.first)
        let packages = try #require(environment["packages"] as? [[String: Any]])
        #expect(packages.map { $0["name"] as? String } == ["alpha", "beta", "gamma"])
        #expect(packages.allSatisfy { $0["status"] as? String == "stored" && ($0["digest"] as? String)?.count == 64 })
        #expect((environment["skipped"] as? [[String: Any]])?.first?["name"] as? String == "mixed-case-name")

        let exported = try run(["export", "--lock", lock, "--find-links", scratch.path + "/wheels"] + Self.linux, store: scratch.store)
        #expect(exported.status == 0, "\(exported.output) \(exported.stderr)")
        let uvInstall = try Self.uv(clients, ["pip", "install", "--offline", "--no-index", "--find-links", scratch.path + "/wheels",
                                              "--target", scratch.path + "/uv-target", "alpha"], cache: scratch.path + "/uv-cache-offline")
        #expect(uvInstall.status == 0, "\(uvInstall.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/uv-target/gamma/__init__.py"))
        let pipInstall = try run(["-m", "pip", "install", "--isolated", "--no-index", "--no-cache-dir", "--find-links", scratch.path + "/wheels",
                                  "--target", scratch.path + "/pip-target", "alpha"],
                                 executable: URL(fileURLWithPath: clients.python), environment: ["PIP_CONFIG_FILE": "/dev/null"])
        #expect(pipInstall.status == 0, "\(pipInstall.stderr)")

        // Through `serve --offline`: prefetch also stored the project pages.
        let serve = try ServeProcess(store: scratch.store, indexes: ["up=" + upstream.simple], options: ["--offline"], logPath: scratch.path + "/serve.log")
        let served = try clients.uv(["alpha"], index: serve.base + "up/simple/", target: scratch.path + "/serve-target", cache: scratch.path + "/uv-cache-serve")
        #expect(served.status == 0, "\(served.stderr) \(serve.log)")
        serve.stop()
    }

    @Test("requirements with --hash (uv pip compile): prefetch, can-install and pip install --no-index with the upstream stopped")
    func compiledRequirementsPrefetchThenOfflineInstall() throws {
        let clients = try Installers.require()
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream")
        try Data("alpha\n".utf8).write(to: URL(fileURLWithPath: scratch.path + "/requirements.in"))
        let compiled = try Self.uv(clients, ["pip", "compile", "--generate-hashes", "--emit-index-url", "--index-url", upstream.simple + "/",
                                             scratch.path + "/requirements.in", "-o", scratch.path + "/requirements.txt"], cache: scratch.path + "/uv-cache")
        try #require(compiled.status == 0, "\(compiled.stderr)")
        let requirements = scratch.path + "/requirements.txt"
        try run(["init"], store: scratch.store)

        let prefetch = try run(["prefetch", "-r", requirements], store: scratch.store)
        #expect(prefetch.status == 0, "\(prefetch.output) \(prefetch.stderr)")
        upstream.stop()
        let check = try run(["can-install", "-r", requirements], store: scratch.store)
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("3 of 3 files stored"), "\(check.output)")

        let exported = try run(["export", "-r", requirements, "--find-links", scratch.path + "/wheels"], store: scratch.store)
        #expect(exported.status == 0, "\(exported.output) \(exported.stderr)")
        // pip checks the --hash values of the compiled file against the exported copies.
        let pipInstall = try run(["-m", "pip", "install", "--isolated", "--no-index", "--no-cache-dir", "--find-links", scratch.path + "/wheels",
                                  "--target", scratch.path + "/pip-target", "-r", requirements],
                                 executable: URL(fileURLWithPath: clients.python), environment: ["PIP_CONFIG_FILE": "/dev/null"])
        #expect(pipInstall.status == 0, "\(pipInstall.stderr)")
    }

    @Test("pylock.toml from pip lock: prefetch, then can-install --json lists every file stored")
    func pipLockPrefetch() throws {
        let clients = try Installers.require()
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream")
        let locked = try run(["-m", "pip", "lock", "--isolated", "--no-cache-dir", "--index-url", upstream.simple + "/", "alpha", "-o", scratch.path + "/pylock.toml"],
                             executable: URL(fileURLWithPath: clients.python), environment: ["PIP_CONFIG_FILE": "/dev/null"])
        try #require(locked.status == 0, "pip lock: \(locked.stderr)")
        try run(["init"], store: scratch.store)
        let prefetch = try run(["prefetch", "--lock", scratch.path + "/pylock.toml", "--jobs", "2"] + Self.linux, store: scratch.store)
        #expect(prefetch.status == 0, "\(prefetch.output) \(prefetch.stderr)")
        upstream.stop()
        let check = try run(["can-install", "--lock", scratch.path + "/pylock.toml", "--json"] + Self.linux, store: scratch.store)
        #expect(check.status == 0, "\(check.output)")
        let json = try #require(try check.json() as? [String: Any])
        #expect(json["satisfiable"] as? Bool == true)
        let summary = try #require((json["environments"] as? [[String: Any]])?.first?["summary"] as? String)
        #expect(summary.hasPrefix("3 of 3 files stored"), "\(summary)")
    }

    @Test("the false green: alpha alone says ✔ with a note; --with-deps says ✘ and names beta>=1.0")
    func withDepsFindsTheMissingDependency() throws {
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream")
        try run(["init"], store: scratch.store)
        let alpha = try upstream.file("alpha", "alpha-1.0-py3-none-any.whl")
        #expect(try run(["fetch", upstream.simple + "/alpha/", "-o", "/dev/null"], store: scratch.store).status == 0)
        #expect(try run(["fetch", upstream.base + "/files/alpha-1.0-py3-none-any.whl", "-o", "/dev/null"], store: scratch.store).status == 0)
        let index = ["--index", upstream.simple] + Self.linux

        let alone = try run(["can-install", "alpha"] + index, store: scratch.store)
        #expect(alone.status == 0, "\(alone.output)")
        #expect(alone.output.contains("dependencies were not checked"))

        let closure = try run(["can-install", "alpha", "--with-deps"] + index, store: scratch.store)
        #expect(closure.status == 1, "\(closure.output)")
        #expect(closure.output.contains("✔ alpha 1.0"), "\(closure.output)")
        #expect(closure.output.contains("✘ beta>=1.0 (dependency of alpha 1.0)"), "\(closure.output)")
        #expect(closure.output.contains("missing: beta>=1.0 (page never fetched)"), "\(closure.output)")
        let json = try #require(try run(["can-install", "alpha", "--with-deps", "--json"] + index, store: scratch.store).json() as? [String: Any])
        let packages = try #require((json["environments"] as? [[String: Any]])?.first?["packages"] as? [[String: Any]])
        let beta = try #require(packages.first { $0["name"] as? String == "beta" })
        #expect(beta["origin"] as? String == "dependency of alpha 1.0")
        #expect(packages.first?["digest"] as? String == alpha.sha256)

        // prefetch --with-deps brings the rest; then everything is there.
        let prefetch = try run(["prefetch", "alpha", "--with-deps", "--index", upstream.simple] + Self.linux, store: scratch.store)
        #expect(prefetch.status == 0, "\(prefetch.output) \(prefetch.stderr)")
        let after = try run(["can-install", "alpha", "--with-deps"] + index, store: scratch.store)
        #expect(after.status == 0, "\(after.output)")
        #expect(after.output.contains("✔ gamma 1.0"), "the dependency of a dependency: \(after.output)")
    }

    @Test("a lock whose hash differs from the stored blob: hash-mismatch, and export never writes the file")
    func lockHashMismatchIsNeverExported() throws {
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream")
        try run(["init"], store: scratch.store)
        let url = upstream.base + "/files/alpha-1.0-py3-none-any.whl"
        #expect(try run(["fetch", url, "-o", "/dev/null"], store: scratch.store).status == 0)
        let lock = try scratch.file("pylock.toml", Data("""
            lock-version = "1.0"
            created-by = "hand"
            [[packages]]
            name = "alpha"
            version = "1.0"
            wheels = [{ url = "\(url)", hashes = { sha256 = "\(String(repeating: "ab", count: 32))" } }]
            """.utf8))
        let check = try run(["can-install", "--lock", lock, "--json"] + Self.linux, store: scratch.store)
        #expect(check.status == 1)
        let packages = try #require(((try check.json() as? [String: Any])?["environments"] as? [[String: Any]])?.first?["packages"] as? [[String: Any]])
        #expect((packages.first?["reasons"] as? [[String: Any]])?.first?["code"] as? String == "hash-mismatch")
        let exported = try run(["export", "--lock", lock, "--find-links", scratch.path + "/out"] + Self.linux, store: scratch.store)
        #expect(exported.status == 1)
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/out/alpha-1.0-py3-none-any.whl"))
    }

    @Test("bad input names the file and line and exits 64", arguments: [
        ("pylock.toml", "lock-version = \"1.0\"\n\n[[packages]\nname = 1\n", "pylock.toml:3: is not valid TOML"),
        ("pylock.toml", "lock-version = \"2.0\"\n", "cannot read (it reads 1.x)"),
        ("uv.lock", "version = 7\n[[package]]\nname = \"a\"\n", "version 7"),
        ("requirements.txt", "alpha==1.0\n--frobnicate\n", "requirements.txt:2: unknown option --frobnicate"),
    ])
    func badInputSaysWhereAndWhat(name: String, text: String, expected: String) throws {
        let scratch = try Scratch()
        try run(["init"], store: scratch.store)
        let path = try scratch.file(name, Data(text.utf8))
        let option = name == "requirements.txt" ? "-r" : "--lock"
        for command in ["can-install", "prefetch"] {
            let result = try run([command, option, path, "--index", "http://127.0.0.1:9/simple"] + Self.linux, store: scratch.store)
            #expect(result.status == 64, "\(command): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(command): \(result.stderr)")
        }
    }

    @Test("export --find-links merges with what the directory holds and never overwrites a different file of the same name")
    func findLinksExportMerges() throws {
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream")
        try run(["init"], store: scratch.store)
        #expect(try run(["prefetch", "alpha", "--with-deps", "--index", upstream.simple] + Self.linux, store: scratch.store).status == 0)
        let directory = scratch.path + "/wheels"
        let index = ["--index", upstream.simple] + Self.linux
        #expect(try run(["export", "alpha", "--find-links", directory] + index, store: scratch.store).status == 0)
        #expect(try run(["export", "gamma", "--find-links", directory] + index, store: scratch.store).status == 0)
        let page = try String(contentsOfFile: directory + "/index.html", encoding: .utf8)
        #expect(page.contains("alpha-1.0-py3-none-any.whl#sha256="), "the first export's file is still listed")
        #expect(page.contains("gamma-1.0-py3-none-any.whl#sha256="))

        // Copies by default: writing into the export leaves the blob alone.
        var info = stat()
        #expect(stat(directory + "/alpha-1.0-py3-none-any.whl", &info) == 0 && info.st_nlink == 1)
        let linked = try run(["export", "beta", "--find-links", scratch.path + "/linked", "--hard-links"] + index, store: scratch.store)
        #expect(linked.status == 0)
        #expect(linked.stderr.contains("warning: --hard-links"))

        // A different file under the same name is refused, and left as it was.
        let other = scratch.path + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try Data("not the wheel".utf8).write(to: URL(fileURLWithPath: other + "/alpha-1.0-py3-none-any.whl"))
        let clash = try run(["export", "alpha", "--find-links", other] + index, store: scratch.store)
        #expect(clash.status == 64, "\(clash.stderr)")
        #expect(clash.stderr.contains("already exists with other content"))
        #expect(try String(contentsOfFile: other + "/alpha-1.0-py3-none-any.whl", encoding: .utf8) == "not the wheel")
    }

    @Test("a wheel stored with put counts for export and --lock by its file name and digest, with no page listing it")
    func putWheelCountsByNameAndDigest() throws {
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream")
        upstream.stop()
        try run(["init"], store: scratch.store)
        let wheel = upstream.directory + "/files/gamma-1.0-py3-none-any.whl"
        #expect(try run(["put", wheel], store: scratch.store).status == 0)
        let exported = try run(["export", "gamma==1.0", "--find-links", scratch.path + "/out"] + Self.linux, store: scratch.store)
        #expect(exported.status == 0, "\(exported.output) \(exported.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/out/gamma-1.0-py3-none-any.whl"))

        let gamma = try upstream.file("gamma", "gamma-1.0-py3-none-any.whl")
        let lock = try scratch.file("pylock.toml", Data("""
            lock-version = "1.0"
            created-by = "hand"
            [[packages]]
            name = "gamma"
            version = "1.0"
            wheels = [{ url = "https://elsewhere.invalid/gamma-1.0-py3-none-any.whl", hashes = { sha256 = "\(gamma.sha256.uppercased())" } }]
            """.utf8))
        let check = try run(["can-install", "--lock", lock] + Self.linux, store: scratch.store)
        #expect(check.status == 0, "a blob with the lock's hash is the file, whatever URL it came from: \(check.output)")
        #expect(check.output.contains("1 of 1 files stored"))
    }
}

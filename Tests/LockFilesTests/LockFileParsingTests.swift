@testable import LockFiles
import PythonPackaging
import Testing

/// The shapes below are what the real tools wrote (uv 0.13.8 `uv lock` and `uv export --format
/// pylock.toml`, pip 26.3 `pip lock`, `uv pip compile --generate-hashes`) over the test upstream
/// (scripts/test-upstream.py), trimmed to what the parsers read.
enum Fixtures {
    static let alpha = "5d2b77580bae786fa72285da31bdad364c2f29d4a49da2851a9f7fb2c085822e"
    static let beta = "64b8e74977640dfb5ae57e089ef89a51c1262822c692de4b4a3fb04f9ba423a2"
    static let gamma = "83ad30ae26ec166712bc9f3b86a9b1f32a337aed5cd5eee6d643a503b97a612c"

    static let uvLock = """
        version = 1
        revision = 5
        requires-python = ">=3.9"

        [[package]]
        name = "alpha"
        version = "1.0"
        source = { registry = "http://127.0.0.1:9/simple/" }
        dependencies = [
            { name = "beta" },
        ]
        wheels = [
            { url = "http://127.0.0.1:9/files/alpha-1.0-py3-none-any.whl", hash = "sha256:\(alpha)", size = 962, upload-time = "2024-01-01T00:00:00Z" },
        ]

        [[package]]
        name = "beta"
        version = "2.0"
        source = { registry = "http://127.0.0.1:9/simple/" }
        dependencies = [
            { name = "gamma" },
        ]
        wheels = [
            { url = "http://127.0.0.1:9/files/beta-2.0-py3-none-any.whl", hash = "sha256:\(beta)", size = 950, upload-time = "2024-01-01T00:00:00Z" },
        ]

        [[package]]
        name = "demo"
        version = "0.1"
        source = { virtual = "." }
        dependencies = [
            { name = "alpha" },
            { name = "mixed-case-name", marker = "sys_platform == 'win32'" },
        ]

        [[package]]
        name = "gamma"
        version = "1.0"
        source = { registry = "http://127.0.0.1:9/simple/" }
        wheels = [
            { url = "http://127.0.0.1:9/files/gamma-1.0-py3-none-any.whl", hash = "sha256:\(gamma)", size = 928, upload-time = "2024-01-01T00:00:00Z" },
        ]

        [[package]]
        name = "mixed-case-name"
        version = "1.0"
        source = { registry = "http://127.0.0.1:9/simple/" }
        wheels = [
            { url = "http://127.0.0.1:9/files/mixed_case_name-1.0-py3-none-any.whl", hash = "sha256:B031A7AEC3D99DBF8FEB0BA58D9ACD24A13D1E02809E28DE4E2ACD2B421FB89B", size = 1034 },
        ]
        """

    static let pylock = """
        lock-version = "1.0"
        created-by = "uv"
        requires-python = ">=3.9"

        [[packages]]
        name = "alpha"
        version = "1.0"
        index = "http://127.0.0.1:9/simple/"
        wheels = [{ url = "http://127.0.0.1:9/files/alpha-1.0-py3-none-any.whl", upload-time = 2024-01-01T00:00:00Z, size = 962, hashes = { sha256 = "\(alpha)" } }]

        [[packages]]
        name = "mixed-case-name"
        version = "1.0"
        marker = "sys_platform == 'win32'"
        index = "http://127.0.0.1:9/simple/"
        wheels = [{ url = "http://127.0.0.1:9/files/mixed_case_name-1.0-py3-none-any.whl", size = 1034, hashes = { sha256 = "b031a7aec3d99dbf8feb0ba58d9acd24a13d1e02809e28de4e2acd2b421fb89b" } }]

        [[packages]]
        name = "oldhash"
        version = "1.0"
        sdist = { name = "oldhash-1.0.tar.gz", url = "http://127.0.0.1:9/files/oldhash-1.0.tar.gz", hashes = { md5 = "0123" } }
        """

    static let linux = MarkerEnvironment(PythonEnvironment.cpython(3, 11, platforms: ["manylinux_2_28_x86_64"]))
    static let windows = MarkerEnvironment(PythonEnvironment.cpython(3, 11, platforms: ["win_amd64"]))
}

@Suite struct LockFileParsingTests {
    @Test func uvLockIsReadByNameWithItsFilesAndGraph() throws {
        let lock = try LockFile.parse(Fixtures.uvLock, path: "proj/uv.lock")
        #expect(lock.format == .uvLock)
        #expect(lock.packages.map(\.project) == ["alpha", "beta", "demo", "gamma", "mixed-case-name"])
        let alpha = lock.packages[0]
        #expect(alpha.index == "http://127.0.0.1:9/simple/")
        #expect(alpha.wheels.first?.filename == "alpha-1.0-py3-none-any.whl")
        #expect(alpha.wheels.first?.sha256 == Fixtures.alpha)
        #expect(alpha.wheels.first?.size == 962)
        #expect(lock.packages[2].otherSource == "virtual")
        // An upper-case hash is the same hash.
        #expect(lock.packages[4].wheels.first?.sha256 == "b031a7aec3d99dbf8feb0ba58d9acd24a13d1e02809e28de4e2acd2b421fb89b")
    }

    @Test func uvLockWalkFollowsOnlyEdgesWhoseMarkersHold() throws {
        let lock = try LockFile.parse(Fixtures.uvLock, path: "uv.lock")
        let linux = try lock.packages(for: Fixtures.linux)
        #expect(linux.needed.map(\.project) == ["alpha", "beta", "gamma"])
        #expect(linux.skipped.map(\.package.project) == ["mixed-case-name"])
        let windows = try lock.packages(for: Fixtures.windows)
        #expect(windows.needed.map(\.project) == ["alpha", "beta", "gamma", "mixed-case-name"])
    }

    @Test func pylockIsReadWithMarkersAndUnusableHashesKept() throws {
        let lock = try LockFile.parse(Fixtures.pylock, path: "pylock.toml")
        #expect(lock.format == .pylock)
        #expect(lock.packages[1].marker == "sys_platform == 'win32'")
        let sdist = try #require(lock.packages[2].sdist)
        #expect(sdist.sha256 == nil)
        #expect(sdist.unusableHash == "md5:0123")
        let selection = try lock.packages(for: Fixtures.linux)
        #expect(selection.needed.map(\.project) == ["alpha", "oldhash"])
        #expect(selection.skipped.first?.reason.contains("sys_platform == 'win32'") == true)
    }

    @Test func formatIsDetectedByContentWhenTheNameSaysNothing() throws {
        #expect(try LockFile.parse(Fixtures.pylock, path: "locks/env.toml").format == .pylock)
        #expect(try LockFile.parse(Fixtures.uvLock, path: "locks/other.lock").format == .uvLock)
    }

    @Test(arguments: [
        ("lock-version = \"2.0\"\n", "cannot read (it reads 1.x)"),
        ("version = 2\n[[package]]\nname = \"a\"\n", "version 2"),
        ("lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n", "names no file"),
        ("lock-version = \"1.0\"\n[[packages]]\nversion = \"1\"\n", "name is missing"),
        ("lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\nwheels = [{ url = \"http://x/a-1-py3-none-any.whl\" }]\n", "has no hashes"),
        ("title = \"x\"\n", "neither a PEP 751"),
    ])
    func badLockFilesSayWhatIsWrong(text: String, expected: String) {
        #expect {
            try LockFile.parse(text, path: "x.toml")
        } throws: { error in
            (error as? LockFileError)?.description.contains(expected) == true
        }
    }

    @Test func malformedTOMLGivesTheLine() {
        #expect {
            try LockFile.parse("lock-version = \"1.0\"\n\n[[packages]\nname = 1\n", path: "pylock.toml")
        } throws: { error in
            guard let error = error as? LockFileError else { return false }
            return error.line == 3 && error.description.hasPrefix("pylock.toml:3: is not valid TOML")
        }
    }
}

@Suite struct RequirementsFileTests {
    static let compiled = """
        # This file was autogenerated by uv via the following command:
        #    uv pip compile --generate-hashes req.in -o req.txt
        --index-url http://127.0.0.1:9/simple/
        --extra-index-url=https://example.org/simple
        alpha==1.0 \\
            --hash=sha256:\(Fixtures.alpha)
            # via -r req.in
        beta==2.0 ; python_version >= "3" \\
            --hash=sha256:\(Fixtures.beta.uppercased()) \\
            --hash=md5:abc
        -r more.txt
        """

    static func include(_ name: String, _ from: String) throws -> (text: String, path: String) {
        switch name {
        case "more.txt": ("gamma==1.0 --hash=sha256:\(Fixtures.gamma)\n", "more.txt")
        case "loop.txt": ("-r loop.txt\n", "loop.txt")
        default: throw LockFileError(path: name, "no such file")
        }
    }

    @Test func compiledRequirementsGiveEntriesHashesAndIndexes() throws {
        let file = try RequirementsFile.parse(Self.compiled, path: "req.txt", include: Self.include)
        #expect(file.indexes == ["http://127.0.0.1:9/simple/", "https://example.org/simple"])
        #expect(file.entries.map(\.requirement) == ["alpha==1.0", "beta==2.0 ; python_version >= \"3\"", "gamma==1.0"])
        #expect(file.entries.map(\.line) == [5, 8, 1])
        #expect(file.entries[1].sha256 == [Fixtures.beta])
        #expect(file.entries[1].unusableHashes == ["md5:abc"])
        #expect(file.entries[2].path == "more.txt")
    }

    @Test(arguments: [
        ("alpha==1.0\n--frobnicate\n", 2, "unknown option --frobnicate"),
        ("alpha==1.0 --hash=sha256\n", 1, "--hash takes ALGORITHM:VALUE"),
        ("-r loop.txt\n", 1, "includes itself"),
        ("-r missing.txt\n", 1, "cannot read the included file missing.txt"),
        ("--index-url\n", 1, "needs a value"),
    ])
    func badRequirementsFilesGiveFileAndLine(text: String, line: Int, expected: String) {
        #expect {
            try RequirementsFile.parse(text, path: "req.txt", include: Self.include)
        } throws: { error in
            guard let error = error as? LockFileError else { return false }
            return error.description.contains(expected) && (error.line == line || error.path != "req.txt")
        }
    }

    @Test func commentsAndContinuationsFollowPipsRules() {
        let lines = RequirementsFile.logicalLines("a==1 \\\n  --hash=sha256:x # note\nhttps://h/x.whl#sha256=1\n# only a comment\n")
        #expect(lines.map(\.0) == [1, 3])
        #expect(lines[0].1.contains("--hash=sha256:x"))
        #expect(lines[1].1 == "https://h/x.whl#sha256=1")
    }
}

import Foundation
import Testing

// Issue #12's rules, driven through the real `artifact-store` binary against a hostile upstream
// (`scripts/hostile-upstream.py`, raw sockets) and against stores damaged on purpose. Rule 8 (a
// full disk) is `FullDiskTests` in GCProcessTests.swift.

/// `scripts/hostile-upstream.py` on loopback for one test: every path is a misbehaviour (the
/// script's header lists them).
final class HostileUpstream {
    static let script = packageRoot.appending(path: "scripts/hostile-upstream.py").path(percentEncoded: false)
    let server: LoopbackServer
    var base: String { server.base }
    /// The index of well-formed pages with hostile contents (`/h/simple/<project>/`).
    var index: String { base + "/h/simple" }

    init(hugeMB: Int = 65) throws {
        server = try LoopbackServer(python: [Self.script, "--huge-mb", String(hugeMB)])
    }

    /// The Authorization and Cookie fields each request for `path` carried, in order.
    func seen(_ path: String) throws -> [[String: String]] {
        let answer = try curl(["-sf", base + "/-/seen"])
        let all = try JSONSerialization.jsonObject(with: answer.stdout) as? [String: [[String: Any]]] ?? [:]
        return (all[path] ?? []).map { $0.compactMapValues { $0 as? String } }
    }

    /// What the fixture serves at `path`, fetched by curl.
    func bytes(_ path: String) throws -> Data { try curl(["-sf", base + path]).stdout }
}

/// The environment every `can-install` and `export` here is asked about.
private let environment = ["--python", "3.11", "--platform", "manylinux_2_28_x86_64"]

/// Runs `artifact-store` bounded in time: a hang or a crash (SIGILL, SIGABRT, SIGSEGV: exit
/// statuses 132, 134, 139 in a shell) fails the test instead of blocking it.
@discardableResult
private func cli(
    _ arguments: [String], store: String, seconds: TimeInterval = 30, environment variables: [String: String] = [:],
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> CommandResult {
    let result = try run(arguments, store: store, environment: variables, timeout: seconds)
    let shown = arguments.joined(separator: " ")
    #expect(!result.timedOut, "artifact-store \(shown) was still running after \(Int(seconds)) s", sourceLocation: sourceLocation)
    #expect(!result.signaled, "artifact-store \(shown) died of signal \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
    return result
}

/// `can-install --json REQUIREMENT`: the exit status and the requirement's RESULT object.
private func canInstall(_ requirement: String, indexes: [String], store: String, options: [String] = [],
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> (status: Int32, result: [String: Any]) {
    let answer = try cli(["can-install", "--json", requirement] + indexes.flatMap { ["--index", $0] } + environment + options,
                         store: store, sourceLocation: sourceLocation)
    let object = try #require(try? answer.json() as? [String: Any], "can-install --json printed no object: \(answer.stderr)", sourceLocation: sourceLocation)
    let result = try #require((object["results"] as? [[String: Any]])?.first, sourceLocation: sourceLocation)
    return (answer.status, result)
}

/// The reason codes of a can-install RESULT.
private func codes(_ result: [String: Any]) -> [String] {
    (result["reasons"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
}

/// The file name of the wheel a RESULT offers as its way out, if any.
private func wayOut(_ result: [String: Any]) -> String? {
    ((result["wayOut"] as? [String: Any])?["wheel"] as? [String: Any])?["filename"] as? String
}

/// The store's blob count (`stats --json`).
private func blobCount(_ store: String) throws -> Int? {
    (try cli(["stats", "--json"], store: store).json() as? [String: Any])?["blobCount"] as? Int
}

/// The files under `directory` (the database, its WAL, blobs, everything) whose bytes contain
/// `needle`, relative to `directory`.
private func files(containing needle: String, under directory: String) -> [String] {
    var hits: [String] = []
    let enumerator = FileManager.default.enumerator(atPath: directory)
    while let relative = enumerator?.nextObject() as? String {
        let path = directory + "/" + relative
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
        if let data = FileManager.default.contents(atPath: path), data.range(of: Data(needle.utf8)) != nil { hits.append(relative) }
    }
    return hits
}

private func blobPath(_ store: String, _ digest: String) -> String {
    store + "/blobs/sha256/\(digest.prefix(2))/\(digest)"
}

private func sha256Hex(of data: Data, in scratch: Scratch) throws -> String {
    try sha256Hex(ofFile: try scratch.file("hash-\(UUID().uuidString)", data))
}

// MARK: - Rule 1

/// Rule 1: a 404 or a 206 for a wheel URL is recorded for what it is, and never stands for the wheel.
@Suite("Rule 1: only a complete 200 stands for a file or a page")
struct OnlyA200StandsForAFileTests {
    struct NotA200: CustomTestStringConvertible, Sendable {
        var status: Int
        var project: String
        var filename: String
        var testDescription: String { "\(status) for \(filename)" }
        var url: String { "/\(status)/\(filename)" }
    }

    static let answers = [
        NotA200(status: 404, project: "not-found", filename: "not_found-1.0-py3-none-any.whl"),
        NotA200(status: 206, project: "partial", filename: "partial-1.0-py3-none-any.whl"),
    ]

    @Test("a wheel URL that answered 404 or 206 is never the wheel: can-install says file-not-stored and export writes nothing, under every policy",
          arguments: answers)
    func notA200IsNeverTheFile(_ answer: NotA200) throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        // Keep every body the server sends, refused ones included: the archive policy must not
        // make a 206 or a 404 into the file either.
        #expect(try cli(["index-policy", "set", "", "--archive"], store: scratch.store).status == 0)
        #expect(try cli(["fetch", upstream.index + "/\(answer.project)/", "-o", "/dev/null"], store: scratch.store).status == 0)
        try cli(["fetch", upstream.base + answer.url, "-o", "/dev/null"], store: scratch.store)
        let wheelhouse = scratch.path + "/wheelhouse"
        for policy in ["offline", "archive"] {
            let (status, result) = try canInstall(answer.project, indexes: [upstream.index], store: scratch.store, options: ["--policy", policy])
            #expect(status == 1, "\(policy)")
            #expect(codes(result) == ["file-not-stored"], "\(policy): \(result)")
            #expect((result["chosen"] as? [String: Any])?["stored"] is NSNull, "\(policy)")
            #expect(wayOut(result) == nil, "\(policy)")
            let export = try cli(["export", "--find-links", wheelhouse, answer.project, "--index", upstream.index, "--policy", policy] + environment, store: scratch.store)
            #expect(export.status == 1, "\(policy): \(export.output) \(export.stderr)")
            #expect(export.output.contains("✘ \(answer.project)"))
            #expect(!FileManager.default.fileExists(atPath: wheelhouse + "/" + answer.filename), "\(policy): nothing written")
        }
    }

    @Test("fetch does not write a 206 as the whole body of a request that asked for no range")
    func fetchRefusesAnUnaskedPartialBody() throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        let output = scratch.path + "/x.whl"
        let fetch = try cli(["fetch", upstream.base + "/206/x.whl", "-o", output], store: scratch.store)
        #expect(fetch.status == 74, "\(fetch.stderr)")
        #expect(fetch.stderr.contains("206"), "\(fetch.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output), "nothing written")
        // A range the user asked for is what a 206 is for.
        let ranged = try cli(["fetch", upstream.base + "/206/x.whl", "-o", output, "--header", "Range: bytes=0-99"], store: scratch.store)
        #expect(ranged.status == 0, "\(ranged.stderr)")
        #expect((try? Data(contentsOf: URL(fileURLWithPath: output)))?.count == 100)
    }

    @Test("serve never hands a client an upstream's 404 or 206 as the file, online or later offline")
    func serveNeverServesANon200AsTheFile() throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        var serve = try ServeProcess(store: scratch.store, indexes: ["h=" + upstream.index], logPath: scratch.path + "/serve.log")
        for answer in Self.answers {
            let got = try httpGet(serve.base + "h/files/\(answer.project)/\(answer.filename)")
            #expect(got.status == (answer.status == 404 ? 404 : 502), "\(answer.url): \(got.status)")
            #expect(got.headers["content-type"] == "application/problem+json", "\(answer.url)")
            #expect(!got.body.starts(with: Data("PK".utf8)), "\(answer.url): the upstream's body is not passed on")
        }
        #expect(serve.stop() == 0)
        serve = try ServeProcess(store: scratch.store, indexes: ["h=" + upstream.index], options: ["--offline"], logPath: scratch.path + "/offline.log")
        for answer in Self.answers {
            let got = try httpGet(serve.base + "h/files/\(answer.project)/\(answer.filename)")
            #expect(got.status != 200 && got.status != 206, "\(answer.url) offline: \(got.status)")
            #expect(!got.body.starts(with: Data("PK".utf8)), "\(answer.url) offline")
        }
        #expect(serve.stop() == 0)
    }
}

// MARK: - Rule 2

/// Rule 2: the hash a page gives decides whether a stored body is the file, whatever its URL.
@Suite("Rule 2: a hash that is present binds")
struct PresentHashBindsTests {
    struct PageHash: CustomTestStringConvertible, Sendable {
        var version: String
        var what: String
        /// The can-install reason code; nil when the file is the page's.
        var code: String?
        /// serve's problem code; nil when it serves the file.
        var serveCode: String?
        var testDescription: String { what }
        var filename: String { "bad_hash-\(version)-py3-none-any.whl" }
    }

    /// The fixture's `BAD_HASHES`.
    static let hashes = [
        PageHash(version: "1.0", what: "a sha256 one digit short", code: "hash-unverifiable", serveCode: "hash-unusable"),
        PageHash(version: "2.0", what: "a sha256 that is not hex", code: "hash-unverifiable", serveCode: "hash-unusable"),
        PageHash(version: "3.0", what: "only an md5", code: "hash-unverifiable", serveCode: "hash-unverifiable"),
        PageHash(version: "4.0", what: "only a sha512", code: "hash-unverifiable", serveCode: "hash-unverifiable"),
        PageHash(version: "5.0", what: "a sha256 of other bytes", code: "hash-mismatch", serveCode: "hash-mismatch"),
        PageHash(version: "6.0", what: "the right sha256 in upper case", code: nil, serveCode: nil),
        PageHash(version: "7.0", what: "an empty sha256", code: "hash-unverifiable", serveCode: "hash-unusable"),
    ]

    @Test("a malformed, uncheckable or mismatching page hash makes the file unverifiable with a reason code, never trusted by its URL; upper case is the same hash",
          arguments: hashes)
    func pageHashBinds(_ hash: PageHash) throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        #expect(try cli(["fetch", upstream.index + "/bad-hash/", "-o", "/dev/null"], store: scratch.store).status == 0)
        // The file itself, fetched by its URL: only the page's hash may decide whether it is that file.
        #expect(try cli(["fetch", upstream.base + "/h/files/" + hash.filename, "-o", "/dev/null"], store: scratch.store).status == 0)

        let (status, result) = try canInstall("bad-hash==\(hash.version)", indexes: [upstream.index], store: scratch.store)
        let notes = (result["notes"] as? [String] ?? []).joined(separator: "\n")
        #expect(!notes.contains("trusted by its URL"), "\(notes)")
        let wheelhouse = scratch.path + "/wheelhouse"
        let export = try cli(["export", "--find-links", wheelhouse, "bad-hash==\(hash.version)", "--index", upstream.index] + environment, store: scratch.store)
        let exported = wheelhouse + "/" + hash.filename
        if let code = hash.code {
            #expect(status == 1)
            #expect(codes(result) == [code], "\(result)")
            #expect(wayOut(result) == nil, "the way out does not offer it either")
            #expect(export.status == 1, "\(export.output) \(export.stderr)")
            #expect(export.output.contains("[\(code)]"), "\(export.output)")
            #expect(!FileManager.default.fileExists(atPath: exported))
        } else {
            #expect(status == 0, "\(result)")
            #expect(export.status == 0, "\(export.output) \(export.stderr)")
            let digest = try sha256Hex(ofFile: exported)
            #expect(digest == (try sha256Hex(of: upstream.bytes("/h/files/" + hash.filename), in: scratch)))
            let page = String(decoding: try upstream.bytes("/h/simple/bad-hash/"), as: UTF8.self)
            #expect(page.contains("#sha256=" + digest.uppercased()), "the page gave it in upper case")
            let links = try String(contentsOfFile: wheelhouse + "/index.html", encoding: .utf8)
            #expect(links.contains("#sha256=" + digest), "the exported page carries the hash of the file on disk: \(links)")
        }
    }

    @Test("serve answers a problem document for every bad page hash, never the file; an upper-case hash is served")
    func serveBindsToThePageHash() throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        let serve = try ServeProcess(store: scratch.store, indexes: ["h=" + upstream.index], logPath: scratch.path + "/serve.log")
        for hash in Self.hashes {
            let got = try httpGet(serve.base + "h/files/bad-hash/" + hash.filename)
            if let code = hash.serveCode {
                #expect(got.status == 502, "\(hash.what): \(got.status)")
                let problem = try JSONSerialization.jsonObject(with: got.body) as? [String: Any]
                #expect(problem?["code"] as? String == code, "\(hash.what): \(String(decoding: got.body, as: UTF8.self))")
            } else {
                #expect(got.status == 200, "\(hash.what): \(got.status)")
                #expect(got.body == (try upstream.bytes("/h/files/" + hash.filename)))
            }
        }
        #expect(serve.stop() == 0)
    }

    @Test("export refuses to write two different files under one name, and the first one stays as it was")
    func exportNeverOverwritesASameNamedFile() throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        let (a, b) = (upstream.base + "/a/simple", upstream.base + "/b/simple")
        let filename = "twin-1.0-py3-none-any.whl"
        for index in ["a", "b"] {
            #expect(try cli(["fetch", upstream.base + "/\(index)/simple/twin/", "-o", "/dev/null"], store: scratch.store).status == 0)
            #expect(try cli(["fetch", upstream.base + "/\(index)/files/" + filename, "-o", "/dev/null"], store: scratch.store).status == 0)
        }
        // Index a lists its twin yanked, so only the pin takes it; index b's twin (other bytes,
        // same name) answers the open requirement.
        let wheelhouse = scratch.path + "/wheelhouse"
        let export = try cli(["export", "--find-links", wheelhouse, "twin==1.0", "twin>=1.0", "--index", a, "--index", b,
                              "--index-strategy", "unsafe-best-match"] + environment, store: scratch.store)
        #expect(export.status != 0)
        #expect(export.stderr.contains("two different files are both named \(filename)"), "\(export.stderr)")
        let onDisk = try Data(contentsOf: URL(fileURLWithPath: wheelhouse + "/" + filename))
        #expect(onDisk == (try upstream.bytes("/a/files/" + filename)), "the first file was not overwritten by the second")
        if let links = try? String(contentsOfFile: wheelhouse + "/index.html", encoding: .utf8) {
            #expect(!links.contains(try sha256Hex(of: upstream.bytes("/b/files/" + filename), in: scratch)), "no link carries the other file's hash")
        }
    }
}

// MARK: - Rule 3

/// Rule 3: every misbehaviour of the fixture ends in one clear error line and a documented exit status.
@Suite("Rule 3: nothing a server or a user sends crashes the process")
struct NothingCrashesTests {
    struct Misbehaviour: CustomTestStringConvertible, Sendable {
        var path: String
        var message: String
        var options: [String] = []
        var testDescription: String { path }
    }

    static let misbehaviours = [
        Misbehaviour(path: "/lying-length/x.whl", message: "ended after 100 of 4096 bytes; nothing was stored"),
        Misbehaviour(path: "/short-close/x.whl", message: "malformed"),
        Misbehaviour(path: "/chunked-cut/x.whl", message: "malformed"),
        Misbehaviour(path: "/garbage-status", message: "malformed (invalid HTTP status code)"),
        Misbehaviour(path: "/no-status", message: "malformed"),
        Misbehaviour(path: "/huge-status", message: "malformed (invalid HTTP status code)"),
        Misbehaviour(path: "/huge-headers", message: "header section larger than"),
        Misbehaviour(path: "/huge-header-line", message: "header section larger than"),
        Misbehaviour(path: "/nul-header", message: "malformed"),
        Misbehaviour(path: "/negative-length", message: "malformed"),
        Misbehaviour(path: "/double-length", message: "malformed"),
        Misbehaviour(path: "/redirect-port", message: "is out of range"),
        Misbehaviour(path: "/redirect-port-host", message: "is out of range"),
        Misbehaviour(path: "/redirect-huge-port", message: "is out of range"),
        Misbehaviour(path: "/redirect-file", message: "redirects to file:///etc/passwd, which cannot be followed"),
        Misbehaviour(path: "/redirect-garbage", message: "which cannot be followed"),
        Misbehaviour(path: "/redirect-empty", message: "which cannot be followed"),
        Misbehaviour(path: "/redirect-loop", message: "redirected more than 10 times"),
        Misbehaviour(path: "/slow/x.whl", message: "timed out", options: ["--timeout", "2"]),
        Misbehaviour(path: "/silent", message: "timed out", options: ["--read-timeout", "1"]),
    ]

    @Test("fetch from a hostile server fails with a clear error and exit status 74, stores nothing and connects nowhere else",
          arguments: misbehaviours)
    func fetchSurvives(_ misbehaviour: Misbehaviour) throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        let started = Date()
        let fetch = try cli(["fetch", upstream.base + misbehaviour.path, "-o", scratch.path + "/out"] + misbehaviour.options, store: scratch.store)
        #expect(fetch.status == 74, "\(fetch.stderr)")
        #expect(fetch.stderr.contains(misbehaviour.message), "\(fetch.stderr)")
        #expect(fetch.stderr.split(separator: "\n").count <= 2, "one clear line, no stack trace: \(fetch.stderr)")
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/out"))
        #expect(try blobCount(scratch.store) == 0, "nothing partial or wrong was stored")
        #expect(try upstream.seen("/-/wrapped").isEmpty, "a port above 65535 never wraps around to another port")
    }

    @Test("a port out of range in a URL is refused before anything connects", arguments: [
        "http://127.0.0.1:65536/x.whl", "http://127.0.0.1:99999/x.whl", "http://127.0.0.1:99999999999999999999/x.whl",
        "http://localhost:4294967377/x.whl",
    ])
    func portOutOfRange(_ url: String) throws {
        let scratch = try Scratch()
        let fetch = try cli(["fetch", url, "-o", "/dev/null"], store: scratch.store)
        #expect(fetch.status == 64, "\(fetch.stderr)")
        #expect(fetch.stderr.contains("out of range"), "\(fetch.stderr)")
        let serve = try cli(["serve", "--port", "0", "--index", "x=" + url.replacingOccurrences(of: "/x.whl", with: "/simple")], store: scratch.store, seconds: 10)
        #expect(serve.status == 64, "\(serve.stderr)")
        #expect(serve.stderr.contains("invalid index URL"), "\(serve.stderr)")
    }

    @Test("an absurd --python is refused at once by export too", arguments: ["3.1000000", "3.11.100000"])
    func absurdPythonForExport(_ version: String) throws {
        let scratch = try Scratch()
        let started = Date()
        let export = try cli(["export", "--find-links", scratch.path + "/out", "torch", "--index", "https://example.org/simple",
                              "--python", version, "--platform", "manylinux_2_28_x86_64"], store: scratch.store, seconds: 10)
        #expect(export.status == 64)
        #expect(export.stderr.contains("--python"), "\(export.stderr)")
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test("serve meets every hostile answer for a page and a link with a port out of range, and keeps serving")
    func serveSurvives() throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        let serve = try ServeProcess(store: scratch.store, indexes: ["t=" + upstream.base + "/t/simple", "h=" + upstream.index],
                                     options: ["--read-timeout", "2"], logPath: scratch.path + "/serve.log")
        let modes = ["lying-length", "short-close", "chunked-cut", "garbage-status", "no-status", "huge-status", "huge-headers",
                     "huge-header-line", "nul-header", "negative-length", "double-length", "redirect-port", "redirect-huge-port",
                     "redirect-file", "redirect-loop", "silent", "404", "206", "500"]
        for mode in modes {
            let got = try httpGet(serve.base + "t/simple/\(mode)/")
            #expect(got.status >= 400, "\(mode): \(got.status)")
            #expect(try httpGet(serve.base + "-/health").status == 200, "serve is still up after \(mode)")
        }
        for project in ["bad-port", "huge-port"] {
            let got = try httpGet(serve.base + "h/files/\(project)/\(project.replacingOccurrences(of: "-", with: "_"))-1.0-py3-none-any.whl")
            #expect(got.status >= 400, "\(project): \(got.status)")
            #expect(String(decoding: got.body, as: UTF8.self).contains("out of range"), "\(project): \(String(decoding: got.body, as: UTF8.self))")
        }
        #expect(try upstream.seen("/-/wrapped").isEmpty)
        #expect(try httpGet(serve.base + "h/simple/fine/").status == 200, "a well-behaved page still works")
        #expect(serve.stop() == 0, "serve stops cleanly: \(serve.log.suffix(2000))")
    }
}

// MARK: - Rule 4

/// Rule 4, the damaged-store fixture: a store whose database is lost while its blobs remain.
@Suite("Rule 4: a damaged store is reported, never silently replaced")
struct DamagedStoreTests {
    enum Damage: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case deleted = "database deleted"
        case truncated = "database truncated to zero bytes"
        case schemaless = "database replaced by an empty SQLite database"
        var testDescription: String { rawValue }

        func apply(to store: String) throws {
            for suffix in ["-wal", "-shm", ""] { try? FileManager.default.removeItem(atPath: store + "/store.sqlite" + suffix) }
            switch self {
            case .deleted: break
            case .truncated: try Data().write(to: URL(fileURLWithPath: store + "/store.sqlite"))
            case .schemaless:
                let made = try run([store + "/store.sqlite", "CREATE TABLE scratch (x); DROP TABLE scratch;"], executable: URL(fileURLWithPath: "/usr/bin/sqlite3"))
                #expect(made.status == 0, "\(made.stderr)")
            }
        }
    }

    @Test("every command refuses a store whose database is lost while its blobs are there, pointing at verify --repair; gc deletes nothing; verify --repair adopts the blobs",
          arguments: Damage.allCases)
    func lostDatabaseIsRefused(_ damage: Damage) throws {
        let scratch = try Scratch()
        let first = try scratch.file("first.whl", Data("first blob".utf8))
        let second = try scratch.largeFile("second.whl", size: 300_000)
        let put = try cli(["put", "--pin", "--json", first, second], store: scratch.store)
        let digests = try #require(try put.json() as? [[String: Any]]).compactMap { $0["digest"] as? String }
        #expect(digests.count == 2)
        try damage.apply(to: scratch.store)

        let url = "http://127.0.0.1:9/simple/x/"
        let commands: [[String]] = [
            ["stats"], ["ls"], ["ls", "--responses"], ["cat", digests[0]], ["show", digests[0]], ["put", first],
            ["fetch", url, "-o", "/dev/null"], ["fetch", "--offline", url], ["explain", url], ["show", url],
            ["can-install", "x", "--index", "http://127.0.0.1:9/simple"] + environment,
            ["export", "--find-links", scratch.path + "/out", "x"] + environment,
            ["index-policy", "set", "http://127.0.0.1:9/", "--archive"], ["index-policy", "ls"],
            ["pin", digests[0]], ["pins"], ["unpin", digests[0]],
            ["gc", "--grace", "0s", "--recent", "0s"], ["gc", "--dry-run"], ["verify"], ["verify", "--json"],
            ["serve", "--port", "0", "--index", "x=http://127.0.0.1:9/simple"],
        ]
        for command in commands {
            let refused = try cli(command, store: scratch.store, seconds: 20)
            #expect(refused.status == 74, "\(command): \(refused.status) \(refused.output) \(refused.stderr)")
            #expect(refused.stderr.contains("verify --repair"), "\(command): \(refused.stderr)")
        }
        for digest in digests {
            #expect(FileManager.default.fileExists(atPath: blobPath(scratch.store, digest)), "nothing was deleted")
        }

        let repair = try cli(["verify", "--repair", "--json"], store: scratch.store, seconds: 60)
        #expect(repair.status == 0, "\(repair.output) \(repair.stderr)")
        let problems = (try? repair.json() as? [String: Any])?["problems"] as? [[String: Any]] ?? []
        #expect(problems.filter { $0["kind"] as? String == "orphan-file" }.count == 2, "both blobs adopted: \(problems)")
        #expect(try cli(["cat", digests[0]], store: scratch.store).output == "first blob", "adopted by its content")
        #expect(try cli(["cat", digests[1]], store: scratch.store).stdout.count == 300_000)
        #expect(try cli(["verify"], store: scratch.store).status == 0)
    }
}

// MARK: - Rules 5 and 6

/// Rules 5 and 6, the damaged-blob fixture: blob files overwritten, quarantined, deleted or replaced by a FIFO.
@Suite("Rules 5 and 6: putting the original again repairs; a blob path is only ever a regular file")
struct DamagedBlobTests {
    enum Damage: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case overwritten = "overwritten with other bytes of the same size"
        case quarantined = "overwritten, then quarantined by a read"
        case fifo = "replaced by a FIFO"
        case deleted = "deleted"
        var testDescription: String { rawValue }

        func apply(to path: String, store: String, digest: String) throws {
            switch self {
            case .overwritten, .quarantined:
                let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
                chmod(path, 0o644)
                try Data(repeating: 0x42, count: size).write(to: URL(fileURLWithPath: path))
                chmod(path, 0o444)
                if self == .quarantined {
                    #expect(try cli(["cat", digest], store: store).status == 3, "the read finds it corrupt")
                }
            case .fifo:
                try FileManager.default.removeItem(atPath: path)
                #expect(mkfifo(path, 0o644) == 0)
            case .deleted:
                try FileManager.default.removeItem(atPath: path)
            }
        }
    }

    @Test("put of the original over a damaged blob restores it; verify is clean afterwards", arguments: Damage.allCases)
    func putRepairs(_ damage: Damage) throws {
        let scratch = try Scratch()
        let original = try scratch.largeFile("original.whl", size: 200_000, seed: 9)
        let digest = try sha256Hex(ofFile: original)
        #expect(try cli(["put", "--pin", original], store: scratch.store).status == 0)
        try damage.apply(to: blobPath(scratch.store, digest), store: scratch.store, digest: digest)
        #expect(try cli(["verify"], store: scratch.store).status == 3, "the damage is seen")

        let put = try cli(["put", "--json", original], store: scratch.store)
        #expect(put.status == 0, "\(put.stderr)")
        #expect((try? put.json() as? [[String: Any]])?.first?["alreadyStored"] as? Bool == false, "not taken for the damaged copy: \(put.output)")
        let cat = try cli(["cat", digest], store: scratch.store)
        #expect(cat.status == 0)
        #expect(cat.stdout == (try Data(contentsOf: URL(fileURLWithPath: original))))
        let verify = try cli(["verify", "--json"], store: scratch.store)
        #expect(verify.status == 0, "\(verify.output)")
        #expect((try? verify.json() as? [String: Any])?["clean"] as? Bool == true)
    }

    struct Reader: CustomTestStringConvertible, Sendable {
        var name: String
        var arguments: [String]
        var status: Int32
        var message: String
        var testDescription: String { name }
    }

    static let fineFile = "fine-1.0-py3-none-any.whl"

    @Test("a FIFO in a blob's place makes no command hang: each says the file is not a regular file", arguments: [
        Reader(name: "cat", arguments: ["cat", "DIGEST"], status: 3, message: "is not a regular file"),
        Reader(name: "export", arguments: ["export", "--find-links", "OUT", "fine", "--index", "INDEX"] + environment, status: 3, message: "is not a regular file"),
        Reader(name: "can-install", arguments: ["can-install", "fine", "--index", "INDEX"] + environment, status: 1, message: "is not a regular file"),
        Reader(name: "fetch --offline", arguments: ["fetch", "--offline", "FILE", "-o", "/dev/null"], status: 1, message: "body-missing"),
        Reader(name: "explain", arguments: ["explain", "FILE"], status: 1, message: "body-missing"),
        Reader(name: "verify", arguments: ["verify"], status: 3, message: "is not a regular file"),
    ])
    func fifoDoesNotHang(_ reader: Reader) throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        let file = upstream.base + "/h/files/" + Self.fineFile
        #expect(try cli(["fetch", upstream.index + "/fine/", "-o", "/dev/null"], store: scratch.store).status == 0)
        let fetch = try cli(["fetch", "--json", file], store: scratch.store)
        let digest = try #require((try fetch.json() as? [String: Any])?["digest"] as? String)
        try DamagedBlobTests.Damage.fifo.apply(to: blobPath(scratch.store, digest), store: scratch.store, digest: digest)

        let arguments = reader.arguments.map { argument in
            switch argument {
            case "DIGEST": digest
            case "OUT": scratch.path + "/out"
            case "INDEX": upstream.index
            case "FILE": file
            default: argument
            }
        }
        let started = Date()
        let result = try cli(arguments, store: scratch.store, seconds: 15)
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(result.status == reader.status, "\(result.output) \(result.stderr)")
        #expect((result.output + result.stderr).contains(reader.message), "\(result.output) \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/out/" + Self.fineFile))
        if reader.name == "can-install" {
            // Rule 10 too: the way out does not offer the very file it just could not read.
            #expect(!result.output.contains("way out:"), "\(result.output)")
        }
    }

    @Test("serve answers a problem document for a file whose blob is a FIFO, without hanging")
    func serveDoesNotHangOnAFIFO() throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        #expect(try cli(["fetch", upstream.index + "/fine/", "-o", "/dev/null"], store: scratch.store).status == 0)
        let fetch = try cli(["fetch", "--json", upstream.base + "/h/files/" + Self.fineFile], store: scratch.store)
        let digest = try #require((try fetch.json() as? [String: Any])?["digest"] as? String)
        try DamagedBlobTests.Damage.fifo.apply(to: blobPath(scratch.store, digest), store: scratch.store, digest: digest)
        let serve = try ServeProcess(store: scratch.store, indexes: ["h=" + upstream.index], options: ["--offline"], logPath: scratch.path + "/serve.log")
        let answer = try curl(["-s", "--max-time", "15", "-o", "/dev/null", "-w", "%{http_code}", serve.base + "h/files/fine/" + Self.fineFile])
        #expect(answer.status == 0, "curl: \(answer.status), no timeout")
        #expect(answer.output != "200" && answer.output != "000", "\(answer.output)")
        #expect(serve.stop() == 0)
    }

    @Test("the body of a no-store response is kept in the store's tmp/ while it is written out, never in the system's temporary directory, and removed after")
    func unstoredBodiesStayInTheStore() throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        let systemTemporary = scratch.path + "/system-tmp"
        try FileManager.default.createDirectory(atPath: systemTemporary, withIntermediateDirectories: true)
        let output = scratch.path + "/body"
        let fetch = try cli(["fetch", upstream.base + "/no-store/private", "-o", output], store: scratch.store, environment: ["TMPDIR": systemTemporary])
        #expect(fetch.status == 0, "\(fetch.stderr)")
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "no-store body of /no-store/private\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: systemTemporary).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.store + "/tmp").isEmpty)
        #expect(try blobCount(scratch.store) == 0, "refused by HTTP rules: not stored")
    }
}

// MARK: - Rule 7

/// Rule 7: passwords in URLs, credentials in headers and the variants they select.
@Suite("Rule 7: credentials never reach the disk, the output, or another host")
struct CredentialLeakTests {
    static let password = "s3cret-pw"

    @Test("can-install, export and explain never echo the password of an --index or URL", arguments: [
        ["can-install", "fine", "--index", "INDEX"] + environment,
        ["can-install", "--json", "fine", "--index", "INDEX"] + environment,
        ["can-install", "absent", "--index", "INDEX"] + environment,
        ["export", "--find-links", "OUT", "fine", "--index", "INDEX"] + environment,
        ["export", "--json", "--find-links", "OUT", "fine", "--index", "INDEX"] + environment,
        ["explain", "INDEX/fine/"],
        ["explain", "--json", "INDEX/fine/"],
        ["show", "--json", "INDEX/fine/"],
    ])
    func outputsHideThePassword(_ template: [String]) throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        let index = upstream.index.replacingOccurrences(of: "http://", with: "http://alice:\(Self.password)@")
        #expect(try cli(["fetch", index + "/fine/", "-o", "/dev/null"], store: scratch.store).status == 0)
        #expect(try cli(["fetch", index.replacingOccurrences(of: "/simple", with: "/files/") + "fine-1.0-py3-none-any.whl", "-o", "/dev/null"], store: scratch.store).status == 0)
        let arguments = template.map { $0.replacingOccurrences(of: "INDEX", with: index).replacingOccurrences(of: "OUT", with: scratch.path + "/out") }
        let result = try cli(arguments, store: scratch.store)
        #expect(result.status <= 1, "\(result.stderr)")
        #expect(!(result.output + result.stderr).contains(Self.password), "\(result.output) \(result.stderr)")
        #expect(files(containing: Self.password, under: scratch.store).isEmpty)
        #expect(files(containing: Self.password, under: scratch.path + "/out").isEmpty)
    }

    @Test("index-policy and pin strip the userinfo of the URLs they are given, in their output and in the store")
    func policiesAndPinsHideThePassword() throws {
        let scratch = try Scratch()
        let prefix = "http://bob:\(Self.password)@127.0.0.1:9/simple/"
        let outputs = try [
            cli(["index-policy", "set", prefix, "--pages", "max-age=600", "--archive", "--note", "private index"], store: scratch.store),
            cli(["index-policy", "ls"], store: scratch.store),
            cli(["index-policy", "ls", "--json"], store: scratch.store),
            cli(["pin", prefix + "*", "--note", "private index"], store: scratch.store),
            cli(["pins"], store: scratch.store),
            cli(["pins", "--json"], store: scratch.store),
        ]
        for output in outputs {
            #expect(output.status == 0, "\(output.stderr)")
            #expect(!(output.output + output.stderr).contains(Self.password), "\(output.output) \(output.stderr)")
        }
        #expect(outputs[2].output.contains("\"urlPrefix\":\"http://127.0.0.1:9/simple/\""), "\(outputs[2].output)")
        #expect(outputs[5].output.contains("\"urlPattern\":\"http://127.0.0.1:9/simple/*\""), "\(outputs[5].output)")
        #expect(files(containing: Self.password, under: scratch.store).isEmpty)
    }

    @Test("a stored Location keeps no userinfo, and the password in it reaches no file of the store")
    func locationUserinfoIsStripped() throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        let fetch = try cli(["fetch", "--json", upstream.base + "/redirect-userinfo"], store: scratch.store)
        #expect(fetch.status == 0, "\(fetch.stderr)")
        #expect(!fetch.output.contains("hunter2"), "\(fetch.output)")
        let show = try cli(["show", "--json", upstream.base + "/redirect-userinfo"], store: scratch.store)
        #expect(show.output.contains("\"Location\",\"\(upstream.base)/plain/after-userinfo\""), "\(show.output)")
        #expect(!show.output.contains("hunter2"))
        #expect(files(containing: "hunter2", under: scratch.store).isEmpty)
        #expect(files(containing: Data("user:hunter2-location".utf8).base64EncodedString(), under: scratch.store).isEmpty)
    }

    struct Credentials: CustomTestStringConvertible, Sendable {
        var testDescription: String
        var headers: [String]
        var inURL: Bool
    }

    @Test("a redirect to another origin carries no credential, cookie or custom header", arguments: [
        Credentials(testDescription: "Authorization, Cookie and X-Api-Key headers",
                    headers: ["--header", "Authorization: Bearer t0ken", "--header", "Cookie: session=c00kie", "--header", "X-Api-Key: k3y"], inURL: false),
        Credentials(testDescription: "user:password in the URL, and a Cookie", headers: ["--header", "Cookie: session=c00kie"], inURL: true),
    ])
    func redirectDropsCredentials(_ credentials: Credentials) throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        let url = (credentials.inURL ? upstream.base.replacingOccurrences(of: "http://", with: "http://alice:\(Self.password)@") : upstream.base) + "/redirect-other-origin"
        let fetch = try cli(["fetch", url, "-o", "/dev/null"] + credentials.headers, store: scratch.store)
        #expect(fetch.status == 0, "\(fetch.stderr)")
        let first = try #require(try upstream.seen("/redirect-other-origin").first)
        #expect(first["authorization"] != nil && first["cookie"] != nil, "the origin asked got them: \(first)")
        let other = try #require(try upstream.seen("/-/other").first, "the redirect was followed")
        #expect(other["authorization"] == nil, "\(other)")
        #expect(other["cookie"] == nil, "\(other)")
    }

    struct Varying: CustomTestStringConvertible, Sendable {
        var field: String
        var path: String
        var alice: String
        var bob: String
        var testDescription: String { "Vary: \(field)" }
    }

    @Test("a response that varies on a credential is never answered to another credential or to none", arguments: [
        Varying(field: "Authorization", path: "/vary-auth/", alice: "Bearer alice-t0ken", bob: "Bearer bob-t0ken"),
        Varying(field: "Cookie", path: "/vary-cookie/", alice: "session=alice-c00kie", bob: "session=bob-c00kie"),
    ])
    func varyOnCredentials(_ varying: Varying) throws {
        let (field, path, alice, bob) = (varying.field, varying.path, varying.alice, varying.bob)
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        let url = upstream.base + path
        let online = try cli(["fetch", url, "--header", "\(field): \(alice)"], store: scratch.store)
        #expect(online.status == 0, "\(online.stderr)")
        #expect(online.output.hasPrefix("variant for credential "))

        let asBob = try cli(["fetch", "--offline", url, "--header", "\(field): \(bob)"], store: scratch.store)
        #expect(asBob.status == 1, "\(asBob.output)")
        #expect(asBob.output.isEmpty)
        #expect(asBob.stderr.contains("vary-mismatch"), "\(asBob.stderr)")
        let anonymous = try cli(["fetch", "--offline", url], store: scratch.store)
        #expect(anonymous.status == 1, "\(anonymous.output)")
        #expect(anonymous.output.isEmpty)
        let asAlice = try cli(["fetch", "--offline", url, "--header", "\(field): \(alice)"], store: scratch.store)
        #expect(asAlice.status == 0, "\(asAlice.stderr)")
        #expect(asAlice.output == online.output)

        // Online, bob's request goes to the server and gets his own variant.
        let bobOnline = try cli(["fetch", "--json", url, "--header", "\(field): \(bob)"], store: scratch.store)
        #expect((try? bobOnline.json() as? [String: Any])?["source"] as? String == "network")
        #expect(try upstream.seen(path).count == 2)
        for secret in ["alice-", "bob-"] {
            #expect(files(containing: secret, under: scratch.store).isEmpty, "\(secret) values are never written")
        }
    }

    @Test("serve never prints, logs or stores the password of an --index")
    func serveHidesIndexPassword() throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        let index = upstream.index.replacingOccurrences(of: "http://", with: "http://alice:\(Self.password)@")
        let serve = try ServeProcess(store: scratch.store, indexes: ["p=" + index], logPath: scratch.path + "/serve.log")
        #expect(try httpGet(serve.base + "p/simple/fine/").status == 200)
        #expect(try httpGet(serve.base + "p/files/fine/fine-1.0-py3-none-any.whl").status == 200)
        #expect(try httpGet(serve.base + "p/simple/absent/").status == 404)
        let status = String(decoding: try httpGet(serve.base + "-/status").body, as: UTF8.self)
        #expect(!status.contains(Self.password), "\(status)")
        #expect(try upstream.seen("/h/simple/fine/").first?["authorization"] != nil, "the upstream got the credential")
        #expect(serve.stop() == 0)
        #expect(!serve.log.contains(Self.password), "\(serve.log)")
        #expect(files(containing: Self.password, under: scratch.store).isEmpty)
    }
}

// MARK: - Rule 9

/// Rule 9: a page over the store's 64 MiB parse cap.
@Suite("Rule 9: no unbounded work inside the write lock")
struct PageSizeTests {
    @Test("a page larger than the 64 MiB cap is recorded unparsed and refused with page-too-large; puts meanwhile are never blocked into 'database is busy'")
    func hugePage() throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        #expect(try cli(["init"], store: scratch.store).status == 0)
        let page = upstream.index + "/huge/"
        let fetch = Process()
        fetch.executableURL = artifactStoreExecutable
        fetch.arguments = ["fetch", "--store", scratch.store, page, "-o", "/dev/null"]
        fetch.standardOutput = FileHandle.nullDevice
        fetch.standardError = FileHandle.nullDevice
        try fetch.run()
        var puts = 0
        let deadline = Date().addingTimeInterval(60)
        while (fetch.isRunning || puts < 3) && Date() < deadline {
            let file = try scratch.file("put-\(puts)", Data("concurrent put \(puts)".utf8))
            let started = Date()
            let put = try cli(["put", "--pin", file], store: scratch.store, seconds: 20)
            #expect(put.status == 0, "\(put.stderr)")
            #expect(!put.stderr.contains("busy"))
            #expect(Date().timeIntervalSince(started) < 5, "a put waited \(Date().timeIntervalSince(started)) s")
            puts += 1
        }
        if fetch.isRunning {
            Issue.record("fetch of a 65 MiB page still running after 60 s")
            kill(fetch.processIdentifier, SIGKILL)
        }
        fetch.waitUntilExit()
        #expect(fetch.terminationStatus == 0)

        let explain = try cli(["explain", page], store: scratch.store)
        #expect(explain.output.contains("page not parsed: larger than 64 MiB"), "\(explain.output)")
        let (status, result) = try canInstall("huge", indexes: [upstream.index], store: scratch.store)
        #expect(status == 1)
        #expect(codes(result) == ["page-too-large"], "\(result)")
        let reason = (result["reasons"] as? [[String: Any]])?.first?["message"] as? String ?? ""
        #expect(reason.contains("64 MiB"), "\(reason)")
        let export = try cli(["export", "--find-links", scratch.path + "/out", "huge", "--index", upstream.index] + environment, store: scratch.store)
        #expect(export.status == 1)
        #expect(export.output.contains("[page-too-large]"), "\(export.output)")
    }

    @Test("serve refuses a page larger than the cap with a page-too-large problem document")
    func serveRefusesHugePage() throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        let serve = try ServeProcess(store: scratch.store, indexes: ["h=" + upstream.index], logPath: scratch.path + "/serve.log")
        let got = try httpGet(serve.base + "h/simple/huge/")
        #expect(got.status == 502)
        let problem = try JSONSerialization.jsonObject(with: got.body) as? [String: Any]
        #expect(problem?["code"] as? String == "page-too-large")
        #expect(try httpGet(serve.base + "h/simple/fine/").status == 200)
        #expect(serve.stop() == 0)
    }
}

// MARK: - Rule 10

/// Rule 10: what can-install proposes when it says ✘ obeys the reasons it gave.
@Suite("Rule 10: the way out obeys the same rules as the way in")
struct WayOutTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var requirement: String
        var codes: [String]
        /// The file installed or exported; nil when nothing may be.
        var file: String?
        var testDescription: String { requirement }
    }

    @Test("a yanked file or one whose Requires-Python excludes the interpreter is never the way out", arguments: [
        Case(requirement: "only-bad", codes: ["yanked", "requires-python"], file: nil),
        Case(requirement: "only-bad>=3", codes: ["requires-python"], file: nil),
        Case(requirement: "way-out>=2", codes: ["yanked", "requires-python"], file: nil),
        Case(requirement: "only-bad==2.0", codes: [], file: "only_bad-2.0-py3-none-any.whl"),
        Case(requirement: "way-out", codes: [], file: "way_out-1.0-py3-none-any.whl"),
    ])
    func wayOutObeysTheRules(_ test: Case) throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        for (project, versions) in [("way-out", ["1.0", "2.0", "3.0"]), ("only-bad", ["2.0", "3.0"])] {
            #expect(try cli(["fetch", upstream.index + "/\(project)/", "-o", "/dev/null"], store: scratch.store).status == 0)
            for version in versions {
                let file = upstream.base + "/h/files/\(project.replacingOccurrences(of: "-", with: "_"))-\(version)-py3-none-any.whl"
                #expect(try cli(["fetch", file, "-o", "/dev/null"], store: scratch.store).status == 0)
            }
        }
        let (status, result) = try canInstall(test.requirement, indexes: [upstream.index], store: scratch.store)
        #expect(codes(result) == test.codes, "\(result)")
        #expect(wayOut(result) == nil, "\(result)")
        let human = try cli(["can-install", test.requirement, "--index", upstream.index] + environment, store: scratch.store)
        #expect(!human.output.contains("way out:"), "\(human.output)")

        let wheelhouse = scratch.path + "/wheelhouse"
        let export = try cli(["export", "--find-links", wheelhouse, test.requirement, "--index", upstream.index] + environment, store: scratch.store)
        let written = ((try? FileManager.default.contentsOfDirectory(atPath: wheelhouse)) ?? []).filter { $0.hasSuffix(".whl") }
        if let file = test.file {
            #expect(status == 0)
            #expect(export.status == 0, "\(export.output)")
            #expect(written == [file])
        } else {
            #expect(status == 1)
            #expect(export.status == 1, "\(export.output)")
            #expect(written.isEmpty, "\(written)")
        }
    }
}

// MARK: - RFC 9111

/// The issue's RFC 9111 gaps, against the fixture.
@Suite("RFC 9111 against a hostile upstream")
struct HostileCachingTests {
    @Test("an Expires that is not an HTTP-date means already expired: the next online fetch goes to the network")
    func invalidExpiresIsExpired() throws {
        let scratch = try Scratch()
        let upstream = try HostileUpstream()
        let url = upstream.base + "/bad-expires/x"
        #expect(try cli(["fetch", url, "-o", "/dev/null"], store: scratch.store).status == 0)
        let explain = try cli(["explain", "--policy", "online", url], store: scratch.store)
        #expect(explain.status == 1, "\(explain.output)")
        #expect(try cli(["explain", "--policy", "offline", url], store: scratch.store).status == 0, "stored all the same")
        let again = try cli(["fetch", "--json", url], store: scratch.store)
        #expect((try? again.json() as? [String: Any])?["source"] as? String == "network")
        #expect(try upstream.seen("/bad-expires/x").count == 2)
    }
}

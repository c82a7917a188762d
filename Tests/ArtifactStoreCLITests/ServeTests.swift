import Foundation
import Testing

/// `serve` with the real uv and pip, over a local upstream (`scripts/test-upstream.py`).
@Suite("serve: uv and pip install through it, online, with the upstream down, and offline", .enabled(if: Installers.requiredAndPresent), .serialized)
struct ServeInstallTests {
    static let jsonAccept = "Accept: application/vnd.pypi.simple.v1+json"

    @Test("the seed scenario: a no-store project installs online, with the upstream stopped, and through serve --offline")
    func onlineUpstreamDownOffline() throws {
        let clients = try Installers.require()
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream")
        var serve = try ServeProcess(store: scratch.store, indexes: ["up=" + upstream.simple], logPath: scratch.path + "/serve-1.log")
        let index = serve.base + "up/simple/"
        let packages = ["alpha", "torch"]

        // 1. Online.
        let uvOnline = try clients.uv(packages, index: index, target: scratch.path + "/uv-1", cache: scratch.path + "/uv-cache-1")
        #expect(uvOnline.status == 0, "\(uvOnline.stderr)")
        let pipOnline = try clients.pip(packages, index: index, target: scratch.path + "/pip-1")
        #expect(pipOnline.status == 0, "\(pipOnline.output) \(pipOnline.stderr)")
        for target in ["uv-1", "pip-1"] {
            #expect(FileManager.default.fileExists(atPath: scratch.path + "/\(target)/torch/__init__.py"), "torch in \(target)")
            #expect(FileManager.default.fileExists(atPath: scratch.path + "/\(target)/gamma/__init__.py"), "the dependency of a dependency in \(target)")
        }
        #expect(serve.log.contains("GET /up/simple/torch/ 200"))
        #expect(serve.log.contains(" fetched"))

        // 2. The upstream stopped; fresh client caches.
        upstream.stop()
        let uvDown = try clients.uv(packages, index: index, target: scratch.path + "/uv-2", cache: scratch.path + "/uv-cache-2")
        #expect(uvDown.status == 0, "\(uvDown.stderr)")
        let pipDown = try clients.pip(packages, index: index, target: scratch.path + "/pip-2")
        #expect(pipDown.status == 0, "\(pipDown.output) \(pipDown.stderr)")
        #expect(serve.log.contains("GET /up/simple/torch/ 200"), "the no-store page is answered from its archived copy")
        #expect(serve.log.contains("archived-fallback"))
        let status = try #require(try JSONSerialization.jsonObject(with: httpGet(serve.base + "-/status").body) as? [String: Any])
        let upstreams = try #require(status["indexes"] as? [[String: Any]])
        #expect(upstreams.first?["lastFailure"] is [String: Any], "status shows the upstream's failure")
        #expect(serve.stop() == 0, "SIGTERM stops serve cleanly")

        // 3. serve --offline, restarted on the same store.
        serve = try ServeProcess(store: scratch.store, indexes: ["up=" + upstream.simple], options: ["--offline"], logPath: scratch.path + "/serve-2.log")
        let offlineIndex = serve.base + "up/simple/"
        let uvOffline = try clients.uv(packages, index: offlineIndex, target: scratch.path + "/uv-3", cache: scratch.path + "/uv-cache-3")
        #expect(uvOffline.status == 0, "\(uvOffline.stderr)")
        let pipOffline = try clients.pip(packages, index: offlineIndex, target: scratch.path + "/pip-3")
        #expect(pipOffline.status == 0, "\(pipOffline.output) \(pipOffline.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/uv-3/torch/__init__.py"))
        #expect(FileManager.default.fileExists(atPath: scratch.path + "/pip-3/torch/__init__.py"))
        #expect(serve.stop() == 0)

        // explain tells the story of the no-store page: refused by HTTP rules, body archived.
        let explain = try run(["explain", upstream.simple + "/torch/", "--header", "Accept: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"], store: scratch.store)
        #expect(explain.output.contains("no-store"), "\(explain.output)")
        #expect(explain.output.contains("archived"), "\(explain.output)")
        #expect(try run(["verify"], store: scratch.store).status == 0)
    }

    @Test("a project never fetched, offline: both clients fail within seconds, and uv shows the reason code")
    func neverFetchedOffline() throws {
        let clients = try Installers.require()
        let scratch = try Scratch()
        let serve = try ServeProcess(store: scratch.store, indexes: ["up=http://127.0.0.1:9/simple"], options: ["--offline"], logPath: scratch.path + "/serve.log")
        let started = Date()
        let uv = try clients.uv(["delta"], index: serve.base + "up/simple/", target: scratch.path + "/uv", cache: scratch.path + "/uv-cache")
        #expect(uv.status != 0)
        #expect(uv.stderr.contains("never-fetched"), "uv prints the problem document: \(uv.stderr)")
        #expect(uv.stderr.contains("offline"))
        let pip = try clients.pip(["delta"], index: serve.base + "up/simple/", target: scratch.path + "/pip")
        #expect(pip.status != 0)
        #expect(Date().timeIntervalSince(started) < 20, "neither client retries for long")

        let page = try httpGet(serve.base + "up/simple/delta/")
        #expect(page.status == 424)
        #expect(page.headers["content-type"] == "application/problem+json")
        let problem = try #require(try JSONSerialization.jsonObject(with: page.body) as? [String: Any])
        #expect(problem["code"] as? String == "never-fetched")
        #expect(problem["status"] as? Int == 424)
        #expect((problem["detail"] as? String)?.contains("Hint: install it once through serve while http://127.0.0.1:9/simple/delta/ can be reached") == true)
        #expect(uv.stderr.components(separatedBy: "never-fetched").count == 2, "the code is said once: \(uv.stderr)")
        #expect(serve.log.contains("GET /up/simple/delta/ 424"))
        #expect(serve.log.contains("refused"))
    }
}

@Suite("serve: pages, files and faults on the wire", .serialized)
struct ServeWireTests {
    static let uvAccept = "Accept: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"

    @Test("pages come in the format asked for, with exact types, Vary: Accept, links to this server and their hashes")
    func pageFormats() throws {
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream")
        let serve = try ServeProcess(store: scratch.store, indexes: ["up=" + upstream.simple], logPath: scratch.path + "/serve.log")
        let alpha = try upstream.file("alpha", "alpha-1.0-py3-none-any.whl")

        let json = try httpGet(serve.base + "up/simple/alpha/", headers: [Self.uvAccept])
        #expect(json.status == 200)
        #expect(json.headers["content-type"] == "application/vnd.pypi.simple.v1+json")
        #expect(json.headers["vary"] == "Accept")
        let page = try #require(try JSONSerialization.jsonObject(with: json.body) as? [String: Any])
        let file = try #require((page["files"] as? [[String: Any]])?.first)
        #expect(file["url"] as? String == "/up/files/alpha/alpha-1.0-py3-none-any.whl")
        #expect((file["hashes"] as? [String: String])?["sha256"] == alpha.sha256)
        #expect(file["requires-python"] as? String == ">=3.8")
        #expect(file["size"] as? Int == alpha.size)
        #expect(file["upload-time"] is String)
        #expect(file["core-metadata"] is [String: Any], "the upstream answers: its sidecar is advertised")

        let html = try httpGet(serve.base + "up/simple/alpha/", headers: ["Accept: text/html"])
        #expect(html.headers["content-type"] == "text/html")
        let text = String(decoding: html.body, as: UTF8.self)
        #expect(text.contains("href=\"/up/files/alpha/alpha-1.0-py3-none-any.whl#sha256=\(alpha.sha256)\""))
        #expect(text.contains("data-requires-python=\"&gt;=3.8\""))
        #expect(try httpGet(serve.base + "up/simple/alpha/?format=application/vnd.pypi.simple.v1+html").headers["content-type"] == "application/vnd.pypi.simple.v1+html")
        #expect(try httpGet(serve.base + "up/simple/alpha/", headers: ["Accept: application/xml"]).status == 406)

        // The yanked file keeps its reason; the torch page (HTML upstream) keeps %2B links.
        let gamma = String(decoding: try httpGet(serve.base + "up/simple/gamma/", headers: ["Accept: text/html"]).body, as: UTF8.self)
        #expect(gamma.contains("data-yanked=\"broken\""))
        let torch = String(decoding: try httpGet(serve.base + "up/simple/torch/", headers: ["Accept: text/html"]).body, as: UTF8.self)
        #expect(torch.contains("/up/files/torch/torch-2.0.1%2Bcpu-py3-none-any.whl#sha256="))

        // Names are normalized by redirect; an entity tag answers 304.
        let redirect = try httpGet(serve.base + "up/simple/Mixed_Case.Name/")
        #expect(redirect.status == 301)
        #expect(redirect.headers["location"] == "/up/simple/mixed-case-name/")
        let etag = try #require(json.headers["etag"])
        #expect(try httpGet(serve.base + "up/simple/alpha/", headers: [Self.uvAccept, "If-None-Match: \(etag)"]).status == 304)
        #expect(try httpGet(serve.base + "up/simple/nonexistent/").status == 404, "the upstream's 404 stays a 404: uv goes on to its next index")
        #expect(try httpGet(serve.base + "nope/simple/alpha/").status == 404)
        #expect(try httpGet(serve.base + "up/files/alpha/not-listed-1.0-py3-none-any.whl").status == 404, "only files a page lists are fetched")
        #expect(try httpGet(serve.base + "up/simple/", headers: [Self.uvAccept]).status == 200)
        #expect(try httpGet(serve.base + "-/health").status == 200)
    }

    @Test("files are served verified, with HEAD, a strong ETag and Range; nothing is fetched twice")
    func filesAndRanges() throws {
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream", build: ["--big-mb", "3"])
        let serve = try ServeProcess(store: scratch.store, indexes: ["up=" + upstream.simple], logPath: scratch.path + "/serve.log")
        let big = try upstream.file("big", "big-1.0-py3-none-any.whl")
        let url = serve.base + "up/files/big/big-1.0-py3-none-any.whl"

        let head = try httpGet(url, method: "HEAD")
        #expect(head.status == 200)
        #expect(head.headers["content-length"] == String(big.size))
        let whole = try httpGet(url)
        #expect(whole.status == 200)
        try #require(whole.body.count == big.size, "a short body would make the rest of this test index out of range")
        #expect(whole.headers["etag"] == "\"sha256-\(big.sha256)\"")
        // The HEAD started the download: the GET joins it (fetched) or finds it stored (hit);
        // either way the upstream is asked once (checked below).
        #expect(["hit", "fetched"].contains(whole.headers["x-artifact-store-outcome"] ?? ""))
        try whole.body.write(to: URL(fileURLWithPath: scratch.path + "/big.whl"))
        #expect(try sha256Hex(ofFile: scratch.path + "/big.whl") == big.sha256)

        let part = try httpGet(url, headers: ["Range: bytes=100-199"])
        #expect(part.status == 206)
        #expect(part.headers["content-range"] == "bytes 100-199/\(big.size)")
        #expect(part.body == whole.body.subdata(in: 100..<200))
        let resumed = try httpGet(url, headers: ["Range: bytes=\(big.size - 10)-", "If-Range: \(whole.headers["etag"]!)"])
        #expect(resumed.status == 206 && resumed.body == whole.body.suffix(10))
        #expect(try httpGet(url, headers: ["Range: bytes=0-9", "If-Range: \"other\""]).status == 200, "a changed validator gets the whole file")
        #expect(try httpGet(url, headers: ["Range: bytes=\(big.size)-"]).status == 416)
        #expect(try upstream.requests()["/files/big-1.0-py3-none-any.whl"] == 1)

        // A file changed since it was last verified is verified again before a range is served.
        let blob = scratch.store + "/blobs/sha256/\(big.sha256.prefix(2))/\(big.sha256)"
        chmod(blob, 0o644)
        var altered = whole.body
        altered[altered.count - 1] ^= 0xFF
        try altered.write(to: URL(fileURLWithPath: blob))
        let damaged = try httpGet(url, headers: ["Range: bytes=0-99"])
        #expect(damaged.status == 502, "never a range of a damaged file")
        #expect(String(decoding: damaged.body, as: UTF8.self).contains("store-blob-corrupt"))
    }

    @Test("50 concurrent requests for a file not yet stored make one upstream request and all get the same bytes")
    func concurrentDownloadsShareOne() throws {
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream", build: ["--big-mb", "16"])
        let serve = try ServeProcess(store: scratch.store, indexes: ["up=" + upstream.simple], logPath: scratch.path + "/serve.log")
        let big = try upstream.file("big", "big-1.0-py3-none-any.whl")
        #expect(try httpGet(serve.base + "up/simple/big/").status == 200)
        let url = serve.base + "up/files/big/big-1.0-py3-none-any.whl"
        var arguments = ["-s", "--parallel", "--parallel-immediate", "--parallel-max", "50"]
        for number in 0..<50 { arguments += ["-o", scratch.path + "/copy-\(number)", url] }
        try curl(arguments)
        for number in 0..<50 {
            #expect(try sha256Hex(ofFile: scratch.path + "/copy-\(number)") == big.sha256, "copy \(number)")
        }
        #expect(try upstream.requests()["/files/big-1.0-py3-none-any.whl"] == 1)
    }

    @Test("a sidecar is advertised offline only when the store can deliver it")
    func sidecarsOnlyWhenDeliverable() throws {
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream")
        var serve = try ServeProcess(store: scratch.store, indexes: ["up=" + upstream.simple], logPath: scratch.path + "/serve-1.log")
        #expect(try httpGet(serve.base + "up/simple/alpha/", headers: [Self.uvAccept]).status == 200)
        #expect(try httpGet(serve.base + "up/simple/beta/", headers: [Self.uvAccept]).status == 200)
        #expect(try httpGet(serve.base + "up/files/beta/beta-2.0-py3-none-any.whl.metadata").status == 200)
        serve.stop()
        serve = try ServeProcess(store: scratch.store, indexes: ["up=" + upstream.simple], options: ["--offline"], logPath: scratch.path + "/serve-2.log")
        func metadata(_ project: String) throws -> [String: Any] {
            let page = try #require(try JSONSerialization.jsonObject(with: httpGet(serve.base + "up/simple/\(project)/", headers: [Self.uvAccept]).body) as? [String: Any])
            let files = try #require(page["files"] as? [[String: Any]])
            return Dictionary(uniqueKeysWithValues: files.map { ($0["filename"] as! String, $0["core-metadata"] as Any) })
        }
        #expect(try metadata("alpha")["alpha-1.0-py3-none-any.whl"] as? Bool == false, "never fetched: not advertised")
        #expect(try metadata("beta")["beta-2.0-py3-none-any.whl"] is [String: Any], "stored: advertised")
        #expect(try metadata("beta")["beta-1.0-py3-none-any.whl"] as? Bool == false)
        #expect(try httpGet(serve.base + "up/files/beta/beta-2.0-py3-none-any.whl.metadata").status == 200)
    }

    @Test("the merged /simple/ takes each project from the first index that has it")
    func mergedFirstIndexWins() throws {
        let scratch = try Scratch()
        let first = try TestUpstream(directory: scratch.path + "/first")
        let second = try TestUpstream(directory: scratch.path + "/second")
        try first.control("/-/fault", #"{"path": "/simple/gamma/", "mode": "404"}"#)
        let serve = try ServeProcess(store: scratch.store, indexes: ["private=" + first.simple, "public=" + second.simple], logPath: scratch.path + "/serve.log")
        let alpha = String(decoding: try httpGet(serve.base + "simple/alpha/", headers: ["Accept: text/html"]).body, as: UTF8.self)
        #expect(alpha.contains("/private/files/alpha/"))
        #expect(!alpha.contains("/public/"))
        let gamma = String(decoding: try httpGet(serve.base + "simple/gamma/", headers: ["Accept: text/html"]).body, as: UTF8.self)
        #expect(gamma.contains("/public/files/gamma/"), "not on the first index: the next one answers")
        #expect(try second.requests()["/simple/alpha/"] == nil, "the second index is not asked for what the first has")
        let list = String(decoding: try httpGet(serve.base + "simple/").body, as: UTF8.self)
        #expect(list.contains("href=\"alpha/\""))

        // A first index that fails without a stored copy stops the search: no shadowing.
        first.stop()
        let delta = try httpGet(serve.base + "simple/delta/")
        #expect(delta.status == 424)
        #expect(try second.requests()["/simple/delta/"] == nil)
    }

    @Test("upstream faults: a stale copy on 503 or a slow upstream, nothing stored from resets, cut bodies or wrong hashes")
    func upstreamFaults() throws {
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream")
        let serve = try ServeProcess(store: scratch.store, indexes: ["up=" + upstream.simple], options: ["--read-timeout", "1"], logPath: scratch.path + "/serve.log")
        // delta's page goes stale at once, so every request asks the upstream.
        try upstream.control("/-/cache-control", #"{"project": "delta", "value": "max-age=0"}"#)
        #expect(try httpGet(serve.base + "up/simple/delta/").status == 200)

        try upstream.control("/-/fault", #"{"path": "/simple/delta/", "mode": "503", "count": 1}"#)
        let stale = try httpGet(serve.base + "up/simple/delta/")
        #expect(stale.status == 200)
        #expect(stale.headers["x-artifact-store-outcome"] == "stale-fallback")
        #expect(stale.headers["x-artifact-store-fallback-reason"]?.contains("503") == true)
        #expect(try httpGet(serve.base + "up/simple/delta/").headers["x-artifact-store-outcome"] == "revalidated", "the next request revalidates")

        try upstream.control("/-/fault", #"{"path": "/simple/delta/", "mode": "slow", "seconds": 4, "count": 1}"#)
        let started = Date()
        let slow = try httpGet(serve.base + "up/simple/delta/")
        #expect(slow.headers["x-artifact-store-outcome"] == "stale-fallback")
        #expect(Date().timeIntervalSince(started) < 3.5, "the read timeout gives up on a slow upstream")

        let file = serve.base + "up/files/delta/delta-1.0-py3-none-any.whl"
        for mode in ["reset", "truncate"] {
            try upstream.control("/-/fault", #"{"path": "/files/delta-1.0-py3-none-any.whl", "mode": "\#(mode)", "count": 1}"#)
            let failed = try httpGet(file)
            #expect(failed.status == 424, "\(mode): nothing to serve")
            #expect(String(decoding: failed.body, as: UTF8.self).contains("never-fetched"), "\(mode)")
        }
        let history = try run(["explain", upstream.base + "/files/delta-1.0-py3-none-any.whl"], store: scratch.store)
        #expect(history.output.contains("failed"), "\(history.output)")
        #expect(try httpGet(file).status == 200, "once the upstream behaves, the file is fetched")

        // A page that announces a wrong hash: the download is refused before it is published.
        try upstream.control("/-/fault", #"{"path": "/simple/beta/", "mode": "wrong-hash"}"#)
        #expect(try httpGet(serve.base + "up/simple/beta/").status == 200)
        let wrong = try httpGet(serve.base + "up/files/beta/beta-2.0-py3-none-any.whl")
        #expect(wrong.status == 502)
        #expect(String(decoding: wrong.body, as: UTF8.self).contains("hash-mismatch"))
        let beta = try upstream.file("beta", "beta-2.0-py3-none-any.whl")
        #expect(try run(["show", beta.sha256], store: scratch.store).status == 1, "the real file was not stored under the wrong name")
        #expect(try run(["verify"], store: scratch.store).status == 0)
    }

    @Test("a large file streams to the client while it downloads; with a wrong hash the client never gets all of it")
    func streamingWhileDownloading() throws {
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream", build: ["--big-mb", "24"])
        let serve = try ServeProcess(store: scratch.store, indexes: ["up=" + upstream.simple], logPath: scratch.path + "/serve.log")
        let big = try upstream.file("big", "big-1.0-py3-none-any.whl")
        let url = serve.base + "up/files/big/big-1.0-py3-none-any.whl"

        try upstream.control("/-/cache-control", #"{"project": "big", "value": "max-age=0"}"#)
        try upstream.control("/-/fault", #"{"path": "/simple/big/", "mode": "wrong-hash"}"#)
        #expect(try httpGet(serve.base + "up/simple/big/").status == 200)
        let cut = try curl(["-s", "-o", scratch.path + "/wrong.whl", "-w", "%{http_code} %{size_download}", url])
        #expect(cut.status != 0, "the transfer is cut short: \(cut.output)")
        let received = Int(cut.output.split(separator: " ").last ?? "") ?? -1
        #expect(received < big.size, "never the complete file: \(received) of \(big.size)")
        #expect(try run(["show", big.sha256], store: scratch.store).status == 1, "nothing stored")
        #expect(serve.log.contains("fetched"))

        // With the right hash the streamed copy is the file.
        try upstream.control("/-/fault/clear", "{}")
        #expect(try httpGet(serve.base + "up/simple/big/").status == 200)
        let whole = try curl(["-s", "-o", scratch.path + "/big.whl", "-w", "%{http_code}", url])
        #expect(whole.output == "200")
        #expect(try sha256Hex(ofFile: scratch.path + "/big.whl") == big.sha256)
        #expect(try run(["show", big.sha256], store: scratch.store).status == 0, "stored once complete and verified")
    }

    @Test("kill -9 of serve during downloads leaves the old state or the new one plus what gc removes (I3), and the next request works")
    func killedDuringDownloads() throws {
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream", build: ["--big-mb", "64"])
        let big = try upstream.file("big", "big-1.0-py3-none-any.whl")
        for round in 0..<4 {
            let serve = try ServeProcess(store: scratch.store, indexes: ["up=" + upstream.simple], logPath: scratch.path + "/serve-\(round).log")
            #expect(try httpGet(serve.base + "up/simple/big/").status == 200)
            let download = Process()
            download.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            download.arguments = ["-s", "-o", "/dev/null", "--limit-rate", "20M", serve.base + "up/files/big/big-1.0-py3-none-any.whl"]
            try download.run()
            usleep(UInt32(50_000 + round * 150_000))
            serve.kill9()
            download.waitUntilExit()
            // A kill between a blob's rename into place and the commit of its row (I2 orders them
            // so) leaves a file without a row: garbage gc removes, never a row without its file.
            let verify = try run(["verify", "--json"], store: scratch.store)
            let problems = (try verify.json() as? [String: Any])?["problems"] as? [[String: Any]] ?? []
            #expect(problems.allSatisfy { $0["kind"] as? String == "orphan-file" }, "round \(round): \(verify.output) \(verify.stderr)")
            #expect(try run(["gc", "--grace", "0s"], store: scratch.store).status == 0)
            let clean = try run(["verify"], store: scratch.store)
            #expect(clean.status == 0, "round \(round): \(clean.output) \(clean.stderr)")
        }
        let serve = try ServeProcess(store: scratch.store, indexes: ["up=" + upstream.simple], logPath: scratch.path + "/serve-last.log")
        let whole = try httpGet(serve.base + "up/files/big/big-1.0-py3-none-any.whl")
        try whole.body.write(to: URL(fileURLWithPath: scratch.path + "/big.whl"))
        #expect(try sha256Hex(ofFile: scratch.path + "/big.whl") == big.sha256)
        #expect(try run(["gc"], store: scratch.store).status == 0, "gc works while serve runs")
        #expect(try run(["verify"], store: scratch.store).status == 0)
    }

    @Test("bad requests get problem documents, not crashes")
    func badRequests() throws {
        let scratch = try Scratch()
        let serve = try ServeProcess(store: scratch.store, indexes: ["up=http://127.0.0.1:9/simple"], logPath: scratch.path + "/serve.log")
        for path in ["up/files/a/..%2F..%2Fetc%2Fpasswd", "up/simple/%ff/", "-/nothing", String(repeating: "a/", count: 3000)] {
            let answer = try httpGet(serve.base + path)
            #expect((400..<500).contains(answer.status), "\(path): \(answer.status)")
        }
        #expect(try httpGet(serve.base + "up/simple/", method: "POST").status == 405)
        #expect(try httpGet(serve.base + "-/health").status == 200, "still serving")
    }

    @Test("serve refuses bad options with the flag named")
    func badOptions() throws {
        let scratch = try Scratch()
        for (arguments, needle) in [(["--index", "noequals"], "NAME=URL"), (["--index", "a=ftp://x/"], "http(s)"), (["--port", "70000"], "--port"),
                                     (["--index", "a=http://h/", "--index", "a=http://i/"], "twice"), (["--log-format", "xml"], "--log-format")] {
            let result = try run(["serve", "--store", scratch.store] + arguments)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.stderr.contains(needle), "\(arguments): \(result.stderr)")
        }
    }
}

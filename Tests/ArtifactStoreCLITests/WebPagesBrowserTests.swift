import Foundation
import Testing

/// What a browser needs for `scripts/browse-pages.py`: Debian's chromium and chromium-driver,
/// and selenium in the client virtual environment (`.ci/run` installs all three).
struct Browser {
    static let chromium = "/usr/bin/chromium"
    static let chromedriver = "/usr/bin/chromedriver"

    /// Everything is there (selenium importable by the clients' Python).
    static let present: Bool = {
        guard let clients = Installers.shared, FileManager.default.isExecutableFile(atPath: chromium),
              FileManager.default.isExecutableFile(atPath: chromedriver) else { return false }
        return (try? run(["-c", "import selenium"], executable: URL(fileURLWithPath: clients.python)).status) == 0
    }()

    /// Present, or running outside CI (where the test then skips). CI must have it.
    static var requiredAndPresent: Bool { present || ProcessInfo.processInfo.environment["CI"] != nil }
}

/// serve's web pages in a real browser (headless Chromium driven by Selenium) after a real uv
/// install through serve. Skipped outside CI when chromium, chromium-driver or selenium is
/// missing: `apt-get install chromium chromium-driver` and
/// `.build/client-venv/bin/pip install selenium` (as `.ci/run` does).
@Suite("serve's web pages in a browser", .enabled(if: Browser.requiredAndPresent), .serialized)
struct WebPagesBrowserTests {
    /// Screenshots go here (kept after the test).
    static let outputDirectory = packageRoot.appending(path: ".build/test-output/web-pages").path(percentEncoded: false)

    @Test("after a uv install through serve, the overview charts it, the installed files show as stored, the no-store page as refused with its date, and hostile text stays text")
    func browse() throws {
        #expect(Browser.present, "chromium, chromium-driver or selenium is missing: apt-get install chromium chromium-driver; .build/client-venv/bin/pip install selenium")
        let clients = try Installers.require()
        let scratch = try Scratch()
        let upstream = try TestUpstream(directory: scratch.path + "/upstream")
        // A header value an upstream controls, carrying markup.
        let hostile = "<script>alert(1)</script>"
        try upstream.control("/-/cache-control", #"{"project": "alpha", "value": "max-age=600, x=\"\#(hostile)\""}"#)
        let serve = try ServeProcess(store: scratch.store, indexes: ["up=" + upstream.simple], logPath: scratch.path + "/serve.log")
        defer { serve.stop() }
        let install = try clients.uv(["alpha", "torch"], index: serve.base + "up/simple/", target: scratch.path + "/uv", cache: scratch.path + "/uv-cache")
        try #require(install.status == 0, "\(install.stderr)")

        // The wheels of alpha the store recorded for the install.
        let listed = try run(["ls", "--responses", "--json"], store: scratch.store)
        let responses = try #require(try listed.json() as? [[String: Any]])
        let alphaWheels = responses.compactMap { $0["url"] as? String }
            .filter { $0.hasSuffix(".whl") && $0.split(separator: "/").last?.hasPrefix("alpha-") == true }
            .compactMap { $0.split(separator: "/").last.map(String.init) }
        try #require(!alphaWheels.isEmpty, "the install recorded alpha's wheel")

        try? FileManager.default.removeItem(atPath: Self.outputDirectory)
        var arguments = [packageRoot.appending(path: "scripts/browse-pages.py").path(percentEncoded: false),
                         "--base", serve.base, "--index", "up", "--stored-project", "alpha", "--refused-project", "torch",
                         "--hostile", hostile, "--hostile-url", upstream.simple + "/alpha/", "--out", Self.outputDirectory]
        for wheel in alphaWheels { arguments += ["--stored-file", wheel] }
        let browsed = try run(arguments, executable: URL(fileURLWithPath: clients.python), timeout: 180)
        #expect(browsed.status == 0, "\(browsed.output)\n\(browsed.stderr)")
        for page in ["overview", "project", "refused-project", "history"] {
            #expect(FileManager.default.fileExists(atPath: Self.outputDirectory + "/\(page).png"), "a screenshot of \(page)")
        }
    }
}

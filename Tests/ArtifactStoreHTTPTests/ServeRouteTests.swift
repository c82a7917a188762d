import Testing

@testable import ArtifactStoreHTTP

@Suite("serve's routes: what a path asks for, and nothing outside it")
struct ServeRouteTests {
    @Test("paths map to routes", arguments: [
        ("/-/health", ServeRoute.health), ("/-/status", .status), ("/simple/", .projectList(index: nil)),
        ("/simple/alpha/", .projectPage(index: nil, project: "alpha")), ("/pypi/simple/", .projectList(index: "pypi")),
        ("/pypi/simple/Mixed_Case/", .projectPage(index: "pypi", project: "Mixed_Case")),
        ("/pypi/simple/alpha", .addSlash), ("/pypi/simple", .addSlash), ("/simple/alpha", .addSlash),
        ("/pypi/files/torch/torch-2.0.1%2Bcpu-py3-none-any.whl", .file(index: "pypi", project: "torch", filename: "torch-2.0.1+cpu-py3-none-any.whl")),
        ("/pypi/files/a/a-1.0-py3-none-any.whl.metadata", .metadata(index: "pypi", project: "a", filename: "a-1.0-py3-none-any.whl")),
        ("/", .notFound), ("", .notFound), ("/pypi/files/a/..", .notFound), ("/pypi/files/a/%2e%2e", .notFound),
        ("/pypi/files/a/x%2Fy.whl", .notFound), ("/pypi/files/a/%zz", .notFound), ("/pypi/files/a/%00.whl", .notFound),
        ("/pypi//simple/", .notFound), ("/-/simple/", .notFound), ("/pypi/files/a/b/", .notFound), ("/pypi/other/", .notFound),
        ("/pypi/files/a/%FF.whl", .notFound), ("/pypi/files/a/.metadata", .file(index: "pypi", project: "a", filename: ".metadata")),
        ("/-/", .webOverview), ("/-", .notFound), ("/-/pypi/torch", .webProject(index: "pypi", project: "torch")),
        ("/-/pypi/torch/", .webProject(index: "pypi", project: "torch")), ("/-/blob/abc", .webBlob(digest: "abc")),
        ("/-/url", .webURL), ("/-/search", .webSearch), ("/-/gc", .webGC), ("/-/gc/", .notFound), ("/-/pypi/a/b", .notFound),
        ("/-/pypi/%3Cscript%3E", .webProject(index: "pypi", project: "<script>")), ("/-/pypi/..", .notFound),
    ] as [(String, ServeRoute)])
    func routes(_ path: String, _ expected: ServeRoute) {
        #expect(ServeRoute(path: path) == expected)
    }

    @Test("an overlong path is not found")
    func longPath() {
        #expect(ServeRoute(path: "/p/simple/" + String(repeating: "a", count: 5000) + "/") == .notFound)
    }

    @Test("links this server writes parse back to the same file", arguments: [
        "torch-2.0.1+cpu-py3-none-any.whl", "a b.whl", "ü-1.0.tar.gz", "x?y#z.zip", "%41.whl",
    ])
    func filePathsRoundTrip(_ filename: String) {
        #expect(ServeRoute(path: ServeRoute.filePath(index: "i", project: "p", filename: filename)) == .file(index: "i", project: "p", filename: filename))
    }

    @Test("index names are checked; URLs keep credentials only for the wire", arguments: [
        ("pypi=https://pypi.org/simple", true), ("a.b_c-1=http://127.0.0.1:9/x/", true), ("=https://h/", false), ("simple=https://h/", false),
        ("-=https://h/", false), ("a/b=https://h/", false), ("x=ftp://h/", false), ("x=not a url", false), ("nourl", false),
        ("x=http://h:70000/", false),
    ])
    func indexArguments(_ argument: String, _ valid: Bool) {
        #expect(((try? UpstreamIndex(argument: argument)) != nil) == valid)
    }

    @Test("credentials in an index URL never show")
    func credentialsHidden() throws {
        let index = try UpstreamIndex(argument: "private=https://user:s3cret@pkgs.example.com/simple/")
        #expect(index.url == "https://user:s3cret@pkgs.example.com/simple")
        #expect(!index.displayURL.contains("s3cret"))
        #expect(index.projectPageURL("alpha") == "https://user:s3cret@pkgs.example.com/simple/alpha/")
    }

    @Test("an index's credentials go with the files on its own origin only", arguments: [
        ("https://pkgs.example.com/files/a-1.0-py3-none-any.whl", "https://user:s3cret@pkgs.example.com/files/a-1.0-py3-none-any.whl"),
        ("https://PKGS.example.com:443/files/a.whl", "https://user:s3cret@PKGS.example.com:443/files/a.whl"),
        ("https://files.example.com/a.whl", "https://files.example.com/a.whl"),
        ("http://pkgs.example.com/a.whl", "http://pkgs.example.com/a.whl"),
        ("https://pkgs.example.com:8443/a.whl", "https://pkgs.example.com:8443/a.whl"),
        ("https://other:pw@pkgs.example.com/a.whl", "https://other:pw@pkgs.example.com/a.whl"),
        ("https://pkgs.example.com.evil.org/a.whl", "https://pkgs.example.com.evil.org/a.whl"),
    ])
    func credentialsForSameOriginFiles(_ linked: String, _ fetched: String) throws {
        let index = try UpstreamIndex(argument: "private=https://user:s3cret@pkgs.example.com/simple/")
        #expect(index.fetchURL(forLinked: linked) == fetched)
        let public_ = try UpstreamIndex(argument: "pypi=https://pypi.org/simple")
        #expect(public_.fetchURL(forLinked: "https://pypi.org/files/a.whl") == "https://pypi.org/files/a.whl")
    }
}

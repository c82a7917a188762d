import Testing
import PythonPackaging

/// RFC 3986 §5 reference resolution and pip's reading of links (filename, fragment hash).
@Suite("Link resolution")
struct IndexPageLinkResolutionTests {
    static let rfcBase = "http://a/b/c/d;p?q"

    @Test("RFC 3986 §5.4.1 normal examples", arguments: [
        ("g:h", "g:h"), ("g", "http://a/b/c/g"), ("./g", "http://a/b/c/g"), ("g/", "http://a/b/c/g/"),
        ("/g", "http://a/g"), ("//g", "http://g"), ("?y", "http://a/b/c/d;p?y"), ("g?y", "http://a/b/c/g?y"),
        ("#s", "http://a/b/c/d;p?q#s"), ("g#s", "http://a/b/c/g#s"), ("g?y#s", "http://a/b/c/g?y#s"),
        (";x", "http://a/b/c/;x"), ("g;x", "http://a/b/c/g;x"), ("g;x?y#s", "http://a/b/c/g;x?y#s"),
        ("", "http://a/b/c/d;p?q"), (".", "http://a/b/c/"), ("./", "http://a/b/c/"), ("..", "http://a/b/"),
        ("../", "http://a/b/"), ("../g", "http://a/b/g"), ("../..", "http://a/"), ("../../", "http://a/"),
        ("../../g", "http://a/g"),
    ])
    func normalExamples(_ reference: String, _ expected: String) {
        #expect(LinkResolution.resolve(reference, against: Self.rfcBase) == expected)
    }

    @Test("RFC 3986 §5.4.2 abnormal examples", arguments: [
        ("../../../g", "http://a/g"), ("../../../../g", "http://a/g"), ("/./g", "http://a/g"), ("/../g", "http://a/g"),
        ("g.", "http://a/b/c/g."), (".g", "http://a/b/c/.g"), ("g..", "http://a/b/c/g.."), ("..g", "http://a/b/c/..g"),
        ("./../g", "http://a/b/g"), ("./g/.", "http://a/b/c/g/"), ("g/./h", "http://a/b/c/g/h"), ("g/../h", "http://a/b/c/h"),
        ("g;x=1/./y", "http://a/b/c/g;x=1/y"), ("g;x=1/../y", "http://a/b/c/y"), ("g?y/./x", "http://a/b/c/g?y/./x"),
        ("g?y/../x", "http://a/b/c/g?y/../x"), ("g#s/./x", "http://a/b/c/g#s/./x"), ("g#s/../x", "http://a/b/c/g#s/../x"),
        // §5.4.2 allows either; the backward-compatible reading is what browsers and pip use.
        ("http:g", "http://a/b/c/g"),
    ])
    func abnormalExamples(_ reference: String, _ expected: String) {
        #expect(LinkResolution.resolve(reference, against: Self.rfcBase) == expected)
    }

    @Test("resolution corner cases", arguments: [
        ("HTTP://A/x/../y", "http://a/b", "http://A/y"),       // scheme lowercased, dot segments removed, host kept
        ("//h/./p/../q", "https://a/b", "https://h/q"),
        ("x", "http://a", "http://a/x"),                         // §5.2.3: authority with an empty base path
        ("x", "mailto:someone", "mailto:x"),                     // no authority, no slash in the base path
        ("../x", "file:///srv/wheels/simple/", "file:///srv/wheels/x"),
        ("https:/x", "http://a/b", "https:/x"),                 // a different scheme is absolute
        ("1abc:x", "http://a/b/", "http://a/b/1abc:x"),          // not a valid scheme: a relative path
        ("?", "http://a/b?q", "http://a/b?"),                   // an empty query is a query
        ("", "http://a/b?q#f", "http://a/b?q"),
    ])
    func cornerCases(_ reference: String, _ base: String, _ expected: String) {
        #expect(LinkResolution.resolve(reference, against: base) == expected)
    }

    @Test("RFC 3986 §5.2.4 remove_dot_segments", arguments: [
        ("/a/b/c/./../../g", "/a/g"), ("mid/content=5/../6", "mid/6"), ("/..", "/"), ("/.", "/"), (".", ""), ("..", ""),
        ("../a", "a"), ("./a", "a"), ("/a/b/..", "/a/"), ("/a/b/.", "/a/b/"), ("a/../../b", "/b"), ("/a//../b", "/a/b"),
        ("/no/dots/v1.2.3", "/no/dots/v1.2.3"), ("/.hidden/..x", "/.hidden/..x"),
    ])
    func removeDotSegments(_ path: String, _ expected: String) {
        #expect(LinkResolution.removeDotSegments(path) == expected)
    }

    @Test("URIReference splits per Appendix B with a strict scheme")
    func referenceComponents() {
        let reference = URIReference(parsing: "https://user@host:8080/p/a;b?q=1&r#frag#x")
        #expect(reference == URIReference(scheme: "https", authority: "user@host:8080", path: "/p/a;b", query: "q=1&r", fragment: "frag#x"))
        #expect(URIReference(parsing: "1x:y") == URIReference(path: "1x:y"))
        #expect(URIReference(parsing: "a/b:c") == URIReference(path: "a/b:c"))
        #expect(URIReference(parsing: "?#") == URIReference(path: "", query: "", fragment: ""))
        #expect(URIReference(parsing: "https://h/p?q#f").string == "https://h/p?q#f")
    }

    struct LinkCase: Sendable, CustomStringConvertible {
        var page: String
        var base: String? = nil
        var href: String
        var url: String
        var filename: String
        var hash: LinkHash? = nil
        var description: String { "\(href) on \(page)" + (base.map { " base \($0)" } ?? "") }
    }

    static let digest = String(repeating: "ab", count: 32)

    @Test("links: URL without fragment, pip's filename, the fragment hash", arguments: [
        // PyTorch: root-relative, %2B kept in the URL and decoded in the filename.
        LinkCase(page: "https://download.pytorch.org/whl/cpu/torch/", href: "/whl/cpu/torch-2.5.1%2Bcpu-cp311-cp311-linux_x86_64.whl#sha256=\(digest)",
                 url: "https://download.pytorch.org/whl/cpu/torch-2.5.1%2Bcpu-cp311-cp311-linux_x86_64.whl",
                 filename: "torch-2.5.1+cpu-cp311-cp311-linux_x86_64.whl", hash: LinkHash(algorithm: "sha256", value: digest)),
        // PyPI: absolute links to another host.
        LinkCase(page: "https://pypi.org/simple/requests/", href: "https://files.pythonhosted.org/packages/f9/9b/requests-2.32.3-py3-none-any.whl#sha256=\(digest)",
                 url: "https://files.pythonhosted.org/packages/f9/9b/requests-2.32.3-py3-none-any.whl",
                 filename: "requests-2.32.3-py3-none-any.whl", hash: LinkHash(algorithm: "sha256", value: digest)),
        LinkCase(page: "https://pypi.org/simple/foo/", href: "../../packages/foo-1.0.tar.gz", url: "https://pypi.org/packages/foo-1.0.tar.gz", filename: "foo-1.0.tar.gz"),
        LinkCase(page: "https://pypi.org/simple/foo", href: "foo-1.0.tar.gz", url: "https://pypi.org/simple/foo-1.0.tar.gz", filename: "foo-1.0.tar.gz"),
        LinkCase(page: "https://pypi.org/simple/foo/", href: "//cdn.example.com/f/foo-1.0.zip", url: "https://cdn.example.com/f/foo-1.0.zip", filename: "foo-1.0.zip"),
        LinkCase(page: "https://h/simple/foo/?page=2", href: "?page=3", url: "https://h/simple/foo/?page=3", filename: "foo"),
        LinkCase(page: "https://h/simple/foo/", href: "#sha256=aa", url: "https://h/simple/foo/", filename: "foo", hash: LinkHash(algorithm: "sha256", value: "aa")),
        // <base href>: resolved against the page URL first; relative and absolute.
        LinkCase(page: "https://h/simple/foo/", base: "/mirror/files/", href: "foo-1.0.tar.gz", url: "https://h/mirror/files/foo-1.0.tar.gz", filename: "foo-1.0.tar.gz"),
        LinkCase(page: "https://h/simple/foo/", base: "https://other.example/x/index.html", href: "../foo.whl", url: "https://other.example/foo.whl", filename: "foo.whl"),
        LinkCase(page: "https://h/simple/foo/", base: "", href: "f.whl", url: "https://h/simple/foo/f.whl", filename: "f.whl"),
        // Fragments: pip's algorithms, case-sensitive, the leftmost wins, values as written.
        LinkCase(page: "https://h/", href: "f.whl#md5=0123", url: "https://h/f.whl", filename: "f.whl", hash: LinkHash(algorithm: "md5", value: "0123")),
        LinkCase(page: "https://h/", href: "f.whl#egg=f&sha512=ff&sha256=aa", url: "https://h/f.whl", filename: "f.whl", hash: LinkHash(algorithm: "sha512", value: "ff")),
        LinkCase(page: "https://h/", href: "f.whl#sha1=x&y", url: "https://h/f.whl", filename: "f.whl", hash: LinkHash(algorithm: "sha1", value: "x")),
        LinkCase(page: "https://h/", href: "f.whl#sha224=", url: "https://h/f.whl", filename: "f.whl", hash: LinkHash(algorithm: "sha224", value: "")),
        LinkCase(page: "https://h/", href: "f.whl#sha384=a#b", url: "https://h/f.whl", filename: "f.whl", hash: LinkHash(algorithm: "sha384", value: "a#b")),
        LinkCase(page: "https://h/", href: "f.whl#x#sha256=aa", url: "https://h/f.whl", filename: "f.whl", hash: LinkHash(algorithm: "sha256", value: "aa")),
        LinkCase(page: "https://h/", href: "f.whl#SHA256=aa", url: "https://h/f.whl", filename: "f.whl"),
        LinkCase(page: "https://h/", href: "f.whl#sha3_256=aa", url: "https://h/f.whl", filename: "f.whl"),
        LinkCase(page: "https://h/", href: "f.whl#xsha256=aa", url: "https://h/f.whl", filename: "f.whl"),
        LinkCase(page: "https://h/", href: "f.whl?sha256=aa", url: "https://h/f.whl?sha256=aa", filename: "f.whl"),
        // Cleaning as a browser does, and percent-encoding what a URI may not contain.
        LinkCase(page: "https://h/s/", href: " \t f g.whl\n ", url: "https://h/s/f%20g.whl", filename: "f g.whl"),
        LinkCase(page: "https://h/s/", href: "a\nb\r\n.whl", url: "https://h/s/ab.whl", filename: "ab.whl"),
        LinkCase(page: "https://h/s/", href: "caf\u{E9}-1.0.tar.gz", url: "https://h/s/caf%C3%A9-1.0.tar.gz", filename: "caf\u{E9}-1.0.tar.gz"),
        LinkCase(page: "https://h/s/", href: "caf%C3%A9.whl", url: "https://h/s/caf%C3%A9.whl", filename: "caf\u{E9}.whl"),
        LinkCase(page: "https://h/s/", href: "a%zz%2.whl", url: "https://h/s/a%25zz%252.whl", filename: "a%zz%2.whl"),
        LinkCase(page: "https://h/s/", href: "a|b^c{d}\"<>`\\.whl", url: "https://h/s/a%7Cb%5Ec%7Bd%7D%22%3C%3E%60%5C.whl", filename: "a|b^c{d}\"<>`\\.whl"),
        LinkCase(page: "https://h/s/", href: "a+b.whl?x=1 2", url: "https://h/s/a+b.whl?x=1%202", filename: "a+b.whl"),
        LinkCase(page: "https://h/s/", href: "%FF%2F.whl", url: "https://h/s/%FF%2F.whl", filename: "\u{FFFD}/.whl"),
        // Filenames of directory-like and host-only URLs (pip: strip trailing "/", else the host).
        LinkCase(page: "https://h/s/", href: "https://user:pw@files.example:8443", url: "https://user:pw@files.example:8443", filename: "files.example:8443"),
        LinkCase(page: "https://h/s/", href: "sub/dir//", url: "https://h/s/sub/dir//", filename: "dir"),
        LinkCase(page: "https://h/s/", href: "HTTPS://Example.COM/X.whl", url: "https://Example.COM/X.whl", filename: "X.whl"),
        LinkCase(page: "file:///srv/simple/foo/", href: "../../wheels/foo-1.0-py3-none-any.whl", url: "file:///srv/wheels/foo-1.0-py3-none-any.whl", filename: "foo-1.0-py3-none-any.whl"),
    ])
    func links(_ example: LinkCase) {
        let link = LinkResolution.resolveLink(href: example.href, pageURL: example.page, baseHref: example.base)
        #expect(link.url == example.url)
        #expect(link.filename == example.filename)
        #expect(link.hash == example.hash)
    }

    @Test("a resolver prepared once gives the same results as one-off resolution")
    func resolverReuse() {
        let resolver = LinkResolver(pageURL: "https://h/simple/foo/", baseHref: "../bar/")
        for href in ["a.whl", "/x/b.whl#sha256=1", "//o/c.whl", "?q", ""] {
            #expect(resolver.resolve(href: href) == LinkResolution.resolveLink(href: href, pageURL: "https://h/simple/foo/", baseHref: "../bar/"))
        }
        #expect(resolver.resolve(href: "a.whl").url == "https://h/simple/bar/a.whl")
    }

    @Test("hash(inFragment:) reads a bare fragment")
    func fragmentHash() {
        #expect(LinkResolution.hash(inFragment: "sha256=abc") == LinkHash(algorithm: "sha256", value: "abc"))
        #expect(LinkResolution.hash(inFragment: "subdirectory=x&md5=1&sha256=2") == LinkHash(algorithm: "md5", value: "1"))
        #expect(LinkResolution.hash(inFragment: "") == nil)
        #expect(LinkResolution.hash(inFragment: "sha256") == nil)
    }
}

#!/usr/bin/env python3
"""Differential check: artifact-store's index-page parser against pip's own.

Generates varied PEP 503 HTML pages in the shapes real indexes serve (PyPI, PyTorch, devpi/Artifactory-
like hand-written HTML: uppercase tags, unquoted and single-quoted attributes, `<br>`, comments,
scripts, `<base href>`, entities, `%2B`, hash fragments or none, PEP 592/658/714 attributes), runs each
through pip's `parse_links` (pip/_internal/index/collector.py, with `Link.from_element`) and through
`debug eval`'s `page.parse`, and compares, link by link: filename, URL, hash, requires-python, yanked
(+ reason) and metadata (availability + hashes).

URLs are compared after pip's own canonicalization (`_ensure_quoted_url`, i.e. `quote(unquote(path))`)
is applied to ours: we keep a URL's escapes as written (`+` stays `+`), pip re-quotes the path. The
raw-equality count is reported too.

Then a fixed list of inputs where the two are *meant* to differ (see the DOCUMENTED list below, and the
doc comment of IndexPageHTMLParser) is run and shown, so a change on either side is visible.

usage: scripts/differential-pages.py [--eval-cmd "CMD"] [--pages 300] [--seed 1] [-v]
Exit status 1 when any generated page disagrees.
"""
import argparse
import json
import random
import shlex
import subprocess
import sys

from pip._internal.index.collector import IndexContent, parse_links
from pip._internal.models.link import _ensure_quoted_url

HASH_CHARS = "0123456789abcdef"


def digest(rng, n=64):
    return "".join(rng.choice(HASH_CHARS) for _ in range(n))


class PageGenerator:
    def __init__(self, rng):
        self.rng = rng

    def quote_attr(self, name, value):
        """One attribute in a random (valid) style; `value` is already HTML-escaped for double quotes."""
        rng = self.rng
        if rng.random() < 0.15:
            name = name.upper()
        style = rng.random()
        if style < 0.15 and value and not any(c in value for c in " \t\n\"'=<>`"):
            return f"{name}={value}"
        if style < 0.3 and "'" not in value:
            return f"{name}='{value}'"
        return f'{name}="{value}"'

    def filename(self):
        rng = self.rng
        project = rng.choice(["torch", "numpy", "sample_project", "Django", "zope.interface", "pkg-name"])
        version = f"{rng.randint(0, 3)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
        if rng.random() < 0.3:
            version += rng.choice(["+cpu", "+cu121", "+rocm6.1", ".dev20241112+cpu", "rc1", ".post1"])
        if rng.random() < 0.6:
            tag = rng.choice(["cp311-cp311-linux_x86_64", "py3-none-any", "cp312-cp312-win_amd64", "cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64"])
            return f"{project.replace('-', '_')}-{version}-{tag}.whl"
        return f"{project}-{version}" + rng.choice([".tar.gz", ".zip", ".tar.bz2"])

    def encode_path_segment(self, name):
        rng = self.rng
        out = []
        for c in name:
            if c == "+":
                out.append(rng.choice(["%2B", "%2b", "+"]))
            elif c == " ":
                out.append(rng.choice(["%20", " "]))
            elif c == "!":
                out.append(rng.choice(["%21", "!"]))
            else:
                out.append(c)
        return "".join(out)

    def href(self, page_url, name):
        rng = self.rng
        segment = self.encode_path_segment(name)
        if rng.random() < 0.05:
            segment = segment.replace(".", " .", 1) if rng.random() < 0.5 else "caf\u00e9-" + segment
        form = rng.random()
        if form < 0.3:
            url = f"https://files.example.org/packages/{digest(rng, 2)}/{digest(rng, 2)}/{segment}"
        elif form < 0.5:
            url = f"/whl/{rng.choice(['cpu', 'cu121', 'nightly/cpu'])}/{segment}"
        elif form < 0.65:
            url = f"../../packages/{segment}"
        elif form < 0.75:
            url = f"//cdn.example.net/wheels/{segment}"
        elif form < 0.85:
            url = segment
        else:
            url = f"./files/{segment}"
        if rng.random() < 0.1:
            url += "?" + rng.choice(["download=1", "a=1&b=2", "x=%2F"])
        fragment = rng.random()
        if fragment < 0.6:
            url += f"#sha256={digest(rng)}"
        elif fragment < 0.65:
            url += f"#md5={digest(rng, 32)}"
        elif fragment < 0.7:
            url += f"#sha512={digest(rng, 128)}"
        elif fragment < 0.75:
            url += f"#egg={name.split('-')[0]}&sha256={digest(rng)}"
        elif fragment < 0.78:
            url += f"#sha1={digest(rng, 40)}&md5={digest(rng, 32)}"
        elif fragment < 0.8:
            url += f"#SHA256={digest(rng)}"
        elif fragment < 0.82:
            url += "#subdirectory=x"
        # `&` in an attribute must be escaped; real pages do it, mostly.
        return url.replace("&", rng.choice(["&amp;", "&#38;", "&#x26;"]))

    def anchor(self, page_url):
        rng = self.rng
        name = self.filename()
        attrs = [self.quote_attr("href", self.href(page_url, name))]
        if rng.random() < 0.5:
            spec = rng.choice([">=3.8", ">=3.9,<4", ">=2.7, !=3.0.*, !=3.1.*", "~=3.10", "<3.13,>=3.9", "==3.*"])
            escaped = spec.replace("&", "&amp;").replace(">", rng.choice(["&gt;", "&#62;", "&#x3E;", "&gt", ">"])).replace("<", rng.choice(["&lt;", "&#60;", "&lt"]))
            attrs.append(self.quote_attr("data-requires-python", escaped))
        if rng.random() < 0.15:
            reason = rng.choice(["", "broken", "Use 2.0 &amp; later", "CVE-2024-1234: &quot;bad&quot;", "see &lt;https://x&gt;"])
            attrs.append(self.quote_attr("data-yanked", reason) if reason else 'data-yanked=""')
        metadata = rng.random()
        meta_hash = f"sha256={digest(rng)}"
        if metadata < 0.2:
            attrs.append(self.quote_attr("data-core-metadata", meta_hash))
            attrs.append(self.quote_attr("data-dist-info-metadata", meta_hash))
        elif metadata < 0.3:
            attrs.append(self.quote_attr("data-dist-info-metadata", rng.choice(["true", meta_hash])))
        elif metadata < 0.35:
            attrs.append(self.quote_attr("data-core-metadata", rng.choice(["true", "sha512=" + digest(rng, 128), "blake2b=aa", "oops"])))
        if rng.random() < 0.05:
            attrs.append(self.quote_attr("data-gpg-sig", rng.choice(["true", "false"])))
        rng.shuffle(attrs[1:])
        tag = "A" if rng.random() < 0.1 else "a"
        sep = rng.choice([" ", "  ", "\n", "\t"])
        text = name.replace("&", "&amp;").replace("<", "&lt;")
        close = rng.choice([f"</{tag}>", "</a>", ""])
        br = rng.choice(["<br/>", "<br>", "<BR>", "<br />", ""])
        return f"<{tag}{sep}{sep.join(attrs)}>{text}{close}{br}\n"

    def page(self, index):
        rng = self.rng
        shape = rng.choice(["pypi", "torch", "handwritten"])
        project = rng.choice(["torch", "sampleproject", "numpy"])
        url = rng.choice([f"https://pypi.org/simple/{project}/", f"https://download.pytorch.org/whl/{project}/",
                          f"https://mirror.example.com/root/pypi/+simple/{project}/", f"https://idx.example/a/b/{project}"])
        parts = []
        if shape != "handwritten" or rng.random() < 0.5:
            parts.append(rng.choice(["<!DOCTYPE html>\n", "<!doctype html>\n", '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN">\n']))
        parts.append("<html>\n<head>\n")
        if shape == "pypi" and rng.random() < 0.7:
            parts.append(f'<meta name="pypi:repository-version" content="{rng.choice(["1.0", "1.1"])}">\n')
        parts.append(f"<title>Links for {project}</title>\n")
        if rng.random() < 0.2:
            parts.append(f'<base href="https://base.example/{rng.choice(["", "x/", "x/y/z.html"])}">\n')
        if rng.random() < 0.15:
            parts.append("<script>var a = '<a href=\"nope.whl\">';</script>\n<style>a > b { }</style>\n")
        parts.append("</head>\n<body>\n")
        parts.append(f"<h1>Links for {project}</h1>\n")
        if rng.random() < 0.2:
            parts.append('<!-- <a href="commented-out-1.0.tar.gz">x</a> -->\n')
        for _ in range(rng.randint(0, 40)):
            parts.append(self.anchor(url))
            if rng.random() < 0.03:
                parts.append('<a name="anchor-without-href">x</a>\n')
        parts.append("</body>\n</html>\n")
        if shape == "torch":
            parts.append(f"<!--TIMESTAMP {rng.randint(1_600_000_000, 1_800_000_000)}-->\n")
        elif shape == "pypi":
            parts.append(f"<!--SERIAL {rng.randint(1, 30_000_000)}-->\n")
        content_type = rng.choice(["text/html", "text/html; charset=utf-8", "application/vnd.pypi.simple.v1+html"])
        return {"id": index, "url": url, "contentType": content_type, "body": "".join(parts)}


# Inputs on which pip 23.2.1 and this parser are meant to disagree (documented in IndexPageHTMLParser).
DOCUMENTED = [
    ("valueless data-yanked: yanked per PEP 592; pip's html.parser yields None and pip ignores it",
     '<a href="f-1.0.tar.gz" data-yanked>f</a>'),
    ("data-core-metadata=\"false\": unavailable (uv); pip: available without hash",
     '<a href="f-1.0.tar.gz" data-core-metadata="false">f</a>'),
    ("duplicate attribute: the first wins (WHATWG); pip keeps the last",
     '<a href="first-1.0.tar.gz" href="second-1.0.tar.gz">f</a>'),
    ("legacy reference before '=' in a URL attribute stays literal (WHATWG); pip decodes it",
     '<a href="f-1.0.tar.gz?a=1&copy=2">f</a>'),
    ("relative <base href> is resolved against the page (WHATWG); pip joins onto the raw value",
     '<base href="/mirror/"><a href="f-1.0.tar.gz">f</a>'),
    ("anchor inside <title> is text (RCDATA); Python's parser sees a tag",
     '<title><a href="f-1.0.tar.gz">f</a></title>'),
    ("a literal '+' in a path is kept; pip re-quotes it as %2B",
     '<a href="f-1.0+cpu-py3-none-any.whl">f</a>'),
    ("hash in the query is not a fragment hash; pip's regex finds it",
     '<a href="f-1.0.tar.gz?x=1&amp;sha256=abc">f</a>'),
    ("dot segments in an absolute href are removed (RFC 3986); Python's urljoin keeps them",
     '<a href="https://h/a/../f-1.0.tar.gz">f</a>'),
    ("empty segments in a relative path are kept (RFC 3986); Python's urljoin drops them",
     '<a href="x//f-1.0.tar.gz">f</a>'),
    ("numeric reference to a control character is kept (WHATWG); Python's unescape drops it",
     '<a href="f-1.0.tar.gz" data-yanked="a&#1;b">f</a>'),
]


def pip_view(page):
    content = IndexContent(page["body"].encode("utf-8"), page["contentType"], encoding=None, url=page["url"], cache_link_parsing=False)
    links = []
    for link in parse_links(content):
        metadata = link.metadata_file_data
        links.append({
            "filename": link.filename,
            "url": link.url_without_fragment,
            "hash": [link.hash_name, link.hash] if link.hash_name else None,
            "requiresPython": link.requires_python,
            "yanked": link.yanked_reason is not None,
            "yankedReason": link.yanked_reason or None,
            "metadata": None if metadata is None else dict(metadata.hashes or {}),
        })
    return links


def our_view(result):
    links = []
    for f in result["files"]:
        hashes = f["hashes"]
        assert len(hashes) <= 1, hashes
        links.append({
            "filename": f["filename"],
            "url": _ensure_quoted_url(f["url"]),
            "rawURL": f["url"],
            "hash": list(next(iter(hashes.items()))) if hashes else None,
            "requiresPython": f["requiresPython"],
            "yanked": f["yanked"],
            "yankedReason": f["yankedReason"],
            "metadata": dict(f["coreMetadata"]["hashes"]) if f["coreMetadata"]["available"] else None,
        })
    return links


def run_eval(eval_cmd, requests):
    payload = "".join(json.dumps({"op": "page.parse", **r}) + "\n" for r in requests)
    proc = subprocess.run(shlex.split(eval_cmd), input=payload.encode(), capture_output=True, check=True)
    results = {}
    for line in proc.stdout.decode().splitlines():
        result = json.loads(line)
        results[result.get("id")] = result
    return results


def compare(pip_links, our_links):
    problems = []
    if len(pip_links) != len(our_links):
        problems.append(f"link count: pip {len(pip_links)}, ours {len(our_links)}")
    for i, (p, o) in enumerate(zip(pip_links, our_links)):
        for key in ("filename", "url", "hash", "requiresPython", "yanked", "yankedReason", "metadata"):
            if p[key] != o[key]:
                problems.append(f"link {i} {key}: pip {p[key]!r}, ours {o[key]!r}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval-cmd", default=".build/debug/artifact-store debug eval")
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    generator = PageGenerator(rng)
    pages = [generator.page(i) for i in range(args.pages)]
    results = run_eval(args.eval_cmd, pages)

    links = raw_equal = 0
    failures = 0
    for page in pages:
        result = results.get(page["id"])
        if result is None or result.get("error"):
            failures += 1
            print(f"page {page['id']}: eval error {result!r}")
            continue
        pip_links, our_links = pip_view(page), our_view(result)
        links += len(pip_links)
        raw_equal += sum(1 for p, o in zip(pip_links, our_links) if p["url"] == o["rawURL"])
        problems = compare(pip_links, our_links)
        if problems:
            failures += 1
            print(f"page {page['id']} ({page['url']}): {len(problems)} differences")
            for problem in problems[:10]:
                print("   ", problem)
            if args.verbose:
                print(page["body"])

    print(f"generated pages: {len(pages)}, links: {links}, pages that differ: {failures}")
    print(f"URLs equal before pip's re-quoting: {raw_equal}/{links} (the rest differ only in escapes pip adds)")

    requests = [{"id": f"doc{i}", "url": "https://h/simple/p/", "contentType": "text/html", "body": body}
                for i, (_, body) in enumerate(DOCUMENTED)]
    documented = run_eval(args.eval_cmd, requests)
    as_documented = 0
    print(f"\nexpected differences ({len(DOCUMENTED)} inputs where this parser is meant to disagree with pip):")
    for i, (why, body) in enumerate(DOCUMENTED):
        page = requests[i]
        pip_links, our_links = pip_view(page), our_view(documented[f"doc{i}"])
        for link in our_links:
            link["url"] = link.pop("rawURL")   # as written, without pip's re-quoting
        problems = compare(pip_links, our_links)
        if problems:
            as_documented += 1
            print(f"  ok  {why}")
            if args.verbose:
                for problem in problems[:3]:
                    print("        expected:", problem)
        else:
            print(f"  note  {why}: now the SAME as pip; the difference is gone, so drop it from DOCUMENTED")

    verdict = "FAIL" if failures else "PASS"
    print(f"differential-pages: {verdict}: {len(pages)} generated pages, {failures} that differ from pip; "
          f"{as_documented} of {len(DOCUMENTED)} expected differences as documented (-v shows them)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

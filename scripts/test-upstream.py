#!/usr/bin/env python3
"""A loopback PyPI-like upstream index for tests and benchmarks of `artifact-store serve` (no network,
standard library only).

  test-upstream.py build DIR [--many N] [--big-mb N]
      writes small but real, installable wheels into DIR/files/ with their PEP 658 sidecars
      (DIR/files/<wheel>.metadata, the exact METADATA bytes) and DIR/manifest.json. Deterministic:
      the same options give the same bytes on every build. Projects:
        alpha 1.0 (Requires-Python >=3.8) -> beta>=1.0;   beta 1.0;   beta 2.0 -> gamma; python_version >= "3"
        gamma 1.0, and gamma 0.9 (listed as yanked, reason "broken");   delta 1.0 (for fault tests)
        torch 2.0.1+cpu (PyTorch-like: no-store HTML page, wheel with only Last-Modified)
        Mixed_Case.Name 1.0 (project mixed-case-name, wheel mixed_case_name-1.0-py3-none-any.whl)
        --big-mb N: big 1.0, one ZIP_STORED member of N MiB of deterministic pseudo-random bytes
        --many N:   pkg000 … pkg{N-1} 1.0 and many-root 1.0 requiring all of them
      manifest.json: {"<normalized project>": [{"filename", "sha256", "size", "metadata_sha256",
      "requires_python", "name", "version", "yanked"}]}  (yanked: false or the reason string)

  test-upstream.py serve DIR [--port N] [--verbose]
      serves DIR on 127.0.0.1 (port 0, the default, picks a free port) and prints the port alone on
      the first line of standard output. HTTP/1.1 keep-alive, Content-Length on every response.
      GET /simple/                 project list, PEP 503 HTML or PEP 691 JSON by Accept: JSON when
                                   its q > 0 is the highest (ties: the more specific range wins,
                                   then HTML, so `*/*` or no Accept gives HTML); a client that
                                   accepts only text/html gets text/html
      GET /simple/<project>/       project page (API 1.1), same negotiation; PyPI-like headers
                                   (Vary: Accept, Cache-Control: max-age=600, public, ETag +
                                   If-None-Match -> 304, X-PyPI-Last-Serial: 1); 301 to the
                                   normalized name; 404 for unknown projects. torch is PyTorch-like:
                                   text/html only, no-cache,no-store,must-revalidate, no ETag, a
                                   <!--TIMESTAMP--> first line, no core-metadata.
      GET|HEAD /files/<wheel>      the wheel (Range: bytes=a-b -> 206, If-Range), immutable;
                                   torch's wheel has only Last-Modified
      GET|HEAD /files/<wheel>.metadata   the PEP 658 sidecar
      Control (JSON; not counted in /-/requests):
      GET  /-/requests             {"<decoded path without query>": count}, every method
      POST /-/requests/reset       clears the counts
      POST /-/fault                {"path": "/simple/delta/", "mode": MODE, "count": N, "seconds": S}
                                   MODE: 503 | 500 | 404 | reset | truncate | slow | wrong-hash;
                                   count omitted or -1 = forever; seconds only for slow (default 5)
      GET  /-/fault                the installed faults
      POST /-/fault/clear          removes every fault
      POST /-/cache-control        {"project": "delta", "value": "no-store"} overrides a page's
                                   Cache-Control; "value": null restores the default
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
import zipfile

DATE_TIME = (2024, 1, 1, 0, 0, 0)
UPLOAD_TIME = "2024-01-01T00:00:00.000000Z"
LAST_MODIFIED = "Mon, 01 Jan 2024 00:00:00 GMT"
TAG = "py3-none-any"
MIB = 1 << 20

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "application/vnd.pypi.simple.v1+html"
PAGE_CACHE_CONTROL = "max-age=600, public"
FILE_CACHE_CONTROL = "max-age=365000000, immutable, public"
TORCH_CACHE_CONTROL = "no-cache,no-store,must-revalidate"
NO_STORE_PROJECTS = {"torch"}
WRONG_SHA256 = hashlib.sha256(b"wrong").hexdigest()
FAULT_MODES = {"503", "500", "404", "reset", "truncate", "slow", "wrong-hash"}


def normalize(name):
    """PEP 503 normalized project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def escaped(name):
    """The distribution name as it appears in wheel filenames and .dist-info directories."""
    return re.sub(r"[-_.]+", "_", name).lower()


def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def zip_info(path, compress_type):
    info = zipfile.ZipInfo(path, date_time=DATE_TIME)
    info.compress_type = compress_type
    info.create_system = 3  # Unix, whatever platform builds it: same bytes everywhere
    info.external_attr = 0o644 << 16
    return info


def big_blocks(megabytes):
    """N MiB of deterministic pseudo-random bytes, 1 MiB at a time, no two blocks alike."""
    for index in range(megabytes):
        yield hashlib.shake_256(b"artifact-store big block %d" % index).digest(MIB)


# --------------------------------------------------------------------------------------------- build

def build_wheel(outdir, name, version, requires=(), requires_python=None, big_mb=0):
    """Writes one wheel and its PEP 658 sidecar; returns (filename, METADATA bytes)."""
    module = escaped(name)
    dist = f"{module}-{version}"
    filename = f"{dist}-{TAG}.whl"
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
             f"Summary: {name} {version}, a test fixture of artifact-store"]
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines += [f"Requires-Dist: {requirement}" for requirement in requires]
    metadata = ("\n".join(lines) + "\n\n").encode()
    small = [
        (f"{module}/__init__.py", f'__version__ = "{version}"\nNAME = "{name}"\n'.encode()),
        (f"{dist}.dist-info/METADATA", metadata),
        (f"{dist}.dist-info/WHEEL",
         f"Wheel-Version: 1.0\nGenerator: artifact-store-tests\nRoot-Is-Purelib: true\nTag: {TAG}\n\n".encode()),
    ]
    record = []
    with zipfile.ZipFile(os.path.join(outdir, filename), "w") as archive:
        path, data = small[0]
        archive.writestr(zip_info(path, zipfile.ZIP_DEFLATED), data)
        record.append(f"{path},{record_hash(data)},{len(data)}")
        if big_mb:
            path = f"{module}/blob.bin"
            digest = hashlib.sha256()
            size = big_mb * MIB
            with archive.open(zip_info(path, zipfile.ZIP_STORED), "w",
                              force_zip64=size >= zipfile.ZIP64_LIMIT) as member:
                for block in big_blocks(big_mb):
                    digest.update(block)
                    member.write(block)
            encoded = base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
            record.append(f"{path},sha256={encoded},{size}")
        for path, data in small[1:]:
            archive.writestr(zip_info(path, zipfile.ZIP_DEFLATED), data)
            record.append(f"{path},{record_hash(data)},{len(data)}")
        record.append(f"{dist}.dist-info/RECORD,,")
        archive.writestr(zip_info(f"{dist}.dist-info/RECORD", zipfile.ZIP_DEFLATED), "\n".join(record) + "\n")
    with open(os.path.join(outdir, filename + ".metadata"), "wb") as sidecar:
        sidecar.write(metadata)
    return filename, metadata


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(MIB), b""):
            digest.update(chunk)
    return digest.hexdigest()


def build(root, many, big_mb):
    outdir = os.path.join(root, "files")
    os.makedirs(outdir, exist_ok=True)
    # (name, version, requires, requires_python, yanked, big_mb)
    specs = [
        ("alpha", "1.0", ["beta>=1.0"], ">=3.8", False, 0),
        ("beta", "1.0", [], None, False, 0),
        ("beta", "2.0", ['gamma; python_version >= "3"'], None, False, 0),
        ("gamma", "0.9", [], None, "broken", 0),
        ("gamma", "1.0", [], None, False, 0),
        ("torch", "2.0.1+cpu", [], None, False, 0),
        ("delta", "1.0", [], None, False, 0),
        ("Mixed_Case.Name", "1.0", [], None, False, 0),
    ]
    if big_mb:
        specs.append(("big", "1.0", [], None, False, big_mb))
    if many:
        names = [f"pkg{index:03d}" for index in range(many)]
        specs += [(name, "1.0", [], None, False, 0) for name in names]
        specs.append(("many-root", "1.0", names, None, False, 0))
    manifest, written = {}, set()
    for name, version, requires, requires_python, yanked, mb in specs:
        filename, metadata = build_wheel(outdir, name, version, requires, requires_python, mb)
        written |= {filename, filename + ".metadata"}
        path = os.path.join(outdir, filename)
        manifest.setdefault(normalize(name), []).append({
            "filename": filename,
            "sha256": file_sha256(path),
            "size": os.path.getsize(path),
            "metadata_sha256": hashlib.sha256(metadata).hexdigest(),
            "requires_python": requires_python,
            "name": name,
            "version": version,
            "yanked": yanked,
        })
    # Wheels of an earlier build with other options (a big wheel, pkgNNN) would linger: remove them.
    for stale in os.listdir(outdir):
        if stale not in written and (stale.endswith(".whl") or stale.endswith(".whl.metadata")):
            os.remove(os.path.join(outdir, stale))
    with open(os.path.join(root, "manifest.json"), "w") as handle:
        json.dump(manifest, handle, indent=1, sort_keys=True)
        handle.write("\n")


# --------------------------------------------------------------------------------------------- serve

def parse_accept(header):
    """[(type, subtype, q)] of an Accept header; a missing header accepts everything."""
    ranges = []
    for item in (header if header is not None else "*/*").split(","):
        parts = [part.strip() for part in item.split(";")]
        if "/" not in parts[0]:
            continue
        kind, subtype = (piece.strip().lower() for piece in parts[0].split("/", 1))
        q = 1.0
        for parameter in parts[1:]:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        ranges.append((kind, subtype, q))
    return ranges


def quality(ranges, media_type):
    """(q, specificity) of the most specific range matching media_type; (0, -1) when none does."""
    kind, subtype = media_type.split("/")
    best = (0.0, -1)
    for range_kind, range_subtype, q in ranges:
        if (range_kind, range_subtype) == (kind, subtype):
            specificity = 2
        elif range_kind == kind and range_subtype == "*":
            specificity = 1
        elif (range_kind, range_subtype) == ("*", "*"):
            specificity = 0
        else:
            continue
        if specificity > best[1]:
            best = (q, specificity)
    return best


def negotiate(accept):
    """The page Content-Type: JSON when it is acceptable (q > 0) and ranks at least as high as every
    HTML type (ties on q go to the more specific range, then to HTML: `*/*` and no Accept give
    HTML); else the v1 HTML type, or `text/html` for a client that accepts only that."""
    ranges = parse_accept(accept)
    as_json = quality(ranges, JSON_TYPE)
    as_html = quality(ranges, HTML_TYPE)
    as_text = quality(ranges, "text/html")
    if as_json[0] > 0 and as_json > max(as_html, as_text):
        return JSON_TYPE
    if as_text[0] > 0 and as_text > as_html:
        return "text/html"
    return HTML_TYPE


def etag_of(body):
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(header, etag):
    if header is None or etag is None:
        return False
    if header.strip() == "*":
        return True
    opaque = etag[2:] if etag.startswith("W/") else etag
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate == opaque:
            return True
    return False


def version_key(version):
    release, _, local = version.partition("+")
    match = re.match(r"\d+(?:\.\d+)*", release)
    numbers = tuple(int(part) for part in match.group(0).split(".")) if match else ()
    return numbers, release, local


class State:
    def __init__(self, root):
        self.root = root
        with open(os.path.join(root, "manifest.json")) as handle:
            self.manifest = json.load(handle)
        self.files = {}  # filename -> (path, size, sha256, project)
        for project, entries in self.manifest.items():
            for entry in entries:
                path = os.path.join(root, "files", entry["filename"])
                self.files[entry["filename"]] = (path, entry["size"], entry["sha256"], project)
                sidecar = path + ".metadata"
                if os.path.isfile(sidecar):
                    self.files[entry["filename"] + ".metadata"] = (
                        sidecar, os.path.getsize(sidecar), entry["metadata_sha256"], project)
        self.lock = threading.Lock()
        self.counts = {}
        self.faults = {}  # path -> {"mode", "count", "seconds"}
        self.cache_control = {}  # project -> value
        self.port = 0

    def count(self, path):
        with self.lock:
            self.counts[path] = self.counts.get(path, 0) + 1

    def take_fault(self, path):
        """The fault for this request, consuming one of its remaining uses."""
        with self.lock:
            fault = self.faults.get(path)
            if fault is None:
                return None
            if fault["count"] > 0:
                fault["count"] -= 1
                if fault["count"] == 0:
                    del self.faults[path]
            return dict(fault)


def make_handler(state, verbose):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "test-upstream/1.0"

        def log_message(self, format, *args):
            if verbose:
                super().log_message(format, *args)

        def handle(self):
            try:
                super().handle()
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
                self.close_connection = True

        def do_GET(self):
            self.dispatch(head=False)

        def do_HEAD(self):
            self.dispatch(head=True)

        def do_POST(self):
            self.dispatch(head=False)

        # ----------------------------------------------------------------------------- plumbing

        def dispatch(self, head):
            body = b""
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                body = self.rfile.read(length)
            raw_path = urllib.parse.urlsplit(self.path).path
            path = urllib.parse.unquote(raw_path)
            if path.startswith("/-/"):
                return self.send(*self.control(path, body), head=head)
            state.count(path)
            fault = state.take_fault(path)
            mode = fault["mode"] if fault else None
            if mode == "reset":
                # No response at all: an RST instead of a FIN when the socket closes.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return
            if mode == "slow":
                time.sleep(fault["seconds"])
            if mode in ("503", "500", "404"):
                status = int(mode)
                headers = {"Content-Type": "text/plain"}
                if status == 503:
                    headers["Retry-After"] = "0"
                reason = self.responses[status][0]
                return self.send(status, headers, f"{status} {reason} (injected fault)\n".encode(), head=head)
            if self.command == "POST":
                status, headers, response = 405, {"Content-Type": "text/plain", "Allow": "GET, HEAD"}, b"405 Method Not Allowed\n"
            else:
                status, headers, response = self.route(path, wrong_hash=(mode == "wrong-hash"))
            self.send(status, headers, response, head=head, truncate=(mode == "truncate"))

        def send(self, status, headers, body, head=False, truncate=False):
            """body: bytes, or (path, offset, length) streamed from disk in 1 MiB chunks."""
            length = len(body) if isinstance(body, bytes) else body[2]
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(length))
            if truncate:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if head or status == 304:
                return
            limit = length // 2 if truncate else length
            if isinstance(body, bytes):
                self.wfile.write(body[:limit])
            else:
                path, offset, _ = body
                with open(path, "rb") as handle:
                    handle.seek(offset)
                    while limit > 0:
                        chunk = handle.read(min(MIB, limit))
                        if not chunk:
                            break
                        self.wfile.write(chunk)
                        limit -= len(chunk)
            if truncate:
                self.wfile.flush()

        # ------------------------------------------------------------------------------- routes

        def route(self, path, wrong_hash):
            if path == "/simple/":
                return self.index_page()
            match = re.fullmatch(r"/simple/([^/]+)/?", path)
            if match:
                name = match.group(1)
                canonical = f"/simple/{normalize(name)}/"
                if path != canonical:
                    return 301, {"Location": canonical, "Content-Type": "text/plain"}, f"moved to {canonical}\n".encode()
                return self.project_page(normalize(name), wrong_hash)
            match = re.fullmatch(r"/files/([^/]+)", path)
            if match and match.group(1) in state.files:
                return self.file(match.group(1))
            return not_found()

        def negotiated(self, html, as_json, cache_control):
            content_type = negotiate(self.headers.get("Accept"))
            body = (json.dumps(as_json, indent=1) + "\n").encode() if content_type == JSON_TYPE else html.encode()
            etag = etag_of(body)
            headers = {"Content-Type": content_type, "Vary": "Accept", "Cache-Control": cache_control,
                       "ETag": etag, "X-PyPI-Last-Serial": "1"}
            if etag_matches(self.headers.get("If-None-Match"), etag):
                return 304, headers, b""
            return 200, headers, body

        def index_page(self):
            projects = sorted((project, entries[0]["name"]) for project, entries in state.manifest.items())
            anchors = "".join(f'    <a href="/simple/{project}/">{name}</a>\n' for project, name in projects)
            html = ("<!DOCTYPE html>\n<html>\n  <head>\n"
                    '    <meta name="pypi:repository-version" content="1.1">\n'
                    "    <title>Simple index</title>\n  </head>\n  <body>\n" + anchors + "  </body>\n</html>\n")
            as_json = {"meta": {"api-version": "1.1", "_last-serial": 1},
                       "projects": [{"name": name} for _, name in projects]}
            return self.negotiated(html, as_json, PAGE_CACHE_CONTROL)

        def project_page(self, project, wrong_hash):
            entries = state.manifest.get(project)
            if entries is None:
                return not_found()
            entries = sorted(entries, key=lambda entry: (version_key(entry["version"]), entry["filename"]))
            pytorch = project in NO_STORE_PROJECTS
            default = TORCH_CACHE_CONTROL if pytorch else PAGE_CACHE_CONTROL
            with state.lock:
                cache_control = state.cache_control.get(project, default)
            anchors, files = [], []
            for entry in entries:
                sha = WRONG_SHA256 if wrong_hash else entry["sha256"]
                quoted = urllib.parse.quote(entry["filename"], safe="")
                attributes = f'href="/files/{quoted}#sha256={sha}"'
                if entry["requires_python"]:
                    attributes += f' data-requires-python="{html_escape(entry["requires_python"])}"'
                if not pytorch:
                    meta = entry["metadata_sha256"]
                    attributes += f' data-core-metadata="sha256={meta}" data-dist-info-metadata="sha256={meta}"'
                if entry["yanked"]:
                    attributes += f' data-yanked="{html_escape(entry["yanked"])}"'
                anchors.append(f'    <a {attributes}>{entry["filename"]}</a><br/>\n')
                files.append({
                    "filename": entry["filename"],
                    "url": f"http://127.0.0.1:{state.port}/files/{quoted}",
                    "hashes": {"sha256": sha},
                    "requires-python": entry["requires_python"],
                    "yanked": entry["yanked"],
                    "core-metadata": {"sha256": entry["metadata_sha256"]},
                    "data-dist-info-metadata": {"sha256": entry["metadata_sha256"]},
                    "size": entry["size"],
                    "upload-time": UPLOAD_TIME,
                })
            if pytorch:
                html = (f"<!--TIMESTAMP {time.time()}-->\n<!DOCTYPE html>\n<html>\n  <body>\n"
                        f"    <h1>Links for {project}</h1>\n" + "".join(anchors) + "  </body>\n</html>\n")
                return 200, {"Content-Type": "text/html", "Cache-Control": cache_control}, html.encode()
            html = ("<!DOCTYPE html>\n<html>\n  <head>\n"
                    '    <meta name="pypi:repository-version" content="1.1">\n'
                    f"    <title>Links for {project}</title>\n  </head>\n  <body>\n"
                    f"    <h1>Links for {project}</h1>\n" + "".join(anchors) + "  </body>\n</html>\n")
            versions = []
            for entry in entries:
                if entry["version"] not in versions:
                    versions.append(entry["version"])
            as_json = {"meta": {"api-version": "1.1", "_last-serial": 1}, "name": project,
                       "versions": versions, "files": files}
            return self.negotiated(html, as_json, cache_control)

        def file(self, filename):
            path, size, sha, project = state.files[filename]
            pytorch = project in NO_STORE_PROJECTS
            headers = {"Content-Type": "application/octet-stream", "Last-Modified": LAST_MODIFIED,
                       "Accept-Ranges": "bytes"}
            etag = None
            if not pytorch:
                etag = f'"{sha}"'
                headers.update({"Cache-Control": FILE_CACHE_CONTROL, "ETag": etag})
            if etag_matches(self.headers.get("If-None-Match"), etag):
                return 304, headers, b""
            requested = self.headers.get("Range")
            if_range = self.headers.get("If-Range")
            if requested and if_range and if_range.strip() not in (etag, LAST_MODIFIED):
                requested = None  # the validator does not match: the whole file
            if requested:
                parsed = parse_range(requested, size)
                if parsed == "unsatisfiable":
                    headers["Content-Range"] = f"bytes */{size}"
                    headers["Content-Type"] = "text/plain"
                    return 416, headers, b"416 Range Not Satisfiable\n"
                if parsed is not None:
                    start, end = parsed
                    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
                    return 206, headers, (path, start, end - start + 1)
            return 200, headers, (path, 0, size)

        # ------------------------------------------------------------------------------ control

        def control(self, path, body):
            if self.command not in ("GET", "POST"):
                return json_response(405, {"error": "GET or POST"})
            if path == "/-/requests" and self.command == "GET":
                with state.lock:
                    return json_response(200, dict(sorted(state.counts.items())))
            if path == "/-/fault" and self.command == "GET":
                with state.lock:
                    return json_response(200, state.faults)
            if self.command != "POST":
                return json_response(404, {"error": "unknown control route"})
            if path == "/-/requests/reset":
                with state.lock:
                    state.counts.clear()
                return json_response(200, {"ok": True})
            if path == "/-/fault/clear":
                with state.lock:
                    state.faults.clear()
                return json_response(200, {"ok": True})
            try:
                request = json.loads(body or b"{}")
                if not isinstance(request, dict):
                    raise ValueError("a JSON object is expected")
            except ValueError as error:
                return json_response(400, {"error": f"bad JSON: {error}"})
            if path == "/-/fault":
                fault_path, mode = request.get("path"), str(request.get("mode"))
                count = request.get("count", -1)
                if not isinstance(fault_path, str) or not fault_path.startswith("/") or mode not in FAULT_MODES:
                    return json_response(400, {"error": "need path (starting with /) and mode in " + ", ".join(sorted(FAULT_MODES))})
                if count is None:
                    count = -1
                if not isinstance(count, int) or count == 0 or count < -1:
                    return json_response(400, {"error": "count must be a positive integer or -1"})
                fault = {"mode": mode, "count": count}
                if mode == "slow":
                    try:
                        fault["seconds"] = float(request.get("seconds", 5))
                    except (TypeError, ValueError):
                        return json_response(400, {"error": "seconds must be a number"})
                with state.lock:
                    state.faults[urllib.parse.unquote(fault_path.split("?")[0])] = fault
                return json_response(200, {"ok": True})
            if path == "/-/cache-control":
                project, value = request.get("project"), request.get("value")
                if not isinstance(project, str) or not (value is None or isinstance(value, str)):
                    return json_response(400, {"error": "need project (string) and value (string or null)"})
                with state.lock:
                    if value is None:
                        state.cache_control.pop(normalize(project), None)
                    else:
                        state.cache_control[normalize(project)] = value
                return json_response(200, {"ok": True})
            return json_response(404, {"error": "unknown control route"})

    return Handler


def parse_range(header, size):
    """(start, end) inclusive for a single `bytes=a-b`, `bytes=a-` or `bytes=-n`; None to ignore the
    header (several ranges, another unit, nonsense); "unsatisfiable" for 416."""
    match = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header)
    if not match or (not match.group(1) and not match.group(2)):
        return None
    if not match.group(1):
        suffix = int(match.group(2))
        if suffix == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size - 1
    start = int(match.group(1))
    end = int(match.group(2)) if match.group(2) else max(start, size - 1)
    if end < start:
        return None  # syntactically invalid: ignored (RFC 9110 14.2)
    if start >= size:
        return "unsatisfiable"
    return start, min(end, size - 1)


def html_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def not_found():
    return 404, {"Content-Type": "text/plain"}, b"404 Not Found\n"


def json_response(status, value):
    return status, {"Content-Type": "application/json"}, (json.dumps(value) + "\n").encode()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # uv opens up to 50 connections at once

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)


def serve(root, port, verbose):
    state = State(root)
    server = Server(("127.0.0.1", port), make_handler(state, verbose))
    state.port = server.server_address[1]
    print(state.port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="write the wheels, sidecars and manifest.json into DIR")
    build_parser.add_argument("dir")
    build_parser.add_argument("--many", type=int, default=0, metavar="N", help="also build pkg000 … pkg{N-1} and many-root")
    build_parser.add_argument("--big-mb", type=int, default=0, metavar="N", help="also build big-1.0 with an N MiB member")
    serve_parser = commands.add_parser("serve", help="serve DIR on 127.0.0.1")
    serve_parser.add_argument("dir")
    serve_parser.add_argument("--port", type=int, default=0, help="0 (the default) picks a free port")
    serve_parser.add_argument("--verbose", action="store_true", help="log every request to standard error")
    args = parser.parse_args()
    root = os.path.abspath(args.dir)
    if args.command == "build":
        if args.many < 0 or args.big_mb < 0:
            parser.error("--many and --big-mb must not be negative")
        build(root, args.many, args.big_mb)
    else:
        serve(root, args.port, args.verbose)


if __name__ == "__main__":
    main()

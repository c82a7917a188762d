#!/usr/bin/env python3
"""A hostile upstream on loopback for tests of artifact-store (issue #12): every path is a
misbehaviour a server can show a client. Standard library only, raw sockets (socket + threading,
not http.server), so that it can send what no well-behaved HTTP library would.

  hostile-upstream.py [--port N] [--huge-mb N] [--verbose]
      listens on 127.0.0.1 (port 0, the default, picks a free port) and prints the port alone on
      the first line of standard output, like test-upstream.py. A second listener on another free
      port is "another origin" for redirects. Every answer closes its connection. --huge-mb sets
      the size of the huge page (default 65, just above the store's 64 MiB parse cap).

  Transport and framing (FILE is any file name, e.g. x-1.0-py3-none-any.whl)
      /lying-length/FILE      200, Content-Length 4096, 100 bytes of body, then close
      /short-close/FILE       half a status line and header, then close
      /chunked-cut/FILE       200 chunked, cut in the middle of a chunk, then close
      /garbage-status         "HTTP/1.1 abc Whatever" status line
      /no-status              a line that is not HTTP at all, then a blank line
      /huge-status            a 30-digit status code
      /huge-headers           a 200 with 1 MiB of header fields (16 Ki fields of 64 bytes)
      /huge-header-line       a 200 with one header field of 1 MiB
      /nul-header             a header value with a NUL byte in it
      /negative-length        Content-Length: -1
      /double-length          two different Content-Length fields
      /slow/FILE              200, Content-Length 64, then one byte every 0.5 s
      /silent                 reads the request and never answers (until the client gives up)

  Status codes that are not the file
      /404/FILE               404 with a wheel-looking body (PK..) and Cache-Control: max-age=3600
      /206/FILE               206 Partial Content with Content-Range to a plain GET, max-age=3600
      /500/FILE               500 with a wheel-looking body

  Redirects (302)
      /redirect-port          Location http://127.0.0.1:<PORT+65536>/-/wrapped (wraps to this server)
      /redirect-port-host     the same with host localhost
      /redirect-huge-port     Location http://127.0.0.1:99999999999999999999/x
      /redirect-userinfo      Location http://user:hunter2-location@127.0.0.1:PORT/plain/after-userinfo
      /redirect-file          Location file:///etc/passwd
      /redirect-garbage       Location http://[::1 (not a URL)
      /redirect-empty         an empty Location
      /redirect-loop          Location /redirect-loop
      /redirect-other-origin  Location http://127.0.0.1:<OTHER>/-/other (a different origin)

  Caching
      /plain/NAME             200 text/plain, max-age=600 (a well-behaved answer)
      /no-store/NAME          200 text/plain, Cache-Control: no-store
      /bad-expires/NAME       200 with Expires "Thu,  01 Dec 2094 16:00:00 GMT" (two spaces: not an
                              HTTP-date) and no max-age
      /vary-auth/             200, Vary: Authorization, max-age=600, private; the body names a
                              digest of the Authorization header (never the header itself)
      /vary-cookie/           the same with Cookie

  Project pages (PEP 503 HTML, max-age=600) under /<INDEX>/simple/<PROJECT>/, files under
  /<INDEX>/files/<FILE> (200, immutable; bytes derived from INDEX and FILE, see wheel_bytes)
      /h/simple/bad-hash/     bad-hash 1.0..7.0, one per way a hash can be wrong (BAD_HASHES)
      /h/simple/way-out/      way-out 1.0 (fine), 2.0 (yanked), 3.0 (Requires-Python >=3.99)
      /h/simple/only-bad/     only-bad 2.0 (yanked) and 3.0 (Requires-Python >=3.99)
      /h/simple/not-found/    not-found 1.0, its link pointing at /404/..., no hash
      /h/simple/partial/      partial 1.0, its link pointing at /206/..., no hash
      /h/simple/bad-port/     bad-port 1.0, its link at http://127.0.0.1:99999/...
      /h/simple/huge-port/    huge-port 1.0, its link at http://127.0.0.1:99999999999999999999/...
      /h/simple/fine/         fine 1.0, a plain good project
      /h/simple/huge/         a valid page of --huge-mb MiB (one link, then padding)
      /a/simple/twin/         twin 1.0, yanked; /b/simple/twin/: twin 1.0, not yanked, other bytes
      /no-store/simple/fine/  the fine page with Cache-Control: no-store
      /t/simple/MODE/         the misbehaviour of /MODE (or /MODE/page) as a project page, so that
                              `serve --index t=.../t/simple` meets each one: e.g. /t/simple/huge-headers/

  Control (JSON)
      GET /-/seen             {"<path>": [{"authorization": str|null, "cookie": str|null}, ...]}
                              for every request either listener received (control paths excluded)
      GET /-/other-port       {"port": OTHER}
"""
import argparse
import hashlib
import json
import socket
import sys
import threading
import time
import urllib.parse

MIB = 1 << 20
PAGE_CACHE_CONTROL = "max-age=600"
FILE_CACHE_CONTROL = "max-age=365000000, immutable"
HTML_TYPE = "text/html"
TAG = "py3-none-any"

STATE = {"port": 0, "other": 0, "huge_mb": 65, "verbose": False}
SEEN = {}
SEEN_LOCK = threading.Lock()


def wheel_bytes(index, filename):
    """The deterministic bytes of a file: not a real zip, but it starts like one."""
    return b"PK\x03\x04" + (f"hostile-upstream {index} {filename}\n".encode() * 64)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def wheel(project, version):
    return f"{project.replace('-', '_')}-{version}-{TAG}.whl"


# (version, what is wrong, fragment of the link given the file's bytes)
BAD_HASHES = [
    ("1.0", "wrong-length", lambda data: "sha256=" + sha256(data)[:63]),
    ("2.0", "not-hex", lambda data: "sha256=" + sha256(data)[:63] + "g"),
    ("3.0", "md5-only", lambda data: "md5=" + hashlib.md5(data).hexdigest()),
    ("4.0", "sha512-only", lambda data: "sha512=" + hashlib.sha512(data).hexdigest()),
    ("5.0", "mismatch", lambda data: "sha256=" + sha256(b"some other file")),
    ("6.0", "upper-case", lambda data: "sha256=" + sha256(data).upper()),
    ("7.0", "empty", lambda data: "sha256="),
]
# Not here: a fragment naming an algorithm pip does not know (#blake2b=...). pip's link parser, which
# the store's follows, does not read it as a hash at all, so such a link counts as one without a hash.


def project_files(index, project):
    """[(filename, href, attributes)] of a project page, or None for an unknown project."""
    def good(version, **attributes):
        filename = wheel(project, version)
        return (filename, f"/{index}/files/{filename}#sha256={sha256(wheel_bytes(index, filename))}", attributes)

    if index == "h" and project == "bad-hash":
        files = []
        for version, _, fragment in BAD_HASHES:
            filename = wheel(project, version)
            files.append((filename, f"/h/files/{filename}#{fragment(wheel_bytes('h', filename))}", {}))
        return files
    if index == "h" and project == "way-out":
        return [good("1.0"), good("2.0", **{"data-yanked": "broken"}), good("3.0", **{"data-requires-python": ">=3.99"})]
    if index == "h" and project == "only-bad":
        return [good("2.0", **{"data-yanked": "broken"}), good("3.0", **{"data-requires-python": ">=3.99"})]
    if index == "h" and project == "not-found":
        filename = wheel(project, "1.0")
        return [(filename, f"/404/{filename}", {})]
    if index == "h" and project == "partial":
        filename = wheel(project, "1.0")
        return [(filename, f"/206/{filename}", {})]
    if index == "h" and project == "bad-port":
        filename = wheel(project, "1.0")
        return [(filename, f"http://127.0.0.1:99999/h/files/{filename}#sha256={sha256(wheel_bytes('h', filename))}", {})]
    if index == "h" and project == "huge-port":
        filename = wheel(project, "1.0")
        return [(filename, f"http://127.0.0.1:99999999999999999999/h/files/{filename}#sha256={sha256(wheel_bytes('h', filename))}", {})]
    if index in ("h", "no-store") and project == "fine":
        return [good("1.0")]
    if index == "a" and project == "twin":
        return [good("1.0", **{"data-yanked": "superseded"})]
    if index == "b" and project == "twin":
        return [good("1.0")]
    return None


def page_html(project, files):
    anchors = []
    for filename, href, attributes in files:
        extra = "".join(f' {name}="{html_escape(value)}"' for name, value in attributes.items())
        anchors.append(f'    <a href="{html_escape(href)}"{extra}>{html_escape(filename)}</a><br/>\n')
    return ("<!DOCTYPE html>\n<html>\n  <head><title>Links for " + project + "</title></head>\n  <body>\n"
            + "".join(anchors) + "  </body>\n</html>\n").encode()


def html_escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# --------------------------------------------------------------------------------------------- wire

class Request:
    def __init__(self, method, target, headers):
        self.method = method
        self.target = target
        self.path = urllib.parse.unquote(target.split("?", 1)[0])
        self.headers = headers  # lowercased name -> value (the last one wins)


def read_request(connection):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > 256 * 1024:
            return None
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return None
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Request(parts[0], parts[1], headers)


def response(status, reason, headers, body=b"", head=False):
    """The bytes of a complete, honest response (Content-Length, Connection: close)."""
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + (b"" if head else body)


def send(connection, request, status, reason, headers, body=b""):
    connection.sendall(response(status, reason, headers, body, head=request.method == "HEAD"))


def redirect(connection, request, location):
    send(connection, request, 302, "Found", [("Location", location), ("Content-Type", "text/plain")], b"moved\n")


# ------------------------------------------------------------------------------------------- routes
# Each route: (prefix, exact?, handler(connection, request, rest)). The first match wins.

def lying_length(connection, request, rest):
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 4096\r\n"
                       b"Cache-Control: max-age=3600\r\nConnection: close\r\n\r\n" + wheel_bytes("lying", rest)[:100])


def short_close(connection, request, rest):
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/oc")


def chunked_cut(connection, request, rest):
    connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nCache-Control: max-age=3600\r\nConnection: close\r\n\r\n"
                       b"400\r\n" + b"x" * 100)


def garbage_status(connection, request, rest):
    connection.sendall(b"HTTP/1.1 abc Whatever\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")


def no_status(connection, request, rest):
    connection.sendall(b"\x00\x01 this is not HTTP \xff\xfe\r\n\r\n")


def huge_status(connection, request, rest):
    connection.sendall(b"HTTP/1.1 999999999999999999999999999999 Big\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")


def huge_headers(connection, request, rest):
    fields = "".join(f"X-Filler-{index:05d}: {'f' * 48}\r\n" for index in range(16 * 1024))
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n" + fields.encode() + b"\r\nok")


def huge_header_line(connection, request, rest):
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Big: " + b"b" * MIB + b"\r\nConnection: close\r\n\r\nok")


def nul_header(connection, request, rest):
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Nul: a\x00b\r\nConnection: close\r\n\r\nok")


def negative_length(connection, request, rest):
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\nConnection: close\r\n\r\nok")


def double_length(connection, request, rest):
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\nConnection: close\r\n\r\nokokok")


def slow(connection, request, rest):
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 64\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n")
    for _ in range(64):
        time.sleep(0.5)
        connection.sendall(b"s")


def silent(connection, request, rest):
    time.sleep(60)


def status_404(connection, request, rest):
    send(connection, request, 404, "Not Found",
         [("Content-Type", "application/octet-stream"), ("Cache-Control", "max-age=3600")], wheel_bytes("404", rest))


def status_206(connection, request, rest):
    whole = wheel_bytes("206", rest)
    send(connection, request, 206, "Partial Content",
         [("Content-Type", "application/octet-stream"), ("Cache-Control", "max-age=3600"),
          ("Content-Range", f"bytes 0-99/{len(whole)}")], whole[:100])


def status_500(connection, request, rest):
    send(connection, request, 500, "Internal Server Error", [("Content-Type", "application/octet-stream")], wheel_bytes("500", rest))


def redirect_port(connection, request, rest):
    redirect(connection, request, f"http://127.0.0.1:{STATE['port'] + 65536}/-/wrapped")


def redirect_port_host(connection, request, rest):
    redirect(connection, request, f"http://localhost:{STATE['port'] + 65536}/-/wrapped")


def redirect_huge_port(connection, request, rest):
    redirect(connection, request, "http://127.0.0.1:99999999999999999999/x")


def redirect_userinfo(connection, request, rest):
    redirect(connection, request, f"http://user:hunter2-location@127.0.0.1:{STATE['port']}/plain/after-userinfo")


def redirect_file(connection, request, rest):
    redirect(connection, request, "file:///etc/passwd")


def redirect_garbage(connection, request, rest):
    redirect(connection, request, "http://[::1")


def redirect_empty(connection, request, rest):
    redirect(connection, request, "")


def redirect_loop(connection, request, rest):
    redirect(connection, request, "/redirect-loop")


def redirect_other_origin(connection, request, rest):
    redirect(connection, request, f"http://127.0.0.1:{STATE['other']}/-/other")


def plain(connection, request, rest):
    send(connection, request, 200, "OK", [("Content-Type", "text/plain"), ("Cache-Control", "max-age=600")],
         f"plain {request.path}\n".encode())


def no_store(connection, request, rest):
    send(connection, request, 200, "OK", [("Content-Type", "text/plain"), ("Cache-Control", "no-store")],
         f"no-store body of {request.path}\n".encode())


def bad_expires(connection, request, rest):
    send(connection, request, 200, "OK", [("Content-Type", "text/plain"), ("Expires", "Thu,  01 Dec 2094 16:00:00 GMT"),
                                          ("Date", time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()))],
         b"an Expires that is not an HTTP-date\n")


def vary_on(field):
    def handler(connection, request, rest):
        value = request.headers.get(field.lower())
        tag = "anonymous" if value is None else "credential " + sha256(value.encode())[:16]
        send(connection, request, 200, "OK",
             [("Content-Type", "text/plain"), ("Cache-Control", "max-age=600, private"), ("Vary", field)],
             f"variant for {tag}\n".encode())
    return handler


def files(index):
    def handler(connection, request, rest):
        send(connection, request, 200, "OK",
             [("Content-Type", "application/octet-stream"), ("Cache-Control", FILE_CACHE_CONTROL)], wheel_bytes(index, rest))
    return handler


def pages(index, cache_control=PAGE_CACHE_CONTROL):
    def handler(connection, request, rest):
        project = rest.strip("/")
        if index == "h" and project == "huge":
            return huge_page(connection, request)
        listed = project_files(index, project)
        if listed is None:
            return send(connection, request, 404, "Not Found", [("Content-Type", "text/plain")], b"no such project\n")
        send(connection, request, 200, "OK", [("Content-Type", HTML_TYPE), ("Cache-Control", cache_control)],
             page_html(project, listed))
    return handler


def huge_page(connection, request):
    filename = wheel("huge", "1.0")
    head = page_html("huge", [(filename, f"/h/files/{filename}#sha256={sha256(wheel_bytes('h', filename))}", {})])
    size = STATE["huge_mb"] * MIB
    padding = size - len(head) - len("<!--  -->\n")
    connection.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: {HTML_TYPE}\r\nCache-Control: {PAGE_CACHE_CONTROL}\r\n"
                       f"Content-Length: {size}\r\nConnection: close\r\n\r\n".encode())
    if request.method == "HEAD":
        return
    connection.sendall(head + b"<!-- ")
    block = b"p" * MIB
    while padding > 0:
        connection.sendall(block[:min(padding, len(block))])
        padding -= len(block)
    connection.sendall(b" -->\n")


def seen(connection, request, rest):
    with SEEN_LOCK:
        body = json.dumps(SEEN, sort_keys=True).encode()
    send(connection, request, 200, "OK", [("Content-Type", "application/json")], body)


def other_port(connection, request, rest):
    send(connection, request, 200, "OK", [("Content-Type", "application/json")], json.dumps({"port": STATE["other"]}).encode())


ROUTES = [
    ("/-/seen", True, seen),
    ("/-/other-port", True, other_port),
    ("/lying-length/", False, lying_length),
    ("/short-close/", False, short_close),
    ("/chunked-cut/", False, chunked_cut),
    ("/garbage-status", True, garbage_status),
    ("/no-status", True, no_status),
    ("/huge-status", True, huge_status),
    ("/huge-headers", True, huge_headers),
    ("/huge-header-line", True, huge_header_line),
    ("/nul-header", True, nul_header),
    ("/negative-length", True, negative_length),
    ("/double-length", True, double_length),
    ("/slow/", False, slow),
    ("/silent", True, silent),
    ("/404/", False, status_404),
    ("/206/", False, status_206),
    ("/500/", False, status_500),
    ("/redirect-port", True, redirect_port),
    ("/redirect-port-host", True, redirect_port_host),
    ("/redirect-huge-port", True, redirect_huge_port),
    ("/redirect-userinfo", True, redirect_userinfo),
    ("/redirect-file", True, redirect_file),
    ("/redirect-garbage", True, redirect_garbage),
    ("/redirect-empty", True, redirect_empty),
    ("/redirect-loop", True, redirect_loop),
    ("/redirect-other-origin", True, redirect_other_origin),
    ("/plain/", False, plain),
    ("/no-store/simple/", False, pages("no-store", "no-store")),
    ("/no-store/", False, no_store),
    ("/bad-expires/", False, bad_expires),
    ("/vary-auth/", True, vary_on("Authorization")),
    ("/vary-cookie/", True, vary_on("Cookie")),
]


def as_page(connection, request, rest):
    """/t/simple/MODE/: the misbehaviour of route /MODE, answering for a project page."""
    mode = "/" + rest.strip("/")
    for prefix, exact, handler in ROUTES:
        if prefix == mode or (not exact and prefix == mode + "/"):
            return handler(connection, request, "page")
    send(connection, request, 404, "Not Found", [("Content-Type", "text/plain")], b"no such misbehaviour\n")


ROUTES.append(("/t/simple/", False, as_page))
for _index in ("h", "a", "b"):
    ROUTES += [(f"/{_index}/simple/", False, pages(_index)), (f"/{_index}/files/", False, files(_index))]


def handle(connection):
    try:
        connection.settimeout(30)
        request = read_request(connection)
        if request is None:
            return
        if not request.path.startswith("/-/seen") and not request.path.startswith("/-/other-port"):
            with SEEN_LOCK:
                SEEN.setdefault(request.path, []).append(
                    {"authorization": request.headers.get("authorization"), "cookie": request.headers.get("cookie")})
        if STATE["verbose"]:
            print(f"{request.method} {request.target}", file=sys.stderr, flush=True)
        for prefix, exact, handler in ROUTES:
            if (exact and request.path == prefix) or (not exact and request.path.startswith(prefix)):
                handler(connection, request, request.path[len(prefix):])
                break
        else:
            if request.path == "/-/wrapped" or request.path == "/-/other":
                plain(connection, request, "")
            else:
                send(connection, request, 404, "Not Found", [("Content-Type", "text/plain")], b"no such misbehaviour\n")
    except OSError:
        pass
    finally:
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        connection.close()


def listen(port):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(256)
    return listener


def accept_forever(listener):
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=handle, args=(connection,), daemon=True).start()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="0 (the default) picks a free port")
    parser.add_argument("--huge-mb", type=int, default=65, help="the size of /h/simple/huge/ in MiB (default 65)")
    parser.add_argument("--verbose", action="store_true", help="log every request to standard error")
    args = parser.parse_args()
    STATE["huge_mb"] = max(1, args.huge_mb)
    STATE["verbose"] = args.verbose
    main_listener, other_listener = listen(args.port), listen(0)
    STATE["port"] = main_listener.getsockname()[1]
    STATE["other"] = other_listener.getsockname()[1]
    threading.Thread(target=accept_forever, args=(other_listener,), daemon=True).start()
    print(STATE["port"], flush=True)
    try:
        accept_forever(main_listener)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

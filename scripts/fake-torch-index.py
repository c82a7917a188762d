#!/usr/bin/env python3
"""A loopback PyTorch-shaped index for the offline demo and tests (no network).

  fake-torch-index.py build DIR   writes small but real wheels of a fake `torch` for several tags
                                  and the project page DIR/whl/cpu/torch/index.html (with sha256s)
  fake-torch-index.py serve DIR   serves DIR on 127.0.0.1 (free port, printed on the first line):
                                  pages with `Cache-Control: no-cache,no-store,must-revalidate`
                                  and a changing <!--TIMESTAMP--> comment, wheels with only
                                  `Last-Modified` (as download.pytorch.org does)
"""
import base64
import hashlib
import http.server
import os
import sys
import time
import urllib.parse
import zipfile

VERSION = "2.0.1+cpu"
TAGS = ["cp311-cp311-linux_x86_64", "cp310-cp310-linux_x86_64", "cp312-cp312-linux_x86_64", "cp311-none-macosx_11_0_arm64"]
OLD = ("1.13.1+cpu", "cp311-cp311-linux_x86_64")


def build_wheel(outdir, name, version, tag):
    dist = f"{name}-{version}"
    filename = f"{dist}-{tag}.whl"
    files = {
        f"{name}/__init__.py": f"__version__ = {version!r}\n",
        f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: a fake torch for offline tests\n\n",
        f"{dist}.dist-info/WHEEL": f"Wheel-Version: 1.0\nGenerator: artifact-store-tests\nRoot-Is-Purelib: false\nTag: {tag}\n\n",
    }
    record = []
    with zipfile.ZipFile(os.path.join(outdir, filename), "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in files.items():
            data = text.encode()
            # Fixed timestamps: the same wheel has the same bytes on every build.
            archive.writestr(zipfile.ZipInfo(path, date_time=(2023, 8, 1, 0, 0, 0)), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{path},sha256={digest},{len(data)}")
        record.append(f"{dist}.dist-info/RECORD,,")
        archive.writestr(zipfile.ZipInfo(f"{dist}.dist-info/RECORD", date_time=(2023, 8, 1, 0, 0, 0)), "\n".join(record) + "\n")
    return filename


def build(root):
    wheels = os.path.join(root, "whl", "cpu")
    page_dir = os.path.join(wheels, "torch")
    os.makedirs(page_dir, exist_ok=True)
    anchors = []
    for version, tag in [(VERSION, t) for t in TAGS] + [OLD]:
        filename = build_wheel(wheels, "torch", version, tag)
        with open(os.path.join(wheels, filename), "rb") as handle:
            sha = hashlib.sha256(handle.read()).hexdigest()
        href = "/whl/cpu/" + urllib.parse.quote(filename, safe="") + "#sha256=" + sha
        anchors.append(f'<a href="{href}">{filename}</a><br/>')
    with open(os.path.join(page_dir, "index.html"), "w") as page:
        page.write("<!DOCTYPE html>\n<html>\n<body>\n<h1>Links for torch</h1>\n" + "\n".join(anchors) + "\n</body>\n</html>\n")


def serve(root):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
            local = os.path.normpath(os.path.join(root, path.lstrip("/")))
            if not local.startswith(os.path.abspath(root)):
                return self.send_error(404)
            if path.endswith("/"):
                local = os.path.join(local, "index.html")
            if not os.path.isfile(local):
                return self.send_error(404)
            with open(local, "rb") as handle:
                body = handle.read()
            self.send_response(200)
            if local.endswith(".html"):
                body = f"<!--TIMESTAMP {time.time()}-->\n".encode() + body
                self.send_header("Content-Type", "text/html")
                self.send_header("Cache-Control", "no-cache,no-store,must-revalidate")
            else:
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Last-Modified", "Tue, 01 Aug 2023 00:00:00 GMT")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("build", "serve"):
        sys.exit(__doc__)
    root = os.path.abspath(sys.argv[2])
    build(root) if sys.argv[1] == "build" else serve(root)

#!/usr/bin/env python3
"""A big body on loopback, for streaming tests: every GET gets SIZE bytes (argv[1]) with
`Cache-Control: max-age=3600`, written 1 MiB at a time. The port is printed on the first line."""
import http.server
import sys

SIZE = int(sys.argv[1])


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Cache-Control", "max-age=3600")
        self.send_header("Content-Length", str(SIZE))
        self.end_headers()
        chunk = bytes(range(256)) * 4096
        sent = 0
        while sent < SIZE:
            part = chunk[: SIZE - sent]
            self.wfile.write(part)
            sent += len(part)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()

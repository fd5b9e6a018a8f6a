#!/usr/bin/env python3
"""Loopback RFC 3161 responder for tests: responder.py CONFIG PORTFILE.

Binds 127.0.0.1 on a free port, writes the port to PORTFILE, and answers
each application/timestamp-query POST with `openssl ts -reply -config
CONFIG`. Test use only: one request at a time, bodies under 64 KiB.
"""
import http.server
import os
import subprocess
import sys
import tempfile

MAX_QUERY = 64 * 1024


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        if self.headers.get("Content-Type") != "application/timestamp-query" \
                or n <= 0 or n > MAX_QUERY:
            self.send_error(400)
            return
        query = self.rfile.read(n)
        with tempfile.TemporaryDirectory() as d:
            q = os.path.join(d, "q.tsq")
            with open(q, "wb") as f:
                f.write(query)
            p = subprocess.run(["openssl", "ts", "-reply", "-config",
                                sys.argv[1], "-queryfile", q],
                               capture_output=True, check=False)
        if p.returncode != 0 or not p.stdout:
            self.send_error(500)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(p.stdout)))
        self.end_headers()
        self.wfile.write(p.stdout)

    def log_message(self, *args):
        pass


def main():
    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, sys.argv[2])
    srv.serve_forever()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A small in-memory OCI registry for tests/oci/t_bearer.sh: what
distribution 2.8 lacks. It has the OCI 1.1 referrers API (subjects indexed
on manifest PUT, OCI-Subject header) and the Bearer token flow: /v2/
requests need a token from /token (Basic USER:PASS), and writes need a
token whose scope includes push. Every request is logged as
"METHOD PATH AUTH-SCHEME" to --log. Listens on 127.0.0.1, port 0; writes
the port to --port-file.

With --foreign-mode, blob GETs are answered with a 307 to a second server
on --foreign-host (another loopback address), which logs every request
the same way to --foreign-log. "serve" hands out the blob without auth
(as a CDN with signed URLs would); "challenge" answers 401 with its own
Bearer realm and would issue a token to anyone who sends credentials."""
import argparse
import base64
import hashlib
import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INDEX = "application/vnd.oci.image.index.v1+json"
NAME = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*"


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.blobs = {}  # digest -> bytes
        self.manifests = {}  # (repo, digest) -> (ctype, bytes)
        self.tags = {}  # (repo, tag) -> digest
        self.referrers = {}  # (repo, subject digest) -> [descriptor]
        self.tokens = {}  # token -> scope


def log_request(store, logf, handler):
    auth = handler.headers.get("Authorization", "")
    with store.lock, open(logf, "a") as f:
        f.write("%s %s %s\n" % (handler.command, handler.path.split("?")[0],
                                auth.split(" ")[0] or "-"))


def make_foreign_handler(store, mode, logf):
    class F(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def send(self, code, body=b"", headers=()):
            self.send_response(code)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def route(self):
            log_request(store, logf, self)
            path = self.path.split("?")[0]
            host = self.server.server_address
            if path.startswith("/token"):
                return self.send(200, json.dumps({"token": "foreign-token"}).encode(),
                                 [("Content-Type", "application/json")])
            if mode == "challenge":
                hdr = 'Bearer realm="http://%s:%d/token",service="foreign",scope="blob"' % host
                return self.send(401, b"{}", [("WWW-Authenticate", hdr)])
            b = store.blobs.get(path.rsplit("/", 1)[-1])
            if b is None:
                return self.send(404)
            return self.send(200, b, [("Content-Type", "application/octet-stream")])

        do_GET = do_HEAD = route

    return F


def make_handler(store, creds, logf, foreign=None):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def send(self, code, body=b"", ctype=None, headers=()):
            self.send_response(code)
            if ctype:
                self.send_header("Content-Type", ctype)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def basic_ok(self, auth):
            return auth == "Basic " + base64.b64encode(creds.encode()).decode()

        def log(self):
            log_request(store, logf, self)

        def challenge(self, repo, write):
            host = self.server.server_address
            scope = "repository:%s:%s" % (repo, "pull,push" if write else "pull")
            hdr = 'Bearer realm="http://%s:%d/token",service="fake",scope="%s"' % (
                host[0], host[1], scope)
            self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"auth"}]}',
                      "application/json", [("WWW-Authenticate", hdr)])

        def authorized(self, repo, write):
            auth = self.headers.get("Authorization", "")
            if self.basic_ok(auth):
                return True
            if auth.startswith("Bearer "):
                scope = store.tokens.get(auth[7:])
                if scope is not None and repo in scope and (
                        not write or "push" in scope.split(":")[-1]):
                    return True
            self.challenge(repo, write)
            return False

        def token(self):
            if not self.basic_ok(self.headers.get("Authorization", "")):
                return self.send(401, b"{}", "application/json")
            q = dict(p.split("=", 1) for p in self.path.split("?", 1)[1].split("&"))
            scope = q.get("scope", "").replace("%3A", ":").replace("%2C", ",").replace("%2F", "/")
            tok = secrets.token_hex(16)
            store.tokens[tok] = scope
            self.send(200, json.dumps({"token": tok}).encode(), "application/json")

        def route(self):
            self.log()
            path = self.path.split("?")[0]
            if path.startswith("/token"):
                return self.token()
            if path == "/v2/":
                return self.send(200, b"{}", "application/json") if self.authorized("", False) else None
            m = re.fullmatch(r"/v2/(%s)/(blobs/uploads/[^/]*|blobs/[^/]+|manifests/[^/]+|referrers/[^/]+)" % NAME, path)
            if not m:
                return self.send(404, b"404 page not found", "text/plain")
            repo, rest = m.group(1), m.group(2)
            write = self.command in ("PUT", "POST", "DELETE")
            if not self.authorized(repo, write):
                return
            kind, _, ref = rest.partition("/")
            if rest.startswith("blobs/uploads"):
                return self.upload(repo)
            if kind == "blobs" and foreign is not None and self.command == "GET":
                return self.send(307, headers=[("Location", "http://%s:%d/blobs/%s" % (
                    foreign[0], foreign[1], ref))])
            if kind == "blobs":
                b = store.blobs.get(ref)
                return self.send(200, b, "application/octet-stream",
                                 [("Docker-Content-Digest", ref)]) if b is not None else self.send(404)
            if kind == "referrers":
                descs = store.referrers.get((repo, ref), [])
                doc = {"schemaVersion": 2, "mediaType": INDEX, "manifests": descs}
                return self.send(200, json.dumps(doc).encode(), INDEX)
            return self.manifest(repo, ref)

        def upload(self, repo):
            if self.command == "POST":
                self.body()
                return self.send(202, headers=[("Location", "/v2/%s/blobs/uploads/%s" % (
                    repo, secrets.token_hex(8)))])
            data = self.body()
            want = self.path.split("digest=", 1)[1].replace("%3A", ":")
            if "sha256:" + hashlib.sha256(data).hexdigest() != want:
                return self.send(400, b'{"errors":[{"code":"DIGEST_INVALID"}]}', "application/json")
            store.blobs[want] = data
            return self.send(201, headers=[("Docker-Content-Digest", want)])

        def manifest(self, repo, ref):
            if self.command == "PUT":
                data = self.body()
                digest = "sha256:" + hashlib.sha256(data).hexdigest()
                ctype = self.headers.get("Content-Type")
                store.manifests[(repo, digest)] = (ctype, data)
                if not ref.startswith("sha256:"):
                    store.tags[(repo, ref)] = digest
                doc = json.loads(data)
                hdrs = [("Docker-Content-Digest", digest)]
                if "subject" in doc:
                    at = doc.get("artifactType") or doc["config"]["mediaType"]
                    d = {"mediaType": doc.get("mediaType"), "digest": digest,
                         "size": len(data), "artifactType": at}
                    if doc.get("annotations"):
                        d["annotations"] = doc["annotations"]
                    store.referrers.setdefault((repo, doc["subject"]["digest"]), []).append(d)
                    hdrs.append(("OCI-Subject", doc["subject"]["digest"]))
                return self.send(201, headers=hdrs)
            digest = ref if ref.startswith("sha256:") else store.tags.get((repo, ref))
            got = store.manifests.get((repo, digest))
            if got is None:
                return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', "application/json")
            return self.send(200, got[1], got[0], [("Docker-Content-Digest", digest)])

        do_GET = do_HEAD = do_PUT = do_POST = route

    return H


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--creds", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--foreign-mode", choices=("serve", "challenge"))
    ap.add_argument("--foreign-host", default="127.0.0.2")
    ap.add_argument("--foreign-log")
    a = ap.parse_args()
    store, foreign = Store(), None
    if a.foreign_mode:
        fsrv = ThreadingHTTPServer((a.foreign_host, 0),
                                   make_foreign_handler(store, a.foreign_mode, a.foreign_log))
        foreign = fsrv.server_address
        threading.Thread(target=fsrv.serve_forever, daemon=True).start()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(store, a.creds, a.log, foreign))
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A recording proxy in front of s3rver for tests/s3/t_s3.sh.

s3rver accepts any well-formed Signature Version 4 (it checks only that
the access key id exists), so this proxy checks what the client sends:
every request must carry x-amz-content-sha256, x-amz-date and an
Authorization header "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/s3/
aws4_request, SignedHeaders=..., Signature=..." whose signature it
recomputes with the secret it was given. A wrong key id is answered 403
InvalidAccessKeyId and a wrong signature 403 SignatureDoesNotMatch, as
AWS answers. Each request is appended to the log as one JSON line.

Faults, one per run (--mode):
  page:N        adds max-keys=N to every listing, so listings page
  inject:KEY    adds an object KEY to the first listing page
  replace:KEY   on the first GET of KEY, overwrites it in s3rver first
  cut:KEY       on every GET of KEY, sends half the body and drops the
                connection
  flaky:KEY     answers the first GET of KEY (or, for KEY "LIST", the
                first listing) 503 SlowDown, as a busy store does
"""
import argparse
import hashlib
import hmac
import http.client
import http.server
import json
import re
import sys
import time
import urllib.parse

AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([a-z0-9-]+)/s3/aws4_request,"
    r" ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$")


def enc(s):
    return urllib.parse.quote(s, safe="-_.~")


def canonical_query(raw):
    pairs = []
    for part in raw.split("&") if raw else []:
        k, _, v = part.partition("=")
        pairs.append((enc(urllib.parse.unquote(k)),
                      enc(urllib.parse.unquote(v))))
    return "&".join(k + "=" + v for k, v in sorted(pairs))


def expected_signature(args, method, path, query, headers, signed, date,
                       amzdate):
    lines = []
    for h in signed.split(";"):
        v = headers.get(h)
        if v is None:
            return None
        lines.append(h + ":" + " ".join(v.strip().split()) + "\n")
    creq = "\n".join([method, path, canonical_query(query), "".join(lines),
                      signed, headers.get("x-amz-content-sha256", "")])
    scope = "/".join([date, args.region, "s3", "aws4_request"])
    sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    key = ("AWS4" + args.secret).encode()
    for part in (date, args.region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()


def s3_error(code, msg):
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s"
            "</Code><Message>%s</Message></Error>" % (code, msg)).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def record(self, **kv):
        with open(self.server.args.log, "a") as f:
            f.write(json.dumps(kv, sort_keys=True) + "\n")

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def check_auth(self, path, query):
        args = self.server.args
        h = {k.lower(): v for k, v in self.headers.items()}
        auth = h.get("authorization", "")
        m = AUTH.match(auth)
        ok_sha = "x-amz-content-sha256" in h
        self.record(method=self.command, path=path, query=query,
                    authorization=auth, content_sha256=h.get(
                        "x-amz-content-sha256"), amz_date=h.get("x-amz-date"),
                    security_token=h.get("x-amz-security-token"),
                    if_match=h.get("if-match"), range=h.get("range"),
                    auth_format=bool(m), user_agent=h.get("user-agent"))
        if not m or not ok_sha or "x-amz-date" not in h:
            return 400, "AuthorizationHeaderMalformed"
        akid, date, region, signed, sig = m.groups()
        if akid != args.akid:
            return 403, "InvalidAccessKeyId"
        if region != args.region or not h["x-amz-date"].startswith(date):
            return 403, "AuthorizationHeaderMalformed"
        for need in ("host", "x-amz-content-sha256", "x-amz-date"):
            if need not in signed.split(";"):
                return 403, "AccessDenied"
        if args.token and h.get("x-amz-security-token") != args.token:
            return 403, "InvalidToken"
        want = expected_signature(args, self.command, path, query, h, signed,
                                  date, h["x-amz-date"])
        if want is None or not hmac.compare_digest(want, sig):
            return 403, "SignatureDoesNotMatch"
        return 200, None

    def backend(self, method, path, query, headers, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.server.args.backend,
                                       timeout=30)
        c.request(method, path + ("?" + query if query else ""), body=body,
                  headers=headers)
        return c, c.getresponse()

    def overwrite(self, path):
        now = time.gmtime()
        auth = ("AWS4-HMAC-SHA256 Credential=%s/%s/%s/s3/aws4_request,"
                " SignedHeaders=host, Signature=%s" %
                (self.server.args.akid, time.strftime("%Y%m%d", now),
                 self.server.args.region, "0" * 64))
        c, r = self.backend("PUT", path, "", {
            "Authorization": auth,
            "x-amz-date": time.strftime("%Y%m%dT%H%M%SZ", now),
            "x-amz-content-sha256": "UNSIGNED-PAYLOAD"}, b"replaced mid-run\n")
        r.read()
        c.close()
        if r.status != 200:
            raise RuntimeError("overwrite refused: %d" % r.status)

    def handle_any(self):
        args = self.server.args
        path, _, query = self.path.partition("?")
        status, code = self.check_auth(path, query)
        if status != 200:
            self.reply(status, s3_error(code, "refused by the test proxy"),
                       [("Content-Type", "application/xml")])
            return
        mode, _, arg = args.mode.partition(":")
        listing = "list-type=2" in query.split("&")
        if mode == "page" and listing:
            query += "&max-keys=" + arg
        key = urllib.parse.unquote(path.split("/", 2)[2]) if path.count(
            "/") >= 2 else ""
        if mode == "flaky" and not self.server.done and (
                key == arg or (arg == "LIST" and listing)):
            self.server.done = True
            self.reply(503, s3_error("SlowDown", "Please reduce your "
                                     "request rate."),
                       [("Content-Type", "application/xml")])
            return
        if mode == "replace" and key == arg and not self.server.done:
            self.server.done = True
            self.overwrite(path)
        fwd = {k: v for k, v in self.headers.items()
               if k.lower() not in ("host", "connection")}
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        c, r = self.backend(self.command, path, query, fwd, body)
        data = r.read()
        hdrs = [(k, v) for k, v in r.getheaders()
                if k.lower() not in ("content-length", "connection",
                                     "transfer-encoding")]
        c.close()
        if mode == "inject" and listing and not self.server.done:
            self.server.done = True
            extra = ("<Contents><Key>%s</Key><Size>1</Size><ETag>&quot;x"
                     "&quot;</ETag></Contents>" % arg).encode()
            data = data.replace(b"</ListBucketResult>",
                                extra + b"</ListBucketResult>")
        if mode == "cut" and key == arg and self.command == "GET":
            self.send_response(r.status)
            for k, v in hdrs:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            self.server.shutdown_request = True
            return
        self.reply(r.status, data, hdrs)

    do_GET = do_HEAD = do_PUT = do_DELETE = do_POST = handle_any


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--backend", type=int, required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--akid", required=True)
    p.add_argument("--secret-file", required=True)
    p.add_argument("--token", default="")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--mode", default="none")
    args = p.parse_args()
    with open(args.secret_file) as f:
        args.secret = f.read().strip()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.args = args
    srv.done = False
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Uploads files to s3rver for tests/s3/t_s3.sh, in one process.

usage: s3put.py PORT BUCKET KEY FILE        one object
       s3put.py PORT BUCKET PREFIX DIR/     every file below DIR
s3rver checks only that the key id exists, so the signature is a dummy.
"""
import http.client
import os
import sys
import time
import urllib.parse


def put(conn, bucket, key, path):
    now = time.gmtime()
    auth = ("AWS4-HMAC-SHA256 Credential=S3RVER/%s/us-east-1/s3/aws4_request,"
            " SignedHeaders=host, Signature=%s" %
            (time.strftime("%Y%m%d", now), "0" * 64))
    with open(path, "rb") as f:
        body = f.read()
    conn.request("PUT", "/%s/%s" % (bucket, urllib.parse.quote(key)),
                 body=body, headers={
                     "Authorization": auth,
                     "x-amz-date": time.strftime("%Y%m%dT%H%M%SZ", now),
                     "x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        sys.exit("PUT %s: HTTP %d" % (key, r.status))


def main():
    port, bucket, key, path = sys.argv[1:5]
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
    if not path.endswith("/"):
        put(conn, bucket, key, path)
        return
    for top, _, files in os.walk(path):
        for name in sorted(files):
            full = os.path.join(top, name)
            put(conn, bucket, key + os.path.relpath(full, path), full)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes N distinct dataset attestations for the benchmark (not a test).

usage: gen-attestations.py KEY.pem TEMPLATE.jsonl N OUT [PER_BUNDLE]

Each is the template's first Statement (an `attest dataset` of one file
named x) about another one-file dataset, "filler-I": the file digest, the
dirHash, the OMS root and the manifest agree as attest would write them,
signed with KEY (P-256, SHA-256, DER) under the template's keyid. Written
as OUT.1.jsonl, OUT.2.jsonl, ... of at most PER_BUNDLE lines (default
250000, the bundle ceiling), one file name a line on stdout.
"""
import base64
import copy
import hashlib
import json
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

TYPE = "application/vnd.in-toto+json"


def pae(body):
    t = TYPE.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)


def statement(tmpl, i):
    st = copy.deepcopy(tmpl)
    file_sha = hashlib.sha256(b"filler %d\n" % i).hexdigest()
    digest = {
        "dirHash": hashlib.sha256(("%s  x\n" % file_sha).encode()).hexdigest(),
        "sha256": hashlib.sha256(bytes.fromhex(file_sha)).hexdigest(),
    }
    name = "filler-%d/" % i
    st["subject"] = [{"digest": digest, "name": name}]
    pred = st["predicate"]
    pred["name"] = "filler-%d" % i
    pred["bytes"] = 2
    pred["files"] = 1
    content = pred["contents"][0]
    content.update({"bytes": 2, "digest": digest, "files": 1, "name": name})
    content["manifest"]["files"] = [{"path": "x", "sha256": file_sha, "size": 2}]
    return st


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    key_path, tmpl_path, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    per = int(sys.argv[5]) if len(sys.argv) == 6 else 250000
    with open(key_path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    with open(tmpl_path) as f:
        env = json.loads(f.readline())
    if env["payloadType"] != TYPE:
        sys.exit("gen-attestations: template is not an in-toto envelope")
    tmpl = json.loads(base64.b64decode(env["payload"]))
    keyid = env["signatures"][0]["keyid"]
    part, f = 0, None
    for i in range(n):
        if i % per == 0:
            if f:
                f.close()
            part += 1
            name = "%s.%d.jsonl" % (out, part)
            f = open(name, "w")
            print(name)
        body = json.dumps(statement(tmpl, i), sort_keys=True,
                          separators=(",", ":")).encode()
        sig = key.sign(pae(body), ec.ECDSA(hashes.SHA256()))
        f.write(json.dumps({
            "payload": base64.b64encode(body).decode(),
            "payloadType": TYPE,
            "signatures": [{"keyid": keyid, "sig": base64.b64encode(sig).decode()}],
        }, separators=(",", ":")) + "\n")
    if f:
        f.close()


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# The demo pipeline over the sample data in demo/: keys, a signed statement
# about the sample model, verification, and a tampered model rejected.
#   demo/pipeline.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: demo/pipeline.sh BUILD_DIR}" && pwd)
attest="$build/attest/attest"
verify="$build/verify/verify"
work=${DEMO_DIR:-$(mktemp -d /tmp/mlattest-demo.XXXXXX)}
mkdir -p "$work"
cd "$work"
step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "1. keys for the trainer"
run "$attest" key generate --out trainer

step "2. a signed statement about the sample model"
cp "$here/model.bin" model.bin
digest=$(sha256sum model.bin | cut -d' ' -f1)
jq -n --arg h "$digest" '{_type: "https://in-toto.io/Statement/v1",
  subject: [{name: "model.bin", digest: {sha256: $h}}],
  predicateType: "https://mlattest.dev/attestation/demo/v1",
  predicate: {note: "sample model from demo/"}}' >statement.json
run "$attest" sign --key trainer.key --format sigstore \
	--bundle model.intoto.jsonl statement.json

step "3. verify: signature, statement and model digest"
run "$verify" --key trainer.pub --artifact model.bin model.intoto.jsonl

step "4. tamper with the model: verify must reject it"
printf 'backdoor' >>model.bin
set +e
run "$verify" --key trainer.pub --artifact model.bin model.intoto.jsonl
rc=$?
set -e
if [ "$rc" -ne 1 ]; then
	echo "demo: expected exit 1 for the tampered model, got $rc" >&2
	exit 1
fi
printf '\ndemo: tampered model rejected (exit %d) as expected\n' "$rc"
printf 'demo: files are in %s\n' "$work"

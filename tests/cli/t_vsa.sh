# verify vsa (SPEC-VER-8): a gate's VSA is accepted only when signed by a
# trusted gate key, PASSED, about the model (a file, a directory or
# sha256:HEX) and, with --policy, made under that policy; plain verify
# never passes a FAILED VSA. Each accept case has a tampered twin.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
q() { "$@" >/dev/null 2>&1 || { echo "setup failed: $*" >&2; exit 1; }; }

for who in trainer gate other; do q "$ATTEST" key generate --out "$who"; done
q "$ATTEST" run --key trainer.key --output model/ --output model.bin --bundle run.jsonl \
	-- sh -c 'mkdir -p model && echo w >model/w.bin && echo b >model.bin'
jq -n '{policyVersion: 1, keys: {trainer: {publicKey: "trainer.pub"}}, training: {signers: ["trainer"]}}' >pol.json
jq -n '{policyVersion: 1, keys: {other: {publicKey: "other.pub"}}, training: {signers: ["other"]}}' >deny.json
q "$VERIFY" policy --policy pol.json --bundle run.jsonl --vsa-key gate.key --vsa pass.json model/
q "$VERIFY" policy --policy pol.json --bundle run.jsonl --vsa-key gate.key --vsa file.json model.bin
"$VERIFY" policy --policy deny.json --bundle run.jsonl --vsa-key gate.key --vsa failed.json model/ >/dev/null 2>&1
[ $? -eq 1 ] && [ -s failed.json ] && pass "a denied gate writes a FAILED VSA" || fail "no FAILED VSA written"
[ "$(jq -r .payload failed.json | base64 -d | jq -r .predicate.verificationResult)" = FAILED ] &&
	pass "the VSA says FAILED" || fail "the VSA does not say FAILED"
VV() { "$VERIFY" vsa --key gate.pub "$@"; }

# --- accepted, each with its twin
expect_out "PASSED VSA about the model directory" 0 \
	"^PASS  pass.json:1  verificationResult PASSED for model/ under policy pol.json at [0-9T:Z-]+, signed by [0-9a-f]{16} \(gate.pub\)$" \
	VV --artifact model/ --policy pol.json pass.json
expect_err "summary line" 0 "^verify: PASS \(1 VSA checked for tree sha256:[0-9a-f]{64} dirHash:[0-9a-f]{64}\)$" \
	VV --artifact model/ pass.json
echo changed >model/w.bin
expect_out "model directory changed: rejected" 1 \
	"^FAIL  pass.json:1: the VSA is about model/ \(sha256:[0-9a-f]{64}\), not model/ \(tree sha256:[0-9a-f]{64} dirHash:[0-9a-f]{64}\)$" \
	VV --artifact model/ pass.json
echo w >model/w.bin

ROOT=$(jq -r .payload pass.json | base64 -d | jq -r '.subject[0].digest.sha256')
expect "PASSED VSA by sha256:ROOT" 0 VV --artifact "sha256:$ROOT" pass.json
expect_out "another sha256: rejected" 1 "^FAIL  pass.json:1: the VSA is about model/ \(sha256:$ROOT\), not sha256:$(printf '%064d' 1) " \
	VV --artifact "sha256:$(printf '%064d' 1)" pass.json

expect "PASSED VSA about a model file" 0 VV --artifact model.bin file.json
echo c >model.bin
expect_out "model file changed: rejected" 1 "^FAIL  file.json:1: the VSA is about model.bin \(sha256:[0-9a-f]{64}\), not model.bin \(sha256:$(sha256sum model.bin | cut -c1-64)\)$" \
	VV --artifact model.bin file.json
echo b >model.bin

cp pol.json pol2.json
jq '.maxAge = "720h"' pol.json >pol-changed.json
expect "same policy bytes under another name" 0 VV --artifact model/ --policy pol2.json pass.json
expect_out "another policy: rejected" 1 \
	"^FAIL  pass.json:1: the VSA was made under policy sha256:$(sha256sum pol.json | cut -c1-64), not pol-changed.json \(sha256:$(sha256sum pol-changed.json | cut -c1-64)\)$" \
	VV --artifact model/ --policy pol-changed.json pass.json

# --- the verdict is read
expect_out "FAILED VSA rejected by verify vsa" 1 \
	"^FAIL  failed.json:1: VSA verificationResult FAILED, not PASSED: the gate did not admit model/ under policy deny.json$" \
	VV --artifact model/ failed.json
expect "plain verify passes a PASSED VSA" 0 "$VERIFY" --key gate.pub --artifact model/ pass.json
expect_out "plain verify rejects a FAILED VSA" 1 \
	"^FAIL  failed.json:1: VSA verificationResult FAILED, not PASSED: the gate did not admit model/ under policy deny.json$" \
	"$VERIFY" --key gate.pub --artifact model/ failed.json
expect_out "plain verify rejects a FAILED VSA without --artifact" 1 "verificationResult FAILED" \
	"$VERIFY" --key gate.pub failed.json
# A VSA signed by the gate key whose verdict is not exactly PASSED.
jq -r .payload pass.json | base64 -d >vsa-st.json
jq '.predicate.verificationResult = "passed"' vsa-st.json >lower.json
jq 'del(.predicate.verificationResult)' vsa-st.json >none.json
q "$ATTEST" sign --key gate.key --bundle resigned.json vsa-st.json
q "$ATTEST" sign --key gate.key --bundle lower.dsse.json lower.json
q "$ATTEST" sign --key gate.key --bundle none.dsse.json none.json
expect "re-signed PASSED statement accepted" 0 VV --artifact model/ resigned.json
expect_out "verdict \"passed\" rejected" 1 "^FAIL  lower.dsse.json:1: VSA verificationResult passed, not PASSED" \
	VV --artifact model/ lower.dsse.json
expect_out "no verdict rejected" 1 "^FAIL  none.dsse.json:1: VSA verificationResult \(missing\), not PASSED" \
	VV --artifact model/ none.dsse.json
expect_out "plain verify rejects a missing verdict too" 1 "VSA verificationResult \(missing\)" \
	"$VERIFY" --key gate.pub none.dsse.json

# --- who signed it, and what it is
expect_out "VSA by an untrusted key rejected" 1 "^FAIL  pass.json:1: no signature verifies under a trusted key$" \
	"$VERIFY" vsa --key other.pub --artifact model/ pass.json
jq '.signatures[0].sig |= (.[0:10] + "AAAA" + .[14:])' pass.json >bad-sig.json
expect_out "tampered signature rejected" 1 "^FAIL  bad-sig.json: no signature verifies under a trusted key$" \
	VV --artifact model/ bad-sig.json
expect_out "provenance is not a VSA" 1 "^FAIL  run.jsonl:1: not a VSA \(predicateType https://slsa.dev/provenance/v1\)$" \
	"$VERIFY" vsa --key trainer.pub --artifact model/ run.jsonl
cat pass.json failed.json >both.jsonl
expect_out "a bundle holding a FAILED VSA is rejected" 1 "^FAIL  both.jsonl:2: VSA verificationResult FAILED" \
	VV --artifact model/ both.jsonl

# --- usage and undecided
expect_err "no --artifact: usage" 2 "usage: verify vsa" VV pass.json
expect_err "no VSA file: usage" 2 "usage: verify vsa" VV --artifact model/
expect_err "two --artifact: usage" 2 "one --artifact at a time" VV --artifact model/ --artifact model.bin pass.json
expect_out "missing VSA file: could not decide" 3 "^FAIL  nothere.json" VV --artifact model/ nothere.json

summary

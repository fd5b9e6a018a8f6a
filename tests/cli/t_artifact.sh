# verify --artifact with a file, a directory (tree) and sha256:HEX
# (SPEC-VER-7): each accepted form has a tampered twin that is rejected
# with the nearest subject and the files added, removed and changed; the
# same answer from verify policy; file lists inline and beside the bundle.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
q() { "$@" >/dev/null 2>&1 || { echo "setup failed: $*" >&2; exit 1; }; }

q "$ATTEST" key generate --out trainer
q "$ATTEST" key generate --out other
q "$ATTEST" run --key trainer.key --output model/ --output weights.bin --bundle run.jsonl \
	-- sh -c 'mkdir -p model && echo w1 >model/w.bin && echo "{}" >model/config.json && echo f >weights.bin'
# The tree digests, computed here without mlattest: dirHash as sha256sum
# lines (spec/predicates/dataset.md), the OMS root over the raw digests.
dirhash() { (cd "$1" && find . -type f | cut -c3- | LC_ALL=C sort | xargs -r sha256sum) | sha256sum | cut -d' ' -f1; }
omsroot() { (cd "$1" && find . -type f | cut -c3- | LC_ALL=C sort | xargs -r sha256sum | cut -c1-64 | xxd -r -p) | sha256sum | cut -d' ' -f1; }
DH=$(dirhash model)
ROOT=$(omsroot model)
V() { "$VERIFY" --key trainer.pub "$@"; }

# --- a directory, in the spellings a user types
expect_out "directory model/ matches its tree subject" 0 \
	"^PASS  artifact model/ tree sha256:$ROOT dirHash:$DH is a subject of run.jsonl:1$" \
	V --artifact model/ run.jsonl
expect_out "directory without the slash" 0 "^PASS  artifact model tree sha256:$ROOT" V --artifact model run.jsonl
expect_out "directory as ./model/" 0 "^PASS  artifact \./model/ tree" V --artifact ./model/ run.jsonl
expect_out "sha256:ROOT of the tree" 0 "^PASS  artifact sha256:$ROOT is a subject of run.jsonl:1$" \
	V --artifact "sha256:$ROOT" run.jsonl
expect_out "a file output" 0 "^PASS  artifact weights.bin sha256:$(sha256sum weights.bin | cut -c1-64) is a subject" \
	V --artifact weights.bin run.jsonl

# --- tampered twins: which file changed, and what is nearest
echo w2 >model/w.bin
expect_out "changed file: rejected" 1 \
	"^FAIL  artifact model/ tree sha256:[0-9a-f]{64} dirHash:[0-9a-f]{64} is not a subject of any verified statement$" \
	V --artifact model/ run.jsonl
grep -q "^NEAR  model/ in run.jsonl:1 has sha256:$ROOT dirHash:$DH$" "$T/out" &&
	pass "changed file: the nearest subject and its digests" || fail "changed file: nearest subject missing"
grep -q "^NEAR  changed  w.bin$" "$T/out" && pass "changed file: names w.bin" || fail "changed file: w.bin not named"
[ "$(grep -c '^NEAR  \(added\|removed\|changed\)' "$T/out")" = 1 ] &&
	pass "changed file: nothing else listed" || fail "changed file: other paths listed"
expect "changed file: --json" 1 V --json --artifact model/ run.jsonl
[ "$(jq -c '.artifacts[0].nearest | [.name, .source, .changed, .added, .removed]' "$T/out")" = \
	'["model/","run.jsonl:1",["w.bin"],[],[]]' ] && pass "json: nearest with the changed file" ||
	fail "json nearest: $(jq -c '.artifacts[0].nearest' "$T/out")"
echo w1 >model/w.bin
echo x >model/extra.bin
rm model/config.json
expect_out "added and removed files: rejected" 1 "^NEAR  added    extra.bin$" V --artifact model/ run.jsonl
grep -q "^NEAR  removed  config.json$" "$T/out" && pass "removed file named" || fail "removed file not named"
rm model/extra.bin
echo "{}" >model/config.json
expect "restored tree matches again" 0 V --artifact model/ run.jsonl

echo g >weights.bin
expect_out "changed file output: rejected" 1 "^FAIL  artifact weights.bin sha256:$(sha256sum weights.bin | cut -c1-64) is not a subject" \
	V --artifact weights.bin run.jsonl
grep -q "^NEAR  weights.bin in run.jsonl:1 has sha256:[0-9a-f]\{64\}$" "$T/out" &&
	pass "changed file output: nearest subject named" || fail "changed file output: nearest missing"
echo f >weights.bin
expect_out "sha256:HEX that is no subject" 1 "^FAIL  artifact sha256:$(printf '%064d' 0) is not a subject" \
	V --artifact "sha256:$(printf '%064d' 0)" run.jsonl
echo o >other.bin
expect_out "a name no subject has" 1 "^NEAR  no verified subject is named other.bin$" V --artifact other.bin run.jsonl
W=$(sha256sum model/w.bin | cut -c1-64)
expect_out "a file of an attested tree: named, still rejected" 1 \
	"^NEAR  model/w.bin is a file of the tree model/ in run.jsonl:1 \(sha256:$ROOT dirHash:$DH\), recorded as sha256:$W; this file matches it, but only the tree is a subject: check the tree as --artifact$" \
	V --artifact model/w.bin run.jsonl
echo w2 >model/w.bin
expect_out "a changed file of an attested tree: differs" 1 \
	"^NEAR  model/w.bin is a file of the tree model/ in run.jsonl:1 \(.*\), recorded as sha256:$W; this file differs$" \
	V --artifact model/w.bin run.jsonl
echo w1 >model/w.bin

# A file whose bytes are the tree's resource digests has the OMS root as
# its sha256; it is a file, not the tree.
(cd model && find . -type f | cut -c3- | LC_ALL=C sort | xargs sha256sum | cut -c1-64 | xxd -r -p) >forged.bin
[ "$(sha256sum forged.bin | cut -c1-64)" = "$ROOT" ] && pass "forged file has the OMS root as sha256" ||
	fail "forged file digest"
expect_out "a file never matches a tree subject" 1 "^FAIL  artifact forged.bin sha256:$ROOT is not a subject" \
	V --artifact forged.bin run.jsonl

# A tree subject that carries only the OMS root (no digest binding the
# names) is not matched by a directory; with dirHash it is.
jq -n --arg r "$ROOT" --arg d "$DH" '{_type: "https://in-toto.io/Statement/v1",
	subject: [{name: "model/", digest: {sha256: $r}}], predicateType: "https://example.com/t/v1", predicate: {}}' >root-only.json
jq '.subject[0].digest.dirHash = "'"$DH"'"' root-only.json >both.json
q "$ATTEST" sign --key trainer.key --bundle root-only.dsse.json root-only.json
q "$ATTEST" sign --key trainer.key --bundle both.dsse.json both.json
expect "tree subject with dirHash matches" 0 V --artifact model/ both.dsse.json
expect_out "tree subject with the OMS root only: no match" 1 "^FAIL  artifact model/ tree .* is not a subject" \
	V --artifact model/ root-only.dsse.json
grep -q "^NEAR  no file list is recorded for it" "$T/out" && pass "no file list: said so" || fail "no file list: not said"
expect_out "signed by another key: nothing verified to match" 1 "no signature verifies under a trusted key" \
	"$VERIFY" --key other.pub --artifact model/ run.jsonl

# --- a large output: the file list is written beside the bundle
mkdir -p ev big
i=0
while [ $i -lt 1001 ]; do echo "$i" >"big/f$i"; i=$((i + 1)); done
expect_err "1001-file output: manifest beside the bundle" 0 \
	"attest: 1001 files: manifest written to ev/big\.0\.[0-9a-f]{12}\.manifest\.json" \
	"$ATTEST" run --key trainer.key --output big/ --bundle ev/big.jsonl -- sh -c 'echo 0 >big/f0'
M=$(ls ev/*.manifest.json)
[ "$(jq -r .payload ev/big.jsonl | base64 -d | jq -r '.predicate.buildDefinition.internalParameters.outputFiles[0].manifestRef.digest.sha256')" = \
	"$(sha256sum "$M" | cut -c1-64)" ] && pass "manifestRef binds the file by digest" || fail "manifestRef digest"
expect "large tree matches" 0 V --artifact big/ ev/big.jsonl
echo changed >big/f7
expect_out "large tree: names the changed file" 1 "^NEAR  changed  f7$" V --artifact big/ ev/big.jsonl
cp "$M" "$M.orig"
jq -c '.files[0].size = 99' "$M.orig" >"$M"
expect_out "tampered manifest file: named, not trusted" 1 \
	"^NEAR  its file list cannot be read: .*manifest\.json: does not match the digest the attestation records$" \
	V --artifact big/ ev/big.jsonl
rm "$M"
expect_out "missing manifest file: named" 1 "^NEAR  its file list cannot be read: .*manifest\.json" \
	V --artifact big/ ev/big.jsonl
mv "$M.orig" "$M"

# --- verify policy answers the same question
jq -n '{policyVersion: 1, keys: {trainer: {publicKey: "trainer.pub"}}, training: {signers: ["trainer"]}}' >pol.json
expect "policy admits the attested tree" 0 "$VERIFY" policy --policy pol.json --bundle run.jsonl model/
echo w2 >model/w.bin
expect_out "policy deny names the nearest output and the changed file" 1 \
	"no training provenance for model/ signed by a training key; nearest: model/ in run.jsonl:1 has sha256:$ROOT dirHash:$DH; 1 changed: w.bin" \
	"$VERIFY" policy --policy pol.json --bundle run.jsonl model/
echo w1 >model/w.bin

# --- usage and undecided
expect_out "bad sha256:HEX is a usage error" 2 "expected sha256:<64 lowercase hex digits>" \
	V --artifact sha256:ABC run.jsonl
expect_out "missing artifact: could not decide" 3 "^FAIL  artifact nothere: No such file" V --artifact nothere run.jsonl

summary

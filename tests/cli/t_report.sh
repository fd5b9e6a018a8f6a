# verify report: every attestation with its signer, type, subjects and
# times, the lineage datasets -> run -> model -> evaluation, approval and
# base-model intake, in text, JSON and dot; forged, foreign and garbage
# lines exposed with keys (exit 1); without keys everything UNVERIFIED.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "missing dependency: $PY" >&2; exit 1; }

for who in steward trainer evaluator alice mallory; do
	"$ATTEST" key generate --out "$who" 2>/dev/null
done
cp -r "$SRC/demo/data" data
cp "$SRC/demo/train.py" "$SRC/demo/evaluate.py" .
printf '{"weights": [0, 0, 0]}\n' >base.json
B=ev.intoto.jsonl
"$ATTEST" dataset --key steward.key --name demo-train --version 1 --classification internal \
	--license CC-BY-4.0 --bundle $B data/train 2>/dev/null
"$ATTEST" dataset --key steward.key --name demo-test --version 1 --classification internal \
	--bundle $B data/test 2>/dev/null
"$ATTEST" intake --key steward.key --source https://example.com/base --sourcing open-weights \
	--risk-tier low --bundle $B base.json
"$ATTEST" run --key trainer.key --input data/train --dataset $B --base-model base.json \
	--param lr=3 --seed 7 --output model.json --bundle $B \
	-- "$PY" train.py data/train model.json --lr 3 >/dev/null
"$ATTEST" eval --key evaluator.key --model model.json --dataset data/test \
	--dataset-attestation $B --metrics metrics.json --threshold 'accuracy>=0.8' --bundle $B \
	-- "$PY" evaluate.py model.json data/test metrics.json >/dev/null
"$ATTEST" approve --key alice.key --stage production --expires 720h --bundle $B model.json
[ "$(wc -l <$B)" -eq 6 ] && pass "six attestations built" || fail "setup: $(wc -l <$B) lines"
KEYS="--key steward.pub --key trainer.pub --key evaluator.pub --key alice.pub"
MODEL=$(sha256sum model.json | cut -d' ' -f1)

# has PATTERN FILE: fixed string present.
has() { grep -qF -- "$1" "$2"; }
check() { # check NAME PATTERN [FILE]
	has "$2" "${3:-report.txt}" && pass "$1" || fail "$1: no '$2'"
}
# in_order FILE PATTERN...: the fixed strings occur in this order.
in_order() {
	local f=$1 at=0 n pat
	shift
	for pat; do
		n=$(tail -n +$((at + 1)) "$f" | grep -n -m1 -F -- "$pat" | cut -d: -f1)
		[ -n "$n" ] || { echo "     | missing in order: $pat"; return 1; }
		at=$((at + n))
	done
}

# --- text, with keys ---
expect "text report with keys" 0 "$VERIFY" report $KEYS --bundle $B
cp "$T/out" report.txt
cp "$T/err" report.err
signers=(steward steward steward trainer evaluator alice)
types=(dataset dataset intake provenance evaluation approval)
for i in 1 2 3 4 5 6; do
	check "line $i listed with its signer" "[$i] $B:$i  VERIFIED by ${signers[$((i - 1))]}.pub"
done
for t in dataset intake provenance evaluation approval; do
	check "type $t named" "type     $t (https://"
done
check "model subject, digest truncated" "subject  model.json sha256:${MODEL:0:16}..."
has "$MODEL" report.txt && fail "full digest in the text listing" || pass "digests truncated in text"
for t in attestedOn= startedOn= finishedOn= approvedOn= expiresOn= reviewedOn=; do
	check "time $t" "$t"
done
check "dataset claims" "name=demo-train version=1 classification=internal license=CC-BY-4.0"
in_order report.txt "LINEAGE" "training run [4] provenance" \
	"<- base-model base.json" "subject of [3] intake" \
	"<- dataset data/train/" "attested by [1] dataset name=demo-train" \
	"-> model model.json sha256:${MODEL:0:16}" \
	"subject of [5] evaluation result=PASSED metrics={accuracy=" \
	"on test data data/test/" "attested by [2] dataset name=demo-test" \
	"subject of [6] approval stage=production decision=approve" "SUMMARY 6 attestations: 6 verified" &&
	pass "lineage: datasets -> run -> model -> evaluation, approval; intake of base model" ||
	fail "lineage order"
has "UNVERIFIED" report.txt && fail "verified report says UNVERIFIED" || pass "no UNVERIFIED with keys"
check "stderr summary" "6 of 6 attestations verified" report.err
has "not linked" report.txt && fail "everything should be linked" || pass "every attestation in the lineage"

# --- tampered twins, with keys: exit 1 and the line named ---
cp $B tampered.jsonl
sed -n 2p $B | jq -c '.payload |= (@base64d | sub("demo-test"; "demo-best") | @base64)' >t2.line
sed -i "2{r t2.line
d}" tampered.jsonl
cmp -s $B tampered.jsonl && fail "tampering did not change the bundle" || pass "bundle tampered"
for f in text json dot; do
	expect_err "tampered line, $f: exit 1" 1 "REJECTED" "$VERIFY" report $KEYS --bundle tampered.jsonl --format $f
done
"$VERIFY" report $KEYS --bundle tampered.jsonl >tampered.txt 2>/dev/null
check "tampered line reported NOT VERIFIED" "[2] tampered.jsonl:2  NOT VERIFIED" tampered.txt
has "demo-best" tampered.txt && fail "forged payload was parsed" || pass "forged payload never parsed"
check "others still verified" "[5] tampered.jsonl:5  VERIFIED by evaluator.pub" tampered.txt
cp $B foreign.jsonl
"$ATTEST" approve --key mallory.key --stage production --bundle foreign.jsonl model.json
expect_err "line by an unknown key: exit 1" 1 "1 NOT verified" "$VERIFY" report $KEYS --bundle foreign.jsonl
cp $B garbage.jsonl
printf '{"payloadType": 1}\n' >>garbage.jsonl
expect_err "malformed line: exit 1" 1 "1 malformed" "$VERIFY" report $KEYS --bundle garbage.jsonl
grep -q "^\[7\] garbage.jsonl:7  MALFORMED" "$T/out" && pass "malformed line named" || fail "malformed line"
expect_err "missing a signer's key: exit 1" 1 "REJECTED" "$VERIFY" report --key trainer.pub --bundle $B
grep -q "^\[4\] $B:4  VERIFIED by trainer.pub" "$T/out" && grep -q "^\[1\] $B:1  NOT VERIFIED" "$T/out" &&
	pass "only the given key's lines verified" || fail "partial keys"

# --- json ---
expect "json report" 0 "$VERIFY" report $KEYS --bundle $B --format json
cp "$T/out" report.json
J() { jq -r "$1" report.json; }
chk() { [ "$(J "$2")" = "$3" ] && pass "json: $1" || fail "json: $1: got '$(J "$2")', wanted '$3'"; }
chk "parses, 6 attestations" '.attestations | length' 6
chk "counts" '.counts | "\(.attestations) \(.verified) \(.unverified) \(.notVerified) \(.malformed)"' "6 6 0 0 0"
chk "signatures checked" .signaturesChecked true
chk "exit code" .exitCode 0
chk "types" '[.attestations[].type] | join(",")' dataset,dataset,intake,provenance,evaluation,approval
chk "signer" '.attestations[3].signers | join(",")' trainer.pub
chk "sources" '.attestations[5].source' "$B:6"
chk "full subject digest" '.attestations[3].subjects[0].digest.sha256' "$MODEL"
chk "times" '.attestations[5].times | keys | join(",")' approvedOn,expiresOn
chk "metrics" '.attestations[4].claims.metrics.accuracy' "$(jq -r .accuracy metrics.json)"
chk "4 artifacts" '.artifacts | length' 4
chk "9 edges" '.edges | length' 9
art() { J ".artifacts[] | select(.name == \"$1\") | .id"; }
edge() { # edge FROM TO RELATION
	local n
	n=$(J "[.edges[] | select(.from == \"$1\" and .to == \"$2\" and .relation == \"$3\")] | length")
	[ "$n" = 1 ] && pass "edge $1 -$3-> $2" || fail "edge $1 -$3-> $2 missing"
}
edge att1 "$(art data/train/)" attests
edge "$(art data/train/)" att4 dataset
edge "$(art base.json)" att4 base-model
edge "$(art base.json)" att3 subject
edge att4 "$(art model.json)" produces
edge "$(art model.json)" att5 subject
edge "$(art data/test/)" att5 test
edge att2 "$(art data/test/)" attests
edge "$(art model.json)" att6 subject
"$VERIFY" report $KEYS --bundle $B --format json 2>/dev/null | cmp -s - report.json &&
	pass "json is stable" || fail "json differs between runs"
"$VERIFY" report $KEYS --bundle tampered.jsonl --format json >tj.json 2>/dev/null
[ "$(jq -r '"\(.counts.notVerified) \(.exitCode) \(.attestations[1].status)"' tj.json)" = "1 1 not-verified" ] &&
	pass "json: tampered line counted" || fail "json: tampered counts"
[ "$(jq -r '.attestations[1] | has("subjects")' tj.json)" = false ] &&
	pass "json: nothing from the forged payload" || fail "json: forged payload shown"

# --- dot ---
expect "dot report" 0 "$VERIFY" report $KEYS --bundle $B --format dot
cp "$T/out" report.dot
[ "$(head -1 report.dot)" = "digraph mlattest_report {" ] && [ "$(tail -1 report.dot)" = "}" ] &&
	pass "dot: one digraph" || fail "dot: header/footer"
[ "$(grep -cE '^  att[0-9]+ \[shape=box, label="' report.dot)" -eq 6 ] && pass "dot: 6 attestation nodes" || fail "dot: attestation nodes"
[ "$(grep -cE '^  art[0-9]+ \[shape=ellipse, label="' report.dot)" -eq 4 ] && pass "dot: 4 artifact nodes" || fail "dot: artifact nodes"
[ "$(grep -cE '^  (att|art)[0-9]+ -> (att|art)[0-9]+ \[label="[^"\\]*"\];$' report.dot)" -eq 9 ] &&
	pass "dot: 9 labelled edges" || fail "dot: edges"
bad=$(sed -n '2,$p' report.dot | sed '$d' | grep -vcE '^  ((graph|node) \[.*\]|[a-z]+[0-9]+( -> [a-z]+[0-9]+)? \[[^"]*label="([^"\\]|\\.)*"\]);$')
[ "$bad" -eq 0 ] && pass "dot: every line a well-formed statement" || fail "dot: $bad malformed lines"
command -v dot >/dev/null || { echo "missing dependency: dot (graphviz)" >&2; exit 1; }
expect "dot -Tsvg accepts it" 0 dot -Tsvg -o report.svg report.dot
# Hostile names: escaped for the terminal and for dot.
"$ATTEST" dataset --key steward.key --name $'ev"il\e[31m\\x\n"]; a -> b; #' \
	--bundle evil.jsonl data/test 2>/dev/null
expect "hostile name reported" 0 "$VERIFY" report --key steward.pub --bundle evil.jsonl
grep -qF 'name=ev"il\x1b[31m\x5cx\x0a"]; a -> b; #' "$T/out" && pass "text: control bytes escaped" || fail "text escaping"
LC_ALL=C grep -q $'\e' "$T/out" && fail "raw escape byte printed" || pass "no raw escape byte"
"$VERIFY" report --key steward.pub --bundle evil.jsonl --format dot >evil.dot 2>/dev/null
grep -qF 'name=ev\"il\\x1b[31m\\x5cx\\x0a\"]; a -> b; #"];' evil.dot && pass "dot: quotes and backslashes escaped" || fail "dot escaping"
[ "$(grep -cE '^  [a-z]+[0-9]+ -> ' evil.dot)" -eq 1 ] && [ "$(wc -l <evil.dot)" -eq 7 ] && pass "dot: no injected edge" || fail "dot: injected edge"

# --- without keys: everything UNVERIFIED, exit 0, impossible to miss ---
expect_err "no keys: report produced, exit 0" 0 "WARNING: no --key given" "$VERIFY" report --bundle $B
cp "$T/out" nokey.txt
[ "$(grep -c '^\[[0-9]*\] .*  UNVERIFIED (signature not checked)$' nokey.txt)" -eq 6 ] &&
	pass "no keys: every line UNVERIFIED" || fail "no keys: unmarked lines"
grep -q '  VERIFIED' nokey.txt && fail "no keys: a line says VERIFIED" || pass "no keys: nothing VERIFIED"
[ "$(grep -c '^# UNVERIFIED: no --key given' nokey.txt)" -eq 2 ] && pass "no keys: banner top and bottom" || fail "no keys: banner"
[ "$(head -2 nokey.txt | tail -1 | cut -c1-12)" = "# UNVERIFIED" ] && pass "no keys: banner first" || fail "no keys: banner not first"
check "no keys: lineage refs marked" "training run [4 UNVERIFIED] provenance" nokey.txt
check "no keys: evaluation marked" "subject of [5 UNVERIFIED] evaluation" nokey.txt
expect "no keys: tampered bundle listed, exit 0" 0 "$VERIFY" report --bundle tampered.jsonl
[ "$(grep -c 'UNVERIFIED (signature not checked)$' "$T/out")" -eq 6 ] && pass "no keys: forged line marked unverified too" ||
	fail "no keys: forged line"
expect "no keys: json" 0 "$VERIFY" report --bundle $B --format json
[ "$(jq -r '"\(.signaturesChecked) \(.counts.unverified) \(.counts.verified) \([.attestations[].status] | unique | join(","))"' "$T/out")" = \
	"false 6 0 unverified" ] && pass "no keys: json all unverified" || fail "no keys: json statuses"
jq -e '.warning | test("UNVERIFIED")' "$T/out" >/dev/null && pass "no keys: json warning" || fail "no keys: json warning"
expect "no keys: dot" 0 "$VERIFY" report --bundle $B --format dot
grep -q '^  graph \[.*label="UNVERIFIED: no --key given' "$T/out" && pass "no keys: dot graph label" || fail "no keys: dot label"
[ "$(grep -cE '^  att[0-9]+ \[shape=box, style=dashed, color=red, label="[^"]*UNVERIFIED' "$T/out")" -eq 6 ] &&
	pass "no keys: dot nodes dashed and marked" || fail "no keys: dot nodes"

# --- usage and I/O ---
expect "help" 0 "$VERIFY" report --help
expect_err "no bundle" 2 'usage: verify report \[--key PUB\]\.\.\. --bu' "$VERIFY" report $KEYS
expect_err "bad format" 2 '--format: expected text, json or dot, got "xml"' "$VERIFY" report --bundle $B --format xml
expect_err "operand instead of --bundle" 2 'unexpected "ev\.intoto\.jsonl": bundles go after --bundle' "$VERIFY" report $B
expect_err "missing bundle" 3 'nosuch\.jsonl: No such file or directory' "$VERIFY" report $KEYS --bundle nosuch.jsonl
expect_err "missing key file" 3 'nosuch\.pub: No such file or directory' "$VERIFY" report --key nosuch.pub --bundle $B

summary

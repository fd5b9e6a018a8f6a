# The JSON reports of verify (SPEC-OUT-2) against spec/schemas/
# verify-output.schema.json, one $defs entry per command, each with a
# tampered twin the schema refuses; --json - and --json /dev/stdout put
# only JSON on stdout and the text on stderr.
# Validator: Debian's python3-jsonschema under /usr/bin/python3.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
PY=/usr/bin/python3
SCHEMA="$SRC/spec/schemas/verify-output.schema.json"
cp "$SRC/tests/cli/validate_schema.py" validate.py

# valid NAME DEF FILE / invalid NAME DEF FILE JQ-EDIT
valid() {
	"$PY" validate.py "$SCHEMA" "$3" "$2" 2>"$T/verr" && pass "$1" ||
		{ fail "$1 (validator exit $?)"; sed 's/^/     | /' "$T/verr" | head -5; }
}
invalid() {
	local rc
	jq "$4" "$3" >twin.json 2>"$T/verr" && ! cmp -s twin.json <(jq . "$3") ||
		{ fail "$1 (tamper did not apply)"; return; }
	"$PY" validate.py "$SCHEMA" twin.json "$2" 2>"$T/verr"
	rc=$?
	[ "$rc" -eq 1 ] && pass "$1" || fail "$1 (validator exit $rc, wanted 1)"
}
# json_only NAME RC CMD...: stdout is one JSON document, stderr has text.
json_only() {
	local name=$1 want=$2 got
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$name (exit $got, wanted $want)"
		sed 's/^/     | /' "$T/err" | head -5
	elif ! jq -e 'type == "object"' "$T/out" >/dev/null 2>&1 ||
		[ "$(jq -s length "$T/out")" != 1 ]; then
		fail "$name (stdout is not one JSON object)"
		sed 's/^/     | /' "$T/out" | head -5
	elif ! grep -Eq '^(PASS|FAIL|verify:|BUNDLE|ATTESTATIONS)' "$T/err"; then
		fail "$name (no text on stderr)"
	else
		pass "$name"
	fi
}

for who in steward trainer evaluator alice; do
	"$ATTEST" key generate --out "$who" 2>/dev/null
done
cp -r "$SRC/demo/data" data
cp "$SRC/demo/train.py" "$SRC/demo/evaluate.py" .
q() { "$@" >/dev/null 2>&1 || { echo "setup failed: $*" >&2; exit 1; }; }
q "$ATTEST" dataset --key steward.key --name train --license CC-BY-4.0 \
	--classification internal --bundle ds.jsonl data/train
q "$ATTEST" run --key trainer.key --input data/train --dataset ds.jsonl \
	--output model.json --bundle run.jsonl -- "$PY" train.py data/train model.json --lr 3
q "$ATTEST" eval --key evaluator.key --model model.json --dataset data/test \
	--metrics m.json --bundle eval.jsonl -- "$PY" evaluate.py model.json data/test m.json
q "$ATTEST" approve --key alice.key --stage production --bundle appr.jsonl model.json
q "$ATTEST" approve --key evaluator.key --stage production --bundle appr-ev.jsonl model.json
cat ds.jsonl run.jsonl eval.jsonl appr.jsonl appr-ev.jsonl >all.jsonl
cat run.jsonl eval.jsonl >re.jsonl
jq -n '{policyVersion: 1,
  keys: {steward: {publicKey: "steward.pub"}, trainer: {publicKey: "trainer.pub"},
         evaluator: {publicKey: "evaluator.pub"}, alice: {publicKey: "alice.pub"}},
  dataset: {signers: ["steward"]}, training: {signers: ["trainer"]},
  evaluation: {signers: ["evaluator"], metrics: [{name: "accuracy", op: ">=", value: 0.5}]},
  approval: {stage: "production", signers: ["alice"], threshold: 1}}' >pol.json
mkdir m && printf 'w\n' >m/w.bin && q "$ATTEST" model --key trainer.key m

# Each command: --json - puts the report alone on stdout.
json_only "verify --json -" 0 "$VERIFY" --key trainer.pub --artifact model.json --json - run.jsonl
cp "$T/out" verify.json
json_only "verify --json /dev/stdout" 1 "$VERIFY" --key trainer.pub --json /dev/stdout all.jsonl
cp "$T/out" verify-bad.json
json_only "verify policy --json -" 0 "$VERIFY" policy --policy pol.json --bundle all.jsonl --json - model.json
cp "$T/out" policy.json
json_only "verify policy --json /dev/stdout" 0 "$VERIFY" policy --policy pol.json --bundle all.jsonl --json /dev/stdout model.json
json_only "verify report --json -" 0 "$VERIFY" report --key trainer.pub --key steward.pub --key evaluator.pub --key alice.pub --bundle all.jsonl --json -
cp "$T/out" report.json
json_only "verify report --json - (no keys)" 0 "$VERIFY" report --bundle all.jsonl --json -
cp "$T/out" report-nokey.json
json_only "verify compare --json -" 0 "$VERIFY" compare --key trainer.pub --key evaluator.pub --bundle re.jsonl --bundle re.jsonl --json -
cp "$T/out" compare.json
json_only "verify dataset --json -" 0 "$VERIFY" dataset --key steward.pub --bundle ds.jsonl --json - data/train
cp "$T/out" dataset.json
json_only "verify dataset --json - (rejected)" 1 "$VERIFY" dataset --key steward.pub --bundle ds.jsonl --json - data/test
cp "$T/out" dataset-bad.json
json_only "verify model --json -" 0 "$VERIFY" model --key trainer.pub --json - m
cp "$T/out" model.json.out
printf 'x\n' >m/w.bin
json_only "verify model --json - (rejected)" 1 "$VERIFY" model --key trainer.pub --json - m
cp "$T/out" model-bad.json
expect "verify policy --json FILE" 0 "$VERIFY" policy --policy pol.json --bundle all.jsonl --json file.json model.json
jq -e .result file.json >/dev/null && [ ! -s "$T/out" ] || [ "$(head -c1 "$T/out")" != "{" ] &&
	pass "--json FILE leaves stdout to the text" || fail "--json FILE wrote JSON on stdout"
expect_err "--json into a missing directory" 2 "^verify: --json nodir/r.json: no such directory nodir; create it first, or use --json - for standard output$" \
	"$VERIFY" policy --policy pol.json --bundle all.jsonl --json nodir/r.json model.json
ln -s file.json link.json
expect_err "--json through a symlink refused before the checks" 3 '^verify: --json link\.json: refusing to write through a symlink; --json - writes to standard output$' \
	"$VERIFY" policy --policy pol.json --bundle all.jsonl --json link.json model.json
[ ! -s "$T/out" ] && pass "no verdict printed before the refusal" || fail "the verdict came before the refusal"

# Every report validates against its $defs entry; each twin does not.
valid "schema: verify (pass)" verify verify.json
valid "schema: verify (rejected)" verify verify-bad.json
invalid "schema: verify, verified row without keyid" verify verify.json 'del(.attestations[0].keyid)'
invalid "schema: verify, unknown result" verify verify.json '.result = "ok"'
valid "schema: policy" policy policy.json
[ "$(jq '.uncounted | length' policy.json)" -ge 1 ] && pass "policy report lists uncounted entries" || fail "policy uncounted empty"
invalid "schema: policy, uncounted without reason" policy policy.json 'del(.uncounted[0].reason)'
invalid "schema: policy, failed rule without reason" policy policy.json '.rules[0].outcome = "FAIL"'
valid "schema: report" report report.json
valid "schema: report without keys" report report-nokey.json
invalid "schema: report, unverified without warning" report report-nokey.json 'del(.warning)'
invalid "schema: report, bad status" report report.json '.attestations[0].status = "ok"'
valid "schema: compare" compare compare.json
invalid "schema: compare, unknown line kind" compare compare.json '.lines[0].kind = "MAYBE"'
valid "schema: verdict (dataset pass)" verdict dataset.json
valid "schema: verdict (dataset rejected)" verdict dataset-bad.json
invalid "schema: verdict, rejected without error" verdict dataset-bad.json 'del(.error)'
[ "$(jq -c '[.findings[] | .change + " " + .path]' dataset-bad.json)" = '["changed part-0.csv","removed part-1.csv","removed part-2.csv"]' ] &&
	pass "verify dataset --json: findings list every differing file" ||
	fail "verify dataset --json: findings $(jq -c .findings dataset-bad.json)"
invalid "schema: verdict, a finding of an unknown change" verdict dataset-bad.json '.findings[0].change = "moved"'
invalid "schema: verdict, a finding without a path" verdict dataset-bad.json 'del(.findings[0].path)'
valid "schema: verdict (model pass)" verdict model.json.out
valid "schema: verdict (model rejected)" verdict model-bad.json
[ "$(jq -r '.findings[0].change + " " + .findings[0].path' model-bad.json)" = "changed w.bin" ] &&
	pass "model findings name the changed file" || fail "model findings"
invalid "schema: verdict, pass with findings" verdict model.json.out '.findings = [{change: "added", path: "x"}]'
for f in verify.json policy.json report.json compare.json dataset.json model-bad.json; do
	"$PY" validate.py "$SCHEMA" "$f" 2>/dev/null && pass "schema (any command): $f" || fail "schema (any command): $f"
done

summary

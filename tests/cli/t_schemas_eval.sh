# The JSON Schemas of evaluation/v1, approval/v1 and intake/v1
# (spec/schemas/) against what attest eval, approve and intake really write,
# tampered twins that must be refused, and the metrics rule (SPEC-EVAL-1)
# checked against both the schema and attest eval.
# Validator: Debian's python3-jsonschema under /usr/bin/python3 (a missing
# validator fails every check; nothing is skipped).
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
PY=/usr/bin/python3
SCHEMAS="$SRC/spec/schemas"

cp "$SRC/tests/cli/validate_schema.py" validate.py

if "$PY" -c 'import jsonschema.validators as v; v.Draft202012Validator.FORMAT_CHECKER' 2>/dev/null; then
	pass "validator: /usr/bin/python3 with jsonschema (draft 2020-12)"
else
	fail "missing dependency: $PY with jsonschema (Debian package python3-jsonschema)"
fi
command -v git >/dev/null && pass "git present (git harness)" ||
	fail "missing dependency: git (for the git-harness case)"

# valid NAME SCHEMA FILE [DEF]: FILE must validate.
valid() {
	local rc
	"$PY" validate.py "$SCHEMAS/$2" "$3" ${4:+"$4"} 2>"$T/verr"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$1"
	else
		fail "$1 (validator exit $rc)"
		sed 's/^/     | /' "$T/verr" | head -5
	fi
}

# refused NAME SCHEMA FILE [DEF]: FILE must be refused (exit 1 exactly).
refused() {
	local rc
	"$PY" validate.py "$SCHEMAS/$2" "$3" ${4:+"$4"} 2>"$T/verr"
	rc=$?
	if [ "$rc" -eq 1 ]; then
		pass "$1"
	else
		fail "$1 (validator exit $rc, wanted 1)"
		sed 's/^/     | /' "$T/verr" | head -5
	fi
}

# invalid NAME SCHEMA FILE JQ-EDIT: FILE edited by JQ-EDIT must be refused.
invalid() {
	if ! jq "$4" "$3" >twin.json 2>"$T/verr" || cmp -s twin.json <(jq . "$3"); then
		fail "$1 (tamper did not apply)"
		return
	fi
	refused "$1" "$2" twin.json
}

# pred BUNDLE LINE OUT: the predicate of line LINE of BUNDLE, into OUT.
pred() {
	sed -n "${2}p" "$1" | jq -r .payload | base64 -d | jq .predicate >"$3" 2>/dev/null
	[ -s "$3" ] || echo null >"$3"
}
# stmt BUNDLE LINE: the whole statement of line LINE.
stmt() { sed -n "${2}p" "$1" | jq -r .payload | base64 -d; }

# check NAME GOT WANT
check() { [ "$2" = "$3" ] && pass "$1" || fail "$1: got '$2', wanted '$3'"; }

for s in evaluation.schema.json approval.schema.json intake.schema.json; do
	jq -e '."$schema" == "https://json-schema.org/draft/2020-12/schema"' \
		"$SCHEMAS/$s" >/dev/null 2>&1 && pass "$s is a draft 2020-12 schema" ||
		fail "$s missing or not draft 2020-12"
done

# --- inputs -------------------------------------------------------------------
for who in steward evaluator alice bob reviewer; do
	"$ATTEST" key generate --out "$who" 2>/dev/null
done
cp -r "$SRC/demo/data" data
cp "$SRC/demo/train.py" "$SRC/demo/evaluate.py" .
"$PY" train.py data/train model.json --lr 3 >/dev/null 2>&1
[ -s model.json ] && pass "demo model trained" || fail "demo model trained"
H=$(sha256sum model.json | cut -d' ' -f1)
"$ATTEST" dataset --key steward.key --name demo-test --bundle ds.intoto.jsonl data/test 2>/dev/null

# --- evaluation/v1 ------------------------------------------------------------
expect "eval: wrapped command, dataset attestation, --also-test-result" 0 \
	"$ATTEST" eval --key evaluator.key --model model.json \
	--dataset data/test --dataset-attestation ds.intoto.jsonl \
	--dataset-role validation --dataset data/train/part-0.csv \
	--harness evaluate.py --metrics metrics.json \
	--threshold 'accuracy>=0.85' --threshold 'precision>=0.8' \
	--also-test-result --bundle eval.intoto.jsonl \
	-- "$PY" evaluate.py model.json data/test metrics.json
check "eval bundle has two lines" "$(grep -c . eval.intoto.jsonl 2>/dev/null)" 2
expect "eval bundle verifies" 0 "$VERIFY" --key evaluator.pub --artifact model.json eval.intoto.jsonl

expect_err "eval: failing thresholds still attested (exit 1)" 1 'threshold recall>0\.99 FAILED \(observed 0\.8985507246376[0-9]*\)' \
	"$ATTEST" eval --key evaluator.key --model model.json --dataset data/test \
	--metrics metrics.json --threshold 'recall>0.99' --threshold 'missing>=0' \
	--threshold 'accuracy>=0.5' --harness https://example.com/evals.git \
	--also-test-result --bundle failed.intoto.jsonl
mkdir h && cp evaluate.py h/ && (cd h && git init -q && git add . &&
	git -c user.email=t@example.com -c user.name=t commit -qm h) >/dev/null 2>&1
expect "eval: git harness, no command" 0 "$ATTEST" eval --key evaluator.key \
	--model model.json --dataset data/test --metrics metrics.json --harness h \
	--bundle git.intoto.jsonl

pred eval.intoto.jsonl 1 ev.json
pred failed.intoto.jsonl 1 evf.json
pred git.intoto.jsonl 1 evg.json
valid "evaluation schema accepts a passed evaluation" evaluation.schema.json ev.json
valid "evaluation schema accepts a failed evaluation" evaluation.schema.json evf.json
valid "evaluation schema accepts a git harness" evaluation.schema.json evg.json
check "predicateType" "$(stmt eval.intoto.jsonl 1 | jq -r .predicateType)" \
	https://mlattest.dev/attestation/evaluation/v1
check "subject is the model" "$(stmt eval.intoto.jsonl 1 | jq -r '.subject[0].digest.sha256')" "$H"
check "roles follow --dataset-role" "$(jq -c '[.datasets[].annotations.role]' ev.json)" '["test","validation"]'
check "dataset linked to its attestation" \
	"$(jq -r '.datasets[0].annotations.attestation.sha256' ev.json)" \
	"$(head -n 1 ds.intoto.jsonl | tr -d '\n' | sha256sum | cut -d' ' -f1)"
check "harness file digest" "$(jq -r .harness.digest.sha256 ev.json)" \
	"$(sha256sum evaluate.py | cut -d' ' -f1)"
check "harness URI" "$(jq -c .harness evf.json)" '{"uri":"https://example.com/evals.git"}'
check "harness gitCommit" "$(jq -r .harness.digest.gitCommit evg.json)" \
	"$(git -C h rev-parse HEAD 2>/dev/null)"
check "command and exitStatus" "$(jq -c '[.command[1], .exitStatus]' ev.json)" '["evaluate.py",0]'
check "no command, no exitStatus" "$(jq -c '[has("command"), has("exitStatus")]' evg.json)" '[false,false]'
check "missing metric: no observed, not passed" \
	"$(jq -c '.thresholds[1] | [has("observed"), .passed]' evf.json)" '[false,false]'
check "failed result" "$(jq -r .result evf.json)" FAILED

# The test-result v0.1 statement, against the in-toto predicate's shape.
cat >tr.schema.json <<'EOF'
{"$schema": "https://json-schema.org/draft/2020-12/schema",
 "type": "object", "required": ["result", "configuration"],
 "properties": {
   "result": {"enum": ["PASSED", "WARNED", "FAILED"]},
   "configuration": {"type": "array", "items": {"type": "object",
     "anyOf": [{"required": ["uri"]}, {"required": ["digest"]}, {"required": ["content"]}]}},
   "url": {"type": "string"},
   "passedTests": {"type": "array", "items": {"type": "string"}},
   "warnedTests": {"type": "array", "items": {"type": "string"}},
   "failedTests": {"type": "array", "items": {"type": "string"}}}}
EOF
for b in eval failed; do
	stmt $b.intoto.jsonl 2 >tr-$b.json 2>/dev/null
	check "test-result type ($b)" "$(jq -r .predicateType tr-$b.json 2>/dev/null)" \
		https://in-toto.io/attestation/test-result/v0.1
	check "test-result subject is the model ($b)" \
		"$(jq -r '.subject[0].digest.sha256' tr-$b.json 2>/dev/null)" "$H"
	jq .predicate tr-$b.json >trp-$b.json 2>/dev/null
	if "$PY" validate.py tr.schema.json trp-$b.json 2>"$T/verr"; then
		pass "test-result v0.1 predicate shape ($b)"
	else
		fail "test-result v0.1 predicate shape ($b)"
	fi
done
check "test-result passedTests" "$(jq -c .predicate.passedTests tr-eval.json)" '["accuracy>=0.85","precision>=0.8"]'
check "test-result failedTests" "$(jq -c '.predicate | [.result, .failedTests, .passedTests]' tr-failed.json)" \
	'["FAILED",["recall>0.99","missing>=0"],["accuracy>=0.5"]]'
check "test-result configuration = datasets + harness" \
	"$(jq -c '[.predicate.configuration[].name]' tr-eval.json)" '["data/test/","data/train/part-0.csv","evaluate.py"]'
expect_err "--also-test-result needs a .jsonl bundle" 2 "jsonl" "$ATTEST" eval \
	--key evaluator.key --model model.json --dataset data/test --metrics metrics.json \
	--also-test-result --bundle one.json

E=evaluation.schema.json
invalid "eval: unknown field refused" $E ev.json '.extra = 1'
invalid "eval: result \"OK\" refused" $E ev.json '.result = "OK"'
invalid "eval: a metric as a string refused" $E ev.json '.metrics.accuracy = "0.9"'
invalid "eval: nested metric refused" $E ev.json '.metrics.accuracy = {"v": 0.9}'
invalid "eval: boolean metric refused" $E ev.json '.metrics.accuracy = true'
invalid "eval: null metric refused" $E ev.json '.metrics.accuracy = null'
invalid "eval: metric name with a space refused" $E ev.json '.metrics["top 5"] = 1'
invalid "eval: empty metrics refused" $E ev.json '.metrics = {}'
invalid "eval: PASSED with a failed threshold refused" $E evf.json '.result = "PASSED"'
invalid "eval: FAILED with all thresholds passed refused" $E ev.json '.result = "FAILED"'
invalid "eval: passed without observed refused" $E evf.json '.thresholds[1].passed = true | .result = "FAILED"'
invalid "eval: op \"=>\" refused" $E ev.json '.thresholds[0].op = "=>"'
invalid "eval: role \"train\" refused" $E ev.json '.datasets[0].annotations.role = "train"'
invalid "eval: dataset without role refused" $E ev.json 'del(.datasets[1].annotations)'
invalid "eval: no datasets refused" $E ev.json '.datasets = []'
invalid "eval: non-hex model digest refused" $E ev.json '.model.digest.sha256 = ("z" * 64)'
invalid "eval: uppercase dataset attestation digest refused" $E ev.json '.datasets[0].annotations.attestation.sha256 |= ascii_upcase'
invalid "eval: startedOn not RFC 3339 refused" $E ev.json '.startedOn = "2026-11-26 09:53:38"'
invalid "eval: exitStatus 1 refused" $E ev.json '.exitStatus = 1'
invalid "eval: command without exitStatus refused" $E ev.json 'del(.exitStatus)'
invalid "eval: missing model refused" $E ev.json 'del(.model)'
invalid "eval: short gitCommit refused" $E evg.json '.harness.digest.gitCommit = "abc"'

# SPEC-EVAL-1: attest eval and the schema's metrics agree, file by file.
"$PY" -c 'import json; json.dump({"m%d" % i: i for i in range(1000)}, open("m1000.json", "w"))'
"$PY" -c 'import json; json.dump({"m%d" % i: i for i in range(1001)}, open("m1001.json", "w"))'
"$PY" -c 'import json; json.dump({"a" * 128: 1}, open("n128.json", "w"))'
"$PY" -c 'import json; json.dump({"a" * 129: 1}, open("n129.json", "w"))'
i=0
while IFS='|' read -r want content; do
	i=$((i + 1))
	f="mx$i.json"
	case $content in @*) cp "${content#@}" "$f" ;; *) printf '%s\n' "$content" >"$f" ;; esac
	"$ATTEST" eval --key evaluator.key --model model.json --dataset data/test \
		--metrics "$f" --bundle mx.intoto.jsonl >/dev/null 2>&1
	code=$?
	"$PY" validate.py "$SCHEMAS/$E" "$f" metrics 2>/dev/null
	sch=$?
	if [ "$want" = ok ] && [ "$code" -eq 0 ] && [ "$sch" -eq 0 ]; then
		pass "metrics accepted by attest and schema: $(head -c 40 "$f")"
	elif [ "$want" = bad ] && [ "$code" -eq 1 ] && [ "$sch" -eq 1 ]; then
		pass "metrics refused by attest and schema: $(head -c 40 "$f")"
	else
		fail "metrics $(head -c 40 "$f"): attest exit $code, schema exit $sch, wanted $want"
	fi
done <<'ROWS'
ok|{"accuracy": 0.9, "f1:macro": 0.8, "eval/top-5.acc": 1, "n": 600}
ok|{"loss": -0.25, "tiny": 1e-300, "big": 1e300}
ok|@m1000.json
ok|@n128.json
bad|@m1001.json
bad|@n129.json
bad|{}
bad|[1, 2]
bad|{"acc": "0.9"}
bad|{"acc": {"v": 1}}
bad|{"acc": [1]}
bad|{"acc": true}
bad|{"acc": null}
bad|{"acc": 1, "acc": 2}
bad|{"acc": NaN}
bad|{"acc": Infinity}
bad|{"acc": 1e999}
bad|{"a b": 1}
bad|{"": 1}
bad|{"précision": 1}
ROWS

# --- approval/v1 --------------------------------------------------------------
expect "approve with --expires and --reason" 0 "$ATTEST" approve --key alice.key \
	--stage production --reason "eval passed" --expires 720h \
	--bundle approvals.intoto.jsonl model.json
expect "approve by digest, no --expires" 0 "$ATTEST" approve --key bob.key \
	--stage production --bundle approvals.intoto.jsonl "sha256:$H"
expect "reject by digest, --expires 1h30m" 0 "$ATTEST" approve --key bob.key \
	--stage staging --decision reject --expires 1h30m \
	--bundle approvals.intoto.jsonl "sha256:$H"
expect "approvals verify side by side" 0 "$VERIFY" --key alice.pub --key bob.pub \
	--artifact model.json approvals.intoto.jsonl
for n in 1 2 3; do pred approvals.intoto.jsonl $n ap$n.json; done
valid "approval schema accepts approve with expiry" approval.schema.json ap1.json
valid "approval schema accepts approve by digest" approval.schema.json ap2.json
valid "approval schema accepts reject" approval.schema.json ap3.json
check "by-digest subject" "$(stmt approvals.intoto.jsonl 2 | jq -c '.subject')" \
	"[{\"digest\":{\"sha256\":\"$H\"},\"name\":\"_\"}]"
check "no --expires, no expiresOn" "$(jq -r 'has("expiresOn")' ap2.json)" false
secs() { "$PY" -c 'import sys, datetime as d
f = lambda s: d.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
print(int((f(sys.argv[2]) - f(sys.argv[1])).total_seconds()))' "$@" 2>/dev/null; }
check "expiresOn = approvedOn + 720h" "$(secs "$(jq -r .approvedOn ap1.json)" "$(jq -r .expiresOn ap1.json)")" 2592000
check "expiresOn = approvedOn + 1h30m" "$(secs "$(jq -r .approvedOn ap3.json)" "$(jq -r .expiresOn ap3.json)")" 5400
check "approver.keyid is the signer's keyid" "$(jq -r .approver.keyid ap1.json)" \
	"$(head -n 1 approvals.intoto.jsonl | jq -r '.signatures[0].keyid')"
expect_err "--stage prod refused" 2 "stage" "$ATTEST" approve --key bob.key --stage prod "sha256:$H"
expect_err "--expires 30 refused" 2 "expires" "$ATTEST" approve --key bob.key --stage staging --expires 30 "sha256:$H"

A=approval.schema.json
invalid "approval: stage \"prod\" refused" $A ap1.json '.stage = "prod"'
invalid "approval: decision \"maybe\" refused" $A ap1.json '.decision = "maybe"'
invalid "approval: unknown field refused" $A ap1.json '.ticket = "CHG-1"'
invalid "approval: expiresOn not RFC 3339 refused" $A ap1.json '.expiresOn = "2026-12-26 09:53:42"'
invalid "approval: expiresOn as a duration refused" $A ap1.json '.expiresOn = "720h"'
invalid "approval: expiresOn month 13 refused" $A ap1.json '.expiresOn = "2026-13-26T09:53:42Z"'
invalid "approval: missing approvedOn refused" $A ap1.json 'del(.approvedOn)'
invalid "approval: uppercase approver keyid refused" $A ap1.json '.approver.keyid |= ascii_upcase'
invalid "approval: reason as a number refused" $A ap1.json '.reason = 1'
jq '.expiresOn = "2026-12-26T10:53:42.5+01:00"' ap1.json >ap-offset.json
valid "approval: offset and fraction accepted (as ids_parse_rfc3339)" $A ap-offset.json

# --- intake/v1 ----------------------------------------------------------------
expect "intake with --eval and --license" 0 "$ATTEST" intake --key reviewer.key \
	--source https://huggingface.co/example-org/demo-base --sourcing open-weights \
	--risk-tier medium --license Apache-2.0 --eval eval.intoto.jsonl \
	--eval failed.intoto.jsonl --bundle intake.intoto.jsonl model.json
expect "intake by digest, no --eval" 0 "$ATTEST" intake --key reviewer.key \
	--source https://api.example.com/v1/models/x --sourcing api --risk-tier critical \
	--bundle intake.intoto.jsonl "sha256:$H"
pred intake.intoto.jsonl 1 in1.json
pred intake.intoto.jsonl 2 in2.json
valid "intake schema accepts intake with evaluations" intake.schema.json in1.json
valid "intake schema accepts intake by digest" intake.schema.json in2.json
check "only evaluation/v1 lines of this model are listed" \
	"$(jq -c '[.evaluations[] | [.digest.sha256, .result]]' in1.json)" \
	"[[\"$(head -n 1 eval.intoto.jsonl | tr -d '\n' | sha256sum | cut -d' ' -f1)\",\"PASSED\"],[\"$(head -n 1 failed.intoto.jsonl | tr -d '\n' | sha256sum | cut -d' ' -f1)\",\"FAILED\"]]"
check "no --eval: evaluations []" "$(jq -c .evaluations in2.json)" '[]'
echo other >other.bin
"$ATTEST" eval --key evaluator.key --model other.bin --dataset data/test \
	--metrics metrics.json --bundle other.intoto.jsonl >/dev/null 2>&1
expect_err "--eval without this model refused" 1 "no evaluation of this model" \
	"$ATTEST" intake --key reviewer.key --source x --sourcing api --risk-tier low \
	--eval other.intoto.jsonl model.json
expect_err "--risk-tier extreme refused" 2 "risk-tier" "$ATTEST" intake --key reviewer.key \
	--source x --sourcing api --risk-tier extreme model.json

I=intake.schema.json
invalid "intake: riskTier \"extreme\" refused" $I in1.json '.riskTier = "extreme"'
invalid "intake: sourcing \"cloud\" refused" $I in1.json '.sourcing = "cloud"'
invalid "intake: unknown field refused" $I in1.json '.notes = "ok"'
invalid "intake: evaluation result \"OK\" refused" $I in1.json '.evaluations[0].result = "OK"'
invalid "intake: short evaluation digest refused" $I in1.json '.evaluations[0].digest.sha256 |= .[1:]'
invalid "intake: reviewedOn not RFC 3339 refused" $I in1.json '.reviewedOn = "yesterday"'
invalid "intake: missing source refused" $I in1.json 'del(.source)'
invalid "intake: missing reviewer refused" $I in1.json 'del(.reviewer)'
invalid "intake: license as an object refused" $I in1.json '.license = {"id": "MIT"}'

# --- revocation/v1 ------------------------------------------------------------
R=revocation.schema.json
jq -e '."$schema" == "https://json-schema.org/draft/2020-12/schema"' \
	"$SCHEMAS/$R" >/dev/null 2>&1 && pass "$R is a draft 2020-12 schema" ||
	fail "$R missing or not draft 2020-12"
expect "attest revoke (empty list)" 0 "$ATTEST" revoke --key steward.key --list rev0.json
pred rev0.json 1 rv0.json
valid "revocation schema accepts an empty list" $R rv0.json
cp rev0.json rev.json
expect "attest revoke (every option)" 0 "$ATTEST" revoke --key steward.key --list rev.json \
	--add data/train --reason "poisoned rows" --add data/test/part-0.csv --reason "one bad file" \
	--add "gitCommit:$(printf '1%.0s' $(seq 40))" --reason "backdoored commit" \
	--add-key alice.pub --since 2026-12-01T00:00:00Z --reason "laptop stolen" --next-update 7d
pred rev.json 1 rv1.json
valid "revocation schema accepts a list with entries and keys" $R rv1.json
check "serial one higher than the list replaced" "$(jq .serial rv1.json)" 2
invalid "revocation: unknown top-level field refused" $R rv1.json '.extra = 1'
invalid "revocation: unknown entry field refused" $R rv1.json '.entries[0].note = "x"'
invalid "revocation: unknown key field refused" $R rv1.json '.keys[0].publicKey = "x"'
invalid "revocation: serial 0 refused" $R rv1.json '.serial = 0'
invalid "revocation: serial as a string refused" $R rv1.json '.serial = "2"'
invalid "revocation: non-hex digest refused" $R rv1.json '.entries[0].digest.sha256 = "xyz"'
invalid "revocation: empty digest refused" $R rv1.json '.entries[0].digest = {}'
invalid "revocation: entry without reason refused" $R rv1.json 'del(.entries[0].reason)'
invalid "revocation: short key id refused" $R rv1.json '.keys[0].keyid = "ab"'
invalid "revocation: since not RFC 3339 refused" $R rv1.json '.keys[0].since = "soon"'
invalid "revocation: nextUpdate missing refused" $R rv1.json 'del(.nextUpdate)'
invalid "revocation: issuer with extra member refused" $R rv1.json '.issuer.name = "x"'

summary

# attest eval / approve / intake: every field, thresholds on each operator
# and on the boundary, malformed metrics refused, approvals by three keys.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
PY=/usr/bin/python3

for who in evaluator alice bob carol steward; do
	"$ATTEST" key generate --out "$who" 2>/dev/null
done
cp -r "$SRC/demo/data" data
cp "$SRC/demo/train.py" "$SRC/demo/evaluate.py" .
"$PY" train.py data/train model.json --lr 3 >/dev/null
"$ATTEST" dataset --key steward.key --name demo-test --bundle ds.intoto.jsonl data/test 2>/dev/null

expect "eval wraps evaluate.py" 0 "$ATTEST" eval --key evaluator.key --model model.json \
	--dataset data/test --dataset-attestation ds.intoto.jsonl --harness evaluate.py \
	--metrics metrics.json --threshold 'accuracy>=0.85' --also-test-result \
	--bundle eval.intoto.jsonl -- "$PY" evaluate.py model.json data/test metrics.json
E() { sed -n "${2:-1}p" eval.intoto.jsonl | jq -r .payload | base64 -d | jq -r "$1"; }
chkE() {
	local got
	got=$(E "$2" "${4:-1}")
	[ "$got" = "$3" ] && pass "$1" || fail "$1: got '$got', wanted '$3'"
}
chkE "predicateType" .predicateType https://mlattest.dev/attestation/evaluation/v1
chkE "subject is the model" '.subject[0].digest.sha256' "$(sha256sum model.json | cut -d' ' -f1)"
chkE "metrics recorded" .predicate.metrics.accuracy "$(jq -r .accuracy metrics.json)"
chkE "dataset role" '.predicate.datasets[0].annotations.role' test
chkE "dataset attestation linked" '.predicate.datasets[0].annotations.dataset' demo-test
chkE "harness digest" .predicate.harness.digest.sha256 "$(sha256sum evaluate.py | cut -d' ' -f1)"
chkE "threshold outcome" '.predicate.thresholds[0].passed' true
chkE "result" .predicate.result PASSED
chkE "command recorded" '.predicate.command[1]' evaluate.py
chkE "test-result statement" .predicateType https://in-toto.io/attestation/test-result/v0.1 2
# A harness URL is signed and published: its user info never is.
expect "eval with a harness URL that carries credentials" 0 "$ATTEST" eval --key evaluator.key \
	--model model.json --dataset data/test --harness 'https://ci:s3cret-token@git.example/h.git' \
	--metrics metrics.json --bundle url.intoto.jsonl
u=$(jq -r .payload url.intoto.jsonl | base64 -d | jq -r .predicate.harness.uri)
[ "$u" = https://git.example/h.git ] && pass "harness URL recorded without user info" ||
	fail "harness URL recorded as '$u'"
jq -r .payload url.intoto.jsonl | base64 -d | grep -q s3cret-token &&
	fail "harness token in the statement" || pass "harness token not in the statement"

chkE "test-result passed list" '.predicate.passedTests[0]' 'accuracy>=0.85' 2
expect "eval bundle verifies" 0 "$VERIFY" --key evaluator.pub --artifact model.json eval.intoto.jsonl

# Thresholds: each operator, on the boundary.
printf '{"acc": 0.9, "loss": 0.25, "n": 100}\n' >m.json
while read -r expr want; do
	run=expect
	[ "$want" -ne 0 ] && run="expect_err" &&
		set -- "threshold $(printf '%s' "$expr" | sed 's/[.^$*+?()|]/\\&/g') FAILED"
	[ "$want" -eq 0 ] && set --
	$run "threshold $expr" "$want" "$@" "$ATTEST" eval --key evaluator.key --model model.json \
		--dataset data/test --metrics m.json --threshold "$expr" --bundle t.intoto.jsonl
done <<'ROWS'
acc>=0.9 0
acc>=0.9000001 1
acc>0.9 1
acc>0.89 0
loss<=0.25 0
loss<0.25 1
loss<0.3 0
n==100 0
n==101 1
missing>=0 1
ROWS
n=$(wc -l <t.intoto.jsonl)
[ "$n" -eq 10 ] && pass "failed evaluations are still attested" || fail "only $n attestations"
[ "$(tail -1 t.intoto.jsonl | jq -r .payload | base64 -d | jq -r .predicate.result)" = FAILED ] &&
	pass "failed result recorded" || fail "failed result"

# Malformed metrics: refused with the problem named.
while IFS='|' read -r name content pat; do
	printf '%s' "$content" >bad.json
	expect_err "metrics: $name" 1 "$pat" "$ATTEST" eval --key evaluator.key --model model.json \
		--dataset data/test --metrics bad.json
done <<'ROWS'
string value|{"acc": "0.9"}|not a number
nested|{"acc": {"v": 1}}|not a number
boolean|{"acc": true}|not a number
null|{"acc": null}|not a number
duplicate key|{"acc": 1, "acc": 2}|duplicate
NaN literal|{"acc": NaN}|invalid JSON
overflow|{"acc": 1e999}|invalid JSON
array|[1, 2]|not a JSON object
empty|{}|no metrics
truncated|{"acc": 0.|invalid JSON
bad name|{"a b": 1}|bad metric name
ROWS
expect_err "bad threshold" 2 "threshold" "$ATTEST" eval --key evaluator.key --model model.json \
	--dataset data/test --metrics m.json --threshold 'acc=>1'
expect_err "bad role" 2 "dataset-role" "$ATTEST" eval --key evaluator.key --model model.json \
	--dataset-role training --dataset data/test --metrics m.json
expect_err "failing eval command: its status, no attestation" 5 "failed" "$ATTEST" eval --key evaluator.key \
	--model model.json --dataset data/test --metrics m.json --bundle nf.intoto.jsonl -- sh -c 'exit 5'
[ -e nf.intoto.jsonl ] && fail "attestation for a failed command" || pass "no attestation for a failed command"

# Approvals by three keys in one bundle, all verifying.
for who in alice bob carol; do
	expect "approve by $who" 0 "$ATTEST" approve --key "$who.key" --stage production \
		--reason "reviewed" --expires 720h --bundle approvals.intoto.jsonl model.json
done
expect "three approvals verify" 0 "$VERIFY" --key alice.pub --key bob.pub --key carol.pub \
	--artifact model.json approvals.intoto.jsonl
expect_out "approvals need every signer's key" 1 '^FAIL +approvals\.intoto\.jsonl:3: no signature verifies under a trusted key' "$VERIFY" --key alice.pub --key bob.pub approvals.intoto.jsonl
A() { sed -n "${2:-1}p" approvals.intoto.jsonl | jq -r .payload | base64 -d | jq -r "$1"; }
[ "$(A .predicate.stage)" = production ] && pass "stage" || fail "stage"
[ "$(A .predicate.approver.keyid)" = "$("$ATTEST" key public alice.pub | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)" ] &&
	pass "approver keyid" || fail "approver keyid"
[ "$(A '.predicate.expiresOn | test("Z$")')" = true ] && pass "expiry" || fail "expiry"
expect "approve by digest" 0 "$ATTEST" approve --key alice.key --stage staging --decision reject \
	--bundle approvals.intoto.jsonl "sha256:$(sha256sum model.json | cut -d' ' -f1)"
expect_err "bad stage" 2 '--stage: expected staging, production or retired, got "prod"' "$ATTEST" approve --key alice.key --stage prod model.json
expect_err "bad decision" 2 '--decision: expected approve or reject, got "maybe"' "$ATTEST" approve --key alice.key --stage production --decision maybe model.json
expect_err "bad expiry" 2 '--expires: expected a duration such as 720h, 30d or 1h30m, got "soon"' "$ATTEST" approve --key alice.key --stage production --expires soon model.json
expect_err "bad digest" 2 'sha256:abc: expected sha256:<64 lowercase hex digits>' "$ATTEST" approve --key alice.key --stage production sha256:abc

# Intake of a base model, with its evaluation.
expect "intake" 0 "$ATTEST" intake --key steward.key --source https://example.com/base \
	--sourcing open-weights --risk-tier medium --license Apache-2.0 --eval eval.intoto.jsonl \
	--bundle intake.intoto.jsonl model.json
I() { jq -r .payload intake.intoto.jsonl | base64 -d | jq -r "$1"; }
[ "$(I .predicate.riskTier)" = medium ] && pass "risk tier" || fail "risk tier"
[ "$(I '.predicate.evaluations[0].result')" = PASSED ] && pass "intake names the eval" || fail "intake eval"
expect_err "intake eval of another model refused" 1 'eval\.intoto\.jsonl: no evaluation of this model in the bundle' "$ATTEST" intake --key steward.key --source x \
	--sourcing api --risk-tier low --eval eval.intoto.jsonl train.py
expect_err "bad sourcing" 2 '--sourcing: expected open-weights, api, vendor or internal, got "stolen"' "$ATTEST" intake --key steward.key --source x --sourcing stolen --risk-tier low model.json

summary

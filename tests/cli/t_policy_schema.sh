# spec/schemas/policy.schema.json and spec/policy.md against verify policy:
# the example policy of spec/policy.md §2.10 validates and admits a chain
# made by attest; with the TPM members of §2.4 added it still validates and
# denies that chain (no quote); the rule ids and ATLAS tags the code reports
# for it are those of the table in spec/policy.md §5; tampered twins of the
# example fail the schema AND make verify policy exit 2.
# Validator: Debian's python3-jsonschema under /usr/bin/python3 (a missing
# validator fails every check; nothing is skipped).
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
PY=/usr/bin/python3
SCHEMA="$SRC/spec/schemas/policy.schema.json"
DOC="$SRC/spec/policy.md"

cp "$SRC/tests/cli/validate_schema.py" validate.py

if "$PY" -c 'import jsonschema.validators as v; v.Draft202012Validator.FORMAT_CHECKER' 2>/dev/null; then
	pass "validator: /usr/bin/python3 with jsonschema (draft 2020-12)"
else
	fail "missing dependency: $PY with jsonschema (Debian package python3-jsonschema)"
fi
jq -e '."$schema" == "https://json-schema.org/draft/2020-12/schema"' "$SCHEMA" >/dev/null 2>&1 &&
	pass "policy.schema.json is a draft 2020-12 schema" ||
	fail "policy.schema.json missing or not draft 2020-12"

# The example: the json block between the markers in spec/policy.md.
awk '/<!-- policy-example:begin -->/ {on = 1; next}
     /<!-- policy-example:end -->/ {on = 0}
     on && /^```/ {next}
     on {print}' "$DOC" >policy.json
if [ -s policy.json ] && jq -e . policy.json >/dev/null 2>&1; then
	pass "example policy extracted from spec/policy.md"
else
	fail "no example policy between the markers in spec/policy.md"
fi

# schema_ok NAME FILE: the schema must accept FILE.
schema_ok() {
	local rc
	"$PY" validate.py "$SCHEMA" "$2" 2>"$T/verr"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$1"
	else
		fail "$1 (validator exit $rc)"
		sed 's/^/     | /' "$T/verr" | head -5
	fi
}
schema_ok "schema accepts the example policy" policy.json

# The chain the example policy admits (spec/policy.md §10).
mkdir keys
for who in steward trainer reviewer evaluator alice bob; do
	"$ATTEST" key generate --out "keys/$who" 2>/dev/null
done
cp -r "$SRC/demo/data" data
cp "$SRC/demo/train.py" "$SRC/demo/evaluate.py" .
printf 'pretrained weights\n' >base.bin
q() { "$@" >/dev/null 2>&1 || { fail "setup: $*"; }; }
B=evidence.intoto.jsonl
q "$ATTEST" intake --key keys/reviewer.key --source https://example.com/base \
	--sourcing open-weights --risk-tier low --bundle $B base.bin
q "$ATTEST" dataset --key keys/steward.key --name train --license CC-BY-4.0 \
	--classification internal --bundle $B data/train
q "$ATTEST" dataset --key keys/steward.key --name test --license CC-BY-4.0 \
	--classification internal --bundle $B data/test
q "$ATTEST" run --key keys/trainer.key --input data/train --dataset $B \
	--base-model base.bin --output model.json --bundle $B \
	-- "$PY" train.py data/train model.json --lr 3
q "$ATTEST" eval --key keys/evaluator.key --model model.json --dataset data/test \
	--metrics metrics.json --bundle $B -- "$PY" evaluate.py model.json data/test metrics.json
for who in alice bob; do
	q "$ATTEST" approve --key "keys/$who.key" --stage production --bundle $B model.json
done

pol() { "$VERIFY" policy --policy "$1" --bundle $B --json report.json "${@:2}" model.json; }
expect "verify policy admits the chain under the example policy" 0 pol policy.json

# The example plus requireTpmQuote, akKeys and pcrs, requireTrace and
# undeclaredInputs (spec/policy.md §2.4) and a revocation section (§2.12):
# valid, and the chain (made without a TPM) is denied by training.tpm-quote.
Z64=$(printf '%064d' 0)
jq --arg z "$Z64" '.training += {requireTpmQuote: true, akKeys: ["trainer"], pcrs: {"7": $z, "16": $z},
	requireTrace: true, undeclaredInputs: "report", undeclaredInputPrefixes: ["/data"]}
	| .revocation = {signers: ["steward"], maxAge: "24h"}' \
	policy.json >tpm-policy.json
q "$ATTEST" revoke --key keys/steward.key --list revocations.json
schema_ok "schema accepts the example with the TPM and revocation members" tpm-policy.json
expect_out "verify policy denies a run without a TPM quote" 1 \
	"FAIL +training.tpm-quote .*carries no TPM quote" pol tpm-policy.json --revocations revocations.json

# The rule table of spec/policy.md §5 is what the code reports, in order
# (the report of the last run: every rule, training.tpm-quote,
# training.trace and training.undeclared-inputs included).
grep -E '^\| `[a-z-]+\.[a-z-]+` \| [a-z ()+]+ \| `AML\.' "$DOC" |
	awk -F'|' '{gsub(/[` ]/, "", $2); gsub(/[` ]/, "", $4);
	            sub(/^ /, "", $5); sub(/ $/, "", $5); print $2 "\t" $4 "\t" $5}' >doc-rules.tsv
jq -r '.rules[] | [.id, .atlas.id, .atlas.name] | @tsv' report.json >code-rules.tsv 2>/dev/null
if [ -s doc-rules.tsv ] && cmp -s doc-rules.tsv code-rules.tsv; then
	pass "rule ids and ATLAS tags match spec/policy.md §5 ($(wc -l <doc-rules.tsv) rules)"
else
	fail "rule table in spec/policy.md differs from the report"
	diff doc-rules.tsv code-rules.tsv | sed 's/^/     | /' | head -10
fi

# twin NAME JQ-EDIT REASON: the edited example must fail the schema (exit 1)
# and make verify policy exit 2 with REASON (an ERE) about twin.json.
twin() {
	local name=$1 rc
	if ! jq "$2" policy.json >twin.json 2>"$T/verr" || cmp -s twin.json <(jq . policy.json); then
		fail "$name (tamper did not apply)"
		return
	fi
	"$PY" validate.py "$SCHEMA" twin.json 2>"$T/verr"
	rc=$?
	if [ "$rc" -eq 1 ]; then
		pass "schema refuses: $name"
	else
		fail "schema refuses: $name (validator exit $rc, wanted 1)"
		sed 's/^/     | /' "$T/verr" | head -5
	fi
	expect_err "verify policy exit 2: $name" 2 "twin\.json: $3" pol twin.json
}
twin "unknown top-level field" '.extra = true' \
	'policy: unknown field "extra"'
twin "unknown field in a section" '.approval.treshold = 2' \
	'approval: unknown field "treshold"'
twin "unknown field in a key" '.keys.alice.keyid = "x"' \
	'alice: unknown field "keyid"'
twin "unknown field in a metric" '.evaluation.metrics[0].unit = "%"' \
	'evaluation\.metrics\[0\]: unknown field "unit"'
twin "threshold as a string" '.approval.threshold = "2"' \
	'approval\.threshold must be an integer from 1 to the number of signers'
twin "threshold zero" '.approval.threshold = 0' \
	'approval\.threshold must be an integer from 1 to the number of signers'
twin "bad metric op" '.evaluation.metrics[0].op = "=>"' \
	'evaluation\.metrics\[0\] needs name, op \(>= > <= < ==\) and a numeric value'
twin "metric value as a string" '.evaluation.metrics[0].value = "0.85"' \
	'evaluation\.metrics\[0\] needs name, op \(>= > <= < ==\) and a numeric value'
twin "missing signers" 'del(.approval.signers)' \
	'approval\.signers must be a non-empty array of key names'
twin "empty signers" '.dataset.signers = []' \
	'dataset\.signers must be a non-empty array of key names'
twin "missing stage" 'del(.approval.stage)' \
	'approval\.stage must be staging, production or retired'
twin "unknown stage" '.approval.stage = "prod"' \
	'approval\.stage must be staging, production or retired'
twin "unknown classification" '.dataset.allowClassifications += ["secret"]' \
	'"allowClassifications"\[2\] is not an allowed value'
twin "unknown risk tier" '.intake.allowRiskTiers = ["none"]' \
	'"allowRiskTiers"\[0\] is not an allowed value'
twin "bad baseModel" '.training.baseModel = "require"' \
	'training\.baseModel must be "allow", "require-intake", "require-provenance" or "forbid"'
twin "require-intake without intake" 'del(.intake)' \
	'training\.baseModel "require-intake" needs an "intake" section'
twin "requireSuccess as a string" '.training.requireSuccess = "yes"' \
	'"requireSuccess" must be true or false'
twin "policyVersion 2" '.policyVersion = 2' \
	'policyVersion must be 1'
twin "missing policyVersion" 'del(.policyVersion)' \
	'policyVersion must be 1'
twin "no keys" '.keys = {}' \
	'"keys" must name at least one key'
twin "key without publicKey" '.keys.bob = {}' \
	'key "bob" has no publicKey'
twin "bad maxAge" '.maxAge = "soon"' \
	'maxAge must be a duration such as "720h" or "30d"'
twin "maxAge of zero" '.maxAge = "0h"' \
	'maxAge must be a duration such as "720h" or "30d"'
twin "section not an object" '.dataset = ["steward"]' \
	'"dataset" must be an object'
twin "akKeys without requireTpmQuote" '.training.akKeys = ["trainer"]' \
	'training\.akKeys and training\.pcrs need training\.requireTpmQuote'
twin "pcrs without requireTpmQuote" ".training.pcrs = {\"7\": \"$Z64\"}" \
	'training\.akKeys and training\.pcrs need training\.requireTpmQuote'
twin "requireTpmQuote as a string" '.training.requireTpmQuote = "yes"' \
	'"requireTpmQuote" must be true or false'
twin "empty akKeys" '.training += {requireTpmQuote: true, akKeys: []}' \
	'training\.akKeys must be a non-empty array of key names'
twin "pcrs index 24" ".training += {requireTpmQuote: true, pcrs: {\"24\": \"$Z64\"}}" \
	'training\.pcrs: "24" must map a PCR index 0-23 to 64 lowercase hex digits'
twin "pcrs value not 64 lowercase hex" '.training += {requireTpmQuote: true, pcrs: {"7": "ABC"}}' \
	'training\.pcrs: "7" must map a PCR index 0-23 to 64 lowercase hex digits'
twin "unknown field in revocation" '.revocation = {signers: ["steward"], list: "r.json"}' \
	'revocation: unknown field "list"'
twin "revocation without signers" '.revocation = {maxAge: "24h"}' \
	'revocation\.signers must be a non-empty array of key names'
twin "bad revocation.maxAge" '.revocation = {signers: ["steward"], maxAge: "1w"}' \
	'revocation\.maxAge must be a duration such as "24h"'
twin "pcrs not an object" '.training += {requireTpmQuote: true, pcrs: ["7"]}' \
	'training\.pcrs must be an object of PCR index -> sha256 hex value'

summary

# verify report --format cyclonedx: the ML-BOM is valid CycloneDX (checked
# with the CycloneDX project's own strict JSON validator, spec 1.6 and
# 1.7) and holds only evidence verify policy verified and counted.
# Needs node and `npm ci` in tests/interop (the validator's packages).
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
PY=/usr/bin/python3
IOP="$SRC/tests/interop"
command -v node >/dev/null || { echo "missing dependency: node" >&2; exit 1; }
[ -f "$IOP/node_modules/@cyclonedx/cyclonedx-library/package.json" ] ||
	{ echo "missing node_modules: run npm ci in tests/interop" >&2; exit 1; }
valid() { node "$IOP/validate-bom.mjs" "$@"; }
q() { "$@" >/dev/null 2>&1 || { echo "setup failed: $*" >&2; exit 1; }; }

for who in steward trainer evaluator reviewer alice mallory; do
	"$ATTEST" key generate --out "$who" 2>/dev/null
done
cp -r "$SRC/demo/data" data
cp "$SRC/demo/train.py" "$SRC/demo/evaluate.py" .
mkdir code && (cd code && git init -q && git config user.email t@t && git config user.name t &&
	git remote add origin https://example.org/ml/train.git && echo x >f && git add f &&
	git commit -qm c) || { echo "setup failed: git" >&2; exit 1; }
printf 'base weights\n' >base.bin
printf 'seed=hush-4242\n' >private.txt && chmod 600 private.txt
HOSTILE='<script>alert(1)</script>"><img onerror=alert(2)>'

q "$ATTEST" dataset --key steward.key --name "$HOSTILE" --license CC-BY-4.0 \
	--classification internal --bundle ds-train.jsonl data/train
mkdir extra && head -5 data/train/part-0.csv >extra/rows.csv
q "$ATTEST" dataset --key steward.key --name extra --license MIT \
	--classification public --bundle ds-extra.jsonl extra
q "$ATTEST" dataset --key steward.key --name test --license MIT \
	--classification public --bundle ds-test.jsonl data/test
q "$ATTEST" intake --key reviewer.key --source https://example.org/base --sourcing open-weights \
	--risk-tier medium --license Apache-2.0 --bundle intake.jsonl base.bin
q "$ATTEST" run --key trainer.key --input data/train --dataset ds-train.jsonl \
	--input extra --dataset ds-extra.jsonl --base-model base.bin \
	--code code --param task=classification --param epochs=3 --private-params private.txt \
	--commitments salts.json --output model.json --bundle run.jsonl -- "$PY" train.py data/train model.json --lr 3
q "$ATTEST" eval --key evaluator.key --model model.json --dataset data/test \
	--metrics m.json --bundle eval.jsonl -- "$PY" evaluate.py model.json data/test m.json
q "$ATTEST" approve --key alice.key --stage production --bundle appr.jsonl model.json
cat ds-train.jsonl ds-extra.jsonl ds-test.jsonl intake.jsonl run.jsonl eval.jsonl appr.jsonl >good.jsonl

jq -n '{policyVersion: 1,
  keys: {steward: {publicKey: "steward.pub"}, trainer: {publicKey: "trainer.pub"},
         evaluator: {publicKey: "evaluator.pub"}, reviewer: {publicKey: "reviewer.pub"},
         alice: {publicKey: "alice.pub"}},
  dataset: {signers: ["steward"], requireLicense: true},
  training: {signers: ["trainer"], requireSuccess: true, requireAttestedDatasets: true,
             baseModel: "require-intake"},
  intake: {signers: ["reviewer"]},
  evaluation: {signers: ["evaluator"], requireHeldOut: true,
               metrics: [{name: "accuracy", op: ">=", value: 0.85}]},
  approval: {stage: "production", signers: ["alice"], threshold: 1}}' >pol.json

bom() { "$VERIFY" report --format cyclonedx --policy pol.json "$@"; }
expect "BOM of the honest chain (admit)" 0 bom --bundle good.jsonl -o bom.json model.json
expect "BOM validates (1.6)" 0 valid 1.6 bom.json
expect "BOM 1.7 to stdout" 0 bom --spec-version 1.7 --bundle good.jsonl model.json
cp "$T/out" bom7.json
expect "BOM validates (1.7)" 0 valid 1.7 bom7.json
[ "$(jq -r .specVersion bom7.json)" = 1.7 ] && pass "specVersion 1.7" || fail "specVersion 1.7"
expect "a broken BOM does not validate" 1 valid 1.6 <(jq '.components[0].type = "mystery"' bom.json)

j() { jq -r "$@" bom.json; }
[ "$(j '[.metadata.properties[] | select(.name == "mlattest:policy:sha256")][0].value')" = \
	"$(sha256sum pol.json | cut -d' ' -f1)" ] && pass "BOM carries the policy digest" || fail "policy digest"
[ "$(j '.metadata.properties[] | select(.name == "mlattest:verdict") | .value')" = admit ] &&
	pass "BOM carries the verdict" || fail "verdict"
M='.components[] | select(.type == "machine-learning-model" and (.properties | any(.name == "mlattest:training:attestation")))'
[ "$(j "$M | .hashes[0].content")" = "$(sha256sum model.json | cut -d' ' -f1)" ] &&
	pass "model component with its hash" || fail "model hash"
[ "$(j "$M | .modelCard.modelParameters.task")" = classification ] && pass "task from the params" || fail "task"
[ "$(j "[$M | .modelCard.quantitativeAnalysis.performanceMetrics[] | select(.type == \"accuracy\")][0] | .value + \"|\" + .slice")" = \
	"$(jq -r .accuracy m.json)|test: data/test/" ] && pass "metric with the dataset it was measured on" || fail "metrics: $(j "$M | .modelCard.quantitativeAnalysis")"
[ "$(j "$M | .modelCard.considerations.ethicalConsiderations[0].name")" = medium ] &&
	pass "considerations: intake risk tier" || fail "considerations"
[ "$(j "$M | [.properties[] | select(.name == \"mlattest:privateParameter:seed\") | .value][0]")" = \
	"sha256:$(jq -r .parameters.seed.commitment salts.json)" ] &&
	pass "private parameter only as its commitment" || fail "private parameter: $(j "$M | .properties")"
grep -q hush bom.json && fail "private value leaked" || pass "private value absent"
[ "$(j "$M | .properties[] | select(.name == \"mlattest:approval:1:approver\") | .value")" = alice ] &&
	[ "$(j "$M | .properties[] | select(.name == \"mlattest:approval:1:stage\") | .value")" = production ] &&
	[ "$(j "$M | .properties[] | select(.name == \"mlattest:approval:1:expiresOn\") | .value")" = never ] &&
	pass "approval: approver, stage, expiry" || fail "approval properties"
[ "$(j '[.components[] | select(.type == "data")] | length')" = 2 ] && pass "both training datasets" || fail "datasets: $(j '[.components[] | select(.type == "data") | .name]')"
[ "$(j '.components[] | select(.type == "data" and .data[0].classification == "public") | .licenses[0].license.name')" = MIT ] &&
	pass "dataset licence and classification" || fail "dataset licence"
[ "$(j '.components[] | select(.type == "data" and .name == "extra") | .hashes[0].content')" = \
	"$(jq -r '.payload | @base64d | fromjson | .subject[0].digest.sha256' ds-extra.jsonl)" ] &&
	pass "dataset hash" || fail "dataset hash"
[ "$(j '.components[] | select(.type == "data" and .name == "extra") | .properties[] | select(.name == "mlattest:attestation:sha256") | .value')" = \
	"$(sed -n 2p good.jsonl | tr -d '\n' | sha256sum | cut -d' ' -f1)" ] ||
	[ "$(j '.components[] | select(.type == "data" and .name == "extra") | .properties[] | select(.name == "mlattest:attestation:sha256") | .value')" = \
	"$(sed -n 2p good.jsonl | sha256sum | cut -d' ' -f1)" ] &&
	pass "element names its attestation's line digest" || fail "line digest"
[ "$(j '.components[] | select(.properties | any(.name == "mlattest:role" and .value == "base-model")) | .hashes[0].content')" = \
	"$(sha256sum base.bin | cut -d' ' -f1)" ] && pass "base model component" || fail "base model"
[ "$(j '.components[] | select(.type == "application") | .version')" = "$(git -C code rev-parse HEAD)" ] &&
	[ "$(j '.components[] | select(.type == "application") | .properties[] | select(.name == "mlattest:code:repository") | .value')" = \
	"git+https://example.org/ml/train.git@refs/heads/$(git -C code branch --show-current)" ] &&
	pass "training code: commit and repository" || fail "code: $(j '.components[] | select(.type == "application")')"
[ "$(j '.services[0].name')" = https://mlattest.dev/builders/attest-run/v1 ] && pass "builder service" || fail "builder"
MREF=$(j "$M | .\"bom-ref\"")
[ "$(j --arg m "$MREF" '[.dependencies[] | select(.ref == $m) | .dependsOn[]] | length')" = 5 ] &&
	[ "$(j --arg m "$MREF" '[.dependencies[] | select(.ref == $m) | .dependsOn[] | select(startswith("base-model:") or startswith("code:") or startswith("dataset:") or . == "builder")] | length')" = 5 ] &&
	pass "graph: model depends on data, base model, code, builder" || fail "graph: $(j -c .dependencies)"
[ "$(j '[.dependencies[].ref] | sort | unique | length')" = "$(j '[.components[], .services[]] | length')" ] &&
	pass "graph: one node per component and service" || fail "graph nodes"
[ "$(j '[.components[] | select(.type == "data") | .name] | index("<script>alert(1)</script>\"><img onerror=alert(2)>")')" != null ] &&
	pass "hostile name stays data" || fail "hostile name"

# The test data's attestation verified, but no rule counts it (it is not
# training data): it is not in the BOM; its name is, as the slice.
! grep -q '"name": "test"' bom.json && pass "uncounted test dataset absent" || fail "uncounted dataset in the BOM"
# Tampered twin: the extra dataset attestation altered contributes nothing.
sed -n 2p good.jsonl | jq -c '.payload |= (@base64d | fromjson | .predicate.name = "forged" | tojson | @base64)' >ds-forged.jsonl
{ sed -n 1p good.jsonl; cat ds-forged.jsonl; sed -n '3,$p' good.jsonl; } >tampered.jsonl
expect "BOM with a tampered dataset attestation" 1 bom --bundle tampered.jsonl -o bad.json model.json
expect "that BOM validates too" 0 valid 1.6 bad.json
[ "$(jq '[.components[] | select(.type == "data")] | length' bad.json)" = 1 ] &&
	! grep -q forged bad.json && pass "tampered attestation contributes nothing" || fail "tampered: $(jq -c '[.components[].name]' bad.json)"
[ "$(jq -r '.metadata.properties[] | select(.name == "mlattest:verdict") | .value' bad.json)" = deny ] &&
	pass "BOM says deny" || fail "deny verdict"
# An approval by a key the policy does not name: verified nowhere, absent.
q "$ATTEST" approve --key mallory.key --stage production --bundle appr-m.jsonl model.json
cat good.jsonl appr-m.jsonl >m.jsonl
expect "BOM with a stranger's approval" 0 bom --bundle m.jsonl -o m.json model.json
[ "$(jq '[.components[0].properties[] | select(.name | endswith(":approver"))] | length' m.json)" = 1 ] &&
	pass "stranger's approval absent" || fail "stranger's approval"

# Signed BOM: an in-toto statement of predicate type https://cyclonedx.org/bom.
expect "signed BOM" 0 bom --bundle good.jsonl --sign trainer.key -o bom.jsonl model.json
expect "signed BOM verifies" 0 "$VERIFY" --key trainer.pub --artifact model.json bom.jsonl
[ "$(jq -r '.payload | @base64d | fromjson | .predicateType' bom.jsonl)" = https://cyclonedx.org/bom ] &&
	pass "predicate type" || fail "predicate type"
jq -r '.payload | @base64d | fromjson | .predicate' bom.jsonl >inner.json
expect "signed BOM's predicate validates" 0 valid 1.6 inner.json
jq -c '.signatures[0].sig |= (.[0:10] + "AAAA" + .[14:])' bom.jsonl >bom-bad.jsonl
expect "tampered signed BOM rejected" 1 "$VERIFY" --key trainer.pub bom-bad.jsonl

# Usage and bad input.
expect_err "bad spec version" 2 'spec-version 1.5: expected 1.6 or 1.7' bom --spec-version 1.5 --bundle good.jsonl model.json
expect_err "no artifact" 2 'usage' bom --bundle good.jsonl
expect_err "missing bundle" 3 'nope.jsonl' bom --bundle nope.jsonl model.json
expect "sign key missing" 3 bom --bundle good.jsonl --sign nokey.key -o never.json model.json
[ ! -e never.json ] && pass "no half-written output" || fail "output written despite error"
expect_err "unwritable -o names the file" 3 'nodir/bom.json' bom --bundle good.jsonl -o nodir/bom.json model.json
[ "$(wc -l <"$T/err")" = 1 ] && pass "one-line error" || fail "error lines: $(cat "$T/err")"
expect "--help" 0 "$VERIFY" report --format cyclonedx --help
expect_err "--sign only with cyclonedx" 2 '--sign goes with --format cyclonedx' \
	"$VERIFY" report --format html --sign trainer.key --policy pol.json --bundle good.jsonl model.json

# The report page, rendered by headless Chromium: every rule row, every
# dataset, the lineage SVG; hostile names stay text (SPEC-BOM-5).
command -v chromium >/dev/null || { echo "missing dependency: chromium" >&2; exit 1; }
dom() {
	chromium --headless --no-sandbox --disable-gpu --window-size=1200,1600 \
		--screenshot="$T/$2.png" "file://$T/$1" >/dev/null 2>&1 &&
		chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$T/$1" 2>/dev/null >"$2.dom" &&
		python3 "$SRC/tests/cli/domcheck.py" "$2.dom" >"$2.facts"
}
cat good.jsonl appr-m.jsonl >page.jsonl
"$VERIFY" policy --policy pol.json --bundle page.jsonl --json page.json model.json >/dev/null 2>&1
expect "HTML report" 0 "$VERIFY" report --format html -o report.html --policy pol.json --bundle page.jsonl model.json
dom report.html r && pass "rendered in Chromium" || fail "chromium"
[ -s r.png ] && pass "screenshot made" || fail "screenshot"
NRULES=$(jq '.rules | length' page.json)
grep -qx "rows rule $NRULES" r.facts && pass "every rule row ($NRULES)" || fail "rule rows: $(cat r.facts)"
grep -qx "rows dataset 2" r.facts && pass "every dataset" || fail "dataset rows"
grep -qxF "dataset $HOSTILE" r.facts && grep -qx "dataset extra" r.facts &&
	pass "hostile name shown as text" || fail "dataset names: $(grep dataset r.facts)"
grep -qx "svg 1" r.facts && pass "lineage svg" || fail "svg"
grep -qx "rows metric 3" r.facts && grep -qx "rows approval 1" r.facts && pass "metrics and approvals" || fail "metrics/approvals"
grep -qx "rows uncounted $(($(jq '.uncounted | length' page.json) + 1))" r.facts &&
	grep -q '<td>1 entries</td><td>no signature verified under a policy key' report.html &&
	pass "uncounted and unverified entries listed" || fail "uncounted rows: $(cat r.facts)"
grep -qx "script 0" r.facts && grep -qx "handlers 0" r.facts && grep -qx "img 0" r.facts &&
	pass "hostile name never markup" || fail "markup from data: $(cat r.facts)"
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img onerror=alert(2)&gt;' report.html &&
	pass "hostile name HTML-escaped" || fail "escaping"
grep -q 'ge;=' report.html && fail "double escape" || pass "no double escape"
grep -q '>= 0.85\|&gt;= 0.85' report.html && pass "threshold shown" || fail "threshold"
# Without dot: a nested list instead of the SVG.
expect "HTML report without dot" 0 env PATH=/nonexistent "$VERIFY" report --format html -o nodot.html \
	--policy pol.json --bundle page.jsonl model.json
dom nodot.html n && grep -qx "svg 0" n.facts && grep -q '<ul class="lineage">' nodot.html &&
	grep -qx "script 0" n.facts && grep -qx "img 0" n.facts && pass "lineage as a nested list" || fail "no-dot fallback"
# Tampered twin: the altered dataset is not on the page.
expect "HTML report, tampered dataset" 1 "$VERIFY" report --format html -o bad.html --policy pol.json --bundle tampered.jsonl model.json
! grep -q forged bad.html && grep -q 'Verdict: deny' bad.html && pass "tampered entry not on the page" || fail "tampered page"
# Markdown: the same sections, punctuation and markup escaped.
expect "Markdown report" 0 "$VERIFY" report --format markdown -o report.md --policy pol.json --bundle page.jsonl model.json
for h in Rules Lineage Datasets Metrics Approvals "Not counted"; do
	grep -qx "## $h" report.md || fail "markdown section $h"
done
grep -qF '&lt;script&gt;alert\(1\)&lt;/script&gt;&quot;&gt;&lt;img onerror=alert\(2\)&gt;' report.md &&
	! grep -q '<script' report.md && pass "markdown: hostile name escaped" || fail "markdown escaping"
summary

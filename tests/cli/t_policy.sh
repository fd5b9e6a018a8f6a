# verify policy: the honest chain admits; each broken link denies with the
# reason named; a malformed policy is a usage error.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
PY=/usr/bin/python3

for who in steward trainer evaluator alice bob carol mallory; do
	"$ATTEST" key generate --out "$who" 2>/dev/null
done
cp -r "$SRC/demo/data" data
cp "$SRC/demo/train.py" "$SRC/demo/evaluate.py" .
q() { "$@" >/dev/null 2>&1 || { echo "setup failed: $*" >&2; exit 1; }; }

# The honest chain, one file per kind so variants can be assembled.
q "$ATTEST" dataset --key steward.key --name train --license CC-BY-4.0 \
	--classification internal --bundle ds-train.jsonl data/train
q "$ATTEST" dataset --key steward.key --name test --license CC-BY-4.0 \
	--classification internal --bundle ds-test.jsonl data/test
q "$ATTEST" run --key trainer.key --input data/train --dataset ds-train.jsonl \
	--output model.json --bundle run.jsonl -- "$PY" train.py data/train model.json --lr 3
q "$ATTEST" eval --key evaluator.key --model model.json --dataset data/test \
	--metrics m.json --bundle eval.jsonl -- "$PY" evaluate.py model.json data/test m.json
for who in alice bob; do
	q "$ATTEST" approve --key "$who.key" --stage production --bundle "appr-$who.jsonl" model.json
done
cat ds-train.jsonl ds-test.jsonl run.jsonl eval.jsonl appr-alice.jsonl appr-bob.jsonl >good.jsonl

jq -n '{policyVersion: 1,
  keys: {steward: {publicKey: "steward.pub"}, trainer: {publicKey: "trainer.pub"},
         evaluator: {publicKey: "evaluator.pub"}, alice: {publicKey: "alice.pub"},
         bob: {publicKey: "bob.pub"}, carol: {publicKey: "carol.pub"}},
  dataset: {signers: ["steward"], allowClassifications: ["public", "internal"],
            requireLicense: true, denyLicenses: ["CC-BY-NC-4.0"]},
  training: {signers: ["trainer"], builderIds: ["https://mlattest.dev/builders/attest-run/v1"],
             requireSuccess: true, requireAttestedDatasets: true},
  evaluation: {signers: ["evaluator"], requireHeldOut: true,
               metrics: [{name: "accuracy", op: ">=", value: 0.85}]},
  approval: {stage: "production", signers: ["alice", "bob", "carol"], threshold: 2},
  maxAge: "720h"}' >prod.json

pol() { "$VERIFY" policy --policy "${POLICY:-prod.json}" --bundle "$@"; }
expect "honest chain admits" 0 pol good.jsonl --json report.json --vsa-key trainer.key --vsa vsa.json model.json
[ "$(jq -r .result report.json)" = admit ] && pass "json report: admit" || fail "json report"
[ "$(jq '[.rules[] | select(.outcome != "PASS")] | length' report.json)" = 0 ] &&
	pass "every rule passed" || fail "rules not all passed"
[ "$(jq '.rules | length' report.json)" -ge 11 ] && pass "all sections evaluated" || fail "rules missing"
expect "VSA verifies" 0 "$VERIFY" --key trainer.pub --artifact model.json vsa.json
[ "$(jq -r .payload vsa.json | base64 -d | jq -r .predicate.verificationResult)" = PASSED ] &&
	pass "VSA says PASSED" || fail "VSA result"
[ "$(jq -r .payload vsa.json | base64 -d | jq -r .predicate.policy.digest.sha256)" = "$(sha256sum prod.json | cut -d' ' -f1)" ] &&
	pass "VSA binds the policy digest" || fail "VSA policy digest"
[ "$(jq -r .payload vsa.json | base64 -d | jq '.predicate.inputAttestations | length')" = 5 ] &&
	pass "VSA lists the attestations used" || fail "VSA inputs"
jq '.signatures[0].sig |= (.[0:10] + "AAAA" + .[14:])' vsa.json >vsa-bad.json
expect_out "tampered VSA rejected" 1 '^FAIL  vsa-bad\.json: no signature verifies under a trusted key$' "$VERIFY" --key trainer.pub vsa-bad.json
expect "admit by digest" 0 pol good.jsonl "sha256:$(sha256sum model.json | cut -d' ' -f1)"

# deny CASE BUNDLE RULE [ARTIFACT]: must exit 1 and name the failing rule.
deny() {
	local name=$1 bundle=$2 rule=$3 art=${4:-model.json}
	expect_out "deny: $name" 1 "FAIL +$rule" pol "$bundle" "$art"
}

# A training dataset without attestation.
cat ds-test.jsonl run.jsonl eval.jsonl appr-alice.jsonl appr-bob.jsonl >b1.jsonl
deny "training dataset not attested" b1.jsonl dataset.attested
# A dataset signed by a key that is not a steward.
q "$ATTEST" dataset --key mallory.key --name train --license CC-BY-4.0 \
	--classification internal --bundle ds-mallory.jsonl data/train
cat ds-mallory.jsonl ds-test.jsonl run.jsonl eval.jsonl appr-alice.jsonl appr-bob.jsonl >b2.jsonl
deny "dataset signed by a non-steward" b2.jsonl dataset.attested
# Restricted data.
q "$ATTEST" dataset --key steward.key --name train --license CC-BY-4.0 \
	--classification restricted --bundle ds-restricted.jsonl data/train
cat ds-restricted.jsonl ds-test.jsonl run.jsonl eval.jsonl appr-alice.jsonl appr-bob.jsonl >b3.jsonl
deny "restricted data" b3.jsonl dataset.classification
# A second, honest-looking attestation cannot outvote the restricted one.
cat ds-train.jsonl b3.jsonl >b3b.jsonl
deny "restricted data despite a second attestation" b3b.jsonl dataset.classification
# A denied licence, and a missing one.
q "$ATTEST" dataset --key steward.key --name train --license CC-BY-NC-4.0 \
	--classification internal --bundle ds-nc.jsonl data/train
cat ds-nc.jsonl ds-test.jsonl run.jsonl eval.jsonl appr-alice.jsonl appr-bob.jsonl >b4.jsonl
deny "denied licence" b4.jsonl dataset.license
q "$ATTEST" dataset --key steward.key --name train --classification internal --bundle ds-nolic.jsonl data/train
cat ds-nolic.jsonl ds-test.jsonl run.jsonl eval.jsonl appr-alice.jsonl appr-bob.jsonl >b4b.jsonl
deny "missing licence" b4b.jsonl dataset.license
# Evaluation on a training dataset.
q "$ATTEST" eval --key evaluator.key --model model.json --dataset data/train \
	--metrics m.json --bundle eval-ontrain.jsonl
cat ds-train.jsonl ds-test.jsonl run.jsonl eval-ontrain.jsonl appr-alice.jsonl appr-bob.jsonl >b5.jsonl
deny "evaluation on training data" b5.jsonl evaluation.held-out
# A metric below threshold, and a missing one.
printf '{"accuracy": 0.5}\n' >low.json
q "$ATTEST" eval --key evaluator.key --model model.json --dataset data/test --metrics low.json --bundle eval-low.jsonl
cat ds-train.jsonl ds-test.jsonl run.jsonl eval-low.jsonl appr-alice.jsonl appr-bob.jsonl >b6.jsonl
deny "metric below threshold" b6.jsonl evaluation.metrics
printf '{"recall": 0.99}\n' >nometric.json
q "$ATTEST" eval --key evaluator.key --model model.json --dataset data/test --metrics nometric.json --bundle eval-miss.jsonl
cat ds-train.jsonl ds-test.jsonl run.jsonl eval-miss.jsonl appr-alice.jsonl appr-bob.jsonl >b6b.jsonl
deny "metric missing" b6b.jsonl evaluation.metrics
expect_out "missing metric names what the evaluation carries" 1 \
	'^FAIL +evaluation\.metrics +b6b\.jsonl:4: metric accuracy is missing; the evaluation carries recall  \[' pol b6b.jsonl model.json
printf '{"recall": 0.99, "f1": 0.9, "acc": 0.91}\n' >near.json
q "$ATTEST" eval --key evaluator.key --model model.json --dataset data/test --metrics near.json --bundle eval-near.jsonl
cat ds-train.jsonl ds-test.jsonl run.jsonl eval-near.jsonl appr-alice.jsonl appr-bob.jsonl >b6d.jsonl
expect_out "missing metric: the names sorted" 1 'metric accuracy is missing; the evaluation carries acc, f1, recall  \[' pol b6d.jsonl model.json
# An evaluation signed by the trainer does not count.
q "$ATTEST" eval --key trainer.key --model model.json --dataset data/test --metrics m.json --bundle eval-trainer.jsonl
cat ds-train.jsonl ds-test.jsonl run.jsonl eval-trainer.jsonl appr-alice.jsonl appr-bob.jsonl >b6c.jsonl
deny "self-reported evaluation" b6c.jsonl evaluation.present
# One approval when two are needed; the same approver twice.
cat ds-train.jsonl ds-test.jsonl run.jsonl eval.jsonl appr-alice.jsonl >b7.jsonl
deny "one approval of two" b7.jsonl approval.threshold
q "$ATTEST" approve --key alice.key --stage production --bundle appr-alice2.jsonl model.json
cat b7.jsonl appr-alice2.jsonl >b8.jsonl
deny "same approver twice" b8.jsonl approval.threshold
# An approval for staging used for production.
q "$ATTEST" approve --key bob.key --stage staging --bundle appr-staging.jsonl model.json
cat b7.jsonl appr-staging.jsonl >b9.jsonl
deny "staging approval for production" b9.jsonl approval.threshold
# A reject decision.
q "$ATTEST" approve --key carol.key --stage production --decision reject --reason "bias" --bundle appr-reject.jsonl model.json
cat good.jsonl appr-reject.jsonl >b10.jsonl
deny "a reject decision" b10.jsonl approval.no-reject
# Entries no rule counted are named, with the reason (SPEC-POL-12).
q "$ATTEST" approve --key evaluator.key --stage production --bundle appr-ev.jsonl model.json
cat good.jsonl appr-ev.jsonl appr-reject.jsonl >u.jsonl
expect_out "uncounted: approval by a non-approval key" 1 \
	'^UNCOUNTED u\.jsonl:7 approval signed by the evaluator key, which is not an approval signer$' pol u.jsonl model.json --json u.json
expect_out "uncounted: a reject names its signer and stage" 1 '^UNCOUNTED u\.jsonl:8 reject by carol for production$' pol u.jsonl model.json
expect_out "uncounted: a dataset that is not training data" 1 \
	'^UNCOUNTED u\.jsonl:2 dataset attestation not about model\.json or the data of its training$' pol u.jsonl model.json
[ "$(jq -c '[.uncounted[] | [.source, .reason]]' u.json)" = '[["u.jsonl:2","dataset attestation not about model.json or the data of its training"],["u.jsonl:7","approval signed by the evaluator key, which is not an approval signer"],["u.jsonl:8","reject by carol for production"]]' ] &&
	pass "uncounted[] in the JSON report" || fail "uncounted[] in the JSON report: $(jq -c .uncounted u.json)"
[ "$(jq -r '.uncounted[0].sha256' u.json)" = "$(sed -n 2p u.jsonl | sha256sum | cut -d' ' -f1)" ] ||
	[ "$(jq -r '.uncounted[0].sha256' u.json)" = "$(sed -n 2p u.jsonl | tr -d '\n' | sha256sum | cut -d' ' -f1)" ] &&
	pass "uncounted sha256 is the entry's" || fail "uncounted sha256"
expect_out "uncounted: staging approval" 1 '^UNCOUNTED b9\.jsonl:6 approval for stage staging, not production$' pol b9.jsonl model.json
expect_out "uncounted: self-reported evaluation" 1 \
	'^UNCOUNTED b6c\.jsonl:4 evaluation signed by the trainer key, which is not an evaluation signer$' pol b6c.jsonl model.json
cat ds-train.jsonl ds-test.jsonl run.jsonl eval-low.jsonl eval.jsonl appr-alice.jsonl appr-bob.jsonl >b6e.jsonl
expect_out "uncounted: an evaluation a later one supersedes" 0 '^UNCOUNTED b6e\.jsonl:4 evaluation metric accuracy = 0\.5 fails >= 0\.85$' pol b6e.jsonl model.json
"$VERIFY" policy --policy prod.json --bundle good.jsonl --json good-u.json model.json >good-u.out 2>&1
[ "$(grep -c '^UNCOUNTED' good-u.out)" = 1 ] && [ "$(jq '.uncounted | length' good-u.json)" = 1 ] &&
	pass "twin: the honest chain leaves only the eval dataset uncounted" || fail "honest chain uncounted: $(grep UNCOUNTED good-u.out)"
expect_err "quiet prints no UNCOUNTED lines" 1 '^verify: DENY model\.json under prod\.json \(11 rules, 1 failed;' pol u.jsonl model.json --quiet
grep -q UNCOUNTED "$T/out" && fail "quiet printed UNCOUNTED" || pass "quiet: no UNCOUNTED"

# An approval by a key outside the signers list, and a forged one.
q "$ATTEST" approve --key mallory.key --stage production --bundle appr-mallory.jsonl model.json
cat b7.jsonl appr-mallory.jsonl >b11.jsonl
deny "approval by an outsider" b11.jsonl approval.threshold
jq -c '.payload = (.payload | @base64d | fromjson | .predicate.stage = "production" | tojson | @base64)' appr-staging.jsonl >appr-forged.jsonl
cat b7.jsonl appr-forged.jsonl >b12.jsonl
deny "forged approval line" b12.jsonl approval.threshold
# An expired approval.
q "$ATTEST" approve --key bob.key --stage production --expires 1s --bundle appr-exp.jsonl model.json
sleep 2
cat b7.jsonl appr-exp.jsonl >b13.jsonl
deny "expired approval" b13.jsonl approval.threshold
expect_out "uncounted: expired approval" 1 '^UNCOUNTED b13\.jsonl:6 approval has expired$' pol b13.jsonl model.json
# The model file swapped after training.
cp model.json model.orig
printf ' ' >>model.json
deny "model swapped after training" good.jsonl training.provenance
cp model.orig model.json
# A training run that failed.
"$ATTEST" run --key trainer.key --input data/train --dataset ds-train.jsonl \
	--output model.json --bundle run-fail.jsonl -- sh -c "$PY train.py data/train model.json --lr 3 && exit 1" >/dev/null 2>&1
[ $? -eq 1 ] && pass "attest run exits with the run's failure" || fail "attest run status on failure"
cp model.json model-fail.json
cat ds-train.jsonl ds-test.jsonl run-fail.jsonl >b14.jsonl
for f in eval.jsonl appr-alice.jsonl appr-bob.jsonl; do cat "$f" >>b14.jsonl; done
deny "failed training run" b14.jsonl training.success
# Provenance by an unknown builder id.
q "$ATTEST" run --key trainer.key --builder-id https://example.com/other --input data/train \
	--dataset ds-train.jsonl --output model.json --bundle run-builder.jsonl -- "$PY" train.py data/train model.json --lr 3
cat ds-train.jsonl ds-test.jsonl run-builder.jsonl eval.jsonl appr-alice.jsonl appr-bob.jsonl >b15.jsonl
deny "unknown builder id" b15.jsonl training.builder
# Attestations older than maxAge.
jq '.maxAge = "1s"' prod.json >stale.json
POLICY=stale.json expect_out "deny: attestations older than maxAge" 1 "older than maxAge" pol good.jsonl model.json
# Junk and unsigned lines never turn a deny into an allow.
cat b7.jsonl >b16.jsonl
printf '{"junk": true}\n' >>b16.jsonl
jq -c '.signatures[0].keyid = "x"' appr-bob.jsonl | jq -c '.payload = (.payload | @base64d | fromjson | .subject[0].name = "y" | tojson | @base64)' >>b16.jsonl
deny "junk lines do not help" b16.jsonl approval.threshold

# Base models: require-intake.
printf 'base weights\n' >base.bin
q "$ATTEST" run --key trainer.key --input data/train --dataset ds-train.jsonl --base-model base.bin \
	--output model.json --bundle run-base.jsonl -- "$PY" train.py data/train model.json --lr 3
jq '.intake = {signers: ["steward"], allowRiskTiers: ["low", "medium"]} | .training.baseModel = "require-intake"' prod.json >base-pol.json
cat ds-train.jsonl ds-test.jsonl run-base.jsonl eval.jsonl appr-alice.jsonl appr-bob.jsonl >b17.jsonl
POLICY=base-pol.json expect_out "deny: base model without intake" 1 "FAIL +training.base-model" pol b17.jsonl model.json
q "$ATTEST" intake --key steward.key --source https://example.com/base --sourcing open-weights --risk-tier low --bundle intake.jsonl base.bin
cat b17.jsonl intake.jsonl >b18.jsonl
POLICY=base-pol.json expect "base model with intake admits" 0 pol b18.jsonl model.json
q "$ATTEST" intake --key steward.key --source https://example.com/base --sourcing open-weights --risk-tier critical --bundle intake-crit.jsonl base.bin
cat b17.jsonl intake-crit.jsonl >b19.jsonl
POLICY=base-pol.json expect_out "deny: base model risk tier" 1 "risk tier" pol b19.jsonl model.json
jq '.training.baseModel = "forbid"' prod.json >forbid.json
POLICY=forbid.json expect_out "deny: base model forbidden" 1 "forbids" pol b18.jsonl model.json

# A model directory and its OMS signature (SPEC-TREE-5): model.sig and
# model_signing's default ignores at the top of the tree are not part of
# the tree digest, so signing the model keeps its gate, in either order.
mtrain() {
	rm -rf "$1" && mkdir -p "$1/tok" && "$PY" train.py data/train "$1/weights.json" --lr 3 >/dev/null &&
		printf '{"layers": 2}' >"$1/config.json" && printf 'vocab' >"$1/tok/vocab.txt"
}
mchain() { # DIR PREFIX: run, eval, approve; bundle PREFIX.jsonl
	q "$ATTEST" run --key trainer.key --input data/train --dataset ds-train.jsonl \
		--output "$1" --bundle "$2-run.jsonl" -- sh -c "$(declare -f mtrain); PY=$PY; mtrain $1"
	q "$ATTEST" eval --key evaluator.key --model "$1" --dataset data/test \
		--metrics "$2-m.json" --bundle "$2-eval.jsonl" -- "$PY" evaluate.py "$1/weights.json" data/test "$2-m.json"
	for who in alice bob; do
		q "$ATTEST" approve --key "$who.key" --stage production --bundle "$2-appr.jsonl" "$1"
	done
	cat ds-train.jsonl ds-test.jsonl "$2-run.jsonl" "$2-eval.jsonl" "$2-appr.jsonl" >"$2.jsonl"
}
# Gate, then sign: the gate still admits after attest model writes model.sig.
mchain gdir g
expect "model dir: gate before signing admits" 0 pol g.jsonl gdir
expect_out "model dir: attest model writes model.sig" 0 "into gdir/model.sig" "$ATTEST" model --key trainer.key gdir
expect "model dir: gate after signing admits" 0 pol g.jsonl gdir
expect_out "model dir: model.sig verifies" 0 "PASS" "$VERIFY" model --key trainer.pub gdir
mkdir gdir/.git && printf 'ref: refs/heads/main\n' >gdir/.git/HEAD && printf '*.bin filter=lfs\n' >gdir/.gitattributes
expect "model dir: .git and .gitattributes are not part of it" 0 pol g.jsonl gdir
# Tampered twins: a changed weight, an added file, a nested .git.
cp -r gdir gbad && printf ' ' >>gbad/weights.json
expect_out "model dir: changed weight denied" 1 "FAIL +training.provenance +no training provenance for gbad signed by a training key" pol g.jsonl gbad
expect_out "model dir: changed weight named by verify model" 1 "changed +weights.json" "$VERIFY" model --key trainer.pub gbad
rm -rf gbad && cp -r gdir gbad && printf x >gbad/notes.txt
expect_out "model dir: added file denied" 1 "FAIL +training.provenance +no training provenance for gbad signed by a training key" pol g.jsonl gbad
rm -rf gbad && cp -r gdir gbad && mkdir gbad/tok/.git && printf x >gbad/tok/.git/HEAD
expect_out "model dir: a nested .git is part of it" 1 "FAIL +training.provenance" pol g.jsonl gbad
# Sign, then gate: signed right after training, then evaluated and approved.
q "$ATTEST" run --key trainer.key --input data/train --dataset ds-train.jsonl \
	--output sdir --bundle s-run.jsonl -- sh -c "$(declare -f mtrain); PY=$PY; mtrain sdir"
q "$ATTEST" model --key trainer.key sdir
q "$ATTEST" eval --key evaluator.key --model sdir --dataset data/test \
	--metrics s-m.json --bundle s-eval.jsonl -- "$PY" evaluate.py sdir/weights.json data/test s-m.json
for who in alice bob; do
	q "$ATTEST" approve --key "$who.key" --stage production --bundle s-appr.jsonl sdir
done
cat ds-train.jsonl ds-test.jsonl s-run.jsonl s-eval.jsonl s-appr.jsonl >s.jsonl
expect "model dir: signed before the gate admits" 0 pol s.jsonl sdir
expect_out "model dir: signed before the gate verifies" 0 "PASS" "$VERIFY" model --key trainer.pub sdir
[ "$(jq -r .payload s-run.jsonl | base64 -d | jq -r '.subject[0].digest.sha256')" = \
	"$(jq -r .payload s-eval.jsonl | base64 -d | jq -r '.subject[0].digest.sha256')" ] &&
	pass "model dir: provenance and evaluation name one digest" || fail "model dir: digests differ"
rm sdir/model.sig
expect "model dir: gate admits without model.sig too" 0 pol s.jsonl sdir
printf 'forged' >sdir/model.sig
expect "model dir: any model.sig content leaves the digest" 0 pol s.jsonl sdir
expect_err "model dir: forged model.sig refused by verify model" 1 "invalid JSON" "$VERIFY" model --key trainer.pub sdir

# SPEC-DIG-4: a shard-mode dataset links to a run only by its name-binding
# digest (shardDirHash), never by its OMS root alone.
mkdir -p cls/benign cls/malicious
printf 'good\n' >cls/benign/a.bin
printf 'evil\n' >cls/malicious/c.bin
cp -r cls cls.orig
q "$ATTEST" dataset --key steward.key --name cls --shard-size 1000 --bundle ds-cls.jsonl cls
jq -n '{policyVersion: 1, keys: {steward: {publicKey: "steward.pub"}, trainer: {publicKey: "trainer.pub"}},
  dataset: {signers: ["steward"]}, training: {signers: ["trainer"], requireAttestedDatasets: true}}' >ds-pol.json
crun() { # BUNDLE [--dataset B]: a run over cls
	local b=$1; shift
	"$ATTEST" run --key trainer.key --input cls "$@" --output cm.bin --bundle "$b" -- sh -c 'cat cls/*/* >cm.bin'
}
q crun cls-run.jsonl --dataset ds-cls.jsonl
cat ds-cls.jsonl cls-run.jsonl >cls-good.jsonl
POLICY=ds-pol.json expect "shard-mode dataset, unmodified tree: admit" 0 pol cls-good.jsonl cm.bin
weak() { printf 'FAIL +dataset\\.attested +training input %s/ has no dataset attestation signed by a dataset key: %s:1 shares only a digest that binds no file names \\(an OMS root\\)  \\[AML' "$1" "$2"; }
mv cls/malicious/c.bin cls/benign/c.bin
expect_err "relabelled tree: attest run --dataset refuses it" 1 "ds-cls.jsonl: no dataset in this attestation matches" crun x.jsonl --dataset ds-cls.jsonl
q crun cls-mv.jsonl
cat ds-cls.jsonl cls-mv.jsonl >cls-mv-all.jsonl
POLICY=ds-pol.json expect_out "relabelled tree (file moved to another class): deny" 1 "$(weak cls 'cls-mv-all\.jsonl')" pol cls-mv-all.jsonl cm.bin
rm -rf cls && cp -r cls.orig cls
rm -rf cls && cp -r cls.orig cls
touch cls/benign/empty.bin
q crun cls-empty.jsonl
cat ds-cls.jsonl cls-empty.jsonl >cls-empty-all.jsonl
POLICY=ds-pol.json expect_out "empty file added: deny" 1 \
	'FAIL +dataset\.attested +training input cls/ has no dataset attestation signed by a dataset key  \[AML' pol cls-empty-all.jsonl cm.bin
rm -rf cls && cp -r cls.orig cls

# A file split at a shard boundary keeps the OMS root of a shard-mode tree.
mkdir spl && head -c 2000 /dev/zero | tr '\0' 'z' >spl/big.bin && cp -r spl spl.orig
q "$ATTEST" dataset --key steward.key --name spl --shard-size 1000 --bundle ds-spl.jsonl spl
q "$ATTEST" run --key trainer.key --input spl --dataset ds-spl.jsonl --output sm.bin --bundle spl-run.jsonl -- sh -c 'cat spl/* >sm.bin'
cat ds-spl.jsonl spl-run.jsonl >spl-good.jsonl
POLICY=ds-pol.json expect "shard-mode dataset with a multi-shard file, unmodified: admit" 0 pol spl-good.jsonl sm.bin
head -c 1000 spl.orig/big.bin >spl/big.bin
head -c 1000 spl.orig/big.bin >spl/big.bin2
q "$ATTEST" run --key trainer.key --input spl --output sm.bin --bundle spl-split.jsonl -- sh -c 'cat spl/* >sm.bin'
cat ds-spl.jsonl spl-split.jsonl >spl-split-all.jsonl
POLICY=ds-pol.json expect_out "file split at a shard boundary: deny" 1 "$(weak spl 'spl-split-all\.jsonl')" pol spl-split-all.jsonl sm.bin

# SPEC-POL-11: a data dependency without a digest matches nothing and
# fails dataset.attested, naming it.
jq -r .payload cls-run.jsonl | base64 -d |
	jq '.predicate.buildDefinition.resolvedDependencies |= map(if .annotations.role == "dataset" then del(.digest) else . end)' >nodig.json
q "$ATTEST" sign --key trainer.key --bundle cls-nodig.jsonl nodig.json
cat ds-cls.jsonl cls-nodig.jsonl >cls-nodig-all.jsonl
POLICY=ds-pol.json expect_out "dependency without a digest: deny, named" 1 \
	'FAIL +dataset\.attested +training input cls/ has no digest, so no dataset attestation can name it  \[AML' pol cls-nodig-all.jsonl cm.bin
jq '.dataset.allowClassifications = ["internal"]' ds-pol.json >ds-pol2.json
POLICY=ds-pol2.json expect_out "dependency without a digest: classification not vacuously passed" 1 \
	'FAIL +dataset\.attested +training input cls/ has no digest' pol cls-nodig-all.jsonl cm.bin

# SPEC-POL-10: held-out is overlap on any shared digest, or containment
# (a file, a subtree, a parent) through the signed manifests.
cp -r data/train trcopy && (cd trcopy && for f in *.csv; do mv "$f" "r-$f"; done)
q "$ATTEST" eval --key evaluator.key --model model.json --dataset trcopy --metrics m.json --bundle ev-copy.jsonl
cat good.jsonl ev-copy.jsonl | grep -v -F -f eval.jsonl >h1.jsonl
expect_out "held-out: renamed byte-identical copy of the training data: deny" 1 \
	'FAIL +evaluation\.held-out +h1\.jsonl:6: eval dataset trcopy/ is a training input: it shares its sha256 digest with data/train/  \[AML' pol h1.jsonl model.json
q "$ATTEST" eval --key evaluator.key --model model.json --dataset data/train/part-1.csv --metrics m.json --bundle ev-file.jsonl
cat good.jsonl ev-file.jsonl | grep -v -F -f eval.jsonl >h2.jsonl
expect_out "held-out: evaluation on one training file: deny" 1 \
	'FAIL +evaluation\.held-out +h2\.jsonl:6: eval dataset data/train/part-1\.csv is the file part-1\.csv of training input data/train/  \[AML' pol h2.jsonl model.json
q "$ATTEST" dataset --key steward.key --name all --license CC-BY-4.0 --classification internal --bundle ds-all.jsonl data
q "$ATTEST" eval --key evaluator.key --model model.json --dataset data --metrics m.json --bundle ev-parent.jsonl
cat good.jsonl ds-all.jsonl ev-parent.jsonl | grep -v -F -f eval.jsonl >h3.jsonl
expect_out "held-out: evaluation on the parent directory: deny" 1 \
	'FAIL +evaluation\.held-out +h3\.jsonl:7: eval dataset data/ holds training input data/train/ \(as train/\)  \[AML' pol h3.jsonl model.json
cat good.jsonl ds-all.jsonl >h4.jsonl
expect "held-out: disjoint data with every manifest at hand: admit" 0 pol h4.jsonl model.json

# Malformed policies are usage errors; missing files cannot be decided.
jq '.approval.treshold = 2' prod.json >typo.json
POLICY=typo.json expect_err "policy with an unknown field" 2 "unknown field" pol good.jsonl model.json
jq '.approval.signers = ["alice", "dave"]' prod.json >nokey.json
POLICY=nokey.json expect_err "signer without a key" 2 "names no key" pol good.jsonl model.json
jq '.approval.threshold = 4' prod.json >thr.json
POLICY=thr.json expect_err "threshold above signers" 2 "threshold" pol good.jsonl model.json
jq '.policyVersion = 2' prod.json >ver.json
POLICY=ver.json expect_err "unknown policy version" 2 "policyVersion" pol good.jsonl model.json
jq '.maxAge = "soon"' prod.json >age.json
POLICY=age.json expect_err "bad maxAge" 2 "maxAge" pol good.jsonl model.json
printf '{"policyVersion": 1, "policyVersion": 1}' >dup.json
POLICY=dup.json expect_err "duplicate key in policy" 2 "dup.json" pol good.jsonl model.json
jq '{policyVersion, keys}' prod.json >nosec.json
POLICY=nosec.json expect_err "a policy with no rule section is a usage error" 2 '^verify: nosec\.json: the policy has no rule section$' pol good.jsonl model.json
jq '{policyVersion, keys, intake: {signers: ["steward"]}}' prod.json >intake-only.json
POLICY=intake-only.json expect_err "intake alone is no rule section" 2 'the policy has no rule section$' pol good.jsonl model.json
POLICY=nope.json expect_err "missing policy" 3 "nope.json" pol good.jsonl model.json
expect_err "missing bundle" 3 "nope.jsonl" pol nope.jsonl model.json
expect_err "usage: no artifact" 2 '^verify: usage: verify policy --policy POLICY\.json ' "$VERIFY" policy --policy prod.json --bundle good.jsonl
jq --arg pem "$(cat trainer.pub)" '.keys.trainer = {publicKey: $pem}' prod.json >inline.json
POLICY=inline.json expect "inline PEM key" 0 pol good.jsonl model.json

# SPEC-ENV-8: one approver is one key however the policy encodes it.
openssl pkey -pubin -in alice.pub -ec_conv_form compressed -out alice-c.pub 2>/dev/null
openssl pkey -pubin -in alice.pub -ec_param_enc explicit -out alice-x.pub 2>/dev/null
cmp -s alice.pub alice-c.pub && fail "compressed key file differs" || pass "compressed key file differs"
for enc in c x; do
	jq --arg f "alice-$enc.pub" '.keys.alice2 = {publicKey: $f} | .approval.signers = ["alice", "alice2"] | .approval.threshold = 2' prod.json >enc-$enc.json
	cat ds-train.jsonl ds-test.jsonl run.jsonl eval.jsonl appr-alice.jsonl >enc.jsonl
	# the same signature twice in one envelope, and the line again
	jq -c '.signatures += .signatures' appr-alice.jsonl >>enc.jsonl
	cat appr-alice.jsonl >>enc.jsonl
	POLICY=enc-$enc.json expect_out "deny: one key in two encodings ($enc) is one approver" 1 \
		"FAIL +approval.threshold +1 of 2 required approvals for production" pol enc.jsonl model.json
done
jq '.approval.signers = ["alice", "bob"] | .approval.threshold = 2' prod.json >enc-two.json
POLICY=enc-two.json expect "two distinct approvers admit" 0 pol good.jsonl model.json
# spec/policy.md 2.9: a name listed twice in signers is refused, not counted.
jq '.approval.signers = ["alice", "alice", "bob"] | .approval.threshold = 3' prod.json >dup-signers.json
POLICY=dup-signers.json expect_err "signers listing a name twice" 2 'approval.signers names "alice" twice' pol good.jsonl model.json

# SPEC-POL-9: junk lines are counted, never turn an admit into a deny.
cp good.jsonl junk-many.jsonl
yes '{not json' | head -n 10001 >>junk-many.jsonl
expect_err "10,001 junk lines: still admitted, junk counted" 0 \
	"ADMIT model.json under prod.json .*, 10001 malformed ignored)" pol junk-many.jsonl model.json
# Past the documented per-bundle ceiling the answer is "could not decide".
cp good.jsonl junk-over.jsonl
yes '{not json' | head -n 250000 >>junk-over.jsonl
expect_err "over 250,000 entries: could not decide" 3 \
	"junk-over.jsonl: more than 250000 entries; could not decide" pol junk-over.jsonl model.json
rm -f junk-over.jsonl

summary

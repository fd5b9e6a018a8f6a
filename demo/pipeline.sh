#!/usr/bin/env bash
# The demo pipeline over the sample data in demo/:
#   keys -> dataset attestations -> attested training run -> evaluation
#   -> two approvals -> a fresh (empty) revocation list -> verify policy
#   (admitted), then denied variants: an evaluation on training data, a
#   tampered model, the steward revoking the training data, and a tampered
#   dataset.
#   demo/pipeline.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: demo/pipeline.sh BUILD_DIR}" && pwd)
attest="$build/attest/attest"
verify="$build/verify/verify"
py=/usr/bin/python3
work=${DEMO_DIR:-$(mktemp -d /tmp/mlattest-demo.XXXXXX)}
mkdir -p "$work"
cd "$work"
step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
# must_reject CMD...: the command must exit 1.
must_reject() {
	printf '$ %s\n' "$*"
	set +e
	"$@"
	local rc=$?
	set -e
	if [ "$rc" -ne 1 ]; then
		echo "demo: expected exit 1 (rejected), got $rc" >&2
		exit 1
	fi
	echo "demo: rejected (exit 1) as expected"
}

step "1. keys: data steward, trainer, evaluator, three release approvers"
for who in steward trainer evaluator alice bob carol; do
	run "$attest" key generate --out "$who"
done

step "2. the steward attests the training and test datasets"
cp -r "$here/data" data
cp "$here/train.py" "$here/evaluate.py" .
run "$attest" dataset --key steward.key --name demo-train --version 1 \
	--license CC-BY-4.0 --classification internal \
	--source https://example.com/demo/raw --bundle data.intoto.jsonl data/train
run "$attest" dataset --key steward.key --name demo-test --version 1 \
	--license CC-BY-4.0 --classification internal --bundle data.intoto.jsonl data/test
run "$verify" dataset --key steward.pub --bundle data.intoto.jsonl data/train

step "3. attest run wraps the training job (SLSA Provenance v1)"
run "$attest" run --key trainer.key --input data/train --dataset data.intoto.jsonl \
	--param lr=3 --param epochs=200 --seed 7 --output model.json \
	--bundle model.intoto.jsonl -- "$py" train.py data/train model.json --lr 3
jq -r .payload model.intoto.jsonl | base64 -d |
	jq '{subject, buildType: .predicate.buildDefinition.buildType,
	     command: .predicate.buildDefinition.externalParameters.command,
	     datasets: [.predicate.buildDefinition.resolvedDependencies[]
	                | select(.annotations.role == "dataset")
	                | {name, dataset: .annotations.dataset}],
	     exitStatus: .predicate.buildDefinition.internalParameters.exitStatus}'

step "4. verify the provenance against the model file"
run "$verify" --key trainer.pub --artifact model.json model.intoto.jsonl

step "5. the evaluator wraps the evaluation on the held-out test set"
run "$attest" eval --key evaluator.key --model model.json --dataset data/test \
	--dataset-attestation data.intoto.jsonl --harness evaluate.py \
	--metrics metrics.json --threshold 'accuracy>=0.85' \
	--bundle eval.intoto.jsonl -- "$py" evaluate.py model.json data/test metrics.json

step "6. two of three approvers sign off for production"
run "$attest" approve --key alice.key --stage production --reason "metrics ok" \
	--expires 720h --bundle approvals.intoto.jsonl model.json
run "$attest" approve --key bob.key --stage production --reason "bias review ok" \
	--expires 720h --bundle approvals.intoto.jsonl model.json

step "7. the deploy gate: verify policy over the whole chain and a fresh revocation list"
cp "$here/policy.json" policy.json
cat data.intoto.jsonl model.intoto.jsonl eval.intoto.jsonl \
	approvals.intoto.jsonl >evidence.intoto.jsonl
run "$attest" revoke --key steward.key --list revocations.json
run "$verify" policy --policy policy.json --bundle evidence.intoto.jsonl \
	--revocations revocations.json \
	--json report.json --vsa-key evaluator.key --vsa model.vsa.json model.json
run "$verify" vsa --key evaluator.pub --artifact model.json --policy policy.json model.vsa.json

step "8. denied: the evaluation was run on the training data"
run "$attest" eval --key evaluator.key --model model.json --dataset data/train \
	--metrics metrics.json --bundle leaky.intoto.jsonl
cat data.intoto.jsonl model.intoto.jsonl leaky.intoto.jsonl \
	approvals.intoto.jsonl >leaky-evidence.intoto.jsonl
must_reject "$verify" policy --policy policy.json \
	--bundle leaky-evidence.intoto.jsonl --revocations revocations.json model.json

step "9. the model file is swapped after training: the gate denies it"
cp model.json model.orig
printf ' ' >>model.json
must_reject "$verify" policy --policy policy.json --bundle evidence.intoto.jsonl \
	--revocations revocations.json model.json
must_reject "$verify" --key trainer.pub --artifact model.json model.intoto.jsonl
mv model.orig model.json

step "10. the steward learns the training data was poisoned and revokes it: the gate denies the model it admitted in step 7"
run "$attest" revoke --key steward.key --list revocations.json \
	--add data/train --reason "rows injected by a compromised scraper"
must_reject "$verify" policy --policy policy.json --bundle evidence.intoto.jsonl \
	--revocations revocations.json model.json

printf '(which models, evaluations and approvals hold it in their lineage? exit 1: something is affected)\n'
must_reject "$verify" lineage --key steward.pub --key trainer.pub --key evaluator.pub \
	--key alice.pub --key bob.pub --bundle evidence.intoto.jsonl --affected data/train

step "11. tamper with the training data: rejected, the changed file named"
printf '0.5,0.5,1\n' >>data/train/part-1.csv
must_reject "$verify" dataset --key steward.pub --bundle data.intoto.jsonl data/train

printf '\ndemo: done; files are in %s\n' "$work"

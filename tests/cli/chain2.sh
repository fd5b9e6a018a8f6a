# The two-generation chain of t_revoke.sh and t_lineage.sh (sourced after
# lib.sh, in $T): dataset D1 (data/train) -> base.json; D2 (data2) +
# base.json -> ft.json; each evaluated on the held-out data/test and
# approved by alice and bob; all.jsonl holds every line. Sets COMMIT (the
# code commit of the base model's run) and PY.
PY=/usr/bin/python3
for who in steward trainer evaluator alice bob carol mallory; do
	"$ATTEST" key generate --out "$who" 2>/dev/null
done
cp -r "$SRC/demo/data" data
cp "$SRC/demo/train.py" "$SRC/demo/evaluate.py" .
mkdir -p data2 && cp data/train/part-0.csv data/train/part-2.csv data2/
q() { "$@" >/dev/null 2>&1 || { echo "setup failed: $*" >&2; exit 1; }; }
mkdir code && printf 'lr: 3\n' >code/train.txt &&
	git -C code init -q && git -C code add train.txt &&
	git -C code -c user.name=t -c user.email=t@example.com commit -qm v1 ||
	{ echo "cannot make code" >&2; exit 1; }
COMMIT=$(git -C code rev-parse HEAD)

# Generation 1: D1 -> base.json. Generation 2: D2 + base.json -> ft.json.
q "$ATTEST" dataset --key steward.key --name d1 --license CC-BY-4.0 \
	--classification internal --bundle ds1.jsonl data/train
q "$ATTEST" dataset --key steward.key --name d2 --license CC-BY-4.0 \
	--classification internal --bundle ds2.jsonl data2
q "$ATTEST" dataset --key steward.key --name test --license CC-BY-4.0 \
	--classification internal --bundle dstest.jsonl data/test
q "$ATTEST" run --key trainer.key --input data/train --dataset ds1.jsonl --code code \
	--output base.json --bundle run1.jsonl -- "$PY" train.py data/train base.json --lr 3
q "$ATTEST" run --key trainer.key --input data2 --dataset ds2.jsonl --base-model base.json \
	--output ft.json --bundle run2.jsonl -- "$PY" train.py data2 ft.json --lr 2
for m in base ft; do
	q "$ATTEST" eval --key evaluator.key --model $m.json --dataset data/test \
		--dataset-attestation dstest.jsonl --metrics m-$m.json --bundle eval-$m.jsonl \
		-- "$PY" evaluate.py $m.json data/test m-$m.json
	for who in alice bob; do
		q "$ATTEST" approve --key "$who.key" --stage production --bundle "appr-$m.jsonl" $m.json
	done
done
cat ds1.jsonl ds2.jsonl dstest.jsonl run1.jsonl run2.jsonl eval-base.jsonl eval-ft.jsonl \
	appr-base.jsonl appr-ft.jsonl >all.jsonl
cmp -s base.json ft.json && { echo "setup: the two models are equal" >&2; exit 1; }


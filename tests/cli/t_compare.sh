# verify compare: two attested training runs. Same inputs and seed give
# the same metrics (exit 0); a different parameter, dataset, code commit
# or seed is named (exit 1); metrics beyond tolerance diverge, within it
# they agree; private parameters are skipped; forged lines always fail.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "missing dependency: $PY" >&2; exit 1; }

for who in trainer evaluator steward mallory; do
	"$ATTEST" key generate --out "$who" 2>/dev/null
done
cp -r "$SRC/demo/data" data
cp "$SRC/demo/train.py" "$SRC/demo/evaluate.py" .
# Two code versions: one-commit repositories with the same origin.
command -v git >/dev/null || { echo "missing dependency: git" >&2; exit 1; }
for c in 1 2; do
	git init -q -b main code$c && echo "v$c" >code$c/train.txt &&
		git -C code$c add train.txt &&
		git -C code$c -c user.name=t -c user.email=t@example.com commit -qm "v$c" &&
		git -C code$c remote add origin https://example.com/train.git ||
		{ echo "cannot make code$c" >&2; exit 1; }
done
C1=$(git -C code1 rev-parse HEAD)
C2=$(git -C code2 rev-parse HEAD)
K="--key trainer.pub --key evaluator.pub"

# [LR=X] mkrun DIR SEED [attest run options]: train (--lr 3, recorded as
# --param lr=X, default 3) and evaluate in DIR,
# both attested into DIR/run.intoto.jsonl.
mkrun() {
	local d=$1 seed=$2
	shift 2
	mkdir "$d" && cp -r data train.py evaluate.py "$d/" || return 1
	(cd "$d" &&
		"$ATTEST" run --key ../trainer.key --input data/train --param "lr=${LR:-3}" --seed "$seed" \
			--code ../code1 "$@" --output model.json --bundle run.intoto.jsonl \
			-- "$PY" train.py data/train model.json --lr 3 >/dev/null &&
		"$ATTEST" eval --key ../evaluator.key --model model.json --dataset data/test \
			--metrics metrics.json --bundle run.intoto.jsonl \
			-- "$PY" evaluate.py model.json data/test metrics.json >/dev/null)
}
# forge IN OUT LINE JQ: OUT is IN with the payload of LINE edited by JQ,
# signatures kept.
forge() {
	{
		head -n $(($3 - 1)) "$1"
		sed -n "$3p" "$1" | jq -c ".payload |= (@base64d | $4 | @base64)"
		tail -n +$(($3 + 1)) "$1"
	} >"$2"
	cmp -s "$1" "$2" && { fail "forge $2: nothing changed"; return 1; }
	return 0
}
c() { "$VERIFY" compare $K "$@"; }

mkrun a 7 && mkrun b 7 && pass "two runs attested" || fail "setup runs"
cmp -s a/metrics.json b/metrics.json && pass "same seed, same metrics" || fail "train.py not deterministic"

# --- consistent, and its forged twins ---
expect_err "same inputs: consistent" 0 "CONSISTENT" c --bundle a/run.intoto.jsonl --bundle b/run.intoto.jsonl
for pat in "SAME     input data/train/" "SAME     code git+https://example.com/train.git" \
	"SAME     param lr=3" "SAME     seed: 7" "SAME     command:" "SAME     model model.json" \
	"SAME     metric accuracy: A" "SAME     metric recall: A"; do
	grep -qF -- "$pat" "$T/out" && pass "names: $pat" || fail "missing: $pat"
done
grep -q DIFFERS "$T/out" && fail "consistent run lists a difference" || pass "no DIFFERS"
forge b/run.intoto.jsonl forged-eval.jsonl 2 'sub("\"accuracy\":[0-9.]+"; "\"accuracy\":0.5")'
expect_err "forged evaluation: rejected" 1 "REJECTED" c --bundle a/run.intoto.jsonl --bundle forged-eval.jsonl
forge b/run.intoto.jsonl forged-prov.jsonl 1 'sub("\"lr\":\"3\""; "\"lr\":\"4\"")'
expect_err "forged provenance: rejected" 1 "REJECTED" c --bundle a/run.intoto.jsonl --bundle forged-prov.jsonl
cp b/run.intoto.jsonl foreign.jsonl
(cd b && "$ATTEST" eval --key ../mallory.key --model model.json --dataset data/test \
	--metrics metrics.json --bundle ../foreign.jsonl)
expect_err "line by an unknown key: rejected" 1 "do not verify" c --bundle a/run.intoto.jsonl --bundle foreign.jsonl
expect_err "without the evaluator's key: rejected" 1 "REJECTED" "$VERIFY" compare --key trainer.pub \
	--bundle a/run.intoto.jsonl --bundle b/run.intoto.jsonl

# --- divergent inputs, each named ---
LR=0.5 mkrun p 7
expect_err "different --param: divergent" 1 "DIVERGENT" c --bundle a/run.intoto.jsonl --bundle p/run.intoto.jsonl
grep -qF 'DIFFERS  param lr: A 3, B 0.5' "$T/out" && pass "the parameter is named" || fail "param not named"
[ "$(grep -c DIFFERS "$T/out")" -eq 1 ] && pass "only the parameter differs" || fail "other differences"
mkrun x 7 --param epochs=200
expect_out "extra --param: divergent" 1 "param epochs only in B" c --bundle a/run.intoto.jsonl --bundle x/run.intoto.jsonl

mkdir d && cp -r data train.py evaluate.py d/ && printf '0.5,0.5,1\n' >>d/data/train/part-2.csv &&
	(cd d && "$ATTEST" run --key ../trainer.key --input data/train --param lr=3 --seed 7 --code ../code1 \
		--output model.json --bundle run.intoto.jsonl -- "$PY" train.py data/train model.json --lr 3 >/dev/null &&
		"$ATTEST" eval --key ../evaluator.key --model model.json --dataset data/test \
			--metrics metrics.json --bundle run.intoto.jsonl \
			-- "$PY" evaluate.py model.json data/test metrics.json >/dev/null)
expect_err "different dataset: divergent" 1 "DIVERGENT" c --bundle a/run.intoto.jsonl --bundle d/run.intoto.jsonl
A_ROOT=$(jq -r .payload a/run.intoto.jsonl | head -1 | base64 -d | jq -r '.predicate.buildDefinition.resolvedDependencies[0].digest.sha256')
grep -qF "DIFFERS  input differs: A data/train/ sha256:$A_ROOT, B data/train/ sha256:" "$T/out" &&
	pass "the dataset is named with both digests" || fail "dataset not named"

mkrun g 7 --code ../code2
expect_err "different code commit: divergent" 1 "DIVERGENT" c --bundle a/run.intoto.jsonl --bundle g/run.intoto.jsonl
grep -qF "DIFFERS  code differs: A git+https://example.com/train.git@refs/heads/main gitCommit:$C1, B git+https://example.com/train.git@refs/heads/main gitCommit:$C2" "$T/out" &&
	pass "the code commit is named" || fail "code not named"

mkrun s 8
expect_out "different seed: divergent" 1 "DIFFERS  seed: A 7, B 8" c --bundle a/run.intoto.jsonl --bundle s/run.intoto.jsonl
if cmp -s a/model.json s/model.json; then
	fail "seed did not change the model"
else
	grep -q "^INFO     the models differ" "$T/out" && pass "different models reported, not counted" || fail "model info"
fi

# --- private parameters: named and skipped ---
(umask 077 && printf 'mix=0.25\n' >mix.params)
mkrun v1 7 --private-params ../mix.params --commitments ../v1.salts
mkrun v2 7 --private-params ../mix.params --commitments ../v2.salts
expect_err "private parameters skipped: consistent" 0 "CONSISTENT" c --bundle v1/run.intoto.jsonl --bundle v2/run.intoto.jsonl
grep -qF "SKIPPED  private parameters are salted commitments and cannot be compared across runs: A {mix} B {mix}" "$T/out" &&
	pass "private parameters named as not comparable" || fail "private parameters"
forge v2/run.intoto.jsonl forged-priv.jsonl 1 'sub("\"mix\":\\{\"sha256\":\"[0-9a-f]{8}"; "\"mix\":{\"sha256\":\"deadbeef")'
expect_err "forged commitment: rejected" 1 'compare: REJECTED: some attestations do not verify under the given keys' c --bundle v1/run.intoto.jsonl --bundle forged-priv.jsonl

# --- metrics and tolerances (fabricated metrics, attested without a command) ---
fab() { # fab BUNDLE JQ: B = a's provenance + an evaluation of a's model with edited metrics
	head -1 a/run.intoto.jsonl >"$1"
	jq "$2" a/metrics.json >fab.json
	(cd a && "$ATTEST" eval --key ../evaluator.key --model model.json --dataset data/test \
		--metrics ../fab.json --bundle "../$1" >/dev/null)
}
fab f.jsonl '.accuracy += 0.02'
expect_out "metric off by 0.02, no tolerance: divergent" 1 "DIFFERS  metric accuracy: A" c --bundle a/run.intoto.jsonl --bundle f.jsonl
[ "$(grep -c DIFFERS "$T/out")" -eq 1 ] && pass "only accuracy differs" || fail "other metrics differ"
expect_err "within --tolerance accuracy=0.05: consistent" 0 "CONSISTENT" c --bundle a/run.intoto.jsonl --bundle f.jsonl --tolerance accuracy=0.05
expect_err "boundary --tolerance accuracy=0.02: consistent" 0 "CONSISTENT" c --bundle a/run.intoto.jsonl --bundle f.jsonl --tolerance accuracy=0.02
expect_out "beyond --tolerance accuracy=0.01: divergent" 1 "> 0.01" c --bundle a/run.intoto.jsonl --bundle f.jsonl --tolerance accuracy=0.01
expect_err "tolerance on another metric does not help" 1 "DIVERGENT" c --bundle a/run.intoto.jsonl --bundle f.jsonl --tolerance recall=0.05
forge f.jsonl forged-f.jsonl 2 'sub("\"accuracy\":[0-9.]+"; "\"accuracy\":0.1")'
expect_err "forged twin of the within-tolerance case: rejected" 1 "REJECTED" c --bundle a/run.intoto.jsonl --bundle forged-f.jsonl --tolerance accuracy=0.05
fab extra.jsonl '. + {"f1": 0.5}'
expect_out "metric in B only: divergent" 1 "metric f1 only in B" c --bundle a/run.intoto.jsonl --bundle extra.jsonl
fab fewer.jsonl 'del(.recall)'
expect_out "metric in A only: divergent" 1 "metric recall only in A" c --bundle a/run.intoto.jsonl --bundle fewer.jsonl

# --- could not decide ---
sed -n 2p a/run.intoto.jsonl >evalonly.jsonl
expect_out "no provenance in A: undecided" 3 "0 verified training provenances" c --bundle evalonly.jsonl --bundle b/run.intoto.jsonl
head -1 a/run.intoto.jsonl >pa.jsonl
head -1 b/run.intoto.jsonl >pb.jsonl
expect_out "no evaluations at all: undecided" 3 "no verified evaluation" c --bundle pa.jsonl --bundle pb.jsonl
cat a/run.intoto.jsonl b/run.intoto.jsonl >two.jsonl
expect_out "two provenances in one bundle: undecided" 3 "needs exactly one" c --bundle two.jsonl --bundle b/run.intoto.jsonl

# --- usage and I/O ---
expect "help" 0 "$VERIFY" compare --help
expect_err "one bundle" 2 'usage: verify compare --key PUB \[--key P' c --bundle a/run.intoto.jsonl
expect_err "three bundles" 2 '--bundle: exactly two \(A and B\)' c --bundle a/run.intoto.jsonl --bundle b/run.intoto.jsonl --bundle b/run.intoto.jsonl
expect_err "no key" 2 'usage: verify compare --key PUB \[--key P' "$VERIFY" compare --bundle a/run.intoto.jsonl --bundle b/run.intoto.jsonl
for bad in accuracy accuracy= =0.1 accuracy=-1 accuracy=abc accuracy=inf; do
	expect_err "bad --tolerance $bad" 2 "--tolerance: (expected NAME=DELTA|DELTA must be a finite number >= 0), got \"" c --bundle a/run.intoto.jsonl --bundle b/run.intoto.jsonl --tolerance "$bad"
done
expect_err "tolerance given twice" 2 '--tolerance: accuracy given twice' c --bundle a/run.intoto.jsonl --bundle b/run.intoto.jsonl \
	--tolerance accuracy=0.1 --tolerance accuracy=0.2
expect_err "missing bundle" 3 'nosuch\.jsonl: No such file or directory' c --bundle a/run.intoto.jsonl --bundle nosuch.jsonl

summary

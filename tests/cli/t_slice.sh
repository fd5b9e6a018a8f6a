#!/usr/bin/env bash
# attest manifest --shard-of auto: the slice from the scheduler's
# environment (SPEC-SCALE-1 Slurm arrays, SPEC-SCALE-2 Kubernetes Indexed
# Jobs) gives the same part as the slice given by hand; anything else is a
# usage error naming what was looked for.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
mkdir -p tree/a tree/b
for i in $(seq 1 30); do printf '%s\n' "$i" >"tree/a/$i.txt"; done
printf 'b\n' >tree/b/x.bin
for i in 0 1 2 3; do "$ATTEST" manifest --shard-of "$i/4" --out "hand$i.json" tree; done
"$ATTEST" manifest --out full.json tree
same() { cmp -s <(jq -S . "$1") <(jq -S . "$2"); }
S() { env -u SLURM_ARRAY_TASK_ID -u SLURM_ARRAY_TASK_MIN -u SLURM_ARRAY_TASK_MAX \
	-u SLURM_ARRAY_TASK_COUNT -u SLURM_ARRAY_TASK_STEP -u JOB_COMPLETION_INDEX "$@"; }
M=("$ATTEST" manifest --shard-of auto)

for i in 0 1 2 3; do
	S SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=3 \
		SLURM_ARRAY_TASK_COUNT=4 "$ATTEST" manifest --shard-of auto --out "slurm$i.json" tree
done
same slurm2.json hand2.json && pass "Slurm task 2 of 0-3 is slice 2/4" || fail "Slurm task 2 differs from 2/4"
same slurm2.json hand1.json && fail "twin: task 2 equals slice 1/4" || pass "twin: task 2 is not slice 1/4"
expect "the four Slurm parts merge" 0 "$ATTEST" manifest --merge --out m.json slurm3.json slurm0.json slurm2.json slurm1.json
same m.json full.json && pass "merged Slurm parts equal the single run" || fail "merged Slurm parts differ"
expect_err "a merge with a part given twice is refused" 1 '^attest: slurm0\.json and slurm0\.json are both slice 1/4 \(hashed with --shard-of 0/4\)$' \
	"$ATTEST" manifest --merge --out m2.json slurm0.json slurm0.json slurm2.json slurm1.json
[ ! -e m2.json ] && pass "nothing written after the refused merge" || fail "m2.json written"
"$ATTEST" manifest --shard-of 1/3 --out third1.json tree
expect_err "a merge with a slice of another count names both" 1 '^attest: third1\.json is slice 2/3; slurm0\.json is of 4 slices$' \
	"$ATTEST" manifest --merge --out m2.json slurm0.json third1.json slurm2.json slurm3.json
expect_err "a whole manifest in a merge is named" 1 '^attest: full\.json is not a slice \(made without --shard-of\)$' \
	"$ATTEST" manifest --merge --out m2.json slurm0.json full.json slurm2.json slurm3.json

expect "Slurm: MIN/COUNT without MAX" 0 S SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=4 SLURM_ARRAY_TASK_COUNT=4 \
	"$ATTEST" manifest --shard-of auto --out c.json tree
same c.json hand1.json && pass "task 5 of 4-7 is slice 1/4" || fail "task 5 of 4-7 differs from 1/4"
expect "Slurm: a stepped array" 0 S SLURM_ARRAY_TASK_ID=6 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=6 \
	SLURM_ARRAY_TASK_STEP=2 SLURM_ARRAY_TASK_COUNT=4 "$ATTEST" manifest --shard-of auto --out st.json tree
same st.json hand3.json && pass "task 6 of 0-6:2 is slice 3/4" || fail "stepped array slice differs"
expect_err "Slurm: a task off the step" 2 '^attest: --shard-of auto: task 5 is not in the array 0\.\.6 step 2$' \
	S SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=6 SLURM_ARRAY_TASK_STEP=2 "${M[@]}" --out x.json tree
expect_err "Slurm: a list array (1,3,7) is not one range" 2 'the Slurm array is not one range \(SLURM_ARRAY_TASK_COUNT=3, range gives 7\); submit it as --array=0-2$' \
	S SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=7 SLURM_ARRAY_TASK_COUNT=3 "${M[@]}" --out x.json tree
expect_err "Slurm: MIN missing" 2 '^attest: --shard-of auto: SLURM_ARRAY_TASK_MIN is not set$' \
	S SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_MAX=3 "${M[@]}" --out x.json tree
expect_err "Slurm: neither MAX nor COUNT" 2 'SLURM_ARRAY_TASK_COUNT is not set$' \
	S SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_MIN=0 "${M[@]}" --out x.json tree
expect_err "Slurm: a task id that is not a number" 2 'SLURM_ARRAY_TASK_ID' \
	S SLURM_ARRAY_TASK_ID=1x SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=3 "${M[@]}" --out x.json tree
expect_err "Slurm: --shards disagreeing with the array" 2 '^attest: --shard-of auto: --shards 3 but the Slurm array has 4 tasks$' \
	S SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=3 "${M[@]}" --shards 3 --out x.json tree
expect "Slurm: --shards agreeing with the array" 0 \
	S SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=3 "${M[@]}" --shards 4 --out ok4.json tree

expect "Kubernetes: JOB_COMPLETION_INDEX=1 --shards 4" 0 S JOB_COMPLETION_INDEX=1 "${M[@]}" --shards 4 --out k1.json tree
same k1.json hand1.json && pass "pod 1 of 4 is slice 1/4" || fail "pod 1 differs from slice 1/4"
same k1.json hand0.json && fail "twin: pod 1 equals slice 0/4" || pass "twin: pod 1 is not slice 0/4"
expect_err "Kubernetes: no --shards" 2 '^attest: --shard-of auto: JOB_COMPLETION_INDEX needs --shards N \(the Job.s completions\)$' \
	S JOB_COMPLETION_INDEX=1 "${M[@]}" --out x.json tree
expect_err "Kubernetes: index past --shards" 2 'JOB_COMPLETION_INDEX' S JOB_COMPLETION_INDEX=4 "${M[@]}" --shards 4 --out x.json tree

expect_err "no scheduler: names every variable looked for" 2 \
	'^attest: --shard-of auto: no scheduler slice found; looked for SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_MAX or SLURM_ARRAY_TASK_COUNT \(Slurm array job\), or JOB_COMPLETION_INDEX with --shards N \(Kubernetes Indexed Job\)$' \
	S "${M[@]}" --out x.json tree
expect_err "--shards with a slice given by hand" 2 '^attest: --shards goes with --shard-of auto$' \
	S "$ATTEST" manifest --shard-of 1/4 --shards 4 --out x.json tree
expect_err "--shards alone" 2 '^attest: --shards goes with --shard-of auto$' \
	S "$ATTEST" manifest --shards 4 --out x.json tree
[ ! -e x.json ] && pass "no manifest written by a refused run" || fail "x.json written by a refused run"
summary

#!/usr/bin/env bash
# A dataset hashed by a Slurm array job on a real one-node cluster: the
# example job scripts (examples/slurm) hash four slices, a dependent job
# merges them and signs; the root equals a one-machine attest dataset of
# the same tree, and a failed slice stops the merge.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/slurm.sh"
cd "$T" || exit 1
EX="$SRC/examples/slurm"

slurm_start || { fail "one-node Slurm cluster started"; summary; }
pass "one-node Slurm cluster started"

"$ATTEST" key generate --out steward >/dev/null 2>&1 || fail "key generate"
mkdir -p data/a/b data/c
for i in $(seq 1 40); do printf 'row %s\n' "$i" >"data/a/f$i.csv"; done
for i in $(seq 1 9); do head -c $((i * 1000)) /dev/urandom >"data/a/b/blob$i.bin"; done
printf 'labels\n' >data/c/labels.txt
"$ATTEST" dataset --key steward.key --name clean --bundle one.intoto.jsonl data 2>/dev/null
root() { jq -r '.payload' "$1" | base64 -d | jq -r '.subject[0].digest | to_entries | map("\(.key):\(.value)") | sort | join(" ")'; }

# The jobs find attest on PATH, as on a cluster where it is installed.
export PATH="$BIN/attest:$PATH"
submit() { # OUTDIR [sbatch options...]: the slice array, held until released
	local out=$1
	shift
	mkdir -p "$out"
	sbatch --parsable --hold --array=0-3 -o "$out/slice-%a.log" \
		--export="ALL,DATA=$T/data,OUT=$out" "$@" "$EX/dataset-slice.sbatch"
}
merge() { # OUTDIR DEPENDENCY
	sbatch --parsable -o "$1/merge.log" --dependency="$2" \
		--export="ALL,DATA=$T/data,OUT=$1,NAME=clean,KEY=$T/steward.key" \
		"$EX/dataset-merge.sbatch"
}

# Happy path: four slices, then the merge and the signature.
jid=$(submit "$T/run1") && mid=$(merge "$T/run1" "afterok:$jid") &&
	scontrol release "$jid" >/dev/null && slurm_wait "$jid" && slurm_wait "$mid"
expect "slice array completed" 0 test "$(slurm_state "$jid")" = COMPLETED
expect "merge job completed after the slices" 0 test "$(slurm_state "$mid")" = COMPLETED
expect "four partial manifests" 0 test "$(ls "$T"/run1/part-*.json 2>/dev/null | wc -l)" -eq 4
[ -s run1/dataset.intoto.jsonl ] && [ "$(root run1/dataset.intoto.jsonl)" = "$(root one.intoto.jsonl)" ] &&
	pass "cluster root equals the one-machine attest dataset root" ||
	fail "cluster root differs ($(root run1/dataset.intoto.jsonl 2>/dev/null) vs $(root one.intoto.jsonl))"
expect "the cluster's attestation verifies the local tree" 0 \
	"$VERIFY" dataset --key steward.pub --bundle run1/dataset.intoto.jsonl data
# Its tampered twin: one byte of one file changed after signing.
cp -r data data2
printf 'x' >>data2/a/f7.csv
expect_out "a changed file fails against the cluster's attestation" 1 'FAIL +changed +a/f7\.csv' \
	"$VERIFY" dataset --key steward.pub --bundle run1/dataset.intoto.jsonl data2

# A failed slice: task 2 is cancelled before it runs; the afterok merge
# never runs and nothing is signed.
jid=$(submit "$T/run2") && mid=$(merge "$T/run2" "afterok:$jid") &&
	scancel "${jid}_2" && scontrol release "$jid" >/dev/null && slurm_wait "$jid"
never() { # JOB: pending for good, its afterok dependency never met
	local i
	for i in $(seq 1 50); do
		scontrol -o show job "$1" | grep -q 'JobState=PENDING.*Reason=DependencyNeverSatisfied' && return 0
		sleep 0.2
	done
	scontrol -o show job "$1" >&2
	return 1
}
expect "a cancelled slice leaves the afterok merge pending for good" 0 never "$mid"
expect "the cancelled slice is the only one not completed" 0 \
	test "$(scontrol -o show job "$jid" | grep -c 'JobState=COMPLETED')" -eq 3
scancel "$mid" 2>/dev/null
slurm_wait "$mid"
expect "no attestation written after a failed slice" 1 test -e run2/dataset.intoto.jsonl
expect "three partial manifests" 0 test "$(ls "$T"/run2/part-*.json 2>/dev/null | wc -l)" -eq 3
# ...and a merge run anyway (afterany) refuses, naming the missing slice.
mid=$(merge "$T/run2" "afterany:$jid") && slurm_wait "$mid"
expect "a merge forced past the failed slice fails" 0 test "$(slurm_state "$mid")" = FAILED
expect "its log names the missing slice" 0 \
	grep -Eq 'missing slice 3/4 \(hashed with --shard-of 2/4\)' run2/merge.log
expect "and nothing was signed" 1 test -e run2/dataset.intoto.jsonl

summary

#!/usr/bin/env bash
# How the cost of a sliced dataset hash grows with the slice count (not a
# test; spec/scale.md quotes it). A tree of many small files and a few large
# ones is hashed whole by one process (-j 1, one core: a "machine"), then as
# N = 2, 4, 8 slices, each slice timed on its own as if it ran on its own
# machine, and merged. With N machines the wall time is the slowest slice
# plus the merge; every slice also lists the whole tree, so that part does
# not shrink. Figures are medians of RUNS runs, as ratios to the one-process
# run and to sha256sum of the same files, measured in the same invocation.
#
# usage: bench/bench-slices.sh     env: RUNS=3 WORK=/tmp FILES=4000 BIG=4
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
WORK=${WORK:-/tmp}
FILES=${FILES:-4000}
BIG=${BIG:-4}
scripts/build.sh build-bench -DCMAKE_BUILD_TYPE=Release -DMLATTEST_TESTS=OFF >/dev/null
A=$PWD/build-bench/attest/attest
dir=$(mktemp -d "$WORK/mlattest-slices.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir"

median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
now() { date +%s.%N; }
el() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.4f\n", b - a}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

mkdir -p tree/small tree/big
python3 - "$FILES" "$BIG" <<'PY'
import os, sys
n, big = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    with open(f"tree/small/{i // 100:03d}-{i}.bin", "wb") as f:
        f.write(os.urandom(2048 + (i * 7919) % 16384))
for i in range(big):
    with open(f"tree/big/{i}.bin", "wb") as f:
        for _ in range(64):
            f.write(os.urandom(1 << 20))
PY
bytes=$(du -sb tree | cut -f1)
cat tree/small/* tree/big/* >/dev/null # warm the cache

one() { local t0; t0=$(now); "$A" manifest -j 1 --out full.json tree; el "$t0" "$(now)"; }
sum() { local t0; t0=$(now); find tree -type f -print0 | xargs -0 sha256sum >/dev/null; el "$t0" "$(now)"; }
base=$(for _ in $(seq "$RUNS"); do one; done | median)
shas=$(for _ in $(seq "$RUNS"); do sum; done | median)
echo "tree: $FILES small files + $BIG x 64 MiB ($((bytes / 1048576)) MiB), $(nproc) cores, median of $RUNS runs"
printf '%-10s %10s %12s %12s %12s %10s\n' slices "slowest s" "merge s" "wall s" "vs 1 proc" "vs sha256sum"
printf '%-10s %10.3f %12s %12.3f %12s %10s\n' 1 "$base" - "$base" 1.00 "$(ratio "$shas" "$base")"
for n in 2 4 8; do
	walls=() slows=() merges=()
	for _ in $(seq "$RUNS"); do
		slow=0
		for i in $(seq 0 $((n - 1))); do
			t0=$(now)
			"$A" manifest -j 1 --shard-of "$i/$n" --out "p$i.json" tree
			t=$(el "$t0" "$(now)")
			slow=$(awk -v a="$slow" -v b="$t" 'BEGIN {print (b > a) ? b : a}')
		done
		t0=$(now)
		"$A" manifest --merge --out merged.json p*.json
		m=$(el "$t0" "$(now)")
		cmp -s <(jq -S . full.json) <(jq -S . merged.json) || { echo "bench: merge differs" >&2; exit 1; }
		rm -f p*.json
		slows+=("$slow") merges+=("$m")
		walls+=("$(awk -v a="$slow" -v b="$m" 'BEGIN {print a + b}')")
	done
	s=$(printf '%s\n' "${slows[@]}" | median)
	m=$(printf '%s\n' "${merges[@]}" | median)
	w=$(printf '%s\n' "${walls[@]}" | median)
	printf '%-10s %10.3f %12.3f %12.3f %12s %10s\n' "$n" "$s" "$m" "$w" "$(ratio "$base" "$w")" "$(ratio "$shas" "$w")"
done

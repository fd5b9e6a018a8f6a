#!/usr/bin/env bash
# attest run --trace overhead (not a test): a Python job opens and reads
# 10,000 files of a declared dataset, then computes for a while; timed
# under attest run with and without --trace, and as plain python3, in the
# same invocation. Medians of RUNS runs; read the ratios (shared machines).
#
# usage: bench/bench-trace.sh      (builds a Release tree in build-bench/)
# env:   RUNS=5  FILES=10000  WORK_S=1 (seconds of computing)  WORK=/tmp
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
FILES=${FILES:-10000}
WORK_S=${WORK_S:-1}
WORK=${WORK:-/tmp}
PY=/usr/bin/python3

die() { echo "bench-trace: $*" >&2; exit 1; }
[ -x "$PY" ] || die "missing $PY"
scripts/build.sh build-bench -DCMAKE_BUILD_TYPE=Release -DMLATTEST_TESTS=OFF >/dev/null
A=$PWD/build-bench/attest/attest
dir=$(mktemp -d "$WORK/mlattest-bench-trace.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir"

median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
now() { date +%s.%N; }
secs() {
	local t0 t1 i
	for i in $(seq "$RUNS"); do
		t0=$(now)
		"$@" >/dev/null 2>&1 || die "failed: $*"
		t1=$(now)
		awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
	done | median
}

"$A" key generate --out k 2>/dev/null
"$PY" - "$FILES" <<'EOF'
import os, sys
n = int(sys.argv[1])
for d in range(n // 1000 + 1):
    os.makedirs("data/%03d" % d, exist_ok=True)
for i in range(n):
    with open("data/%03d/%05d.bin" % (i // 1000, i), "wb") as f:
        f.write(os.urandom(512))
EOF
cat >job.py <<'EOF'
import os, sys, time
total = 0
for root, _, names in os.walk(sys.argv[1]):
    for name in names:
        with open(os.path.join(root, name), "rb") as f:
            total += sum(f.read(64))
end = time.monotonic() + float(sys.argv[3])
x = 0
while time.monotonic() < end:
    x += sum(range(1000))
with open(sys.argv[2], "w") as f:
    f.write("%d %d\n" % (total, x))
EOF

run() { # WORK_SECONDS [--trace]
	local w=$1
	shift
	"$A" run --key k.key "$@" --input data --output out.txt --bundle b.jsonl \
		-- "$PY" job.py data out.txt "$w"
	rm -f b.jsonl
}
echo "attest run --trace: $FILES files of 512 bytes, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ), median of $RUNS runs"
for w in 0 "$WORK_S"; do
	plain=$(secs "$PY" job.py data out.txt "$w")
	untraced=$(secs run "$w")
	traced=$(secs run "$w" --trace)
	awk -v w="$w" -v p="$plain" -v u="$untraced" -v t="$traced" -v n="$FILES" 'BEGIN {
		printf "job (%s s of computing): python3 %.3f s, attest run %.3f s, attest run --trace %.3f s: %.2fx untraced, %.1f us per opened file\n",
			w, p, u, t, t / u, (t - u) / n * 1e6 }'
done

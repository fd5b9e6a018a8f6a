#!/usr/bin/env bash
# verify lineage at scale (not a test): a store of N signed attestations
# (default 100,000: 2,500 lineages of 10 fine-tune generations, each a
# dataset, a provenance, an evaluation and an approval; bench/lineage_gen.c)
# and the wall time of verify lineage --affected for a first-generation
# dataset (30 subjects affected), the shared test set (every evaluation)
# and a digest nothing holds, against plain verify of the same bundle
# (the signature checks every run makes), and at N/2 to show it linear.
# Median CPU seconds (user + system) and wall seconds of RUNS runs.
#
# usage: bench/bench-lineage.sh      (builds a Release tree in build-bench-lineage/)
# env:   N=100000 RUNS=3 WORK=/tmp KEEP=1
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
N=${N:-100000}
RUNS=${RUNS:-3}
WORK=${WORK:-/tmp}
die() { echo "bench-lineage: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || die "missing /usr/bin/time (scripts/setup.sh --test installs it)"
scripts/build.sh build-bench-lineage -DCMAKE_BUILD_TYPE=Release -DMLATTEST_TESTS=OFF \
	-DMLATTEST_BENCH=ON >/dev/null || die "build failed"
cmake --build build-bench-lineage --target lineage_gen >/dev/null || die "build of lineage_gen failed"
G=$PWD/build-bench-lineage/bench/lineage_gen
V=$PWD/build-bench-lineage/verify/verify
dir=$(mktemp -d "$WORK/mlattest-bench-lineage.XXXXXX")
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$dir"; }
trap cleanup EXIT
cd "$dir"

median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
# cpu CMD...: "CPU WALL", the median CPU seconds (user + system) and the
# median wall seconds of RUNS runs: on a shared machine wall time measures
# the neighbours too, CPU time the program.
cpu() {
	local i
	for i in $(seq "$RUNS"); do
		/usr/bin/time -f '%U %S %e' -o "$dir/t" "$@" >/dev/null 2>&1 || [ $? -eq 1 ]
		tail -n 1 "$dir/t" | awk '{print $1 + $2, $3}'
	done >"$dir/runs"
	printf '%s %s\n' "$(cut -d' ' -f1 "$dir/runs" | median)" "$(cut -d' ' -f2 "$dir/runs" | median)"
}
h() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

echo "verify lineage benchmark: $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%M:%SZ), median CPU time of $RUNS runs"
for n in $((N / 2)) "$N"; do
	chains=$((n / 40))
	"$G" "$n" "$chains" "s$n.jsonl" "s$n.pub" || die "generator failed"
	got=$({ "$V" lineage --key "s$n.pub" --bundle "s$n.jsonl" --affected "sha256:$(h 'd 0 0')" 2>/dev/null || true; } | wc -l)
	[ "$got" = 30 ] || die "expected 30 affected subjects for d 0 0, got $got"
	read -r c1 w1 <<<"$(cpu "$V" lineage --key "s$n.pub" --bundle "s$n.jsonl" --affected "sha256:$(h 'd 0 0')")"
	read -r c2 w2 <<<"$(cpu "$V" lineage --key "s$n.pub" --bundle "s$n.jsonl" --affected "sha256:$(h test)")"
	read -r c3 w3 <<<"$(cpu "$V" lineage --key "s$n.pub" --bundle "s$n.jsonl" --affected "sha256:$(h none)")"
	read -r cv wv <<<"$(cpu "$V" --key "s$n.pub" "s$n.jsonl")"
	printf '%7d attestations, CPU s (wall s): lineage %.2f (%.2f) 30 affected, %.2f (%.2f) %d affected, %.2f (%.2f) none; plain verify %.2f (%.2f); lineage/verify CPU %.2f\n' \
		"$n" "$c1" "$w1" "$c2" "$w2" "$((n / 4))" "$c3" "$w3" "$cv" "$wv" "$(awk -v a="$c1" -v b="$cv" 'BEGIN {printf "%.2f", a / b}')"
done

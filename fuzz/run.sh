#!/usr/bin/env bash
# fuzz/run.sh [SECONDS_PER_TARGET]: builds the libFuzzer targets (clang,
# ASan + UBSan) and runs each for SECONDS_PER_TARGET (default 10) on a
# temp copy of its seed corpus, so runs never grow fuzz/corpus/. Prints
# the executions of each target; exits 1 when a target crashed, leaked,
# timed out or failed an invariant (its input is kept in
# BUILD/fuzz-artifacts/), 2 on usage or build errors.
#   FUZZ_BUILD   build directory (default: SRC/build-fuzz)
#   FUZZ_JOBS    targets run at once (default 1)
#   FUZZ_ONLY    space-separated target names to run (default: all)
set -u
secs=${1:-10}
case $secs in '' | *[!0-9]*)
	echo "usage: fuzz/run.sh [SECONDS_PER_TARGET]" >&2
	exit 2
	;;
esac
src=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-$src/build-fuzz}
jobs=${FUZZ_JOBS:-1}
for dep in clang cmake; do
	command -v "$dep" >/dev/null || { echo "missing dependency: $dep" >&2; exit 2; }
done
CC=clang cmake -S "$src" -B "$build" -DMLATTEST_FUZZ=ON -DMLATTEST_WERROR=OFF \
	-DMLATTEST_TESTS=OFF >"$build.configure.log" 2>&1 &&
	cmake --build "$build" --target fuzz -j"$(nproc)" >"$build.build.log" 2>&1 || {
	echo "fuzz build failed: see $build.configure.log and $build.build.log" >&2
	exit 2
}
rm -f "$build.configure.log" "$build.build.log"
work=$(mktemp -d /tmp/mlattest-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"

# run_one NAME: fuzzes one target; its log is $work/NAME.log.
run_one() {
	local name=$1 target=${1#fuzz_} rc
	mkdir -p "$work/corpus/$target" "$work/tmp/$target"
	if [ -d "$src/fuzz/corpus/$target" ]; then
		cp -r "$src/fuzz/corpus/$target/." "$work/corpus/$target/"
	fi
	MLATTEST_FUZZ_TMP="$work/tmp/$target" ASAN_OPTIONS=detect_leaks=1 \
		"$build/fuzz/$name" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -use_value_profile=1 -print_final_stats=1 \
		-artifact_prefix="$artifacts/$name-" "$work/corpus/$target" \
		</dev/null >"$work/$name.log" 2>&1
	rc=$?
	echo "$rc" >"$work/$name.rc"
}

names=${FUZZ_ONLY:-}
if [ -z "$names" ]; then
	for f in "$build"/fuzz/fuzz_*; do
		[ -f "$f" ] && [ -x "$f" ] && names="$names ${f##*/fuzz_}"
	done
fi
running=0
for t in $names; do
	if [ ! -x "$build/fuzz/fuzz_$t" ]; then
		echo "no such target: $t" >&2
		exit 2
	fi
	[ -d "$src/fuzz/corpus/$t" ] || echo "warning: no seed corpus for $t" >&2
	run_one "fuzz_$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

failed=0
printf '%-20s %12s %10s %8s  %s\n' target executions exec/s corpus result
for t in $names; do
	log="$work/fuzz_$t.log"
	rc=$(cat "$work/fuzz_$t.rc" 2>/dev/null || echo 99)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	units=$(find "$work/corpus/$t" -type f | wc -l)
	if [ "$rc" -eq 0 ]; then
		result=ok
	else
		result="FAILED (exit $rc)"
		failed=$((failed + 1))
		cp "$log" "$artifacts/fuzz_$t.log"
	fi
	printf '%-20s %12s %10s %8s  %s\n' "$t" "${execs:-?}" "${speed:-?}" "$units" "$result"
	if [ "$rc" -ne 0 ]; then
		grep -E 'ERROR|invariant|SUMMARY|artifact|==[0-9]+==' "$log" | head -8 | sed 's/^/    | /'
	fi
done
echo "$failed target(s) failed; seconds per target: $secs"
[ "$failed" -eq 0 ]

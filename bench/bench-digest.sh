#!/usr/bin/env bash
# Digest engine benchmark (not a test). Generates deterministic trees,
# warms the page cache, and reports medians of several runs of:
#   openssl speed -evp sha256 (1 process, and -multi NCPU): the SHA-256 limit
#   sha256sum over each tree (one core, for reference)
#   digest_bench (lib/digest.c) with several thread, buffer and shard sizes
# as GB/s, files/s, the ratio to the all-core SHA-256 limit and peak RSS.
#
# usage: bench/bench-digest.sh [path/to/digest_bench]
#   default binary: $BUILD/bench/digest_bench, BUILD=build-digest; configure
#   with -DCMAKE_BUILD_TYPE=Release -DMLATTEST_BENCH=ON.
# env: RUNS=5 (runs per median), WORK=/tmp (where trees go),
#      SETS="small large huge", KEEP=1 keeps the trees.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-${BUILD:-$here/../build-digest}/bench/digest_bench}
RUNS=${RUNS:-5}
WORK=${WORK:-/tmp}
SETS=${SETS:-small large huge}
NCPU=$(getconf _NPROCESSORS_ONLN)

die() { echo "bench-digest: $*" >&2; exit 1; }

[ -x "$BIN" ] || die "no digest_bench at $BIN (build target digest_bench)"
command -v python3 >/dev/null || die "python3 is needed to generate trees"
if [ ! -x /usr/bin/time ]; then
	[ "$(id -u)" = 0 ] || die "install the 'time' package"
	apt-get install -y -qq time >/dev/null || die "cannot install 'time'"
fi
need_kb=$((5 * 1024 * 1024))
free_kb=$(df -Pk "$WORK" | awk 'NR==2 {print $4}')
[ "$free_kb" -gt "$need_kb" ] || die "need 5 GiB free in $WORK"

dir=$(mktemp -d "$WORK/bench-digest.XXXXXX")
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$dir"; }
trap cleanup EXIT

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
# "median best": on a shared machine the best run shows the engine's
# capability, the median what a user sees under the current load.
med_best() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)], v[1]}'; }
now() { date +%s.%N; }

# --- trees -----------------------------------------------------------------
gen_small() { # 20000 files of 2..18 KiB in 200 directories
	python3 - "$1" <<'EOF'
import os, random, sys
root, rng = sys.argv[1], random.Random(1)
for i in range(20000):
    d = os.path.join(root, "d%03d" % (i // 100))
    if i % 100 == 0:
        os.makedirs(d)
    with open(os.path.join(d, "f%05d.bin" % i), "wb") as f:
        f.write(rng.randbytes(2048 + rng.randrange(16 * 1024 + 1)))
EOF
}
stream() { # deterministic bytes: AES-CTR over zeros, key from $2
	head -c "$1" /dev/zero |
		openssl enc -aes-128-ctr -nosalt -K "$(printf '%032x' "$2")" \
			-iv 00000000000000000000000000000000
}
gen_large() { mkdir -p "$1"; for i in 1 2 3 4; do stream 512M "$i" >"$1/part$i.bin"; done; }
gen_huge() { mkdir -p "$1"; stream 2G 9 >"$1/model.bin"; }

for s in $SETS; do
	echo "generating $s ..." >&2
	"gen_$s" "$dir/$s"
done
sync # writeback of the new files would disturb the timings
for s in $SETS; do
	find "$dir/$s" -type f -exec cat {} + >/dev/null # warm the cache
done

# --- SHA-256 limit -------------------------------------------------------------
speed() { # GB/s of openssl speed, args passed through
	openssl speed "$@" -evp sha256 -bytes 16384 -seconds 3 2>/dev/null |
		awk '/^sha256/ {sub("k", "", $2); printf "%.3f\n", $2 * 1000 / 1e9}'
}
# The best of three: a busy machine lowers the limit and would flatter
# the ratios below.
lim1=$(for _ in 1 2 3; do speed; done | sort -g | tail -1)
limn=$(for _ in 1 2 3; do speed -multi "$NCPU"; done | sort -g | tail -1)

# Reading the page cache costs a copy (pread) or page faults (mmap); the
# rate of that copy bounds what any reader of file data can reach.
copy_file=$(find "$dir" -type f -size +100M | head -1)
copy=""
if [ -n "$copy_file" ]; then
	copy=$(for _ in 1 2 3; do
		LC_ALL=C dd if="$copy_file" of=/dev/null bs=1M 2>&1 |
			awk '/copied/ {print $1 / $(NF-3) / 1e9}'
	done | median)
fi

printf '\nSHA-256 limit (openssl speed -evp sha256 -bytes 16384, best of 3)\n'
printf '  1 core: %s GB/s   %s cores: %s GB/s\n' "$lim1" "$NCPU" "$limn"
if [ -n "$copy" ]; then
	awk -v c="$copy" -v l="$lim1" -v n="$NCPU" -v lim="$limn" 'BEGIN {
		cap = n / (1 / l + 1 / c)
		printf "  page-cache copy (dd bs=1M, 1 core): %.2f GB/s; " \
			"hash+copy cap: %.3f GB/s = %.0f%% of the %d-core limit\n",
			c, cap, 100 * cap / lim, n }'
fi
echo
printf '%-6s %-24s %8s %7s %9s %7s %7s | %8s %7s %9s %7s | %7s\n' set tool \
	median GB/s files/s "x${NCPU}core" "x1/thr" best GB/s files/s "x${NCPU}core" \
	"RSS MiB"

# x1/thr: the median GB/s per thread against the 1-core limit, the
# efficiency of each thread, apart from how well the threads scale.
report() { # set tool "median best" bytes files rss_kb threads
	awk -v s="$1" -v t="$2" -v sec="$3" -v b="$4" -v f="$5" -v r="$6" \
		-v th="${7:-1}" -v lim="$limn" -v l1="$lim1" 'BEGIN {
		split(sec, v, " ")
		printf "%-6s %-24s", s, t
		for (i = 1; i <= 2; i++) {
			gbs = b / v[i] / 1e9
			printf " %8.3f %7.3f %9.0f %6.0f%%", v[i], gbs,
				f / v[i], 100 * gbs / lim
			if (i == 1)
				printf " %6.0f%% |", 100 * gbs / th / l1
		}
		printf " | %7.1f\n", r / 1024 }'
}

tree_stats() { # files bytes
	find "$1" -type f -printf '%s\n' | awk '{n++; b += $1} END {print n, b}'
}

run_sha256sum() { # set
	local d=$dir/$1 t0 t1 secs files bytes
	read -r files bytes < <(tree_stats "$d")
	secs=$(for _ in $(seq "$RUNS"); do
		t0=$(now)
		(cd "$d" && find . -type f -print0 | xargs -0 sha256sum >/dev/null)
		t1=$(now)
		awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
	done | med_best)
	report "$1" "sha256sum" "$secs" "$bytes" "$files" 0
}

run_digest() { # set label digest_bench-args...
	local set=$1 label=$2 out secs rss files bytes roots threads
	shift 2
	out=$(for _ in $(seq "$RUNS"); do
		/usr/bin/time -f 'rss=%M' "$BIN" "$@" "$dir/$set" 2>&1
	done)
	roots=$(grep -o 'root=[0-9a-f]*' <<<"$out" | sort -u | wc -l)
	[ "$roots" = 1 ] || die "$set $label: roots differ between runs"
	secs=$(grep -o 'seconds=[0-9.]*' <<<"$out" | cut -d= -f2 | med_best)
	rss=$(grep -o 'rss=[0-9]*' <<<"$out" | cut -d= -f2 | sort -n | tail -1)
	files=$(grep -o 'files=[0-9]*' <<<"$out" | head -1 | cut -d= -f2)
	bytes=$(grep -o 'bytes=[0-9]*' <<<"$out" | head -1 | cut -d= -f2)
	threads=$(grep -o -- '-j[0-9]*' <<<"$*" | head -1 | cut -c3-)
	[ -n "$threads" ] && [ "$threads" != 0 ] || threads=$NCPU
	report "$set" "$label" "$secs" "$bytes" "$files" "$rss" "$threads"
}

for s in $SETS; do
	run_sha256sum "$s"
	case $s in
	small)
		run_digest small "digest -j1" -j1
		run_digest small "digest -j$NCPU" -j0
		run_digest small "digest -j$((2 * NCPU))" -j$((2 * NCPU))
		;;
	large)
		run_digest large "digest -j1 buf 1M" -j1 -b1M
		run_digest large "digest buf 256K" -b256K
		run_digest large "digest buf 1M" -b1M
		run_digest large "digest buf 4M" -b4M
		;;
	huge)
		run_digest huge "digest files (1 unit)" -b1M
		run_digest huge "digest shards 1e9 (OMS)" -s1000000000
		run_digest huge "digest shards 256M" -s256M
		run_digest huge "digest shards 64M" -s64M
		;;
	esac
done
printf '\nmedian and best of %s runs; RSS is the largest; warm cache.\n' \
	"$RUNS"

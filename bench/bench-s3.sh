#!/usr/bin/env bash
# Object store benchmark (not a test). Serves a bucket from s3rver on
# 127.0.0.1 (tests/interop/node_modules, scripts/setup.sh --test), fills
# it with many small objects and a few large ones, and reports medians of
# several runs, in the same invocation, of:
#   attest manifest s3://bench/data/           (whole files)
#   attest manifest --shard-size 64 MiB s3://... (ranged GETs per shard)
#   aws s3 cp --recursive + sha256sum over the download (Debian awscli),
#     the way a team would hash a bucket today
#   attest manifest --shard-of I/N for N = 1, 2, 4 slices run at once,
#     as a Slurm array or Indexed Job would (wall time of the slowest)
# Loopback only: this measures the client, not a network.
#
# usage: bench/bench-s3.sh [BUILD_DIR]   (default: build)
# env: RUNS=3, SMALL=2000 (4 KiB objects), LARGE=4 (64 MiB objects),
#      WORK=/tmp
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
BUILD=${1:-$src/build}
ATTEST=$BUILD/attest/attest
RUNS=${RUNS:-3}
SMALL=${SMALL:-2000}
LARGE=${LARGE:-4}
WORK=${WORK:-/tmp}
S3RVER=$src/tests/interop/node_modules/s3rver/bin/s3rver.js

die() { echo "bench-s3: $*" >&2; exit 1; }
[ -x "$ATTEST" ] || die "no attest at $ATTEST (build first)"
[ -f "$S3RVER" ] || die "no s3rver (scripts/setup.sh --test installs it)"
for dep in node curl python3 sha256sum; do
	command -v "$dep" >/dev/null || die "missing $dep"
done
AWS=
if [ -x /usr/bin/aws ] && dpkg-query -W awscli >/dev/null 2>&1; then
	AWS=/usr/bin/aws
fi

dir=$(mktemp -d "$WORK/bench-s3.XXXXXX")
spid=
cleanup() {
	if [ -n "$spid" ]; then
		kill "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null || true
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
node --openssl-legacy-provider "$S3RVER" -d "$dir/s3" -a 127.0.0.1 -p "$port" \
	--configure-bucket bench -s >"$dir/s3rver.log" 2>&1 &
spid=$!
for _ in $(seq 1 100); do
	curl -s -o /dev/null "http://127.0.0.1:$port/" && break
	sleep 0.1
done
EP=http://127.0.0.1:$port
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1

# The data, written straight into the bucket (and kept locally to check).
python3 - "$dir/tree" "$SMALL" "$LARGE" <<'EOF'
import os, random, sys
root, small, large = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(18)
for i in range(small):
    d = os.path.join(root, "small", "d%02d" % (i % 50))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.bin" % i), "wb") as f:
        f.write(r.randbytes(4096))
os.makedirs(os.path.join(root, "large"), exist_ok=True)
for i in range(large):
    with open(os.path.join(root, "large", "l%d.bin" % i), "wb") as f:
        for _ in range(64):
            f.write(r.randbytes(1 << 20))
EOF
bytes=$(du -sb "$dir/tree" | cut -f1)
(cd "$dir/tree" && find . -type f | cut -c3-) | xargs -P 8 -I{} curl -sf \
	--aws-sigv4 "aws:amz:us-east-1:s3" -u S3RVER:S3RVER -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
	-X PUT --data-binary "@$dir/tree/{}" "$EP/bench/data/{}" -o /dev/null

median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
# secs CMD...: wall seconds of CMD.
secs() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || die "failed: $*"
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}
# row NAME CMD...: the median of RUNS.
row() {
	local name=$1 i m
	shift
	m=$(for i in $(seq 1 "$RUNS"); do secs "$@"; done | median)
	printf '%-46s %7.2f s  %7.1f MB/s  %7.0f objects/s\n' "$name" "$m" \
		"$(echo "$bytes / $m / 1000000" | bc -l)" "$(echo "($SMALL + $LARGE) / $m" | bc -l)"
	eval "T_$(echo "$name" | tr -c 'a-zA-Z0-9\n' _ | cut -c1-20)=$m"
}

"$ATTEST" manifest --s3-endpoint "$EP" --out "$dir/m.json" s3://bench/data/
"$ATTEST" manifest --out "$dir/l.json" "$dir/tree"
cmp -s "$dir/m.json" "$dir/l.json" || die "bucket and local manifests differ"

echo "bucket: $SMALL objects of 4 KiB and $LARGE of 64 MiB, $((bytes / 1000000)) MB, s3rver on loopback, $(getconf _NPROCESSORS_ONLN) cores, median of $RUNS"
row "attest manifest s3:// (whole files)" "$ATTEST" manifest --s3-endpoint "$EP" --out "$dir/m.json" s3://bench/data/
row "attest manifest s3:// --shard-size 64 MiB" "$ATTEST" manifest --shard-size 67108864 --s3-endpoint "$EP" \
	--out "$dir/s.json" s3://bench/data/
cp_hash() {
	rm -rf "$dir/dl"
	"$AWS" --endpoint-url "$EP" s3 cp --recursive --quiet s3://bench/data/ "$dir/dl"
	(cd "$dir/dl" && find . -type f -print0 | sort -z | xargs -0 sha256sum >/dev/null)
}
if [ -n "$AWS" ]; then
	row "aws s3 cp --recursive + sha256sum" cp_hash
else
	echo "aws s3 cp --recursive + sha256sum: skipped, Debian's awscli is not installed (apt-get install awscli)"
fi
slices() {
	local n=$1 i pids=()
	for i in $(seq 0 $((n - 1))); do
		"$ATTEST" manifest --shard-of "$i/$n" -j 1 --s3-endpoint "$EP" --out "$dir/p$i.json" s3://bench/data/ &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || return 1; done
	"$ATTEST" manifest --merge --out "$dir/merged.json" $(for i in $(seq 0 $((n - 1))); do echo "$dir/p$i.json"; done)
	cmp -s "$dir/merged.json" "$dir/l.json"
}
for n in 1 2 4; do
	row "$n slice(s) at once, -j 1 each, + merge" slices "$n"
done

#!/usr/bin/env bash
# mlattest benchmark (not a test). Every figure is a median of several runs
# and is printed as a ratio to a baseline measured in the same invocation,
# because these machines are shared and noisy:
#   1. datasets: attest dataset / verify dataset against the SHA-256 limit
#      (openssl speed, 1 and all cores), sha256sum and in-toto-run -m, on a
#      small (20k files), a large (4 x 512 MiB) and a huge (one 2 GiB file,
#      shard mode) tree; files/s and peak RSS;
#   2. attest run -- true against running true and in-toto-run -- true;
#   3. verify on 10,000 attestations (P-256 and Ed25519) against openssl
#      speed's verify rate, and verify policy over a chain of 1,000 datasets
#      against plain signature checks of the same bundle.
#
# usage: bench/bench.sh            (builds a Release tree in build-bench/)
# env:   RUNS=5  SECTIONS="datasets run verify"  SETS="small large huge"
#        WORK=/tmp  KEEP=1 keeps the generated data
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
SECTIONS=${SECTIONS:-datasets run verify}
SETS=${SETS:-small large huge}
WORK=${WORK:-/tmp}
NCPU=$(getconf _NPROCESSORS_ONLN)

die() { echo "bench: $*" >&2; exit 1; }
for t in openssl sha256sum in-toto-run in-toto-keygen /usr/bin/time python3 jq; do
	command -v "$t" >/dev/null || die "missing $t (scripts/setup.sh --test installs it)"
done
scripts/build.sh build-bench -DCMAKE_BUILD_TYPE=Release -DMLATTEST_TESTS=OFF >/dev/null
A=$PWD/build-bench/attest/attest
V=$PWD/build-bench/verify/verify
dir=$(mktemp -d "$WORK/mlattest-bench.XXXXXX")
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$dir"; }
trap cleanup EXIT
cd "$dir"

median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
now() { date +%s.%N; }
# secs CMD...: median wall seconds of RUNS runs.
secs() {
	local t0 t1 i
	for i in $(seq "$RUNS"); do
		t0=$(now)
		"$@" >/dev/null 2>&1
		t1=$(now)
		awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
	done | median
}
# rss_kb CMD...: peak RSS of one run.
rss_kb() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

speed() {
	openssl speed "$@" -evp sha256 -bytes 16384 -seconds 3 2>/dev/null |
		awk '/^sha256/ {sub("k", "", $2); printf "%.3f\n", $2 * 1000 / 1e9}'
}

echo "mlattest benchmark: $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ), median of $RUNS runs"
"$A" key generate --out p256 2>/dev/null
"$A" key generate --type ed25519 --out ed 2>/dev/null
in-toto-keygen -t ed25519 itt >/dev/null

# ---- 1. datasets ------------------------------------------------------------
gen_small() {
	python3 - "$1" <<'PY'
import os, random, sys
root, rng = sys.argv[1], random.Random(1)
for i in range(20000):
    d = os.path.join(root, "d%03d" % (i // 100))
    if i % 100 == 0:
        os.makedirs(d)
    with open(os.path.join(d, "f%05d.bin" % i), "wb") as f:
        f.write(rng.randbytes(2048 + rng.randrange(16 * 1024 + 1)))
PY
}
stream() {
	head -c "$1" /dev/zero | openssl enc -aes-128-ctr -nosalt \
		-K "$(printf '%032x' "$2")" -iv 00000000000000000000000000000000
}
gen_large() { mkdir -p "$1"; for i in 1 2 3 4; do stream 512M "$i" >"$1/part$i.bin"; done; }
gen_huge() { mkdir -p "$1"; stream 2G 9 >"$1/model.bin"; }

datasets() {
	local lim1 limn s files bytes t_att t_ver t_sum t_itt rss shard
	lim1=$(for _ in 1 2 3; do speed; done | sort -g | tail -1)
	limn=$(for _ in 1 2 3; do speed -multi "$NCPU"; done | sort -g | tail -1)
	printf '\n== datasets (warm page cache)\n'
	printf 'SHA-256 limit (openssl speed -evp sha256, best of 3): 1 core %s GB/s, %s cores %s GB/s\n' \
		"$lim1" "$NCPU" "$limn"
	printf '%-6s %-22s %9s %8s %10s %9s %8s\n' set tool seconds GB/s files/s "x limit" "RSS MiB"
	for s in $SETS; do
		"gen_$s" "data-$s"
		sync
		find "data-$s" -type f -exec cat {} + >/dev/null
		read -r files bytes < <(find "data-$s" -type f -printf '%s\n' |
			awk '{n++; b += $1} END {print n, b}')
		shard=""
		[ "$s" = huge ] && shard="--shard-size 268435456"
		# shellcheck disable=SC2086
		t_att=$(secs "$A" dataset --key p256.key --name b $shard --bundle "att-$s.jsonl" "data-$s")
		rm -f att-*.jsonl ./*.manifest.json
		# shellcheck disable=SC2086
		"$A" dataset --key p256.key --name b $shard --bundle "att-$s.jsonl" "data-$s" 2>/dev/null
		# shellcheck disable=SC2086
		rss=$(rss_kb "$A" dataset --key p256.key --name b $shard "data-$s")
		t_ver=$(secs "$V" dataset --key p256.pub --bundle "att-$s.jsonl" "data-$s")
		t_sum=$(RUNS=$(( RUNS < 3 ? RUNS : 3 )) secs sh -c "cd data-$s && find . -type f -print0 | xargs -0 sha256sum")
		t_itt=$(RUNS=1 secs in-toto-run -n b -k itt -t ed25519 -m "data-$s" -- true)
		rm -f b.*.link
		row() {
			awk -v s="$s" -v t="$1" -v sec="$2" -v b="$bytes" -v f="$files" \
				-v lim="$limn" -v r="$3" 'BEGIN {
				g = b / sec / 1e9
				printf "%-6s %-22s %9.3f %8.3f %10.0f %8.0f%% %8s\n", s, t, sec, g,
					f / sec, 100 * g / lim, r == "" ? "" : sprintf("%.1f", r / 1024) }'
		}
		row "attest dataset" "$t_att" "$rss"
		row "verify dataset" "$t_ver" ""
		row "sha256sum" "$t_sum" ""
		row "in-toto-run -m" "$t_itt" ""
		printf '%-6s attest dataset is %sx sha256sum, %sx in-toto-run; verify/attest time %s\n' \
			"$s" "$(ratio "$t_sum" "$t_att")" "$(ratio "$t_itt" "$t_att")" "$(ratio "$t_ver" "$t_att")"
		[ "${KEEP:-0}" = 1 ] || rm -rf "data-$s"
	done
}

# ---- 2. attest run overhead -------------------------------------------------
run_overhead() {
	local n=50 t_true t_p256 t_ed t_itt per
	printf '\n== attest run -- true (per invocation, median of %d loops of %d)\n' "$RUNS" "$n"
	per() { awk -v t="$1" -v n="$2" 'BEGIN {printf "%.2f", 1000 * t / n}'; }
	t_true=$(secs sh -c "for i in \$(seq $n); do true; done")
	t_true=$(secs sh -c "for i in \$(seq $n); do /bin/true; done")
	t_p256=$(secs sh -c "for i in \$(seq $n); do '$A' run --key p256.key --output o.txt --bundle r.jsonl -- /bin/true; done")
	rm -f r.jsonl
	t_ed=$(secs sh -c "for i in \$(seq $n); do '$A' run --key ed.key --output o.txt --bundle r.jsonl -- /bin/true; done")
	touch o.txt
	t_p256=$(secs sh -c "touch o.txt; for i in \$(seq $n); do '$A' run --key p256.key --output o.txt --bundle r.jsonl -- /bin/true; done")
	t_ed=$(secs sh -c "touch o.txt; for i in \$(seq $n); do '$A' run --key ed.key --output o.txt --bundle r.jsonl -- /bin/true; done")
	t_itt=$(RUNS=3 secs sh -c "for i in 1 2 3 4 5; do in-toto-run -n r -k itt -t ed25519 -- /bin/true; done")
	printf '/bin/true                 %7s ms\n' "$(per "$t_true" $n)"
	printf 'attest run (P-256)        %7s ms  overhead %s ms\n' "$(per "$t_p256" $n)" \
		"$(awk -v a="$t_p256" -v b="$t_true" -v n=$n 'BEGIN {printf "%.2f", 1000 * (a - b) / n}')"
	printf 'attest run (Ed25519)      %7s ms  overhead %s ms\n' "$(per "$t_ed" $n)" \
		"$(awk -v a="$t_ed" -v b="$t_true" -v n=$n 'BEGIN {printf "%.2f", 1000 * (a - b) / n}')"
	printf 'in-toto-run               %7s ms  (%sx attest run P-256)\n' "$(per "$t_itt" 5)" \
		"$(awk -v a="$t_itt" -v b="$t_p256" -v n=$n 'BEGIN {printf "%.0f", (a / 5) / (b / n)}')"
	rm -f r.jsonl ./*.link
}

# ---- 3. verify at scale -----------------------------------------------------
make_bundle() { # KEY OUT: 10,000 lines (100 distinct signed statements x 100)
	local k=$1 out=$2 i
	: >"uniq-$out"
	for i in $(seq 100); do
		jq -n --arg h "$(printf '%064x' "$i")" '{_type: "https://in-toto.io/Statement/v1",
			subject: [{name: "m", digest: {sha256: $h}}],
			predicateType: "https://example.com/bench/v1", predicate: {}}' >st.json
		"$A" sign --key "$k" --bundle "uniq-$out" st.json
	done
	for i in $(seq 100); do cat "uniq-$out"; done >"$out"
}

verify_scale() {
	local t ops k
	printf '\n== verify at scale\n'
	for k in p256 ed; do
		make_bundle "$k.key" "$k.jsonl"
		t=$(secs "$V" --key "$k.pub" "$k.jsonl")
		if [ "$k" = p256 ]; then
			ops=$(openssl speed -seconds 3 ecdsap256 2>/dev/null | awk '/256 bits ecdsa/ {print $NF}')
		else
			ops=$(openssl speed -seconds 3 ed25519 2>/dev/null | awk '/Ed25519/ && /253/ {print $NF}')
		fi
		printf '%-7s 10,000 attestations in %.3f s = %.0f verifications/s on 1 core (openssl speed verify: %s/s, ratio %s)\n' \
			"$k" "$t" "$(awk -v t="$t" 'BEGIN {print 10000 / t}')" "$ops" \
			"$(awk -v t="$t" -v o="$ops" 'BEGIN {printf "%.2f", (10000 / t) / o}')"
	done
	# A chain of 1,000 datasets: one training run over all of them.
	mkdir -p chain && (cd chain && for i in $(seq 1000); do mkdir -p "d$i" && echo "$i" >"d$i/x"; done)
	: >chain.jsonl
	for i in $(seq 1000); do
		"$A" dataset --key p256.key --name "d$i" --license MIT --classification public \
			--bundle chain.jsonl "chain/d$i" 2>/dev/null
	done
	args=()
	for i in $(seq 1000); do args+=(--input "chain/d$i"); done
	"$A" run --key p256.key "${args[@]}" --output chain/model --bundle chain.jsonl \
		-- sh -c 'echo m >chain/model' 2>/dev/null
	"$A" eval --key p256.key --model chain/model --dataset chain/d1 --metrics <(echo '{"acc": 1}') \
		--bundle chain.jsonl 2>/dev/null || true
	jq -n '{policyVersion: 1, keys: {k: {publicKey: "p256.pub"}},
		dataset: {signers: ["k"], allowClassifications: ["public"], requireLicense: true},
		training: {signers: ["k"], requireSuccess: true, requireAttestedDatasets: true}}' >chain-policy.json
	local tp tv
	tp=$(secs "$V" policy --policy chain-policy.json --bundle chain.jsonl chain/model)
	tv=$(secs "$V" --key p256.pub chain.jsonl)
	"$V" policy --policy chain-policy.json --bundle chain.jsonl chain/model >/dev/null 2>&1 ||
		die "the chain policy did not admit"
	printf 'policy over 1,000 datasets (%s attestations): %.3f s; plain verify of the same bundle %.3f s; ratio %s\n' \
		"$(wc -l <chain.jsonl)" "$tp" "$tv" "$(ratio "$tp" "$tv")"
}

for section in $SECTIONS; do
	case $section in
	datasets) datasets ;;
	run) run_overhead ;;
	verify) verify_scale ;;
	*) die "unknown section $section" ;;
	esac
done

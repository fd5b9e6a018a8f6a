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
#      speed's verify rate (both per CPU second, as openssl speed counts),
#      the start-up of verify, and verify policy over a chain of 1,000
#      datasets against plain signature checks of the same bundle;
#   4. verify policy over 10k, 100k and 1M attestations (bench/gen-
#      attestations.py; bundles of at most 250,000, the ceiling): time,
#      CPU, peak RSS, against plain verify of the same bundles;
#   5. keyless: verify of 500 copies of a Sigstore conformance bundle
#      (Fulcio certificate, Rekor entry, SCT) in one process, per CPU
#      second, against sigstore-js verifying the same bundle as often in
#      one node process (tests/interop/keyless-bench.mjs).
#
# usage: bench/bench.sh            (builds a Release tree in build-bench/)
# env:   RUNS=5  SECTIONS="datasets run verify scale keyless"  SETS="small large huge"
#        SCALE="10000 100000 1000000"  SCALE_RUNS=3
#        WORK=/tmp  KEEP=1 keeps the generated data
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
SECTIONS=${SECTIONS:-datasets run verify scale keyless}
SCALE=${SCALE:-10000 100000 1000000}
SCALE_RUNS=${SCALE_RUNS:-3}
SETS=${SETS:-small large huge}
WORK=${WORK:-/tmp}
NCPU=$(getconf _NPROCESSORS_ONLN)

die() { echo "bench: $*" >&2; exit 1; }
for t in openssl sha256sum in-toto-run in-toto-keygen /usr/bin/time python3 jq; do
	command -v "$t" >/dev/null || die "missing $t (scripts/setup.sh --test installs it)"
done
python3 -c 'import cryptography' 2>/dev/null || die "missing python3-cryptography (for bench/gen-attestations.py)"
GEN=$PWD/bench/gen-attestations.py
scripts/build.sh build-bench -DCMAKE_BUILD_TYPE=Release -DMLATTEST_TESTS=OFF >/dev/null
A=$PWD/build-bench/attest/attest
V=$PWD/build-bench/verify/verify
dir=$(mktemp -d "$WORK/mlattest-bench.XXXXXX")
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$dir"; }
trap cleanup EXIT
ROOT=$PWD
cd "$dir"

median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
now() { date +%s.%N; }
# secs CMD...: median wall seconds of RUNS runs.
secs() {
	local t0 t1 i
	for i in $(seq "$RUNS"); do
		t0=$(now)
		"$@" >/dev/null 2>&1 || die "failed: $*"
		t1=$(now)
		awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
	done | median
}
# cpu CMD...: median user+system CPU seconds of RUNS runs (openssl speed
# divides by CPU time too, so the ratio holds on a busy machine).
cpu() {
	local i
	for i in $(seq "$RUNS"); do
		/usr/bin/time -f '%U %S' "$@" 2>&1 >/dev/null | tail -1 |
			awk '{print $1 + $2}'
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
	printf '%-6s %-22s %9s %8s %10s %9s %9s %8s\n' set tool seconds GB/s files/s "x limit" "per core" "RSS MiB"
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
		# per core: GB/s per thread used against the 1-core limit, so
		# a gap that is not parallelism shows.
		row() {
			awk -v s="$s" -v t="$1" -v sec="$2" -v b="$bytes" -v f="$files" \
				-v lim="$limn" -v l1="$lim1" -v th="$4" -v r="$3" 'BEGIN {
				g = b / sec / 1e9
				printf "%-6s %-22s %9.3f %8.3f %10.0f %8.0f%% %8.0f%% %8s\n", s, t, sec, g,
					f / sec, 100 * g / lim, 100 * g / th / l1,
					r == "" ? "" : sprintf("%.1f", r / 1024) }'
		}
		row "attest dataset" "$t_att" "$rss" "$NCPU"
		row "verify dataset" "$t_ver" "" "$NCPU"
		row "sha256sum" "$t_sum" "" 1
		row "in-toto-run -m" "$t_itt" "" 1
		printf '%-6s attest dataset is %sx sha256sum, %sx in-toto-run; verify/attest time %s\n' \
			"$s" "$(ratio "$t_sum" "$t_att")" "$(ratio "$t_itt" "$t_att")" "$(ratio "$t_ver" "$t_att")"
		[ "${KEEP:-0}" = 1 ] || rm -rf "data-$s"
	done
}

# ---- 2. attest run overhead -------------------------------------------------
run_overhead() {
	local n=50 t_true t_p256 t_ed t_all t_itt c_true c_p256 c_all
	printf '\n== attest run -- true (per invocation, median of %d loops of %d)\n' "$RUNS" "$n"
	per() { awk -v t="$1" -v n="$2" 'BEGIN {printf "%.2f", 1000 * t / n}'; }
	# A loop of n runs; any run that fails stops the benchmark (a failing
	# run is fast and would be timed as if it had attested).
	loop() { printf 'for i in $(seq %d); do %s || exit 1; done' "$n" "$1"; }
	# /bin/true changes no output: --allow-unchanged-output attests it
	# as unchanged, after hashing it as a real output. Each run appends
	# to a bundle of its own: appending rewrites the bundle (write, fsync,
	# rename), so one growing bundle would time its size.
	local plain="--output o.txt --allow-unchanged-output --bundle r.\$i.jsonl"
	touch o.txt
	t_true=$(secs sh -c "$(loop /bin/true)")
	t_p256=$(secs sh -c "$(loop "'$A' run --key p256.key $plain -- /bin/true")")
	t_ed=$(secs sh -c "$(loop "'$A' run --key ed.key $plain -- /bin/true")")
	# Every option that needs neither the network nor a TPM.
	mkdir -p run-in run-code run-logs run-links && echo x >run-in/a && echo c >run.cfg
	printf 'lr=0.1\n' >run-private && chmod 600 run-private
	(cd run-code && git init -q && echo s >s.py && git add s.py &&
		git -c user.email=b@example.com -c user.name=b commit -qm s)
	local all="--input run-in --param epochs=3 --config run.cfg --env HOME --seed 7 \
		--builder-id https://example.com/b --code run-code --capture-logs run-logs \
		--in-toto-link run-links --private-params run-private --allow-unchanged-output"
	local every="'$A' run --key p256.key $all --commitments run-commit --output o.txt --bundle r.\$i.jsonl -- /bin/true"
	t_all=$(secs sh -c "$(loop "rm -f run-commit; $every")")
	t_itt=$(RUNS=3 secs sh -c "for i in 1 2 3 4 5; do in-toto-run -n r -k itt -t ed25519 -- /bin/true; done")
	# CPU per invocation too (user+system of the loop's children): wall
	# time on a busy machine is mostly waiting for a core.
	c_true=$(cpu sh -c "$(loop /bin/true)")
	c_p256=$(cpu sh -c "$(loop "'$A' run --key p256.key $plain -- /bin/true")")
	c_all=$(cpu sh -c "$(loop "rm -f run-commit; $every")")
	over() { awk -v a="$1" -v b="$2" -v n=$n 'BEGIN {printf "%.2f", 1000 * (a - b) / n}'; }
	printf '%-38s %8s ms wall %8s ms CPU\n' /bin/true "$(per "$t_true" $n)" "$(per "$c_true" $n)"
	printf '%-38s %8s ms wall %8s ms CPU  overhead %s ms wall, %s ms CPU\n' "attest run (P-256)" \
		"$(per "$t_p256" $n)" "$(per "$c_p256" $n)" "$(over "$t_p256" "$t_true")" "$(over "$c_p256" "$c_true")"
	printf '%-38s %8s ms wall  overhead %s ms\n' "attest run (Ed25519)" "$(per "$t_ed" $n)" "$(over "$t_ed" "$t_true")"
	printf '%-38s %8s ms wall %8s ms CPU  overhead %s ms wall, %s ms CPU\n' "attest run (P-256, all local options)" \
		"$(per "$t_all" $n)" "$(per "$c_all" $n)" "$(over "$t_all" "$t_true")" "$(over "$c_all" "$c_true")"
	printf 'in-toto-run               %7s ms  (%sx attest run P-256)\n' "$(per "$t_itt" 5)" \
		"$(awk -v a="$t_itt" -v b="$t_p256" -v n=$n 'BEGIN {printf "%.0f", (a / 5) / (b / n)}')"
	rm -f r.*.jsonl ./*.link
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
	local t c ops k n=50 t_true t_help t_one c_true c_one
	printf '\n== verify at scale (rates per CPU second, as openssl speed counts; wall time beside)\n'
	for k in p256 ed; do
		make_bundle "$k.key" "$k.jsonl"
		t=$(secs "$V" --key "$k.pub" "$k.jsonl")
		# Each run of verify is paired with a run of openssl speed just
		# after it, and the ratio is the median of the pairs' ratios:
		# the machine's speed drifts more between minutes than within
		# one pair.
		local i rc ro rows=""
		for i in $(seq "$RUNS"); do
			rc=$(RUNS=1 cpu "$V" --key "$k.pub" "$k.jsonl")
			if [ "$k" = p256 ]; then
				ro=$(openssl speed -seconds 2 ecdsap256 2>/dev/null | awk '/256 bits ecdsa/ {print $NF}')
			else
				ro=$(openssl speed -seconds 2 ed25519 2>/dev/null | awk '/Ed25519/ && /253/ {print $NF}')
			fi
			rows="$rows$rc $ro
"
		done
		c=$(printf '%s' "$rows" | awk '{print $1}' | median)
		ops=$(printf '%s' "$rows" | awk '{print $2}' | median)
		printf '%-7s 10,000 attestations: %.3f s CPU (%.3f s wall) = %.0f verifications per CPU second (openssl speed verify: %s/s; ratio, median of %d pairs: %s)\n' \
			"$k" "$c" "$t" "$(awk -v t="$c" 'BEGIN {print 10000 / t}')" "$ops" "$RUNS" \
			"$(printf '%s' "$rows" | awk '{printf "%.3f\n", (10000 / $1) / $2}' | median)"
	done
	head -1 p256.jsonl >one.jsonl
	t_true=$(secs sh -c "for i in \$(seq $n); do /bin/true; done")
	t_help=$(secs sh -c "for i in \$(seq $n); do '$V' --help; done")
	t_one=$(secs sh -c "for i in \$(seq $n); do '$V' --key p256.pub one.jsonl; done")
	c_true=$(cpu sh -c "for i in \$(seq $n); do /bin/true; done")
	c_one=$(cpu sh -c "for i in \$(seq $n); do '$V' --key p256.pub one.jsonl; done")
	printf 'verify start-up over /bin/true: --help %s ms, one P-256 attestation %s ms wall, %s ms CPU\n' \
		"$(awk -v a="$t_help" -v b="$t_true" -v n=$n 'BEGIN {printf "%.2f", 1000 * (a - b) / n}')" \
		"$(awk -v a="$t_one" -v b="$t_true" -v n=$n 'BEGIN {printf "%.2f", 1000 * (a - b) / n}')" \
		"$(awk -v a="$c_one" -v b="$c_true" -v n=$n 'BEGIN {printf "%.2f", 1000 * (a - b) / n}')"
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

# ---- 4. verify policy over many attestations ----------------------------------
policy_scale() {
	local n args tp cp rp tv rv i
	printf '\n== verify policy over N attestations (median of %d; bundles of at most 250,000 entries)\n' "$SCALE_RUNS"
	# A chain of 10 datasets and the training run over them, then fillers.
	rm -rf sc && mkdir sc && : >sc-chain.jsonl
	args=()
	for i in $(seq 10); do
		mkdir -p "sc/d$i" && echo "$i" >"sc/d$i/x"
		"$A" dataset --key p256.key --name "d$i" --license MIT --classification public \
			--bundle sc-chain.jsonl "sc/d$i" 2>/dev/null
		args+=(--input "sc/d$i")
	done
	"$A" run --key p256.key "${args[@]}" --output sc/model --bundle sc-chain.jsonl \
		-- sh -c 'echo m >sc/model' 2>/dev/null
	jq -n '{policyVersion: 1, keys: {k: {publicKey: "p256.pub"}},
		dataset: {signers: ["k"], allowClassifications: ["public"], requireLicense: true},
		training: {signers: ["k"], requireSuccess: true, requireAttestedDatasets: true}}' >sc-policy.json
	printf '%9s %9s %9s %9s %9s %11s | %9s %9s %9s\n' attests "wall s" "CPU s" "us/att" "RSS MiB" "KiB/att" \
		"verify CPU" "RSS MiB" "policy/v"
	for n in $SCALE; do
		rm -f sc-fill.*.jsonl
		python3 "$GEN" p256.key sc-chain.jsonl $((n - 11)) sc-fill >/dev/null
		args=(--bundle sc-chain.jsonl)
		for i in sc-fill.*.jsonl; do args+=(--bundle "$i"); done
		"$V" policy -q --policy sc-policy.json "${args[@]}" sc/model >/dev/null 2>&1 ||
			die "the policy over $n attestations did not admit"
		tp=$(RUNS=$SCALE_RUNS secs "$V" policy -q --policy sc-policy.json "${args[@]}" sc/model)
		cp=$(RUNS=$SCALE_RUNS cpu "$V" policy -q --policy sc-policy.json "${args[@]}" sc/model)
		rp=$(rss_kb "$V" policy -q --policy sc-policy.json "${args[@]}" sc/model)
		tv=$(RUNS=$SCALE_RUNS cpu "$V" --key p256.pub sc-chain.jsonl sc-fill.*.jsonl)
		rv=$(rss_kb "$V" --key p256.pub sc-chain.jsonl sc-fill.*.jsonl)
		awk -v n="$n" -v tp="$tp" -v cp="$cp" -v rp="$rp" -v tv="$tv" -v rv="$rv" 'BEGIN {
			printf "%9d %9.2f %9.2f %9.1f %9.0f %11.1f | %9.2f %9.0f %9.2f\n", n, tp, cp,
				1e6 * cp / n, rp / 1024, rp / n, tv, rv / 1024, cp / tv }'
	done
	rm -f sc-fill.*.jsonl
}

keyless() {
	local c=$ROOT/tests/vectors/sigstore-conformance/bundle-verify n=500 i tv js
	local id=https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main
	local iss=https://token.actions.githubusercontent.com
	command -v node >/dev/null || die "missing node (scripts/setup.sh --test)"
	[ -d "$ROOT/tests/interop/node_modules/@sigstore/verify" ] ||
		die "run npm ci in tests/interop"
	mkdir -p kl
	for i in $(seq "$n"); do cp "$c/happy-path-v0.3/bundle.sigstore.json" "kl/b$i.json"; done
	"$V" --certificate-identity "$id" --certificate-oidc-issuer "$iss" \
		--artifact "$c/a.txt" kl/b*.json >/dev/null 2>&1 || die "keyless verify failed"
	tv=$(cpu "$V" --certificate-identity "$id" --certificate-oidc-issuer "$iss" \
		--artifact "$c/a.txt" kl/b*.json)
	js=$(for i in $(seq "$RUNS"); do
		node "$ROOT/tests/interop/keyless-bench.mjs" "$n" \
			"$c/happy-path-v0.3/bundle.sigstore.json" "$c/a.txt" \
			"$ROOT/data/trusted_root.json" "$id" "$iss"
	done | median)
	tv=$(awk -v n="$n" -v t="$tv" 'BEGIN {printf "%.0f", n / t}')
	printf 'keyless verify: %s bundles per CPU second (%d in one process); sigstore-js %.0f/s; ratio %s\n' \
		"$tv" "$n" "$js" "$(ratio "$tv" "$js")"
}

for section in $SECTIONS; do
	case $section in
	datasets) datasets ;;
	run) run_overhead ;;
	verify) verify_scale ;;
	scale) policy_scale ;;
	keyless) keyless ;;
	*) die "unknown section $section" ;;
	esac
done

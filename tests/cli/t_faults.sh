# Faults while writing (SPEC-OUT-1): SIGKILL at random points of a .jsonl
# append and of key generation, a full disk (a 64 KiB tmpfs) and a
# read-only destination (a read-only bind mount: chmod is no barrier to
# root). Every failure must exit 3 with a message naming the file, leave
# the previous file byte for byte and leave no temp file behind; a killed
# process may leave only its own PATH.tmp.XXXXXX. Needs root for mount(8).
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
export LC_ALL=C
for dep in mount umount perl timeout; do
	command -v "$dep" >/dev/null || { echo "missing dependency: $dep" >&2; exit 1; }
done
MOUNTS=()
cleanup() {
	local m
	for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m"; done
	rm -rf "$T"
}
trap cleanup EXIT
cd "$T" || exit 1
quiet() { "$@" >/dev/null 2>&1 || { echo "setup failed: $*" >&2; exit 1; }; }
quiet "$ATTEST" key generate --out k
printf 'weights v1\n' >model.bin
statement st.json model.bin

# valid_jsonl FILE: every line verifies under k.pub.
valid_jsonl() { "$VERIFY" --key k.pub "$1" >/dev/null 2>&1; }
# no_temps DIR: no *.tmp.* file in DIR.
no_temps() { ! ls "$1"/*.tmp.* >/dev/null 2>&1; }

# ---- 1. SIGKILL during .jsonl appends ------------------------------------------
b=kill.intoto.jsonl
for i in 1 2 3; do quiet "$ATTEST" sign --key k.key --bundle $b st.json; done
start=$(date +%s%N)
quiet "$ATTEST" sign --key k.key --bundle probe.intoto.jsonl st.json
us=$((($(date +%s%N) - start) / 1000)) # one append, in microseconds
[ "$us" -gt 100 ] || us=100
runs=0 killed=0 appended=0 bad=""
deadline=$(($(date +%s) + 90))
while [ "$runs" -lt 150 ] && [ "$(date +%s)" -lt "$deadline" ]; do
	runs=$((runs + 1))
	cp $b before.jsonl
	n=$(wc -l <before.jsonl)
	"$ATTEST" sign --key k.key --bundle $b st.json >/dev/null 2>&1 &
	pid=$!
	# Sleep a random 0..1.2x of one append's time, then SIGKILL.
	perl -e 'select(undef, undef, undef, rand($ARGV[0] * 1.2) / 1e6)' "$us"
	kill -KILL $pid 2>/dev/null
	{ wait $pid; } 2>/dev/null
	rc=$?
	[ "$rc" -eq 137 ] && killed=$((killed + 1))
	m=$(wc -l <$b)
	if ! cmp -s -n "$(wc -c <before.jsonl)" before.jsonl $b; then
		bad="run $runs: old lines changed"
		break
	fi
	if [ "$m" -eq "$n" ]; then
		cmp -s before.jsonl $b || { bad="run $runs: partial line"; break; }
		[ "$rc" -ne 0 ] || { bad="run $runs: exit 0 but no new line"; break; }
	elif [ "$m" -eq $((n + 1)) ]; then
		tail -n 1 $b | jq -e .signatures >/dev/null 2>&1 ||
			{ bad="run $runs: the new line is not whole"; break; }
		appended=$((appended + 1))
	else
		bad="run $runs: $n lines became $m"
		break
	fi
done
[ -z "$bad" ] && pass "SIGKILL during append: $runs runs ($killed killed, $appended appended), old lines intact, new line whole or absent" ||
	fail "SIGKILL during append: $bad"
[ "$killed" -gt 0 ] && pass "SIGKILL hit a running append" || fail "SIGKILL never hit a running append"
others=$(find . -maxdepth 1 -name '*.tmp.*' ! -name "$b.tmp.??????" | wc -l)
[ "$others" -eq 0 ] && pass "killed appends left only $b.tmp.XXXXXX files ($(find . -maxdepth 1 -name "$b.tmp.*" | wc -l))" ||
	fail "unexpected temp files: $(find . -maxdepth 1 -name '*.tmp.*' ! -name "$b.tmp.??????")"
n=$(wc -l <$b)
expect "append after the kills" 0 "$ATTEST" sign --key k.key --bundle $b st.json
[ "$(wc -l <$b)" -eq $((n + 1)) ] && valid_jsonl $b &&
	pass "bundle after the kills: $((n + 1)) lines, all verify" ||
	fail "bundle after the kills does not verify"
rm -f ./*.tmp.*

# ---- 2. SIGKILL during key generation ---------------------------------------------
bad=""
for i in $(seq 1 30); do
	rm -f kk.key kk.pub
	"$ATTEST" key generate --out kk >/dev/null 2>&1 &
	pid=$!
	perl -e 'select(undef, undef, undef, rand(0.03))'
	kill -KILL $pid 2>/dev/null
	{ wait $pid; } 2>/dev/null
	if [ -e kk.key ] && ! "$ATTEST" key public kk.key >/dev/null 2>&1; then
		bad="run $i: kk.key exists but does not load"
		break
	fi
	if [ -e kk.pub ] && ! cmp -s kk.pub <("$ATTEST" key public kk.key 2>/dev/null); then
		bad="run $i: kk.pub is not kk.key's public key"
		break
	fi
	[ "$(stat -c %a kk.key 2>/dev/null || echo 600)" = 600 ] || { bad="run $i: key mode"; break; }
done
others=$(find . -maxdepth 1 -name '*.tmp.*' ! -name 'kk.key.tmp.??????' ! -name 'kk.pub.tmp.??????' | wc -l)
[ -z "$bad" ] && [ "$others" -eq 0 ] &&
	pass "SIGKILL during key generate: 30 runs, keys whole or absent" ||
	fail "SIGKILL during key generate: ${bad:-unexpected temp files}"
rm -f ./*.tmp.* kk.key kk.pub

# ---- 3. a full disk ----------------------------------------------------------------
mkdir full
mount -t tmpfs -o size=64k,mode=0755 tmpfs full || { fail "mount tmpfs (needs root)"; summary; exit; }
MOUNTS+=("$T/full")
# Append until the disk is full: the failing append exits 3 and keeps the file.
i=0 rc=0
while [ $i -lt 200 ]; do
	cp full/b.intoto.jsonl before.jsonl 2>/dev/null || : >before.jsonl
	"$ATTEST" sign --key k.key --bundle full/b.intoto.jsonl st.json >/dev/null 2>"$T/err"
	rc=$?
	[ $rc -ne 0 ] && break
	i=$((i + 1))
done
[ $i -gt 0 ] && [ $i -lt 200 ] && pass "disk full after $i appends" || fail "disk never filled ($i appends)"
[ $rc -eq 3 ] && pass "append on a full disk exits 3" || fail "append on a full disk: exit $rc"
grep -q 'full/b.intoto.jsonl.*No space left' "$T/err" && pass "append on a full disk names the file and ENOSPC" ||
	{ fail "append on a full disk: message"; cat "$T/err"; }
cmp -s before.jsonl full/b.intoto.jsonl && valid_jsonl full/b.intoto.jsonl &&
	pass "full disk: the bundle is intact" || fail "full disk: the bundle changed"
no_temps full && pass "full disk: no temp file left" || fail "full disk: temp files left"
# Fill the rest, then whole-file outputs and keys.
head -c 65536 /dev/zero >full/filler 2>/dev/null
expect_err "whole-file bundle on a full disk" 3 "full/x.dsse.json.*No space left" \
	"$ATTEST" sign --key k.key --bundle full/x.dsse.json st.json
[ ! -e full/x.dsse.json ] && no_temps full && pass "full disk: no partial bundle" ||
	fail "full disk: partial bundle or temp file"
expect_err "key generate on a full disk" 3 "full/nk.*No space left" \
	"$ATTEST" key generate --out full/nk
[ ! -e full/nk.key ] && [ ! -e full/nk.pub ] && no_temps full &&
	pass "full disk: no partial key" || fail "full disk: key files left: $(ls full)"
expect_err "manifest on a full disk" 3 "full/m.json.*No space left" \
	"$ATTEST" manifest --out full/m.json model.bin
[ ! -e full/m.json ] && no_temps full && pass "full disk: no partial manifest" ||
	fail "full disk: partial manifest"

# ---- 4. a read-only destination -------------------------------------------------
mkdir rw ro
quiet "$ATTEST" sign --key k.key --bundle rw/b.intoto.jsonl st.json
cp rw/b.intoto.jsonl before.jsonl
mount --bind rw ro && MOUNTS+=("$T/ro") && mount -o remount,bind,ro ro ||
	{ fail "read-only bind mount (needs root)"; summary; exit; }
touch ro/probe 2>/dev/null && fail "ro is writable" || pass "ro is read-only, also for root"
expect_err "append to a read-only bundle" 3 "ro/b.intoto.jsonl.*Read-only" \
	"$ATTEST" sign --key k.key --bundle ro/b.intoto.jsonl st.json
cmp -s before.jsonl rw/b.intoto.jsonl && pass "read-only: the bundle is intact" ||
	fail "read-only: the bundle changed"
expect_err "new bundle in a read-only dir" 3 "ro/new.intoto.jsonl.*Read-only" \
	"$ATTEST" sign --key k.key --bundle ro/new.intoto.jsonl st.json
expect_err "whole-file bundle in a read-only dir" 3 "ro/x.dsse.json.*Read-only" \
	"$ATTEST" sign --key k.key --format sigstore --bundle ro/x.dsse.json st.json
expect_err "key generate in a read-only dir" 3 "ro/nk.*Read-only" \
	"$ATTEST" key generate --out ro/nk
expect_err "manifest in a read-only dir" 3 "ro/m.json.*Read-only" \
	"$ATTEST" manifest --out ro/m.json model.bin
[ "$(ls rw)" = b.intoto.jsonl ] && pass "read-only: no file or temp file created" ||
	fail "read-only: files created: $(ls rw)"
expect "verify still reads the read-only bundle" 0 "$VERIFY" --key k.pub ro/b.intoto.jsonl

summary

# Shared helpers for the CLI test scripts (sourced, not run).
# Each script ends with summary, which prints "N passed, M failed".
set -u
: "${BIN:?BIN must name the build directory}"
: "${SRC:?SRC must name the source directory}"
ATTEST="$BIN/attest/attest"
VERIFY="$BIN/verify/verify"
for tool in "$ATTEST" "$VERIFY"; do
	[ -x "$tool" ] || { echo "missing program $tool: build first" >&2; exit 1; }
done
for dep in jq openssl sha256sum; do
	command -v "$dep" >/dev/null || { echo "missing dependency: $dep" >&2; exit 1; }
done
T=$(mktemp -d /tmp/mlattest-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
PASSED=0
FAILED=0

pass() { PASSED=$((PASSED + 1)); echo "ok   $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1"; }

# expect NAME RC CMD...: runs CMD, wants exit status RC.
# Output goes to $T/out and $T/err for later greps.
expect() {
	local name=$1 want=$2 got
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		pass "$name"
	else
		fail "$name (exit $got, wanted $want)"
		sed 's/^/     | /' "$T/err" | head -5
	fi
}

# expect_in STREAM NAME RC PATTERN CMD...: runs CMD, wants exit status RC
# and PATTERN in STREAM only (err or out), so input echoed on the other
# stream cannot satisfy it.
expect_in() {
	local stream=$1 name=$2 want=$3 pat=$4 got
	shift 4
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$name (exit $got, wanted $want)"
		sed 's/^/     | /' "$T/err" | head -5
	elif ! grep -Eq -- "$pat" "$T/$stream"; then
		fail "$name (std$stream lacks /$pat/)"
		sed 's/^/     | /' "$T/$stream" | head -5
	else
		pass "$name"
	fi
}

# expect_err NAME RC PATTERN CMD...: like expect, and stderr matches PATTERN.
expect_err() { expect_in err "$@"; }

# expect_out NAME RC PATTERN CMD...: like expect, and stdout matches PATTERN.
expect_out() { expect_in out "$@"; }

# statement FILE SUBJECT_PATH [PREDICATE_TYPE]: writes a Statement v1 about
# SUBJECT_PATH's sha256 to FILE.
statement() {
	local h
	h=$(sha256sum "$2" | cut -d' ' -f1)
	jq -n --arg h "$h" --arg n "$(basename "$2")" \
		--arg t "${3:-https://example.com/test/v1}" \
		'{_type:"https://in-toto.io/Statement/v1",
		  subject:[{name:$n,digest:{sha256:$h}}],
		  predicateType:$t, predicate:{note:"test"}}' >"$1"
}

summary() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}

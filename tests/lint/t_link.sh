# Only attest reads git repositories: attest links libgit2, verify does
# not (ELF NEEDED entries and the symbols the programs define).
set -u
: "${BIN:?BIN must name the build directory}"
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
for dep in readelf nm grep; do
	command -v "$dep" >/dev/null || { echo "missing dependency: $dep" >&2; exit 1; }
done
ATTEST="$BIN/attest/attest"
VERIFY="$BIN/verify/verify"
for p in "$ATTEST" "$VERIFY"; do
	[ -x "$p" ] || { echo "missing program $p: build first" >&2; exit 1; }
done

needed() { readelf -d "$1" | grep -F '(NEEDED)'; }
needed "$ATTEST" | grep -q 'libgit2\.so' && ok "attest links libgit2" ||
	bad "attest does not link libgit2"
needed "$VERIFY" | grep -q 'libgit2' && bad "verify links libgit2" ||
	ok "verify does not link libgit2"
nm "$ATTEST" | grep -qw 'gitinfo_read' && ok "attest has gitinfo_read" ||
	bad "attest lacks gitinfo_read"
nm "$VERIFY" | grep -qE '\b(gitinfo_|git_)' && bad "verify has git code" ||
	ok "verify has no git code"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

# attest push and verify --from against a registry with htpasswd (bcrypt)
# basic auth: credentials from --auth-file or MLATTEST_REGISTRY_AUTH, a clear
# 401 error (exit 3) without them or with a wrong password, and the
# password never printed.
# shellcheck source=tests/oci/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
# Credentials go in files, never on the command line.
printf 'alice:wrong-pw\n' >creds-wrong
printf 'alice:bad-pw\n' >creds-bad
printf 'alice:s3cret-pw\n' >creds-good
printf 'alice:tok-pw\n' >creds-tok
printf 'alice\n' >creds-malformed
chmod 600 creds-*

# bcrypt through libcrypt (perl's crypt); distribution accepts only bcrypt.
# 21 random characters and a last one whose unused low bits are zero.
salt=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9./' | head -c 21)u
hash=$(perl -e 'print crypt($ARGV[0], $ARGV[1])' 's3cret-pw' "\$2b\$05\$$salt")
case $hash in
'$2b$05$'*) pass "bcrypt htpasswd line" ;;
*) fail "libcrypt cannot make bcrypt hashes"; summary; exit 1 ;;
esac
echo "alice:$hash" >htpasswd
CURL_AUTH=(-u alice:s3cret-pw)
start_registry "auth: {htpasswd: {realm: mlattest-test, path: $T/htpasswd}}" &&
	pass "registry with auth up on $REG" || { fail "registry up"; summary; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "$R/v2/")
[ "$code" = 401 ] && pass "anonymous GET /v2/ is 401" || fail "anonymous GET /v2/ gave $code"

"$ATTEST" key generate --out k1 2>/dev/null
IMG=$(image_push ml/private)
[ ${#IMG} -eq 64 ] && pass "image pushed with auth" || fail "image push"
REF="$REG/ml/private@sha256:$IMG"
image_statement st.json "$IMG"
"$ATTEST" sign --key k1.key --format sigstore --bundle a.intoto.jsonl st.json

unset MLATTEST_REGISTRY_AUTH
expect_err "push without credentials" 3 "requires credentials \(HTTP 401" "$ATTEST" push --insecure --bundle a.intoto.jsonl "$REF"
grep -q "$REG" "$T/err" && pass "401 message names the registry" || fail "401 message lacks the registry"
expect_err "push, wrong password" 3 "rejected the credentials \(HTTP 401" "$ATTEST" push --insecure --auth-file creds-wrong \
	--bundle a.intoto.jsonl "$REF"
grep -q wrong-pw "$T/out" "$T/err" && fail "password printed" || pass "password not printed"
expect_err "push, malformed credentials" 2 "USER:PASSWORD" "$ATTEST" push --insecure --auth-file creds-malformed --bundle a.intoto.jsonl "$REF"
expect "push --auth-file" 0 "$ATTEST" push --insecure --auth-file creds-good --bundle a.intoto.jsonl "$REF"
grep -q s3cret-pw "$T/out" "$T/err" && fail "password printed" || pass "password not printed on success"

expect_out "verify without credentials" 3 "requires credentials" "$VERIFY" --insecure --key k1.pub --from "$REF"
expect_out "verify, wrong password" 3 "rejected the credentials" env MLATTEST_REGISTRY_AUTH=alice:nope \
	"$VERIFY" --insecure --key k1.pub --from "$REF"
grep -q nope "$T/out" "$T/err" && fail "password printed" || pass "password not printed by verify"
expect_err "verify with MLATTEST_REGISTRY_AUTH" 0 "1 of 1 attestations verified" env MLATTEST_REGISTRY_AUTH=alice:s3cret-pw \
	"$VERIFY" --insecure --key k1.pub --from "$REF"

image_statement st2.json "$IMG" https://example.com/second/v1
"$ATTEST" sign --key k1.key --bundle b.json st2.json
expect "push with MLATTEST_REGISTRY_AUTH" 0 env MLATTEST_REGISTRY_AUTH=alice:s3cret-pw \
	"$ATTEST" push --insecure --bundle b.json "$REF"
[ "$(get "/v2/ml/private/manifests/sha256-$IMG.att" | jq '.layers | length')" = 2 ] &&
	pass ".att merged under auth" || fail ".att merge under auth"
expect_err "verify both" 0 "2 of 2 attestations verified" env MLATTEST_REGISTRY_AUTH=alice:s3cret-pw \
	"$VERIFY" --insecure --key k1.pub --from "$REF"

summary

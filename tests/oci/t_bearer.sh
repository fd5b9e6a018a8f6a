# The Bearer token flow and the OCI 1.1 referrers API, which distribution
# 2.8 lacks, against tests/oci/fake_registry.py: tokens from the realm with
# Basic credentials, a new token when a write needs the push scope,
# referrers found through the API (no fallback index written), and clear
# 401 errors (exit 3) without credentials or with a wrong password.
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

python3 "$OCI_DIR/fake_registry.py" --port-file port --creds alice:tok-pw --log access.log &
RPID=$!
for i in $(seq 1 100); do [ -s port ] && break; sleep 0.1; done
[ -s port ] && pass "fake registry up" || { fail "fake registry did not start"; summary; exit 1; }
REG="127.0.0.1:$(cat port)"
R="http://$REG"
code=$(curl -s -o /dev/null -w '%{http_code}' "$R/v2/")
[ "$code" = 401 ] && pass "anonymous GET /v2/ is 401" || fail "anonymous GET /v2/ gave $code"
grep -qi 'www-authenticate: Bearer realm=' <(curl -si "$R/v2/") && pass "Bearer challenge" || fail "no Bearer challenge"

CURL_AUTH=(-u alice:tok-pw)
"$ATTEST" key generate --out k1 2>/dev/null
IMG=$(image_push ml/bearer)
[ ${#IMG} -eq 64 ] && pass "image pushed" || fail "image push"
REF="$REG/ml/bearer@sha256:$IMG"
image_statement st.json "$IMG"
"$ATTEST" sign --key k1.key --format sigstore --bundle a.intoto.jsonl st.json
: >access.log

expect_err "push without credentials" 3 "requires credentials \(HTTP 401" "$ATTEST" push --insecure --bundle a.intoto.jsonl "$REF"
expect_err "push, wrong password" 3 "rejected the credentials" "$ATTEST" push --insecure --auth-file creds-bad \
	--bundle a.intoto.jsonl "$REF"
grep -q bad-pw "$T/out" "$T/err" && fail "password printed" || pass "password not printed"
: >access.log
expect "push with a token" 0 "$ATTEST" push --insecure --auth-file creds-tok --bundle a.intoto.jsonl "$REF"
grep -q '^GET /token Basic' access.log && pass "token fetched with Basic credentials" || fail "no token request"
[ "$(grep -c '^GET /token' access.log)" -ge 2 ] && pass "a new token for the push scope" || fail "push scope token"
grep '^[A-Z]* /v2/' access.log | grep -q ' Basic$' && fail "Basic credentials sent to /v2/" ||
	pass "registry requests carry only Bearer"
grep -q "^PUT /v2/ml/bearer/manifests/sha256-$IMG " access.log && fail "fallback index written despite the API" ||
	pass "no fallback index with a referrers API"
get "/v2/ml/bearer/referrers/sha256:$IMG" application/vnd.oci.image.index.v1+json >refs.json
[ "$(jq '.manifests | length' refs.json)" = 1 ] &&
	[ "$(jq -r '.manifests[0].artifactType' refs.json)" = application/vnd.dev.sigstore.bundle.v0.3+json ] &&
	pass "referrers API lists the bundle" || fail "referrers API listing"

expect_out "verify through the referrers API" 0 "referrer sha256:" env MLATTEST_REGISTRY_AUTH=alice:tok-pw \
	"$VERIFY" --insecure --key k1.pub --from "$REF"
expect_out "verify without credentials" 3 "requires credentials" "$VERIFY" --insecure --key k1.pub --from "$REF"
image_statement st2.json "$IMG" https://example.com/second/v1
"$ATTEST" sign --key k1.key --bundle b.json st2.json
expect "push a second one" 0 env MLATTEST_REGISTRY_AUTH=alice:tok-pw "$ATTEST" push --insecure --bundle b.json "$REF"
expect "push it again" 0 env MLATTEST_REGISTRY_AUTH=alice:tok-pw "$ATTEST" push --insecure --bundle b.json "$REF"
[ "$(get "/v2/ml/bearer/referrers/sha256:$IMG" | jq '.manifests | length')" = 2 ] &&
	pass "referrers API lists both, no duplicate" || fail "referrers after merge"
expect_err "verify both" 0 "2 of 2 attestations verified" env MLATTEST_REGISTRY_AUTH=alice:tok-pw \
	"$VERIFY" --insecure --key k1.pub --from "$REF"

summary

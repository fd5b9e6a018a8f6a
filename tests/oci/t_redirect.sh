# SPEC-OCI-12: registry credentials go only to the registry named and the
# realm it challenges with. tests/oci/fake_registry.py answers blob GETs
# with a 307 to another loopback host: one that serves the blob (the
# download works, no Authorization reaches it) and one that answers 401
# with its own Bearer realm (verify --from and verify policy --from fail
# with exit 3 naming the redirect: verify reports it on the entry's line,
# verify policy as its error; that host never sees credentials).
# shellcheck source=tests/oci/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
printf 'alice:tok-pw\n' >creds
chmod 600 creds
export MLATTEST_REGISTRY_AUTH=alice:tok-pw
CURL_AUTH=(-u alice:tok-pw)
PIDS=
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

# fake MODE: a fake registry whose blob GETs redirect to a foreign host in
# MODE; sets REG and R, logs to MODE.log and MODE-foreign.log.
fake() {
	rm -f "port-$1"
	: >"$1.log"
	: >"$1-foreign.log"
	python3 "$OCI_DIR/fake_registry.py" --port-file "port-$1" --creds alice:tok-pw \
		--log "$1.log" --foreign-mode "$1" --foreign-log "$1-foreign.log" &
	PIDS="$PIDS $!"
	for _ in $(seq 1 100); do [ -s "port-$1" ] && break; sleep 0.1; done
	REG="127.0.0.1:$(cat "port-$1" 2>/dev/null)"
	R="http://$REG"
}

# setup: an image and an approval of it pushed (one attestation).
setup() {
	IMG=$(image_push ml/model)
	REF="$REG/ml/model@sha256:$IMG"
	"$ATTEST" approve --key k.key --stage production --format sigstore \
		--bundle a.jsonl "sha256:$IMG" 2>/dev/null
	"$ATTEST" push --insecure --auth-file creds --bundle a.jsonl "$REF" >/dev/null 2>&1
}

"$ATTEST" key generate --out k 2>/dev/null
jq -n '{policyVersion: 1, keys: {k: {publicKey: "k.pub"}},
	approval: {stage: "production", signers: ["k"], threshold: 1}}' >pol.json

fake serve
[ -s port-serve ] && pass "fake registry (foreign host serves)" || fail "fake registry (serve) did not start"
setup
[ ${#IMG} -eq 64 ] && pass "image and attestation pushed" || fail "image push"
expect_err "redirected blob download works" 0 "1 of 1 attestations verified" \
	"$VERIFY" --insecure --key k.pub --from "$REF"
expect "redirected blob download: verify policy --from admits" 0 \
	"$VERIFY" policy --policy pol.json --insecure --from "$REF" "sha256:$IMG"
grep -q '^GET /blobs/sha256:' serve-foreign.log && pass "blobs came from the foreign host" ||
	fail "foreign host not reached"
grep -qv ' -$' serve-foreign.log && fail "Authorization sent to the foreign host" ||
	pass "no Authorization to the foreign host"
grep -q ' Bearer$' serve.log && pass "the registry itself got its token" || fail "no Bearer to the registry"

fake challenge
[ -s port-challenge ] && pass "fake registry (foreign host challenges)" ||
	fail "fake registry (challenge) did not start"
setup
[ ${#IMG} -eq 64 ] && pass "image and attestation pushed" || fail "image push"
: >challenge-foreign.log
expect_out "verify --from: foreign challenge refused" 3 \
	"redirected to 127\.0\.0\.2, which asks for credentials \(HTTP 401\)" \
	"$VERIFY" --insecure --key k.pub --from "$REF"
expect_err "verify policy --from: foreign challenge refused" 3 \
	"redirected to 127\.0\.0\.2, which asks for credentials \(HTTP 401\)" \
	"$VERIFY" policy --policy pol.json --insecure --from "$REF" "sha256:$IMG"
grep -q '^GET /blobs/sha256:' challenge-foreign.log && pass "the foreign host was asked for the blob" ||
	fail "foreign host not reached"
grep -qv ' -$' challenge-foreign.log && fail "credentials or a token sent to the foreign host" ||
	pass "the foreign host never saw an Authorization header"
grep -q '^GET /token' challenge-foreign.log && fail "the foreign realm was asked for a token" ||
	pass "no token requested from the foreign realm"
grep -q 'tok-pw\|foreign-token' "$T/out" "$T/err" && fail "secret printed" || pass "no secret printed"

summary

# RFC 3161 timestamps (spec/timestamps.md): attest sign --tsa against a
# loopback responder (tests/tsa/responder.py running `openssl ts -reply`
# with a CA and TSA made here), verify --tsa-cert, and sigstore-js
# (tests/interop/verify-bundle.mjs --tsa-chain) on the same bundles.
# Every accepted bundle has rejected twins: another TSA, a grafted token.
# Needs python3, node and `npm ci` in tests/interop; missing ones fail.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
IOP=$SRC/tests/interop
PIDS=
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

deps=1
command -v python3 >/dev/null || { fail "dependency: python3"; deps=0; }
command -v node >/dev/null || { fail "dependency: node"; deps=0; }
[ -d "$IOP/node_modules/@sigstore/verify" ] ||
	{ fail "dependency: run npm ci in tests/interop"; deps=0; }
[ "$deps" -eq 1 ] || { summary; exit 1; }

# mkca and responder: the loopback TSA helpers.
# shellcheck source=tests/tsa/tsalib.sh
. "$SRC/tests/tsa/tsalib.sh"

sjs() { (cd "$IOP" && node verify-bundle.mjs "$@"); }

mkca one && mkca two && pass "make CAs and TSAs" || fail "make CAs and TSAs"
responder one
P1=$PORT
responder two
P2=$PORT
[ -n "$P1" ] && [ -n "$P2" ] && pass "responders up" || fail "responders up"

printf 'weights v1\n' >model.bin
statement st.json model.bin
"$ATTEST" key generate --type ecdsa-p256 --out k >/dev/null 2>&1

expect "sign --tsa" 0 "$ATTEST" sign --key k.key --format sigstore \
	--tsa "http://127.0.0.1:$P1/" --bundle ts.json st.json
jq -e '.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0].signedTimestamp | length > 100' \
	ts.json >/dev/null && pass "bundle carries the token" || fail "bundle carries the token"
jq -r '.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0].signedTimestamp' ts.json |
	base64 -d >tok.der
jq -r '.dsseEnvelope.signatures[0].sig' ts.json | base64 -d >sig.bin
openssl ts -verify -in tok.der -data sig.bin -CAfile one/ca.pem >/dev/null 2>&1 &&
	pass "openssl ts -verify accepts the token" || fail "openssl ts -verify accepts the token"

expect_out "verify --tsa-cert" 0 "genTime [0-9]{4}-" "$VERIFY" --key k.pub \
	--tsa-cert one/chain.pem --artifact model.bin ts.json
expect_out "verify --tsa-cert root only" 0 "genTime" "$VERIFY" --key k.pub \
	--tsa-cert one/ca.pem ts.json
expect "verify --require-timestamp" 0 "$VERIFY" --key k.pub \
	--tsa-cert one/chain.pem --require-timestamp ts.json
expect_out "verify --json genTime" 0 '"timestamps"' "$VERIFY" --json \
	--key k.pub --tsa-cert one/chain.pem ts.json
expect_out "no --tsa-cert: not checked" 0 "not checked" "$VERIFY" --key k.pub ts.json
expect_out "no --tsa-cert and --require-timestamp" 1 '^FAIL  ts\.json:1: no timestamp checked against --tsa-cert \(--require-timestamp\)$' "$VERIFY" --key k.pub \
	--require-timestamp ts.json
expect "sigstore-js accepts" 0 sjs "$T/ts.json" "$T/k.pub" --tsa-chain "$T/one/chain.pem"

# Twin 1: a token from another TSA (second CA).
expect "sign with TSA two" 0 "$ATTEST" sign --key k.key --format sigstore \
	--tsa "http://127.0.0.1:$P2/" --bundle other-tsa.json st.json
expect_out "other TSA rejected" 1 "not signed by a trusted TSA" "$VERIFY" \
	--key k.pub --tsa-cert one/chain.pem other-tsa.json
expect_out "sigstore-js rejects other TSA" 1 '^FAIL: TIMESTAMP_ERROR: timestamp could not be verified$' sjs "$T/other-tsa.json" "$T/k.pub" \
	--tsa-chain "$T/one/chain.pem"

# Twin 2: a valid token grafted from another bundle (over another signature).
printf 'weights v2\n' >other.bin
statement st2.json other.bin
expect "sign second bundle" 0 "$ATTEST" sign --key k.key --format sigstore \
	--tsa "http://127.0.0.1:$P1/" --bundle ts2.json st2.json
jq --slurpfile b ts2.json '.verificationMaterial.timestampVerificationData =
	$b[0].verificationMaterial.timestampVerificationData' ts.json >graft.json
expect "graft: signature still valid without --tsa-cert" 0 "$VERIFY" --key k.pub graft.json
expect_out "grafted token rejected" 1 "not over this signature" "$VERIFY" \
	--key k.pub --tsa-cert one/chain.pem graft.json
expect_out "sigstore-js rejects grafted token" 1 '^FAIL: TIMESTAMP_ERROR: timestamp could not be verified$' sjs "$T/graft.json" "$T/k.pub" \
	--tsa-chain "$T/one/chain.pem"

# Twin 3: a garbage token, and one of two timestamps bad.
jq '.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0].signedTimestamp = "AAEC"' \
	ts.json >garbage.json
expect_out "garbage token rejected" 1 '^FAIL  garbage\.json: timestamp: not a TimeStampResp: ' "$VERIFY" --key k.pub --tsa-cert one/chain.pem garbage.json
# The second token is from the trusted TSA, only over another signature.
jq --slurpfile b ts2.json '.verificationMaterial.timestampVerificationData.rfc3161Timestamps +=
	$b[0].verificationMaterial.timestampVerificationData.rfc3161Timestamps' ts.json >two.json
expect_out "every timestamp must verify" 1 '^FAIL  two\.json: timestamp: not over this signature \(imprint is not its SHA-256\)$' "$VERIFY" --key k.pub --tsa-cert one/chain.pem two.json

# No timestamp at all.
expect "sign without --tsa" 0 "$ATTEST" sign --key k.key --format sigstore --bundle plain.json st.json
expect "untimestamped passes" 0 "$VERIFY" --key k.pub --tsa-cert one/chain.pem plain.json
expect_out "untimestamped --require-timestamp" 1 '^FAIL  plain\.json:1: no timestamp checked against --tsa-cert \(--require-timestamp\)$' "$VERIFY" --key k.pub \
	--tsa-cert one/chain.pem --require-timestamp plain.json

# Signing errors.
kill $PIDS 2>/dev/null
wait 2>/dev/null
PIDS=
expect_err "TSA down: exit 3" 3 "timestamp authority" "$ATTEST" sign --key k.key \
	--format sigstore --tsa "http://127.0.0.1:$P1/" --bundle down.json st.json
[ ! -e down.json ] && pass "TSA down: no file" || fail "TSA down: no file"
expect_err "--tsa with dsse: exit 2" 2 "format sigstore" "$ATTEST" sign --key k.key \
	--tsa "http://127.0.0.1:$P1/" --bundle d.json st.json
expect_err "--tsa plain http to a remote host: exit 2" 2 "loopback" "$ATTEST" sign \
	--key k.key --format sigstore --tsa "http://tsa.example/" st.json
# SPEC-TSA-3: loopback is decided on the host libcurl connects to; user
# info that makes a remote host look like loopback is refused, before the
# command runs.
for u in "http://127.0.0.1:1@tsa.example/" "http://[::1]@tsa.example/" \
	"http://localhost:80@tsa.example/" "https://user:pw@tsa.example/"; do
	expect_err "sign --tsa $u: exit 2" 2 "^attest: --tsa: user info in a URL is not allowed" \
		"$ATTEST" sign --key k.key --format sigstore --tsa "$u" --bundle ui.json st.json
	[ ! -e ui.json ] && pass "sign --tsa $u: no file" || fail "sign --tsa $u: no file"
	rm -f ran
	expect_err "run --tsa $u: exit 2" 2 "^attest: --tsa: user info in a URL is not allowed" \
		"$ATTEST" run --key k.key --format sigstore --tsa "$u" --output model.bin \
		--bundle ui.json -- touch ran
	[ ! -e ran ] && pass "run --tsa $u: command not run" || fail "run --tsa $u: command ran"
done
expect_err "--tsa loopback spelled as 0x7f000001 is loopback" 3 "timestamp authority" "$ATTEST" sign \
	--key k.key --format sigstore --tsa "http://0x7f000001:$P1/" --bundle down.json st.json
expect_err "--tsa http://127.0.0.1.nip.io: not loopback" 2 "loopback" "$ATTEST" sign \
	--key k.key --format sigstore --tsa "http://127.0.0.1.nip.io/" st.json
expect_err "--tsa-cert unreadable: exit 3" 3 '^verify: nope\.pem: No such file or directory$' "$VERIFY" --key k.pub --tsa-cert nope.pem ts.json

summary

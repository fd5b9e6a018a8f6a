#!/bin/bash
# TPM keys on swtpm: tpm-create as a blob and at a persistent handle, reload
# after a restart with the same state dir, a foreign TPM refused, DSSE
# signatures checked by verify, by openssl over a rebuilt PAE and by
# sigstore-js; no TCTI is a usage error, never a guess; nothing is left
# loaded in the TPM after any command, and the DA counter stays 0.
. "$SRC/tests/cli/lib.sh"
. "$SRC/tests/tpm/swtpm.sh"
IOP=$SRC/tests/interop
command -v node >/dev/null || { echo "missing dependency: node" >&2; exit 1; }
[ -f "$IOP/node_modules/sigstore/package.json" ] ||
	{ echo "missing dependency: run npm ci in tests/interop" >&2; exit 1; }
cd "$T" || exit 1

# pae ENVELOPE OUT: the DSSE PAE of ENVELOPE's payload, rebuilt here.
pae() {
	local type len
	type=$(jq -r .payloadType "$1")
	jq -r .payload "$1" | base64 -d >"$T/body"
	len=$(wc -c <"$T/body")
	{ printf 'DSSEv1 %d %s %d ' "${#type}" "$type" "$len"; cat "$T/body"; } >"$2"
}
# openssl_ok NAME ENVELOPE PUB: openssl verifies the DER ECDSA signature.
openssl_ok() {
	pae "$2" "$T/pae.bin"
	jq -r '.signatures[0].sig' "$2" | base64 -d >"$T/sig.der"
	if openssl dgst -sha256 -verify "$3" -signature "$T/sig.der" "$T/pae.bin" >/dev/null 2>&1 &&
		openssl asn1parse -inform DER -in "$T/sig.der" >/dev/null 2>&1; then
		pass "$1"
	else
		fail "$1"
	fi
}
sigstore_ok() {
	if (cd "$IOP" && node "$SRC/tests/interop/verify-bundle.mjs" "$T/$2" "$T/$3") >"$T/node.out" 2>&1; then
		pass "$1"
	else
		fail "$1 ($(head -c 300 "$T/node.out"))"
	fi
}

echo "weights v1" >model.bin
statement st.json model.bin

# --- no TCTI: a clear usage error naming both ways, and nothing done
expect_err "tpm-create without a TCTI: exit 2 naming --tcti and MLATTEST_TCTI" 2 \
	"--tcti.*MLATTEST_TCTI" "$ATTEST" key tpm-create --out none.blob
[ ! -e none.blob ] && pass "no TCTI: no file written" || fail "no TCTI: file written"
expect_err "sign --key tpm:blob= without a TCTI: exit 2" 2 "MLATTEST_TCTI" \
	"$ATTEST" sign --key tpm:blob=none.blob st.json
expect_err "empty MLATTEST_TCTI is no TCTI" 2 "MLATTEST_TCTI" \
	env MLATTEST_TCTI= "$ATTEST" key public tpm:handle=0x81000100
expect_err "malformed KEYREF: exit 2" 2 "expected tpm:handle" \
	env MLATTEST_TCTI=swtpm "$ATTEST" key public tpm:bogus=1

tpm_start || { fail "swtpm start"; summary; exit 1; }
STATE=$TPM_STATE
expect_err "TCTI that reaches nothing: exit 3" 3 "TCTI|TPM" \
	"$ATTEST" key tpm-create --tcti "swtpm:host=127.0.0.1,port=1" --out none.blob

# --- blob
expect "tpm-create --out blob" 0 "$ATTEST" key tpm-create --tcti "$TCTI" --out k.blob
cp "$T/out" k.pub
grep -q "created TPM key tpm:blob=k.blob" "$T/err" && pass "tpm-create prints the KEYREF" ||
	fail "tpm-create prints the KEYREF"
[ "$(stat -c %a k.blob)" = 600 ] && pass "blob is 0600" || fail "blob mode $(stat -c %a k.blob)"
expect_err "tpm-create never replaces a file" 3 "exists" \
	"$ATTEST" key tpm-create --tcti "$TCTI" --out k.blob
expect "key public tpm:blob= equals what tpm-create printed" 0 \
	"$ATTEST" key public --tcti "$TCTI" tpm:blob=k.blob
cmp -s "$T/out" k.pub && pass "same public key" || fail "public keys differ"
expect "sign with tpm:blob= (MLATTEST_TCTI)" 0 \
	env MLATTEST_TCTI="$TCTI" "$ATTEST" sign --key tpm:blob=k.blob --bundle b.json st.json
expect "verify accepts the TPM signature" 0 "$VERIFY" --key k.pub --artifact model.bin b.json
openssl_ok "openssl verifies the DER signature over the rebuilt PAE" b.json k.pub
"$ATTEST" key generate --out other 2>/dev/null
expect_out "verify refuses another key" 1 '^FAIL +b\.json:1: no signature verifies under a trusted key' "$VERIFY" --key other.pub b.json
jq '.signatures[0].sig |= (.[0:10] + (if .[10:11] == "A" then "B" else "A" end) + .[11:])' \
	b.json >forged.json
expect_out "verify refuses a flipped signature" 1 '^FAIL +forged\.json: no signature verifies under a trusted key' "$VERIFY" --key k.pub forged.json
expect "sign --format sigstore with tpm:blob=" 0 \
	env MLATTEST_TCTI="$TCTI" "$ATTEST" sign --key tpm:blob=k.blob --format sigstore \
	--bundle sb.json st.json
sigstore_ok "sigstore-js verifies the TPM-signed bundle" sb.json k.pub
expect "attest key public of a TPM key does not write a private key" 0 \
	"$ATTEST" key public --tcti "$TCTI" tpm:blob=k.blob
tpm_clean "blob: nothing left loaded"

# --- persistent handle
expect "tpm-create --handle 0x81000100" 0 \
	"$ATTEST" key tpm-create --tcti "$TCTI" --handle 0x81000100
cp "$T/out" h.pub
expect_err "the same handle again: exit 2, in use" 2 "already in use" \
	"$ATTEST" key tpm-create --tcti "$TCTI" --handle 0x81000100
expect_err "--handle outside the owner range: exit 2" 2 "0x81000000" \
	"$ATTEST" key tpm-create --tcti "$TCTI" --handle 0x01000100
expect_err "--handle and --out together: exit 2" 2 "exactly one" \
	"$ATTEST" key tpm-create --tcti "$TCTI" --handle 0x81000102 --out x.blob
expect_err "an empty handle: exit 3 naming it" 3 "handle" \
	env MLATTEST_TCTI="$TCTI" "$ATTEST" sign --key tpm:handle=0x81000177 st.json
expect "sign with tpm:handle=" 0 \
	env MLATTEST_TCTI="$TCTI" "$ATTEST" sign --key tpm:handle=0x81000100 --bundle h.json st.json
expect "verify accepts the handle key's signature" 0 "$VERIFY" --key h.pub h.json
openssl_ok "openssl verifies the handle key's signature" h.json h.pub
expect_out "verify refuses the blob key for the handle signature" 1 '^FAIL +h\.json:1: no signature verifies under a trusted key' "$VERIFY" --key k.pub h.json
tpm_clean "handle: nothing left loaded"

# --- restricted key (an AK): quotes only
expect "tpm-create --restricted" 0 "$ATTEST" key tpm-create --tcti "$TCTI" --restricted --out ak.blob
expect_err "a restricted key refuses to sign statements" 2 "restricted" \
	env MLATTEST_TCTI="$TCTI" "$ATTEST" sign --key tpm:blob=ak.blob st.json
rm -f ran-ak
expect_err "attest run refuses a restricted --key before the command runs" 2 "restricted" \
	env MLATTEST_TCTI="$TCTI" "$ATTEST" run --key tpm:blob=ak.blob --output o.txt -- sh -c 'touch ran-ak'
[ -e ran-ak ] && fail "the command ran with a restricted --key" || pass "restricted --key: the command did not run"
expect_err "tpm:sealed= on a key blob: exit 2" 2 "tpm:blob=" \
	env MLATTEST_TCTI="$TCTI" "$ATTEST" sign --key tpm:sealed=k.blob st.json
printf 'MLATTPM\0\0\1\0\1garbage' >bad.blob
expect_err "a malformed blob file: exit 1" 1 "malformed" \
	env MLATTEST_TCTI="$TCTI" "$ATTEST" sign --key tpm:blob=bad.blob st.json
tpm_clean "errors: nothing left loaded"

# --- a run with a TPM key: the wrapped command sees the caller's environment
env -u TSS2_LOG MLATTEST_TCTI="$TCTI" sh -c 'env >env.want'
env -u TSS2_LOG MLATTEST_TCTI="$TCTI" "$ATTEST" run --key tpm:blob=k.blob --output env.got \
	--bundle env.intoto.jsonl -- sh -c 'env >env.got' >/dev/null 2>&1
[ -s env.got ] && cmp -s <(sort env.want) <(sort env.got) && pass "TPM run: the child's environment is the caller's" ||
	fail "TPM run: child environment differs: $(diff <(sort env.want) <(sort env.got) | grep '^[<>]' | tr '\n' ' ')"
tpm_clean "env run: nothing left loaded"

# --- restart with the same state dir: both keys still work
tpm_stop
tpm_start "$STATE" || { fail "swtpm restart"; summary; exit 1; }
expect "after restart: the blob loads and signs" 0 \
	env MLATTEST_TCTI="$TCTI" "$ATTEST" sign --key tpm:blob=k.blob --bundle b2.json st.json
expect "after restart: verify with the same public key" 0 "$VERIFY" --key k.pub b2.json
expect "after restart: the handle signs" 0 \
	"$ATTEST" key public --tcti "$TCTI" tpm:handle=0x81000100
cmp -s "$T/out" h.pub && pass "after restart: same handle key" || fail "handle key changed"
lockout=$(tpm2_getcap properties-variable | awk '/TPM2_PT_LOCKOUT_COUNTER/ {print $2}')
[ "$lockout" = 0x0 ] && pass "DA lockout counter is 0" || fail "DA lockout counter $lockout"
tpm_clean "restart: nothing left loaded"
tpm_stop

# --- another TPM (fresh state) cannot load the blob
tpm_start || { fail "second swtpm start"; summary; exit 1; }
expect_err "another TPM refuses the blob: exit 3 with a reason" 3 "another TPM" \
	"$ATTEST" key public --tcti "$TCTI" tpm:blob=k.blob
tpm_clean "foreign blob: nothing left loaded"
tpm_stop
summary

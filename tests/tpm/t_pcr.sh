#!/bin/bash
# PCR-bound TPM keys on swtpm: a key created with --pcrs signs while the
# PCRs hold and refuses with a clear message once tpm2_pcrextend changed
# them (at load time, and at signing time when the wrapped command extends
# a PCR); a software Ed25519 key sealed to PCRs round-trips, verifies with
# openssl, and is refused after an extend. Nothing is left loaded.
. "$SRC/tests/cli/lib.sh"
. "$SRC/tests/tpm/swtpm.sh"
cd "$T" || exit 1
CHANGED="PCR values changed since the key was sealed"
M=$(printf measured | sha256sum | cut -d' ' -f1)

echo "weights v1" >model.bin
statement st.json model.bin
sign() { env MLATTEST_TCTI="$TCTI" "$ATTEST" sign --key "$@" st.json; }

tpm_start || { fail "swtpm start"; summary; exit 1; }

# --- signing key bound to PCRs 16 and 23
expect "tpm-create --pcrs sha256:16,23" 0 \
	"$ATTEST" key tpm-create --tcti "$TCTI" --pcrs sha256:23,16 --out p.blob
cp "$T/out" p.pub
expect "PCR-bound key signs while the PCRs hold" 0 sign tpm:blob=p.blob --bundle p.json
expect "verify accepts it" 0 "$VERIFY" --key p.pub p.json
tpm2_pcrextend "16:sha256=$M" || fail "tpm2_pcrextend"
expect_err "after tpm2_pcrextend 16: refused with a clear message" 1 "$CHANGED" \
	sign tpm:blob=p.blob
tpm_clean "refusal: nothing left loaded"
tpm2_pcrreset 16 || fail "tpm2_pcrreset"
expect "after tpm2_pcrreset 16 it signs again" 0 sign tpm:blob=p.blob
# Loaded before the command runs, signing after it: the policy session
# itself must fail when the command extended the PCR.
expect_err "attest run: the command extends PCR 23, signing refuses" 1 "$CHANGED" \
	"$ATTEST" run --tcti "$TCTI" --key tpm:blob=p.blob --output out.bin -- \
	sh -c "tpm2_pcrextend 23:sha256=$M && echo x >out.bin"
tpm_clean "policy failure while signing: nothing left loaded"
tpm2_pcrreset 23

# --- persistent PCR-bound key: the KEYREF carries the selection
expect "tpm-create --handle --pcrs" 0 \
	"$ATTEST" key tpm-create --tcti "$TCTI" --handle 0x81000101 --pcrs sha256:16
grep -q "tpm:handle=0x81000101,pcrs=sha256:16" "$T/err" &&
	pass "the printed KEYREF names the PCRs" || fail "KEYREF lacks pcrs"
expect "tpm:handle=...,pcrs= signs" 0 sign tpm:handle=0x81000101,pcrs=sha256:16
expect_err "without pcrs= the KEYREF is refused, saying how" 2 "bound to PCRs" \
	sign tpm:handle=0x81000101
"$ATTEST" key tpm-create --tcti "$TCTI" --handle 0x81000102 >/dev/null 2>&1
expect_err "pcrs= on a key not bound to PCRs: exit 2" 2 "not bound to PCRs" \
	sign tpm:handle=0x81000102,pcrs=sha256:16
expect_err "a bad PCR spec: exit 2" 2 "BANK:I,J" \
	"$ATTEST" key tpm-create --tcti "$TCTI" --pcrs sha256:24 --out x.blob
expect_err "an unknown bank: exit 2" 2 "BANK:I,J" \
	"$ATTEST" key tpm-create --tcti "$TCTI" --pcrs md5:1 --out x.blob

# --- a software Ed25519 key sealed to PCR 16
"$ATTEST" key generate --type ed25519 --out ed 2>/dev/null
expect "tpm-seal an Ed25519 key to sha256:16" 0 \
	"$ATTEST" key tpm-seal --tcti "$TCTI" --pcrs sha256:16 --out ed.sealed ed.key
cmp -s "$T/out" ed.pub && pass "tpm-seal prints the key's public key" || fail "tpm-seal public key"
[ "$(stat -c %a ed.sealed)" = 600 ] && pass "sealed file is 0600" || fail "sealed file mode"
expect "key public tpm:sealed= is the Ed25519 public key" 0 \
	"$ATTEST" key public --tcti "$TCTI" tpm:sealed=ed.sealed
cmp -s "$T/out" ed.pub && pass "same public key" || fail "public keys differ"
expect "sign with tpm:sealed=" 0 sign tpm:sealed=ed.sealed --bundle ed.json
expect "verify accepts the unsealed key's signature" 0 "$VERIFY" --key ed.pub ed.json
type=$(jq -r .payloadType ed.json)
jq -r .payload ed.json | base64 -d >body
{ printf 'DSSEv1 %d %s %d ' "${#type}" "$type" "$(wc -c <body)"; cat body; } >pae.bin
jq -r '.signatures[0].sig' ed.json | base64 -d >ed.sig
if openssl pkeyutl -verify -pubin -inkey ed.pub -rawin -in pae.bin -sigfile ed.sig >/dev/null 2>&1; then
	pass "openssl verifies the Ed25519 signature"
else
	fail "openssl verifies the Ed25519 signature"
fi
tpm2_pcrextend "16:sha256=$M"
expect_err "sealed key after tpm2_pcrextend 16: refused" 1 "$CHANGED" sign tpm:sealed=ed.sealed
expect_err "attest key public tpm:sealed= refuses too" 1 "$CHANGED" \
	"$ATTEST" key public --tcti "$TCTI" tpm:sealed=ed.sealed
tpm2_pcrreset 16
expect_err "attest run: the command extends PCR 16, unsealing refuses" 1 "$CHANGED" \
	"$ATTEST" run --tcti "$TCTI" --key tpm:sealed=ed.sealed --output out2.bin -- \
	sh -c "tpm2_pcrextend 16:sha256=$M && echo x >out2.bin"
tpm_clean "sealed refusals: nothing left loaded"
tpm2_pcrreset 16

"$ATTEST" key generate --type ecdsa-p384 --out p384 2>/dev/null
expect_err "a key too big to seal: exit 2 naming the limit" 2 "at most 128" \
	"$ATTEST" key tpm-seal --tcti "$TCTI" --pcrs sha256:16 --out big.sealed p384.key
expect_err "tpm-seal without --pcrs: exit 2" 2 "usage" \
	"$ATTEST" key tpm-seal --tcti "$TCTI" --out x.sealed ed.key
expect_err "tpm:blob= on a sealed file: exit 2" 2 "tpm:sealed=" sign tpm:blob=ed.sealed
[ ! -e big.sealed ] && [ ! -e x.blob ] && pass "failed commands wrote no files" ||
	fail "failed commands wrote files"
tpm_clean "end: nothing left loaded"
tpm_stop
summary

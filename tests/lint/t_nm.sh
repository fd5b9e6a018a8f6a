# A verifier links no signer (signify's VERIFYONLY): verify defines none
# of the functions that create keys, write private keys, seal, quote, push
# or ask for a timestamp, and imports none of the library calls only they
# make. Each name is checked in attest too, so the list cannot go stale
# and pass because nothing has that name any more. A MLATTEST_VERIFY_ONLY
# build (VERIFY_ONLY=ON) has no attest and no signing at all: verify then
# also loads no private key, signs nothing and links no tpm2-tss.
set -u
: "${BIN:?BIN must name the build directory}"
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
for dep in nm readelf grep; do
	command -v "$dep" >/dev/null || { echo "missing dependency: $dep" >&2; exit 1; }
done
ATTEST="$BIN/attest/attest"
VERIFY="$BIN/verify/verify"
verify_only=0
case "${VERIFY_ONLY:-OFF}" in ON | on | 1 | TRUE | true | YES | yes) verify_only=1 ;; esac
[ -x "$VERIFY" ] || { echo "missing program $VERIFY: build first" >&2; exit 1; }
if [ "$verify_only" -eq 0 ]; then
	[ -x "$ATTEST" ] || { echo "missing program $ATTEST: build first" >&2; exit 1; }
elif [ -e "$ATTEST" ]; then
	bad "a verify-only build has no attest ($ATTEST exists)"
fi

# Functions of the key-creation, sealing, quoting, push and timestamp
# request units (keys/keygen.c, pkcs11gen.c, tpm_create.c, tpm_seal.c,
# tpm_quote.c, lib/oci_push.c, lib/tsa_request.c).
forbidden_defs='
key_generate
key_write_private
key_write_private_encrypted
pkcs11_generate
tpm_create
tpm_create_object
tpm_pcrs_opt
tpm_seal
tpm_quote
oci_push
tsa_timestamp
tsa_reply_check
tsa_url_check
'
# Library calls that only those units make: key generation, writing a
# private key, a timestamp request, creating, persisting or quoting with a
# TPM object.
forbidden_imports='
EVP_PKEY_Q_keygen
PEM_write_bio_PKCS8PrivateKey
PEM_write_bio_PKCS8
TS_REQ_new
Esys_Create
Esys_EvictControl
Esys_Quote
Esys_PCR_Read
'
# verify-only: loading private keys (keys/keysign.c, PKCS#11, the TPM
# backend) and signing anything.
forbidden_defs_vo='
key_load_private_der
key_new_backend
pkcs11_key_load
p11_open_token
tpm_key_load
tpm_open
'
forbidden_imports_vo='
EVP_DigestSign
EVP_DigestSignInit_ex
'
# What verify must still have: the checks (so nm read a real symbol table).
required_defs='
key_verify
keyset_verify_envelope
tsa_verify
oci_fetch
tpmquote_verify
'

defs() { nm --defined-only "$1" | awk '$2 ~ /^[TtDdBbRr]$/ { print $3 }' | sort -u; }
imports() { nm -D --undefined-only "$1" | awk '{ print $2 }' | sed 's/@.*//' | sort -u; }
has() { printf '%s\n' "$2" | grep -qxF -- "$1"; }

vdefs=$(defs "$VERIFY")
vimports=$(imports "$VERIFY")
[ -n "$vdefs" ] || { echo "nm found no symbols in $VERIFY (stripped?)" >&2; exit 1; }
for s in $required_defs; do
	has "$s" "$vdefs" && ok "verify defines $s" || bad "verify lacks $s"
done

check_defs() { # list
	for s in $1; do
		has "$s" "$vdefs" && bad "verify defines $s" || ok "verify does not define $s"
	done
}
check_imports() { # list
	for s in $1; do
		has "$s" "$vimports" && bad "verify imports $s" || ok "verify does not import $s"
	done
}
check_defs "$forbidden_defs"
check_imports "$forbidden_imports"

if [ "$verify_only" -eq 0 ]; then
	adefs=$(defs "$ATTEST")
	aimports=$(imports "$ATTEST")
	for s in $forbidden_defs; do
		has "$s" "$adefs" && ok "attest defines $s" || bad "attest lacks $s (stale list?)"
	done
	for s in $forbidden_imports; do
		has "$s" "$aimports" && ok "attest imports $s" || bad "attest lacks import $s (stale list?)"
	done
	for s in $forbidden_defs_vo; do
		has "$s" "$vdefs" && ok "verify defines $s (it signs VSAs)" ||
			bad "verify lacks $s (stale verify-only list?)"
	done
	for s in $forbidden_imports_vo; do
		has "$s" "$vimports" && ok "verify imports $s (it signs VSAs)" ||
			bad "verify lacks import $s (stale verify-only list?)"
	done
else
	check_defs "$forbidden_defs_vo"
	check_imports "$forbidden_imports_vo"
	tss=$(printf '%s\n' "$vimports" | grep -E '^(Esys_|Tss2_)' || true)
	[ -z "$tss" ] && ok "verify imports nothing from tpm2-tss" ||
		bad "verify imports tpm2-tss: $(printf '%s\n' "$tss" | tr '\n' ' ')"
	readelf -d "$VERIFY" | grep -F '(NEEDED)' | grep -qE 'libtss2|libgit2' &&
		bad "verify links tpm2-tss or libgit2" || ok "verify links neither tpm2-tss nor libgit2"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

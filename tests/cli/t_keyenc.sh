#!/bin/bash
# Encrypted key files (spec/keys.md SPEC-KEY-4..6): `attest key generate
# --encrypt` writes PKCS#8 with scrypt and AES-256; every key-reading
# command takes --passphrase-file or $MLATTEST_PASSPHRASE_FILE; keys from
# `openssl genpkey -aes256` are accepted. Twins: wrong passphrase, a
# passphrase file others can read, an encrypted key without a passphrase.
# shellcheck source=tests/cli/lib.sh
. "$SRC/tests/cli/lib.sh"
statement "$T/st.json" "$SRC/README.md"
printf 'correct horse battery staple\n' >"$T/pass"
printf 'wrong\n' >"$T/wrong"
chmod 600 "$T/pass" "$T/wrong"

expect "key generate --encrypt" 0 "$ATTEST" key generate --encrypt \
	--passphrase-file "$T/pass" --out "$T/enc"
expect_out "the key file is PKCS#8 encrypted" 0 '^-----BEGIN ENCRYPTED PRIVATE KEY-----$' \
	head -n 1 "$T/enc.key"
expect_out "with scrypt and AES-256-CBC" 0 ':scrypt .*:aes-256-cbc ' \
	sh -c "openssl asn1parse -in '$T/enc.key' | tr '\n' ' '"
expect_out "the key file is 0600" 0 '^600$' stat -c %a "$T/enc.key"
expect "openssl decrypts it with the passphrase" 0 openssl pkey -in "$T/enc.key" \
	-passin "file:$T/pass" -noout
expect "sign with --passphrase-file" 0 "$ATTEST" sign --key "$T/enc.key" \
	--passphrase-file "$T/pass" --bundle "$T/e1.json" "$T/st.json"
expect "verify accepts the signature" 0 "$VERIFY" --key "$T/enc.pub" "$T/e1.json"
expect "sign with \$MLATTEST_PASSPHRASE_FILE" 0 env MLATTEST_PASSPHRASE_FILE="$T/pass" \
	"$ATTEST" sign --key "$T/enc.key" --bundle "$T/e2.json" "$T/st.json"
expect "verify accepts that one too" 0 "$VERIFY" --key "$T/enc.pub" "$T/e2.json"
expect "key public of an encrypted key is the generated public key" 0 sh -c \
	"'$ATTEST' key public --passphrase-file '$T/pass' '$T/enc.key' | cmp -s - '$T/enc.pub'"
expect "--encrypt --type ed25519" 0 "$ATTEST" key generate --type ed25519 --encrypt \
	--passphrase-file "$T/pass" --out "$T/ed"
expect "sign with the encrypted Ed25519 key" 0 "$ATTEST" sign --key "$T/ed.key" \
	--passphrase-file "$T/pass" --bundle "$T/e3.json" "$T/st.json"
expect "verify accepts it" 0 "$VERIFY" --key "$T/ed.pub" "$T/e3.json"

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 \
	-pass "file:$T/pass" -out "$T/ossl.key" 2>/dev/null
openssl pkey -in "$T/ossl.key" -passin "file:$T/pass" -pubout -out "$T/ossl.pub"
expect "a key from openssl genpkey -aes256 signs" 0 "$ATTEST" sign --key "$T/ossl.key" \
	--passphrase-file "$T/pass" --bundle "$T/e4.json" "$T/st.json"
expect "verify accepts it" 0 "$VERIFY" --key "$T/ossl.pub" "$T/e4.json"
expect "verify rejects it under another key" 1 "$VERIFY" --key "$T/enc.pub" "$T/e4.json"

echo model >"$T/model.bin"
expect "attest approve with an encrypted key" 0 "$ATTEST" approve --key "$T/enc.key" \
	--passphrase-file "$T/pass" --stage production --bundle "$T/appr.jsonl" "$T/model.bin"
jq -n --arg k "$T/enc.pub" '{policyVersion: 1, keys: {alice: {publicKey: $k}},
  approval: {stage: "production", signers: ["alice"], threshold: 1}}' >"$T/pol.json"
expect "verify policy signs its VSA with an encrypted key" 0 "$VERIFY" policy \
	--policy "$T/pol.json" --bundle "$T/appr.jsonl" --vsa-key "$T/enc.key" \
	--passphrase-file "$T/pass" --vsa "$T/vsa.json" "$T/model.bin"
expect "verify accepts the VSA" 0 "$VERIFY" --key "$T/enc.pub" "$T/vsa.json"
expect "verify rejects the VSA under another key" 1 "$VERIFY" --key "$T/ed.pub" "$T/vsa.json"
expect_err "verify policy: an encrypted VSA key without a passphrase file" 2 \
	"^verify: $T/enc.key is encrypted: give --passphrase-file FILE or \\\$MLATTEST_PASSPHRASE_FILE$" \
	env -u MLATTEST_PASSPHRASE_FILE "$VERIFY" policy --policy "$T/pol.json" \
	--bundle "$T/appr.jsonl" --vsa-key "$T/enc.key" --vsa "$T/vsa2.json" "$T/model.bin"
expect "... writes no VSA" 0 test ! -e "$T/vsa2.json"

# ---- twins -------------------------------------------------------------------
expect_err "wrong passphrase" 2 \
	"^attest: $T/enc.key: wrong passphrase \\(from $T/wrong\\), or the key is damaged$" \
	"$ATTEST" sign --key "$T/enc.key" --passphrase-file "$T/wrong" "$T/st.json"
expect_err "wrong passphrase for an openssl key" 2 'wrong passphrase' \
	"$ATTEST" sign --key "$T/ossl.key" --passphrase-file "$T/wrong" "$T/st.json"
expect_err "encrypted key without a passphrase file" 2 \
	"^attest: $T/enc.key is encrypted: give --passphrase-file FILE or \\\$MLATTEST_PASSPHRASE_FILE$" \
	env -u MLATTEST_PASSPHRASE_FILE "$ATTEST" sign --key "$T/enc.key" "$T/st.json"
expect_err "key public of it without one" 2 'is encrypted: give --passphrase-file' \
	env -u MLATTEST_PASSPHRASE_FILE "$ATTEST" key public "$T/enc.key"
cp "$T/pass" "$T/pass644"
chmod 644 "$T/pass644"
expect_err "a passphrase file others can read is refused" 2 \
	"^attest: passphrase file $T/pass644: readable by others \\(mode 644\\); chmod 600 it$" \
	"$ATTEST" sign --key "$T/enc.key" --passphrase-file "$T/pass644" "$T/st.json"
chmod 640 "$T/pass644"
expect_err "... also group-readable" 2 'readable by others \(mode 640\)' \
	"$ATTEST" sign --key "$T/enc.key" --passphrase-file "$T/pass644" "$T/st.json"
expect_err "key generate --encrypt refuses it too, writing nothing" 2 'readable by others' \
	"$ATTEST" key generate --encrypt --passphrase-file "$T/pass644" --out "$T/no"
expect_out "... no key file left" 0 '^none$' sh -c "[ -e '$T/no.key' ] && echo key || echo none"
ln -s "$T/pass" "$T/passlink"
expect_err "a symlinked passphrase file is refused" 2 \
	"^attest: passphrase file $T/passlink: a symbolic link; name the file itself$" \
	"$ATTEST" sign --key "$T/enc.key" --passphrase-file "$T/passlink" "$T/st.json"
expect_err "a missing passphrase file" 2 "passphrase file $T/absent" \
	"$ATTEST" sign --key "$T/enc.key" --passphrase-file "$T/absent" "$T/st.json"
expect_err "--encrypt without a passphrase file" 2 \
	'^attest: --encrypt needs --passphrase-file FILE \(or \$MLATTEST_PASSPHRASE_FILE\)$' \
	env -u MLATTEST_PASSPHRASE_FILE "$ATTEST" key generate --encrypt --out "$T/no2"
: >"$T/empty"
chmod 600 "$T/empty"
expect_err "an empty passphrase file" 2 "passphrase file $T/empty: empty" \
	"$ATTEST" key generate --encrypt --passphrase-file "$T/empty" --out "$T/no3"
expect "stdin is never read for a passphrase" 2 sh -c \
	"echo 'correct horse battery staple' | env -u MLATTEST_PASSPHRASE_FILE '$ATTEST' sign --key '$T/enc.key' '$T/st.json'"
summary

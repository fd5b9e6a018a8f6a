#!/bin/bash
# PKCS#11 KEYREFs against SoftHSM2 in a temp token directory (spec/keys.md
# SPEC-KEY-1..3): keys made by pkcs11-tool and by `attest key generate
# --pkcs11` sign on the token; the signatures verify with verify, the
# openssl CLI over the PAE and sigstore-js. Hostile twins: wrong PIN, a
# removed object, pin-value in the URI, a module that does not load, no
# such token, a mechanism the key does not allow, a malformed URI.
# shellcheck source=tests/cli/lib.sh
. "$SRC/tests/cli/lib.sh"
MOD=/usr/lib/softhsm/libsofthsm2.so
IOP=$SRC/tests/interop
for dep in softhsm2-util pkcs11-tool node base64; do
	command -v "$dep" >/dev/null || { echo "missing dependency: $dep" >&2; exit 1; }
done
[ -r "$MOD" ] || { echo "missing dependency: $MOD (softhsm2)" >&2; exit 1; }
[ -d "$IOP/node_modules/@sigstore/verify" ] ||
	{ echo "missing dependency: run (cd tests/interop && npm ci)" >&2; exit 1; }

mkdir -p "$T/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$T" >"$T/softhsm2.conf"
export SOFTHSM2_CONF=$T/softhsm2.conf
softhsm2-util --init-token --free --label ml --pin 1234 --so-pin 5678 >/dev/null ||
	{ echo "softhsm2-util --init-token failed" >&2; exit 1; }
p11() { pkcs11-tool --module "$MOD" --token-label ml --login --pin 1234 "$@" >/dev/null 2>&1; }
p11 --keypairgen --key-type EC:prime256v1 --label trainer --id 01 ||
	{ echo "pkcs11-tool --keypairgen failed" >&2; exit 1; }
p11 --keypairgen --key-type EC:prime256v1 --label ecdsa-sha256-only --id 02 \
	--allowed-mechanisms ECDSA-SHA256 ||
	{ echo "pkcs11-tool --allowed-mechanisms failed" >&2; exit 1; }

export MLATTEST_PKCS11_PIN=1234
# Under ASan: full stacks through SoftHSM and libcrypto (no frame
# pointers), so tests/lsan.supp can name SoftHSM's own EdDSA leak.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
URI="pkcs11:token=ml;object=trainer?module-path=$MOD"
statement "$T/st.json" "$MOD"
PT=application/vnd.in-toto+json

# oracle TYPE PUB ENV: openssl alone checks the signature over the PAE.
oracle() {
	jq -j .payloadType "$3" >"$T/o.type"
	jq -r .payload "$3" | base64 -d >"$T/o.body"
	jq -r '.signatures[0].sig' "$3" | base64 -d >"$T/o.sig"
	{ printf 'DSSEv1 %d ' "$(wc -c <"$T/o.type")"; cat "$T/o.type"
	  printf ' %d ' "$(wc -c <"$T/o.body")"; cat "$T/o.body"; } >"$T/o.pae"
	case $1 in
	ecdsa-p256) openssl dgst -sha256 -verify "$2" -signature "$T/o.sig" "$T/o.pae" ;;
	ecdsa-p384) openssl dgst -sha384 -verify "$2" -signature "$T/o.sig" "$T/o.pae" ;;
	ed25519) openssl pkeyutl -verify -pubin -inkey "$2" -rawin -in "$T/o.pae" -sigfile "$T/o.sig" ;;
	esac >/dev/null 2>&1
}
# tamper ENV OUT: the same envelope with one payload byte changed.
tamper() {
	jq -r .payload "$1" | base64 -d | sed 's/test/tesT/' | base64 -w0 >"$T/t.b64"
	jq --rawfile p "$T/t.b64" '.payload = ($p | rtrimstr("\n"))' "$1" >"$2"
}

# ---- a key made by pkcs11-tool ---------------------------------------------
expect_out "key public of a pkcs11-tool key prints the SPKI" 0 'BEGIN PUBLIC KEY' \
	"$ATTEST" key public --key "$URI"
cp "$T/out" "$T/trainer.pub"
expect "sign with the token key" 0 "$ATTEST" sign --key "$URI" --bundle "$T/e1.json" "$T/st.json"
expect "verify accepts the token signature" 0 "$VERIFY" --key "$T/trainer.pub" "$T/e1.json"
if oracle ecdsa-p256 "$T/trainer.pub" "$T/e1.json"; then pass "openssl verifies the PAE signature (DER)"
else fail "openssl verifies the PAE signature (DER)"; fi
tamper "$T/e1.json" "$T/e1.bad.json"
expect "verify rejects the tampered twin" 1 "$VERIFY" --key "$T/trainer.pub" "$T/e1.bad.json"
if oracle ecdsa-p256 "$T/trainer.pub" "$T/e1.bad.json"; then fail "openssl rejects the tampered twin"
else pass "openssl rejects the tampered twin"; fi
printf '1234\n' >"$T/pin"
chmod 600 "$T/pin"
expect "module from --pkcs11-module, PIN from pin-source=file:" 0 \
	env -u MLATTEST_PKCS11_PIN "$ATTEST" sign --pkcs11-module "$MOD" \
	--key "pkcs11:token=ml;object=trainer?pin-source=file:$T/pin" --bundle "$T/e2.json" \
	"$T/st.json"
expect "id= selects the key (percent-encoded)" 0 "$ATTEST" sign \
	--key "pkcs11:token=ml;id=%01?module-path=$MOD" --bundle "$T/e3.json" "$T/st.json"
expect "verify accepts the id= signature" 0 "$VERIFY" --key "$T/trainer.pub" "$T/e3.json"

# ---- keys made by attest key generate --pkcs11, sigstore bundles -----------
for t in ecdsa-p256 ecdsa-p384 ed25519; do
	u="pkcs11:token=ml;object=gen-$t?module-path=$MOD"
	expect_out "key generate --pkcs11 --type $t prints the SPKI" 0 'BEGIN PUBLIC KEY' \
		"$ATTEST" key generate --type "$t" --pkcs11 "$u"
	cp "$T/out" "$T/$t.pub"
	expect "$t: key public agrees with generate" 0 cmp -s "$T/$t.pub" \
		<("$ATTEST" key public "$u")
	expect "$t: sign a sigstore bundle on the token" 0 "$ATTEST" sign --key "$u" \
		--format sigstore --bundle "$T/$t.sigstore.json" "$T/st.json"
	expect "$t: verify accepts it" 0 "$VERIFY" --key "$T/$t.pub" "$T/$t.sigstore.json"
	if [ "$t" = ecdsa-p384 ]; then
		# Known, as tests/interop/t_sigstore.sh records for file keys:
		# sigstore-js checks every EC key with SHA-256.
		expect_out "$t: sigstore-js rejects ECDSA-SHA384 (known, as for files)" 1 \
			'^FAIL' node "$IOP/verify-bundle.mjs" "$T/$t.sigstore.json" "$T/$t.pub"
	else
		expect_out "$t: sigstore-js accepts it" 0 '^PASS' \
			node "$IOP/verify-bundle.mjs" "$T/$t.sigstore.json" "$T/$t.pub"
	fi
	jq '.dsseEnvelope' "$T/$t.sigstore.json" >"$T/$t.env.json"
	if oracle "$t" "$T/$t.pub" "$T/$t.env.json"; then pass "$t: openssl verifies the PAE signature"
	else fail "$t: openssl verifies the PAE signature"; fi
	tamper "$T/$t.env.json" "$T/$t.bad.json"
	expect "$t: verify rejects the tampered twin" 1 "$VERIFY" --key "$T/$t.pub" "$T/$t.bad.json"
	if oracle "$t" "$T/$t.pub" "$T/$t.bad.json"; then fail "$t: openssl rejects the tampered twin"
	else pass "$t: openssl rejects the tampered twin"; fi
	expect_out "$t: sigstore-js rejects a bundle checked with another key" 1 '^FAIL' \
		node "$IOP/verify-bundle.mjs" "$T/$t.sigstore.json" "$T/trainer.pub"
done
expect_err "key generate --pkcs11 refuses an existing label" 2 \
	'a key with that label or id already exists on token ml' \
	"$ATTEST" key generate --pkcs11 "pkcs11:token=ml;object=trainer?module-path=$MOD"
expect "--out NAME with --pkcs11 writes NAME.pub" 0 "$ATTEST" key generate \
	--pkcs11 "pkcs11:token=ml;object=gen-out?module-path=$MOD" --out "$T/genout"
expect_out "... and no NAME.key" 0 '^none$' sh -c "[ -e '$T/genout.key' ] && echo key || echo none"

# ---- attest run, approve and the VSA of verify policy ------------------------
expect "attest run signs with the token key" 0 "$ATTEST" run --key "$URI" \
	--output "$T/run.out" --bundle "$T/run.jsonl" -- \
	sh -c 'echo "pin:${MLATTEST_PKCS11_PIN-unset}" >"$0"' "$T/run.out"
expect "verify accepts the run provenance" 0 "$VERIFY" --key "$T/trainer.pub" "$T/run.jsonl"
expect_out "the wrapped command never sees the PIN" 0 '^pin:unset$' cat "$T/run.out"
expect "verify rejects the run provenance under another key" 1 "$VERIFY" \
	--key "$T/ed25519.pub" "$T/run.jsonl"
expect "attest approve with the token key" 0 "$ATTEST" approve --key "$URI" \
	--stage production --bundle "$T/appr.jsonl" "$T/run.out"
jq -n --arg k "$T/trainer.pub" '{policyVersion: 1, keys: {alice: {publicKey: $k}},
  approval: {stage: "production", signers: ["alice"], threshold: 1}}' >"$T/pol.json"
expect "verify policy signs its VSA on the token" 0 "$VERIFY" policy --policy "$T/pol.json" \
	--bundle "$T/appr.jsonl" --vsa-key "$URI" --vsa "$T/vsa.json" "$T/run.out"
expect "verify accepts the VSA" 0 "$VERIFY" --key "$T/trainer.pub" "$T/vsa.json"
expect_err "verify policy: a wrong PIN for the VSA key fails before any verdict" 2 \
	'^verify: pkcs11:token=ml;object=trainer: wrong PIN for token ml \(not retried\)$' \
	env MLATTEST_PKCS11_PIN=0000 "$VERIFY" policy --policy "$T/pol.json" \
	--bundle "$T/appr.jsonl" --vsa-key "$URI" --vsa "$T/vsa2.json" "$T/run.out"
cp "$T/out" "$T/vo"
expect "... prints no verdict and writes no VSA" 0 sh -c "[ ! -s '$T/vo' ] && [ ! -e '$T/vsa2.json' ]"

# ---- hostile twins ---------------------------------------------------------
expect_err "wrong PIN refused, not retried" 2 \
	'^attest: pkcs11:token=ml;object=trainer: wrong PIN for token ml \(not retried\)$' \
	env MLATTEST_PKCS11_PIN=0000 "$ATTEST" sign --key "$URI" "$T/st.json"
expect_err "no PIN at all" 2 \
	'token ml needs a PIN: add pin-source=file:FILE to the URI or set \$MLATTEST_PKCS11_PIN' \
	env -u MLATTEST_PKCS11_PIN "$ATTEST" sign --key "$URI" "$T/st.json"
expect_err "pin-value in the URI refused" 2 \
	'^attest: pkcs11 URI: pin-value is refused \(a PIN never comes from the command line\); use pin-source=file:FILE or \$MLATTEST_PKCS11_PIN$' \
	"$ATTEST" sign --key "pkcs11:token=ml;object=trainer?module-path=$MOD&pin-value=1234" "$T/st.json"
chmod 644 "$T/pin"
expect_err "a PIN file readable by others refused" 2 \
	"PIN file $T/pin: readable by others \\(mode 644\\); chmod 600 it" \
	env -u MLATTEST_PKCS11_PIN "$ATTEST" sign \
	--key "pkcs11:token=ml;object=trainer?module-path=$MOD&pin-source=file:$T/pin" "$T/st.json"
expect_err "module not loadable" 3 \
	"^attest: pkcs11:token=ml;object=trainer: PKCS#11 module $T/nope.so not loadable: " \
	"$ATTEST" sign --key "pkcs11:token=ml;object=trainer?module-path=$T/nope.so" "$T/st.json"
expect_err "a library that is not a PKCS#11 module" 3 \
	'is not a PKCS#11 module \(no C_GetFunctionList\)' \
	"$ATTEST" sign --key "pkcs11:token=ml;object=trainer?module-path=libz.so.1" "$T/st.json"
expect_err "no module at all" 2 \
	'no PKCS#11 module: add module-path=FILE to the URI or give --pkcs11-module FILE' \
	"$ATTEST" sign --key "pkcs11:token=ml;object=trainer" "$T/st.json"
expect_err "no such token" 3 \
	'^attest: pkcs11:token=nosuch;object=trainer: no such token \(token=nosuch\) in the module$' \
	"$ATTEST" sign --key "pkcs11:token=nosuch;object=trainer?module-path=$MOD" "$T/st.json"
expect_err "no such object" 3 \
	'^attest: pkcs11:token=ml;object=absent: no such object: no private key labelled absent on token ml$' \
	"$ATTEST" sign --key "pkcs11:token=ml;object=absent?module-path=$MOD" "$T/st.json"
expect_err "mechanism the key does not allow" 1 \
	'^attest: pkcs11:token=ml;object=ecdsa-sha256-only: mechanism CKM_ECDSA not supported: the key allows other mechanisms only$' \
	"$ATTEST" sign --key "pkcs11:token=ml;object=ecdsa-sha256-only?module-path=$MOD" "$T/st.json"
expect_err "malformed URI: unknown attribute" 2 '^attest: pkcs11 URI: unknown attribute "tokn"$' \
	"$ATTEST" sign --key "pkcs11:tokn=ml;object=trainer?module-path=$MOD" "$T/st.json"
expect_err "malformed URI: bad percent-encoding" 2 'pkcs11 URI: bad value for object' \
	"$ATTEST" sign --key "pkcs11:token=ml;object=tr%zzainer?module-path=$MOD" "$T/st.json"
p11 --delete-object --type privkey --label trainer ||
	{ echo "pkcs11-tool --delete-object failed" >&2; exit 1; }
expect_err "a removed object is refused" 3 \
	'no such object: no private key labelled trainer on token ml' \
	"$ATTEST" sign --key "$URI" "$T/st.json"
expect_err "key public of a removed object is refused" 3 \
	'no such object: no private key labelled trainer on token ml' \
	"$ATTEST" key public "$URI"
summary

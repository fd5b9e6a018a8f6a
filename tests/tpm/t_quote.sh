#!/bin/bash
# TPM2_Quote on swtpm through `attest run --tpm-quote`: the provenance
# carries internalParameters.tpmQuote bound to its subjects and invocation;
# openssl verifies the quote signature; the Check suite test_tpmquote runs
# tpmquote_verify on this real quote (good, trusted AK, expected PCRs) and
# on tampered twins (wrong nonce, wrong PCR values, truncated attest,
# flipped signature, wrong AK); option errors exit 2.
. "$SRC/tests/cli/lib.sh"
. "$SRC/tests/tpm/swtpm.sh"
UNIT=$BIN/tests/test_tpmquote
[ -x "$UNIT" ] || { echo "missing program $UNIT: build first" >&2; exit 1; }
cd "$T" || exit 1
M=$(printf measured | sha256sum | cut -d' ' -f1)

# hexbin HEX: the bytes of HEX on stdout.
hexbin() {
	local h=$1 i esc=''
	for ((i = 0; i < ${#h}; i += 2)); do esc+="\\x${h:i:2}"; done
	printf '%b' "$esc"
}
quote_of() { jq -r .payload "$1" | base64 -d | jq '.predicate.buildDefinition.internalParameters.tpmQuote'; }

tpm_start || { fail "swtpm start"; summary; exit 1; }
"$ATTEST" key tpm-create --tcti "$TCTI" --restricted --out ak.blob >ak.pub 2>/dev/null
"$ATTEST" key tpm-create --tcti "$TCTI" --out sk.blob >sk.pub 2>/dev/null
[ -s ak.pub ] && [ -s sk.pub ] && pass "AK (restricted) and signing key created" ||
	fail "key creation"
tpm2_pcrextend "16:sha256=$M"
want16=$( (head -c 32 /dev/zero; hexbin "$M") | sha256sum | cut -d' ' -f1)

expect "attest run --tpm-quote (restricted AK, TPM signing key)" 0 \
	"$ATTEST" run --tcti "$TCTI" --key tpm:blob=sk.blob --tpm-quote \
	--tpm-ak tpm:blob=ak.blob --pcrs sha256:16,0,7 --output model.bin \
	--bundle prov.json -- sh -c 'echo weights >model.bin'
expect "verify accepts the provenance" 0 "$VERIFY" --key sk.pub --artifact model.bin prov.json
jq -r .payload prov.json | base64 -d >stmt.json
quote_of prov.json >q.json
[ "$(jq -r .pcrSelection q.json)" = "sha256:0,7,16" ] && pass "pcrSelection is canonical" ||
	fail "pcrSelection $(jq -r .pcrSelection q.json)"
[ "$(jq -r '.pcrValues["16"]' q.json)" = "$want16" ] && pass "PCR 16 holds the extended value" ||
	fail "PCR 16 is $(jq -r '.pcrValues["16"]' q.json), want $want16"
[ "$(jq -r .akPublicKey q.json)" = "$(cat ak.pub)" ] && pass "akPublicKey is the AK" ||
	fail "akPublicKey differs from the AK"
[ "$(jq -r '[.version, .nonceBinding] | join(" ")' q.json)" = "1 mlattest-quote-v2" ] &&
	pass "version and nonceBinding" || fail "version or nonceBinding"

# The nonce, recomputed here from the statement without its quote
# (spec/tpm.md SPEC-TPM-15).
nonce=$({
	printf 'mlattest-quote-v2\0'
	jq -cS 'del(.predicate.buildDefinition.internalParameters.tpmQuote)' stmt.json | tr -d '\n'
} | sha256sum | cut -d' ' -f1)
jq -r .attest q.json | base64 -d >attest.bin
got=$(od -An -v -tx1 -j 44 -N 32 attest.bin | tr -d ' \n')
[ "$(od -An -tx1 -N 6 attest.bin | tr -d ' \n')" = ff5443478018 ] &&
	pass "TPMS_ATTEST magic and type" || fail "TPMS_ATTEST magic and type"
[ "$got" = "$nonce" ] && pass "extraData is the shell-computed nonce" ||
	fail "extraData $got, want $nonce"
jq -r .signature q.json | base64 -d >quote.sig
if openssl dgst -sha256 -verify ak.pub -signature quote.sig attest.bin >/dev/null 2>&1; then
	pass "openssl verifies the quote signature with the AK"
else
	fail "openssl verifies the quote signature with the AK"
fi

TPMQUOTE_STATEMENT=stmt.json TPMQUOTE_AK=ak.pub TPMQUOTE_OTHER_AK=sk.pub \
	CK_FORK=yes "$UNIT" >unit.out 2>&1
if [ $? -eq 0 ] && grep -q "100%: Checks: 8, Failures: 0, Errors: 0" unit.out; then
	pass "tpmquote_verify on the real quote and its tampered twins (8 Check tests: grafted into a statement with exit status, dependencies or builder changed, it fails)"
else
	fail "tpmquote_verify on the real quote: $(tail -5 unit.out)"
fi

# An unrestricted signing key may serve as AK too.
expect "attest run --tpm-quote with the signing key as AK" 0 \
	env MLATTEST_TCTI="$TCTI" "$ATTEST" run --key tpm:blob=sk.blob --tpm-quote \
	--tpm-ak tpm:blob=sk.blob --pcrs sha256:16 --output model.bin \
	--bundle prov2.json -- sh -c 'echo weights >model.bin'
[ "$(quote_of prov2.json | jq -r .akPublicKey)" = "$(cat sk.pub)" ] &&
	pass "the quote names the signing key as AK" || fail "AK of the second quote"
"$ATTEST" key generate --out file 2>/dev/null
expect "a file signing key with a TPM AK" 0 \
	"$ATTEST" run --tcti "$TCTI" --key file.key --tpm-quote --tpm-ak tpm:blob=ak.blob \
	--pcrs sha1:0 --output model.bin --bundle prov3.json -- sh -c 'echo weights >model.bin'
[ "$(quote_of prov3.json | jq -r .pcrSelection)" = "sha1:0" ] &&
	pass "sha1 bank quoted" || fail "sha1 bank"

expect_err "--tpm-quote without --pcrs: exit 2" 2 "go together" \
	"$ATTEST" run --tcti "$TCTI" --key file.key --tpm-quote --tpm-ak tpm:blob=ak.blob \
	--output model.bin -- true
expect_err "--pcrs without --tpm-quote: exit 2" 2 "go together" \
	"$ATTEST" run --key file.key --pcrs sha256:0 --output model.bin -- true
expect_err "--tpm-ak a file key: exit 2" 2 "not a TPM-resident key" \
	"$ATTEST" run --tcti "$TCTI" --key file.key --tpm-quote --tpm-ak file.key \
	--pcrs sha256:0 --output model.bin -- true
expect_err "--tpm-quote without a TCTI: exit 2, before the command runs" 2 "MLATTEST_TCTI" \
	"$ATTEST" run --key file.key --tpm-quote --tpm-ak tpm:blob=ak.blob \
	--pcrs sha256:0 --output ran.txt -- sh -c 'echo ran >ran.txt'
[ ! -e ran.txt ] && pass "the command did not run" || fail "the command ran"
expect_err "--pcrs with PCR 24: exit 2" 2 "BANK:I,J" \
	"$ATTEST" run --tcti "$TCTI" --key file.key --tpm-quote --tpm-ak tpm:blob=ak.blob \
	--pcrs sha256:24 --output model.bin -- true
tpm_clean "nothing left loaded"
tpm_stop
summary

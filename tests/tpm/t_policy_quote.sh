#!/bin/bash
# verify policy with training.requireTpmQuote: a run on the measured host
# (swtpm) with a quote by a trusted AK and the expected PCR values admits;
# no quote, an untrusted AK, other PCR values and a quote copied from
# another run deny.
. "$SRC/tests/cli/lib.sh"
. "$SRC/tests/tpm/swtpm.sh"
cd "$T" || exit 1
M=$(printf measured | sha256sum | cut -d' ' -f1)
hexbin() {
	local h=$1 i esc=''
	for ((i = 0; i < ${#h}; i += 2)); do esc+="\\x${h:i:2}"; done
	printf '%b' "$esc"
}

tpm_start || { fail "swtpm start"; summary; exit 1; }
"$ATTEST" key tpm-create --tcti "$TCTI" --restricted --out ak.blob >ak.pub 2>/dev/null
"$ATTEST" key tpm-create --tcti "$TCTI" --restricted --out ak2.blob >ak2.pub 2>/dev/null
"$ATTEST" key generate --out trainer 2>/dev/null
tpm2_pcrextend "16:sha256=$M"
want16=$( (head -c 32 /dev/zero; hexbin "$M") | sha256sum | cut -d' ' -f1)

run() { # run BUNDLE AK [extra attest args]
	local b=$1 ak=$2
	shift 2
	"$ATTEST" run --tcti "$TCTI" --key trainer.key --tpm-quote --tpm-ak "tpm:blob=$ak" \
		--pcrs sha256:16 --output model.bin --bundle "$b" "$@" -- sh -c 'echo weights >model.bin'
}
expect "quoted run" 0 run good.jsonl ak.blob
expect "run quoted by another AK" 0 run otherak.jsonl ak2.blob
expect "run without a quote" 0 "$ATTEST" run --key trainer.key --output model.bin \
	--bundle noquote.jsonl -- sh -c 'echo weights >model.bin'

jq -n --arg pcr "$want16" '{policyVersion: 1,
	keys: {trainer: {publicKey: "trainer.pub"}, ak: {publicKey: "ak.pub"}},
	training: {signers: ["trainer"], requireSuccess: true, requireTpmQuote: true,
		   akKeys: ["ak"], pcrs: {"16": $pcr}}}' >pol.json
pol() { "$VERIFY" policy --policy "${POLICY:-pol.json}" --bundle "$1" model.bin; }
expect "quote by the trusted AK with expected PCRs admits" 0 pol good.jsonl
expect_out "no quote denies" 1 "FAIL +training.tpm-quote.*no TPM quote" pol noquote.jsonl
expect_out "untrusted AK denies" 1 "FAIL +training.tpm-quote" pol otherak.jsonl
jq --arg z "$(printf '%064x' 0)" '.training.pcrs["16"] = $z' pol.json >pol-pcr.json
POLICY=pol-pcr.json expect_out "other PCR values deny" 1 "FAIL +training.tpm-quote" pol good.jsonl

# A quote lifted from another run (different invocation and subjects),
# grafted into a provenance the trainer signs, does not bind.
jq -r .payload good.jsonl | base64 -d >good.json
jq -r .payload noquote.jsonl | base64 -d >nq.json
jq --slurpfile g good.json '.predicate.buildDefinition.internalParameters.tpmQuote =
	$g[0].predicate.buildDefinition.internalParameters.tpmQuote' nq.json >grafted.json
"$ATTEST" sign --key trainer.key --bundle grafted.jsonl grafted.json
expect_out "grafted quote denies" 1 "FAIL +training.tpm-quote" pol grafted.jsonl
# SPEC-TPM-15: the genuine provenance re-signed off-host with one claim
# rewritten keeps its quote, which no longer binds it.
REASON="FAIL +training.tpm-quote .*tpmQuote: the nonce does not bind this statement"
graft() {
	local name=$1 filter=$2
	jq "$filter" good.json >"rw-$name.json"
	"$ATTEST" sign --key trainer.key --bundle "rw-$name.jsonl" "rw-$name.json" 2>/dev/null
	expect_out "re-signed with $name changed: the quote does not bind it" 1 "$REASON" pol "rw-$name.jsonl"
}
graft "exit status" '.predicate.buildDefinition.internalParameters.exitStatus = 1'
graft "dependencies" '.predicate.buildDefinition.resolvedDependencies += [{"uri": "file:other-data/", "digest": {"sha256": "'"$(printf '%064x' 7)"'"}}]'
graft "builder" '.predicate.runDetails.builder.id = "https://example.com/other-builder"'
# The twin: re-signed unchanged, it still admits.
"$ATTEST" sign --key trainer.key --bundle rw-same.jsonl good.json 2>/dev/null
expect "re-signed unchanged: the quote still binds it" 0 pol rw-same.jsonl
jq '.training.pcrs = {"99": "x"}' pol.json >pol-bad.json
POLICY=pol-bad.json expect_err "malformed pcrs is a usage error" 2 "training.pcrs" pol good.jsonl
jq 'del(.training.requireTpmQuote)' pol.json >pol-nq.json
POLICY=pol-nq.json expect_err "akKeys without requireTpmQuote is a usage error" 2 "requireTpmQuote" pol good.jsonl

tpm_stop
summary

#!/bin/bash
# verify policy with keys named by a keyless identity (SPEC-POL-18): a
# Sigstore conformance bundle holding SLSA provenance for a.txt, signed
# keyless by the conformance workflow, counts for the training rule only
# under the identity and issuer it was signed by; twins one character
# off, a prefix regexp, another trusted root. The policies follow the
# schema; bad identity keys are usage errors.
. "$SRC/tests/cli/lib.sh"
command -v python3 >/dev/null || { echo "missing dependency: python3" >&2; exit 1; }

C="$VECTORS/sigstore-conformance/bundle-verify"
B="$C/happy-path-intoto-in-dsse-v3/bundle.sigstore.json"
ID="https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
ISS="https://token.actions.githubusercontent.com"
"$ATTEST" key generate --out "$T/k" 2>/dev/null

# policy FILE KEYSPEC-JSON [EXTRA-KEYS-JSON]: a training policy whose
# signer "ci" is KEYSPEC.
policy() {
	jq -n --argjson ci "$2" --argjson more "${3:-{\}}" \
		'{policyVersion: 1, keys: ($more + {ci: $ci}),
		  training: {signers: ["ci"]}}' >"$1"
}
schema_ok() {
	expect "$1 follows the schema" 0 python3 "$SRC/tests/cli/validate_schema.py" \
		"$SRC/spec/schemas/policy.schema.json" "$2"
}

policy "$T/p1.json" "$(jq -n --arg i "$ID" --arg s "$ISS" '{identity: $i, issuer: $s}')"
schema_ok "identity policy" "$T/p1.json"
expect_err "an identity key admits its keyless provenance" 0 \
	'ADMIT .*1 of 1 attestations verified under policy keys' \
	"$VERIFY" policy --policy "$T/p1.json" --bundle "$B" "$C/a.txt"

policy "$T/p2.json" "$(jq -n --arg i "$ID" --arg s "$ISS" '{identity: $i, issuer: $s}')" \
	"$(jq -n --arg k "$T/k.pub" '{first: {publicKey: $k}}')"
schema_ok "identity after a key" "$T/p2.json"
expect_err "beside a public key listed first" 0 'ADMIT' \
	"$VERIFY" policy --policy "$T/p2.json" --bundle "$B" "$C/a.txt"

policy "$T/p3.json" "$(jq -n --arg i "${ID%?}" --arg s "$ISS" '{identity: $i, issuer: $s}')"
expect_err "identity one character off: not counted" 1 \
	'DENY .*0 of 1 attestations verified under policy keys' \
	"$VERIFY" policy --policy "$T/p3.json" --bundle "$B" "$C/a.txt"

policy "$T/p4.json" "$(jq -n --arg i "$ID" --arg s "${ISS}x" '{identity: $i, issuer: $s}')"
expect_err "issuer one character off: not counted" 1 'DENY' \
	"$VERIFY" policy --policy "$T/p4.json" --bundle "$B" "$C/a.txt"

policy "$T/p5.json" "$(jq -n --arg s "$ISS" \
	'{identityRegexp: "https://github\\.com/sigstore-conformance/.*", issuer: $s}')"
schema_ok "regexp policy" "$T/p5.json"
expect_err "a full-match identity regexp admits" 0 'ADMIT' \
	"$VERIFY" policy --policy "$T/p5.json" --bundle "$B" "$C/a.txt"

policy "$T/p6.json" "$(jq -n --arg s "$ISS" \
	'{identityRegexp: "https://github\\.com/sigstore-conformance", issuer: $s}')"
expect_err "a regexp matching a prefix only: not counted" 1 'DENY' \
	"$VERIFY" policy --policy "$T/p6.json" --bundle "$B" "$C/a.txt"

cp "$C/rekor2-happy-path/trusted_root.json" "$T/staging.json"
policy "$T/p7.json" "$(jq -n --arg i "$ID" --arg s "$ISS" \
	'{identity: $i, issuer: $s, trustedRoot: "staging.json"}')"
schema_ok "trustedRoot policy" "$T/p7.json"
expect_err "under another trusted root (relative to the policy): not counted" 1 'DENY' \
	"$VERIFY" policy --policy "$T/p7.json" --bundle "$B" "$C/a.txt"

policy "$T/p8.json" "$(jq -n --arg i "$ID" '{identity: $i}')"
expect_err "identity without issuer is a usage error" 2 'go together' \
	"$VERIFY" policy --policy "$T/p8.json" --bundle "$B" "$C/a.txt"
expect "the schema refuses it too" 1 python3 "$SRC/tests/cli/validate_schema.py" \
	"$SRC/spec/schemas/policy.schema.json" "$T/p8.json"

policy "$T/p9.json" "$(jq -n --arg i "$ID" --arg s "$ISS" --arg k "$T/k.pub" \
	'{identity: $i, issuer: $s, publicKey: $k}')"
expect_err "identity and publicKey in one key is a usage error" 2 'publicKey|identity' \
	"$VERIFY" policy --policy "$T/p9.json" --bundle "$B" "$C/a.txt"

jq --arg s "$ISS" '.keys.ci = {identityRegexp: "(", issuer: $s}' "$T/p1.json" >"$T/p10.json"
expect_err "a regexp that does not compile is a usage error" 2 'not a POSIX' \
	"$VERIFY" policy --policy "$T/p10.json" --bundle "$B" "$C/a.txt"

jq '.training.akKeys = ["ci"] | .training.requireTpmQuote = true' "$T/p1.json" >"$T/p11.json"
expect_err "an identity is no TPM attestation key" 2 'names an identity' \
	"$VERIFY" policy --policy "$T/p11.json" --bundle "$B" "$C/a.txt"
summary

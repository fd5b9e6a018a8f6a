#!/bin/bash
# The Sigstore conformance suite's bundle-verify cases (tests/vectors/
# sigstore-conformance, rules in its bundle-verify/README.md) through
# verify, each with the artifact as a file and as sha256:HEX: happy cases
# pass, _fail cases are rejected with the reason below (SPEC-KL-*).
. "$SRC/tests/cli/lib.sh"

CASES="$VECTORS/sigstore-conformance/bundle-verify"
DEF_ID="https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
DEF_ISS="https://token.actions.githubusercontent.com"

# The reason each _fail case must be rejected with (stdout FAIL line).
reason() {
	case $1 in
	bundle-empty-certificate-chain_fail) echo 'certificate chain is empty' ;;
	bundle-from-wrong-instance_fail) echo 'no transparency log entry from a log in the trusted root' ;;
	bundle-invalid-base64-signature_fail) echo 'messageSignature: malformed base64' ;;
	bundle-malformed-json_fail) echo 'invalid JSON' ;;
	bundle-negative-log-index_fail) echo 'negative logIndex' ;;
	bundle-unknown-version_fail) echo 'unsupported Sigstore bundle media type' ;;
	bundle-with-root-cert_fail) echo 'carries a root certificate' ;;
	checkpoint-bad-keyhint_fail) echo 'checkpoint is not signed by https://rekor.sigstore.dev' ;;
	dsse-invalid-sig_fail) echo 'DSSE signature does not verify' ;;
	dsse-mismatch-sig_fail) echo "log entry's signature or certificate is not the bundle's" ;;
	inclusion-proof-corrupted-hash_fail) echo 'computed root is not the root hash' ;;
	incorrect-public-key_fail) echo "log entry's certificate is not the bundle's" ;;
	intoto-expired-certificate_fail) echo 'at the signing time 2023-02-01T00:00:00Z the certificate does not chain' ;;
	intoto-log-entry-mismatch_fail) echo "log entry's signature or certificate is not the bundle's" ;;
	intoto-missing-inclusion-proof_fail) echo 'log entry has no inclusion proof' ;;
	intoto-tsa-timestamp-outside-cert-validity_fail) echo 'at the signing time 2023-02-02T00:00:00Z the certificate does not chain' ;;
	invalid-checkpoint-signature_fail) echo 'checkpoint signature by rekor.sigstore.dev does not verify' ;;
	invalid-inclusion-proof_fail) echo 'computed root is not the root hash' ;;
	managed-key-no-key_fail) echo 'managed key \(publicKey\) but no --key' ;;
	message-digest-mismatch_fail) echo "messageDigest is not the artifact's SHA-256" ;;
	rekor2-checkpoint-missing-log-signature_fail) echo 'checkpoint: no signature' ;;
	rekor2-checkpoint-missing-origin_fail) echo 'checkpoint: no tree size line' ;;
	rekor2-checkpoint-missing-root-hash_fail) echo 'checkpoint: no root hash line' ;;
	rekor2-checkpoint-missing-size_fail) echo 'checkpoint: no tree size line' ;;
	rekor2-dsse-invalid-sig_fail) echo 'DSSE signature does not verify' ;;
	rekor2-dsse-mismatch-envelope_fail) echo "log entry's digest is not the bundle's PAE digest" ;;
	rekor2-dsse-mismatch-sig_fail) echo "log entry's signature is not the bundle's" ;;
	rekor2-no-inclusion-proof_fail) echo 'log entry has no inclusion proof' ;;
	rekor2-no-timestamp_fail) echo 'no verified signing time' ;;
	rekor2-timestamp-outside-trust-root-tsa-validity_fail) echo 'is outside the validity of TSA' ;;
	rekor2-timestamp-outside-tsa-cert-validity_fail) echo "outside the TSA certificate's validity" ;;
	rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail) echo 'RFC 3161 timestamp 0: timestamp: not signed by a trusted TSA' ;;
	rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail) echo 'RFC 3161 timestamp 0: timestamp: not signed by a trusted TSA' ;;
	rekor2-timestamp-with-incorrect-time_fail) echo 'at the signing time 2025-07-15T10:33:31Z the certificate does not chain' ;;
	set-invalid-signature_fail) echo 'signed entry timestamp does not verify' ;;
	signature-mismatch_fail) echo 'message signature does not verify' ;;
	trust-root-tlog-missing-validity-start_fail) echo 'validFor has no start' ;;
	wrong-hashedrekord-artifact_fail) echo "log entry's artifact digest is not the bundle's" ;;
	wrong-hashedrekord-cert-and-sig_fail) echo "log entry's signature is not the bundle's" ;;
	wrong-material_fail) echo "messageDigest is not the artifact's SHA-256" ;;
	*) echo 'NO REASON LISTED FOR THIS CASE' ;;
	esac
}

# case_args DIR: verify's arguments for a case, one a line.
case_args() {
	local d=$1
	[ -f "$d/trusted_root.json" ] && printf '%s\n' --trusted-root "$d/trusted_root.json"
	if [ -f "$d/key.pub" ]; then
		printf '%s\n' --key "$d/key.pub"
	else
		printf '%s\n' --certificate-identity "$(cat "$d/identity" 2>/dev/null || echo "$DEF_ID")" \
			--certificate-oidc-issuer "$(cat "$d/issuer" 2>/dev/null || echo "$DEF_ISS")"
	fi
}

happy=0 rejected=0
for d in "$CASES"/*/; do
	d=${d%/}
	c=$(basename "$d")
	art="$CASES/a.txt"
	[ -f "$d/artifact" ] && art="$d/artifact"
	mapfile -t args < <(case_args "$d")
	for form in path digest; do
		a=$art
		[ $form = digest ] && a="sha256:$(sha256sum <"$art" | cut -d' ' -f1)"
		case $c in
		managed-key-wrong-key_fail)
			# The case's key.pub is not a key: verify cannot decide
			# (exit 3, frozen), it does not reject the bundle.
			expect_err "$c ($form): unusable --key is exit 3" 3 \
				'key.pub: no public key in PEM' \
				"$VERIFY" "${args[@]}" --artifact "$a" "$d/bundle.sigstore.json"
			;;
		*_fail)
			expect_out "$c ($form)" 1 "FAIL .*$(reason "$c")" \
				"$VERIFY" "${args[@]}" --artifact "$a" "$d/bundle.sigstore.json"
			[ $form = path ] && rejected=$((rejected + 1))
			;;
		*)
			expect_out "$c ($form)" 0 "^PASS  artifact" \
				"$VERIFY" "${args[@]}" --artifact "$a" "$d/bundle.sigstore.json"
			[ $form = path ] && happy=$((happy + 1))
			;;
		esac
	done
done
# Options and trusted roots.
B="$CASES/happy-path-v0.3/bundle.sigstore.json"
D="$CASES/happy-path-intoto-in-dsse-v3/bundle.sigstore.json"
expect_err "identity without issuer is usage" 2 'go together' \
	"$VERIFY" --certificate-identity "$DEF_ID" --artifact "$CASES/a.txt" "$B"
expect_err "identity twice, exact and regexp, is usage" 2 'not both' \
	"$VERIFY" --certificate-identity "$DEF_ID" --certificate-identity-regexp '.*' \
	--certificate-oidc-issuer "$DEF_ISS" --artifact "$CASES/a.txt" "$B"
expect_err "a regexp that does not compile is usage" 2 'not a POSIX extended' \
	"$VERIFY" --certificate-identity-regexp '(' --certificate-oidc-issuer "$DEF_ISS" \
	--artifact "$CASES/a.txt" "$B"
expect_out "a certificate bundle under --key alone is rejected" 1 \
	'FAIL .*needs --certificate-identity' \
	"$VERIFY" --key "$CASES/managed-key-happy-path/key.pub" --artifact "$CASES/a.txt" "$B"
expect_out "a message signature without --artifact is rejected" 1 \
	'FAIL .*message signature needs' \
	"$VERIFY" --certificate-identity "$DEF_ID" --certificate-oidc-issuer "$DEF_ISS" "$B"
expect_out "a missing trusted root is exit 3 naming it" 3 'FAIL .*no-such-root.json' \
	"$VERIFY" --trusted-root "$T/no-such-root.json" --certificate-identity "$DEF_ID" \
	--certificate-oidc-issuer "$DEF_ISS" "$D"
printf '{"mediaType":"application/json"}' >"$T/bad-root.json"
expect_out "a file that is no trusted root is exit 3 naming it" 3 \
	'FAIL .*bad-root.json: not a Sigstore trusted root' \
	"$VERIFY" --trusted-root "$T/bad-root.json" --certificate-identity "$DEF_ID" \
	--certificate-oidc-issuer "$DEF_ISS" "$D"
expect_out "the staging root does not verify a production bundle" 1 \
	'FAIL .*no transparency log entry from a log in the trusted root' \
	"$VERIFY" --trusted-root "$CASES/rekor2-happy-path/trusted_root.json" \
	--certificate-identity "$DEF_ID" --certificate-oidc-issuer "$DEF_ISS" \
	--artifact "$CASES/a.txt" "$B"

# cmake --install puts the default trusted root where the installed
# verify finds it (SPEC-KL-2), and nothing else stands in for it.
command -v cmake >/dev/null || { echo "missing dependency: cmake" >&2; exit 1; }
expect "cmake --install" 0 cmake --install "$BIN" --prefix "$T/inst"
expect_out "the installed verify uses the installed root" 0 '^PASS  artifact' \
	"$T/inst/bin/verify" --certificate-identity "$DEF_ID" \
	--certificate-oidc-issuer "$DEF_ISS" --artifact "$CASES/a.txt" "$B"
rm "$T/inst/share/mlattest/trusted_root.json"
expect_out "without it, nothing is decided" 3 'FAIL .*trusted_root.json' \
	"$T/inst/bin/verify" --certificate-identity "$DEF_ID" \
	--certificate-oidc-issuer "$DEF_ISS" "$D"

# The JSON report of keyless results follows verify-output.schema.json.
"$VERIFY" --json --certificate-identity "$DEF_ID" --certificate-oidc-issuer "$DEF_ISS" \
	--artifact "$CASES/a.txt" "$CASES/happy-path-v0.3/bundle.sigstore.json" \
	"$CASES/happy-path-intoto-in-dsse-v3/bundle.sigstore.json" >"$T/report.json" 2>/dev/null
expect "keyless --json report follows the schema" 0 python3 "$SRC/tests/cli/validate_schema.py" \
	"$SRC/spec/schemas/verify-output.schema.json" "$T/report.json" verify
expect_out "the report names identity and kind" 0 '"kind":"messageSignature"' \
	jq -c '.attestations[0]' "$T/report.json"
echo "conformance: $happy happy cases, $rejected _fail cases (each twice)"
summary

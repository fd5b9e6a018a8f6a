#!/bin/bash
# verify model with model_signing's sigstore method (identity and issuer,
# against the public-good trusted root) and certificate method
# (--certificate-chain), on real model_signing signatures
# (tests/vectors/oms-model-transparency-keyless), with tampered twins.
. "$SRC/tests/cli/lib.sh"

V="$VECTORS/oms-model-transparency-keyless"
ID=stefanb@us.ibm.com
ISS=https://sigstore.verify.ibm.com/oauth2
sig=(--certificate-identity "$ID" --certificate-oidc-issuer "$ISS")

expect_out "sigstore method verifies" 0 'PASS .*signed by stefanb@us.ibm.com' \
	"$VERIFY" model "${sig[@]}" --ignore-paths ignore-me "$V/v1.1.0-sigstore"
expect_out "sigstore method, identity as a full regexp" 0 'PASS .*matches' \
	"$VERIFY" model --certificate-identity-regexp '[a-z]+@us\.ibm\.com' \
	--certificate-oidc-issuer "$ISS" "$V/v1.1.0-sigstore"
expect_out "certificate method verifies" 0 'PASS .*matches' \
	"$VERIFY" model --certificate-chain "$V/keys/ca-cert.pem" \
	--ignore-paths ignore-me "$V/v1.1.0-certificate"

for m in sigstore certificate; do
	cp -r "$V/v1.1.0-$m" "$T/$m"
	printf 'changed\n' >>"$T/$m/signme-1"
done
expect_out "sigstore method: a changed file" 1 'FAIL  changed +signme-1' \
	"$VERIFY" model "${sig[@]}" "$T/sigstore"
expect_out "certificate method: a changed file" 1 'FAIL  changed +signme-1' \
	"$VERIFY" model --certificate-chain "$V/keys/ca-cert.pem" "$T/certificate"

expect_err "sigstore method: identity one character off" 1 \
	'identity is not the one asked for' \
	"$VERIFY" model --certificate-identity "${ID}x" \
	--certificate-oidc-issuer "$ISS" "$V/v1.1.0-sigstore"
expect_err "sigstore method: another issuer" 1 \
	'OIDC issuer is not the one asked for' \
	"$VERIFY" model --certificate-identity "$ID" \
	--certificate-oidc-issuer https://accounts.google.com "$V/v1.1.0-sigstore"
expect_err "sigstore method: identity regexp matching a prefix only" 1 \
	'identity is not the one asked for' \
	"$VERIFY" model --certificate-identity-regexp stefanb \
	--certificate-oidc-issuer "$ISS" "$V/v1.1.0-sigstore"

# A foreign CA: a fresh self-signed one, and the intermediate alone as
# if it were a root.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T/ca.key" -out "$T/foreign-ca.pem" -subj /CN=root-ca \
	-days 2 2>/dev/null
expect_err "certificate method: a foreign CA" 1 \
	'does not chain to --certificate-chain' \
	"$VERIFY" model --certificate-chain "$T/foreign-ca.pem" "$V/v1.1.0-certificate"
expect_err "certificate method: a CA file with no certificate" 3 \
	'no PEM certificates' \
	"$VERIFY" model --certificate-chain "$T/ca.key" "$V/v1.1.0-certificate"

# --ignore-paths: a new file is an unsigned extra unless ignored.
cp -r "$V/v1.1.0-sigstore" "$T/extra"
printf 'new\n' >"$T/extra/notes.txt"
expect_out "a file the signature lacks is an extra" 1 'FAIL  extra +notes.txt' \
	"$VERIFY" model "${sig[@]}" "$T/extra"
expect_out "--ignore-paths leaves it out" 0 'PASS .*matches' \
	"$VERIFY" model "${sig[@]}" --ignore-paths notes.txt "$T/extra"

expect_err "one method at a time" 2 'usage' \
	"$VERIFY" model "${sig[@]}" --certificate-chain "$V/keys/ca-cert.pem" \
	"$V/v1.1.0-sigstore"
expect_err "identity without issuer" 2 'go together' \
	"$VERIFY" model --certificate-identity "$ID" "$V/v1.1.0-sigstore"
summary

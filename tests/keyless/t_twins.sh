#!/bin/bash
# Tampered twins of every happy conformance case, made here: the
# certificate swapped with another case's, the integrated time moved, one
# proof hash flipped, the checkpoint signatures cut (8 bytes short), identity and issuer
# one character off, a regexp that matches only a prefix. All rejected,
# each for its reason (SPEC-KL-*); the full-match regexp still passes.
. "$SRC/tests/cli/lib.sh"
command -v python3 >/dev/null || { echo "missing dependency: python3" >&2; exit 1; }

CASES="$VECTORS/sigstore-conformance/bundle-verify"
DEF_ID="https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
DEF_ISS="https://token.actions.githubusercontent.com"

# twin KIND IN OUT [OTHER]: writes the tampered bundle; exit 1 when the
# bundle has nothing of that kind to tamper with.
twin() {
	python3 - "$@" <<'PY'
import base64, json, sys
kind, src, dst = sys.argv[1:4]
b = json.load(open(src))
vm = b["verificationMaterial"]
tl = (vm.get("tlogEntries") or [{}])[0]
proof = tl.get("inclusionProof")

def leaf(bundle):
    m = bundle["verificationMaterial"]
    if "certificate" in m:
        return m["certificate"]
    if "x509CertificateChain" in m:
        return m["x509CertificateChain"]["certificates"][0]
    return None

def flip(s):
    raw = bytearray(base64.b64decode(s))
    raw[len(raw) // 2] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()

if kind == "cert":
    mine, other = leaf(b), leaf(json.load(open(sys.argv[4])))
    if mine is None or other is None or mine["rawBytes"] == other["rawBytes"]:
        sys.exit(1)
    mine["rawBytes"] = other["rawBytes"]
elif kind == "itime":
    if "integratedTime" not in tl or "inclusionPromise" not in tl:
        sys.exit(1)
    tl["integratedTime"] = str(int(tl["integratedTime"]) + 1)
elif kind == "proof":
    if not proof or not proof.get("hashes"):
        sys.exit(1)
    proof["hashes"][0] = flip(proof["hashes"][0])
elif kind == "checkpoint":
    if not proof:
        sys.exit(1)
    body, sep, sigs = proof["checkpoint"]["envelope"].partition("\n\n")
    lines = sigs.rstrip("\n").split("\n")
    for i, line in enumerate(lines):
        name, sig = line.rsplit(" ", 1)
        raw = base64.b64decode(sig)
        lines[i] = name + " " + base64.b64encode(raw[:-8]).decode()
    proof["checkpoint"]["envelope"] = body + sep + "\n".join(lines) + "\n"
json.dump(b, open(dst, "w"))
PY
}

args_of() {
	local d=$1
	[ -f "$d/trusted_root.json" ] && printf '%s\n' --trusted-root "$d/trusted_root.json"
	[ -f "$d/key.pub" ] && printf '%s\n' --key "$d/key.pub"
	return 0
}

# The happy cases signed with a certificate, for the swap.
certcases=()
for d in "$CASES"/*/; do
	d=${d%/}
	case $d in *_fail) continue ;; esac
	[ -f "$d/key.pub" ] || certcases+=("$d")
done

n=0
for d in "$CASES"/*/; do
	d=${d%/}
	c=$(basename "$d")
	case $c in *_fail) continue ;; esac
	art="$CASES/a.txt"
	[ -f "$d/artifact" ] && art="$d/artifact"
	id=$(cat "$d/identity" 2>/dev/null || echo "$DEF_ID")
	iss=$(cat "$d/issuer" 2>/dev/null || echo "$DEF_ISS")
	mapfile -t base < <(args_of "$d")
	who=(--certificate-identity "$id" --certificate-oidc-issuer "$iss")
	[ -f "$d/key.pub" ] && who=()
	run=("$VERIFY" "${base[@]}" --artifact "$art")
	n=$((n + 1))

	other=${certcases[0]}
	[ "$other" = "$d" ] && other=${certcases[1]}
	if twin cert "$d/bundle.sigstore.json" "$T/b.json" "$other/bundle.sigstore.json"; then
		expect_out "$c: certificate of $(basename "$other")" 1 \
			"FAIL .*(does not verify under the certificate's key|certificate is not the bundle's|identity is not)" \
			"${run[@]}" "${who[@]}" "$T/b.json"
	fi
	if twin itime "$d/bundle.sigstore.json" "$T/b.json"; then
		expect_out "$c: integrated time moved" 1 \
			'FAIL .*signed entry timestamp does not verify' \
			"${run[@]}" "${who[@]}" "$T/b.json"
	fi
	if twin proof "$d/bundle.sigstore.json" "$T/b.json"; then
		expect_out "$c: one proof hash flipped" 1 \
			'FAIL .*computed root is not the root hash' \
			"${run[@]}" "${who[@]}" "$T/b.json"
	fi
	if twin checkpoint "$d/bundle.sigstore.json" "$T/b.json"; then
		expect_out "$c: checkpoint signature cut" 1 \
			'FAIL .*checkpoint signature by .* does not verify' \
			"${run[@]}" "${who[@]}" "$T/b.json"
	fi
	[ -f "$d/key.pub" ] && continue
	expect_out "$c: identity one character off" 1 \
		"FAIL .*identity is not the one asked for" \
		"${run[@]}" --certificate-identity "${id%?}" \
		--certificate-oidc-issuer "$iss" "$d/bundle.sigstore.json"
	expect_out "$c: issuer one character off" 1 \
		"FAIL .*OIDC issuer is not the one asked for" \
		"${run[@]}" --certificate-identity "$id" \
		--certificate-oidc-issuer "${iss}x" "$d/bundle.sigstore.json"
	expect_out "$c: identity regexp matching a prefix only" 1 \
		"FAIL .*identity is not the one asked for" \
		"${run[@]}" --certificate-identity-regexp "${id%%/.github*}" \
		--certificate-oidc-issuer "$iss" "$d/bundle.sigstore.json"
	expect_out "$c: issuer regexp matching a prefix only" 1 \
		"FAIL .*OIDC issuer is not the one asked for" \
		"${run[@]}" --certificate-identity "$id" \
		--certificate-oidc-issuer-regexp 'https://[a-z]+' "$d/bundle.sigstore.json"
	expect_out "$c: full-match regexps pass" 0 '^PASS  artifact' \
		"${run[@]}" --certificate-identity-regexp "${id%%/.github*}/.*" \
		--certificate-oidc-issuer-regexp 'https://[a-z.]+' "$d/bundle.sigstore.json"
done
echo "twins of $n happy cases"
summary

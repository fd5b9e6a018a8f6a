#!/bin/bash
# sigstore-js (@sigstore/verify 3.1.1, tests/interop) and verify on the
# same conformance bundles: both accept every happy case and reject every
# _fail case, except the cases sigstore-js 3.1.1 does not support, which
# are named below with what it does (so a change on either side shows).
. "$SRC/tests/cli/lib.sh"
command -v node >/dev/null || { echo "missing dependency: node" >&2; exit 1; }
JS="$SRC/tests/interop/keyless-verify.mjs"
[ -d "$SRC/tests/interop/node_modules/@sigstore/verify" ] ||
	{ echo "missing dependency: run npm ci in tests/interop" >&2; exit 1; }

CASES="$VECTORS/sigstore-conformance/bundle-verify"
DEF_ID="https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
DEF_ISS="https://token.actions.githubusercontent.com"

# What sigstore-js 3.1.1 does where it parts from the specification.
js_exception() {
	case $1 in
	# No hashedrekord 0.0.2 over DSSE (rekor-v2-spec 6.1.4): "digest
	# mismatch" on a valid bundle.
	rekor2-dsse-happy-path) echo 1 ;;
	# A log key whose validFor has no start is taken as valid forever.
	trust-root-tlog-missing-validity-start_fail) echo 0 ;;
	# key.pub is not a key: node cannot load it (usage error).
	managed-key-wrong-key_fail) echo 2 ;;
	*) echo "" ;;
	esac
}

agree=0
for d in "$CASES"/*/; do
	d=${d%/}
	c=$(basename "$d")
	art="$CASES/a.txt"
	[ -f "$d/artifact" ] && art="$d/artifact"
	root="$SRC/data/trusted_root.json"
	[ -f "$d/trusted_root.json" ] && root="$d/trusted_root.json"
	if [ -f "$d/key.pub" ]; then
		js=(--key "$d/key.pub")
		mine=(--key "$d/key.pub")
	else
		id=$(cat "$d/identity" 2>/dev/null || echo "$DEF_ID")
		iss=$(cat "$d/issuer" 2>/dev/null || echo "$DEF_ISS")
		js=(--identity "$id" --issuer "$iss")
		mine=(--certificate-identity "$id" --certificate-oidc-issuer "$iss")
	fi
	want=0
	case $c in *_fail) want=1 ;; esac
	[ "$c" = managed-key-wrong-key_fail ] && want=3
	node "$JS" "$d/bundle.sigstore.json" "$art" "$root" "${js[@]}" >"$T/js" 2>&1
	jrc=$?
	"$VERIFY" --trusted-root "$root" "${mine[@]}" --artifact "$art" \
		"$d/bundle.sigstore.json" >"$T/mine" 2>&1
	mrc=$?
	ex=$(js_exception "$c")
	if [ -n "$ex" ]; then
		if [ "$jrc" = "$ex" ] && [ "$mrc" = "$want" ]; then
			pass "$c: sigstore-js exits $jrc (unsupported), verify $mrc"
		else
			fail "$c: sigstore-js $jrc (known: $ex), verify $mrc (wanted $want)"
		fi
		continue
	fi
	if [ "$jrc" = "$want" ] && [ "$mrc" = "$want" ]; then
		pass "$c: both exit $want"
		agree=$((agree + 1))
	else
		fail "$c: sigstore-js $jrc, verify $mrc, wanted $want: $(head -c 200 "$T/js")"
	fi
done
echo "sigstore-js and verify agree on $agree cases"
summary

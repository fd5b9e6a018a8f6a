#!/bin/bash
# Interop with an independent DSSE verifier and signer made of the openssl
# CLI and jq only (no code of ours in the crypto path).
#
#   1. attest (bare DSSE, P-256 and Ed25519) -> openssl: decode the payload,
#      rebuild PAE = "DSSEv1 <len(type)> <type> <len(body)> <body>" byte for
#      byte, verify; tampered twins must fail.
#   2. openssl + jq -> our verify: sign a PAE with openssl, build the envelope
#      (and a v0.3 bundle) with jq; verify accepts it, rejects tampered twins.
#
# Env: BIN (build dir), SRC (source dir), VECTORS (unused). Needs openssl and
# jq; a missing dependency is a failure, not a skip.
set -u

PASSED=0
FAILED=0
ok()  { PASSED=$((PASSED + 1)); echo "ok     $1"; }
bad() { FAILED=$((FAILED + 1)); echo "FAILED $1"; }
finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
  exit
}

# ---- dependencies -------------------------------------------------------
BIN=${BIN:-}
ATTEST=$BIN/attest/attest
VERIFY=$BIN/verify/verify
missing=0
need() { bad "dependency: $1"; missing=1; }
[ -n "$BIN" ] || need "BIN is not set (build dir)"
[ -x "$ATTEST" ] || need "$ATTEST not built"
[ -x "$VERIFY" ] || need "$VERIFY not built"
command -v jq >/dev/null 2>&1 || need "jq not found (apt-get install jq)"
command -v openssl >/dev/null 2>&1 || need "openssl not found (apt-get install openssl)"
command -v base64 >/dev/null 2>&1 || need "base64 not found (coreutils)"
[ "$missing" -eq 0 ] || finish

T=$(mktemp -d) || { bad "mktemp"; finish; }
trap 'rm -rf "$T"' EXIT
cd "$T" || { bad "cd $T"; finish; }

PT=application/vnd.in-toto+json

# ---- helpers --------------------------------------------------------------
# pae TYPEFILE BODYFILE OUT: lengths are byte counts of the files, so no
# command substitution ever strips a trailing newline from the data.
pae() {
  local tl bl
  tl=$(wc -c <"$1")
  bl=$(wc -c <"$2")
  { printf 'DSSEv1 %d ' "$tl"; cat "$1"; printf ' %d ' "$bl"; cat "$2"; } >"$3"
}

# envelope_parts ENV PREFIX -> PREFIX.type PREFIX.body PREFIX.sig PREFIX.pae
envelope_parts() {
  jq -j '.payloadType' "$1" >"$2.type"
  jq -r '.payload' "$1" | base64 -d >"$2.body"
  jq -r '.signatures[0].sig' "$1" | base64 -d >"$2.sig"
  pae "$2.type" "$2.body" "$2.pae"
}

# ossl_verify KEYTYPE PUB SIG DATA: the openssl-only verdict (exit status).
# It is only called through expect(), which shellcheck cannot see.
# shellcheck disable=SC2317
ossl_verify() {
  case $1 in
    ecdsa-p256) openssl dgst -sha256 -verify "$2" -signature "$3" "$4" ;;
    ed25519) openssl pkeyutl -verify -pubin -inkey "$2" -rawin -in "$4" -sigfile "$3" ;;
  esac >ossl.out 2>&1
}

# ossl_sign KEYTYPE KEY DATA SIG
ossl_sign() {
  case $1 in
    ecdsa-p256) openssl dgst -sha256 -sign "$2" -out "$4" "$3" ;;
    ed25519) openssl pkeyutl -sign -inkey "$2" -rawin -in "$3" -out "$4" ;;
  esac >/dev/null 2>&1
}

# expect NAME WANT(0|1) CMD...: CMD must succeed (0) or fail (1).
expect() {
  local name=$1 want=$2 rc=0
  shift 2
  "$@" || rc=1
  if [ "$rc" -eq "$want" ]; then ok "$name"; else bad "$name"; fi
}

# rejects NAME PATTERN CMD...: CMD (an ossl_verify) must fail, and what
# openssl printed (ossl.out) must match PATTERN: the reason, not any error.
rejects() {
  local name=$1 pat=$2
  shift 2
  if "$@"; then
    bad "$name (accepted)"
  elif ! grep -Eq -- "$pat" ossl.out; then
    bad "$name (openssl output lacks /$pat/: $(head -c 120 ossl.out))"
  else
    ok "$name"
  fi
}
# What openssl prints when the signature does not verify.
case_fail() { case $1 in ecdsa-p256) echo '^Verification failure$' ;; *) echo '^Signature Verification Failure$' ;; esac; }

# ours NAME WANT_RC ARGS...: our verify must exit WANT_RC.
ours() {
  local name=$1 want=$2 rc
  shift 2
  "$VERIFY" "$@" >out.txt 2>&1
  rc=$?
  if [ "$rc" -eq "$want" ]; then
    ok "$name"
  else
    bad "$name (verify: want exit $want, got $rc: $(head -c 300 out.txt))"
  fi
}

# flip FILE [last]: XOR 0x01 into the middle byte (with "last", the last
# byte: inside s of a DER ECDSA signature, never a tag or a length), in place.
flip() {
  local hex i b esc=''
  hex=$(od -An -v -tx1 "$1" | tr -d ' \n')
  i=$((${#hex} / 2))  # bytes
  i=$((i / 2 * 2))    # hex offset of the middle byte
  [ "${2:-}" = last ] && i=$((${#hex} - 2))
  b=$(printf '%02x' $((0x${hex:i:2} ^ 1)))
  hex=${hex:0:i}$b${hex:i+2}
  for ((i = 0; i < ${#hex}; i += 2)); do esc+="\\x${hex:i:2}"; done
  printf '%b' "$esc" >"$1"
}

# The Statement has non-ASCII text, so byte and character lengths differ,
# and the artifact has NUL bytes.
printf 'weights\000\001\002 for the interop test\n' >model.bin
printf 'another artifact\n' >other.bin
d=$(sha256sum model.bin | cut -d' ' -f1)
jq -n --arg d "$d" '{
  _type: "https://in-toto.io/Statement/v1",
  subject: [{name: "model.bin", digest: {sha256: $d}}],
  predicateType: "https://example.com/interop-test/v1",
  predicate: {note: "openssl interop", model: "modèle-模型"}}' >st.json
"$ATTEST" key generate --type ecdsa-p256 --out wrong >/dev/null 2>&1 ||
  bad "attest key generate (wrong key)"
# A wrong key of each type, so only the signature check can fail.
"$ATTEST" key generate --type ecdsa-p256 --out wrong-ecdsa-p256 >/dev/null 2>&1 &&
  "$ATTEST" key generate --type ed25519 --out wrong-ed25519 >/dev/null 2>&1 ||
  bad "attest key generate (wrong keys)"

# ---- 1. attest DSSE -> openssl -------------------------------------------
for type in ecdsa-p256 ed25519; do
  if ! "$ATTEST" key generate --type "$type" --out "$type" >/dev/null 2>&1 ||
     ! "$ATTEST" sign --key "$type.key" --format dsse --bundle "a-$type.json" \
       st.json >/dev/null 2>&1; then
    bad "1 $type: attest key generate / sign"; continue
  fi
  envelope_parts "a-$type.json" "a-$type"
  # the PAE header, checked literally against the byte counts
  hdr="DSSEv1 ${#PT} $PT $(wc -c <"a-$type.body") "
  if [ "$(head -c "${#hdr}" "a-$type.pae")" = "$hdr" ] &&
     [ "$(wc -c <"a-$type.pae")" -eq $((${#hdr} + $(wc -c <"a-$type.body"))) ] &&
     [ "$(jq -r '.predicate.model' "a-$type.body")" = "modèle-模型" ]; then
    ok "1 $type: PAE rebuilt (header '$hdr', body is the Statement)"
  else
    bad "1 $type: PAE/body: $(head -c 80 "a-$type.pae")"
  fi
  expect "1 $type: openssl verifies attest's DSSE signature" 0 \
    ossl_verify "$type" "$type.pub" "a-$type.sig" "a-$type.pae"

  # payload changed: the body claims another digest
  jq -c '.subject[0].digest.sha256 = ("0" * 64)' "a-$type.body" >t.body
  pae "a-$type.type" t.body t.pae
  rejects "1 $type: payload changed -> openssl rejects" "$(case_fail "$type")" \
    ossl_verify "$type" "$type.pub" "a-$type.sig" t.pae
  # payload with one more trailing newline (the classic $(...) pitfall)
  { cat "a-$type.body"; echo; } >t.body
  pae "a-$type.type" t.body t.pae
  rejects "1 $type: payload + trailing newline -> openssl rejects" "$(case_fail "$type")" \
    ossl_verify "$type" "$type.pub" "a-$type.sig" t.pae
  # length in characters instead of bytes
  { printf 'DSSEv1 %d %s %d ' "${#PT}" "$PT" \
      "$(LC_ALL=C.UTF-8 jq -j '.payload | @base64d | length' "a-$type.json")"
    cat "a-$type.body"; } >t.pae
  rejects "1 $type: PAE with character (not byte) length -> openssl rejects" "$(case_fail "$type")" \
    ossl_verify "$type" "$type.pub" "a-$type.sig" t.pae
  # signature byte flipped
  cp "a-$type.sig" t.sig && flip t.sig last
  rejects "1 $type: signature byte flipped -> openssl rejects" "$(case_fail "$type")" \
    ossl_verify "$type" "$type.pub" t.sig "a-$type.pae"
  # payloadType changed
  printf 'application/vnd.in-toto.test+json' >t.type
  pae t.type "a-$type.body" t.pae
  rejects "1 $type: payloadType changed -> openssl rejects" "$(case_fail "$type")" \
    ossl_verify "$type" "$type.pub" "a-$type.sig" t.pae
  # wrong key of the same type
  rejects "1 $type: wrong key -> openssl rejects" "$(case_fail "$type")" \
    ossl_verify "$type" "wrong-$type.pub" "a-$type.sig" "a-$type.pae"
done

# ---- 2. openssl + jq -> our verify ----------------------------------------
for type in ecdsa-p256 ed25519; do
  case $type in
    ecdsa-p256) gen=(-algorithm EC -pkeyopt ec_paramgen_curve:P-256) ;;
    ed25519) gen=(-algorithm ed25519) ;;
  esac
  if ! openssl genpkey "${gen[@]}" -out "o-$type.key" >/dev/null 2>&1 ||
     ! openssl pkey -in "o-$type.key" -pubout -out "o-$type.pub" >/dev/null 2>&1; then
    bad "2 $type: openssl genpkey"; continue
  fi
  printf '%s' "$PT" >o.type
  cp st.json o.body  # exact bytes, pretty-printed, trailing newline included
  pae o.type o.body "o-$type.pae"
  if ! ossl_sign "$type" "o-$type.key" "o-$type.pae" "o-$type.sig"; then
    bad "2 $type: openssl sign"; continue
  fi
  jq -n --arg t "$PT" --arg p "$(base64 -w0 o.body)" \
    --arg s "$(base64 -w0 "o-$type.sig")" \
    '{payload: $p, payloadType: $t, signatures: [{keyid: "", sig: $s}]}' >"o-$type.json"
  ours "2 $type: verify accepts the openssl-signed DSSE envelope" 0 \
    --key "o-$type.pub" --artifact model.bin "o-$type.json"

  # the same signature in a v0.3 bundle built by jq
  hint=$(openssl pkey -pubin -in "o-$type.pub" -outform DER | openssl dgst -sha256 -binary | base64 -w0)
  jq --arg h "$hint" '{
      mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
      verificationMaterial: {publicKey: {hint: $h}, tlogEntries: []},
      dsseEnvelope: (.signatures[0].keyid = $h)}' "o-$type.json" >"o-$type.bundle.json"
  ours "2 $type: verify accepts the openssl-signed v0.3 bundle" 0 \
    --key "o-$type.pub" --artifact model.bin "o-$type.bundle.json"

  # tampered twins
  jq -c '.subject[0].digest.sha256 = ("0" * 64)' o.body >t.body
  jq --arg p "$(base64 -w0 t.body)" '.payload = $p' "o-$type.json" >t-payload.json
  ours "2 $type: payload changed -> exit 1" 1 \
    --key "o-$type.pub" --artifact model.bin t-payload.json
  cp "o-$type.sig" t.sig && flip t.sig
  jq --arg s "$(base64 -w0 t.sig)" '.signatures[0].sig = $s' "o-$type.json" >t-sig.json
  ours "2 $type: signature byte flipped -> exit 1" 1 \
    --key "o-$type.pub" --artifact model.bin t-sig.json
  ours "2 $type: artifact swapped -> exit 1" 1 \
    --key "o-$type.pub" --artifact other.bin "o-$type.json"
  ours "2 $type: wrong key -> exit 1" 1 \
    --key wrong.pub --artifact model.bin "o-$type.json"
done

finish

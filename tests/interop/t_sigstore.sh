#!/bin/bash
# Interop with sigstore-js (sigstore 4.1.0, @sigstore/verify 3.1.1,
# @sigstore/sign 4.1.0; pinned in package-lock.json), offline and key-based.
#
#   1. attest --format sigstore -> sigstore-js Verifier (verify-bundle.mjs)
#   2. sigstore-js DSSEBundleBuilder (sign-bundle.mjs) -> our verify
#   3. attest appends bundles to a .jsonl -> sigstore-js verifies each line
#   4. P-384: behaviour recorded (see the comment there)
#
# Env: BIN (build dir), SRC (source dir), VECTORS (tests/vectors).
# Needs node >= 20.17, jq, and `npm ci` run in tests/interop. A missing
# dependency is a failure, not a skip.
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
SRC=${SRC:-}
VECTORS=${VECTORS:-${SRC:+$SRC/tests/vectors}}
ATTEST=$BIN/attest/attest
VERIFY=$BIN/verify/verify
IOP=$SRC/tests/interop
missing=0
need() { bad "dependency: $1"; missing=1; }
[ -n "$BIN" ] || need "BIN is not set (build dir)"
[ -n "$SRC" ] || need "SRC is not set (source dir)"
[ -x "$ATTEST" ] || need "$ATTEST not built"
[ -x "$VERIFY" ] || need "$VERIFY not built"
command -v jq >/dev/null 2>&1 || need "jq not found (apt-get install jq)"
if ! command -v node >/dev/null 2>&1; then
  need "node not found (node ^20.17 or >= 22.9 is needed)"
elif ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);
                process.exit(a>22||(a===22&&b>=9)||(a===20&&b>=17)||a===21?0:1)'; then
  need "node $(node --version) is too old (need ^20.17 or >= 22.9)"
fi
for m in sigstore @sigstore/verify @sigstore/sign @sigstore/bundle @sigstore/core; do
  if [ ! -f "$IOP/node_modules/$m/package.json" ]; then
    need "node_modules missing ($m): run npm ci in tests/interop"
    break
  fi
done
[ "$missing" -eq 0 ] || finish

T=$(mktemp -d) || { bad "mktemp"; finish; }
trap 'rm -rf "$T"' EXIT
cd "$T" || { bad "cd $T"; finish; }

# ---- helpers --------------------------------------------------------------
# sjs NAME pass|reject BUNDLE PUB: sigstore-js verdict. A rejection must come
# from the Verifier (exit 1 and "FAIL: SIGNATURE_ERROR"), not from a crash.
sjs() {
  local name=$1 want=$2 rc
  node "$IOP/verify-bundle.mjs" "$3" "$4" >out.txt 2>&1
  rc=$?
  if [ "$want" = pass ] && [ "$rc" -eq 0 ] && grep -qx PASS out.txt; then
    ok "$name"
  elif [ "$want" = reject ] && [ "$rc" -eq 1 ] &&
       grep -q '^FAIL: SIGNATURE_ERROR' out.txt; then
    ok "$name"
  else
    bad "$name (sigstore-js: want $want, exit $rc: $(head -c 300 out.txt))"
  fi
}

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

# statement FILE OUT: an in-toto Statement v1 whose only subject is FILE.
statement() {
  local d
  d=$(sha256sum "$1" | cut -d' ' -f1)
  jq -n --arg n "$(basename "$1")" --arg d "$d" '{
    _type: "https://in-toto.io/Statement/v1",
    subject: [{name: $n, digest: {sha256: $d}}],
    predicateType: "https://example.com/interop-test/v1",
    predicate: {note: "interop test", model: "modèle-模型"}}' >"$2"
}

# flip_b64: stdin base64 -> stdout base64 with the middle byte XOR 0x01.
flip_b64() {
  local hex i b esc=''
  hex=$(base64 -d | od -An -v -tx1 | tr -d ' \n')
  i=$((${#hex} / 2))  # bytes
  i=$((i / 2 * 2))    # hex offset of the middle byte
  b=$(printf '%02x' $((0x${hex:i:2} ^ 1)))
  hex=${hex:0:i}$b${hex:i+2}
  for ((i = 0; i < ${#hex}; i += 2)); do esc+="\\x${hex:i:2}"; done
  printf '%b' "$esc" | base64 -w0
}

# Tampered twins of a bundle: IN PREFIX -> PREFIX.{payload,sig,type}.json
twins() {
  local in=$1 p=$2 body t
  # payload: the Statement now claims another artifact (still valid JSON)
  jq -r '.dsseEnvelope.payload' "$in" | base64 -d >"$p.body"
  body=$(jq -c '.subject[0].digest.sha256 = ("0" * 64)' "$p.body" | base64 -w0)
  jq --arg b "$body" '.dsseEnvelope.payload = $b' "$in" >"$p.payload.json"
  # signature: one byte flipped
  body=$(jq -r '.dsseEnvelope.signatures[0].sig' "$in" | flip_b64)
  jq --arg s "$body" '.dsseEnvelope.signatures[0].sig = $s' "$in" >"$p.sig.json"
  # payloadType: part of the PAE, so the signature must break
  jq '.dsseEnvelope.payloadType = "application/vnd.in-toto.test+json"' \
    "$in" >"$p.type.json"
  for t in payload sig type; do
    if [ ! -s "$p.$t.json" ] || cmp -s "$in" "$p.$t.json"; then
      bad "making the $t twin of $in"
    fi
  done
}

printf 'weights\000\001\002 for the interop test\n' >model.bin
printf 'another artifact\n' >other.bin
statement model.bin st.json
"$ATTEST" key generate --type ecdsa-p256 --out wrong >/dev/null 2>&1 ||
  bad "attest key generate (wrong key)"

# ---- 1. attest -> sigstore-js ---------------------------------------------
for type in ecdsa-p256 ed25519; do
  if ! "$ATTEST" key generate --type "$type" --out "$type" >/dev/null 2>&1; then
    bad "$type: attest key generate"; continue
  fi
  if ! "$ATTEST" sign --key "$type.key" --format sigstore --bundle "a-$type.json" \
       st.json >/dev/null 2>&1; then
    bad "$type: attest sign --format sigstore"; continue
  fi
  sjs "1 $type: attest bundle verified by sigstore-js" pass "a-$type.json" "$type.pub"
  twins "a-$type.json" "a-$type"
  sjs "1 $type: payload changed -> rejected" reject "a-$type.payload.json" "$type.pub"
  sjs "1 $type: signature byte flipped -> rejected" reject "a-$type.sig.json" "$type.pub"
  sjs "1 $type: payloadType changed -> rejected" reject "a-$type.type.json" "$type.pub"
  sjs "1 $type: wrong key -> rejected" reject "a-$type.json" wrong.pub
done

# ---- 2. sigstore-js -> our verify -----------------------------------------
for type in ecdsa-p256 ed25519; do
  [ -f "$type.key" ] || { bad "2 $type: no key from step 1"; continue; }
  if ! node "$IOP/sign-bundle.mjs" "$type.key" st.json "s-$type.json" >out.txt 2>&1; then
    bad "2 $type: sign-bundle.mjs ($(head -c 300 out.txt))"; continue
  fi
  # what sigstore-js writes: v0.3, hint = keyid, no tlogEntries key at all
  if jq -e '.mediaType == "application/vnd.dev.sigstore.bundle.v0.3+json"
            and (.verificationMaterial | has("tlogEntries") | not)
            and .verificationMaterial.publicKey.hint == .dsseEnvelope.signatures[0].keyid' \
       "s-$type.json" >/dev/null; then
    ok "2 $type: sigstore-js bundle has the expected shape"
  else
    bad "2 $type: unexpected sigstore-js bundle shape: $(head -c 300 "s-$type.json")"
  fi
  sjs "2 $type: sigstore-js verifies its own bundle" pass "s-$type.json" "$type.pub"
  ours "2 $type: verify accepts sigstore-js bundle" 0 \
    --key "$type.pub" --artifact model.bin "s-$type.json"
  twins "s-$type.json" "s-$type"
  ours "2 $type: payload changed -> exit 1" 1 \
    --key "$type.pub" --artifact model.bin "s-$type.payload.json"
  ours "2 $type: signature byte flipped -> exit 1" 1 \
    --key "$type.pub" --artifact model.bin "s-$type.sig.json"
  ours "2 $type: payloadType changed -> exit 1" 1 \
    --key "$type.pub" --artifact model.bin "s-$type.type.json"
  ours "2 $type: artifact swapped -> exit 1" 1 \
    --key "$type.pub" --artifact other.bin "s-$type.json"
  ours "2 $type: wrong key -> exit 1" 1 \
    --key wrong.pub --artifact model.bin "s-$type.json"
done

# ---- 3. .jsonl appended by attest, each line checked by sigstore-js --------
statement other.bin st2.json
rm -f all.sigstore.jsonl
appended=1
for spec in ecdsa-p256:st.json ed25519:st2.json ecdsa-p256:st2.json; do
  "$ATTEST" sign --key "${spec%%:*}.key" --format sigstore \
    --bundle all.sigstore.jsonl "${spec#*:}" >/dev/null 2>&1 || appended=0
done
lines=$(wc -l <all.sigstore.jsonl 2>/dev/null || echo 0)
if [ "$appended" -eq 1 ] && [ "$lines" -eq 3 ]; then
  ok "3 attest appended 3 bundles to one .jsonl"
else
  bad "3 attest --bundle x.jsonl: want 3 lines, got $lines"
fi
n=0
for key in ecdsa-p256 ed25519 ecdsa-p256; do
  n=$((n + 1))
  sed -n "${n}p" all.sigstore.jsonl >"line$n.json"
  sjs "3 jsonl line $n ($key) verified by sigstore-js" pass "line$n.json" "$key.pub"
done
sjs "3 jsonl line 2 (ed25519) with the P-256 key -> rejected" reject line2.json ecdsa-p256.pub
ours "3 verify accepts the whole .jsonl (both keys, both artifacts)" 0 \
  --key ecdsa-p256.pub --key ed25519.pub --artifact model.bin --artifact other.bin \
  all.sigstore.jsonl

# ---- 4. P-384 -------------------------------------------------------------
# Observed and asserted: sigstore-js verifies key-based bundles with
# crypto.verify(undefined, PAE, key, sig), i.e. the key's *default* digest,
# which is SHA-256 for every EC curve. attest signs P-384 with ECDSA-SHA384
# (PKIX_ECDSA_P384_SHA_384, as model-signing 1.1 does), so sigstore-js
# rejects our P-384 bundles with SIGNATURE_ERROR while our verify accepts
# them. Likewise a bundle that sigstore-js itself built with a P-384/SHA-384
# signer is rejected by its own Verifier. Use P-256 or Ed25519 for bundles
# that sigstore-js consumers must verify.
if "$ATTEST" key generate --type ecdsa-p384 --out p384 >/dev/null 2>&1 &&
   "$ATTEST" sign --key p384.key --format sigstore --bundle a-p384.json st.json \
     >/dev/null 2>&1; then
  ours "4 P-384: verify accepts attest's P-384 bundle" 0 \
    --key p384.pub --artifact model.bin a-p384.json
  sjs "4 P-384: sigstore-js rejects attest's ECDSA-SHA384 bundle (known)" \
    reject a-p384.json p384.pub
  if node "$IOP/sign-bundle.mjs" p384.key st.json s-p384.json >out.txt 2>&1; then
    ours "4 P-384: verify accepts sigstore-js-built P-384/SHA-384 bundle" 0 \
      --key p384.pub --artifact model.bin s-p384.json
    sjs "4 P-384: sigstore-js rejects its own P-384/SHA-384 bundle (known)" \
      reject s-p384.json p384.pub
  else
    bad "4 P-384: sign-bundle.mjs ($(head -c 300 out.txt))"
  fi
else
  bad "4 P-384: attest key generate / sign"
fi
# The model-signing 1.1 P-384 vector behaves the same way.
oms=$VECTORS/oms-model-transparency-v1.1.0-elliptic-key
if [ -f "$oms/model.sig" ] && [ -f "$oms/signing-key-pub.pem" ]; then
  ours "4 P-384: verify accepts the model-signing 1.1 P-384 vector" 0 \
    --key "$oms/signing-key-pub.pem" "$oms/model.sig"
  sjs "4 P-384: sigstore-js rejects the model-signing 1.1 P-384 vector (known)" \
    reject "$oms/model.sig" "$oms/signing-key-pub.pem"
else
  bad "4 P-384: vector $oms missing"
fi

finish

# attest push and verify --from against a real CNCF distribution registry
# (no auth): the cosign .att layout, the OCI 1.1 referrer and its
# tag-schema index, merging, and a tampered twin for every accept case: a
# registry that lies about blob content or size, a referrer manifest that
# does not match its digest, a forged signer, an attestation replayed onto
# another image; the registry down.
# shellcheck source=tests/oci/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
OCI_INDEX=application/vnd.oci.image.index.v1+json
DSSE=application/vnd.dsse.envelope.v1+json
SIGSTORE=application/vnd.dev.sigstore.bundle.v0.3+json

start_registry && pass "registry up on $REG" || { fail "registry up"; summary; exit 1; }
"$ATTEST" key generate --out k1 2>/dev/null
"$ATTEST" key generate --out k2 2>/dev/null

IMG=$(image_push ml/model)
[ ${#IMG} -eq 64 ] && pass "image pushed" || fail "image push"
REF="$REG/ml/model@sha256:$IMG"

# One attestation about the image (Sigstore bundle) and one about a file.
image_statement st1.json "$IMG" https://example.com/first/v1
"$ATTEST" sign --key k1.key --format sigstore --bundle a.intoto.jsonl st1.json
printf 'unrelated\n' >other.bin
statement other.json other.bin
"$ATTEST" sign --key k1.key --bundle a.intoto.jsonl other.json

expect_err "push" 0 "skipped a.intoto.jsonl:2" "$ATTEST" push --insecure --bundle a.intoto.jsonl "$REF"
expect_err "verify --from" 0 "1 of 1 attestations verified" "$VERIFY" --insecure --key k1.pub --from "$REF"
expect "verify --from --json" 0 "$VERIFY" --insecure --key k1.pub --json --from "$REF"
[ "$(jq -r '.attestations[0].predicateType' "$T/out")" = https://example.com/first/v1 ] &&
	pass "json report names the predicate" || fail "json report"
expect_out "verify --from, wrong key" 1 '^FAIL  127\.0\.0\.1:[0-9]+/ml/model@sha256:[0-9a-f]{12} \(referrer sha256:[0-9a-f]{12}\): no signature verifies under a trusted key$' "$VERIFY" --insecure --key k2.pub --from "$REF"

# The cosign layout: tag sha256-<hex>.att, one DSSE layer, image config.
get "/v2/ml/model/manifests/sha256-$IMG.att" >att.json
[ "$(jq -r .mediaType att.json)" = "$OCI_MANIFEST" ] && pass ".att is an OCI manifest" || fail ".att media type"
[ "$(jq '.layers | length' att.json)" = 1 ] && pass ".att has one layer" || fail ".att layers"
[ "$(jq -r '.layers[0].mediaType' att.json)" = "$DSSE" ] && pass ".att layer is DSSE" || fail ".att layer media type"
[ "$(jq -r '.layers[0].annotations.predicateType' att.json)" = https://example.com/first/v1 ] &&
	[ "$(jq -r '.layers[0].annotations["dev.cosignproject.cosign/signature"]' att.json)" = "" ] &&
	pass ".att layer annotations" || fail ".att layer annotations"
get "/v2/ml/model/blobs/$(jq -r .config.digest att.json)" >cfg.json
[ "$(jq -c .rootfs.diff_ids cfg.json)" = "$(jq -c '[.layers[].digest]' att.json)" ] &&
	pass ".att config diff_ids = layer digests" || fail ".att config diff_ids"
get "/v2/ml/model/blobs/$(jq -r '.layers[0].digest' att.json)" >layer.json
[ "$(jq -r .payloadType layer.json)" = application/vnd.in-toto+json ] &&
	[ "$(jq -r .payload layer.json | base64 -d | jq -r '.subject[0].digest.sha256')" = "$IMG" ] &&
	pass ".att layer is the envelope about the image" || fail ".att layer content"

# The OCI 1.1 referrer and the referrers tag-schema index.
code=$(curl -s -o /dev/null -w '%{http_code}' "$R/v2/ml/model/referrers/sha256:$IMG")
[ "$code" = 404 ] && pass "registry has no referrers API" || fail "referrers API answered $code"
get "/v2/ml/model/manifests/sha256-$IMG" "$OCI_INDEX" >index.json
[ "$(jq -r .mediaType index.json)" = "$OCI_INDEX" ] && [ "$(jq '.manifests | length' index.json)" = 1 ] &&
	pass "referrers index lists one manifest" || fail "referrers index"
[ "$(jq -r '.manifests[0].artifactType' index.json)" = "$SIGSTORE" ] && pass "index entry artifactType" || fail "index artifactType"
get "/v2/ml/model/manifests/$(jq -r '.manifests[0].digest' index.json)" >ref.json
[ "$(jq -r .subject.digest ref.json)" = "sha256:$IMG" ] &&
	[ "$(jq -r .subject.size ref.json)" = "$(stat -c %s "$T/img-ml_model/manifest.json")" ] &&
	[ "$(jq -r .subject.mediaType ref.json)" = "$OCI_MANIFEST" ] &&
	pass "referrer subject = image descriptor" || fail "referrer subject"
[ "$(jq -r .config.mediaType ref.json)" = application/vnd.oci.empty.v1+json ] &&
	[ "$(jq -r .config.size ref.json)" = 2 ] && [ "$(jq -r .artifactType ref.json)" = "$SIGSTORE" ] &&
	[ "$(jq -r '.layers[0].mediaType' ref.json)" = "$SIGSTORE" ] &&
	pass "referrer: empty config, bundle layer" || fail "referrer shape"
[ "$(jq -r '.annotations["dev.sigstore.bundle.content"]' ref.json)" = dsse-envelope ] &&
	[ "$(jq -r '.annotations["dev.sigstore.bundle.predicateType"]' ref.json)" = https://example.com/first/v1 ] &&
	jq -re '.annotations["org.opencontainers.image.created"] | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")' ref.json >/dev/null &&
	pass "referrer annotations" || fail "referrer annotations"
get "/v2/ml/model/blobs/$(jq -r '.layers[0].digest' ref.json)" >bundle.json
cmp -s bundle.json <(sed -n 1p a.intoto.jsonl | tr -d '\n') && pass "referrer layer = the bundle line, byte for byte" ||
	fail "referrer layer bytes"
[ "$(get /v2/ml/model/blobs/sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a)" = "{}" ] &&
	pass "empty config blob is {}" || fail "empty config blob"

# Pushing again changes nothing; a second attestation merges.
expect "push again" 0 "$ATTEST" push --insecure --bundle a.intoto.jsonl "$REF"
[ "$(get "/v2/ml/model/manifests/sha256-$IMG.att" | jq '.layers | length')" = 1 ] &&
	[ "$(get "/v2/ml/model/manifests/sha256-$IMG" "$OCI_INDEX" | jq '.manifests | length')" = 1 ] &&
	pass "push again: no duplicates" || fail "push again duplicated"
image_statement st2.json "$IMG" https://example.com/second/v1
"$ATTEST" sign --key k1.key --bundle b.json st2.json
expect "push a second attestation" 0 "$ATTEST" push --insecure --bundle b.json "$REF"
get "/v2/ml/model/manifests/sha256-$IMG.att" >att2.json
[ "$(jq '.layers | length' att2.json)" = 2 ] &&
	[ "$(jq -r '[.layers[].annotations.predicateType] | sort | join(" ")' att2.json)" = "https://example.com/first/v1 https://example.com/second/v1" ] &&
	pass ".att merged: both layers" || fail ".att merge"
[ "$(jq '.layers[0]' att.json)" = "$(jq '.layers[0]' att2.json)" ] && pass ".att merge kept the old layer as it was" ||
	fail ".att merge changed the old layer"
get "/v2/ml/model/blobs/$(jq -r .config.digest att2.json)" >cfg2.json
[ "$(jq -c .rootfs.diff_ids cfg2.json)" = "$(jq -c '[.layers[].digest]' att2.json)" ] &&
	pass ".att merged config diff_ids" || fail ".att merged diff_ids"
get "/v2/ml/model/manifests/sha256-$IMG" "$OCI_INDEX" >index2.json
[ "$(jq '.manifests | length' index2.json)" = 2 ] && [ "$(jq '.manifests[0]' index.json)" = "$(jq '.manifests[0]' index2.json)" ] &&
	pass "referrers index appended" || fail "referrers index merge"
[ "$(jq -r '[.manifests[].artifactType] | sort | join(" ")' index2.json)" = "$SIGSTORE $DSSE" ] &&
	pass "bare envelope referrer has artifactType DSSE" || fail "bare envelope artifactType"
expect_err "verify --from: both" 0 "2 of 2 attestations verified" "$VERIFY" --insecure --key k1.pub --from "$REF"
expect_out "verify --from with --artifact mismatch" 1 '^FAIL  artifact other\.bin sha256:[0-9a-f]{64} is not a subject of any verified statement$' "$VERIFY" --insecure --key k1.pub --artifact other.bin --from "$REF"

# Usage and refusals.
"$ATTEST" sign --key k1.key --bundle other.intoto.jsonl other.json
expect_err "push: nothing about the image" 1 "no attestation in the bundle" "$ATTEST" push --insecure --bundle other.intoto.jsonl "$REF"
ABSENT=$(printf x | sha256sum | cut -d' ' -f1)
image_statement absent.json "$ABSENT"
"$ATTEST" sign --key k1.key --bundle absent.dsse.json absent.json
expect_err "push: image absent" 3 "not found in the registry" "$ATTEST" push --insecure --bundle absent.dsse.json \
	"$REG/ml/absent@sha256:$ABSENT"
expect_out "verify: nothing stored" 1 "no attestations for" "$VERIFY" --insecure --key k1.pub \
	--from "$REG/ml/absent@sha256:$ABSENT"
expect_err "insecure refused off loopback" 2 "only allowed for loopback" "$VERIFY" --insecure --key k1.pub \
	--from "registry.example.com/ml/model@sha256:$IMG"
expect_err "push insecure refused off loopback" 2 "only allowed for loopback" "$ATTEST" push --insecure --bundle a.intoto.jsonl \
	"registry.example.com/ml/model@sha256:$IMG"
# bad_ref REF REASON: verify --from REF is a usage error for REASON.
bad_ref() {
	expect_err "bad reference $1" 2 "^verify: image reference$2\$" "$VERIFY" --insecure --key k1.pub --from "$1"
}
bad_ref "$REG/ml/model:latest@sha256:$IMG" ': give the digest only, not a tag'
bad_ref "$REG/ML/model@sha256:$IMG" ': bad repository name \(lowercase a-z 0-9 \. _ __ - components, at most 255 characters\)'
bad_ref "$REG/ml/model" ' must be HOST\[:PORT\]/REPO@sha256:HEX'
bad_ref "http://$REG/ml/model@sha256:$IMG" ': no scheme, give HOST\[:PORT\]/REPO@sha256:HEX'
bad_ref "$REG/ml/model@sha256:${IMG^^}" ': the digest must be 64 lowercase hex digits'
bad_ref "$REG/ml//model@sha256:$IMG" ': bad repository name \(lowercase a-z 0-9 \. _ __ - components, at most 255 characters\)'
bad_ref "user@$REG/ml/model@sha256:$IMG" ': user info is not allowed'
bad_ref "$REG/ml/model@sha512:$IMG" ': the digest must be sha256:<64 hex>'
expect_err "push: bad reference" 2 '^attest: image reference: the digest must be sha256:<64 hex>$' "$ATTEST" push --insecure --bundle a.intoto.jsonl "$REG/ml/model@sha256:abc"

# Tampered twin: the registry serves a layer whose content does not match
# its digest (same size), then one of another size.
T_IMG=$(image_push ml/tamper)
T_REF="$REG/ml/tamper@sha256:$T_IMG"
image_statement st3.json "$T_IMG"
"$ATTEST" sign --key k1.key --bundle t.json st3.json
expect "tamper: push" 0 "$ATTEST" push --insecure --bundle t.json "$T_REF"
expect "tamper: verify before" 0 "$VERIFY" --insecure --key k1.pub --from "$T_REF"
lhex=$(get "/v2/ml/tamper/manifests/sha256-$T_IMG.att" | jq -r '.layers[0].digest' | cut -d: -f2)
f=$(blob_file "$lhex")
cp "$f" layer.orig
perl -0777 -pe 's/"payloadType"/"payloadTypf"/' layer.orig >"$f"
cmp -s "$f" layer.orig && fail "tamper did nothing" || pass "layer blob swapped (same size)"
expect_out "tamper: content lies about digest" 1 "does not match its digest" "$VERIFY" --insecure --key k1.pub --from "$T_REF"
{ cat layer.orig; printf ' '; } >"$f"
expect_out "tamper: size lie" 1 "registry sent|larger than" "$VERIFY" --insecure --key k1.pub --from "$T_REF"
cp layer.orig "$f"
expect "tamper: restored" 0 "$VERIFY" --insecure --key k1.pub --from "$T_REF"
# The referrer manifest itself swapped in storage.
mhex=$(get "/v2/ml/tamper/manifests/sha256-$T_IMG" "$OCI_INDEX" | jq -r '.manifests[0].digest' | cut -d: -f2)
f=$(blob_file "$mhex")
cp "$f" manifest.orig
perl -0777 -pe 's/dsse-envelope/dsse-envelopf/' manifest.orig >"$f"
expect_out "tamper: referrer manifest lies" 1 "does not match its digest" "$VERIFY" --insecure --key k1.pub --from "$T_REF"
cp manifest.orig "$f"

# Forged twin: a layer signed by another key under the same image.
F_IMG=$(image_push ml/forged)
F_REF="$REG/ml/forged@sha256:$F_IMG"
image_statement st4.json "$F_IMG"
"$ATTEST" sign --key k1.key --bundle good.json st4.json
"$ATTEST" sign --key k2.key --bundle forged.json st4.json
expect "forged: push good" 0 "$ATTEST" push --insecure --bundle good.json "$F_REF"
expect "forged: verify good" 0 "$VERIFY" --insecure --key k1.pub --from "$F_REF"
expect "forged: push forged layer" 0 "$ATTEST" push --insecure --bundle forged.json "$F_REF"
expect_out "forged: verify rejects" 1 "FAIL" "$VERIFY" --insecure --key k1.pub --from "$F_REF"
expect "forged: both keys trusted" 0 "$VERIFY" --insecure --key k1.pub --key k2.pub --from "$F_REF"

# Replay: a valid attestation about ml/model placed under another image.
P_IMG=$(image_push ml/replay)
blob_push ml/replay layer.json
get "/v2/ml/model/blobs/$(jq -r .config.digest att.json)" >replay-cfg.json
blob_push ml/replay replay-cfg.json
jq -c . att.json | tr -d '\n' >replay-att.json
curl -sSf -o /dev/null -X PUT -H "Content-Type: $OCI_MANIFEST" --data-binary @replay-att.json \
	"$R/v2/ml/replay/manifests/sha256-$P_IMG.att" && pass "replay: .att planted" || fail "replay: plant"
expect_out "replay: verify rejects" 1 "no subject is the image" "$VERIFY" --insecure --key k1.pub \
	--from "$REG/ml/replay@sha256:$P_IMG"

# The registry down: exit 3, a clear message, bounded time.
stop_registry
start=$(date +%s)
expect_out "registry down: verify" 3 "Couldn't connect|Failed to connect|gave up" "$VERIFY" --insecure --key k1.pub --from "$REF"
took=$(($(date +%s) - start))
[ "$took" -le 20 ] && pass "registry down: gave up in ${took}s" || fail "registry down took ${took}s"
expect_err "registry down: push" 3 "gave up after 3 tries" "$ATTEST" push --insecure --bundle a.intoto.jsonl "$REF"

summary

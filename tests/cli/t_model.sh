# attest model / verify model: OpenSSF Model Signing v1.0 (key method).
# model_signing's own vectors, our round trips, both root orders, and a
# forged twin beside every accepted signature.
. "$SRC/tests/cli/lib.sh"
for dep in xxd base64; do
	command -v "$dep" >/dev/null || { fail "missing dependency: $dep"; summary; exit 1; }
done
: "${VECTORS:=$SRC/tests/vectors}"
MT="$VECTORS/oms-model-transparency-v1.1.0-elliptic-key"
SPECV="$VECTORS/oms-spec-v1.0"
PUB="$MT/signing-key-pub.pem"
cd "$T" || exit 1

# root FILE: the OMS root of a statement's resources in their listed order.
root() { jq -r '.predicate.resources[].digest' "$1" | tr -d '\n' | xxd -r -p | sha256sum | cut -c1-64; }
# payload BUNDLE: the decoded DSSE payload.
payload() { jq -r .dsseEnvelope.payload "$1" | base64 -d; }
# repayload BUNDLE JQFILTER OUT: edits the payload without re-signing.
repayload() {
	local p
	p=$(payload "$1" | jq -c "$2" | base64 -w0)
	jq --arg p "$p" '.dsseEnvelope.payload = $p' "$1" >"$3"
}
# resign STATEMENT OUT KEY: signs a hand-made statement as a Sigstore bundle.
resign() { "$ATTEST" sign --format sigstore --key "$3" --force --bundle "$2" "$1" >/dev/null 2>&1; }

# model_signing v1.1.0's vector. Its signed serialization lists "ignore-me"
# in ignore_paths (the vector was signed with --ignore-paths ignore-me), so
# model_signing's verifier leaves it out and so do we (SPEC-OMS-8); it is
# not an unsigned extra. Our vector directory also holds the public key and
# the legacy bundle, which were not there when it was signed: copy only the
# model.
mkdir vec
cp "$MT/signme-1" "$MT/signme-2" "$MT/ignore-me" "$MT/model.sig" vec/
[ "$(payload vec/model.sig | jq -r '.predicate.serialization.ignore_paths | index("ignore-me") != null')" = true ] &&
	pass "vector signs ignore-me as ignored" || fail "vector ignore_paths"
expect_out "model_signing vector verifies" 0 "PASS" "$VERIFY" model --key "$PUB" vec
cp -r vec vecbad
printf 'signme-X\n' >vecbad/signme-1
expect_out "vector: flipped byte named" 1 "changed +signme-1" "$VERIFY" model --key "$PUB" vecbad
repayload vec/model.sig '.predicate.resources[0].digest = .predicate.resources[1].digest' edited.sig
expect_err "vector: edited payload" 1 "no signature verifies" "$VERIFY" model --key "$PUB" --signature edited.sig vec

# model_signing v1.0.0's legacy bundle (publicKey.rawBytes + keyDetails):
# a single-file model, signme-1, whose resource is named ".".
cp "$MT/legacy-v1.0.0-rawBytes-model.sig" legacy.sig
expect_out "legacy rawBytes verifies" 0 "PASS" "$VERIFY" model --key "$PUB" --signature legacy.sig vec/signme-1
expect_out "legacy: tampered file" 1 "changed" "$VERIFY" model --key "$PUB" --signature legacy.sig vecbad/signme-1
repayload legacy.sig '.subject[0].name = "other"' legacy-edited.sig
expect_err "legacy: edited payload" 1 "no signature verifies" "$VERIFY" model --key "$PUB" --signature legacy-edited.sig vec/signme-1
jq '.verificationMaterial.publicKey.rawBytes = "AAAA"' legacy.sig >legacy-rawbytes-junk.sig
expect_out "legacy: rawBytes is never the key" 0 "PASS" "$VERIFY" model --key "$PUB" --signature legacy-rawbytes-junk.sig vec/signme-1

# ossf/model-signing-spec v1.0 bundles. valid_key signs the same files.
mkdir spec
cp "$MT/signme-1" "$MT/signme-2" "$MT/ignore-me" spec/
expect_out "spec valid_key verifies" 0 "PASS" "$VERIFY" model --key "$PUB" --signature "$SPECV/valid_key.bundle.json" spec
expect_out "spec valid_key, changed file" 1 "changed +signme-1" "$VERIFY" model --key "$PUB" --signature "$SPECV/valid_key.bundle.json" vecbad
expect_err "spec invalid_empty" 1 "invalid JSON" "$VERIFY" model --key "$PUB" --signature "$SPECV/invalid_empty.bundle.json" spec
expect_err "spec invalid_missing-envelope" 1 "no dsseEnvelope" "$VERIFY" model --key "$PUB" --signature "$SPECV/invalid_missing-envelope.bundle.json" spec
expect_err "spec invalid_missing-verification-material" 1 "no verificationMaterial" "$VERIFY" model --key "$PUB" --signature "$SPECV/invalid_missing-verification-material.bundle.json" spec
expect_err "spec invalid_missing-tlog-entries" 1 "no tlogEntries" "$VERIFY" model --key "$PUB" --signature "$SPECV/invalid_missing-tlog-entries.bundle.json" spec
# Its payload was edited after signing (the signature is valid_key's), so
# the signature fails first; test_oms.c checks the predicateType itself.
expect_err "spec invalid-payload_wrong-predicate" 1 "no signature verifies" "$VERIFY" model --key "$PUB" --signature "$SPECV/invalid-payload_wrong-predicate.bundle.json" spec
expect_err "spec valid_sigstore: certificates unsupported" 1 "not supported" "$VERIFY" model --key "$PUB" --signature "$SPECV/valid_sigstore.bundle.json" spec

# Our own signatures, every key type, files and shards.
mkdir -p m/sub
printf 'weights-%0100d' 7 >m/a.bin
printf 'config' >m/sub/config.json
: >m/empty
mkdir m/.git && printf x >m/.git/HEAD
for type in ecdsa-p256 ecdsa-p384 ed25519; do
	"$ATTEST" key generate --type "$type" --out "$type" >/dev/null 2>&1 || fail "key generate $type"
	for mode in files shards; do
		opt=""
		[ $mode = shards ] && opt="--shard-size 16"
		expect "sign $type $mode" 0 "$ATTEST" model --key "$type.key" $opt --signature "$type.$mode.sig" m
		expect_out "verify $type $mode" 0 "PASS" "$VERIFY" model --key "$type.pub" --signature "$type.$mode.sig" m
		expect_err "wrong key $type $mode" 1 "no signature verifies" "$VERIFY" model --key "$PUB" --signature "$type.$mode.sig" m
	done
	h=$(openssl pkey -pubin -in "$type.pub" | sha256sum | cut -c1-64)
	[ "$(jq -r .verificationMaterial.publicKey.hint "$type.files.sig")" = "$h" ] &&
		pass "hint = sha256 of PEM ($type)" || fail "hint ($type)"
done
[ "$(payload ecdsa-p256.shards.sig | jq -r '.predicate.serialization | "\(.method) \(.shard_size)"')" = "shards 16" ] &&
	pass "shards serialization" || fail "shards serialization"
[ "$(payload ecdsa-p256.shards.sig | jq -r '[.predicate.resources[].name] | join(" ")')" = \
	"a.bin:0:16 a.bin:16:32 a.bin:32:48 a.bin:48:64 a.bin:64:80 a.bin:80:96 a.bin:96:108 sub/config.json:0:6" ] &&
	pass "shard names, empty file omitted" || fail "shard names"
# The signature file sits in the model by default and is not signed.
expect "sign default model.sig" 0 "$ATTEST" model --key ecdsa-p384.key m
expect_out "verify default model.sig" 0 "PASS" "$VERIFY" model --key ecdsa-p384.pub m
payload m/model.sig | jq -e '.predicate.serialization.ignore_paths | index("model.sig") and index(".git")' >/dev/null &&
	pass "ignore_paths recorded" || fail "ignore_paths recorded"
rm m/model.sig
# Tree digests leave out only the default name (SPEC-TREE-5): another name
# inside the model is refused, the default name given explicitly is not.
expect_err "signature inside the model under another name" 2 "--signature m/sub/x.sig lies inside m, whose tree digest would then include it; write it as m/model.sig or outside the model" \
	"$ATTEST" model --key ecdsa-p384.key --signature m/sub/x.sig m
[ ! -e m/sub/x.sig ] && pass "nothing written for a refused --signature" || fail "x.sig written"
expect "signature at the default name given explicitly" 0 "$ATTEST" model --key ecdsa-p384.key --signature m/model.sig m
expect_out "verify the explicit default name" 0 "PASS" "$VERIFY" model --key ecdsa-p384.pub m
rm m/model.sig

# Resource order: "a/b" "a-b" "a.b" sort differently in the two orders.
mkdir -p o/a
printf 1 >o/a/b
printf 2 >o/a-b
printf 3 >o/a.b
expect "sign order model" 0 "$ATTEST" model --key ecdsa-p256.key --signature o.sig o
[ "$(payload o.sig | jq -r '[.predicate.resources[].name] | join(" ")')" = "a/b a-b a.b" ] &&
	pass "resources in model_signing order" || fail "resource order"
expect_out "model_signing order accepted" 0 "model_signing's order" "$VERIFY" model --key ecdsa-p256.pub --signature o.sig o
# The spec's order (code points: a-b a.b a/b), root over that order.
payload o.sig | jq '.predicate.resources |= sort_by(.name)' >spec-order.json
jq --arg r "$(root spec-order.json)" '.subject[0].digest.sha256 = $r' spec-order.json >st.json
resign st.json o-spec.sig ecdsa-p256.key
expect_out "spec order accepted (model_signing would refuse)" 0 "the spec's order" "$VERIFY" model --key ecdsa-p256.pub --signature o-spec.sig o
# Neither order: reversed.
payload o.sig | jq '.predicate.resources |= (sort_by(.name) | reverse)' >rev.json
jq --arg r "$(root rev.json)" '.subject[0].digest.sha256 = $r' rev.json >st.json
resign st.json o-rev.sig ecdsa-p256.key
expect_err "root in neither order refused" 1 "either order" "$VERIFY" model --key ecdsa-p256.pub --signature o-rev.sig o

# Extra, missing, changed, renamed: every one named.
cp -r m m2
printf new >m2/extra.txt
expect_out "extra file named" 1 "extra +extra.txt" "$VERIFY" model --key ecdsa-p256.pub --signature ecdsa-p256.files.sig m2
expect_out "extra file, --ignore-unsigned" 0 "PASS" "$VERIFY" model --key ecdsa-p256.pub --signature ecdsa-p256.files.sig --ignore-unsigned m2
rm m2/extra.txt m2/sub/config.json
expect_out "missing file named" 1 "missing +sub/config.json" "$VERIFY" model --key ecdsa-p256.pub --signature ecdsa-p256.files.sig m2
cp -r m m3
printf X >>m3/a.bin
expect_out "changed file named" 1 "changed +a.bin" "$VERIFY" model --key ecdsa-p256.pub --signature ecdsa-p256.files.sig m3
expect_out "changed file named (shards)" 1 "a.bin" "$VERIFY" model --key ecdsa-p256.pub --signature ecdsa-p256.shards.sig m3
# Bytes appended to a signed file at a shard boundary add a shard the
# signature lacks: the file is changed, never an unsigned extra, even with
# --ignore-unsigned (SPEC-OMS-9).
mkdir -p g/sub && printf '%032d' 5 >g/w.bin && printf 'cfg' >g/sub/c.json
expect "sign shard-aligned model" 0 "$ATTEST" model --key ecdsa-p256.key --shard-size 16 --signature g.sig g
cp -r g g2 && printf '%016d' 6 >>g2/w.bin
expect_out "appended shard: changed" 1 "changed +w.bin" "$VERIFY" model --key ecdsa-p256.pub --signature g.sig g2
expect_out "appended shard, --ignore-unsigned: changed" 1 "changed +w.bin" "$VERIFY" model --key ecdsa-p256.pub --signature g.sig --ignore-unsigned g2
expect_err "appended shard, --ignore-unsigned: reason" 1 "g2: 1 resource\(s\) differ from g.sig" "$VERIFY" model --key ecdsa-p256.pub --signature g.sig --ignore-unsigned g2
cp -r g g3 && printf '%016d' 7 >g3/sub/new.bin
expect_out "unsigned file in shard mode, --ignore-unsigned" 0 "PASS" "$VERIFY" model --key ecdsa-p256.pub --signature g.sig --ignore-unsigned g3
expect_out "unsigned file in shard mode named" 1 "extra +sub/new.bin" "$VERIFY" model --key ecdsa-p256.pub --signature g.sig g3
printf '%032d' 5 >g3/w.bin2
expect_out "unsigned w.bin2 beside signed w.bin is extra" 1 "extra +w.bin2" "$VERIFY" model --key ecdsa-p256.pub --signature g.sig g3

cp -r m m4
mv m4/a.bin m4/b.bin
expect_out "renamed: old name missing" 1 "missing +a.bin" "$VERIFY" model --key ecdsa-p256.pub --signature ecdsa-p256.files.sig m4
grep -Eq "extra +b.bin" "$T/out" && pass "renamed: new name extra" || fail "renamed: new name extra"

# Symlinks: refused unless --allow-symlinks (which the signature records).
mkdir s
printf data >s/real
ln -s real s/link
expect_err "symlink refused" 1 '^attest: s/link: symbolic link refused \(symlinks not allowed' "$ATTEST" model --key ecdsa-p256.key --signature s.sig s
expect "symlink allowed" 0 "$ATTEST" model --key ecdsa-p256.key --signature s.sig --allow-symlinks s
expect_out "symlink model verifies" 0 "PASS" "$VERIFY" model --key ecdsa-p256.pub --signature s.sig s

# Hostile names in a validly signed payload.
good=$(payload ecdsa-p256.files.sig)
hostile() {
	local name=$1 filter=$2 pat=$3
	echo "$good" | jq "$filter" >h.json
	jq --arg r "$(root h.json)" '.subject[0].digest.sha256 = $r' h.json >st.json
	resign st.json h.sig ecdsa-p256.key || { fail "$name: sign"; return; }
	expect_err "$name" 1 "$pat" "$VERIFY" model --key ecdsa-p256.pub --signature h.sig m
}
hostile "resource ../x" '.predicate.resources[0].name = "../x"' '"\.\."'
hostile "resource /etc/passwd" '.predicate.resources[0].name = "/etc/passwd"' "absolute"
hostile "resource empty name" '.predicate.resources[0].name = ""' "empty"
hostile "resource duplicate" '.predicate.resources[1] = .predicate.resources[0]' "twice"
hostile "resource a//b" '.predicate.resources[0].name = "a//b"' "empty"
hostile "ignore_paths ../x" '.predicate.serialization.ignore_paths += ["../x"]' "ignore_paths"
hostile "ignore_paths ." '.predicate.serialization.ignore_paths += ["."]' "ignore_paths"
hostile "hash_type blake3" '.predicate.serialization.hash_type = "blake3"' "hash_type"
hostile "no resources" '.predicate.resources = []' "non-empty"
hostile "digest set not hex" '.predicate.resources[0].digest = {"sha256": "00"}' "digest"
hostile "two subjects" '.subject += .subject' "one subject"
hostile "wrong predicateType" '.predicateType = "https://example.com/wrong-predicate/v1.0"' "predicateType"
echo "$good" | jq '.subject[0].digest.sha256 = ("0" * 64)' >st.json
resign st.json h.sig ecdsa-p256.key
expect_err "wrong root" 1 "either order" "$VERIFY" model --key ecdsa-p256.pub --signature h.sig m

# Shard names are split at the last two colons.
mkdir c
printf 'colon-file-content' >'c/w:1:2'
expect "sign colon name (shards)" 0 "$ATTEST" model --key ed25519.key --shard-size 5 --signature c.sig c
expect_out "verify colon name (shards)" 0 "PASS" "$VERIFY" model --key ed25519.pub --signature c.sig c

# Usage and I/O.
expect_err "verify without key" 2 '^verify: usage: verify model \[--key PUB\]' "$VERIFY" model vec
expect_err "attest without key" 2 '^attest: usage: attest model --key KEYREF ' "$ATTEST" model m
expect_err "missing signature" 3 '^verify: nope\.sig: No such file or directory$' "$VERIFY" model --key "$PUB" --signature nope.sig vec
expect_err "bad --ignore" 2 '^attest: --ignore: path has an empty, "\." or "\.\." component$' "$ATTEST" model --key ed25519.key --ignore ../x m
summary

# A model in the Hugging Face hub cache: snapshots/<rev>/ holds relative
# symlinks into ../../blobs/ (SPEC-LINK-7, SPEC-LINK-8). With
# --follow-links-within the cache directory, every command that hashes a
# tree hashes each link as the blob it points to, under the link's name;
# without it the cache is refused with a hint. Hostile twins: links out of
# the cache, loops, dangling links, links to directories, a link swapped
# while it is hashed.
. "$SRC/tests/cli/lib.sh"
cd "$T" || exit 1
"$ATTEST" key generate --out k >/dev/null 2>&1 || { fail "key generate"; summary; exit 1; }

# The layout huggingface_hub writes: blobs named by the sha256 of their
# content (LFS files) or by their git blob id (other files), refs/main
# holding the revision, snapshots/<rev>/ of links relative to the link,
# .no_exist/<rev>/ for files the repo lacks.
C=hub/models--acme--tiny-model
REV=4f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c
mkdir -p "$C/blobs" "$C/refs" "$C/snapshots/$REV/tokenizer" "$C/.no_exist/$REV"
printf '%s' "$REV" >"$C/refs/main"
: >"$C/.no_exist/$REV/generation_config.json"
gitblob() { { printf 'blob %d\0' "$(wc -c <"$1")"; cat "$1"; } | sha1sum | cut -c1-40; }
# put NAME LFS|GIT DEPTH: moves the file NAME into blobs/ and links it.
put() {
	local id up=../..
	[ "$3" = 3 ] && up=../../..
	if [ "$2" = LFS ]; then id=$(sha256sum "$1" | cut -c1-64); else id=$(gitblob "$1"); fi
	mv "$1" "$C/blobs/$id"
	ln -s "$up/blobs/$id" "$C/snapshots/$REV/$4"
}
printf '{"architectures": ["Tiny"], "hidden_size": 8}\n' >f1 && put f1 GIT 2 config.json
head -c 300000 /dev/zero | tr '\0' 'w' >f2 && put f2 LFS 2 model.safetensors
printf '{"model": {"vocab": {"a": 0}}}\n' >f3 && put f3 GIT 3 tokenizer/tokenizer.json
printf '*.safetensors filter=lfs diff=lfs merge=lfs -text\n' >f4 && put f4 GIT 2 .gitattributes
SNAP="$C/snapshots/$(cat "$C/refs/main")"
[ "$(readlink "$SNAP/tokenizer/tokenizer.json" | cut -c1-15)" = ../../../blobs/ ] &&
	pass "layout: nested link is ../../../blobs/x" || fail "layout"
[ "$(readlink "$SNAP/model.safetensors")" = "../../blobs/$(sha256sum "$SNAP/model.safetensors" | cut -c1-64)" ] &&
	pass "layout: LFS blob named by its sha256" || fail "layout: LFS blob"
# The same files as regular files, for the digests a copy would have.
cp -rL "$SNAP" copy

sub() { jq -r .payload "$1" | base64 -d | jq -r ".subject[0].digest.${2:-sha256}"; }

# Without the option: refused, with a hint.
expect_err "cache refused without the option" 1 "model.safetensors: symbolic link refused \(symlinks not allowed; --follow-links-within DIR" \
	"$ATTEST" dataset --key k.key --name tiny --bundle no.json "$SNAP"
expect_err "cache refused with --allow-symlinks only" 1 "symbolic link points outside the tree \(--follow-links-within DIR" \
	"$ATTEST" dataset --key k.key --name tiny --allow-symlinks --bundle no.json "$SNAP"
expect_err "attest model refuses the cache without the option" 1 "symbolic link refused.*--follow-links-within" \
	"$ATTEST" model --key k.key --signature no.sig "$SNAP"

# attest dataset / verify dataset.
expect "attest dataset follows links within the cache" 0 \
	"$ATTEST" dataset --key k.key --name tiny --follow-links-within "$C" --bundle ds.json "$SNAP"
expect "attest dataset of the copy" 0 "$ATTEST" dataset --key k.key --name tiny --bundle copy.json copy
[ "$(sub ds.json)" = "$(sub copy.json)" ] && [ "$(sub ds.json dirHash)" = "$(sub copy.json dirHash)" ] &&
	pass "links hashed as their blobs under the links' names" || fail "cache digest differs from the copy's"
[ "$(jq -r .payload ds.json | base64 -d | jq -r '.predicate.files')" = 3 ] &&
	pass ".gitattributes of the snapshot is not part of the tree (SPEC-TREE-5)" || fail "file count"
[ "$(jq -r .payload ds.json | base64 -d | jq -r '.predicate.hashing.allowSymlinks')" = true ] &&
	pass "allowSymlinks recorded" || fail "allowSymlinks"
expect_out "verify dataset with the option" 0 "PASS" \
	"$VERIFY" dataset --key k.pub --bundle ds.json --follow-links-within "$C" "$SNAP"
expect_err "verify dataset without the option" 1 "symbolic link points outside the tree \(--follow-links-within DIR" \
	"$VERIFY" dataset --key k.pub --bundle ds.json "$SNAP"

# attest model / verify model.
expect "attest model follows links within the cache" 0 \
	"$ATTEST" model --key k.key --follow-links-within "$C" --signature m.sig "$SNAP"
[ ! -e "$SNAP/model.sig" ] && pass "no signature written into the cache" || fail "model.sig in the snapshot"
[ "$(jq -r .dsseEnvelope.payload m.sig | base64 -d | jq -r .predicate.serialization.allow_symlinks)" = true ] &&
	pass "allow_symlinks recorded in the OMS signature" || fail "allow_symlinks"
expect_out "verify model with the option" 0 "PASS" \
	"$VERIFY" model --key k.pub --follow-links-within "$C" --signature m.sig "$SNAP"
expect_out "verify model of the copy" 0 "PASS" "$VERIFY" model --key k.pub --signature m.sig copy
expect_err "verify model without the option" 1 "symbolic link points outside the tree \(--follow-links-within DIR" \
	"$VERIFY" model --key k.pub --signature m.sig "$SNAP"

# attest run over a download into the cache, then verify policy.
R=hub2/models--acme--tiny-model
cp -r "$C" hub2.src
mkdir hub2
expect "attest run --output a snapshot" 0 "$ATTEST" run --key k.key --follow-links-within "$R" \
	--output "$R/snapshots/$REV" --bundle run.jsonl -- cp -a hub2.src "$R"
[ "$(sub run.jsonl)" = "$(sub ds.json)" ] && pass "training output digest = dataset digest" || fail "run digest"
# The whole gate over the snapshot: attested data, the run, an evaluation
# and an approval of the snapshot, each hashing it through its links.
for who in steward evaluator alice; do "$ATTEST" key generate --out "$who" >/dev/null 2>&1; done
mkdir -p data/train data/test && printf '1,0\n' >data/train/a.csv && printf '0,1\n' >data/test/b.csv
"$ATTEST" dataset --key steward.key --name train --bundle ds-train.jsonl data/train >/dev/null 2>&1
"$ATTEST" dataset --key steward.key --name test --bundle ds-test.jsonl data/test >/dev/null 2>&1
R3=hub3/models--acme--tiny-model
mkdir hub3
expect "gate: attest run into the cache" 0 "$ATTEST" run --key k.key --input data/train --dataset ds-train.jsonl \
	--follow-links-within "$R3" --output "$R3/snapshots/$REV" --bundle g-run.jsonl -- cp -a hub2.src "$R3"
expect "gate: attest eval of the snapshot" 0 "$ATTEST" eval --key evaluator.key --follow-links-within "$R3" \
	--model "$R3/snapshots/$REV" --dataset data/test --metrics g-m.json --bundle g-eval.jsonl \
	-- sh -c 'printf "{\"accuracy\": 0.9}" >g-m.json'
expect_err "gate: attest eval without the option" 1 "symbolic link refused.*--follow-links-within" \
	"$ATTEST" eval --key evaluator.key --model "$R3/snapshots/$REV" --dataset data/test --metrics g-m2.json \
	--bundle no.jsonl -- sh -c 'printf "{\"accuracy\": 0.9}" >g-m2.json'
expect "gate: attest approve of the snapshot" 0 "$ATTEST" approve --key alice.key --stage production \
	--follow-links-within "$R3" --bundle g-appr.jsonl "$R3/snapshots/$REV"
expect_err "gate: attest approve without the option" 1 "symbolic link refused.*--follow-links-within" \
	"$ATTEST" approve --key alice.key --stage production --bundle no.jsonl "$R3/snapshots/$REV"
cat ds-train.jsonl ds-test.jsonl g-run.jsonl g-eval.jsonl g-appr.jsonl >g.jsonl
jq -n '{policyVersion: 1,
  keys: {steward: {publicKey: "steward.pub"}, trainer: {publicKey: "k.pub"},
         evaluator: {publicKey: "evaluator.pub"}, alice: {publicKey: "alice.pub"}},
  dataset: {signers: ["steward"]},
  training: {signers: ["trainer"], requireSuccess: true, requireAttestedDatasets: true},
  evaluation: {signers: ["evaluator"], requireHeldOut: true,
               metrics: [{name: "accuracy", op: ">=", value: 0.85}]},
  approval: {stage: "production", signers: ["alice"], threshold: 1}}' >pol.json
expect_err "gate: verify policy admits the snapshot" 0 "ADMIT" \
	"$VERIFY" policy --policy pol.json --bundle g.jsonl --follow-links-within "$R3" "$R3/snapshots/$REV"
expect_err "gate: verify policy without the option" 1 "symbolic link refused.*--follow-links-within" \
	"$VERIFY" policy --policy pol.json --bundle g.jsonl "$R3/snapshots/$REV"
# Plain verify and verify vsa check the snapshot as an --artifact too.
expect_out "verify --artifact of the snapshot" 0 "^PASS +artifact " \
	"$VERIFY" --key k.pub --follow-links-within "$R3" --artifact "$R3/snapshots/$REV" g-run.jsonl
expect_out "verify --artifact without the option" 1 "^FAIL +artifact .*symbolic link refused.*--follow-links-within" \
	"$VERIFY" --key k.pub --artifact "$R3/snapshots/$REV" g-run.jsonl
"$ATTEST" key generate --out gate >/dev/null 2>&1
expect "gate: verify policy signs a VSA about the snapshot" 0 \
	"$VERIFY" policy --policy pol.json --bundle g.jsonl --follow-links-within "$R3" \
	--vsa-key gate.key --vsa snap.vsa.json "$R3/snapshots/$REV"
expect_out "verify vsa of the snapshot" 0 "PASS" \
	"$VERIFY" vsa --key gate.pub --follow-links-within "$R3" --artifact "$R3/snapshots/$REV" snap.vsa.json
expect_err "verify vsa without the option" 1 "symbolic link refused.*--follow-links-within" \
	"$VERIFY" vsa --key gate.pub --artifact "$R3/snapshots/$REV" snap.vsa.json
# Its tampered twin: one blob of the cache changed after the gate.
printf 'x' >>"$R3/blobs/$(sha256sum "$R3/snapshots/$REV/model.safetensors" | cut -c1-64)"
expect_out "gate: a changed blob denies" 1 "FAIL +training.provenance" \
	"$VERIFY" policy --policy pol.json --bundle g.jsonl --follow-links-within "$R3" "$R3/snapshots/$REV"
expect_out "verify --artifact: a changed blob is not the subject" 1 "^FAIL +artifact .*is not a subject" \
	"$VERIFY" --key k.pub --follow-links-within "$R3" --artifact "$R3/snapshots/$REV" g-run.jsonl
expect_out "verify vsa: a changed blob is not the VSA's model" 1 "^FAIL .*the VSA is about" \
	"$VERIFY" vsa --key gate.pub --follow-links-within "$R3" --artifact "$R3/snapshots/$REV" snap.vsa.json

# Tampered twins: a blob changed, a link pointed at another blob.
cp -r hub bad
B="bad/models--acme--tiny-model"
printf 'x' >>"$B/blobs/$(sha256sum "$SNAP/model.safetensors" | cut -c1-64)"
expect_out "changed blob: verify dataset" 1 "model.safetensors" \
	"$VERIFY" dataset --key k.pub --bundle ds.json --follow-links-within "$B" "$B/snapshots/$REV"
expect_out "changed blob: verify model" 1 "changed +model.safetensors" \
	"$VERIFY" model --key k.pub --follow-links-within "$B" --signature m.sig "$B/snapshots/$REV"
rm -rf bad && cp -r hub bad
ln -sfn "$(readlink "$B/snapshots/$REV/tokenizer/tokenizer.json" | cut -c4-)" "$B/snapshots/$REV/config.json"
expect_out "retargeted link: verify model" 1 "changed +config.json" \
	"$VERIFY" model --key k.pub --follow-links-within "$B" --signature m.sig "$B/snapshots/$REV"

# Hostile links in the snapshot; each is refused, naming it.
printf 'secret\n' >outside.txt
hostile() { # NAME TARGET PATTERN
	rm -rf bad && cp -r hub bad
	ln -s "$2" "$B/snapshots/$REV/evil"
	expect_err "$1: attest dataset" 1 "snapshots/$REV/evil: $3" \
		"$ATTEST" dataset --key k.key --name tiny --follow-links-within "$B" --bundle no.json "$B/snapshots/$REV"
	expect_err "$1: verify model" 1 "snapshots/$REV/evil: $3" \
		"$VERIFY" model --key k.pub --follow-links-within "$B" --signature m.sig "$B/snapshots/$REV"
}
hostile "absolute link out of the cache" "$T/outside.txt" "symbolic link points outside $B"
hostile "relative link out of the cache" "../../../../outside.txt" "symbolic link points outside $B"
ln -s "$T/outside.txt" "$C/blobs/escape"
hostile "blob that links out of the cache" "../../blobs/escape" "symbolic link points outside $B"
rm "$C/blobs/escape"
ln -s loop2 "$C/blobs/loop1" && ln -s loop1 "$C/blobs/loop2"
hostile "link loop" "../../blobs/loop1" "symbolic link does not resolve: Too many levels of symbolic links"
rm "$C/blobs/loop1" "$C/blobs/loop2"
hostile "dangling link" "../../blobs/0000000000000000000000000000000000000000" "symbolic link does not resolve: No such file or directory"
hostile "link to a directory" "../../blobs" "symbolic link to a directory refused"
expect_err "DIR that does not exist" 3 "--follow-links-within nowhere" \
	"$ATTEST" dataset --key k.key --name tiny --follow-links-within nowhere --bundle no.json "$SNAP"
expect_err "DIR that is a file" 2 "--follow-links-within outside.txt: not a directory" \
	"$ATTEST" dataset --key k.key --name tiny --follow-links-within outside.txt --bundle no.json "$SNAP"
expect "DIR that does not exist, tree without links" 0 \
	"$ATTEST" dataset --key k.key --name plain --follow-links-within nowhere --bundle plain.json copy
# The cache given as DIR does not admit links out of a narrower DIR.
expect_err "DIR narrower than the blobs" 1 "(config.json|model.safetensors|tokenizer.json): symbolic link points outside $C/snapshots" \
	"$ATTEST" dataset --key k.key --name tiny --follow-links-within "$C/snapshots" --bundle no.json "$SNAP"

# A link swapped between two blobs while the tree is hashed, over and over:
# each run either fails (exit 3, "changed") or gives the digest of the tree
# with the link at one blob or the other, never anything else.
rm -rf race && mkdir -p race/c/blobs race/c/snapshots/r
head -c 2000000 /dev/zero | tr '\0' a >race/c/blobs/A
head -c 1500000 /dev/zero | tr '\0' b >race/c/blobs/B
S=race/c/snapshots/r
printf 'cfg' >"$S/config.json"
for x in A B; do
	ln -sfn "../../blobs/$x" "$S/w.bin"
	"$ATTEST" dataset --key k.key --name race --shard-size 65536 --follow-links-within race/c --bundle "race$x.json" "$S" >/dev/null 2>&1
	eval "d$x=\$(sub race$x.json)"
done
[ -n "$dA" ] && [ -n "$dB" ] && [ "$dA" != "$dB" ] && pass "race: the two consistent digests" || fail "race: setup"
# New links are made outside the tree and renamed over w.bin (atomic).
mkdir race/tmp
(
	while :; do
		ln -s ../../blobs/B race/tmp/t && mv -T race/tmp/t "$S/w.bin"
		ln -s ../../blobs/A race/tmp/t && mv -T race/tmp/t "$S/w.bin"
	done
) 2>/dev/null &
swapper=$!
bad=0 errors=0 good=0
for i in $(seq 1 25); do
	rm -f r.json
	"$ATTEST" dataset --key k.key --name race -j 2 --shard-size 65536 --follow-links-within race/c --bundle r.json "$S" >/dev/null 2>r.err
	rc=$?
	if [ "$rc" = 0 ]; then
		d=$(sub r.json)
		if [ "$d" = "$dA" ] || [ "$d" = "$dB" ]; then good=$((good + 1)); else bad=$((bad + 1)); fi
	elif [ "$rc" = 3 ] && grep -Eq "w.bin: (symbolic link (target )?changed during (hashing|the walk)|changed since the walk)" r.err; then
		errors=$((errors + 1))
	else
		bad=$((bad + 1))
		sed 's/^/     | /' r.err | head -3
	fi
done
kill "$swapper"
wait "$swapper" 2>/dev/null
[ "$bad" = 0 ] && pass "race: $good consistent digests, $errors errors, no wrong digest" ||
	fail "race: $bad runs gave a wrong digest or an unexpected error"
summary

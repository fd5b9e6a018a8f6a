# attest dataset / verify dataset / attest manifest: every tamper is found
# and named; lineage, quality and large-manifest paths work end to end.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

"$ATTEST" key generate --out steward 2>/dev/null
"$ATTEST" key generate --out other 2>/dev/null
mkdir -p data/sub
for i in 1 2 3 4 5; do printf 'row %d\n' "$i" >"data/f$i.csv"; done
printf 'nested\n' >data/sub/n.txt
printf '{"records": 6, "duplicatesRemoved": 1}\n' >quality.json

expect "attest dataset" 0 "$ATTEST" dataset --key steward.key --name demo \
	--version 1 --license CC-BY-4.0 --classification internal \
	--source https://example.com/raw --quality quality.json \
	--bundle ds.intoto.jsonl data
pred() { jq -r .payload ds.intoto.jsonl | head -1 | base64 -d; }
[ "$(pred | jq -r .predicateType)" = "https://mlattest.dev/attestation/dataset/v1" ] &&
	pass "predicateType" || fail "predicateType"
[ "$(pred | jq -r '.predicate.files')" = 6 ] && pass "file count" || fail "file count"
[ "$(pred | jq -r '.predicate.quality.records')" = 6 ] && pass "quality bound" || fail "quality"
want=$(cd data && find . -type f | cut -c3- | LC_ALL=C sort | xargs -r sha256sum | sha256sum | cut -d' ' -f1)
[ "$(pred | jq -r '.subject[0].digest.dirHash')" = "$want" ] &&
	pass "dirHash equals sha256sum|sort|sha256sum" || fail "dirHash"
[ "$(pred | jq -r '.predicate.contents[0].manifest.files | length')" = 6 ] &&
	pass "manifest inline" || fail "manifest inline"
expect "verify dataset untouched" 0 "$VERIFY" dataset --key steward.pub --bundle ds.intoto.jsonl data
expect "plain verify of the dataset bundle" 0 "$VERIFY" --key steward.pub ds.intoto.jsonl
expect_err "verify dataset wrong key" 1 '^verify: ds\.intoto\.jsonl: no dataset attestation verifies under the given keys$' "$VERIFY" dataset --key other.pub --bundle ds.intoto.jsonl data

cp -r data orig
printf 'row 9\n' >data/f2.csv
expect_out "byte changed is named" 1 "changed +f2.csv" "$VERIFY" dataset --key steward.pub --bundle ds.intoto.jsonl data
rm -rf data && cp -r orig data
printf 'x\n' >data/extra.csv
expect_out "added file is named" 1 "added +extra.csv" "$VERIFY" dataset --key steward.pub --bundle ds.intoto.jsonl data
rm -rf data && cp -r orig data
rm data/f3.csv
expect_out "removed file is named" 1 "removed +f3.csv" "$VERIFY" dataset --key steward.pub --bundle ds.intoto.jsonl data
rm -rf data && cp -r orig data
mv data/f4.csv data/f4-renamed.csv
"$VERIFY" dataset --key steward.pub --bundle ds.intoto.jsonl data >"$T/out" 2>&1
if grep -Eq 'removed +f4.csv' "$T/out" && grep -Eq 'added +f4-renamed.csv' "$T/out"; then
	pass "rename named as removed + added"
else
	fail "rename not named"
fi
rm -rf data && cp -r orig data

# --only checks a subset against the signed manifest.
printf 'row 9\n' >data/f2.csv
expect "--only untouched subset passes" 0 "$VERIFY" dataset --key steward.pub --bundle ds.intoto.jsonl --only f1.csv --only sub data
expect_out "--only changed file fails" 1 "changed +f2.csv" "$VERIFY" dataset --key steward.pub --bundle ds.intoto.jsonl --only f2.csv data
rm -rf data && cp -r orig data

# Hostile trees are refused, not hashed.
ln -s /etc/passwd data/link
expect_err "symlink refused" 1 "link" "$ATTEST" dataset --key steward.key --name x data
rm data/link
mkfifo data/fifo
expect_err "FIFO refused" 1 "fifo" "$ATTEST" dataset --key steward.key --name x data
rm data/fifo
touch "data/$(printf 'bad\nname')"
expect_err "control character in a name refused" 1 "data" "$ATTEST" dataset --key steward.key --name x data
rm -rf data && cp -r orig data
expect_err "bad classification" 2 "classification" "$ATTEST" dataset --key steward.key --name x --classification secret data
expect_err "missing name is a usage error" 2 '^attest: usage: attest dataset --key KEYREF --name NAME ' "$ATTEST" dataset --key steward.key data
expect_err "missing path" 3 "nope" "$ATTEST" dataset --key steward.key --name x nope

# Lineage: a child dataset names its parent's subjects.
mkdir clean && cp data/f1.csv data/f2.csv clean/
expect "child dataset with --parent" 0 "$ATTEST" dataset --key steward.key --name clean \
	--parent ds.intoto.jsonl --transform "dedupe" --bundle child.intoto.jsonl clean
parent_root=$(pred | jq -r '.subject[0].digest.sha256')
child_parent=$(jq -r .payload child.intoto.jsonl | base64 -d | jq -r '.predicate.parents[0].digest.sha256')
[ "$parent_root" = "$child_parent" ] && pass "parent subject recorded" || fail "parent subject"

# Large manifests go beside the bundle, bound by digest.
mkdir big
for i in $(seq 1 1100); do printf '%d\n' "$i" >"big/$i.txt"; done
mkdir beside
expect "large dataset" 0 "$ATTEST" dataset --key steward.key --name big --bundle beside/big.intoto.jsonl big
mf=$(ls beside/big.0.*.manifest.json 2>/dev/null | head -1)
[ -n "$mf" ] && pass "manifest written beside the bundle" || fail "no manifest file"
expect "verify large dataset" 0 "$VERIFY" dataset --key steward.pub --bundle beside/big.intoto.jsonl big
printf 'x\n' >big/1.txt
expect_out "large dataset change named" 1 "changed +1.txt" "$VERIFY" dataset --key steward.pub --bundle beside/big.intoto.jsonl big
printf '1\n' >big/1.txt
sed -i 's/"size":2/"size":3/' "$mf"
expect_err "tampered manifest file refused" 1 "manifest.json" "$VERIFY" dataset --key steward.pub --bundle beside/big.intoto.jsonl --only 1.txt big

# A directory holding one file, and one big file hashed in shards.
mkdir one && printf 'a\n' >one/a.txt
"$ATTEST" dataset --key steward.key --name one --bundle one.intoto.jsonl one 2>/dev/null
expect "--only in a one-file directory" 0 "$VERIFY" dataset --key steward.pub --bundle one.intoto.jsonl --only a.txt one
head -c 3000000 /dev/urandom >shards.bin
expect "dataset of one file in shard mode" 0 "$ATTEST" dataset --key steward.key --name s \
	--shard-size 1000000 --bundle shards.intoto.jsonl shards.bin
expect "verify shard-mode file" 0 "$VERIFY" dataset --key steward.pub --bundle shards.intoto.jsonl shards.bin
printf 'x' | dd of=shards.bin bs=1 seek=2500000 conv=notrunc 2>/dev/null
expect_out "changed shard-mode file rejected" 1 '^FAIL  changed  shards\.bin$' "$VERIFY" dataset --key steward.pub --bundle shards.intoto.jsonl shards.bin

# Scale-out: slices hashed apart merge into the single-run root.
expect "single manifest" 0 "$ATTEST" manifest --out full.json data
for i in 0 1 2; do "$ATTEST" manifest --shard-of "$i/3" --out "part$i.json" data; done
expect "merge" 0 "$ATTEST" manifest --merge --out merged.json part2.json part0.json part1.json
cmp -s <(jq -S . full.json) <(jq -S . merged.json) && pass "merged equals single run" || fail "merge differs"
expect_err "merge with a slice missing fails" 1 '^attest: have slices 1, 2 of 3; missing slice 3/3 \(hashed with --shard-of 2/3\)$' "$ATTEST" manifest --merge --out m2.json part0.json part1.json
expect "dataset from merged manifest" 0 "$ATTEST" dataset --key steward.key --name demo --from-manifest merged.json --bundle merged.intoto.jsonl data
expect "verify dataset from merged manifest" 0 "$VERIFY" dataset --key steward.pub --bundle merged.intoto.jsonl data

# SPEC-TREE-2, SPEC-DIG-4, SPEC-DIG-5: a shard-mode tree is named with its
# file names and sizes bound (shardDirHash), never by its OMS root alone.
mkdir -p cls/benign cls/malicious split
printf 'good\n' >cls/benign/a.bin
printf 'evil\n' >cls/malicious/c.bin
head -c 2000 /dev/zero | tr '\0' 'z' >split/big.bin
cp -r cls cls.orig
cp -r split split.orig
expect "shard-mode dataset" 0 "$ATTEST" dataset --key steward.key --name cls \
	--shard-size 1000 --bundle cls.jsonl cls split
spred() { jq -r .payload cls.jsonl | base64 -d; }
sdh() { # recompute shardDirHash from a manifest as spec/predicates/dataset.md says
	{ printf 'shards %s\n' "$(jq -r .shard_size)"; } <"$1"
	jq -j '.files[] | "\(.size) \(.shards | join(","))  \(.path)\n"' "$1"
}
spred | jq -c '.predicate.contents[0].manifest' >cls.manifest.json
[ "$(spred | jq -r '.subject[0].digest.shardDirHash')" = "$( { sdh cls.manifest.json; } | sha256sum | cut -c1-64)" ] &&
	pass "shardDirHash recomputed from the manifest with jq" || fail "shardDirHash recomputation"
[ "$(spred | jq -r '.subject[0].digest | keys | join(",")')" = "sha256,shardDirHash" ] &&
	pass "shard-mode subject: OMS root beside shardDirHash" || fail "shard-mode subject digest keys"
expect_out "shard-mode tree untouched passes" 0 "PASS  cls matches cls.jsonl:1" \
	"$VERIFY" dataset --key steward.pub --bundle cls.jsonl cls
mv cls/malicious/c.bin cls/benign/c.bin
expect_err "file moved to another class is refused" 1 "^verify: cls: 2 file\(s\) differ from cls.jsonl:1$" \
	"$VERIFY" dataset --key steward.pub --bundle cls.jsonl cls
grep -Eq '^FAIL  removed +malicious/c.bin$' "$T/out" && grep -Eq '^FAIL  added +benign/c.bin$' "$T/out" &&
	pass "the move is named (removed + added)" || fail "the move is not named"
rm -rf cls && cp -r cls.orig cls
touch cls/benign/empty.bin
expect_err "empty file added to a shard-mode tree is refused" 1 "^verify: cls: 1 file\(s\) differ from cls.jsonl:1$" \
	"$VERIFY" dataset --key steward.pub --bundle cls.jsonl cls
rm -rf cls && cp -r cls.orig cls
head -c 1000 split.orig/big.bin >split/big.bin
head -c 1000 split.orig/big.bin >split/big.bin2
expect_err "file split at a shard boundary is refused" 1 "^verify: split: 2 file\(s\) differ from cls.jsonl:1$" \
	"$VERIFY" dataset --key steward.pub --bundle cls.jsonl split
rm -rf split && cp -r split.orig split
expect "split tree restored passes" 0 "$VERIFY" dataset --key steward.pub --bundle cls.jsonl split

# SPEC-TREE-3: each attestation is checked with its own hashing options:
# a shard-mode attestation first in the bundle must not make a whole-file
# one match on sha256 alone, nor hide it.
mkdir wf && printf 'one\n' >wf/a.txt && printf 'two\n' >wf/b.txt
"$ATTEST" dataset --key steward.key --name wf --bundle wf.jsonl wf 2>/dev/null
"$ATTEST" dataset --key steward.key --name wfs --shard-size 1000 --bundle wfs.jsonl wf 2>/dev/null
cat wfs.jsonl wf.jsonl >mixed.jsonl
mv wf/b.txt wf/c.txt
expect_err "renamed tree refused whatever the first attestation's options" 1 "^verify: wf: 2 file\(s\) differ from mixed.jsonl:" \
	"$VERIFY" dataset --key steward.pub --bundle mixed.jsonl wf
mv wf/c.txt wf/b.txt
mkdir wfb && head -c 1500 /dev/zero >wfb/big.bin
"$ATTEST" dataset --key steward.key --name wfb --bundle wfb.jsonl wfb 2>/dev/null
cat cls.jsonl wfb.jsonl >mixed3.jsonl
expect_out "whole-file attestation found behind a shard-mode one" 0 "PASS  wfb matches mixed3.jsonl:2" \
	"$VERIFY" dataset --key steward.pub --bundle mixed3.jsonl wfb

# Issue 12 §5: every --bundle is read; the attestation named like PATH is
# the one compared; a missing manifest file is named with where it goes;
# the FAIL list is capped; JSON findings list every file.
expect_out "repeated --bundle reads all of them" 0 "PASS  wf matches wf.jsonl:1" \
	"$VERIFY" dataset --key steward.pub --bundle wf.jsonl --bundle cls.jsonl wf
mkdir -p two/train two/test ev
for i in $(seq 1 1010); do printf 't%d\n' "$i" >"two/train/$i.txt"; done
for i in $(seq 1 1005); do printf 'e%d\n' "$i" >"two/test/$i.txt"; done
(cd two && "$ATTEST" dataset --key ../steward.key --name tt --bundle ../ev/tt.jsonl test train) 2>/dev/null
printf 'x\n' >two/train/5.txt
printf 'x\n' >two/train/6.txt
(cd two && "$VERIFY" dataset --key ../steward.pub --bundle ../ev/tt.jsonl train) >"$T/out" 2>"$T/err"
[ $? -eq 1 ] && grep -qx 'verify: train: 2 file(s) differ from ../ev/tt.jsonl:1' "$T/err" &&
	[ "$(grep -c '^FAIL' "$T/out")" = 2 ] &&
	pass "the attestation named like PATH is compared, not the first" ||
	{ fail "attestation chosen by position"; head -3 "$T/err"; }
mfile=$(cd ev && ls tt.1.*.manifest.json)
rm "ev/$mfile"
(cd two && "$VERIFY" dataset --key ../steward.pub --bundle ../ev/tt.jsonl train) >"$T/out" 2>"$T/err"
[ $? -eq 1 ] && grep -qx "verify: train: tree digest is not a subject of any verified dataset attestation, and no file list to compare: ../ev/tt.jsonl:1 records its file list in $mfile, which is missing: it must be in ../ev/, beside the bundle ../ev/tt.jsonl" "$T/err" &&
	[ ! -s "$T/out" ] &&
	pass "missing manifest named with the directory it must be in" ||
	{ fail "missing manifest not named"; head -3 "$T/err"; }
for i in $(seq 1 60); do printf 'y\n' >"two/test/$i.txt"; done
(cd two && "$VERIFY" dataset --key ../steward.pub --bundle ../ev/tt.jsonl --json ../f.json test) >"$T/out" 2>"$T/err"
[ "$(grep -c '^FAIL  changed' "$T/out")" = 50 ] && grep -qx 'FAIL  ... and 10 more (all of them with --json)' "$T/out" &&
	pass "FAIL list capped at 50 with a count of the rest" || fail "FAIL list not capped"
[ "$(jq '.findings | length' f.json)" = 60 ] && [ "$(jq -r '.findings[0] | "\(.change) \(.path)"' f.json)" = "changed 1.txt" ] &&
	pass "--json findings list every differing file" || fail "--json findings"
(cd two && "$VERIFY" dataset --key ../steward.pub --bundle ../ev/tt.jsonl --max-list 3 test) >"$T/out" 2>"$T/err"
[ "$(grep -c '^FAIL  changed' "$T/out")" = 3 ] && grep -qx 'FAIL  ... and 57 more (all of them with --json)' "$T/out" &&
	pass "--max-list 3" || fail "--max-list 3"
expect_err "--max-list needs a number" 2 "max-list" "$VERIFY" dataset --key steward.pub --bundle wf.jsonl --max-list x wf

# --only with two subjects of the same data picks the one named like PATH.
"$ATTEST" dataset --key steward.key --name wf2 --bundle wf2.jsonl wf wf/ 2>/dev/null
expect_out "--only with two subjects of the same data" 0 "PASS  1 file\(s\) under wf match wf2.jsonl:1" \
	"$VERIFY" dataset --key steward.pub --bundle wf2.jsonl --only a.txt wf
expect_err "--only with two different subjects still refused" 1 "found 2 different" \
	"$VERIFY" dataset --key steward.pub --bundle cls.jsonl --only benign/a.bin wf

# PATH below an attested tree: say so and how to check it.
mkdir -p par/train && printf 'p\n' >par/train/p.txt && printf 'q\n' >par/q.txt
"$ATTEST" dataset --key steward.key --name par --bundle par.jsonl par 2>/dev/null
expect_err "PATH inside an attested tree is explained" 1 \
	"^verify: par/train is part of the attested tree par/ \(par.jsonl:1\); check it with: verify dataset --bundle par.jsonl par --only train$" \
	"$VERIFY" dataset --key steward.pub --bundle par.jsonl par/train
expect "the suggested command passes" 0 "$VERIFY" dataset --key steward.pub --bundle par.jsonl par --only train

# A large file is read through mappings; truncated under them (SIGBUS) it
# is a one-line error naming the file, exit 3, never a crash. Hashing 2 GiB
# takes far longer than the 0.2 s before the truncation; whichever check
# sees it first (the open, a mapping, the final fstat) names the file.
mkdir -p trunc && truncate -s 2G trunc/big.bin
(sleep 0.2 && truncate -s 1M trunc/big.bin) &
expect_err "file truncated while being hashed" 3 \
	"^attest: trunc/big\.bin: (file shrank while being read|changed while being read|changed since the walk)$" \
	"$ATTEST" dataset --key steward.key --name tr --bundle tr.jsonl trunc
wait
rm -rf trunc

summary

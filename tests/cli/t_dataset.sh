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
expect "verify dataset wrong key" 1 "$VERIFY" dataset --key other.pub --bundle ds.intoto.jsonl data

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
expect "missing name is a usage error" 2 "$ATTEST" dataset --key steward.key data
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
expect "changed shard-mode file rejected" 1 "$VERIFY" dataset --key steward.pub --bundle shards.intoto.jsonl shards.bin

# Scale-out: slices hashed apart merge into the single-run root.
expect "single manifest" 0 "$ATTEST" manifest --out full.json data
for i in 0 1 2; do "$ATTEST" manifest --shard-of "$i/3" --out "part$i.json" data; done
expect "merge" 0 "$ATTEST" manifest --merge --out merged.json part2.json part0.json part1.json
cmp -s <(jq -S . full.json) <(jq -S . merged.json) && pass "merged equals single run" || fail "merge differs"
expect "merge with a slice missing fails" 1 "$ATTEST" manifest --merge --out m2.json part0.json part1.json
expect "dataset from merged manifest" 0 "$ATTEST" dataset --key steward.key --name demo --from-manifest merged.json --bundle merged.intoto.jsonl data
expect "verify dataset from merged manifest" 0 "$VERIFY" dataset --key steward.pub --bundle merged.intoto.jsonl data

summary

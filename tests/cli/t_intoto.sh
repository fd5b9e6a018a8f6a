# attest run --in-toto-link: classic in-toto 0.9 links that Debian's
# in-toto 1.3.1 (in-toto-verify, /usr/bin/python3) accepts, and forged
# twins it rejects (spec/intoto-link.md).
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
deps_ok=1
for dep in "$PY" /usr/bin/in-toto-verify /usr/bin/in-toto-sign \
	/usr/bin/in-toto-keygen; do
	[ -x "$dep" ] || { fail "missing dependency $dep"; deps_ok=0; }
done
"$PY" -c 'import in_toto, securesystemslib' 2>/dev/null ||
	{ fail "missing dependency: in_toto/securesystemslib for $PY"; deps_ok=0; }
[ "$deps_ok" -eq 1 ] || { summary; exit 1; }

W="$T/w"
mkdir -p "$W/src" && cd "$W" || exit 1
printf 'a,b\n1,2\n' >src/raw.csv
openssl genpkey -algorithm ed25519 -out "$T/alice.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	-out "$T/bob.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$T/carol.pem" 2>/dev/null
for k in alice bob carol; do
	openssl pkey -in "$T/$k.pem" -pubout -out "$T/$k.pub.pem"
done
/usr/bin/in-toto-keygen -t rsa -b 3072 "$T/owner" >/dev/null 2>&1 ||
	fail "in-toto-keygen owner"

# sskey PEM TYPE: the securesystemslib public key, keyid computed by
# securesystemslib itself (independent of lib/canonjson).
sskey() {
	"$PY" - "$1" "$2" <<'PYEOF'
import json, sys
from cryptography.hazmat.primitives import serialization as s
from securesystemslib import keys
pem = open(sys.argv[1]).read()
if sys.argv[2] == "ed25519":
    k = s.load_pem_public_key(pem.encode())
    pub = k.public_bytes(s.Encoding.Raw, s.PublicFormat.Raw).hex()
    kt = sc = "ed25519"
else:
    pub, kt, sc = pem, "ecdsa", "ecdsa-sha2-nistp256"
kv = {"public": pub}
d = keys.format_keyval_to_metadata(kt, sc, kv)
d["keyid"] = keys._get_keyid(kt, sc, kv)
print(json.dumps(d))
PYEOF
}
sskey "$T/alice.pub.pem" ed25519 >"$T/alice.json"
sskey "$T/bob.pub.pem" ecdsa >"$T/bob.json"
A=$(jq -r .keyid "$T/alice.json")
B=$(jq -r .keyid "$T/bob.json")

prepare() {
	"$ATTEST" run -k "$T/alice.pem" --in-toto-link links --step prepare \
		-i src -o data -b "$T/prep.json" --force -- sh -c \
		'mkdir -p data/sub && cp src/raw.csv data/train.csv &&
		 cp src/raw.csv data/sub/test.csv'
}
train() {
	"$ATTEST" run -k "${1:-$T/bob.pem}" --in-toto-link links \
		-i ./data/ -o model.bin -b "$T/train.json" --force -- sh -c \
		'cat data/train.csv data/sub/test.csv | sha256sum >model.bin'
}
expect "prepare: attest run --in-toto-link (ed25519)" 0 prepare
expect "train: attest run --in-toto-link, default step (ecdsa)" 0 train
[ -f "links/prepare.${A:0:8}.link" ] && pass "ed25519 keyid = securesystemslib's" ||
	fail "no links/prepare.${A:0:8}.link: $(ls links)"
[ -f "links/train.${B:0:8}.link" ] && pass "ecdsa keyid = securesystemslib's" ||
	fail "no links/train.${B:0:8}.link: $(ls links)"
expect_err "step name with / refused" 2 '--step: expected 1\.\.128 of \[A-Za-z0-9\._-\], not starting with '\''\.'\''' "$ATTEST" run -k "$T/alice.pem" \
	--in-toto-link links --step ../x -o model.bin -- true
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
	-out "$T/p384.pem" 2>/dev/null
expect_err "P-384 key refused before the run" 2 '--in-toto-link needs an ed25519 or ecdsa-p256 key, not ecdsa-p384' "$ATTEST" run -k "$T/p384.pem" \
	--in-toto-link links -o "$T/never" -- touch "$T/never"
[ ! -e "$T/never" ] && pass "P-384: command not run" || fail "P-384: command ran"
jq -e '.signed.materials | keys == ["data/sub/test.csv","data/train.csv"]' \
	"links/train.${B:0:8}.link" >/dev/null &&
	pass "materials named by normalized path" || fail "material paths"
expect "in-toto-sign --verify on our ecdsa link" 0 /usr/bin/in-toto-sign \
	-f "links/train.${B:0:8}.link" -k "$T/bob.json" -t ecdsa --verify

jq -n --slurpfile a "$T/alice.json" --slurpfile b "$T/bob.json" \
	--arg A "$A" --arg B "$B" '{signed: {_type: "layout",
	expires: "2099-01-01T00:00:00Z", readme: "mlattest t_intoto",
	keys: {($A): $a[0], ($B): $b[0]},
	steps: [
	 {_type: "step", name: "prepare", threshold: 1, pubkeys: [$A],
	  expected_command: [],
	  expected_materials: [["ALLOW", "src/*"], ["DISALLOW", "*"]],
	  expected_products: [["CREATE", "data/*"], ["DISALLOW", "*"]]},
	 {_type: "step", name: "train", threshold: 1, pubkeys: [$B],
	  expected_command: [],
	  expected_materials: [["MATCH", "data/*", "WITH", "PRODUCTS",
	    "FROM", "prepare"], ["DISALLOW", "*"]],
	  expected_products: [["CREATE", "model.bin"], ["DISALLOW", "*"]]}],
	inspect: [
	 {_type: "inspection", name: "final", run: ["true"],
	  expected_materials: [["MATCH", "model.bin", "WITH", "PRODUCTS",
	    "FROM", "train"], ["DISALLOW", "model.bin"], ["ALLOW", "*"]],
	  expected_products: [["ALLOW", "*"]]}]},
	signatures: []}' >"$T/root.layout.unsigned"
expect "in-toto-sign the layout (rsa owner)" 0 /usr/bin/in-toto-sign \
	-f "$T/root.layout.unsigned" -k "$T/owner" -t rsa -o "$T/root.layout"

verify() {
	/usr/bin/in-toto-verify -l "$T/root.layout" -k "$T/owner.pub" -t rsa \
		--link-dir "${1:-links}"
}
expect "in-toto-verify accepts our links" 0 verify

# Twins, each from a fresh copy of the good state.
cp -r links "$T/good-links"
cp model.bin "$T/good-model"
restore() { rm -rf links; cp -r "$T/good-links" links; cp "$T/good-model" model.bin; }

printf 'x' >>model.bin
expect_err "product modified after the run" 1 "RuleVerificationError" verify
restore
printf '3,4\n' >>data/train.csv
expect "re-run prepare: good" 0 prepare
printf '5,6\n' >>data/train.csv
expect "train after data tampering: attest ok" 0 train
expect_err "data modified between prepare and train" 1 "RuleVerificationError" verify
rm -rf data
expect "prepare again" 0 prepare
expect "train again" 0 train
expect "fresh chain verifies" 0 verify
cp -r links "$T/good-links2" && cp model.bin "$T/good-model2"
restore() { rm -rf links; cp -r "$T/good-links2" links; cp "$T/good-model2" model.bin; }

L="links/train.${B:0:8}.link"
jq '.signed.byproducts["return-value"] = 1' "$L" >"$T/ed" && cp "$T/ed" "$L"
expect_err "link edited (return-value)" 1 "ThresholdVerificationError|[Ss]ignature" verify
restore
jq '.signed.materials["data/extra.csv"] = {sha256: ("0" * 64)}' "$L" \
	>"$T/ed" && cp "$T/ed" "$L"
expect_err "link edited (material added)" 1 "ThresholdVerificationError|[Ss]ignature" verify
restore

mkdir -p "$T/carol-links"
expect "train signed by carol" 0 "$ATTEST" run -k "$T/carol.pem" \
	--in-toto-link "$T/carol-links" -i data -o model.bin -b "$T/c.json" \
	-- sh -c 'cat data/train.csv data/sub/test.csv | sha256sum >model.bin'
rm -f "$L"
expect_err "link by a key not in the layout (not found)" 1 "LinkNotFoundError" verify
jq --arg B "$B" '.signatures[0].keyid = $B' "$T"/carol-links/train.*.link \
	>"$L"
expect_err "link by a key not in the layout (keyid relabelled)" 1 "ThresholdVerificationError|[Ss]ignature" verify
restore
expect "restored chain verifies" 0 verify

summary

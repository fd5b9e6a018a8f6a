# The JSON Schemas in spec/schemas/ against what attest really writes:
# dataset/v1 predicates and attest run's externalParameters and
# internalParameters must validate (internalParameters also with a tpmQuote
# that attest run --tpm-quote recorded on swtpm), and tampered twins must
# not.
# Validator: Debian's python3-jsonschema under /usr/bin/python3 (a missing
# validator fails every check; nothing is skipped).
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
PY=/usr/bin/python3
SCHEMAS="$SRC/spec/schemas"

cp "$SRC/tests/cli/validate_schema.py" validate.py

if "$PY" -c 'import jsonschema.validators as v; v.Draft202012Validator.FORMAT_CHECKER' 2>/dev/null; then
	pass "validator: /usr/bin/python3 with jsonschema (draft 2020-12)"
else
	fail "missing dependency: $PY with jsonschema (Debian package python3-jsonschema)"
fi

# valid NAME SCHEMA FILE: FILE must validate.
valid() {
	local rc
	"$PY" validate.py "$SCHEMAS/$2" "$3" 2>"$T/verr"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$1"
	else
		fail "$1 (validator exit $rc)"
		sed 's/^/     | /' "$T/verr" | head -5
	fi
}

# invalid NAME SCHEMA FILE JQ-EDIT: FILE edited by JQ-EDIT must be refused
# by the schema (exit 1; a validator error is a failure too).
invalid() {
	local rc
	if ! jq "$4" "$3" >twin.json 2>"$T/verr" || cmp -s twin.json <(jq . "$3"); then
		fail "$1 (tamper did not apply)"
		return
	fi
	"$PY" validate.py "$SCHEMAS/$2" twin.json 2>"$T/verr"
	rc=$?
	if [ "$rc" -eq 1 ]; then
		pass "$1"
	else
		fail "$1 (validator exit $rc, wanted 1)"
		sed 's/^/     | /' "$T/verr" | head -5
	fi
}

# payload BUNDLE: the decoded statement of the bundle's last line.
payload() { tail -n 1 "$1" | jq -r .payload | base64 -d; }

for s in dataset.schema.json training-external.schema.json training-internal.schema.json; do
	jq -e '."$schema" == "https://json-schema.org/draft/2020-12/schema"' \
		"$SCHEMAS/$s" >/dev/null 2>&1 && pass "$s is a draft 2020-12 schema" ||
		fail "$s missing or not draft 2020-12"
done

# --- dataset/v1 -------------------------------------------------------------
"$ATTEST" key generate --out steward 2>/dev/null
"$ATTEST" key generate --out trainer 2>/dev/null
cp -r "$SRC/demo/data" data
cp "$SRC/demo/train.py" train.py
printf '{"rows": 600, "duplicatesRemoved": 0}\n' >quality.json

expect "attest dataset (parent)" 0 "$ATTEST" dataset --key steward.key \
	--name demo-test --bundle parent.intoto.jsonl data/test
expect "attest dataset (every option)" 0 "$ATTEST" dataset --key steward.key \
	--name demo-train --version 1.0 --license CC-BY-4.0 \
	--classification internal --pii --source https://example.com/raw \
	--source s3://bucket/raw --parent parent.intoto.jsonl \
	--transform "split 80/20" --quality quality.json \
	--bundle ds.intoto.jsonl data/train
expect "attest dataset (single file)" 0 "$ATTEST" dataset --key steward.key \
	--name one --bundle one.intoto.jsonl data/test/part-0.csv
mkdir -p big/d
for i in $(seq 1 1001); do printf '%d\n' "$i" >"big/d/f$i"; done
expect "attest dataset (1001 files: manifestRef)" 0 "$ATTEST" dataset \
	--key steward.key --name big --bundle big.intoto.jsonl big
expect "attest dataset (shard mode)" 0 "$ATTEST" dataset --key steward.key \
	--name sharded --shard-size 1000 --bundle sh.intoto.jsonl data/train

for b in parent ds one big sh; do
	payload "$b.intoto.jsonl" | jq .predicate >"pred-$b.json" 2>/dev/null
	valid "dataset schema accepts $b" dataset.schema.json "pred-$b.json"
done
[ "$(jq -r '.contents[0] | has("manifestRef")' pred-big.json 2>/dev/null)" = true ] &&
	pass "1001 files give a manifestRef" || fail "1001 files give a manifestRef"

D=dataset.schema.json
P=pred-ds.json
invalid "unknown top-level field refused" $D $P '.extra = 1'
invalid "classification \"secret\" refused" $D $P '.classification = "secret"'
invalid "non-hex content digest refused" $D $P '.contents[0].digest.sha256 = ("zz" + .contents[0].digest.sha256[2:])'
invalid "short content digest refused" $D $P '.contents[0].digest.sha256 |= .[1:]'
invalid "uppercase manifest digest refused" $D $P '.contents[0].manifest.files[0].sha256 |= ascii_upcase'
invalid "non-hex dirHash refused" $D $P '.contents[0].digest.dirHash = "not hex"'
invalid "unknown contents field refused" $D $P '.contents[0].note = "x"'
invalid "manifest and manifestRef together refused" $D $P '.contents[0].manifestRef = {"name": "m.json", "digest": {"sha256": .contents[0].digest.sha256}}'
invalid "unknown manifest field refused" $D $P '.contents[0].manifest.extra = 1'
invalid "'..' in a manifest path refused" $D $P '.contents[0].manifest.files[0].path = "../etc/passwd"'
invalid "absolute manifest path refused" $D $P '.contents[0].manifest.files[0].path = "/etc/passwd"'
invalid "shards in a files manifest refused" $D $P '.contents[0].manifest.files[0].shards = []'
invalid "pii as a string refused" $D $P '.pii = "yes"'
invalid "negative byte count refused" $D $P '.bytes = -1'
invalid "empty contents refused" $D $P '.contents = []'
invalid "missing name refused" $D $P 'del(.name)'
invalid "parent without attestation digest refused" $D $P 'del(.parents[0].annotations.attestation)'
invalid "non-hex parent attestation digest refused" $D $P '.parents[0].annotations.attestation.sha256 = "xyz"'
invalid "omsOrder other than path refused" $D $P '.hashing.omsOrder = "name"'
invalid "attestedOn not RFC 3339 UTC refused" $D $P '.attestedOn = "26/11/2026 10:00"'
invalid "manifestRef name with a slash refused" $D pred-big.json '.contents[0].manifestRef.name = "../m.json"'
invalid "shard manifest without shard_size refused" $D pred-sh.json 'del(.contents[0].manifest.shard_size)'

# --- training/v1 --------------------------------------------------------------
printf 'lr: 0.5\n' >config.yaml
mkdir -p logs
export OMP_NUM_THREADS=2 CUDA_VISIBLE_DEVICES=0
export HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz123456
(umask 077 && printf 'mix=0.125\n' >mix.params)
expect "attest run (every option)" 0 "$ATTEST" run --key trainer.key \
	--input data/train --dataset ds.intoto.jsonl --config config.yaml \
	--param lr=0.5 --param epochs=20 --private-params mix.params \
	--commitments commitments.json --env HF_TOKEN --seed 42 \
	--image "registry.example.com/train@sha256:$(printf '%064d' 7)" \
	--base-model data/test/part-0.csv --capture-logs logs \
	--output model.json --bundle run.intoto.jsonl \
	-- "$PY" train.py data/train model.json --epochs 20
expect_err "attest run (failing command)" 3 'the command failed; missing outputs: none\.bin' "$ATTEST" run --key trainer.key \
	--output none.bin --bundle fail.intoto.jsonl -- sh -c 'exit 3'
"$ATTEST" run --key trainer.key --output k.txt --bundle kill.intoto.jsonl \
	-- sh -c 'kill -KILL $$' >/dev/null 2>&1
st=$?
[ "$st" -eq 137 ] && pass "attest run (killed command): 137" || fail "attest run (killed command): exit $st, wanted 137"

for b in run fail kill; do
	payload "$b.intoto.jsonl" | jq .predicate.buildDefinition >"bd-$b.json" 2>/dev/null
	jq .externalParameters "bd-$b.json" >"ext-$b.json" 2>/dev/null
	jq .internalParameters "bd-$b.json" >"int-$b.json" 2>/dev/null
	valid "external schema accepts $b" training-external.schema.json "ext-$b.json"
	valid "internal schema accepts $b" training-internal.schema.json "int-$b.json"
done
[ "$(jq -r .terminatedBySignal int-kill.json 2>/dev/null)" = 9 ] &&
	pass "killed run records terminatedBySignal" || fail "killed run records terminatedBySignal"

# Format checking is live: the invocation id is a UUID to the validator.
payload run.intoto.jsonl | jq .predicate.runDetails.metadata.invocationId >inv.json 2>/dev/null
printf '{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"string","format":"uuid"}\n' >uuid.schema.json
if "$PY" validate.py uuid.schema.json inv.json 2>/dev/null &&
	printf '"not-a-uuid"\n' >bad-uuid.json &&
	! "$PY" validate.py uuid.schema.json bad-uuid.json 2>/dev/null; then
	pass "format checking on: invocationId is a UUID, a non-UUID is refused"
else
	fail "format checking (uuid) not effective"
fi

E=training-external.schema.json
I=training-internal.schema.json
invalid "unknown external parameter refused" $E ext-run.json '.extra = 1'
invalid "private value in clear refused" $E ext-run.json '.privateParameters.mix = {"sha256": .privateParameters.mix.sha256, "value": "0.125"}'
invalid "non-hex commitment refused" $E ext-run.json '.privateParameters.mix.sha256 = "0.125"'
invalid "non-string parameter refused" $E ext-run.json '.parameters.lr = 0.5'
invalid "empty command refused" $E ext-run.json '.command = []'
invalid "config with annotations refused" $E ext-run.json '.configs[0].annotations = {"role": "config"}'
invalid "non-hex config digest refused" $E ext-run.json '.configs[0].digest.sha256 = "g" * 64'
invalid "missing redactedEnvironment refused" $E ext-run.json 'del(.redactedEnvironment)'
invalid "exitStatus as a string refused" $I int-run.json '.exitStatus = "0"'
invalid "exitStatus and terminatedBySignal together refused" $I int-run.json '.terminatedBySignal = 9'
invalid "neither exitStatus nor terminatedBySignal refused" $I int-run.json 'del(.exitStatus)'
invalid "exitStatus above 255 refused" $I int-run.json '.exitStatus = 256'
invalid "unknown internal parameter refused" $I int-run.json '.attestation = "x"'
invalid "unknown host field refused" $I int-run.json '.host.ip = "10.0.0.1"'
invalid "cpuCount as a string refused" $I int-run.json '.host.cpuCount = "2"'
invalid "accelerator of unknown vendor refused" $I int-run.json '.accelerators = [{"vendor": "acme"}]'
invalid "seed as a number refused" $I int-run.json '.seed = 42'

# internalParameters.tpmQuote (spec/tpm.md SPEC-TPM-4): a quote recorded by
# attest run --tpm-quote --pcrs sha256:7 on swtpm (tests/tpm/ take real ones).
cat >quote.json <<'QUOTE'
{"akPublicKey":"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEVZGiQTOUwsYBtYSvQSgGToJlhep4\nSfE6OdLxvnC94f7etQqWrr8j4zHDpzfkU5zKAnkIYoYTGEJWdk/aTBViRg==\n-----END PUBLIC KEY-----\n","attest":"/1RDR4AYACIAC4pL9tH8vGzO1zDofsGikhyeQDEEWkJ2cWElcH4/FFFhACBYKx0KslGxErTkbHK1eAG0qF38yEOnC14mZBjk+eH4pQAAAAAAAABhvmRa3vbQAxgB5oys3KFIlpMAAAABAAsDgAAAACBmaHqt+GK9d2yPwYuOn44gCJcUhW7iM7OQKlkdDV8pJQ==","nonceBinding":"mlattest-quote-v2","pcrSelection":"sha256:7","pcrValues":{"7":"0000000000000000000000000000000000000000000000000000000000000000"},"signature":"MEQCIGjFYpBDj69SBL79Np8JPtCrOD6IS/GurwM8O5wh7BTKAiAaVhl3KqT3SNeU17dudBm101+aLtqmgSlEjtnV24z1cA==","version":1}
QUOTE
jq --slurpfile q quote.json '.tpmQuote = $q[0]' int-run.json >int-quote.json 2>/dev/null
valid "internal schema accepts a tpmQuote" $I int-quote.json
invalid "tpmQuote as a string refused" $I int-run.json '.tpmQuote = "x"'
invalid "tpmQuote without signature refused" $I int-quote.json 'del(.tpmQuote.signature)'
invalid "unknown tpmQuote field refused" $I int-quote.json '.tpmQuote.eventLog = []'
invalid "tpmQuote version 2 refused" $I int-quote.json '.tpmQuote.version = 2'
invalid "unknown nonceBinding refused" $I int-quote.json '.tpmQuote.nonceBinding = "other"'
invalid "v1 nonceBinding refused (SPEC-TPM-16)" $I int-quote.json '.tpmQuote.nonceBinding = "mlattest-quote-v1"'
invalid "attest not base64 refused" $I int-quote.json '.tpmQuote.attest = "not base64!"'
invalid "pcrSelection of unknown bank refused" $I int-quote.json '.tpmQuote.pcrSelection = "md5:7"'
invalid "PCR index 24 refused" $I int-quote.json '.tpmQuote.pcrValues["24"] = .tpmQuote.pcrValues["7"]'
invalid "uppercase PCR value refused" $I int-quote.json '.tpmQuote.pcrValues["7"] = ("A" + .tpmQuote.pcrValues["7"][1:])'
invalid "akPublicKey not PEM refused" $I int-quote.json '.tpmQuote.akPublicKey = "MFkwEwYH"'

# SPEC-RUN-9, SPEC-RUN-10: a directory output's file list, an unchanged one.
mkdir -p mdir && echo w >mdir/w.bin
expect "attest run (directory output left unchanged, allowed)" 0 "$ATTEST" run \
	--key trainer.key --output mdir/ --allow-unchanged-output \
	--bundle dir.intoto.jsonl -- true
payload dir.intoto.jsonl | jq .predicate.buildDefinition.internalParameters >int-dir.json 2>/dev/null
valid "internal schema accepts outputFiles and unchangedOutputs" $I int-dir.json
invalid "outputFiles entry without its manifest refused" $I int-dir.json 'del(.outputFiles[0].manifest)'
invalid "outputFiles entry for a file refused" $I int-dir.json '.outputFiles[0].name = "mdir"'
invalid "empty unchangedOutputs refused" $I int-dir.json '.unchangedOutputs = []'

summary

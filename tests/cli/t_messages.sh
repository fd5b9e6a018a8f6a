# Messages that say what is wrong and what to do, each by its exact text
# and exit status, each beside a twin that the same command accepts.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
PY=/usr/bin/python3
q() { "$@" >/dev/null 2>&1 || { echo "setup failed: $*" >&2; exit 1; }; }

mkdir keys
for who in alice trainer; do q "$ATTEST" key generate --out "keys/$who"; done
printf 'weights\n' >model.bin
statement st.json model.bin
printf '{"accuracy": 0.9}\n' >m.json

# A public key where the private key is needed.
expect_err "sign with a .pub" 2 '^attest: keys/alice\.pub is a public key; sign with the private key, e\.g\. keys/alice\.key$' \
	"$ATTEST" sign --key keys/alice.pub st.json
expect_err "approve with a .pub" 2 '^attest: keys/alice\.pub is a public key; sign with the private key, e\.g\. keys/alice\.key$' \
	"$ATTEST" approve --key keys/alice.pub --stage production model.bin
cp keys/alice.pub alice-pem
expect_err "a public key under another name" 2 '^attest: alice-pem is a public key; sign with the private key, e\.g\. alice-pem\.key$' \
	"$ATTEST" sign --key alice-pem st.json
cp keys/alice.pub keys/alice.pub.pem
expect_err "a .pub.pem names the .key" 2 '^attest: keys/alice\.pub\.pem is a public key; sign with the private key, e\.g\. keys/alice\.key$' \
	"$ATTEST" sign --key keys/alice.pub.pem st.json
expect_out "twin: attest key public still takes a .pub" 0 '^-----BEGIN PUBLIC KEY-----$' "$ATTEST" key public keys/alice.pub
expect "twin: sign with the .key" 0 "$ATTEST" sign --key keys/alice.key st.json

# --bundle and --capture-logs in a directory that does not exist: named,
# and the command is not run.
expect_err "--bundle in a missing directory" 2 '^attest: --bundle ev/x\.jsonl: no such directory ev; create it first \(mkdir -p ev\)$' \
	"$ATTEST" sign --key keys/alice.key --bundle ev/x.jsonl st.json
expect_err "attest run --bundle in a missing directory" 2 '^attest: --bundle ev/x\.jsonl: no such directory ev; create it first \(mkdir -p ev\)$' \
	"$ATTEST" run --key keys/trainer.key --output out.bin --bundle ev/x.jsonl -- sh -c 'echo ran >out.bin'
[ ! -e out.bin ] && pass "the run did not start" || fail "the command ran before the refusal"
expect_err "--capture-logs in a missing directory" 2 '^attest: --capture-logs logs/run1: no such directory logs; create it first \(mkdir -p logs\)$' \
	"$ATTEST" run --key keys/trainer.key --output out.bin --capture-logs logs/run1 --bundle run.jsonl -- sh -c 'echo ran >out.bin'
[ ! -e out.bin ] && [ ! -e run.jsonl ] && pass "nothing ran, nothing written" || fail "work done before the refusal"
mkdir ev logs
expect "twin: --bundle ev/x.jsonl once ev exists" 0 "$ATTEST" sign --key keys/alice.key --bundle ev/x.jsonl st.json
expect "twin: --capture-logs logs/run1 once logs exists" 0 "$ATTEST" run --key keys/trainer.key \
	--output out.bin --capture-logs logs/run1 --bundle run.jsonl -- sh -c 'echo ran >out.bin'
[ -s logs/run1/stdout.log ] || [ -e logs/run1/stdout.log ] && pass "logs/run1 created" || fail "logs/run1 missing"

# An existing --bundle that is not .jsonl is not replaced (every attest
# command that writes --bundle), unless --force.
mkdir -p data && printf 'a,b\n1,2\n' >data/x.csv
wants='^attest: --bundle model\.att\.json exists and would be replaced: use a \.jsonl bundle to add to it \(e\.g\. --bundle model\.att\.intoto\.jsonl\), or --force to replace it$'
refuse() {
	local name=$1
	shift
	printf 'first\n' >model.att.json
	expect_err "$name: existing model.att.json refused" 2 "$wants" "$@" --bundle model.att.json
	[ "$(cat model.att.json)" = first ] && pass "$name: model.att.json untouched" || fail "$name: model.att.json replaced"
	expect "$name: --force replaces it" 0 "$@" --force --bundle model.att.json
	jq -e .payload model.att.json >/dev/null 2>&1 && pass "$name: replaced by an envelope" || fail "$name: not replaced"
}
refuse "sign" "$ATTEST" sign --key keys/alice.key st.json
refuse "approve" "$ATTEST" approve --key keys/alice.key --stage production model.bin
refuse "dataset" "$ATTEST" dataset --key keys/alice.key --name d data
refuse "intake" "$ATTEST" intake --key keys/alice.key --source https://example.com/m \
	--sourcing open-weights --risk-tier low model.bin
refuse "eval" "$ATTEST" eval --key keys/alice.key --model model.bin --dataset data --metrics m.json
run_att() { "$ATTEST" run --key keys/trainer.key --output out.bin "$@" -- sh -c 'echo again >out.bin'; }
refuse "run" run_att
rm -f two.intoto.jsonl
for who in alice trainer; do
	q "$ATTEST" approve --key "keys/$who.key" --stage production --bundle two.intoto.jsonl model.bin
done
[ "$(wc -l <two.intoto.jsonl)" -eq 2 ] && pass "twin: two approvals into a .jsonl keep both" || fail "jsonl lost a line"
expect_err "a --bundle named x.intoto.json suggests x.intoto.jsonl" 2 'e\.g\. --bundle x\.intoto\.jsonl\)' \
	sh -c "printf x >x.intoto.json && '$ATTEST' sign --key keys/alice.key --bundle x.intoto.json st.json"

# verify: a misspelt subcommand.
expect_err "verify polcy" 2 '^verify: no such file polcy; did you mean verify policy\?$' \
	"$VERIFY" polcy --policy p.json --bundle b.jsonl model.bin
expect_err "verify reprot" 2 '^verify: no such file reprot; did you mean verify report\?$' \
	"$VERIFY" reprot --bundle b.jsonl
expect_err "verify modle" 2 '^verify: no such file modle; did you mean verify model\?$' \
	"$VERIFY" modle --key keys/alice.pub model
q "$ATTEST" sign --key keys/alice.key --bundle polcy st.json
expect "twin: a bundle file named polcy is verified" 0 "$VERIFY" polcy --key keys/alice.pub
expect_err "twin: a far word is a missing bundle" 3 '^verify: keys/nope\.pub' "$VERIFY" zzz --key keys/nope.pub

# attest manifest --merge with a slice missing.
mkdir -p tree && for i in 1 2 3 4 5 6; do printf '%s\n' "$i" >"tree/f$i"; done
q "$ATTEST" manifest --shard-of 0/2 --out s0.json tree
q "$ATTEST" manifest --shard-of 1/2 --out s1.json tree
for i in 0 1 2; do q "$ATTEST" manifest --shard-of "$i/3" --out "t$i.json" tree; done
expect_err "merge: slice 2/2 missing" 1 '^attest: have slices 1 of 2; missing slice 2/2 \(hashed with --shard-of 1/2\)$' \
	"$ATTEST" manifest --merge --out merged.json s0.json
expect_err "merge: slices 1/3 and 3/3 missing" 1 '^attest: have slices 2 of 3; missing slices 1/3, 3/3 \(hashed with --shard-of 0/3, 2/3\)$' \
	"$ATTEST" manifest --merge --out merged.json t1.json
[ ! -e merged.json ] && pass "no merged manifest written" || fail "a merged manifest was written"
expect "twin: merge with every slice" 0 "$ATTEST" manifest --merge --out merged.json s1.json s0.json

# A hyperparameter key given twice.
expect_err "--param lr twice" 2 '^attest: --param: key lr given twice \(lr=1, then lr=2\); give each key once$' \
	"$ATTEST" run --key keys/trainer.key --output out2.bin --param lr=1 --param lr=2 -- sh -c 'echo x >out2.bin'
(umask 077 && printf 'lr=3\n' >lr.params && printf 'mix=1\nmix=2\n' >mix2.params)
expect_err "--param and --private-params with one key" 2 '^attest: lr.params: line 1: key lr given twice; give each key once$' \
	"$ATTEST" run --key keys/trainer.key --output out2.bin --param lr=1 --private-params lr.params --commitments c.json -- sh -c 'echo x >out2.bin'
grep -q 'lr=3' "$T/err" && fail "a private value was echoed" || pass "duplicate private key: the value is not echoed"
expect_err "--private-params with one key twice" 2 '^attest: mix2.params: line 2: key mix given twice; give each key once$' \
	"$ATTEST" run --key keys/trainer.key --output out2.bin --private-params mix2.params --commitments c.json -- sh -c 'echo x >out2.bin'
[ ! -e out2.bin ] && pass "duplicate keys: the run did not start" || fail "the run started"
expect "twin: distinct keys" 0 "$ATTEST" run --key keys/trainer.key --output out2.bin --param lr=1 \
	--param lr2=2 --bundle p.intoto.jsonl -- sh -c 'echo x >out2.bin'
[ "$(tail -n1 p.intoto.jsonl | jq -r .payload | base64 -d | jq -c .predicate.buildDefinition.externalParameters.parameters)" = '{"lr":"1","lr2":"2"}' ] &&
	pass "twin: both parameters recorded" || fail "parameters recorded wrong"

summary

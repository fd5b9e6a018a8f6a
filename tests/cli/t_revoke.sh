# attest revoke and verify policy's revocation section over a
# two-generation chain built with attest: dataset D1 -> base model; D2 +
# base model -> fine-tuned model, each evaluated on held-out data and
# approved. A fresh empty list admits; each revoked item denies naming it;
# a missing, stale or foreign list is undecided.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

# shellcheck source=tests/cli/chain2.sh
. "$(dirname "$0")/chain2.sh"

jq -n '{policyVersion: 1,
  keys: {steward: {publicKey: "steward.pub"}, trainer: {publicKey: "trainer.pub"},
         evaluator: {publicKey: "evaluator.pub"}, alice: {publicKey: "alice.pub"},
         bob: {publicKey: "bob.pub"}, carol: {publicKey: "carol.pub"},
         mallory: {publicKey: "mallory.pub"}},
  dataset: {signers: ["steward"], requireLicense: true},
  training: {signers: ["trainer"], requireSuccess: true, requireAttestedDatasets: true},
  evaluation: {signers: ["evaluator"], requireHeldOut: true},
  approval: {stage: "production", signers: ["alice", "bob", "carol"], threshold: 2},
  revocation: {signers: ["steward"], maxAge: "24h"}}' >pol.json

pol() { "$VERIFY" policy --policy "${POLICY:-pol.json}" --bundle all.jsonl "$@"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
line() { sed -n "${2}p" "$1" | tr -d '\n' | sha256sum | cut -d' ' -f1; }

# --- attest revoke ------------------------------------------------------------
expect_err "attest revoke writes serial 1" 0 'rev\.json: serial 1, 0 digests, 0 keys' \
	"$ATTEST" revoke --key steward.key --list rev.json
expect_err "a list is replaced only by its own signer" 1 'rev\.json: not signed by this --key' \
	"$ATTEST" revoke --key mallory.key --list rev.json
cp rev.json rev-tampered.json
jq '.payload |= (@base64d | sub("\"serial\":1"; "\"serial\":9") | @base64)' rev.json >rev-tampered.json
expect_err "a tampered list is not replaced" 1 'rev-tampered\.json: not signed by this --key' \
	"$ATTEST" revoke --key steward.key --list rev-tampered.json --add "sha256:$(sha ft.json)" --reason x
expect_err "--add without --reason refused" 2 '--add data2 needs --reason' \
	"$ATTEST" revoke --key steward.key --list rev.json --add data2
expect_err "--add-key without --since refused" 2 '--add-key alice.pub needs --since' \
	"$ATTEST" revoke --key steward.key --list rev.json --add-key alice.pub --reason x
expect_err "--reason with nothing before it refused" 2 '--reason follows --add or --add-key' \
	"$ATTEST" revoke --key steward.key --list rev.json --reason x
expect_err "--since not RFC 3339 refused" 2 '--since: expected an RFC 3339 time' \
	"$ATTEST" revoke --key steward.key --list rev.json --add-key alice.pub --since soon --reason x
expect_err "--next-update 1w refused" 2 '--next-update: expected a duration' \
	"$ATTEST" revoke --key steward.key --list rev.json --next-update 1w
expect_err "--remove of something not listed refused" 2 'rev\.json lists no such digest or key' \
	"$ATTEST" revoke --key steward.key --list rev.json --remove "sha256:$(sha ft.json)"
expect_err "a .jsonl list refused" 2 'name it \.json, not \.jsonl' \
	"$ATTEST" revoke --key steward.key --list rev.jsonl
[ "$(jq -r .payload rev.json | base64 -d | jq .predicate.serial)" = 1 ] &&
	pass "refused runs left the list alone" || fail "refused runs changed the list"
expect_err "an empty list renewed: serial 2" 0 'serial 2, 0 digests' \
	"$ATTEST" revoke --key steward.key --list rev.json
cp rev.json empty.json

# revoke NAME OPTIONS...: a copy of the empty list with the changes, in NAME.json.
revoke() {
	local n=$1
	shift
	cp empty.json "$n.json" && "$ATTEST" revoke --key steward.key --list "$n.json" "$@" >/dev/null 2>&1 ||
		{ echo "setup failed: revoke $n $*" >&2; exit 1; }
}

# --- revocation.fresh ---------------------------------------------------------
expect_out "fresh empty list: fine-tune admitted" 0 'PASS +revocation\.fresh' pol --revocations empty.json ft.json
expect_out "fresh empty list: base model admitted" 0 'PASS +lineage\.not-revoked' pol --revocations empty.json base.json
expect_out "no list: undecided" 3 'UNDECIDED +revocation\.fresh +no revocation list signed by a revocation key' pol ft.json
"$ATTEST" revoke --key mallory.key --list foreign.json >/dev/null 2>&1
expect_out "a list by a non-revocation key does not count" 3 'UNDECIDED +revocation\.fresh' \
	pol --revocations foreign.json ft.json
expect_out "... and is reported as uncounted" 3 'UNCOUNTED foreign\.json:1 revocation list signed by the mallory key, which is not a revocation signer' \
	pol --revocations foreign.json ft.json
cat all.jsonl empty.json >all-rev.jsonl
expect "a list found in a --bundle counts" 0 "$VERIFY" policy --policy pol.json --bundle all-rev.jsonl ft.json
expect "verify policy --revocations missing.json: exit 3" 3 pol --revocations missing.json ft.json
cp empty.json short.json
"$ATTEST" revoke --key steward.key --list short.json --next-update 1s >/dev/null 2>&1
cp empty.json stale-ft.json
"$ATTEST" revoke --key steward.key --list stale-ft.json --next-update 1s --add ft.json --reason r >/dev/null 2>&1
jq '.revocation.maxAge = "1s"' pol.json >pol-1s.json
sleep 2
expect_out "a list past its nextUpdate: undecided" 3 'UNDECIDED +revocation\.fresh +short\.json:1: revocation list serial 3 is past its nextUpdate' \
	pol --revocations short.json ft.json
POLICY=pol-1s.json expect_out "a list older than revocation.maxAge: undecided" 3 \
	'UNDECIDED +revocation\.fresh +empty\.json:1: revocation list serial 2 is older than revocation.maxAge' \
	pol --revocations empty.json ft.json
expect_out "a revoked item denies even with a stale list" 1 'FAIL +lineage\.not-revoked' \
	pol --revocations stale-ft.json "sha256:$(sha ft.json)"

# --- lineage.not-revoked: each kind of item, each generation --------------------
# deny NAME LIST ARTIFACT PATTERN
deny() { expect_out "deny: $1" 1 "FAIL +lineage\\.not-revoked +$4" pol --revocations "$2.json" "$3"; }
R='revoked by [a-z0-9-]+\.json:1 serial 3'
revoke r-ft --add ft.json --reason "swapped weights"
deny "the fine-tuned model itself" r-ft ft.json "the model ft\\.json is $R: swapped weights"
revoke r-d2 --add data2 --reason "poisoned rows"
deny "D2, training data of the fine-tune" r-d2 ft.json "training dataset data2/ is $R: poisoned rows"
revoke r-d2f --add data2/part-2.csv --reason "one poisoned file"
deny "one file of D2" r-d2f ft.json "file part-2\\.csv of dataset data2/ is $R: one poisoned file"
revoke r-base --add base.json --reason "backdoored base"
deny "the base model of the fine-tune" r-base ft.json "base model base\\.json is $R: backdoored base"
deny "the base model itself" r-base base.json "the model base\\.json is $R: backdoored base"
revoke r-d1 --add data/train --reason "poisoned scrape"
deny "D1, training data of the base model" r-d1 base.json "training dataset data/train/ is $R: poisoned scrape"
revoke r-d1f --add data/train/part-1.csv --reason "label flips"
deny "one file of D1" r-d1f base.json "file part-1\\.csv of dataset data/train/ is $R: label flips"
revoke r-code --add "gitCommit:$COMMIT" --reason "backdoored loader"
deny "the code commit of the base model" r-code base.json "code commit of .* is $R: backdoored loader"
revoke r-test --add data/test --reason "test set leaked"
deny "the evaluation dataset" r-test ft.json "evaluation dataset .* is $R: test set leaked"
revoke r-dsatt --add "sha256:$(line ds2.jsonl 1)" --reason "steward key misused"
deny "the dataset attestation a run names" r-dsatt ft.json "dataset attestation of data2/ is $R"
revoke r-run --add "sha256:$(line run2.jsonl 1)" --reason "builder compromised"
deny "the training provenance used" r-run ft.json "attestation all\\.jsonl:5 is $R: builder compromised"
revoke r-appr --add "sha256:$(line appr-ft.jsonl 2)" --reason "approval under duress"
deny "an approval used" r-appr ft.json "attestation all\\.jsonl:11 is $R: approval under duress"
expect_out "a revocation about the fine-tune leaves the base model admitted" 0 'PASS +lineage\.not-revoked' \
	pol --revocations r-ft.json base.json
expect_out "the deny names the ATLAS technique" 1 'lineage\.not-revoked .*\[AML\.T0020 poison training data\]' \
	pol --revocations r-d2.json ft.json

# --- serials --------------------------------------------------------------------
cp r-d2.json r-d2-old.json
"$ATTEST" revoke --key steward.key --list r-d2.json --remove "sha256:$(jq -r .payload r-d2.json | base64 -d | jq -r '.predicate.entries[0].digest.sha256')" >/dev/null 2>&1
expect "--remove restores admit" 0 pol --revocations r-d2.json ft.json
expect "a lower serial does not win over a higher one (old first)" 0 pol --revocations r-d2-old.json --revocations r-d2.json ft.json
expect "a lower serial does not win over a higher one (old last)" 0 pol --revocations r-d2.json --revocations r-d2-old.json ft.json
expect_out "... and is reported as replaced" 0 'UNCOUNTED r-d2-old\.json:1 revocation list serial 3, replaced by r-d2\.json:1 serial 4 of the same signer' \
	pol --revocations r-d2.json --revocations r-d2-old.json ft.json
expect "the old list alone still denies" 1 pol --revocations r-d2-old.json ft.json

# --- revoked keys -----------------------------------------------------------------
revoke r-alice --add-key alice.pub --since 2026-01-01T00:00:00Z --reason "laptop stolen"
expect_out "a revoked key's approval does not count toward k-of-n" 1 'FAIL +approval\.threshold +1 of 2 required approvals' \
	pol --revocations r-alice.json ft.json
expect_out "... and is reported as uncounted, naming the list" 1 'UNCOUNTED all\.jsonl:10 signed by alice, a key revoked since 2026-01-01T00:00:00Z by r-alice\.json:1 serial 3: laptop stolen' \
	pol --revocations r-alice.json ft.json
q "$ATTEST" approve --key carol.key --stage production --bundle appr-carol.jsonl ft.json
expect "another approver makes up the threshold" 0 pol --bundle appr-carol.jsonl --revocations r-alice.json ft.json
revoke r-trainer --add-key trainer.pub --since 2026-01-01T00:00:00Z --reason "builder key leaked"
expect_out "a revoked training key: no provenance counts" 1 'FAIL +training\.provenance' \
	pol --revocations r-trainer.json ft.json

# --- training.baseModel "require-provenance": the base model's lineage too ------
jq '.training.baseModel = "require-provenance"' pol.json >polp.json
polp() { POLICY=polp.json pol "$@"; }
expect_out "require-provenance: the chain admits" 0 'PASS +training\.base-model +all\.jsonl:4' \
	polp --revocations empty.json ft.json
expect_out "... and the report shows the chain" 0 "^CHAIN +generation 1 base model base\\.json sha256:$(sha base.json) named by all\\.jsonl:5, trained by all\\.jsonl:4\$" \
	polp --revocations empty.json ft.json
expect "... in the JSON report too" 0 polp --revocations empty.json --json rp.json ft.json
[ "$(jq -c '[.chain[] | [.generation, .name, .trainedBy]]' rp.json 2>/dev/null)" = '[[1,"base.json","all.jsonl:4"]]' ] &&
	pass "JSON chain: generation 1, base.json, trained by all.jsonl:4" || fail "JSON chain"
# denyp NAME LIST PATTERN: the fine-tune is denied for its base model's lineage.
denyp() { expect_out "deny (generation 1): $1" 1 "FAIL +lineage\\.not-revoked +base model base\\.json \\(generation 1\\): $3" polp --revocations "$2.json" ft.json; }
denyp "D1 behind the fine-tune" r-d1 "training dataset data/train/ is $R: poisoned scrape"
denyp "one file of D1 behind the fine-tune" r-d1f "file part-1\\.csv of dataset data/train/ is $R: label flips"
denyp "the code commit of the base model's run" r-code "code commit of .* is $R: backdoored loader"
revoke r-run1 --add "sha256:$(line run1.jsonl 1)" --reason "builder compromised"
expect_out "deny (generation 1): the base model's training provenance" 1 "FAIL +lineage\\.not-revoked +attestation all\\.jsonl:4 is $R: builder compromised" \
	polp --revocations r-run1.json ft.json
expect "without require-provenance D1 does not reach the fine-tune" 0 pol --revocations r-d1.json ft.json
sed 1d all.jsonl >no-d1.jsonl
expect_out "the base model's data must be attested" 1 'FAIL +training\.base-model +base model base\.json \(generation 1\): dataset\.attested: training input data/train/ has no dataset attestation signed by a dataset key' \
	"$VERIFY" policy --policy polp.json --bundle no-d1.jsonl --revocations empty.json ft.json
sed 4d all.jsonl >no-run1.jsonl # all.jsonl:4 is run1.jsonl:1
expect_out "the base model needs an attested run" 1 'FAIL +training\.base-model +base model base\.json \(generation 1\): training\.provenance: no training provenance for sha256:[0-9a-f]{64} signed by a training key' \
	"$VERIFY" policy --policy polp.json --bundle no-run1.jsonl --revocations empty.json ft.json

# A cycle: a provenance of the fine-tune naming the fine-tune as its own base.
sed -n 1p run2.jsonl | jq -r .payload | base64 -d |
	jq --arg f "$(sha ft.json)" '(.predicate.buildDefinition.resolvedDependencies[] | select(.annotations.role == "base-model") | .digest) = {sha256: $f}' >cycle.json
q "$ATTEST" sign --key trainer.key --bundle cycle.jsonl cycle.json
expect_out "a base model chain that loops is refused" 1 'FAIL +training\.base-model +cycle\.jsonl:1: base model base\.json is a model it was trained into \(a cycle\)' \
	polp --bundle cycle.jsonl --revocations empty.json ft.json
# 17 generations of signed provenances: deeper than the ceiling of 16.
prev=$(sha ft.json)
: >deep.jsonl
for g in $(seq 1 17); do
	cur=$(printf 'gen %d' "$g" | sha256sum | cut -d' ' -f1)
	jq -n --arg s "$prev" --arg b "$cur" '{_type: "https://in-toto.io/Statement/v1",
		subject: [{name: "m", digest: {sha256: $s}}], predicateType: "https://slsa.dev/provenance/v1",
		predicate: {buildDefinition: {buildType: "x", externalParameters: {},
		  resolvedDependencies: [{name: "b", digest: {sha256: $b}, annotations: {role: "base-model"}}]},
		  runDetails: {builder: {id: "x"}}}}' >deep.json
	q "$ATTEST" sign --key trainer.key --bundle deep.jsonl deep.json
	prev=$cur
done
expect_out "a base model chain deeper than 16 generations is refused" 1 'FAIL +training\.base-model +deep\.jsonl:17: base model b is deeper than 16 generations' \
	polp --bundle deep.jsonl --revocations empty.json ft.json

# --- a revoked key's signature timestamped before its since (RFC 3161) ------------
# shellcheck source=tests/tsa/tsalib.sh
. "$SRC/tests/tsa/tsalib.sh"
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
command -v python3 >/dev/null || fail "dependency: python3"
mkca one && mkca two && pass "make CAs and TSAs" || fail "make CAs and TSAs"
responder one
[ -n "$PORT" ] && pass "TSA up" || fail "TSA up"
q "$ATTEST" approve --key alice.key --stage production --format sigstore \
	--tsa "http://127.0.0.1:$PORT/" --bundle appr-alice-ts.json ft.json
sed 10d all.jsonl >no-alice.jsonl # all.jsonl:10 is alice's approval of ft.json
LATER=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
revoke r-alice-later --add-key alice.pub --since "$LATER" --reason "key to be retired"
tsa() { "$VERIFY" policy --policy pol.json --bundle no-alice.jsonl --bundle appr-alice-ts.json "$@" ft.json; }
expect "a timestamp before since lets the revoked key's approval count" 0 \
	tsa --revocations r-alice-later.json --tsa-cert one/chain.pem
expect_out "... not without --tsa-cert" 1 'FAIL +approval\.threshold +1 of 2 required approvals' \
	tsa --revocations r-alice-later.json
expect_out "... not with another TSA's certificates" 1 'FAIL +approval\.threshold +1 of 2 required approvals' \
	tsa --revocations r-alice-later.json --tsa-cert two/chain.pem
expect_out "... not when since is before the timestamp" 1 'FAIL +approval\.threshold +1 of 2 required approvals' \
	tsa --revocations r-alice.json --tsa-cert one/chain.pem

summary

# verify lineage --affected over the two-generation chain of chain2.sh:
# D1 reaches both models (the fine-tune through its base model), D2 only
# the fine-tune; every line names the path of attestations; attestations
# no --key signed do not link anything; exit 0 when nothing is affected.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
# shellcheck source=tests/cli/chain2.sh
. "$(dirname "$0")/chain2.sh"

K=(--key steward.pub --key trainer.pub --key evaluator.pub --key alice.pub --key bob.pub)
lin() { "$VERIFY" lineage "${K[@]}" --bundle all.jsonl "$@"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
B=$(sha base.json)
F=$(sha ft.json)
# count PATTERN: lines of the last stdout matching PATTERN.
count() { grep -cE -- "$1" "$T/out"; }
check() { [ "$2" = "$3" ] && pass "$1" || fail "$1: got '$2', wanted '$3'"; }

expect_out "D1 affects the base model" 1 "^AFFECTED model +base\\.json sha256:$B  via all\\.jsonl:4\$" \
	lin --affected data/train
check "D1 affects the fine-tune through its base model" \
	"$(count "^AFFECTED model +ft\\.json sha256:$F  via all\\.jsonl:4 -> all\\.jsonl:5\$")" 1
check "D1: both models, their evaluations and approvals (8 lines)" "$(wc -l <"$T/out")" 8
expect_err "D1: the summary counts them" 1 '^verify: 8 subjects affected by sha256:[0-9a-f]{64} \(11 of 11 attestations verified\)$' \
	lin --affected data/train
expect_out "D2 affects the fine-tune" 1 "^AFFECTED model +ft\\.json sha256:$F  via all\\.jsonl:5\$" \
	lin --affected data2
check "D2 does not affect the base model" "$(count 'base\.json')" 0
check "D2: the fine-tune, its evaluation and two approvals" "$(wc -l <"$T/out")" 4
expect_out "by digest as by path" 1 "^AFFECTED model +ft\\.json" \
	lin --affected "sha256:$(jq -r .payload ds2.jsonl | base64 -d | jq -r '.subject[0].digest.sha256')"
expect_out "one file shared by D1 and D2 affects both datasets" 1 '^AFFECTED dataset +data2/ ' \
	lin --affected data2/part-0.csv
check "... and both models" "$(count '^AFFECTED model ')" 2
expect_out "the base model affects the fine-tune" 1 "^AFFECTED model +ft\\.json .* via all\\.jsonl:5\$" \
	lin --affected base.json
check "... and not itself" "$(count "^AFFECTED model +base\\.json")" 0
expect_out "the code commit of the base model's run" 1 "^AFFECTED model +ft\\.json" \
	lin --affected "gitCommit:$COMMIT"
expect_out "a provenance line (its model and what follows)" 1 "^AFFECTED model +base\\.json .* via all\\.jsonl:4\$" \
	lin --affected "sha256:$(sed -n 1p run1.jsonl | tr -d '\n' | sha256sum | cut -d' ' -f1)"
expect_out "the test set affects the evaluations only" 1 '^AFFECTED evaluation ' lin --affected data/test
check "... two of them, no model" "$(count '^AFFECTED')" 2
expect_err "nothing affected: exit 0" 0 '^verify: 0 subjects affected by sha256:0{64}' \
	lin --affected "sha256:$(printf '%064d' 0)"
expect "--json -: the answer on stdout" 1 lin --affected data2 --json -
check "--json: four subjects with their paths" \
	"$(jq -c '[.subjects[] | [.kind, .name, ([.path[].source] | join(">"))]]' "$T/out")" \
	'[["model","ft.json","all.jsonl:5"],["evaluation","ft.json","all.jsonl:5>all.jsonl:7"],["approval","ft.json","all.jsonl:5>all.jsonl:10"],["approval","ft.json","all.jsonl:5>all.jsonl:11"]]'

# Only signed links count: without the trainer's key no provenance links.
expect_err "without the training key the test set reaches the two evaluations" 1 '^verify: 2 subjects affected .*\(5 of 11 attestations verified\)' \
	"$VERIFY" lineage --key steward.pub --key evaluator.pub --bundle all.jsonl --affected data/test
expect_err "without the training key D1 affects nothing" 0 '^verify: 0 subjects affected' \
	"$VERIFY" lineage --key steward.pub --key evaluator.pub --bundle all.jsonl --affected data/train
# A forged provenance (re-signed by mallory) linking D2 to the base model.
payload=$(sed -n 5p all.jsonl | jq -r .payload | base64 -d |
	jq -c --arg b "$B" '.subject[0].digest.sha256 = $b')
printf '%s' "$payload" >forged.json
"$ATTEST" sign --key mallory.key --bundle forged.jsonl forged.json >/dev/null 2>&1
cat all.jsonl forged.jsonl >all-forged.jsonl
expect_out "a link signed by no given key does not count" 1 '^AFFECTED model +ft\.json' \
	"$VERIFY" lineage "${K[@]}" --bundle all-forged.jsonl --affected data2
check "... so D2 still does not reach the base model" "$(count 'base\.json')" 0
expect_out "... which it does when mallory's key is trusted" 1 "^AFFECTED model +ft\\.json sha256:$B  via all-forged\\.jsonl:12\$" \
	"$VERIFY" lineage "${K[@]}" --key mallory.pub --bundle all-forged.jsonl --affected data2

expect_err "no --key: usage" 2 'usage: verify lineage' "$VERIFY" lineage --bundle all.jsonl --affected data2
expect_err "no --affected: usage" 2 'usage: verify lineage' "$VERIFY" lineage "${K[@]}" --bundle all.jsonl
expect_err "a missing PATH: exit 3" 3 'nothere' lin --affected nothere
expect_err "a missing bundle: exit 3" 3 'missing\.jsonl' "$VERIFY" lineage "${K[@]}" --bundle missing.jsonl --affected data2

summary

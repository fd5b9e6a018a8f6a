# verify policy --from: approvals stored in a registry next to the model
# image count like those in local bundle files; a forged one does not.
# shellcheck source=tests/oci/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

start_registry && pass "registry up on $REG" || { fail "registry up"; summary; exit 1; }
for who in alice bob carol mallory; do "$ATTEST" key generate --out "$who" 2>/dev/null; done
IMG=$(image_push ml/model)
[ ${#IMG} -eq 64 ] && pass "model image pushed" || fail "image push"
REF="$REG/ml/model@sha256:$IMG"

jq -n '{policyVersion: 1,
	keys: {alice: {publicKey: "alice.pub"}, bob: {publicKey: "bob.pub"}, carol: {publicKey: "carol.pub"}},
	approval: {stage: "production", signers: ["alice", "bob", "carol"], threshold: 2}}' >pol.json
approve() { "$ATTEST" approve --key "$1.key" --stage production --bundle "$2" "sha256:$IMG" 2>/dev/null; }
approve alice a.jsonl
approve bob b.jsonl
approve mallory m.jsonl
expect "push alice's approval" 0 "$ATTEST" push --insecure --bundle a.jsonl "$REF"
expect "push mallory's approval" 0 "$ATTEST" push --insecure --bundle m.jsonl "$REF"

pol() { "$VERIFY" policy --policy pol.json --insecure "$@" "sha256:$IMG"; }
expect_out "one approval in the registry is not two" 1 "FAIL +approval.threshold" pol --from "$REF"
expect "registry plus a local bundle admits" 0 pol --from "$REF" --bundle b.jsonl
expect "push bob's approval" 0 "$ATTEST" push --insecure --bundle b.jsonl "$REF"
expect "both approvals from the registry admit" 0 pol --from "$REF"
expect_err "--insecure to a non-loopback registry" 2 "loopback" "$VERIFY" policy --policy pol.json \
	--insecure --from "registry.invalid/ml/model@sha256:$IMG" "sha256:$IMG"
stop_registry
expect_err "registry down: could not decide" 3 "$REG" pol --from "$REF"

summary

# attest run: wraps real commands; every field, signals, failures, secrets.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "missing dependency: /usr/bin/python3" >&2; exit 1; }

"$ATTEST" key generate --out trainer 2>/dev/null
"$ATTEST" key generate --out steward 2>/dev/null
cp -r "$SRC/demo/data" data
cp "$SRC/demo/train.py" train.py
printf 'lr: 3\n' >config.yaml
"$ATTEST" dataset --key steward.key --name demo-train --classification internal \
	--license CC-BY-4.0 --bundle ds.intoto.jsonl data/train 2>/dev/null

export HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz123456
export MY_API_KEY=plain
export CUDA_VISIBLE_DEVICES=0
export OMP_NUM_THREADS=2
export SAFE_LOOKING="Bearer abcdef"
(umask 077 && printf 'secret_mix=0.125\n' >private.params)
expect "attest run wraps train.py" 0 "$ATTEST" run --key trainer.key \
	--input data/train --input config.yaml --dataset ds.intoto.jsonl \
	--config config.yaml --param lr=3 --param epochs=50 \
	--private-params private.params --commitments salts.json \
	--env HF_TOKEN --env MY_API_KEY --env SAFE_LOOKING --seed 42 \
	--capture-logs logs --output model.json --bundle model.intoto.jsonl \
	-- "$PY" train.py data/train model.json --lr 3 --epochs 50
grep -q "train.py: 600 rows" logs/stdout.log && pass "stdout captured to the log" || fail "log capture"
grep -q "train.py: 600 rows" "$T/out" && pass "stdout passed through" || fail "stdout passthrough"
P() { jq -r .payload model.intoto.jsonl | tail -1 | base64 -d; }
chk() { # chk NAME JQ-FILTER EXPECTED
	local got
	got=$(P | jq -r "$2")
	[ "$got" = "$3" ] && pass "$1" || fail "$1: got '$got', wanted '$3'"
}
chk "predicateType" .predicateType https://slsa.dev/provenance/v1
chk "buildType" .predicate.buildDefinition.buildType https://mlattest.dev/buildtypes/training/v1
chk "subject is the model" '.subject[0].digest.sha256' "$(sha256sum model.json | cut -d' ' -f1)"
chk "command recorded" '.predicate.buildDefinition.externalParameters.command[1]' train.py
chk "param recorded" '.predicate.buildDefinition.externalParameters.parameters.lr' 3
chk "private param only as commitment" '.predicate.buildDefinition.externalParameters.privateParameters.secret_mix.sha256 | length' 64
P | grep -q 0.125 && fail "private value leaked" || pass "private value absent"
chk "config by digest" '.predicate.buildDefinition.externalParameters.configs[0].digest.sha256' "$(sha256sum config.yaml | cut -d' ' -f1)"
chk "dataset linked" '[.predicate.buildDefinition.resolvedDependencies[] | select(.annotations.role=="dataset")] | .[0].annotations.dataset' demo-train
chk "input by digest" '[.predicate.buildDefinition.resolvedDependencies[] | select(.name=="config.yaml")] | .[0].digest.sha256' "$(sha256sum config.yaml | cut -d' ' -f1)"
chk "seed" .predicate.buildDefinition.internalParameters.seed 42
chk "exit status" .predicate.buildDefinition.internalParameters.exitStatus 0
chk "host cores" '.predicate.buildDefinition.internalParameters.host.cpuCount' "$(nproc)"
chk "allowlisted env" .predicate.buildDefinition.externalParameters.environment.CUDA_VISIBLE_DEVICES 0
chk "secret names redacted" '.predicate.buildDefinition.externalParameters.redactedEnvironment | sort | join(",")' HF_TOKEN,MY_API_KEY,SAFE_LOOKING
P | grep -q -e hf_abcdef -e plain -e "Bearer" && fail "secret value leaked" || pass "no secret values"
chk "builder id" .predicate.runDetails.builder.id https://mlattest.dev/builders/attest-run/v1
chk "invocation id is a UUID" '.predicate.runDetails.metadata.invocationId | test("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")' true
chk "startedOn RFC 3339" '.predicate.runDetails.metadata.startedOn | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")' true
chk "log byproduct" '.predicate.runDetails.byproducts[0].digest.sha256' "$(sha256sum logs/stdout.log | cut -d' ' -f1)"
mode=$(stat -c %a salts.json)
[ "$mode" = 600 ] && pass "commitments file 0600" || fail "commitments mode $mode"
salt=$(jq -r .parameters.secret_mix.salt salts.json)
c=$(P | jq -r .predicate.buildDefinition.externalParameters.privateParameters.secret_mix.sha256)
re=$( { printf '%s' "$salt" | xxd -r -p; printf 'secret_mix=0.125'; } | sha256sum | cut -d' ' -f1)
[ "$re" = "$c" ] && pass "auditor recomputes the commitment" || fail "commitment mismatch"
re=$( { printf '%s' "$salt" | xxd -r -p; printf 'secret_mix=0.5'; } | sha256sum | cut -d' ' -f1)
[ "$re" != "$c" ] && pass "wrong value does not match the commitment" || fail "commitment accepts wrong value"
expect "provenance verifies with the model" 0 "$VERIFY" --key trainer.pub --artifact model.json model.intoto.jsonl
cp model.json model.orig
printf ' ' >>model.json
expect_out "swapped model rejected" 1 '^FAIL  artifact model\.json sha256:[0-9a-f]{64} is not a subject of any verified statement$' "$VERIFY" --key trainer.pub --artifact model.json model.intoto.jsonl
cp model.orig model.json

# Datasets must match an input.
printf 'x\n' >>data/train/part-0.csv
expect_err "changed dataset refused before the run" 1 "matches the data given" "$ATTEST" run --key trainer.key \
	--input data/train --dataset ds.intoto.jsonl --output m2.json -- true
[ -e m2.json ] && fail "command ran despite dataset mismatch" || pass "command not run"

# Exit status and failures.
expect_err "failing command: exit status kept" 3 '^attest: the command failed; missing outputs: none\.txt$' "$ATTEST" run --key trainer.key --output none.txt --bundle fail.intoto.jsonl -- sh -c 'exit 3'
chk2() { jq -r .payload fail.intoto.jsonl | base64 -d | jq -r "$1"; }
[ "$(chk2 .predicate.buildDefinition.internalParameters.exitStatus)" = 3 ] && pass "failure attested" || fail "failure not attested"
[ "$(chk2 '.subject[0].name')" = _failed-run ] && pass "failed run subject" || fail "failed run subject"
expect_err "command not found: 127, no attestation" 127 "no-such-cmd" "$ATTEST" run --key trainer.key --output x --bundle nf.intoto.jsonl -- no-such-cmd-xyz
[ -e nf.intoto.jsonl ] && fail "attestation written for a command that never ran" || pass "no attestation for 127"
expect_err "missing output after success" 3 "missing.bin" "$ATTEST" run --key trainer.key --output missing.bin --bundle m.intoto.jsonl -- true
expect_err "usage: no command" 2 '^attest: usage: attest run --key KEYREF ' "$ATTEST" run --key trainer.key --output x
expect_err "usage: private params without commitments" 2 "needs --commitments" "$ATTEST" run --key trainer.key --output x --private-params private.params -- true
# SPEC-OUT-3: private values never in argv, the file owner-only.
expect_err "--private-param in argv refused" 2 "visible to every user.*--private-params FILE" \
	"$ATTEST" run --key trainer.key --output x --private-param a=1 --commitments c.json -- sh -c 'touch ran-pp'
[ -e ran-pp ] && fail "the command ran despite --private-param" || pass "--private-param: the command did not run"
printf 'a=1\n' >shared.params && chmod 644 shared.params
expect_err "--private-params readable by others refused" 2 "shared.params: readable by group or others \\(mode 0644\\)" \
	"$ATTEST" run --key trainer.key --output x --private-params shared.params --commitments c.json -- sh -c 'touch ran-pp'
chmod 640 shared.params
expect_err "--private-params readable by group refused" 2 "readable by group or others \\(mode 0640\\)" \
	"$ATTEST" run --key trainer.key --output x --private-params shared.params --commitments c.json -- sh -c 'touch ran-pp'
(umask 077 && printf 'novalue\n' >bad.params)
expect_err "--private-params bad line refused, value not echoed" 2 "bad.params: line 1: expected K=V" \
	"$ATTEST" run --key trainer.key --output x --private-params bad.params --commitments c.json -- sh -c 'touch ran-pp'
grep -q novalue "$T/err" && fail "a private line was echoed" || pass "a private line is not echoed"
[ -e ran-pp ] && fail "the command ran despite bad --private-params" || pass "bad --private-params: the command did not run"
(umask 077 && printf 'x=1\n\ny=secret two\n' >two.params)
expect "--private-params: two lines, an empty one skipped" 0 "$ATTEST" run --key trainer.key --output two.out \
	--private-params two.params --commitments two.salts --bundle two.intoto.jsonl -- sh -c 'echo > two.out'
[ "$(jq -r .payload two.intoto.jsonl | base64 -d | jq -c '.predicate.buildDefinition.externalParameters.privateParameters | keys')" = '["x","y"]' ] &&
	pass "both private parameters committed" || fail "private parameters from the file"
grep -q "secret two" two.intoto.jsonl && fail "a private value in the attestation" || pass "no private value in the attestation"
[ "$(jq -r '.parameters.y.value' two.salts)" = "secret two" ] && pass "commitments file holds the value" || fail "commitments file"
expect_err "--tsa with dsse refused before the run" 2 "sigstore" "$ATTEST" run --key trainer.key \
	--tsa https://tsa.invalid/ --output o.txt -- sh -c 'touch ran-tsa'
expect_err "--tsa plain http to a remote host refused before the run" 2 "loopback" "$ATTEST" run \
	--key trainer.key --format sigstore --tsa http://tsa.invalid/ --output o.txt -- sh -c 'touch ran-tsa'
[ -e ran-tsa ] && fail "the command ran despite a bad --tsa" || pass "bad --tsa: the command did not run"
expect_err "usage: bad --param" 2 '^attest: --param: expected K=V with K at most 128 bytes, got "novalue"$' "$ATTEST" run --key trainer.key --output x --param novalue -- true

# Signals: SIGTERM to attest reaches the child; status 128+15.
rm -f sig.txt
"$ATTEST" run --key trainer.key --output sig.txt --bundle sig.intoto.jsonl -- \
	sh -c 'trap "echo got-term >sig.txt; exit 143" TERM; echo ready >ready.txt; while :; do sleep 0.1; done' &
apid=$!
for _ in $(seq 50); do [ -f ready.txt ] && break; sleep 0.1; done
kill -TERM "$apid"
wait "$apid"
st=$?
[ "$st" -eq 143 ] && pass "exit status after SIGTERM" || fail "exit status after SIGTERM: $st"
grep -q got-term sig.txt 2>/dev/null && pass "SIGTERM forwarded to the child" || fail "SIGTERM not forwarded"
"$ATTEST" run --key trainer.key --output k.txt --bundle k.intoto.jsonl -- sh -c 'kill -KILL $$' 
st=$?
[ "$st" -eq 137 ] && pass "killed child: 128+9" || fail "killed child status $st"
[ "$(jq -r .payload k.intoto.jsonl | base64 -d | jq -r .predicate.buildDefinition.internalParameters.terminatedBySignal)" = 9 ] &&
	pass "signal recorded" || fail "signal not recorded"
printf 'in\n' | "$ATTEST" run --key trainer.key --output o.txt --bundle o.intoto.jsonl -- sh -c 'cat >o.txt' 2>/dev/null
[ "$(cat o.txt)" = in ] && pass "stdin passed through" || fail "stdin not passed"

# Dispositions the caller ignored stay ignored (nohup, background jobs).
rm -f hup.txt
nohup "$ATTEST" run --key trainer.key --output hup.txt --bundle hup.intoto.jsonl -- \
	sh -c 'kill -HUP $PPID; kill -HUP $$; sleep 0.2; echo alive >hup.txt' >/dev/null 2>&1
st=$?
[ "$st" -eq 0 ] && grep -q alive hup.txt 2>/dev/null && pass "nohup: SIGHUP ignored by attest and the child" ||
	fail "nohup: SIGHUP killed the run (exit $st)"
rm -f bg.txt
"$ATTEST" run --key trainer.key --output bg.txt --bundle bg.intoto.jsonl -- \
	sh -c 'kill -INT $PPID; kill -INT $$; sleep 0.2; echo alive >bg.txt' >/dev/null 2>&1 &
wait $!
st=$?
[ "$st" -eq 0 ] && grep -q alive bg.txt 2>/dev/null && pass "background job: SIGINT stays ignored" ||
	fail "background job: SIGINT killed the run (exit $st)"

# SIGPIPE: attest outlives its stdout reader; the child keeps the default.
"$ATTEST" run --key trainer.key --capture-logs plogs --output p.txt --bundle p.intoto.jsonl -- \
	sh -c 'head -c 3000000 /dev/zero; grep ^SigIgn: /proc/self/status >p.txt' 2>"$T/perr" | head -c 10 >/dev/null
st=${PIPESTATUS[0]}
[ "$st" -eq 0 ] && pass "stdout reader gone: attest exits 0" || fail "stdout reader gone: exit $st"
[ "$(stat -c %s plogs/stdout.log 2>/dev/null)" = 3000000 ] && pass "stdout log written whole after EPIPE" ||
	fail "stdout log incomplete after EPIPE"
[ -s p.intoto.jsonl ] && [ "$(jq -r .payload p.intoto.jsonl | base64 -d | jq -r '.predicate.runDetails.byproducts[0].digest.sha256')" = \
	"$(sha256sum plogs/stdout.log | cut -c1-64)" ] && pass "provenance written, log digest matches" ||
	fail "no provenance or log digest mismatch after EPIPE"
ls plogs/*.tmp.* >/dev/null 2>&1 && fail "temp log files left after EPIPE" || pass "no temp log files after EPIPE"
ign=$(awk '{print $2}' p.txt 2>/dev/null)
[ -n "$ign" ] && [ $(((16#$ign >> 12) & 1)) -eq 0 ] && pass "child starts with SIGPIPE default" ||
	fail "child SIGPIPE ignored or unknown ($ign)"

# Descriptors: the child gets 0, 1 and 2 only (no log file, no pipe end)
# when attest itself is started with only those.
only012() { "$PY" -c 'import os, sys; os.closerange(3, 65536); os.execv(sys.argv[1], sys.argv[1:])' "$@"; }
only012 "$ATTEST" run --key trainer.key --capture-logs flogs --output fd.txt --bundle fd.intoto.jsonl -- \
	"$PY" -c '
import os
for f in sorted(os.listdir("/proc/self/fd"), key=int):
    try:
        print(f, os.readlink("/proc/self/fd/" + f))
    except OSError:
        pass
open("fd.txt", "w").close()' >/dev/null 2>&1
got=$(cut -d' ' -f1 flogs/stdout.log | tr '\n' ' ')
[ "$got" = "0 1 2 " ] && pass "child inherits only fds 0 1 2 with --capture-logs" ||
	fail "child inherits fds: $got ($(tr '\n' ';' <flogs/stdout.log))"

# The wrapped command's environment is exactly the caller's (+ --seed).
envdump='import os,sys; sys.stdout.buffer.write(b"\n".join(sorted(k+b"="+v for k,v in os.environb.items())))'
env -u TSS2_LOG MLATTEST_SEED=1 "$PY" -c "$envdump" >env.want
env -u TSS2_LOG MLATTEST_SEED=1 "$ATTEST" run --key trainer.key --output env.txt --bundle env.intoto.jsonl -- \
	sh -c "\"$PY\" -c '$envdump' >env.got; touch env.txt" >/dev/null 2>&1
cmp -s env.want env.got && pass "child environment equals the caller's" ||
	fail "child environment differs: $(diff env.want env.got | grep '^[<>]' | tr '\n' ' ')"
env -u TSS2_LOG MLATTEST_SEED=7 "$PY" -c "$envdump" >env.want
env -u TSS2_LOG MLATTEST_SEED=1 "$ATTEST" run --seed 7 --key trainer.key --output env.txt --bundle env.intoto.jsonl -- \
	sh -c "\"$PY\" -c '$envdump' >env.got; touch env.txt" >/dev/null 2>&1
cmp -s env.want env.got && pass "child environment: the caller's with --seed replacing MLATTEST_SEED" ||
	fail "child environment with --seed differs: $(diff env.want env.got | grep '^[<>]' | tr '\n' ' ')"


# SPEC-RUN-9: an output the command neither created nor modified is an
# error naming it, with nothing signed, unless --allow-unchanged-output.
mkdir -p rerun/model && echo w >rerun/model/w.bin && echo extra >rerun/model/extra && echo o >rerun/out.txt
lines=$(wc -l <model.intoto.jsonl)
expect_err "re-run over an untouched model/: exit 1 naming it" 1 \
	"^attest: the command did not create or modify the output rerun/model/; nothing signed \(--allow-unchanged-output attests it anyway and records it as unchanged\)$" \
	"$ATTEST" run --key trainer.key --output rerun/model/ --bundle model.intoto.jsonl -- true
[ "$(wc -l <model.intoto.jsonl)" = "$lines" ] && pass "untouched output: no bundle line written" ||
	fail "untouched output: a bundle line was written"
expect_err "untouched output to stdout: nothing written" 1 '^attest: the command did not create or modify the output rerun/out\.txt; nothing signed ' "$ATTEST" run --key trainer.key --output rerun/out.txt -- true
[ ! -s "$T/out" ] && pass "untouched output: stdout empty" || fail "untouched output: something signed to stdout"
expect_err "two outputs, one untouched: only it is named" 1 "did not create or modify the output rerun/out.txt; nothing signed" \
	"$ATTEST" run --key trainer.key --output rerun/model/ --output rerun/out.txt --bundle model.intoto.jsonl \
	-- sh -c 'echo x >rerun/model/w.bin'
expect_err "both untouched: both named" 1 "did not create or modify these outputs: rerun/model/, rerun/out.txt; nothing signed" \
	"$ATTEST" run --key trainer.key --output rerun/model/ --output rerun/out.txt -- true
expect_err "a failed command over an untouched output: its status, nothing signed" 5 \
	"did not create or modify the output rerun/model/" \
	"$ATTEST" run --key trainer.key --output rerun/model/ --bundle model.intoto.jsonl -- sh -c 'exit 5'
[ "$(wc -l <model.intoto.jsonl)" = "$lines" ] && pass "refused runs wrote no bundle line" ||
	fail "a refused run wrote a bundle line"
expect "rewriting the same bytes is a modification" 0 "$ATTEST" run --key trainer.key --output rerun/model/ \
	--bundle model.intoto.jsonl -- sh -c 'echo x >rerun/model/w.bin'
chk "a modified output is not marked unchanged" '.predicate.buildDefinition.internalParameters | has("unchangedOutputs")' false
chk "a directory output carries its file list" \
	'.predicate.buildDefinition.internalParameters.outputFiles[0] | [.name, .files, .manifest.files[1].path, .manifest.files[1].sha256] | join(" ")' \
	"rerun/model/ 2 w.bin $(sha256sum rerun/model/w.bin | cut -c1-64)"
expect "touching a file is a modification" 0 "$ATTEST" run --key trainer.key --output rerun/out.txt \
	--bundle model.intoto.jsonl -- touch rerun/out.txt
expect "deleting a file modifies the tree" 0 "$ATTEST" run --key trainer.key --output rerun/model/ \
	--bundle model.intoto.jsonl -- rm rerun/model/extra
expect "--allow-unchanged-output: signed" 0 "$ATTEST" run --key trainer.key --allow-unchanged-output \
	--output rerun/model/ --output rerun/new.txt --bundle model.intoto.jsonl -- sh -c 'echo n >rerun/new.txt'
[ "$(wc -l <model.intoto.jsonl)" = $((lines + 4)) ] && pass "accepted runs each wrote one line" ||
	fail "accepted runs: $(wc -l <model.intoto.jsonl) lines, wanted $((lines + 4))"
chk "--allow-unchanged-output records the unchanged output" \
	'.predicate.buildDefinition.internalParameters.unchangedOutputs | join(",")' "rerun/model/"
chk "the unchanged output is still a subject" '[.subject[].name] | join(",")' "rerun/model/,rerun/new.txt"

# SPEC-STM-5/6: a --code that cannot be read is an error naming it, before
# the command runs and with nothing written; a remote URL that is not UTF-8
# is recorded percent-encoded, never dropped.
rm -f ran.txt
expect_err "--code /nonexistent: exit 3 naming it" 3 '^attest: --code: /nonexistent: ' \
	"$ATTEST" run --key trainer.key --code /nonexistent --output ran.txt --bundle nocode.intoto.jsonl -- touch ran.txt
[ ! -e nocode.intoto.jsonl ] && [ ! -e ran.txt ] && pass "--code /nonexistent: nothing run, nothing written" ||
	fail "--code /nonexistent wrote or ran something"
mkdir notrepo
expect_err "--code outside a repository: exit 3 naming it" 3 '^attest: --code: .*notrepo.*not in a git repository' \
	"$ATTEST" run --key trainer.key --code notrepo --output ran.txt --bundle nocode.intoto.jsonl -- touch ran.txt
[ ! -e nocode.intoto.jsonl ] && pass "--code outside a repository: nothing written" || fail "--code notrepo wrote a bundle"
git init -q -b main code8 && git -C code8 -c user.name=t -c user.email=t@t commit -q --allow-empty -m c &&
	printf '[remote "origin"]\n\turl = https://example.com/r\377x.git\n' >>code8/.git/config
expect "origin URL with a 0xff byte: recorded" 0 "$ATTEST" run --key trainer.key --code code8 \
	--output ran.txt --bundle code8.intoto.jsonl -- touch ran.txt
got=$(jq -r .payload code8.intoto.jsonl | base64 -d |
	jq -r '.predicate.buildDefinition.resolvedDependencies[] | select(.annotations.role == "code") | .uri')
[ "$got" = "git+https://example.com/r%FFx.git@refs/heads/main" ] && pass "origin URL 0xff byte percent-encoded in the code uri" ||
	fail "code uri: got '$got'"
got=$(jq -r .payload code8.intoto.jsonl | base64 -d |
	jq -r '.predicate.buildDefinition.resolvedDependencies[] | select(.annotations.role == "code") | .digest.gitCommit')
[ "$got" = "$(git -C code8 rev-parse HEAD)" ] && pass "code commit recorded beside the escaped uri" || fail "code commit: got '$got'"

rm -f ran.txt
expect_err "command argument not UTF-8: exit 3, nothing written" 3 '^attest: command argument 2: cannot record a list entry: out of memory or text that is not UTF-8$' \
	"$ATTEST" run --key trainer.key --output ran.txt --bundle badarg.intoto.jsonl -- touch "$(printf 'ran\377.txt')"
[ ! -e badarg.intoto.jsonl ] && [ ! -e "$(printf 'ran\377.txt')" ] && pass "command argument not UTF-8: nothing run, nothing written" ||
	fail "command argument not UTF-8: ran or wrote"

expect_err "environment value not UTF-8: exit 3 naming it" 3 '^attest: environment variable BADV: cannot record "BADV": out of memory or text that is not UTF-8$' \
	env BADV="$(printf 'v\377')" "$ATTEST" run --key trainer.key --env BADV --output ran.txt --bundle badenv.intoto.jsonl -- touch ran.txt
[ ! -e badenv.intoto.jsonl ] && pass "environment value not UTF-8: nothing written" || fail "environment value not UTF-8 wrote a bundle"

summary

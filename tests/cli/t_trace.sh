# attest run --trace: real shell and Python jobs read a declared dataset;
# each twin also reads one undeclared file (directly, from a child, from a
# thread, after an exec, through a symlink, by a relative path after chdir,
# from a child that outlives its parent) and must be caught naming it.
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "missing dependency: /usr/bin/python3" >&2; exit 1; }
command -v git >/dev/null || { echo "missing dependency: git" >&2; exit 1; }

"$ATTEST" key generate --out trainer 2>/dev/null
"$ATTEST" key generate --out other 2>/dev/null
mkdir -p data/train side
printf 'x,y\n1,2\n' >data/train/a.csv
printf 'x,y\n3,4\n' >data/train/b.csv
printf 'poison\n' >side/extra.csv
EXTRA=$T/side/extra.csv
EXTRA_SHA=$(sha256sum side/extra.csv | cut -d' ' -f1)

# The training code, committed: the code directory is declared.
mkdir code
cat >code/train.sh <<'EOF'
#!/bin/sh
# train.sh MODE DATA EXTRA OUT
mode=$1 data=$2 extra=$3 out=$4
cat "$data"/*.csv >/dev/null
case $mode in
direct) cat "$extra" >/dev/null ;;
child) sh -c 'cat "$1" >/dev/null' sh "$extra" ;;
exec) printf m >"$out"; exec cat "$extra" >/dev/null ;;
symlink) cat "$(dirname "$0")/link.csv" >/dev/null ;;
chdir) cd "$(dirname "$extra")" && cat ./extra.csv >/dev/null && cd - >/dev/null ;;
orphan) (sleep 0.3; cat "$extra" >/dev/null) & ;;
ignored) cat "$(dirname "$0")/cache/side.bin" >/dev/null ;;
esac
printf m >"$out"
EOF
cat >code/train.py <<'EOF'
import os, subprocess, sys, threading
mode, data, extra, out = sys.argv[1:5]
out = os.path.abspath(out)
for name in sorted(os.listdir(data)):
    with open(os.path.join(data, name)) as f:
        f.read()
def read(path):
    with open(path) as f:
        f.read()
if mode == "direct":
    read(extra)
elif mode == "child":
    subprocess.run([sys.executable, "-c", "open(%r).read()" % extra], check=True)
elif mode == "thread":
    t = threading.Thread(target=read, args=(extra,))
    t.start()
    t.join()
elif mode == "symlink":
    read(os.path.join(os.path.dirname(__file__), "link.csv"))
elif mode == "chdir":
    os.chdir(os.path.dirname(extra))
    read("extra.csv")
with open(out, "w") as f:
    f.write("m")
if mode == "exec":
    os.execv("/bin/cat", ["cat", extra])
EOF
chmod +x code/train.sh
ln -s ../side/extra.csv code/link.csv
printf 'cache/\n' >code/.gitignore
git init -q -b main code &&
	git -C code add . && git -C code -c user.name=t -c user.email=t@t commit -q -m c
# Inside the work tree but pinned by no commit: an ignored file.
mkdir code/cache && printf 'side\n' >code/cache/side.bin

P() { jq -r .payload "$1" | tail -1 | base64 -d; }
TR='.predicate.buildDefinition.internalParameters.trace'

# run NAME LANG MODE: attest run --trace of the LANG job in MODE.
run() {
	local name=$1 lang=$2 mode=$3 cmd
	if [ "$lang" = sh ]; then cmd=(code/train.sh); else cmd=("$PY" code/train.py); fi
	rm -f "$name.out"
	expect "trace: $name runs" 0 "$ATTEST" run --key trainer.key --trace \
		--input data/train --code code --output "$name.out" \
		--bundle "$name.jsonl" -- "${cmd[@]}" "$mode" data/train "$EXTRA" "$name.out"
}

# undeclared NAME: the twin's trace names the side file with its digest.
undeclared() {
	local got
	got=$(P "$1.jsonl" | jq -r --arg p "$EXTRA" \
		"[$TR.read.undeclared[], $TR.executed.undeclared[]] | map(select(.path == \$p)) | .[0].sha256")
	[ "$got" = "$EXTRA_SHA" ] && pass "trace: $1 names $EXTRA with its sha256" ||
		fail "trace: $1 undeclared read not recorded (got '$got')"
}

clean() {
	local got
	got=$(P "$1.jsonl" | jq -c "[$TR.counts.read.undeclared, $TR.counts.executed.undeclared,
		($TR.read.declared | map(select(endswith(\"/data/train/a.csv\"))) | length)]")
	[ "$got" = "[0,0,1]" ] && pass "trace: $1 read the dataset and nothing undeclared" ||
		{ fail "trace: $1 not clean: $got"; P "$1.jsonl" | jq -c "$TR.read.undeclared, $TR.executed.undeclared" | head -3; }
}

for lang in sh py; do
	run "$lang-clean" "$lang" clean
	clean "$lang-clean"
	modes="direct child exec symlink chdir"
	[ "$lang" = py ] && modes="$modes thread"
	[ "$lang" = sh ] && modes="$modes orphan"
	for mode in $modes; do
		run "$lang-$mode" "$lang" "$mode"
		undeclared "$lang-$mode"
	done
done

expect_err "trace: attest warns about the undeclared file" 0 \
	"attest: --trace: the command read or ran 1 undeclared file, first $EXTRA \\(recorded in internalParameters.trace\\)" \
	"$ATTEST" run --key trainer.key --trace --input data/train --code code --output warn.out \
	--bundle warn.jsonl -- code/train.sh direct data/train "$EXTRA" warn.out
got=$(P py-thread.jsonl | jq -r "$TR.threads")
[ "$got" -ge 1 ] && pass "trace: the thread was followed ($got)" || fail "trace: threads $got"
got=$(P sh-exec.jsonl | jq -r "$TR.executed.system | index(\"/usr/bin/cat\") != null")
[ "$got" = true ] && pass "trace: the exec'd program is recorded" || fail "trace: exec not recorded"
# The orphan read 0.3 s after its parent exited: attest waited for it.
got=$(P sh-orphan.jsonl | jq -r "$TR.processes")
[ "$got" -ge 3 ] && pass "trace: the orphan's process was traced ($got processes)" ||
	fail "trace: orphan processes $got"

# A file in the code directory that no commit pins is undeclared.
run sh-ignored sh ignored
got=$(P sh-ignored.jsonl | jq -r "$TR.read.undeclared | map(select(.path == \"$T/code/cache/side.bin\")) | length")
[ "$got" = 1 ] && pass "trace: an ignored file in the code directory is undeclared" ||
	fail "trace: ignored code file counted as declared"
got=$(P sh-ignored.jsonl | jq -r "$TR.read.declared | map(select(endswith(\"/code/train.sh\"))) | length")
[ "$got" = 1 ] && pass "trace: the committed script stays declared" || fail "trace: committed script $got"

# The code directory itself is declared; the script ran from it.
got=$(P sh-clean.jsonl | jq -r "$TR.executed.declared | map(select(endswith(\"/code/train.sh\"))) | length")
[ "$got" = 1 ] && pass "trace: the script is a declared program" || fail "trace: script not declared ($got)"

# A write outside the outputs is listed; writes to the output are not.
expect "trace: a write outside the outputs" 0 "$ATTEST" run --key trainer.key --trace \
	--input data/train --code code --output w.out --bundle w.jsonl -- \
	sh -c 'printf x >side/tmp.bin; printf m >w.out; mv side/tmp.bin side/moved.bin'
got=$(P w.jsonl | jq -c "$TR.writtenOutsideOutputs")
[ "$got" = "[\"$T/side/moved.bin\",\"$T/side/tmp.bin\"]" ] &&
	pass "trace: writes and renames outside the outputs listed" || fail "trace: written $got"

# --trace-system-prefix moves the side directory to system.
expect "trace: --trace-system-prefix" 0 "$ATTEST" run --key trainer.key --trace \
	--trace-system-prefix "$T/side" --input data/train --code code --output sp.out \
	--bundle sp.jsonl -- code/train.sh direct data/train "$EXTRA" sp.out
got=$(P sp.jsonl | jq -c "[$TR.counts.read.undeclared, ($TR.read.system | index(\"$EXTRA\") != null), ($TR.systemPrefixes | index(\"$T/side\") != null)]")
[ "$got" = "[0,true,true]" ] && pass "trace: the prefix counts as system and is recorded" ||
	fail "trace: system prefix $got"

# The Python installation is system: the interpreter's reads are not undeclared.
got=$(P py-clean.jsonl | jq -r "$TR.counts.read.system")
[ "$got" -gt 10 ] && pass "trace: Python's own reads are system ($got)" || fail "trace: python system $got"

# The schema takes the trace and refuses a tampered twin.
SCHEMA=$SRC/spec/schemas/training-internal.schema.json
P py-thread.jsonl | jq .predicate.buildDefinition.internalParameters >int.json
"$PY" "$SRC/tests/cli/validate_schema.py" "$SCHEMA" int.json 2>verr &&
	pass "schema: the traced internalParameters validate" || { fail "schema: trace refused"; head -3 verr; }
jq '.trace.read.undeclared[0].path = "side/extra.csv"' int.json >twin.json
"$PY" "$SRC/tests/cli/validate_schema.py" "$SCHEMA" twin.json 2>verr
[ $? -eq 1 ] && pass "schema: a relative traced path is refused" || fail "schema: relative path accepted"

# Without --trace nothing changes.
expect "no --trace: runs" 0 "$ATTEST" run --key trainer.key --input data/train --code code \
	--output nt.out --bundle nt.jsonl -- code/train.sh direct data/train "$EXTRA" nt.out
got=$(P nt.jsonl | jq -r '.predicate.buildDefinition.internalParameters | has("trace")')
[ "$got" = false ] && pass "no --trace: no trace recorded" || fail "no --trace: trace recorded"

expect_err "--trace-system-prefix without --trace" 2 "--trace-system-prefix needs --trace" \
	"$ATTEST" run --key trainer.key --trace-system-prefix /opt --output x.out -- true
expect_err "--trace-system-prefix relative" 2 "--trace-system-prefix opt: not an absolute path" \
	"$ATTEST" run --key trainer.key --trace --trace-system-prefix opt --output x.out -- true

# The logs are teed as without --trace.
expect "trace: --capture-logs" 0 "$ATTEST" run --key trainer.key --trace --capture-logs logs \
	--output cl.out --bundle cl.jsonl -- sh -c 'echo out; echo err >&2; printf m >cl.out'
[ "$(cat logs/stdout.log)" = out ] && [ "$(cat logs/stderr.log)" = err ] &&
	pass "trace: both logs captured" || fail "trace: logs"

# Exit status and a command that cannot be started pass through as before.
expect "trace: the command's status passes through" 7 "$ATTEST" run --key trainer.key --trace \
	--output st.out --bundle st.jsonl -- sh -c 'printf m >st.out; exit 7'
expect_err "trace: a missing command is 127" 127 "cannot run no-such-cmd" \
	"$ATTEST" run --key trainer.key --trace --output st.out -- no-such-cmd

# ---- the gate (policy.md §5.8) ----
pol() { # POLICY BUNDLE ARTIFACT
	"$VERIFY" policy --policy "$1" --bundle "$2" "$3"
}
base='{policyVersion: 1, keys: {trainer: {publicKey: "trainer.pub"}}, training: {signers: ["trainer"]}}'
jq -n "$base | .training.undeclaredInputs = \"deny\"" >deny.json
jq -n "$base | .training.undeclaredInputs = \"report\"" >report.json
jq -n "$base | .training.requireTrace = true" >req.json
jq -n "$base | .training.undeclaredInputs = \"deny\" | .training.undeclaredInputPrefixes = [\"$T/data\", \"$T/other-data\"]" >scoped.json
jq -n "$base | .training.undeclaredInputs = \"deny\" | .training.undeclaredInputPrefixes = [\"$T/side\"]" >scoped-side.json

for lang in sh py; do
	expect_out "gate: $lang clean run admitted" 0 "PASS +training.undeclared-inputs" \
		pol deny.json "$lang-clean.jsonl" "$lang-clean.out"
done
for twin in sh-direct sh-child sh-exec sh-symlink sh-chdir sh-orphan py-direct py-child py-thread py-exec py-symlink py-chdir; do
	expect_out "gate: $twin denied, naming the file" 1 \
		"FAIL +training.undeclared-inputs +$twin.jsonl:1: read 1 undeclared file: $EXTRA \\(sha256:${EXTRA_SHA:0:12}\\)  \\[AML.T0020" \
		pol deny.json "$twin.jsonl" "$twin.out"
done
expect_out "gate: report names the file and admits" 0 \
	"PASS +training.undeclared-inputs .*reported: py-thread.jsonl:1: read 1 undeclared file: $EXTRA" \
	pol report.json py-thread.jsonl py-thread.out
"$VERIFY" policy --policy deny.json --bundle py-thread.jsonl --json pj.json py-thread.out >/dev/null 2>&1
got=$(jq -c '[.undeclaredInputs[0].path, .undeclaredInputs[0].sha256, .undeclaredInputs[0].how]' pj.json)
[ "$got" = "[\"$EXTRA\",\"$EXTRA_SHA\",\"read\"]" ] && pass "gate: --json lists the undeclared input" ||
	fail "gate: --json undeclaredInputs $got"
expect_out "gate: prefixes elsewhere: the side file is not counted" 0 "PASS +training.undeclared-inputs" \
	pol scoped.json py-direct.jsonl py-direct.out
expect_out "gate: prefixes covering it: denied" 1 "FAIL +training.undeclared-inputs .*$EXTRA" \
	pol scoped-side.json py-direct.jsonl py-direct.out
expect_out "gate: requireTrace admits a traced run" 0 "PASS +training.trace" pol req.json sh-clean.jsonl sh-clean.out
expect_out "gate: requireTrace denies an untraced run" 1 \
	"FAIL +training.trace +nt.jsonl:1: the training run was not traced \\(attest run --trace\\)  \\[AML.T0020" \
	pol req.json nt.jsonl nt.out
expect_out "gate: deny without a trace is denied" 1 \
	"FAIL +training.undeclared-inputs +nt.jsonl:1: the training run was not traced, so what it read is unknown" \
	pol deny.json nt.jsonl nt.out
expect_out "gate: report without a trace admits" 0 "PASS +training.undeclared-inputs" pol report.json nt.jsonl nt.out
# A trace with lists cut: the unlisted ones still count (a re-signed, edited statement).
P py-direct.jsonl | jq "$TR.read.undeclared = [] | $TR.counts.read.undeclared = 12001" >cut.json
"$ATTEST" sign --key trainer.key --bundle cut.jsonl cut.json 2>/dev/null
expect_out "gate: undeclared files counted but not listed are denied" 1 \
	"FAIL +training.undeclared-inputs .*read 0 undeclared files, 12001 more the trace counted but did not list" \
	pol deny.json cut.jsonl py-direct.out
P sh-clean.jsonl | jq "$TR.complete = false | $TR.notes = [\"more than 1000000 distinct paths: later ones are not recorded\"]" >inc.json
"$ATTEST" sign --key trainer.key --bundle inc.jsonl inc.json 2>/dev/null
expect_out "gate: an incomplete trace fails requireTrace" 1 \
	"FAIL +training.trace .*the trace is incomplete: more than 1000000 distinct paths" pol req.json inc.jsonl sh-clean.out
# The AI-BOM and the report page list the undeclared files.
expect "bom: a twin's BOM" 1 "$VERIFY" report --format cyclonedx -o twin.bom.json \
	--policy deny.json --bundle py-thread.jsonl py-thread.out
got=$(jq -r '.components[0].properties | from_entries | [."mlattest:undeclaredInput:1:path", ."mlattest:undeclaredInput:1:sha256", ."mlattest:undeclaredInput:1:how"] | join(" ")' \
	<(jq '.components[0].properties |= map({key: .name, value}) | .' twin.bom.json))
[ "$got" = "$EXTRA $EXTRA_SHA read" ] && pass "bom: the undeclared input is a model property" ||
	fail "bom: undeclared property '$got'"
expect "bom: the clean run's BOM" 0 "$VERIFY" report --format cyclonedx -o clean.bom.json \
	--policy deny.json --bundle py-clean.jsonl py-clean.out
got=$(jq '[.components[0].properties[] | select(.name | startswith("mlattest:undeclaredInput"))] | length' clean.bom.json)
[ "$got" = 0 ] && pass "bom: a clean run lists none" || fail "bom: clean run lists $got"
expect "report: markdown page of a twin" 0 "$VERIFY" report --format markdown -o twin.md \
	--policy report.json --bundle py-thread.jsonl py-thread.out
grep -q "^## Undeclared inputs" twin.md && grep -Fq "${EXTRA_SHA}" twin.md &&
	pass "report: the page lists the undeclared file" || fail "report: page lacks the undeclared file"

# Usage errors in the policy.
jq -n "$base | .training.undeclaredInputs = \"warn\"" >bad1.json
expect_err "policy: undeclaredInputs must be deny or report" 2 'training.undeclaredInputs must be "deny" or "report"' \
	pol bad1.json sh-clean.jsonl sh-clean.out
jq -n "$base | .training.undeclaredInputPrefixes = [\"/data\"]" >bad2.json
expect_err "policy: prefixes need undeclaredInputs" 2 "training.undeclaredInputPrefixes needs training.undeclaredInputs" \
	pol bad2.json sh-clean.jsonl sh-clean.out
jq -n "$base | .training.undeclaredInputs = \"deny\" | .training.undeclaredInputPrefixes = [\"data\"]" >bad3.json
expect_err "policy: a relative prefix" 2 'training.undeclaredInputPrefixes\[0\] must be an absolute path' \
	pol bad3.json sh-clean.jsonl sh-clean.out
jq -n "$base | .training.requireTrace = 1" >bad4.json
expect_err "policy: requireTrace must be boolean" 2 '"requireTrace" must be true or false' \
	pol bad4.json sh-clean.jsonl sh-clean.out

# Untraceable: a seccomp filter of our own, installed unprivileged with
# PR_SET_NO_NEW_PRIVS, makes ptrace (or seccomp) fail with EPERM for attest
# and everything it starts, as a container's seccomp profile does. attest
# must stop before the command runs (it would create started.txt).
cat >deny.py <<'EOF'
import ctypes, os, struct, sys
nr = {"ptrace": 101, "seccomp": 317}[sys.argv[1]]
# ld nr; jeq nr -> errno(EPERM); allow (x86_64 numbers)
f = [(0x20, 0, 0, 0), (0x15, 0, 1, nr), (0x06, 0, 0, 0x00050000 | 1),
     (0x06, 0, 0, 0x7fff0000)]
buf = b"".join(struct.pack("HBBI", *i) for i in f)
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
keep = ctypes.create_string_buffer(buf, len(buf))
prog = struct.pack("HxxxxxxQ", len(f), ctypes.addressof(keep))
cprog = ctypes.create_string_buffer(prog, len(prog))
if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) or \
   libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(cprog), 0, 0):
    sys.exit("deny.py: cannot install the filter: %s" % os.strerror(ctypes.get_errno()))
os.execv(sys.argv[2], sys.argv[2:])
EOF
[ "$(uname -m)" = x86_64 ] || { echo "t_trace: the deny filter is written for x86_64" >&2; exit 1; }
# LeakSanitizer stops threads with ptrace, which these rows deny or take:
# leak checks are off for them (the sanitizer build still checks memory).
NOLSAN=(env "ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0")
rm -f started.txt
expect_err "untraceable: ptrace denied is exit 3 before the command" 3 \
	"--trace: ptrace is not allowed here: PTRACE_SEIZE: Operation not permitted.*the command was not started" \
	"${NOLSAN[@]}" "$PY" deny.py ptrace "$ATTEST" run --key trainer.key --trace --output started.txt \
	--bundle u.jsonl -- touch started.txt
[ ! -e started.txt ] && [ ! -e u.jsonl ] && pass "untraceable: nothing ran, nothing written" ||
	fail "untraceable: the command ran"
expect_err "untraceable: seccomp denied is exit 3 before the command" 3 \
	"--trace: cannot install the seccomp filter: Operation not permitted; the command was not started" \
	"${NOLSAN[@]}" "$PY" deny.py seccomp "$ATTEST" run --key trainer.key --trace --output started.txt \
	--bundle u.jsonl -- touch started.txt
[ ! -e started.txt ] && pass "untraceable (seccomp): nothing ran" || fail "untraceable (seccomp): ran"
# Under a tracer that follows children (strace -f) the child is taken.
command -v strace >/dev/null || { echo "missing dependency: strace" >&2; exit 1; }
expect_err "untraceable: under strace -f, exit 3 naming the other tracer" 3 \
	"--trace: the command would already be traced by process [0-9]+ \\(attest runs under a debugger or tracer that follows children\\)" \
	"${NOLSAN[@]}" strace -f -o /dev/null "$ATTEST" run --key trainer.key --trace --output started.txt \
	--bundle u.jsonl -- touch started.txt
[ ! -e started.txt ] && pass "untraceable (strace): nothing ran" || fail "untraceable (strace): ran"
# The same restriction without --trace changes nothing.
expect "untraceable host, no --trace: runs" 0 "${NOLSAN[@]}" "$PY" deny.py ptrace "$ATTEST" run \
	--key trainer.key --output started.txt --bundle u.jsonl -- touch started.txt

summary

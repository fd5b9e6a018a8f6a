# clang-tidy with the bugprone and CERT checks (.clang-tidy) over the
# programs' and libraries' C sources, using the build's
# compile_commands.json. No findings, except those justified one by one in
# tests/lint/clang-tidy.supp; a stale entry there fails too.
set -u
: "${SRC:?SRC must name the source directory}"
: "${BIN:?BIN must name the build directory}"
cd "$SRC" || exit 1
for dep in clang-tidy python3 git; do
	command -v "$dep" >/dev/null || { echo "missing dependency: $dep" >&2; exit 1; }
done
[ -f "$BIN/compile_commands.json" ] ||
	{ echo "missing $BIN/compile_commands.json: configure with CMAKE_EXPORT_COMPILE_COMMANDS ON" >&2; exit 1; }
files=$(git ls-files -co --exclude-standard -- 'attest/*.c' 'keys/*.c' 'lib/*.c' 'predicates/*.c' 'verify/*.c')
[ -n "$files" ] || { echo "no C sources found" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# Two at a time: the machine's two cores.
# shellcheck disable=SC2086
printf '%s\n' $files | xargs -P2 -n4 clang-tidy -p "$BIN" --quiet >"$out" 2>/dev/null
python3 - "$out" tests/lint/clang-tidy.supp "$SRC" <<'PY'
import os, re, sys
out, supp, src = sys.argv[1], sys.argv[2], sys.argv[3]
rules = []
for line in open(supp):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    f, check, text, why = line.split("|", 3)
    rules.append([f, check, text, why, 0])
found = set()
pat = re.compile(r"^(.*?):(\d+):\d+: (warning|error): (.*) \[([^\]]+)\]$")
for line in open(out, errors="replace"):
    m = pat.match(line.rstrip("\n"))
    if m:
        found.add((os.path.relpath(m.group(1), src), int(m.group(2)), m.group(4), m.group(5)))
passed = failed = 0
for f, n, msg, checks in sorted(found):
    try:
        text = open(os.path.join(src, f), errors="replace").read().split("\n")[n - 1]
    except (OSError, IndexError):
        text = ""
    hit = [r for r in rules if r[0] == f and r[1] in checks.split(",") and r[2] in text]
    for r in hit:
        r[4] += 1
    if hit:
        passed += 1
        print("ok   %s:%d [%s] justified: %s" % (f, n, checks, hit[0][3]))
    else:
        failed += 1
        print("FAIL %s:%d: %s [%s]" % (f, n, msg, checks))
for r in rules:
    if r[4] == 0:
        failed += 1
        print("FAIL stale suppression: %s" % "|".join(r[:3]))
if failed == 0:
    passed += 1
    print("ok   clang-tidy: %d finding(s), each justified" % len(found))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY

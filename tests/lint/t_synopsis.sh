# Every subcommand's options as --help prints them from its option rows
# must be the options of its man page SYNOPSIS (man/attest.1, man/verify.1)
# and of its usage block in spec/cli.md: none missing on either side, and
# each required on both sides or optional on both. MAN and SPEC may name
# other copies (a test of this lint uses a broken one).
set -u
: "${BIN:?BIN must name the build directory}"
: "${SRC:?SRC must name the source directory}"
for dep in python3; do
	command -v "$dep" >/dev/null || { echo "missing dependency: $dep" >&2; exit 1; }
done
ATTEST="$BIN/attest/attest"
VERIFY="$BIN/verify/verify"
for p in "$ATTEST" "$VERIFY"; do
	[ -x "$p" ] || { echo "missing program $p: build first" >&2; exit 1; }
done
export ATTEST VERIFY
export MAN_ATTEST="${MAN_ATTEST:-$SRC/man/attest.1}"
export MAN_VERIFY="${MAN_VERIFY:-$SRC/man/verify.1}"
export SPEC="${SPEC:-$SRC/spec/cli.md}"

python3 - <<'EOF'
import os
import re
import subprocess
import sys

passed = failed = 0


def ok(msg):
    global passed
    passed += 1
    print("ok   " + msg)


def bad(msg, why):
    global failed
    failed += 1
    print("FAIL " + msg)
    for w in why:
        print("     | " + w)


def run(prog, args):
    p = subprocess.run([prog] + args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("%s %s: exit %d" % (prog, " ".join(args), p.returncode))
    return p.stdout


def words_options(text, shorts):
    """Options of a synopsis ("[--x X]...", "(--a | --b)"): name -> the
    bracket depth it was at (0: required)."""
    out, depth = {}, 0
    for tok in re.findall(r"\[|\]|\(|\)|[^\s\[\]()]+", text):
        if tok in "[(":
            depth += 1
        elif tok in "])":
            depth -= 1
        elif re.match(r"^--?[A-Za-z0-9]", tok):
            name = tok.split("=")[0]
            name = shorts.get(name, name)
            out[name] = min(out.get(name, 99), depth)
    return out


def help_parse(text, cmd):
    """The usage forms and the option table of a --help text."""
    lines = text.split("\n")
    i = next(n for n, l in enumerate(lines) if l.startswith("usage: "))
    usage = []
    while i < len(lines) and lines[i].strip():
        usage.append(lines[i][7:] if lines[i].startswith("usage: ") else lines[i])
        i += 1
    table, shorts = set(), {}
    for l in lines[i:]:
        m = re.match(r"^  (?:-(\w), )?\s*--([\w-]+)", l)
        if m and m.group(2) != "help":
            table.add("--" + m.group(2))
            if m.group(1):
                shorts["-" + m.group(1)] = "--" + m.group(2)
    # A form starts where the command's name does.
    forms, cur = [], ""
    for l in usage:
        s = l.strip()
        if s.startswith(cmd + " ") or s == cmd:
            if cur:
                forms.append(cur)
            cur = s[len(cmd):]
        else:
            cur += " " + s
    forms.append(cur)
    return forms, table, shorts


def merge(forms):
    """name -> required: required when required in every form."""
    req = {}
    for f in forms:
        for name, depth in f.items():
            req.setdefault(name, True)
    for name in req:
        req[name] = all(f.get(name, 99) == 0 for f in forms)
    return req


def man_forms(path, prog):
    """Subcommand -> list of forms (name -> depth) of a SYNOPSIS."""
    text = open(path).read()
    syn = text.split(".Sh SYNOPSIS\n", 1)[1].split("\n.Sh ", 1)[0]
    forms, cur, sub, fresh = {}, None, None, False
    for line in syn.split("\n"):
        if line.startswith(".Nm"):
            cur, sub, fresh = {}, "", True
            continue
        if cur is None:
            continue
        toks = line.split()
        if fresh and toks and toks[0] == ".Cm":
            sub = " ".join(t for t in toks[1:] if re.match(r"^[a-z][\w-]*$", t))
            fresh = False
            forms.setdefault(sub, []).append(cur)
            continue
        if fresh:
            forms.setdefault(sub, []).append(cur)
            fresh = False
        depth = 0
        toks = [t.lstrip(".") if n == 0 else t for n, t in enumerate(toks)]
        for n, t in enumerate(toks):
            if t in ("Op", "Oo", "Pq"):
                depth += 1
            elif t == "Oc":
                depth -= 1
            elif t == "Fl" and n + 1 < len(toks) and toks[n + 1] != "-":
                name = "-" + toks[n + 1]
                cur[name] = min(cur.get(name, 99), depth)
    return forms


def spec_blocks(path):
    """Heading ("attest sign", "verify") -> the first ``` block under it."""
    out, head, inblock, buf = {}, None, False, []
    for line in open(path).read().split("\n"):
        m = re.match(r"^### ((?:attest|verify)(?: .*)?)$", line)
        if m and not inblock:
            head = m.group(1).replace(" (no command)", "")
            continue
        if line.startswith("```"):
            if inblock:
                if head is not None and head not in out:
                    out[head] = "\n".join(buf)
                buf, inblock = [], False
            else:
                inblock = True
            continue
        if inblock:
            buf.append(line)
    return out


def compare(label, want, got, where):
    why = []
    for name in sorted(set(want) | set(got)):
        if name not in got:
            why.append("%s: %s is in --help, not in %s" % (label, name, where))
        elif name not in want:
            why.append("%s: %s is in %s, not in --help" % (label, name, where))
        elif want[name] != got[name]:
            why.append("%s: %s is %s in --help, %s in %s" % (
                label, name, "required" if want[name] else "optional",
                "required" if got[name] else "optional", where))
    if why:
        bad("%s agrees with %s" % (label, where), why)
    else:
        ok("%s agrees with %s" % (label, where))


def commands(prog):
    top = run(prog, ["--help"])
    names = re.findall(r"^  ([a-z][\w-]*) ", top.split("commands:", 1)[1],
                       re.M)
    out = [] if os.path.basename(prog) == "attest" else [""]
    for n in names:
        if n == "key":
            for m in re.finditer(r"attest key ([\w-]+)", run(prog, ["key", "--help"])):
                if "key " + m.group(1) not in out:
                    out.append("key " + m.group(1))
        else:
            out.append(n)
    return out


spec = spec_blocks(os.environ["SPEC"])
for prog, man in ((os.environ["ATTEST"], os.environ["MAN_ATTEST"]),
                  (os.environ["VERIFY"], os.environ["MAN_VERIFY"])):
    pname = os.path.basename(prog)
    mforms = man_forms(man, pname)
    for sub in commands(prog):
        label = (pname + " " + sub).strip()
        if sub:
            text = run(prog, sub.split() + ["--help"])
        else:
            text = run(prog, ["--help"]).split("With no COMMAND:\n", 1)[1]
        forms, table, shorts = help_parse(text, label)
        parsed = [words_options(f, shorts) for f in forms]
        want = merge(parsed)
        if set(want) != table:
            bad("%s: synopsis and option table of --help agree" % label,
                ["%s: %s" % (label, " ".join(sorted(set(want) ^ table)))])
        if sub not in mforms:
            bad("%s agrees with %s" % (label, man),
                ["%s: no SYNOPSIS entry in %s" % (label, man)])
        else:
            got = merge([{shorts.get(k, k): v for k, v in f.items()}
                         for f in mforms[sub]])
            compare(label, want, got, man + " SYNOPSIS")
        if label not in spec:
            bad("%s agrees with %s" % (label, os.environ["SPEC"]),
                ["%s: no ### %s usage block in %s" % (label, label,
                                                      os.environ["SPEC"])])
        else:
            sforms, _, _ = help_parse(spec[label], label)
            got = merge([words_options(f, shorts) for f in sforms])
            compare(label, want, got, os.environ["SPEC"])

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
EOF

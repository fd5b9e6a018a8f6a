# The tree is formatted by .clang-format, banned calls do not appear, and
# the man pages are clean under mandoc -Tlint.
set -u
: "${SRC:?SRC must name the source directory}"
cd "$SRC" || exit 1
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }

for dep in clang-format mandoc git; do
	command -v "$dep" >/dev/null || { echo "missing dependency: $dep" >&2; exit 1; }
done
files=$(git ls-files -co --exclude-standard -- '*.c' '*.h' | grep -v '^build')
[ -n "$files" ] || { echo "no C sources found" >&2; exit 1; }

unformatted=""
for f in $files; do
	clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || unformatted="$unformatted $f"
done
[ -z "$unformatted" ] && ok "clang-format" || bad "not formatted:$unformatted"

# shellcheck disable=SC2086
hits=$(grep -nE '\b(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|gets|sscanf)[[:space:]]*\(' $files |
	grep -vE '(snprintf|vsnprintf)[[:space:]]*\(' || true)
[ -z "$hits" ] && ok "no banned calls" || { bad "banned calls"; echo "$hits"; }

# Library code never prints, never reads or changes the environment: only
# the programs do, and pass values down (snprintf into buffers is fine).
lib_files=$(echo "$files" | grep -E '^(lib|keys|predicates)/')
# shellcheck disable=SC2086
hits=$(grep -nE '\b(getenv|secure_getenv|setenv|unsetenv|putenv|clearenv|printf|fprintf|vprintf|vfprintf|dprintf|puts|fputs|putchar|perror)[[:space:]]*\(|\benviron\b' $lib_files || true)
[ -z "$hits" ] && ok "library code neither prints nor touches the environment" ||
	{ bad "library code prints or touches the environment"; echo "$hits"; }

# Every descriptor is close-on-exec from the start: no bare mkstemp, pipe,
# dup, dup2, fopen, BIO_new_file or accept; socket and open/openat (with
# their next two lines) name SOCK_CLOEXEC / O_CLOEXEC.
prog_files=$(echo "$files" | grep -E '^(lib|keys|predicates|attest|verify)/')
# shellcheck disable=SC2086
hits=$(grep -nE '\b(mkstemp|mkstemps|pipe|dup|dup2|fopen|fdopen|BIO_new_file|accept|creat)[[:space:]]*\(' $prog_files || true)
for f in $prog_files; do
	hits="$hits$(awk -v f="$f" '
		{ line[NR] = $0 }
		/(^|[^A-Za-z0-9_])(open|openat|socket)[[:space:]]*\(/ { pend[++n] = NR }
		END {
			for (i = 1; i <= n; i++) {
				l = pend[i]; s = line[l] line[l + 1] line[l + 2]
				if (s !~ /O_CLOEXEC|SOCK_CLOEXEC/)
					printf "%s:%d:%s\n", f, l, line[l]
			}
		}' "$f")"
done
[ -z "$hits" ] && ok "every descriptor is opened close-on-exec" ||
	{ bad "descriptors opened without close-on-exec"; echo "$hits"; }

# SPEC-STM-5: what we build is added through the checked helpers
# (jsonio_set, jsonio_append), whose results the compiler makes us use.
# shellcheck disable=SC2086
hits=$(grep -nE '\bjson_(object_set|object_set_new|object_set_nocheck|object_set_new_nocheck|array_append|array_append_new|array_insert|array_insert_new)[[:space:]]*\(' $prog_files |
	grep -v '^lib/jsonio.c:' || true)
[ -z "$hits" ] && ok "JSON built only through the checked jsonio helpers" ||
	{ bad "unchecked JSON building calls"; echo "$hits"; }

# Every growable buffer has a ceiling: realloc only inside lib/dynbuf.c.
# shellcheck disable=SC2086
hits=$(grep -nE '\b(realloc|reallocarray|OPENSSL_realloc)[[:space:]]*\(' $prog_files |
	grep -v '^lib/dynbuf.c:' || true)
[ -z "$hits" ] && ok "buffers grow only through lib/dynbuf" ||
	{ bad "realloc outside lib/dynbuf.c"; echo "$hits"; }

# SPEC-VER-6: every line the programs print goes through verify_print or
# attest_print, which escape it; no direct stdio printing elsewhere in
# verify/ and attest/. The allowlist names file:function, each for a reason.
print_allow='
verify/print.c:verify_print
attest/emit.c:attest_print
verify/main.c:opt_cmd_help
attest/main.c:opt_cmd_help
verify/main.c:usage
attest/main.c:usage
verify/cmd_report.c:emit_json
verify/bom.c:emit
attest/cmd_key.c:key_public_cmd
attest/cmd_key.c:put_pem
attest/progress.c:draw
attest/progress.c:progress_done
'
# verify_print, attest_print: they are the print functions.
# opt_cmd_help, usage: --help text from static strings and option rows.
# emit_json: a JSON document written whole (JSON_ENSURE_ASCII), not a line.
# bom.c emit: the BOM, HTML or Markdown
# document written whole (its own escaping, spec/bom.md), not a line.
# key_public_cmd, put_pem: PEM file contents written to standard output.
# progress.c: the bare \r and \033[K that redraw the progress line on a TTY.
print_files=$(echo "$files" | grep -E '^(verify|attest)/[^/]*\.c$')
hits=""
for f in $print_files; do
	hits="$hits$(awk -v f="$f" -v allow="$print_allow" '
		BEGIN { n = split(allow, a, "\n"); for (i = 1; i <= n; i++) ok[a[i]] = 1 }
		/^[A-Za-z_][A-Za-z0-9_]*\(/ { fn = $0; sub(/\(.*/, "", fn) }
		/(^|[^A-Za-z0-9_])(printf|fprintf|vprintf|vfprintf|puts|fputs|putchar|putc|fputc|fwrite|perror)[[:space:]]*\(/ {
			if (!((f ":" fn) in ok))
				printf "%s:%d:%s: %s\n", f, NR, fn, $0
		}' "$f")
"
done
hits=$(echo "$hits" | grep -v '^$' || true)
[ -z "$hits" ] && ok "verify and attest print lines only through verify_print / attest_print" ||
	{ bad "direct printing outside the print functions"; echo "$hits"; }

for page in man/attest.1 man/verify.1; do
	if [ ! -f "$page" ]; then
		bad "$page missing"
		continue
	fi
	out=$(mandoc -Tlint -W warning "$page" 2>&1)
	[ -z "$out" ] && ok "mandoc -Tlint $page" || { bad "mandoc -Tlint $page"; echo "$out"; }
done

# Every rule id the code cites is defined in spec/.
cited=$(grep -rhoE 'SPEC-[A-Z]+-[0-9]+' lib keys predicates attest verify | sort -u)
for id in $cited; do
	grep -rq -- "$id" spec/ || bad "$id cited in code but not defined in spec/"
done
ok "spec ids checked ($(echo "$cited" | wc -w) cited)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

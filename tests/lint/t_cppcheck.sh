# cppcheck (warning and portability checks) over every C source the build
# compiles, from the build's compile_commands.json: no findings. A finding
# kept on purpose goes into tests/lint/cppcheck.supp (id:file:line, with a
# comment saying why); there are none today.
set -u
: "${SRC:?SRC must name the source directory}"
: "${BIN:?BIN must name the build directory}"
cd "$SRC" || exit 1
command -v cppcheck >/dev/null || { echo "missing dependency: cppcheck" >&2; exit 1; }
[ -f "$BIN/compile_commands.json" ] ||
	{ echo "missing $BIN/compile_commands.json: configure with CMAKE_EXPORT_COMPILE_COMMANDS ON" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
grep -v '^#' tests/lint/cppcheck.supp >"$work/supp"
out="$work/out"
cppcheck --project="$BIN/compile_commands.json" --enable=warning,portability \
	--error-exitcode=1 --inline-suppr --quiet -j2 --suppressions-list="$work/supp" \
	--cppcheck-build-dir="$work" --template='{file}:{line}: {severity} {id}: {message}' \
	2>"$out"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$out" ]; then
	echo "ok   cppcheck: no findings"
	echo "1 passed, 0 failed"
	exit 0
fi
echo "FAIL cppcheck (exit $rc):"
sed 's/^/     | /' "$out"
echo "0 passed, 1 failed"
exit 1

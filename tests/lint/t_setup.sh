# The demo command (scripts/demo.sh) must build on a machine that has only
# what `scripts/setup.sh` (without --test) installs. This configures the
# tree exactly as the demo does and fails when anything the configure
# found (every file path in the CMake cache: libraries, headers, tools)
# belongs to a Debian package that the build list (scripts/packages.sh
# build_pkgs) does not pull in, and likewise for the programs the demo
# pipeline runs.
set -u
: "${SRC:?SRC must name the source directory}"
cd "$SRC" || exit 1
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
for dep in cmake dpkg-query python3 grep; do
	command -v "$dep" >/dev/null || { echo "missing dependency: $dep" >&2; exit 1; }
done
T=$(mktemp -d /tmp/mlattest-setup.XXXXXX)
trap 'rm -rf "$T"' EXIT

# shellcheck source=scripts/packages.sh
. scripts/packages.sh
python3 tests/lint/pkgclosure.py "${build_pkgs[@]}" >"$T/allowed"
[ -s "$T/allowed" ] && ok "build list resolves to installed packages" ||
	bad "build list: none of ${build_pkgs[*]} is installed"

grep -q 'scripts/build.sh build "${demo_cmake_args\[@\]}"' scripts/demo.sh &&
	ok "demo.sh builds with demo_cmake_args" ||
	bad "scripts/demo.sh does not build with \${demo_cmake_args[@]}"

# owner PATH: the package that installed PATH (the link itself when PATH
# is a link, as libfoo.so from libfoo-dev; else the file it resolves to).
owner() {
	local f pkg
	for f in "$1" "$(readlink -f "$1")"; do
		pkg=$(dpkg-query -S "$f" 2>/dev/null | head -n 1 | cut -d: -f1)
		[ -n "$pkg" ] && { echo "$pkg"; return 0; }
	done
}

# check WHAT PATH: PATH's package must be pulled in by the build list.
check() {
	local pkg
	pkg=$(owner "$2")
	if [ -z "$pkg" ]; then
		return 0 # not from a package (e.g. a file in the build tree)
	fi
	if grep -qxF "$pkg" "$T/allowed"; then
		return 0
	fi
	bad "$1 $2 is from package $pkg, which scripts/packages.sh ${LIST:-build_pkgs} does not install"
	return 1
}

if cmake -S . -B "$T/b" "${demo_cmake_args[@]}" >"$T/cmake.log" 2>&1; then
	ok "demo configure succeeds"
else
	bad "demo configure failed: $(grep -m1 -i error "$T/cmake.log")"
fi
found=0
bad_before=$failed
while IFS= read -r line; do
	name=${line%%:*}
	val=${line#*=}
	case "$val" in /usr/*) ;; *) continue ;; esac
	[ -f "$val" ] || continue # directories are shared by many packages
	found=$((found + 1))
	check "configure found $name =" "$val"
done < <(grep -E '^[A-Za-z0-9_.+-]+:(FILEPATH|PATH|STRING)=/usr/' "$T/b/CMakeCache.txt" 2>/dev/null)
[ "$found" -gt 5 ] && ok "configure cache lists $found system paths" ||
	bad "configure cache lists only $found system paths"
[ "$failed" -eq "$bad_before" ] && ok "every package the demo configure needs is in build_pkgs"

bad_before=$failed
for prog in python3 jq; do
	p=$(command -v "$prog") || { bad "demo program $prog not found"; continue; }
	check "demo program $prog" "$p"
done
grep -qE '\bjq\b' demo/pipeline.sh && grep -qE 'python3' demo/pipeline.sh &&
	ok "demo pipeline programs are the checked ones (python3, jq)" ||
	bad "demo/pipeline.sh programs changed: update t_setup.sh"
[ "$failed" -eq "$bad_before" ] && ok "every program the demo runs is in build_pkgs"

# The test command starts from a root that has only the Essential packages:
# every program a test script checks for (its "for dep in ..." list or a
# "command -v PROG") must come from build_pkgs, test_pkgs or an Essential
# package (mount, for one, is not Essential).
python3 tests/lint/pkgclosure.py --essential "${build_pkgs[@]}" "${test_pkgs[@]}" >"$T/allowed"
bad_before=$failed
LIST="build_pkgs or test_pkgs"
progs=$( (grep -rhoE --exclude=t_setup.sh 'for dep in [^;]*;' tests | sed -E 's/^for dep in //; s/;$//'
	grep -rhoE --exclude=t_setup.sh 'command -v [A-Za-z0-9_.+-]+' tests | sed 's/^command -v //') |
	tr ' ' '\n' | grep -vE '^$|^"|\$' | LC_ALL=C sort -u)
nprog=0
for prog in $progs; do
	p=$(command -v "$prog") || { bad "test program $prog not found"; continue; }
	case $p in /*) ;; *) continue ;; esac # a shell builtin
	nprog=$((nprog + 1))
	check "test program $prog" "$p"
done
[ "$nprog" -ge 15 ] && ok "test scripts name $nprog programs" ||
	bad "test scripts name only $nprog programs"
[ "$failed" -eq "$bad_before" ] && ok "every program the tests run is in build_pkgs, test_pkgs or Essential"

# The test build must not inherit the demo's MLATTEST_TESTS=OFF.
grep -q -- '-DMLATTEST_TESTS=ON' scripts/test.sh && ok "test.sh turns the tests on" ||
	bad "scripts/test.sh does not pass -DMLATTEST_TESTS=ON"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

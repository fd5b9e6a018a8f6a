#!/usr/bin/env bash
# Installs what mlattest needs on Debian 12, as root.
#   scripts/setup.sh          build dependencies
#   scripts/setup.sh --test   also everything the test suite runs against
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/packages.sh

want=("${build_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then
	want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
	# node and npm may come from outside Debian; count them as present.
	if [ "$p" = nodejs ] && command -v node >/dev/null; then continue; fi
	if [ "$p" = npm ] && command -v npm >/dev/null; then continue; fi
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# node_ok: the node on PATH can run the pinned sigstore-js peers.
node_ok() {
	command -v node >/dev/null 2>&1 &&
		node -e "const [a,b]=process.versions.node.split('.').map(Number);
		process.exit(a>22||(a===22&&b>=9)||a===21||(a===$node_min_major&&b>=$node_min_minor)?0:1)"
}

if [ "${1:-}" = "--test" ]; then
	npm_ci() { (cd "$1" && npm ci --no-audit --no-fund --loglevel=error); }
	if node_ok; then
		rm -rf tests/interop/node20/node_modules
	else
		# Debian 12's nodejs is 18: install the pinned Node.js 20 from the
		# npm registry into the test tree (tests/interop/node20); the test
		# suites put its bin/ first on PATH (tests/CMakeLists.txt).
		echo "setup: node $(node --version 2>/dev/null || echo missing) is too old for sigstore-js; installing the pinned Node.js 20 (tests/interop/node20)"
		npm_ci tests/interop/node20
	fi
	echo "setup: installing the pinned sigstore-js peers (tests/interop)"
	npm_ci tests/interop
fi

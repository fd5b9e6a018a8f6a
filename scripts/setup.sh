#!/usr/bin/env bash
# Installs what mlattest needs on Debian 12, as root.
#   scripts/setup.sh          build dependencies
#   scripts/setup.sh --test   also everything the test suite runs against
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(build-essential cmake pkg-config libssl-dev libjansson-dev
	libcurl4-openssl-dev libtss2-dev jq python3)
test_pkgs=(check libsubunit-dev clang-format mandoc openssl curl python3
	python3-jsonschema in-toto docker-registry swtpm swtpm-tools tpm2-tools
	nodejs npm perl ca-certificates git time clang libclang-rt-14-dev)

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

if [ "${1:-}" = "--test" ]; then
	echo "setup: installing the pinned sigstore-js peers (tests/interop)"
	(cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
fi

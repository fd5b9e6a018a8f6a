#!/usr/bin/env bash
# Configures and builds into DIR (default build/); extra args go to cmake.
#   scripts/build.sh [DIR] [-DMLATTEST_SANITIZE=ON ...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)"

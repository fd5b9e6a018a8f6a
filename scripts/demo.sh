#!/usr/bin/env bash
# Sets up build dependencies, builds, and runs the demo pipeline on the
# bundled sample data (demo/). Work files go to a fresh temp directory
# (kept, and named at the end) unless DEMO_DIR is set.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh
scripts/setup.sh
scripts/build.sh build "${demo_cmake_args[@]}"
exec demo/pipeline.sh "$PWD/build"

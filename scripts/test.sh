#!/usr/bin/env bash
# Sets up everything the tests need, then builds and runs the whole suite
# twice: a normal -Werror build and an ASan+UBSan build; then the
# verify-only build (MLATTEST_VERIFY_ONLY) with its suites and the nm lint.
# The Release build (with the benchmark tools) is compiled, not run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
scripts/build.sh build -DMLATTEST_TESTS=ON
scripts/build.sh build-asan -DMLATTEST_TESTS=ON -DMLATTEST_SANITIZE=ON
scripts/build.sh build-verify-only -DMLATTEST_TESTS=ON -DMLATTEST_VERIFY_ONLY=ON
# The optimised build bench/bench.sh makes: gcc -O3 warns where -O2 does
# not, and -Werror turns that into a benchmark that cannot build.
scripts/build.sh build-release -DCMAKE_BUILD_TYPE=Release -DMLATTEST_TESTS=ON -DMLATTEST_BENCH=ON
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp"
status=0
echo "== fuzzing: every parser target briefly (fuzz/run.sh; longer: fuzz/run.sh 600)"
FUZZ_JOBS=2 fuzz/run.sh "${FUZZ_SECONDS:-5}" || status=1
echo "== test suite (release build)"
(cd build && ctest --output-on-failure -j 2) || status=1
echo "== test suite (ASan+UBSan build)"
(cd build-asan && ctest --output-on-failure -j 2) || status=1
echo "== verify-only build: verify's suites and the nm lint (lint/t_nm)"
(cd build-verify-only && ctest --output-on-failure -j 2) || status=1
exit $status

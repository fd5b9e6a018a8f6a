# The Debian 12 packages mlattest needs, sourced by scripts/setup.sh and
# checked by tests/lint/t_setup.sh (which fails when a plain build or the
# demo's configure needs a package that is not in build_pkgs).
#   build_pkgs  a plain build (scripts/build.sh with demo_cmake_args) and
#               the demo pipeline (demo/pipeline.sh: python3, jq)
#   test_pkgs   everything the test suite runs against, on top
# shellcheck disable=SC2034
build_pkgs=(build-essential cmake pkg-config libssl-dev libjansson-dev
	libcurl4-openssl-dev libtss2-dev libp11-kit-dev libgit2-dev jq python3)
test_pkgs=(check libsubunit-dev clang-format mandoc openssl curl python3
	python3-jsonschema in-toto docker-registry swtpm swtpm-tools tpm2-tools
	nodejs npm perl ca-certificates git time clang libclang-rt-14-dev xxd
	mount graphviz softhsm2 opensc cppcheck clang-tidy chromium munge slurmctld
	slurmd slurm-client strace)
# The demo builds the programs only: no test suites, so no test packages.
demo_cmake_args=(-DMLATTEST_TESTS=OFF)
# The sigstore-js peers need Node.js ^20.17 or >= 22.9; Debian 12 ships 18.
node_min_major=20
node_min_minor=17

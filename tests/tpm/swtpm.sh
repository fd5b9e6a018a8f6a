# swtpm harness for the TPM tests (sourced after tests/cli/lib.sh, not run).
#
#   tpm_start [STATE_DIR]  start swtpm on a random free loopback port (ctrl on
#                          port+1) with STATE_DIR, or a fresh one under $T;
#                          run TPM2_Startup(CLEAR); export TCTI (the string
#                          for --tcti) and TPM2TOOLS_TCTI; TPM_STATE is the dir
#   tpm_stop               TPM2_Shutdown(CLEAR), then SIGTERM by pid, and wait
#                          until it is gone (keeps the state dir)
#   tpm_clean NAME         pass when no transient object or session is left
#
# One swtpm per test: without a resource manager it has 3 object slots and
# no isolation. An orderly TPM2_Shutdown before the kill keeps the DA counter
# at 0 (notes: tpm.md §6). A missing swtpm or tpm2-tools is a failure.
for dep in swtpm tpm2_startup tpm2_shutdown tpm2_getcap tpm2_pcrextend \
	tpm2_pcrreset; do
	command -v "$dep" >/dev/null || {
		echo "missing dependency: $dep (apt-get install swtpm swtpm-tools tpm2-tools)" >&2
		exit 1
	}
done
TPM_PID=
TPM_STATE=
unset MLATTEST_TCTI TPM2TOOLS_TCTI TSS2_TCTI
export TSS2_LOG=all+none
trap 'tpm_stop; rm -rf "$T"' EXIT

tpm_start() {
	local dir=${1:-} port i
	[ -n "$dir" ] || dir=$(mktemp -d "$T/tpm.XXXXXX")
	mkdir -p "$dir"
	for i in $(seq 1 40); do
		port=$(((RANDOM % 12000) * 2 + 20000))
		# -d binds both ports and locks the state before it forks, so
		# a busy port or a still-locked state dir is rc=1 at once.
		if swtpm socket --tpm2 \
			--server type=tcp,port=$port,bindaddr=127.0.0.1 \
			--ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 \
			--tpmstate dir="$dir" --flags not-need-init \
			--pid file="$dir/swtpm.pid" --log file="$dir/swtpm.log" \
			-d 2>>"$dir/start.err"; then
			TPM_PID=$(cat "$dir/swtpm.pid")
			TPM_STATE=$dir
			TCTI="swtpm:host=127.0.0.1,port=$port"
			export TCTI TPM2TOOLS_TCTI=$TCTI
			if tpm2_startup -c >>"$dir/start.err" 2>&1; then
				return 0
			fi
			echo "swtpm on port $port: TPM2_Startup failed" >&2
			tpm_stop
			return 1
		fi
		sleep 0.02
	done
	echo "swtpm did not start: $(tail -2 "$dir/start.err")" >&2
	return 1
}

tpm_stop() {
	local i st
	[ -n "$TPM_PID" ] || return 0
	tpm2_shutdown -c >/dev/null 2>&1 || echo "warning: TPM2_Shutdown failed" >&2
	kill -TERM "$TPM_PID" 2>/dev/null
	# A daemonised swtpm stays a zombie until init reaps it: wait for
	# the pid file to go, or for the process to be gone or a zombie.
	for i in $(seq 1 300); do
		st=$(awk '{print $3}' "/proc/$TPM_PID/stat" 2>/dev/null)
		if [ ! -e "$TPM_STATE/swtpm.pid" ] && { [ -z "$st" ] || [ "$st" = Z ]; }; then
			break
		fi
		sleep 0.01
	done
	TPM_PID=
}

tpm_clean() {
	local t s
	t=$(tpm2_getcap handles-transient 2>&1)
	s=$(tpm2_getcap handles-loaded-session 2>&1)
	if [ -z "$t$s" ]; then
		pass "$1"
	else
		fail "$1 (left in the TPM: $t $s)"
	fi
}

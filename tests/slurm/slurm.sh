# A one-node Slurm cluster on 127.0.0.1 for the scheduler tests (sourced
# after tests/cli/lib.sh, not run).
#
#   slurm_start   generate a config under $T/slurm, start munged (its own
#                 key and socket), slurmctld and slurmd on random free
#                 loopback ports; export SLURM_CONF; wait until the node is
#                 idle
#   slurm_wait J  wait until job J (and its array tasks) left the queue
#   slurm_state J the final state of job J (COMPLETED, FAILED, CANCELLED...)
#   slurm_stop    stop the daemons (run from the EXIT trap)
#
# Debian's slurm-wlm daemons, really run: slurmd needs root, as on a real
# cluster node. A missing program or a non-root run is a failure.
for dep in munged munge slurmctld slurmd sbatch squeue scontrol sinfo scancel; do
	command -v "$dep" >/dev/null || {
		echo "missing dependency: $dep (apt-get install munge slurmctld slurmd slurm-client)" >&2
		exit 1
	}
done
[ "$(id -u)" -eq 0 ] || { echo "the Slurm tests run slurmd, which needs root" >&2; exit 1; }
SLURM_DIR=
trap 'slurm_stop; rm -rf "$T"' EXIT

slurm_start() {
	local d=$T/slurm host port i
	host=$(hostname -s)
	mkdir -p "$d/state" "$d/spool" "$d/log" "$d/munge"
	chmod 711 "$d/munge"
	head -c 1024 /dev/urandom >"$d/munge/key"
	chmod 600 "$d/munge/key"
	munged -f --socket="$d/munge/sock" --key-file="$d/munge/key" \
		--log-file="$d/log/munged.log" --pid-file="$d/munge/pid" \
		--seed-file="$d/munge/seed" || { echo "munged did not start" >&2; return 1; }
	SLURM_DIR=$d
	port=$(((RANDOM % 10000) * 2 + 30000))
	cat >"$d/slurm.conf" <<CONF
ClusterName=mlattest$$
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$d/munge/sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
	# slurmd always starts its cgroup plugin, even with proctrack/linuxproc
	# and task/none; pointing cgroup/v1 at an empty directory keeps it off
	# the host's cgroups, and lets it start where /sys is not mounted (a
	# chroot).
	mkdir -p "$d/cgroup"
	printf 'CgroupPlugin=cgroup/v1\nCgroupMountpoint=%s\nCgroupAutomount=no\n' \
		"$d/cgroup" >"$d/cgroup.conf"
	export SLURM_CONF=$d/slurm.conf
	slurmctld -c -f "$SLURM_CONF" || { echo "slurmctld did not start" >&2; return 1; }
	slurmd -f "$SLURM_CONF" || { echo "slurmd did not start" >&2; return 1; }
	for i in $(seq 1 100); do
		sinfo -h -o %T 2>/dev/null | grep -qx idle && return 0
		sleep 0.2
	done
	echo "the Slurm node never became idle:" >&2
	tail -5 "$d/log/slurmctld.log" "$d/log/slurmd.log" >&2
	return 1
}

slurm_wait() {
	local i
	for i in $(seq 1 600); do
		[ -z "$(squeue -h -j "$1" -o %i 2>/dev/null)" ] && return 0
		sleep 0.2
	done
	echo "job $1 still queued after 120 s" >&2
	return 1
}

# The state of a finished job: MinJobAge keeps it visible to scontrol.
slurm_state() {
	scontrol -o show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' |
		cut -d= -f2 | sort -u | tr '\n' ' ' | sed 's/ $//'
}

slurm_stop() {
	[ -n "$SLURM_DIR" ] || return 0
	local f
	for f in slurmd slurmctld; do
		[ -f "$SLURM_DIR/$f.pid" ] && kill "$(cat "$SLURM_DIR/$f.pid")" 2>/dev/null
	done
	munged --socket="$SLURM_DIR/munge/sock" -s >/dev/null 2>&1
	for f in slurmd slurmctld; do
		for _ in $(seq 1 100); do
			[ -f "$SLURM_DIR/$f.pid" ] && kill -0 "$(cat "$SLURM_DIR/$f.pid")" 2>/dev/null || break
			sleep 0.1
		done
	done
	SLURM_DIR=
}

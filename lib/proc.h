/*
 * Running a wrapped command (attest run, attest eval): posix_spawnp with
 * stdin, stdout and stderr passed through, SIGINT/SIGTERM/SIGHUP sent to
 * this process forwarded to the child, and optionally stdout/stderr teed
 * into log files whose SHA-256 is computed as they are written.
 */
#ifndef MLATTEST_LIB_PROC_H
#define MLATTEST_LIB_PROC_H

#include <signal.h>
#include <sys/types.h>

#include "lib/err.h"
#include "lib/hash.h"

/*
 * Another way to start the command and wait for it (attest run --trace).
 * start forks and execs argv (argv[0] searched on the PATH) with envp; in
 * the child, stdin, stdout and stderr become fds[0..2], the signal mask is
 * *mask and the signals in *dflt get their default action. It returns 0
 * once the program runs, with *pid set, or a negative code with e filled
 * when it could not be started. ended is nonzero once the command and
 * every process it started have ended. wait blocks until then and fills
 * *wstatus with the command's wait status; 0, or negative with e filled.
 * proc_run never calls waitpid while a launcher is in use.
 */
struct proc_launcher {
	int (*start)(void *arg, pid_t *pid, char *const argv[],
		     char *const envp[], const int fds[3], const sigset_t *mask,
		     const sigset_t *dflt, struct err *e);
	int (*ended)(void *arg);
	int (*wait)(void *arg, int *wstatus, struct err *e);
	void *arg;
};

struct proc_opts {
	/* When set, the child's stdout/stderr are also written to these
	 * files (created new, atomically renamed into place at the end). */
	const char *stdout_log;
	const char *stderr_log;
	/* The child's environment, exactly (NULL: an empty one). */
	char *const *envp;
	/* Set when the caller ignores SIGPIPE for itself but not for the
	 * child: the child starts with the default disposition. */
	int reset_sigpipe;
	/* NULL: posix_spawnp and waitpid. */
	const struct proc_launcher *launcher;
};

struct proc_result {
	int started;   /* 0: the command could not be started */
	int exited;    /* 1: exit_code is valid */
	int exit_code; /* the child's exit status */
	int signal;    /* the signal that killed it, when !exited */
	unsigned char stdout_sha256[SHA256_LEN];
	unsigned char stderr_sha256[SHA256_LEN];
	unsigned long long stdout_bytes, stderr_bytes;
};

/*
 * Runs argv[0] (searched on the PATH of this process) with argv and
 * opts->envp, and waits for it. Every descriptor this opens is
 * close-on-exec; the child gets stdin, stdout and stderr (the tee pipes
 * with logs) and whatever else the caller left inheritable. Fills *res. Returns
 * 0 when the child ran (whatever its status); when it could not be started,
 * res->started is 0 and the error (EXIT_UNDECIDED) names the command. Signals:
 * while the child runs, a SIGINT, SIGTERM or SIGHUP sent to this process by
 * another process is sent on to the child (a terminal's signals already reach
 * the whole process group, so they are not sent twice). A signal the caller
 * ignores (nohup, a background job) stays ignored, here and in the child.
 * When stdout or stderr's reader goes away the pass-through stops and the
 * log files are still written whole (the caller ignores SIGPIPE).
 */
int proc_run(struct proc_result *res, char *const argv[],
	     const struct proc_opts *opts, struct err *e);

/* The conventional status of a finished run: the exit code, or 128+signal;
 * 127 when the command could not be started. */
int proc_status(const struct proc_result *res);

#endif

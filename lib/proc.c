/*
 * Spawning and waiting for a wrapped command (see proc.h). The child's pid
 * lives in one static because a signal handler must reach it; nothing else
 * here is global.
 */
/* mkostemp, pipe2: descriptors are close-on-exec from the start. */
#define _GNU_SOURCE
#include "lib/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/fileio.h"

static volatile sig_atomic_t child_pid;

static char *const empty_env[] = {NULL};

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP};
#define NFORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

static void
forward(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	/* SI_KERNEL: from the terminal, which signalled the child too. */
	if (info != NULL && info->si_code == SI_KERNEL)
		return;
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

struct tee {
	int rfd;   /* read end of the child's pipe, -1 when closed */
	int outfd; /* where it is passed through */
	int logfd; /* temp log file */
	char tmp[PATH_MAX];
	const char *path;
	EVP_MD_CTX *md;
	unsigned long long bytes;
};

static int
tee_open(struct tee *t, const char *path, int outfd, struct err *e)
{
	int p[2];

	memset(t, 0, sizeof(*t));
	t->rfd = t->logfd = -1;
	t->outfd = outfd;
	t->path = path;
	if ((size_t)snprintf(t->tmp, sizeof(t->tmp), "%s.tmp.XXXXXX", path) >=
	    sizeof(t->tmp))
		return err_set(e, EXIT_UNDECIDED, "%s: path too long", path);
	t->logfd = mkostemp(t->tmp, O_CLOEXEC);
	if (t->logfd < 0)
		return err_sys(e, EXIT_UNDECIDED, errno, "%s", path);
	t->md = EVP_MD_CTX_new();
	if (t->md == NULL || EVP_DigestInit_ex(t->md, EVP_sha256(), NULL) != 1)
		return err_ossl(e, EXIT_UNDECIDED, "%s", path);
	if (pipe2(p, O_CLOEXEC) != 0)
		return err_sys(e, EXIT_UNDECIDED, errno, "pipe");
	t->rfd = p[0];
	return p[1];
}

/* Copies what is readable; returns 0, or 1 at EOF. */
static int
tee_pump(struct tee *t)
{
	char buf[65536];
	ssize_t n = read(t->rfd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		close(t->rfd);
		t->rfd = -1;
		return 1;
	}
	/* A reader that went away (EPIPE) stops the pass-through only. */
	if (t->outfd >= 0 && file_write_all(t->outfd, buf, (size_t)n) != 0)
		t->outfd = -1;
	if (file_write_all(t->logfd, buf, (size_t)n) == 0)
		EVP_DigestUpdate(t->md, buf, (size_t)n);
	t->bytes += (unsigned long long)n;
	return 0;
}

static int
tee_close(struct tee *t, int keep, unsigned char digest[SHA256_LEN],
	  unsigned long long *bytes, struct err *e)
{
	int rc = 0;

	if (t->rfd >= 0)
		close(t->rfd);
	if (t->logfd >= 0 && !keep) {
		close(t->logfd);
		unlink(t->tmp);
	} else if (t->logfd >= 0) {
		if (fsync(t->logfd) != 0 || close(t->logfd) != 0 ||
		    rename(t->tmp, t->path) != 0)
			rc = err_sys(e, EXIT_UNDECIDED, errno, "%s", t->path);
		if (rc != 0)
			unlink(t->tmp);
	}
	if (t->md != NULL && EVP_DigestFinal_ex(t->md, digest, NULL) != 1 &&
	    rc == 0)
		rc = err_ossl(e, EXIT_UNDECIDED, "%s", t->path);
	EVP_MD_CTX_free(t->md);
	*bytes = t->bytes;
	return rc;
}

static int
reap(const struct proc_launcher *l, pid_t pid, int *wstatus)
{
	if (l != NULL)
		return l->ended(l->arg);
	return waitpid(pid, wstatus, WNOHANG) == pid;
}

static void
pump_all(struct tee *tees, size_t n, pid_t pid, int *wstatus, int *reaped,
	 const struct proc_launcher *l)
{
	struct pollfd pfd[2];
	size_t i, open_n;

	for (;;) {
		open_n = 0;
		for (i = 0; i < n; i++) {
			pfd[i].fd = tees[i].rfd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
			open_n += tees[i].rfd >= 0;
		}
		if (open_n == 0)
			return;
		if (!*reaped && reap(l, pid, wstatus))
			*reaped = 1;
		/* A grandchild may hold the pipes open after the child
		 * exits: drain what is there, then stop. */
		if (poll(pfd, n, *reaped ? 0 : 200) <= 0) {
			if (*reaped)
				return;
			continue;
		}
		for (i = 0; i < n; i++)
			if (tees[i].rfd >= 0 &&
			    (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				tee_pump(&tees[i]);
	}
}

/*
 * Installs the forwarding handler, except over a signal the caller ignores
 * (nohup, a background job): that one stays ignored here and in the child.
 */
static int
setup_signals(struct sigaction *old, sigset_t *oldmask)
{
	struct sigaction sa;
	sigset_t block;
	size_t i;

	sigemptyset(&block);
	for (i = 0; i < NFORWARDED; i++)
		sigaddset(&block, forwarded[i]);
	sigprocmask(SIG_BLOCK, &block, oldmask);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NFORWARDED; i++) {
		if (sigaction(forwarded[i], NULL, &old[i]) != 0)
			return -1;
		if (old[i].sa_handler != SIG_IGN &&
		    sigaction(forwarded[i], &sa, NULL) != 0)
			return -1;
	}
	return 0;
}

static void
restore_signals(const struct sigaction *old, const sigset_t *oldmask)
{
	size_t i;

	for (i = 0; i < NFORWARDED; i++)
		sigaction(forwarded[i], &old[i], NULL);
	sigprocmask(SIG_SETMASK, oldmask, NULL);
}

int
proc_run(struct proc_result *res, char *const argv[],
	 const struct proc_opts *opts, struct err *e)
{
	struct sigaction old[NFORWARDED];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct tee tees[2];
	sigset_t oldmask, dflt;
	char *const *envp =
	    opts != NULL && opts->envp != NULL ? opts->envp : empty_env;
	const struct proc_launcher *launcher =
	    opts != NULL ? opts->launcher : NULL;
	size_t ntees = 0, i;
	int wfd[2] = {-1, -1}, wstatus = 0, reaped = 0, rc = 0, serr;
	pid_t pid = -1;

	memset(res, 0, sizeof(*res));
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	if (opts != NULL && opts->stdout_log != NULL) {
		wfd[0] = tee_open(&tees[ntees++], opts->stdout_log,
				  STDOUT_FILENO, e);
		if (wfd[0] < 0)
			goto fail;
		posix_spawn_file_actions_adddup2(&fa, wfd[0], STDOUT_FILENO);
	}
	if (opts != NULL && opts->stderr_log != NULL) {
		wfd[1] = tee_open(&tees[ntees++], opts->stderr_log,
				  STDERR_FILENO, e);
		if (wfd[1] < 0)
			goto fail;
		posix_spawn_file_actions_adddup2(&fa, wfd[1], STDERR_FILENO);
	}
	if (setup_signals(old, &oldmask) != 0) {
		rc = err_sys(e, EXIT_UNDECIDED, errno, "sigaction");
		goto fail;
	}
	/* The child starts with our old mask; exec resets the forwarding
	 * handler to the default and keeps what the caller ignored. */
	sigemptyset(&dflt);
	if (opts != NULL && opts->reset_sigpipe)
		sigaddset(&dflt, SIGPIPE);
	posix_spawnattr_setsigmask(&attr, &oldmask);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
					    POSIX_SPAWN_SETSIGDEF);
	if (launcher != NULL) {
		int fds[3] = {STDIN_FILENO,
			      wfd[0] >= 0 ? wfd[0] : STDOUT_FILENO,
			      wfd[1] >= 0 ? wfd[1] : STDERR_FILENO};
		serr = 0;
		rc = launcher->start(launcher->arg, &pid, argv, envp, fds,
				     &oldmask, &dflt, e);
		if (rc != 0) {
			restore_signals(old, &oldmask);
			goto fail;
		}
	} else {
		serr = posix_spawnp(&pid, argv[0], &fa, &attr, argv, envp);
	}
	if (serr != 0) {
		restore_signals(old, &oldmask);
		rc = err_sys(e, EXIT_UNDECIDED, serr, "cannot run %s", argv[0]);
		goto fail;
	}
	res->started = 1;
	child_pid = pid;
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	for (i = 0; i < 2; i++)
		if (wfd[i] >= 0) {
			close(wfd[i]);
			wfd[i] = -1;
		}
	pump_all(tees, ntees, pid, &wstatus, &reaped, launcher);
	if (launcher != NULL) {
		rc = launcher->wait(launcher->arg, &wstatus, e);
		reaped = rc == 0;
	}
	while (!reaped && rc == 0) {
		if (waitpid(pid, &wstatus, 0) == pid)
			reaped = 1;
		else if (errno != EINTR)
			break;
	}
	child_pid = 0;
	restore_signals(old, &oldmask);
	if (!reaped) {
		if (rc == 0)
			rc = err_sys(e, EXIT_UNDECIDED, errno, "waitpid");
		goto out;
	}
	res->exited = WIFEXITED(wstatus);
	res->exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 0;
	res->signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
	goto out;
fail:
	if (rc == 0)
		rc = -e->code;
out:
	for (i = 0; i < 2; i++)
		if (wfd[i] >= 0)
			close(wfd[i]);
	for (i = 0; i < ntees; i++) {
		unsigned char *d = i == 0 && opts->stdout_log != NULL
				       ? res->stdout_sha256
				       : res->stderr_sha256;
		unsigned long long *b = d == res->stdout_sha256
					    ? &res->stdout_bytes
					    : &res->stderr_bytes;
		if (tee_close(&tees[i], res->started, d, b, e) != 0 && rc == 0)
			rc = -e->code;
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return rc;
}

int
proc_status(const struct proc_result *res)
{
	if (!res->started)
		return 127;
	if (res->exited)
		return res->exit_code;
	return 128 + res->signal;
}

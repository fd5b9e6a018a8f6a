/*
 * The tracer of attest run --trace (trace.h). One thread forks the
 * command, attaches with PTRACE_SEIZE while the child waits on a pipe,
 * and lets it install a seccomp filter and exec. The filter returns
 * SECCOMP_RET_TRACE for the calls in the table below, with the row's index
 * as its data, and SECCOMP_RET_ALLOW for everything else, so the tracee
 * stops only there. Opens are resolved after they return, from
 * /proc/TID/fd/N, so relative paths, dirfds and symlinks give the file the
 * kernel opened. The thread follows forks, vforks, clones and execs until
 * waitpid reports no tracee left, so a child that outlives its parent is
 * still traced.
 */
#define _GNU_SOURCE
#include "attest/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attest/gitinfo.h"
#include "lib/dynbuf.h"
#include "lib/hash.h"

#if defined(__x86_64__)
#define TRACE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define TRACE_ARCH AUDIT_ARCH_AARCH64
#endif

enum kind { K_OPEN, K_OPEN2, K_CREAT, K_EXEC, K_NAME };

struct call {
	long nr;
	enum kind kind;
	int dirfd; /* argument index of the directory fd, -1: the cwd */
	int path;  /* argument index of the path, -1: none */
	int flags; /* argument index of the open flags, -1: none */
};

static const struct call calls[] = {
#ifdef __NR_open
    {__NR_open, K_OPEN, -1, 0, 1},
#endif
    {__NR_openat, K_OPEN, 0, 1, 2},
    {__NR_openat2, K_OPEN2, 0, 1, 2},
#ifdef __NR_creat
    {__NR_creat, K_CREAT, -1, 0, -1},
#endif
    {__NR_open_by_handle_at, K_OPEN, -1, -1, 2},
    {__NR_execve, K_EXEC, -1, 0, -1},
    {__NR_execveat, K_EXEC, 0, 1, -1},
#ifdef __NR_rename
    {__NR_rename, K_NAME, -1, 1, -1},
#endif
    {__NR_renameat, K_NAME, 2, 3, -1},
    {__NR_renameat2, K_NAME, 2, 3, -1},
#ifdef __NR_link
    {__NR_link, K_NAME, -1, 1, -1},
#endif
    {__NR_linkat, K_NAME, 2, 3, -1},
#ifdef __NR_symlink
    {__NR_symlink, K_NAME, -1, 1, -1},
#endif
    {__NR_symlinkat, K_NAME, 1, 2, -1},
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))
#define MAX_FILTER (9 + 2 * NCALLS)

static const char *const default_system[] = {
    "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/sys", "/dev",
};
/* Writes there are not storage: never listed. */
static const char *const pseudo_fs[] = {"/dev", "/proc", "/sys"};

#define TRACE_OPTIONS                                                          \
	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK |  \
	 PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC |      \
	 PTRACE_O_EXITKILL)

struct task {
	pid_t tid;
	int call;	 /* row awaiting its exit stop, -1: none */
	unsigned access; /* TRAINING_TRACE_READ / _WRITE of that open */
	char *pending;	 /* exec: the program; rename, link: the new name */
};

enum state { ST_STARTING, ST_RUNNING, ST_FAILED, ST_ENDED };

struct failure {
	int stage; /* 0 dup2, 1 no_new_privs, 2 seccomp, 3 exec */
	int err;
};

struct trace {
	char **declared, **outputs, **system;
	size_t ndeclared, noutputs, nsystem;
	char code[PATH_MAX];	   /* the code directory, "" for none */
	struct gitinfo_files *git; /* what its commit pins, NULL: all of it */
	struct sock_filter filter[MAX_FILTER];
	unsigned short nfilter;
	struct proc_launcher launcher;

	/* Handed to the thread by start, valid until it returns. */
	char exe[PATH_MAX];
	char *const *argv, *const *envp;
	const int *fds;
	const sigset_t *mask, *dflt;

	pthread_t thread;
	int joinable;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	enum state state;
	struct err start_err;
	pid_t pid;
	int wstatus, have_status;
	int errpipe;

	struct task *tasks;
	size_t ntasks, taskcap;
	struct training_trace_file *files;
	size_t nfiles, filecap;
	uint32_t *index; /* open addressing over files: i + 1, 0 empty */
	size_t indexcap;
	unsigned long processes, threads;
	size_t nhashed, unresolved, dropped;
	unsigned long long hashed_bytes;
	int full_count, full_bytes, full_paths, full_tasks;
	char notes[TRAINING_TRACE_MAX_NOTES][200];
};

/* ---- prefixes ---- */

static int
list_add(char ***v, size_t *n, const char *s)
{
	char **nv;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return 0;
	if (*n >= TRACE_MAX_PREFIXES)
		return -1;
	nv = calloc(*n + 1, sizeof(*nv));
	if (nv == NULL || (nv[*n] = strdup(s)) == NULL) {
		free(nv);
		return -1;
	}
	if (*n > 0)
		memcpy(nv, *v, *n * sizeof(*nv));
	free(*v);
	*v = nv;
	(*n)++;
	return 0;
}

static void
list_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The parent of in resolved, its last component kept as it is. */
static int
abs_parent(char *out, const char *in)
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *slash = strrchr(in, '/');

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == in)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - in), in);
	if (realpath(dir, real) == NULL)
		return -1;
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s",
			     strcmp(real, "/") == 0 ? "" : real,
			     slash ? slash + 1 : in) >= PATH_MAX)
		return -1;
	return 0;
}

/*
 * An absolute path with symlinks resolved; for a path that does not exist
 * (yet), its parent resolved.
 */
static int
abs_path(char *out, const char *in)
{
	if (realpath(in, out) != NULL)
		return 0;
	return abs_parent(out, in);
}

/* argv[0] as execvp finds it on our PATH. */
static int
which(char *out, const char *name)
{
	const char *path = getenv("PATH"), *p, *end;

	if (strchr(name, '/') != NULL) {
		snprintf(out, PATH_MAX, "%s", name);
		return access(out, X_OK) == 0 ? 0 : -1;
	}
	if (path == NULL)
		path = "/bin:/usr/bin";
	for (p = path;; p = end + 1) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)snprintf(out, PATH_MAX, "%.*s%s%s", (int)(end - p),
				     p, end > p ? "/" : "", name) < PATH_MAX &&
		    access(out, X_OK) == 0) {
			struct stat st;
			if (stat(out, &st) == 0 && S_ISREG(st.st_mode))
				return 0;
		}
		if (*end == '\0')
			return -1;
	}
}

/* python, python3, python3.11: a name the interpreter is run by. */
static int
is_python(const char *name)
{
	const char *base = strrchr(name, '/');

	base = base ? base + 1 : name;
	return strncmp(base, "python", 6) == 0 &&
	       strspn(base + 6, "0123456789.") == strlen(base + 6);
}

/*
 * Asks the interpreter for sys.prefix, sys.base_prefix and the exec
 * prefixes, run with the command's environment (a virtualenv, pyenv).
 * Lines of at most 8 KiB in all; 0 when nothing was added.
 */
static int
python_ask(struct trace *t, const char *exe, char *const *envp)
{
	static const char code[] =
	    "import sys\nfor p in sorted({sys.prefix, sys.base_prefix, "
	    "sys.exec_prefix, sys.base_exec_prefix}): print(p)\n";
	char *argv[] = {(char *)exe, (char *)"-c", (char *)code, NULL};
	char buf[8192], *line, *end;
	posix_spawn_file_actions_t fa;
	size_t len = 0;
	int p[2], st, added = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		return 0;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
					 O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null",
					 O_WRONLY, 0);
	st = posix_spawn(&pid, exe, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (st != 0) {
		close(p[0]);
		return 0;
	}
	while (len < sizeof(buf) - 1 &&
	       (n = read(p[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 0;
	buf[len] = '\0';
	for (line = buf; (end = strchr(line, '\n')) != NULL; line = end + 1) {
		char real[PATH_MAX];
		*end = '\0';
		if (line[0] != '/' || strcmp(line, "/") == 0 ||
		    strlen(line) >= sizeof(real))
			continue;
		if (realpath(line, real) == NULL)
			memcpy(real, line, strlen(line) + 1);
		if (list_add(&t->system, &t->nsystem, real) != 0)
			return -1;
		added = 1;
	}
	return added;
}

/*
 * The Python installation: the command's interpreter when it is one,
 * else the python3 on PATH; asked for its prefixes, else PREFIX of
 * PREFIX/bin/python3 (the program and its real path).
 */
static int
python_prefixes(struct trace *t, const char *program, char *const *envp)
{
	char exe[PATH_MAX], real[PATH_MAX];
	const char *cands[2] = {exe, real};
	size_t i;
	int rc;

	if (which(exe, is_python(program) ? program : "python3") != 0)
		return 0;
	rc = python_ask(t, exe, envp);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (realpath(exe, real) == NULL)
		snprintf(real, sizeof(real), "%s", exe);
	for (i = 0; i < 2; i++) {
		char d[PATH_MAX], *s;
		snprintf(d, sizeof(d), "%s", cands[i]);
		s = strrchr(d, '/');
		if (s == NULL)
			continue;
		*s = '\0';
		s = strrchr(d, '/');
		if (s == NULL || strcmp(s, "/bin") != 0 || s == d)
			continue;
		*s = '\0';
		if (d[0] == '/' && list_add(&t->system, &t->nsystem, d) != 0)
			return -1;
	}
	return 0;
}

/* ---- the seccomp filter ---- */

static struct sock_filter
stmt(unsigned short code, unsigned k)
{
	struct sock_filter f = BPF_STMT(code, k);

	return f;
}

static struct sock_filter
jump(unsigned short code, unsigned k, unsigned char jt, unsigned char jf)
{
	struct sock_filter f = BPF_JUMP(code, k, jt, jf);

	return f;
}

static void
filter_build(struct trace *t)
{
	struct sock_filter *f = t->filter;
	unsigned short n = 0;
	size_t i;

	f[n++] =
	    stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[n++] = jump(BPF_JMP | BPF_JEQ | BPF_K, TRACE_ARCH, 1, 0);
	/* Another ABI (i386, x32) would open files unseen. */
	f[n++] = stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[n++] =
	    stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
	f[n++] = jump(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1);
	f[n++] = stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
#endif
	/* io_uring opens files without a system call the filter sees;
	 * programs fall back to plain calls when it is missing. */
	f[n++] = jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1);
	f[n++] = stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	for (i = 0; i < NCALLS; i++) {
		f[n++] = jump(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)calls[i].nr,
			      0, 1);
		f[n++] = stmt(BPF_RET | BPF_K, SECCOMP_RET_TRACE | (unsigned)i);
	}
	f[n++] = stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	t->nfilter = n;
}

/* In the child: async-signal-safe calls only. */
static int
filter_install(const struct trace *t)
{
	struct sock_fprog prog = {t->nfilter, (struct sock_filter *)t->filter};

	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* ---- the child ---- */

static void
child_fail(int fd, int stage)
{
	struct failure f = {stage, errno};
	ssize_t n = write(fd, &f, sizeof(f));

	(void)n;
	_exit(127);
}

/*
 * Waits on syncfd until the parent has attached (EOF: it could not), then
 * filters itself and execs. probe: one traced openat instead of exec.
 */
static void
child_run(const struct trace *t, int syncfd, int errfd, int probe)
{
	char go;
	int i;

	for (i = 0; !probe && i < 3; i++)
		/* The standard streams are inherited on purpose. */
		if (t->fds[i] != i && dup3(t->fds[i], i, 0) < 0)
			child_fail(errfd, 0);
	for (i = 1; !probe && i < NSIG; i++)
		if (sigismember(t->dflt, i) == 1)
			(void)signal(i, SIG_DFL);
	if (!probe)
		sigprocmask(SIG_SETMASK, t->mask, NULL);
	if (read(syncfd, &go, 1) != 1)
		_exit(127);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		child_fail(errfd, 1);
	if (filter_install(t) != 0)
		child_fail(errfd, 2);
	if (probe) {
		if (syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_CLOEXEC) <
		    0)
			child_fail(errfd, 2);
		_exit(0);
	}
	execve(t->exe, t->argv, t->envp);
	child_fail(errfd, 3);
}

static const char *
stage_name(int stage)
{
	static const char *const names[] = {
	    "cannot set up the standard streams",
	    "--trace: prctl(PR_SET_NO_NEW_PRIVS) refused",
	    "--trace: cannot install the seccomp filter", "cannot run"};

	return stage >= 0 && stage < 4 ? names[stage] : "cannot start";
}

static int
yama_scope(void)
{
	char buf[8] = "";
	int fd =
	    open("/proc/sys/kernel/yama/ptrace_scope", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? buf[0] - '0' : 0;
}

/* A number in /proc/PID/status ("\nName:\t123"), or none when the file or
 * the field is missing. */
static long
status_field(pid_t pid, const char *name, long none)
{
	char path[64], key[32], buf[1024];
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	snprintf(key, sizeof(key), "\n%s:", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return none;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return none;
	buf[n] = '\0';
	p = strstr(buf, key);
	return p != NULL ? strtol(p + strlen(key), NULL, 10) : none;
}

/* The TracerPid of pid's status: another tracer got there first. */
static long
tracer_of(pid_t pid)
{
	return status_field(pid, "TracerPid", 0);
}

static int
seize_error(struct err *e, int errnum, long tracer)
{
	int scope = yama_scope();

	if (tracer > 0)
		return err_set(e, EXIT_UNDECIDED,
			       "--trace: the command would already be traced "
			       "by process %ld (attest runs under a debugger "
			       "or tracer that follows children): %s; the "
			       "command was not started",
			       tracer, strerror(errnum));
	if (scope >= 2)
		return err_set(e, EXIT_UNDECIDED,
			       "--trace: ptrace is not allowed here: "
			       "kernel.yama.ptrace_scope is %d (%s): %s; the "
			       "command was not started",
			       scope,
			       scope == 3 ? "no process may trace"
					  : "only CAP_SYS_PTRACE may trace",
			       strerror(errnum));
	return err_set(e, EXIT_UNDECIDED,
		       "--trace: ptrace is not allowed here: "
		       "PTRACE_SEIZE: %s (a seccomp profile or a container "
		       "without CAP_SYS_PTRACE); the command was not started",
		       strerror(errnum));
}

/*
 * Forks the child (probe or command) and attaches to it; *syncfd is the
 * pipe end that releases it, *errfd where it reports a failure.
 */
static int
fork_seized(pid_t *pid, int *syncfd, int *errfd, const struct trace *t,
	    int probe, struct err *e)
{
	int sp[2], ep[2];

	if (pipe2(sp, O_CLOEXEC) != 0)
		return err_sys(e, EXIT_UNDECIDED, errno, "pipe");
	if (pipe2(ep, O_CLOEXEC) != 0) {
		close(sp[0]);
		close(sp[1]);
		return err_sys(e, EXIT_UNDECIDED, errno, "pipe");
	}
	*pid = fork();
	if (*pid == 0) {
		close(sp[1]);
		close(ep[0]);
		child_run(t, sp[0], ep[1], probe);
	}
	close(sp[0]);
	close(ep[1]);
	if (*pid < 0) {
		close(sp[1]);
		close(ep[0]);
		return err_sys(e, EXIT_UNDECIDED, errno, "fork");
	}
	if (ptrace(PTRACE_SEIZE, *pid, 0, TRACE_OPTIONS) != 0) {
		int saved = errno;
		long tracer = tracer_of(*pid);
		close(sp[1]);
		close(ep[0]);
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
		return seize_error(e, saved, tracer);
	}
	*syncfd = sp[1];
	*errfd = ep[0];
	return 0;
}

static int
failure_read(int fd, struct failure *f)
{
	return read(fd, f, sizeof(*f)) == (ssize_t)sizeof(*f) ? 0 : -1;
}

/* SPEC-RUN-12: tracing that cannot work stops attest before the command. */
static int
probe(const struct trace *t, struct err *e)
{
	struct failure f;
	pid_t pid;
	int syncfd, errfd, st, seen = 0, rc;

	rc = fork_seized(&pid, &syncfd, &errfd, t, 1, e);
	if (rc != 0)
		return rc;
	if (write(syncfd, "g", 1) != 1)
		kill(pid, SIGKILL);
	close(syncfd);
	while (waitpid(pid, &st, __WALL) == pid) {
		if (WIFEXITED(st) || WIFSIGNALED(st))
			break;
		if (((unsigned)st >> 16) == PTRACE_EVENT_SECCOMP)
			seen = 1;
		ptrace(PTRACE_CONT, pid, 0, 0);
	}
	if (failure_read(errfd, &f) == 0)
		rc = err_set(e, EXIT_UNDECIDED,
			     "%s: %s; the command was not "
			     "started",
			     stage_name(f.stage), strerror(f.err));
	else if (!seen)
		rc = err_set(e, EXIT_UNDECIDED,
			     "--trace: the seccomp filter did not stop the "
			     "probe process; the command was not started");
	close(errfd);
	return rc;
}

/* ---- what the tracees did ---- */

static uint32_t
path_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int
index_grow(struct trace *t)
{
	size_t cap = t->indexcap ? t->indexcap * 2 : 1024, i, j;
	uint32_t *ix = calloc(cap, sizeof(*ix));

	if (ix == NULL)
		return -1;
	for (i = 0; i < t->nfiles; i++) {
		j = path_hash(t->files[i].path) & (cap - 1);
		while (ix[j] != 0)
			j = (j + 1) & (cap - 1);
		ix[j] = (uint32_t)(i + 1);
	}
	free(t->index);
	t->index = ix;
	t->indexcap = cap;
	return 0;
}

static void note(struct trace *t, int *once, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
note(struct trace *t, int *once, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (*once)
		return;
	*once = 1;
	for (n = 0; n < TRAINING_TRACE_MAX_NOTES && t->notes[n][0]; n++)
		;
	if (n == TRAINING_TRACE_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(t->notes[n], sizeof(t->notes[n]), fmt, ap);
	va_end(ap);
}

static enum training_trace_group
classify(const struct trace *t, const char *path)
{
	size_t i;

	for (i = 0; i < t->ndeclared; i++)
		if (training_path_under(path, t->declared[i]))
			return TRAINING_TRACE_DECLARED;
	/* Under the code directory, what its commit pins. */
	if (t->code[0] != '\0' && training_path_under(path, t->code) &&
	    (t->git == NULL || gitinfo_pinned(t->git, path)))
		return TRAINING_TRACE_DECLARED;
	for (i = 0; i < t->nsystem; i++)
		if (training_path_under(path, t->system[i]))
			return TRAINING_TRACE_SYSTEM;
	return TRAINING_TRACE_UNDECLARED;
}

static int
write_outside(const struct trace *t, const char *path)
{
	size_t i;

	for (i = 0; i < t->noutputs; i++)
		if (training_path_under(path, t->outputs[i]))
			return 0;
	for (i = 0; i < sizeof(pseudo_fs) / sizeof(pseudo_fs[0]); i++)
		if (training_path_under(path, pseudo_fs[i]))
			return 0;
	return 1;
}

static struct training_trace_file *
file_find(const struct trace *t, const char *path)
{
	size_t j;

	if (t->indexcap == 0)
		return NULL;
	j = path_hash(path) & (t->indexcap - 1);
	for (; t->index[j] != 0; j = (j + 1) & (t->indexcap - 1))
		if (strcmp(t->files[t->index[j] - 1].path, path) == 0)
			return &t->files[t->index[j] - 1];
	return NULL;
}

static struct training_trace_file *
file_get(struct trace *t, const char *path)
{
	struct training_trace_file *f;
	size_t j;
	char *dup;

	if (t->indexcap == 0 && index_grow(t) != 0)
		return NULL;
	j = path_hash(path) & (t->indexcap - 1);
	for (; t->index[j] != 0; j = (j + 1) & (t->indexcap - 1))
		if (strcmp(t->files[t->index[j] - 1].path, path) == 0)
			return &t->files[t->index[j] - 1];
	if (t->nfiles >= TRACE_MAX_PATHS ||
	    dynarr_reserve((void **)&t->files, &t->filecap, t->nfiles + 1,
			   sizeof(*t->files), TRACE_MAX_PATHS) != 0 ||
	    (dup = strdup(path)) == NULL) {
		t->dropped++;
		note(t, &t->full_paths,
		     "more than %d distinct paths: later ones are not recorded",
		     TRACE_MAX_PATHS);
		return NULL;
	}
	f = &t->files[t->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = dup;
	f->group = classify(t, dup);
	t->index[j] = (uint32_t)(++t->nfiles);
	if (t->nfiles * 2 > t->indexcap && index_grow(t) != 0)
		return NULL;
	return &t->files[t->nfiles - 1];
}

/* The sha256 of an undeclared file when first read, within the ceilings. */
static void
hash_first(struct trace *t, struct training_trace_file *f, const char *src)
{
	struct err e = ERR_INIT;
	struct stat st;

	if (stat(src, &st) != 0 || !S_ISREG(st.st_mode))
		return;
	if (t->nhashed >= TRACE_MAX_HASHED) {
		note(t, &t->full_count,
		     "more than %d undeclared files: later ones are not hashed",
		     TRACE_MAX_HASHED);
		return;
	}
	if ((unsigned long long)st.st_size >
	    TRACE_MAX_HASH_BYTES - t->hashed_bytes) {
		note(t, &t->full_bytes,
		     "undeclared files past %llu bytes in all are not hashed",
		     TRACE_MAX_HASH_BYTES);
		return;
	}
	if (hash_file_sha256(f->sha256, &f->size, src, &e) != 0)
		return;
	f->hashed = 1;
	t->nhashed++;
	t->hashed_bytes += f->size;
}

/* src: where to read the file for hashing (/proc/TID/fd/N or the path). */
static void
record(struct trace *t, const char *path, unsigned access, const char *src)
{
	struct training_trace_file *f = file_get(t, path);
	unsigned fresh;

	if (f == NULL)
		return;
	fresh = access & ~f->flags;
	if ((fresh & TRAINING_TRACE_READ) && (f->flags & TRAINING_TRACE_WRITE))
		f->written_first = 1;
	if ((fresh & (TRAINING_TRACE_READ | TRAINING_TRACE_EXEC)) &&
	    f->group == TRAINING_TRACE_UNDECLARED && !f->hashed)
		hash_first(t, f, src);
	if ((fresh & TRAINING_TRACE_WRITE) && write_outside(t, path))
		f->write_outside = 1;
	f->flags |= access;
}

/* ---- tasks ---- */

static struct task *
task_find(struct trace *t, pid_t tid)
{
	size_t i;

	for (i = 0; i < t->ntasks; i++)
		if (t->tasks[i].tid == tid)
			return &t->tasks[i];
	return NULL;
}

static int
is_thread(pid_t tid)
{
	long tgid = status_field(tid, "Tgid", tid);

	return tgid != (long)tid;
}

static struct task *
task_get(struct trace *t, pid_t tid)
{
	struct task *k = task_find(t, tid);

	if (k != NULL)
		return k;
	if (dynarr_reserve((void **)&t->tasks, &t->taskcap, t->ntasks + 1,
			   sizeof(*t->tasks), TRACE_MAX_TASKS) != 0) {
		note(t, &t->full_tasks,
		     "more than %d tasks at once: some calls are not resolved",
		     TRACE_MAX_TASKS);
		return NULL;
	}
	k = &t->tasks[t->ntasks++];
	k->tid = tid;
	k->call = -1;
	k->access = 0;
	k->pending = NULL;
	if (tid != t->pid && is_thread(tid))
		t->threads++;
	else
		t->processes++;
	return k;
}

static void
task_drop(struct trace *t, pid_t tid)
{
	struct task *k = task_find(t, tid);

	if (k == NULL)
		return;
	free(k->pending);
	*k = t->tasks[--t->ntasks];
}

/* ---- reading the tracee ---- */

/* A NUL-terminated string at addr in tid, at most cap bytes with the NUL. */
static int
read_string(pid_t tid, uint64_t addr, char *buf, size_t cap)
{
	size_t got = 0, page = (size_t)sysconf(_SC_PAGESIZE);

	while (got < cap) {
		size_t chunk = page - (size_t)((addr + got) % page);
		struct iovec local, remote;
		ssize_t n;
		if (chunk > cap - got)
			chunk = cap - got;
		local.iov_base = buf + got;
		local.iov_len = chunk;
		remote.iov_base = (void *)(uintptr_t)(addr + got);
		remote.iov_len = chunk;
		n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return -1;
		if (memchr(buf + got, '\0', (size_t)n) != NULL)
			return 0;
		got += (size_t)n;
	}
	return -1;
}

/* The path argument of the call, prefixed so the tracer can resolve it. */
static int
call_path(char *out, pid_t tid, const struct call *c, const uint64_t *args)
{
	char arg[PATH_MAX];
	int dirfd = c->dirfd >= 0 ? (int)args[c->dirfd] : AT_FDCWD;

	if (c->path < 0 || read_string(tid, args[c->path], arg, sizeof(arg)))
		return -1;
	if (arg[0] == '/')
		return snprintf(out, PATH_MAX, "%s", arg) < PATH_MAX ? 0 : -1;
	if (dirfd == AT_FDCWD)
		return snprintf(out, PATH_MAX, "/proc/%d/cwd/%s", (int)tid,
				arg) < PATH_MAX
			   ? 0
			   : -1;
	return snprintf(out, PATH_MAX, "/proc/%d/fd/%d%s%s", (int)tid, dirfd,
			arg[0] ? "/" : "", arg) < PATH_MAX
		   ? 0
		   : -1;
}

static unsigned
open_access(uint64_t flags)
{
	switch (flags & O_ACCMODE) {
	case O_WRONLY:
		return TRAINING_TRACE_WRITE;
	case O_RDWR:
		return TRAINING_TRACE_READ | TRAINING_TRACE_WRITE;
	default:
		return TRAINING_TRACE_READ;
	}
}

static int
syscall_info(pid_t tid, struct __ptrace_syscall_info *si, int op)
{
	memset(si, 0, sizeof(*si));
	return ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(*si), si) > 0 &&
		       si->op == op
		   ? 0
		   : -1;
}

/* At the seccomp stop; resumes the tracee. */
static void
on_seccomp(struct trace *t, struct task *k, pid_t tid)
{
	struct __ptrace_syscall_info si;
	const struct call *c;
	char path[PATH_MAX];
	uint64_t flags = 0;
	enum __ptrace_request next = PTRACE_CONT;

	if (k == NULL || syscall_info(tid, &si, PTRACE_SYSCALL_INFO_SECCOMP) ||
	    si.seccomp.ret_data >= NCALLS) {
		ptrace(PTRACE_CONT, tid, 0, 0);
		return;
	}
	c = &calls[si.seccomp.ret_data];
	free(k->pending);
	k->pending = NULL;
	k->call = -1;
	switch (c->kind) {
	case K_OPEN2: {
		/* struct open_how starts with the flags. */
		struct iovec l = {&flags, sizeof(flags)};
		struct iovec r = {(void *)(uintptr_t)si.seccomp.args[2],
				  sizeof(flags)};
		if (process_vm_readv(tid, &l, 1, &r, 1, 0) !=
		    (ssize_t)sizeof(flags))
			flags = 0;
	}
		/* fall through */
	case K_OPEN:
		if (c->kind == K_OPEN)
			flags = si.seccomp.args[c->flags];
		if (flags & O_PATH)
			break;
		k->access = open_access(flags);
		k->call = (int)si.seccomp.ret_data;
		next = PTRACE_SYSCALL;
		break;
	case K_CREAT:
		k->access = TRAINING_TRACE_WRITE;
		k->call = (int)si.seccomp.ret_data;
		next = PTRACE_SYSCALL;
		break;
	case K_EXEC:
		if (call_path(path, tid, c, si.seccomp.args) == 0) {
			char real[PATH_MAX];
			if (realpath(path, real) != NULL)
				k->pending = strdup(real);
		}
		break;
	case K_NAME:
		if (call_path(path, tid, c, si.seccomp.args) == 0) {
			k->pending = strdup(path);
			k->call = (int)si.seccomp.ret_data;
			next = PTRACE_SYSCALL;
		} else {
			t->unresolved++;
		}
		break;
	}
	ptrace(next, tid, 0, 0);
}

/* At the exit stop of an open, rename or link that was let through. */
static void
on_exit_stop(struct trace *t, struct task *k, pid_t tid)
{
	struct __ptrace_syscall_info si;
	const struct training_trace_file *f;
	char link[64], path[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (k == NULL || k->call < 0)
		return;
	if (syscall_info(tid, &si, PTRACE_SYSCALL_INFO_EXIT) == 0 &&
	    !si.exit.is_error && si.exit.rval >= 0) {
		if (calls[k->call].kind == K_NAME) {
			if (k->pending != NULL &&
			    abs_parent(path, k->pending) == 0)
				record(t, path, TRAINING_TRACE_WRITE, path);
		} else {
			snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)tid,
				 (int)si.exit.rval);
			n = readlink(link, path, sizeof(path) - 1);
			if (n > 0)
				path[n] = '\0';
			/* A file opened again (an epoch, an import) was
			 * recorded the first time. */
			f = n > 0 ? file_find(t, path) : NULL;
			if (f != NULL && (f->flags & k->access) == k->access)
				;
			else if (n > 0 && path[0] == '/' &&
				 stat(link, &st) == 0 && !S_ISDIR(st.st_mode))
				record(t, path, k->access, link);
			else if (n <= 0)
				t->unresolved++;
		}
	}
	k->call = -1;
	free(k->pending);
	k->pending = NULL;
}

/* PTRACE_EVENT_EXEC: tid now runs a new program. */
static void
on_exec(struct trace *t, pid_t tid)
{
	unsigned long former = 0;
	struct task *f;
	char link[64], path[PATH_MAX];
	ssize_t n;

	ptrace(PTRACE_GETEVENTMSG, tid, 0, &former);
	f = task_find(t, (pid_t)former);
	if (f == NULL)
		f = task_find(t, tid);
	if (f != NULL && f->pending != NULL)
		record(t, f->pending, TRAINING_TRACE_EXEC, f->pending);
	/* The thread that called execve took over the leader's id. */
	if ((pid_t)former != tid)
		task_drop(t, (pid_t)former);
	f = task_find(t, tid);
	if (f != NULL) {
		free(f->pending);
		f->pending = NULL;
		f->call = -1;
	}
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)tid);
	n = readlink(link, path, sizeof(path) - 1);
	if (n > 0) {
		path[n] = '\0';
		record(t, path, TRAINING_TRACE_EXEC, link);
	}
	if (tid == t->pid) {
		pthread_mutex_lock(&t->mu);
		if (t->state == ST_STARTING) {
			t->state = ST_RUNNING;
			pthread_cond_broadcast(&t->cv);
		}
		pthread_mutex_unlock(&t->mu);
	}
}

static void
on_stop(struct trace *t, pid_t tid, int st)
{
	int sig = WSTOPSIG(st), ev = (int)((unsigned)st >> 16);
	struct task *k = task_get(t, tid);
	unsigned long msg = 0;

	if (ev == PTRACE_EVENT_SECCOMP) {
		on_seccomp(t, k, tid);
		return;
	}
	if (sig == (SIGTRAP | 0x80)) {
		on_exit_stop(t, k, tid);
		ptrace(PTRACE_CONT, tid, 0, 0);
		return;
	}
	switch (ev) {
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg) == 0)
			task_get(t, (pid_t)msg);
		ptrace(PTRACE_CONT, tid, 0, 0);
		break;
	case PTRACE_EVENT_EXEC:
		on_exec(t, tid);
		ptrace(PTRACE_CONT, tid, 0, 0);
		break;
	case PTRACE_EVENT_STOP:
		/* A group stop stays stopped until SIGCONT; the first stop
		 * of a new task does not. */
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
		    sig == SIGTTOU)
			ptrace(PTRACE_LISTEN, tid, 0, 0);
		else
			ptrace(PTRACE_CONT, tid, 0, 0);
		break;
	case 0:
		ptrace(PTRACE_CONT, tid, 0, sig);
		break;
	default:
		ptrace(PTRACE_CONT, tid, 0, 0);
	}
}

static void
on_gone(struct trace *t, pid_t tid, int st)
{
	struct failure f;

	task_drop(t, tid);
	if (tid != t->pid)
		return;
	t->wstatus = st;
	t->have_status = 1;
	pthread_mutex_lock(&t->mu);
	if (t->state == ST_STARTING) {
		if (failure_read(t->errpipe, &f) == 0)
			err_set(&t->start_err, EXIT_UNDECIDED, "%s %s: %s",
				stage_name(f.stage),
				f.stage == 3 ? t->argv[0] : "",
				strerror(f.err));
		else
			err_set(&t->start_err, EXIT_UNDECIDED,
				"cannot run %s: it ended before it started",
				t->argv[0]);
		t->state = ST_FAILED;
		pthread_cond_broadcast(&t->cv);
	}
	pthread_mutex_unlock(&t->mu);
}

static void *
tracer_main(void *arg)
{
	struct trace *t = arg;
	struct err e = ERR_INIT;
	int syncfd, st;
	pid_t tid;

	if (fork_seized(&t->pid, &syncfd, &t->errpipe, t, 0, &e) != 0) {
		pthread_mutex_lock(&t->mu);
		t->start_err = e;
		t->state = ST_FAILED;
		pthread_cond_broadcast(&t->cv);
		pthread_mutex_unlock(&t->mu);
		return NULL;
	}
	task_get(t, t->pid);
	if (write(syncfd, "g", 1) != 1)
		kill(t->pid, SIGKILL);
	close(syncfd);
	for (;;) {
		tid = waitpid(-1, &st, __WALL);
		if (tid < 0 && errno == EINTR)
			continue;
		if (tid < 0)
			break; /* ECHILD: no tracee left */
		if (WIFEXITED(st) || WIFSIGNALED(st))
			on_gone(t, tid, st);
		else if (WIFSTOPPED(st))
			on_stop(t, tid, st);
	}
	close(t->errpipe);
	t->errpipe = -1;
	pthread_mutex_lock(&t->mu);
	if (t->state != ST_FAILED)
		t->state = ST_ENDED;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/* ---- the launcher ---- */

static int
launch_start(void *arg, pid_t *pid, char *const argv[], char *const envp[],
	     const int fds[3], const sigset_t *mask, const sigset_t *dflt,
	     struct err *e)
{
	struct trace *t = arg;
	int rc;

	if (which(t->exe, argv[0]) != 0)
		return err_sys(e, EXIT_UNDECIDED, errno ? errno : ENOENT,
			       "cannot run %s", argv[0]);
	t->argv = argv;
	t->envp = envp;
	t->fds = fds;
	t->mask = mask;
	t->dflt = dflt;
	rc = pthread_create(&t->thread, NULL, tracer_main, t);
	if (rc != 0)
		return err_sys(e, EXIT_UNDECIDED, rc, "--trace: thread");
	t->joinable = 1;
	pthread_mutex_lock(&t->mu);
	while (t->state == ST_STARTING)
		pthread_cond_wait(&t->cv, &t->mu);
	rc = t->state == ST_FAILED;
	pthread_mutex_unlock(&t->mu);
	if (rc) {
		pthread_join(t->thread, NULL);
		t->joinable = 0;
		*e = t->start_err;
		return -e->code;
	}
	*pid = t->pid;
	return 0;
}

static int
launch_ended(void *arg)
{
	struct trace *t = arg;
	int ended;

	pthread_mutex_lock(&t->mu);
	ended = t->state == ST_ENDED;
	pthread_mutex_unlock(&t->mu);
	return ended;
}

static int
launch_wait(void *arg, int *wstatus, struct err *e)
{
	struct trace *t = arg;

	if (t->joinable) {
		pthread_join(t->thread, NULL);
		t->joinable = 0;
	}
	if (!t->have_status)
		return err_set(e, EXIT_UNDECIDED,
			       "--trace: the command's status was not seen");
	*wstatus = t->wstatus;
	return 0;
}

/* ---- public ---- */

static int
declare(struct trace *t, const char *path, struct err *e)
{
	char p[PATH_MAX];

	if (path == NULL)
		return 0;
	if (abs_path(p, path) != 0 ||
	    list_add(&t->declared, &t->ndeclared, p) != 0)
		return err_sys(e, EXIT_UNDECIDED, errno ? errno : ENOMEM,
			       "--trace: %s", path);
	return 0;
}

int
trace_setup(struct trace *t, const struct trace_opts *o, struct err *e)
{
	char p[PATH_MAX];
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < o->ninputs; i++)
		rc = declare(t, o->inputs[i], e);
	for (i = 0; rc == 0 && i < o->nconfigs; i++)
		rc = declare(t, o->configs[i], e);
	if (rc == 0)
		rc = declare(t, o->base_model, e);
	if (rc == 0 && o->code != NULL) {
		struct err ge = ERR_INIT;
		if (abs_path(t->code, o->code) != 0)
			rc = err_sys(e, EXIT_UNDECIDED, errno, "--trace: %s",
				     o->code);
		else if (gitinfo_files_open(&t->git, o->code, &ge) != 0)
			t->git = NULL; /* not a work tree: all of it */
	}
	if (rc == 0)
		rc = declare(t, o->links_within, e);
	for (i = 0; rc == 0 && i < o->noutputs; i++)
		if (abs_path(p, o->outputs[i]) != 0 ||
		    list_add(&t->outputs, &t->noutputs, p) != 0)
			rc = err_sys(e, EXIT_UNDECIDED, errno ? errno : ENOMEM,
				     "--trace: %s", o->outputs[i]);
	for (i = 0;
	     rc == 0 && i < sizeof(default_system) / sizeof(default_system[0]);
	     i++)
		if (list_add(&t->system, &t->nsystem, default_system[i]) != 0)
			rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; rc == 0 && i < o->nsystem; i++) {
		if (o->system[i][0] != '/')
			return err_set(e, EXIT_USAGE,
				       "--trace-system-prefix %s: not an "
				       "absolute path",
				       o->system[i]);
		if (abs_path(p, o->system[i]) != 0)
			snprintf(p, sizeof(p), "%s", o->system[i]);
		if (list_add(&t->system, &t->nsystem, p) != 0)
			rc = err_set(e, EXIT_USAGE,
				     "--trace-system-prefix: at most %d",
				     TRACE_MAX_PREFIXES);
	}
	if (rc == 0 && python_prefixes(t, o->program, o->envp) != 0)
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	return rc;
}

int
trace_new(struct trace **out, struct err *e)
{
	struct trace *t = calloc(1, sizeof(*t));
	int rc;

	*out = NULL;
	if (t == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	t->errpipe = -1;
	t->launcher =
	    (struct proc_launcher){launch_start, launch_ended, launch_wait, t};
#ifndef TRACE_ARCH
	rc = err_set(e, EXIT_UNDECIDED,
		     "--trace: not supported on this architecture (x86_64 and "
		     "aarch64 only); the command was not started");
#else
	filter_build(t);
	rc = yama_scope() == 3 ? seize_error(e, EPERM, 0) : probe(t, e);
#endif
	if (rc != 0) {
		trace_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void
trace_free(struct trace *t)
{
	size_t i;

	if (t == NULL)
		return;
	if (t->joinable)
		pthread_join(t->thread, NULL);
	for (i = 0; i < t->ntasks; i++)
		free(t->tasks[i].pending);
	free(t->tasks);
	for (i = 0; i < t->nfiles; i++)
		free((char *)t->files[i].path);
	free(t->files);
	free(t->index);
	list_free(t->declared, t->ndeclared);
	gitinfo_files_free(t->git);
	list_free(t->outputs, t->noutputs);
	list_free(t->system, t->nsystem);
	if (t->errpipe >= 0)
		close(t->errpipe);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t);
}

const struct proc_launcher *
trace_launcher(struct trace *t)
{
	return &t->launcher;
}

static int
by_path(const void *a, const void *b)
{
	return strcmp(((const struct training_trace_file *)a)->path,
		      ((const struct training_trace_file *)b)->path);
}

void
trace_result(struct training_trace *out, struct trace *t)
{
	size_t i;
	int once = 0;

	memset(out, 0, sizeof(*out));
	if (t->nfiles > 1)
		qsort(t->files, t->nfiles, sizeof(*t->files), by_path);
	free(t->index); /* the order changed */
	t->index = NULL;
	t->indexcap = 0;
	if (t->unresolved > 0)
		note(t, &once, "%zu calls could not be resolved to a path",
		     t->unresolved);
	out->files = t->files;
	out->nfiles = t->nfiles;
	out->system_prefixes = (const char *const *)t->system;
	out->nsystem = t->nsystem;
	out->processes = t->processes;
	out->complete = !t->full_paths && !t->full_tasks;
	out->threads = t->threads;
	for (i = 0; i < TRAINING_TRACE_MAX_NOTES && t->notes[i][0]; i++)
		out->notes[out->nnotes++] = t->notes[i];
}

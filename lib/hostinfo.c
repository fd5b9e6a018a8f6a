/*
 * Host facts for provenance (see hostinfo.h). Files are read whole through
 * file_read under small ceilings; nvidia-smi runs through posix_spawn (no
 * shell) with its output bounded and a deadline after which its process
 * group is killed.
 */
#include "lib/hostinfo.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/fileio.h"

#define HOST_MAX 256
#define MAX_CARDS 64

extern char **environ;

struct vendor {
	const char *id, *name;
};

static const struct vendor vendors[] = {
    {"0x10de", "nvidia"},
    {"0x1002", "amd"},
    {"0x8086", "intel"},
};

static int
oom(struct err *e)
{
	return err_set(e, EXIT_UNDECIDED, "hostinfo: out of memory");
}

/* root/rel as a NUL-terminated string, or NULL when unreadable. */
static char *
slurp(const char *root, const char *rel, size_t max)
{
	char path[PATH_MAX];
	unsigned char *buf = NULL;
	size_t len;

	if ((size_t)snprintf(path, sizeof(path), "%s%s", root, rel) >=
	    sizeof(path))
		return NULL;
	if (file_read(&buf, &len, path, max, NULL) != 0)
		return NULL;
	return (char *)buf;
}

static char *
trim(char *s)
{
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Copies the value of the first "key<sep>value" line of text, trimmed. */
static int
line_value(char *val, size_t cap, const char *text, const char *key, char sep)
{
	const char *line, *nl, *s, *kend, *v;
	size_t klen = strlen(key);

	for (line = text; *line != '\0'; line = nl + (*nl != '\0')) {
		nl = line + strcspn(line, "\n");
		s = memchr(line, sep, (size_t)(nl - line));
		if (s == NULL)
			continue;
		for (kend = s;
		     kend > line && (kend[-1] == ' ' || kend[-1] == '\t');
		     kend--)
			;
		if ((size_t)(kend - line) != klen || memcmp(line, key, klen))
			continue;
		for (v = s + 1; *v == ' ' || *v == '\t'; v++)
			;
		while (nl > v && isspace((unsigned char)nl[-1]))
			nl--;
		if ((size_t)(nl - v) >= cap)
			return -1;
		memcpy(val, v, (size_t)(nl - v));
		val[nl - v] = '\0';
		return 0;
	}
	return -1;
}

static int
file_value(char *val, size_t cap, const char *root, const char *rel,
	   const char *key, char sep)
{
	char *text = slurp(root, rel, HOSTINFO_MAX_PROC_BYTES);
	int rc;

	if (text == NULL)
		return -1;
	rc = line_value(val, cap, text, key, sep);
	free(text);
	return rc;
}

/* Adds a printable, non-empty, known string; anything else is left out. */
static void
set_str(json_t *obj, const char *key, const char *val)
{
	const unsigned char *p;

	if (val[0] == '\0' || val[0] == '[' ||
	    strlen(val) >= HOSTINFO_MAX_FIELD)
		return;
	for (p = (const unsigned char *)val; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return;
	json_object_set_new(obj, key, json_string(val));
}

static int
parse_u64(uint64_t *out, const char *s)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static void
set_u64(json_t *obj, const char *key, uint64_t v)
{
	if (v <= INT64_MAX)
		json_object_set_new(obj, key, json_integer((json_int_t)v));
}

/* PRETTY_NAME, unquoted as a shell would (os-release(5)). */
static int
os_name(char *val, size_t cap, const char *root)
{
	char *r, *w, q;

	if (file_value(val, cap, root, "/etc/os-release", "PRETTY_NAME", '=') !=
		0 &&
	    file_value(val, cap, root, "/usr/lib/os-release", "PRETTY_NAME",
		       '=') != 0)
		return -1;
	q = val[0];
	if (q != '"' && q != '\'')
		return strpbrk(val, "\"'\\$`") == NULL ? 0 : -1;
	for (r = val + 1, w = val; *r != '\0' && *r != q; r++) {
		if (q == '"' && r[0] == '\\' && r[1] != '\0' &&
		    strchr("\\\"$`", r[1]) != NULL)
			r++;
		*w++ = *r;
	}
	if (*r != q || r[1] != '\0')
		return -1;
	*w = '\0';
	return 0;
}

static void
mem_total(json_t *obj, const char *root)
{
	char val[64], *unit;
	uint64_t kb;

	if (file_value(val, sizeof(val), root, "/proc/meminfo", "MemTotal",
		       ':') != 0)
		return;
	unit = strchr(val, ' ');
	if (unit == NULL || strcmp(trim(unit), "kB") != 0)
		return;
	*strchr(val, ' ') = '\0';
	if (parse_u64(&kb, val) == 0 && kb <= INT64_MAX / 1024)
		set_u64(obj, "memoryBytes", kb * 1024);
}

int
hostinfo_collect_root(json_t **out, const char *root, struct err *e)
{
	char host[HOST_MAX + 1], val[HOSTINFO_MAX_FIELD];
	struct utsname u;
	json_t *o;
	long n;

	*out = NULL;
	o = json_object();
	if (o == NULL)
		return oom(e);
	if (gethostname(host, HOST_MAX) == 0) {
		host[HOST_MAX] = '\0';
		set_str(o, "hostname", host);
	}
	if (os_name(val, sizeof(val), root) == 0)
		set_str(o, "os", val);
	if (uname(&u) == 0) {
		snprintf(val, sizeof(val), "%s %s", u.release, u.version);
		set_str(o, "kernel", val);
		set_str(o, "arch", u.machine);
	}
	if (file_value(val, sizeof(val), root, "/proc/cpuinfo", "model name",
		       ':') == 0)
		set_str(o, "cpuModel", val);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n > 0)
		set_u64(o, "cpuCount", (uint64_t)n);
	mem_total(o, root);
	*out = o;
	return 0;
}

int
hostinfo_collect(json_t **out, struct err *e)
{
	return hostinfo_collect_root(out, "", e);
}

/* ---- nvidia-smi ---- */

/* The first absolute PATH entry holding an executable nvidia-smi. */
static int
smi_find(char *path, size_t cap)
{
	const char *p = getenv("PATH"), *end;
	struct stat st;
	size_t n;

	for (; p != NULL && *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = p + strcspn(p, ":");
		n = (size_t)(end - p);
		if (n == 0 || p[0] != '/' ||
		    (size_t)snprintf(path, cap, "%.*s/nvidia-smi", (int)n, p) >=
			cap)
			continue;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(path, X_OK) == 0)
			return 1;
	}
	return 0;
}

static long
ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(deadline->tv_sec - now.tv_sec) * 1000 +
	       (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* The child's wait status, or -1 when it was killed or is not ours. */
static int
reap(pid_t pid, const struct timespec *deadline, int kill_now)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	int status = 0;
	pid_t r;

	while (!kill_now) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (ms_left(deadline) <= 0)
			kill_now = 1;
		else
			nanosleep(&tick, NULL);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return -1;
}

static int
smi_spawn(pid_t *pid, int outfd, const char *path)
{
	static char a0[] = "nvidia-smi",
		    a1[] = "--query-gpu=name,uuid,driver_version,memory.total",
		    a2[] = "--format=csv,noheader,nounits";
	char *argv[] = {a0, a1, a2, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	int rc;

	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	if (posix_spawnattr_init(&at) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
					      0) ||
	     posix_spawn_file_actions_adddup2(&fa, outfd, 1) ||
	     posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY,
					      0) ||
	     posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
					       POSIX_SPAWN_SETSIGMASK |
					       POSIX_SPAWN_SETSIGDEF) ||
	     posix_spawnattr_setpgroup(&at, 0) ||
	     posix_spawnattr_setsigmask(&at, &none) ||
	     posix_spawnattr_setsigdefault(&at, &dfl) ||
	     posix_spawn(pid, path, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return rc ? -1 : 0;
}

/* Output of a successful run within the deadline, or -1. */
static int
smi_run(char **out, const char *path)
{
	struct timespec deadline;
	struct pollfd pfd;
	char *buf = NULL;
	size_t used = 0;
	int fds[2] = {-1, -1}, failed = 0, status, rc = -1;
	ssize_t n;
	pid_t pid;

	*out = NULL;
	buf = malloc(HOSTINFO_MAX_SMI_BYTES + 1);
	if (buf == NULL || pipe(fds) != 0)
		goto out;
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += HOSTINFO_SMI_TIMEOUT_MS / 1000;
	deadline.tv_nsec += (HOSTINFO_SMI_TIMEOUT_MS % 1000) * 1000000L;
	if (smi_spawn(&pid, fds[1], path) != 0)
		goto out;
	close(fds[1]);
	fds[1] = -1;
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	for (;;) {
		if (ms_left(&deadline) <= 0 || used == HOSTINFO_MAX_SMI_BYTES) {
			failed = 1;
			break;
		}
		if (poll(&pfd, 1, (int)ms_left(&deadline)) <= 0)
			continue;
		n = read(fds[0], buf + used, HOSTINFO_MAX_SMI_BYTES - used);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			failed = n < 0;
			break;
		}
		used += (size_t)n;
	}
	status = reap(pid, &deadline, failed);
	if (!failed && status != -1 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0) {
		buf[used] = '\0';
		*out = buf;
		buf = NULL;
		rc = 0;
	}
out:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	free(buf);
	return rc;
}

/* Splits line at sep into at most max trimmed fields; returns the count. */
static size_t
split(char **f, size_t max, char *line, char sep)
{
	size_t n = 0;
	char *next;

	for (; line != NULL; line = next) {
		next = strchr(line, sep);
		if (next != NULL)
			*next++ = '\0';
		if (n == max)
			return max + 1;
		f[n++] = trim(line);
	}
	return n;
}

static void
smi_parse(json_t *a, char *text)
{
	char *line, *next, *f[4];
	uint64_t mib;
	json_t *o;

	for (line = text;
	     line != NULL && json_array_size(a) < HOSTINFO_MAX_GPUS;
	     line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (split(f, 4, line, ',') != 4)
			continue;
		o = json_object();
		if (o == NULL)
			return;
		set_str(o, "vendor", "nvidia");
		set_str(o, "name", f[0]);
		set_str(o, "uuid", f[1]);
		set_str(o, "driverVersion", f[2]);
		if (parse_u64(&mib, f[3]) == 0)
			set_u64(o, "memoryMiB", mib);
		if (json_object_get(o, "name") == NULL)
			json_decref(o);
		else
			json_array_append_new(a, o);
	}
}

/* ---- sysfs and procfs ---- */

static void
nvidia_driver(char *val, size_t cap, const char *root)
{
	char *text, *p;
	size_t n;

	val[0] = '\0';
	text = slurp(root, "/proc/driver/nvidia/version",
		     HOSTINFO_MAX_SYSFS_BYTES);
	p = text == NULL ? NULL : strstr(text, "Kernel Module");
	if (p != NULL) {
		p += strlen("Kernel Module");
		p += strspn(p, " \t");
		n = strspn(p, "0123456789.");
		if (n > 0 && n < cap &&
		    (p[n] == '\0' || isspace((unsigned char)p[n]))) {
			memcpy(val, p, n);
			val[n] = '\0';
		}
	}
	free(text);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* GPUs the NVIDIA driver lists; returns how many were added. */
static size_t
nvidia_proc(json_t *a, const char *root, const char *driver)
{
	char path[PATH_MAX], val[HOSTINFO_MAX_FIELD], *names[HOSTINFO_MAX_GPUS];
	size_t n = 0, i, added = 0;
	struct dirent *d;
	char *text;
	json_t *o;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/proc/driver/nvidia/gpus", root);
	dir = opendir(path);
	if (dir == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL && n < HOSTINFO_MAX_GPUS)
		if (d->d_name[0] != '.' &&
		    (names[n] = strdup(d->d_name)) != NULL)
			n++;
	closedir(dir);
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path),
			 "/proc/driver/nvidia/gpus/%s/information", names[i]);
		text = slurp(root, path, HOSTINFO_MAX_SYSFS_BYTES);
		o = text == NULL ? NULL : json_object();
		if (o != NULL) {
			set_str(o, "vendor", "nvidia");
			set_str(o, "busId", names[i]);
			if (line_value(val, sizeof(val), text, "Model", ':') ==
			    0)
				set_str(o, "name", val);
			if (line_value(val, sizeof(val), text, "GPU UUID",
				       ':') == 0)
				set_str(o, "uuid", val);
			set_str(o, "driverVersion", driver);
			added += json_array_append_new(a, o) == 0;
		}
		free(text);
		free(names[i]);
	}
	return added;
}

/* "0x" and four hex digits, lowercased in place. */
static int
pci_id(char *s)
{
	size_t i;

	if (strlen(s) != 6 || s[0] != '0' || s[1] != 'x')
		return -1;
	for (i = 2; i < 6; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -1;
		s[i] = (char)tolower((unsigned char)s[i]);
	}
	return 0;
}

static void
drm_card(json_t *a, const char *root, int card, const char *driver,
	 int skip_nvidia)
{
	char rel[96], *vid, *did = NULL, name[32];
	const char *vendor = NULL;
	json_t *o;
	size_t i;

	snprintf(rel, sizeof(rel), "/sys/class/drm/card%d/device/vendor", card);
	vid = slurp(root, rel, HOSTINFO_MAX_SYSFS_BYTES);
	if (vid == NULL || pci_id(trim(vid)) != 0)
		goto out;
	for (i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++)
		if (strcmp(trim(vid), vendors[i].id) == 0)
			vendor = vendors[i].name;
	if (vendor == NULL || (skip_nvidia && strcmp(vendor, "nvidia") == 0))
		goto out;
	snprintf(rel, sizeof(rel), "/sys/class/drm/card%d/device/device", card);
	did = slurp(root, rel, HOSTINFO_MAX_SYSFS_BYTES);
	o = json_object();
	if (o == NULL)
		goto out;
	snprintf(name, sizeof(name), "card%d", card);
	set_str(o, "vendor", vendor);
	set_str(o, "vendorId", trim(vid));
	if (did != NULL && pci_id(trim(did)) == 0)
		set_str(o, "deviceId", trim(did));
	set_str(o, "card", name);
	if (strcmp(vendor, "nvidia") == 0)
		set_str(o, "driverVersion", driver);
	json_array_append_new(a, o);
out:
	free(vid);
	free(did);
}

static void
drm_scan(json_t *a, const char *root, const char *driver, int skip_nvidia)
{
	char path[PATH_MAX];
	int cards[MAX_CARDS];
	size_t n = 0, i, k;
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/sys/class/drm", root);
	dir = opendir(path);
	if (dir == NULL)
		return;
	while ((d = readdir(dir)) != NULL && n < MAX_CARDS) {
		if (strncmp(d->d_name, "card", 4) != 0)
			continue;
		k = strspn(d->d_name + 4, "0123456789");
		if (k > 0 && k < 7 && d->d_name[4 + k] == '\0')
			cards[n++] = (int)strtol(d->d_name + 4, NULL, 10);
	}
	closedir(dir);
	qsort(cards, n, sizeof(cards[0]), cmp_int);
	for (i = 0; i < n && json_array_size(a) < HOSTINFO_MAX_GPUS; i++)
		drm_card(a, root, cards[i], driver, skip_nvidia);
}

int
hostinfo_accelerators_root(json_t **out, const char *root, struct err *e)
{
	char smi[PATH_MAX], driver[HOSTINFO_MAX_FIELD];
	char *text = NULL;
	size_t listed;
	json_t *a;

	*out = NULL;
	a = json_array();
	if (a == NULL)
		return oom(e);
	if (smi_find(smi, sizeof(smi)) && smi_run(&text, smi) == 0)
		smi_parse(a, text);
	free(text);
	if (json_array_size(a) == 0) {
		nvidia_driver(driver, sizeof(driver), root);
		listed = nvidia_proc(a, root, driver);
		drm_scan(a, root, driver, listed > 0);
	}
	*out = a;
	return 0;
}

int
hostinfo_accelerators(json_t **out, struct err *e)
{
	return hostinfo_accelerators_root(out, "", e);
}

/*
 * Host facts for provenance (see hostinfo.h). Files are read whole through
 * file_read under small ceilings; NVIDIA GPUs are read through NVML, loaded
 * at run time when present (no program is run).
 */
#include "lib/hostinfo.h"

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "lib/jsonio.h"

#define HOST_MAX 256
#define MAX_CARDS 64

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
		if ((size_t)(kend - line) != klen ||
		    memcmp(line, key, klen) != 0)
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

/*
 * Adds a printable, non-empty, known UTF-8 string; anything else is left
 * out. A string that cannot be added sets *bad (SPEC-STM-5).
 */
static void
set_str(int *bad, json_t *obj, const char *key, const char *val)
{
	const unsigned char *p;

	if (val[0] == '\0' || val[0] == '[' ||
	    strlen(val) >= HOSTINFO_MAX_FIELD || !jsonio_is_utf8(val))
		return;
	for (p = (const unsigned char *)val; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return;
	if (jsonio_set(obj, key, json_string(val), NULL) != 0)
		*bad = 1;
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
set_u64(int *bad, json_t *obj, const char *key, uint64_t v)
{
	if (v <= INT64_MAX &&
	    jsonio_set(obj, key, json_integer((json_int_t)v), NULL) != 0)
		*bad = 1;
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
mem_total(int *bad, json_t *obj, const char *root)
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
		set_u64(bad, obj, "memoryBytes", kb * 1024);
}

int
hostinfo_collect_root(json_t **out, const char *root, struct err *e)
{
	char host[HOST_MAX + 1], val[HOSTINFO_MAX_FIELD];
	struct utsname u;
	int failed = 0, *bad = &failed;
	json_t *o;
	long n;

	*out = NULL;
	o = json_object();
	if (o == NULL)
		return oom(e);
	if (gethostname(host, HOST_MAX) == 0) {
		host[HOST_MAX] = '\0';
		set_str(bad, o, "hostname", host);
	}
	if (os_name(val, sizeof(val), root) == 0)
		set_str(bad, o, "os", val);
	if (uname(&u) == 0) {
		snprintf(val, sizeof(val), "%s %s", u.release, u.version);
		set_str(bad, o, "kernel", val);
		set_str(bad, o, "arch", u.machine);
	}
	if (file_value(val, sizeof(val), root, "/proc/cpuinfo", "model name",
		       ':') == 0)
		set_str(bad, o, "cpuModel", val);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n > 0)
		set_u64(bad, o, "cpuCount", (uint64_t)n);
	mem_total(bad, o, root);
	if (failed) {
		json_decref(o);
		return oom(e);
	}
	*out = o;
	return 0;
}

int
hostinfo_collect(json_t **out, struct err *e)
{
	return hostinfo_collect_root(out, "", e);
}

/* ---- NVML ---- */

/* The few NVML entry points we use (nvml.h, stable since driver 331). */
typedef struct nvml_device *nvml_device_t;
struct nvml_memory {
	unsigned long long total, free, used;
};
struct nvml_api {
	int (*init)(void);
	int (*shutdown)(void);
	int (*count)(unsigned int *);
	int (*handle)(unsigned int, nvml_device_t *);
	int (*name)(nvml_device_t, char *, unsigned int);
	int (*uuid)(nvml_device_t, char *, unsigned int);
	int (*memory)(nvml_device_t, struct nvml_memory *);
	int (*driver)(char *, unsigned int);
};

#define NVML_SUCCESS 0
#define NVML_TEXT 96 /* NVML_DEVICE_NAME_V2_BUFFER_SIZE, the largest */

static int
nvml_bind(struct nvml_api *n, void *lib)
{
	/* POSIX dlsym returns object pointers; converting them to function
	 * pointers is what dlsym exists for. */
	memset(n, 0, sizeof(*n));
	*(void **)&n->init = dlsym(lib, "nvmlInit_v2");
	*(void **)&n->shutdown = dlsym(lib, "nvmlShutdown");
	*(void **)&n->count = dlsym(lib, "nvmlDeviceGetCount_v2");
	*(void **)&n->handle = dlsym(lib, "nvmlDeviceGetHandleByIndex_v2");
	*(void **)&n->name = dlsym(lib, "nvmlDeviceGetName");
	*(void **)&n->uuid = dlsym(lib, "nvmlDeviceGetUUID");
	*(void **)&n->memory = dlsym(lib, "nvmlDeviceGetMemoryInfo");
	*(void **)&n->driver = dlsym(lib, "nvmlSystemGetDriverVersion");
	return n->init && n->shutdown && n->count && n->handle && n->name &&
		       n->uuid && n->memory && n->driver
		   ? 0
		   : -1;
}

/* A text NVML writes into buf, kept only when NUL-terminated there. */
static const char *
nvml_text(char *buf, int rc)
{
	if (rc != NVML_SUCCESS || memchr(buf, '\0', NVML_TEXT) == NULL)
		return NULL;
	return trim(buf);
}

static void
nvml_device(int *bad, json_t *a, const struct nvml_api *n, unsigned int i,
	    const char *driver)
{
	char name[NVML_TEXT], uuid[NVML_TEXT];
	struct nvml_memory mem;
	nvml_device_t d = NULL;
	const char *v;
	json_t *o;

	if (n->handle(i, &d) != NVML_SUCCESS)
		return;
	memset(name, 0, sizeof(name));
	memset(uuid, 0, sizeof(uuid));
	v = nvml_text(name, n->name(d, name, sizeof(name)));
	if (v == NULL || *v == '\0' || (o = json_object()) == NULL)
		return;
	set_str(bad, o, "vendor", "nvidia");
	set_str(bad, o, "name", v);
	if (json_object_get(o, "name") == NULL) {
		json_decref(o);
		return;
	}
	if ((v = nvml_text(uuid, n->uuid(d, uuid, sizeof(uuid)))) != NULL)
		set_str(bad, o, "uuid", v);
	if (driver != NULL)
		set_str(bad, o, "driverVersion", driver);
	if (n->memory(d, &mem) == NVML_SUCCESS)
		set_u64(bad, o, "memoryMiB", mem.total / (1024ULL * 1024));
	if (jsonio_append(a, o, NULL) != 0)
		*bad = 1;
}

/* GPUs through NVML loaded from lib (a path or soname), when it loads. */
static void
nvml_scan(int *bad, json_t *a, const char *libpath)
{
	char driver[NVML_TEXT];
	struct nvml_api n;
	unsigned int count = 0, i;
	void *lib;

	if (libpath == NULL ||
	    (lib = dlopen(libpath, RTLD_NOW | RTLD_LOCAL)) == NULL)
		return;
	if (nvml_bind(&n, lib) == 0 && n.init() == NVML_SUCCESS) {
		memset(driver, 0, sizeof(driver));
		if (n.count(&count) != NVML_SUCCESS)
			count = 0;
		for (i = 0; i < count && json_array_size(a) < HOSTINFO_MAX_GPUS;
		     i++)
			nvml_device(
			    bad, a, &n, i,
			    nvml_text(driver,
				      n.driver(driver, sizeof(driver))));
		n.shutdown();
	}
	dlclose(lib);
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
nvidia_proc(int *bad, json_t *a, const char *root, const char *driver)
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
			set_str(bad, o, "vendor", "nvidia");
			set_str(bad, o, "busId", names[i]);
			if (line_value(val, sizeof(val), text, "Model", ':') ==
			    0)
				set_str(bad, o, "name", val);
			if (line_value(val, sizeof(val), text, "GPU UUID",
				       ':') == 0)
				set_str(bad, o, "uuid", val);
			set_str(bad, o, "driverVersion", driver);
			if (jsonio_append(a, o, NULL) == 0)
				added++;
			else
				*bad = 1;
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
drm_card(int *bad, json_t *a, const char *root, int card, const char *driver,
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
	set_str(bad, o, "vendor", vendor);
	set_str(bad, o, "vendorId", trim(vid));
	if (did != NULL && pci_id(trim(did)) == 0)
		set_str(bad, o, "deviceId", trim(did));
	set_str(bad, o, "card", name);
	if (strcmp(vendor, "nvidia") == 0)
		set_str(bad, o, "driverVersion", driver);
	if (jsonio_append(a, o, NULL) != 0)
		*bad = 1;
out:
	free(vid);
	free(did);
}

static void
drm_scan(int *bad, json_t *a, const char *root, const char *driver,
	 int skip_nvidia)
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
		drm_card(bad, a, root, cards[i], driver, skip_nvidia);
}

int
hostinfo_accelerators_root(json_t **out, const char *root, const char *nvml,
			   struct err *e)
{
	char driver[HOSTINFO_MAX_FIELD];
	int bad = 0;
	size_t listed;
	json_t *a;

	*out = NULL;
	a = json_array();
	if (a == NULL)
		return oom(e);
	nvml_scan(&bad, a, nvml);
	if (!bad && json_array_size(a) == 0) {
		nvidia_driver(driver, sizeof(driver), root);
		listed = nvidia_proc(&bad, a, root, driver);
		drm_scan(&bad, a, root, driver, listed > 0);
	}
	if (bad) {
		json_decref(a);
		return oom(e);
	}
	*out = a;
	return 0;
}

int
hostinfo_accelerators(json_t **out, struct err *e)
{
	return hostinfo_accelerators_root(out, "", HOSTINFO_NVML_SONAME, e);
}

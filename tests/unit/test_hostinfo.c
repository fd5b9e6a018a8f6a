/*
 * hostinfo: the live host checked against independent readings, fake
 * /etc, /proc and /sys trees for the parsers, and fake nvidia-smi scripts
 * first on PATH for the spawn, the CSV and the timeout.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "lib/hostinfo.h"
#include "tests/unit/testutil.h"

#define CMD_MAX 4096

static void
run(const char *dir, const char *cmd)
{
	char full[2 * CMD_MAX + 32];

	ck_assert_uint_lt(strlen(dir) + strlen(cmd), 2 * CMD_MAX);
	snprintf(full, sizeof(full), "cd '%s' && { %s; }", dir, cmd);
	ck_assert_msg(system(full) == 0, "%s", cmd);
}

static void
out_of(char *buf, size_t cap, const char *cmd)
{
	FILE *f = popen(cmd, "r");

	ck_assert_ptr_nonnull(f);
	if (fgets(buf, (int)cap, f) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	pclose(f);
}

static void
write_file(const char *dir, const char *rel, const char *content)
{
	char path[CMD_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
}

static void
expect_json(const json_t *got, const char *want_text)
{
	json_t *want = json_loads(want_text, 0, NULL);
	char *shown = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);

	ck_assert_ptr_nonnull(want);
	ck_assert_msg(json_equal(got, want), "got %s\nwant %s", shown,
		      want_text);
	free(shown);
	json_decref(want);
}

START_TEST(test_collect_live)
{
	char want[512], host[257] = {0};
	struct utsname u;
	json_t *o = NULL;
	struct err e = ERR_INIT;

	ck_assert_int_eq(hostinfo_collect(&o, &e), 0);
	ck_assert_int_eq(gethostname(host, sizeof(host) - 1), 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "hostname")),
			 host);
	ck_assert_int_eq(uname(&u), 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "arch")),
			 u.machine);
	snprintf(want, sizeof(want), "%s %s", u.release, u.version);
	ck_assert_str_eq(json_string_value(json_object_get(o, "kernel")), want);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "cpuCount")),
			 sysconf(_SC_NPROCESSORS_ONLN));
	out_of(want, sizeof(want),
	       "awk '/^MemTotal:/ { print $2; exit }' /proc/meminfo");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "memoryBytes")),
			 strtoll(want, NULL, 10) * 1024);
	out_of(want, sizeof(want),
	       "sh -c '. /etc/os-release && printf %s \"$PRETTY_NAME\"'");
	ck_assert_str_ne(want, "");
	ck_assert_str_eq(json_string_value(json_object_get(o, "os")), want);
	out_of(
	    want, sizeof(want),
	    "sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1");
	if (want[0] == '\0')
		ck_assert_ptr_null(json_object_get(o, "cpuModel"));
	else
		ck_assert_str_eq(
		    json_string_value(json_object_get(o, "cpuModel")), want);
	json_decref(o);
}
END_TEST

struct root_case {
	const char *os_release, *cpuinfo, *meminfo; /* NULL: file absent */
	const char *os, *cpu;			    /* NULL: field absent */
	long long mem;				    /* -1: field absent */
};

static const struct root_case root_cases[] = {
    {"NAME=\"Debian\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
     "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n",
     "MemFree: 5 kB\nMemTotal:       16318060 kB\n",
     "Debian GNU/Linux 12 (bookworm)", "Intel(R) Xeon(R) CPU @ 2.20GHz",
     16318060LL * 1024},
    {NULL, NULL, NULL, NULL, NULL, -1},
    {"PRETTY_NAME='Ubuntu 22.04.4 LTS'\n", "model name : x\n",
     "MemTotal: 1 kB\n", "Ubuntu 22.04.4 LTS", "x", 1024},
    {"PRETTY_NAME=\"A \\\"q\\\" \\$x\"\n", "", "", "A \"q\" $x", NULL, -1},
    {"PRETTY_NAME=Alpine\n", "", "", "Alpine", NULL, -1},
    {"NAME=\"Only a name\"\n", "Hardware\t: BCM2835\n", "MemTotal: abc kB\n",
     NULL, NULL, -1},
    {"PRETTY_NAME=\"Broken\n", "model name\t:\n",
     "MemTotal: 99999999999999999999 kB\n", NULL, NULL, -1},
    {"PRETTY_NAME=\"A\"B\n", "model name\t: \x01\n",
     "MemTotal: 9007199254740992 kB\n", NULL, NULL, -1},
    {"PRETTY_NAME=\"\xff\xfe\"\n", "model name: \xc3\x28\n",
     "MemTotal: 1024 MB\n", NULL, NULL, -1},
    {"PRETTY_NAME=bare $word\n", "", "MemTotal 5 kB\n", NULL, NULL, -1},
    {"PRETTY_NAME=\"caf\xc3\xa9 OS\"\n", "", "MemTotal: -5 kB\n",
     "caf\xc3\xa9 OS", NULL, -1},
};

START_TEST(test_collect_root)
{
	const struct root_case *c = &root_cases[_i];
	char *root = testutil_tmpdir(), cmd[CMD_MAX];
	json_t *o = NULL, *v;
	struct err e = ERR_INIT;

	run(root, "mkdir -p etc proc");
	if (c->os_release != NULL)
		write_file(root, "etc/os-release", c->os_release);
	if (c->cpuinfo != NULL)
		write_file(root, "proc/cpuinfo", c->cpuinfo);
	if (c->meminfo != NULL)
		write_file(root, "proc/meminfo", c->meminfo);
	ck_assert_int_eq(hostinfo_collect_root(&o, root, &e), 0);
	v = json_object_get(o, "os");
	if (c->os == NULL)
		ck_assert_ptr_null(v);
	else
		ck_assert_str_eq(json_string_value(v), c->os);
	v = json_object_get(o, "cpuModel");
	if (c->cpu == NULL)
		ck_assert_ptr_null(v);
	else
		ck_assert_str_eq(json_string_value(v), c->cpu);
	v = json_object_get(o, "memoryBytes");
	if (c->mem < 0)
		ck_assert_ptr_null(v);
	else
		ck_assert_int_eq(json_integer_value(v), c->mem);
	ck_assert_ptr_nonnull(json_object_get(o, "hostname"));
	json_decref(o);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	run("/", cmd);
	free(root);
}
END_TEST

/* A PATH with the usual tools and, checked, no nvidia-smi. */
static void
path_without_smi(void)
{
	ck_assert_int_ne(access("/usr/bin/nvidia-smi", F_OK), 0);
	ck_assert_int_ne(access("/bin/nvidia-smi", F_OK), 0);
	setenv("PATH", "/usr/bin:/bin", 1);
}

START_TEST(test_accelerators_live)
{
	struct err e = ERR_INIT;
	struct stat st;
	json_t *a = NULL, *gpu;
	size_t i;

	path_without_smi();
	ck_assert_int_eq(hostinfo_accelerators(&a, &e), 0);
	ck_assert(json_is_array(a));
	if (stat("/sys/class/drm", &st) != 0 &&
	    stat("/proc/driver/nvidia", &st) != 0)
		ck_assert_int_eq(json_array_size(a), 0); /* this machine */
	json_array_foreach(a, i, gpu)
	{
		ck_assert_ptr_nonnull(
		    json_string_value(json_object_get(gpu, "vendor")));
	}
	json_decref(a);
}
END_TEST

#define CARD(n, vendor, device)                                                \
	"mkdir -p sys/class/drm/card" #n "/device && printf '" vendor          \
	"\\n' > sys/class/drm/card" #n "/device/vendor && printf '" device     \
	"\\n' > sys/class/drm/card" #n "/device/device && "
#define NV_VERSION                                                             \
	"mkdir -p proc/driver/nvidia && printf 'NVRM version: NVIDIA UNIX "    \
	"x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\\n' "  \
	"> proc/driver/nvidia/version && "
#define NV_GPU(bus, model, uuid)                                               \
	"mkdir -p 'proc/driver/nvidia/gpus/" bus                               \
	"' && printf 'Model: \\t\\t " model                                    \
	"\\nIRQ:   \\t 34\\nGPU UUID: \\t " uuid                               \
	"\\n' > 'proc/driver/nvidia/gpus/" bus "/information' && "

struct sysfs_case {
	const char *setup; /* shell, run in the fake root */
	const char *want;  /* JSON array */
};

static const struct sysfs_case sysfs_cases[] = {
    {"true", "[]"},
    {CARD(0, "0x10de", "0x2204") NV_VERSION "true",
     "[{\"vendor\":\"nvidia\",\"vendorId\":\"0x10de\",\"deviceId\":"
     "\"0x2204\",\"card\":\"card0\",\"driverVersion\":\"535.104.05\"}]"},
    {CARD(0, "0x10DE", "0x2204") "true",
     "[{\"vendor\":\"nvidia\",\"vendorId\":\"0x10de\",\"deviceId\":"
     "\"0x2204\",\"card\":\"card0\"}]"},
    {CARD(1, "0x1002", "0x73bf") CARD(0, "0x8086", "0x9a49")
	 CARD(2, "0x1a03", "0x2000") "mkdir -p sys/class/drm/card0-HDMI-A-1 "
				     "&& mkdir -p sys/class/drm/renderD128",
     "[{\"vendor\":\"intel\",\"vendorId\":\"0x8086\",\"deviceId\":"
     "\"0x9a49\",\"card\":\"card0\"},{\"vendor\":\"amd\",\"vendorId\":"
     "\"0x1002\",\"deviceId\":\"0x73bf\",\"card\":\"card1\"}]"},
    {CARD(10, "0x1002", "0x0001") CARD(2, "0x1002", "0x0002") "true",
     "[{\"vendor\":\"amd\",\"vendorId\":\"0x1002\",\"deviceId\":\"0x0002\","
     "\"card\":\"card2\"},{\"vendor\":\"amd\",\"vendorId\":\"0x1002\","
     "\"deviceId\":\"0x0001\",\"card\":\"card10\"}]"},
    {CARD(0, "nvidia", "0x2204") CARD(1, "0x10de0", "0x1") "true", "[]"},
    {CARD(0, "0x10de", "garbage") "true",
     "[{\"vendor\":\"nvidia\",\"vendorId\":\"0x10de\",\"card\":\"card0\"}]"},
    {NV_VERSION NV_GPU("0000:01:00.0", "NVIDIA A100-SXM4-80GB", "GPU-1111")
	 NV_GPU("0000:00:1e.0", "Tesla T4", "GPU-2222")
	     CARD(0, "0x10de", "0x20b2") CARD(1, "0x1002", "0x73bf") "true",
     "[{\"vendor\":\"nvidia\",\"busId\":\"0000:00:1e.0\",\"name\":\"Tesla "
     "T4\",\"uuid\":\"GPU-2222\",\"driverVersion\":\"535.104.05\"},"
     "{\"vendor\":\"nvidia\",\"busId\":\"0000:01:00.0\",\"name\":\"NVIDIA "
     "A100-SXM4-80GB\",\"uuid\":\"GPU-1111\",\"driverVersion\":"
     "\"535.104.05\"},{\"vendor\":\"amd\",\"vendorId\":\"0x1002\","
     "\"deviceId\":\"0x73bf\",\"card\":\"card1\"}]"},
};

START_TEST(test_sysfs)
{
	const struct sysfs_case *c = &sysfs_cases[_i];
	char *root = testutil_tmpdir(), cmd[CMD_MAX];
	struct err e = ERR_INIT;
	json_t *a = NULL;

	path_without_smi();
	run(root, c->setup);
	ck_assert_int_eq(hostinfo_accelerators_root(&a, root, &e), 0);
	expect_json(a, c->want);
	json_decref(a);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	run("/", cmd);
	free(root);
}
END_TEST

#define AMD_FALLBACK                                                           \
	"[{\"vendor\":\"amd\",\"vendorId\":\"0x1002\",\"deviceId\":"           \
	"\"0x73bf\",\"card\":\"card0\"}]"
#define ARGS_OK                                                                \
	"[ \"$1\" = --query-gpu=name,uuid,driver_version,memory.total ] && "   \
	"[ \"$2\" = --format=csv,noheader,nounits ] && [ $# = 2 ] || exit 3\n"

struct smi_case {
	const char *name;
	const char *script; /* body of the fake nvidia-smi */
	const char *want;
	int slow; /* 1: must hit the timeout, and only once */
};

static const struct smi_case smi_cases[] = {
    {"two GPUs",
     ARGS_OK "printf 'NVIDIA A100-SXM4-80GB, GPU-aaaa, 535.104.05, 81920\\n"
	     "NVIDIA H100 80GB HBM3, GPU-bbbb, 535.104.05, 81559\\n'",
     "[{\"vendor\":\"nvidia\",\"name\":\"NVIDIA A100-SXM4-80GB\",\"uuid\":"
     "\"GPU-aaaa\",\"driverVersion\":\"535.104.05\",\"memoryMiB\":81920},"
     "{\"vendor\":\"nvidia\",\"name\":\"NVIDIA H100 80GB HBM3\",\"uuid\":"
     "\"GPU-bbbb\",\"driverVersion\":\"535.104.05\",\"memoryMiB\":81559}]",
     0},
    {"N/A fields and bad rows",
     ARGS_OK "printf 'Tesla T4, GPU-c, 470.1, [N/A]\\r\\ngarbage\\n,,,\\n"
	     "a, b, c, 1, extra\\n\\377\\376, GPU-d, 1, 2\\nx, , , 12x\\n'",
     "[{\"vendor\":\"nvidia\",\"name\":\"Tesla T4\",\"uuid\":\"GPU-c\","
     "\"driverVersion\":\"470.1\"},{\"vendor\":\"nvidia\",\"name\":\"x\"}]",
     0},
    {"garbage", "printf 'garbage\\n\\001\\002,,\\nno, commas\\n'", AMD_FALLBACK,
     0},
    {"nothing", "true", AMD_FALLBACK, 0},
    {"fails after output", "printf 'A, B, C, 1\\n'; exit 9", AMD_FALLBACK, 0},
    {"floods", "yes 'A, B, C, 1'", AMD_FALLBACK, 0},
    {"hangs", "exec sleep 37.5", AMD_FALLBACK, 1},
    {"hangs in a grandchild", "sleep 37.5; echo 'A, B, C, 1'", AMD_FALLBACK, 1},
    {"closes stdout, hangs", "exec >&-; sleep 37.5", AMD_FALLBACK, 1},
    {"prints, hangs", "printf 'A, B, C, 1\\n'; exec sleep 37.5", AMD_FALLBACK,
     1},
};

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

START_TEST(test_smi)
{
	const struct smi_case *c = &smi_cases[_i];
	char *root = testutil_tmpdir(), path[CMD_MAX], script[CMD_MAX];
	struct err e = ERR_INIT;
	json_t *a = NULL;
	double t0, took;

	run(root, "mkdir bin && " CARD(0, "0x1002", "0x73bf") "true");
	snprintf(script, sizeof(script), "#!/bin/sh\n%s\n", c->script);
	write_file(root, "bin/nvidia-smi", script);
	snprintf(path, sizeof(path), "%s/bin/nvidia-smi", root);
	ck_assert_int_eq(chmod(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/bin:/usr/bin:/bin", root);
	setenv("PATH", path, 1);
	t0 = now_s();
	ck_assert_int_eq(hostinfo_accelerators_root(&a, root, &e), 0);
	took = now_s() - t0;
	expect_json(a, c->want);
	ck_assert_msg(took < HOSTINFO_SMI_TIMEOUT_MS / 1000.0 + 2.0,
		      "%s: %.1f s", c->name, took);
	if (c->slow)
		ck_assert_msg(took >= HOSTINFO_SMI_TIMEOUT_MS / 1000.0 - 0.1,
			      "%s: %.1f s", c->name, took);
	usleep(200 * 1000); /* the killed group is gone */
	ck_assert_int_ne(system("pgrep -f 'sleep 37[.]5' >/dev/null"), 0);
	json_decref(a);
	snprintf(script, sizeof(script), "rm -rf '%s'", root);
	run("/", script);
	free(root);
}
END_TEST

START_TEST(test_smi_not_executable)
{
	char *root = testutil_tmpdir(), path[CMD_MAX];
	struct err e = ERR_INIT;
	json_t *a = NULL;

	run(root, "mkdir bin && printf '#!/bin/sh\\necho A, B, C, 1\\n' > "
		  "bin/nvidia-smi && chmod 0644 bin/nvidia-smi");
	snprintf(path, sizeof(path), "relative:%s/bin:/usr/bin:/bin", root);
	setenv("PATH", path, 1);
	ck_assert_int_eq(hostinfo_accelerators_root(&a, root, &e), 0);
	expect_json(a, "[]");
	json_decref(a);
	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	run("/", path);
	free(root);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
hostinfo_suite(void)
{
	Suite *s = suite_create("hostinfo");
	TCase *t = tcase_create("host");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, test_collect_live);
	tcase_add_loop_test(t, test_collect_root, 0, N(root_cases));
	tcase_add_test(t, test_accelerators_live);
	tcase_add_loop_test(t, test_sysfs, 0, N(sysfs_cases));
	tcase_add_loop_test(t, test_smi, 0, N(smi_cases));
	tcase_add_test(t, test_smi_not_executable);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return testutil_run(hostinfo_suite());
}

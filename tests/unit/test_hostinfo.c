/*
 * hostinfo: the live host checked against independent readings, fake
 * /etc, /proc and /sys trees for the parsers, and a fake libnvidia-ml.so.1
 * (tests/unit/fake/fake_nvml.c) loaded by its path for the NVML reader.
 */
#include <check.h>
#include <dlfcn.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
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
START_TEST(test_accelerators_live)
{
	struct err e = ERR_INIT;
	struct stat st;
	json_t *a = NULL, *gpu;
	size_t i;

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

	run(root, c->setup);
	ck_assert_int_eq(hostinfo_accelerators_root(&a, root, NULL, &e), 0);
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
struct nvml_case {
	const char *name;
	const char *lib; /* NULL: the fake */
	int mode;	 /* fake_nvml_mode */
	const char *want;
};

static const struct nvml_case nvml_cases[] = {
    {"two GPUs", NULL, 0,
     "[{\"vendor\":\"nvidia\",\"name\":\"NVIDIA A100-SXM4-80GB\",\"uuid\":"
     "\"GPU-aaaa\",\"driverVersion\":\"535.104.05\",\"memoryMiB\":81920},"
     "{\"vendor\":\"nvidia\",\"name\":\"NVIDIA H100 80GB HBM3\",\"uuid\":"
     "\"GPU-bbbb\",\"driverVersion\":\"535.104.05\"}]"},
    {"init fails: sysfs", NULL, 1, AMD_FALLBACK},
    {"no GPU: sysfs", NULL, 2, AMD_FALLBACK},
    {"bad names skipped, failed fields left out", NULL, 3,
     "[{\"vendor\":\"nvidia\",\"name\":\"Tesla T4\",\"driverVersion\":"
     "\"535.104.05\",\"memoryMiB\":15360}]"},
    {"absent: sysfs", "/nonexistent/libnvidia-ml.so.1", 0, AMD_FALLBACK},
    {"not NVML: sysfs", "libc.so.6", 0, AMD_FALLBACK},
};

START_TEST(test_nvml)
{
	const struct nvml_case *c = &nvml_cases[_i];
	char *root = testutil_tmpdir(), cmd[CMD_MAX];
	void *fake = dlopen(FAKE_NVML, RTLD_NOW | RTLD_LOCAL);
	int *mode, *live;
	struct err e = ERR_INIT;
	json_t *a = NULL;

	ck_assert_msg(fake != NULL, "%s", dlerror());
	mode = dlsym(fake, "fake_nvml_mode");
	live = dlsym(fake, "fake_nvml_live");
	ck_assert(mode != NULL && live != NULL);
	*mode = c->mode;
	*live = 0;
	run(root, CARD(0, "0x1002", "0x73bf") "true");
	ck_assert_int_eq(hostinfo_accelerators_root(
			     &a, root, c->lib ? c->lib : FAKE_NVML, &e),
			 0);
	expect_json(a, c->want);
	ck_assert_msg(*live == 0, "%s: nvmlShutdown not called", c->name);
	json_decref(a);
	dlclose(fake);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	run("/", cmd);
	free(root);
}
END_TEST

/* An nvidia-smi first on PATH is never run (it would leave a marker). */
START_TEST(test_no_program_run)
{
	char *root = testutil_tmpdir(), path[CMD_MAX];
	struct err e = ERR_INIT;
	json_t *a = NULL;

	run(root, "mkdir bin && " CARD(0, "0x1002", "0x73bf") "true");
	snprintf(path, sizeof(path),
		 "#!/bin/sh\ntouch '%s/ran'\necho 'A, B, C, 1'\n", root);
	write_file(root, "bin/nvidia-smi", path);
	snprintf(path, sizeof(path), "%s/bin/nvidia-smi", root);
	ck_assert_int_eq(chmod(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/bin:/usr/bin:/bin", root);
	ck_assert_int_eq(setenv("PATH", path, 1), 0);
	ck_assert_int_eq(hostinfo_accelerators_root(&a, root, NULL, &e), 0);
	expect_json(a, AMD_FALLBACK);
	json_decref(a);
	a = NULL;
	ck_assert_int_eq(hostinfo_accelerators(&a, &e), 0);
	snprintf(path, sizeof(path), "%s/ran", root);
	ck_assert_msg(access(path, F_OK) != 0, "nvidia-smi on PATH was run");
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
	tcase_add_loop_test(t, test_nvml, 0, N(nvml_cases));
	tcase_add_test(t, test_no_program_run);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return testutil_run(hostinfo_suite());
}

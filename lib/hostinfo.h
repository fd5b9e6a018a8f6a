/*
 * The machine a run executes on, for provenance: host and OS identity,
 * CPU, memory and GPUs. Every field is best effort: what cannot be read is
 * left out, never invented.
 */
#ifndef MLATTEST_LIB_HOSTINFO_H
#define MLATTEST_LIB_HOSTINFO_H

#include <jansson.h>

#include "lib/err.h"

#define HOSTINFO_MAX_PROC_BYTES ((size_t)4 * 1024 * 1024) /* cpuinfo etc. */
#define HOSTINFO_MAX_SYSFS_BYTES ((size_t)4096)
#define HOSTINFO_MAX_FIELD 256 /* longest string value kept */
#define HOSTINFO_MAX_SMI_BYTES ((size_t)64 * 1024)
#define HOSTINFO_SMI_TIMEOUT_MS 5000
#define HOSTINFO_MAX_GPUS 64

/*
 * *out = a new object with whichever of these could be read:
 * "hostname", "os" (PRETTY_NAME of /etc/os-release, else
 * /usr/lib/os-release), "kernel" (uname release and version), "arch",
 * "cpuModel" (first "model name" of /proc/cpuinfo), "cpuCount" (online
 * CPUs) and "memoryBytes" (MemTotal of /proc/meminfo). Strings that are
 * not UTF-8 or longer than HOSTINFO_MAX_FIELD are left out. Fails
 * (EXIT_UNDECIDED) only when out of memory.
 */
int hostinfo_collect(json_t **out, struct err *e);

/*
 * *out = a new array of GPUs, empty when none are found. When an
 * nvidia-smi executable is on PATH (absolute entries only) it is run
 * without a shell, stdout through a pipe, killed with its process group
 * after HOSTINFO_SMI_TIMEOUT_MS; each CSV line "name, uuid, driver,
 * MiB" gives {"vendor":"nvidia","name","uuid","driverVersion",
 * "memoryMiB"} (empty or "[N/A]" fields left out; lines without four
 * fields or a name skipped). When it is absent, times out, exits non-zero
 * or yields no usable line, sysfs is read instead: NVIDIA GPUs from
 * /proc/driver/nvidia/gpus/ (*)/information, else /sys/class/drm/cardN
 * with vendor 0x10de, 0x1002 or 0x8086 as {"vendor","vendorId","deviceId",
 * "card"}, NVIDIA ones with "driverVersion" from /proc/driver/nvidia/version.
 * At most HOSTINFO_MAX_GPUS entries. Fails only when out of memory.
 */
int hostinfo_accelerators(json_t **out, struct err *e);

/*
 * As above, with every file read below root instead of / (for tests; the
 * hostname, uname, CPU count and PATH still come from this process).
 */
int hostinfo_collect_root(json_t **out, const char *root, struct err *e);
int hostinfo_accelerators_root(json_t **out, const char *root, struct err *e);

#endif

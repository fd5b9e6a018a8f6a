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
#define HOSTINFO_MAX_GPUS 64
#define HOSTINFO_NVML_SONAME "libnvidia-ml.so.1"

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
 * *out = a new array of GPUs, empty when none are found. NVIDIA GPUs come
 * from NVML (HOSTINFO_NVML_SONAME, loaded with dlopen when the driver
 * installed it; nothing is run): {"vendor":"nvidia","name","uuid",
 * "driverVersion","memoryMiB"} (GPUs without a UTF-8 name skipped, other
 * fields left out when NVML cannot give them). When NVML is absent, fails
 * or lists no GPU, sysfs is read instead: NVIDIA GPUs from
 * /proc/driver/nvidia/gpus/ (*)/information, else /sys/class/drm/cardN
 * with vendor 0x10de, 0x1002 or 0x8086 as {"vendor","vendorId","deviceId",
 * "card"}, NVIDIA ones with "driverVersion" from /proc/driver/nvidia/version.
 * At most HOSTINFO_MAX_GPUS entries. Fails only when out of memory.
 */
int hostinfo_accelerators(json_t **out, struct err *e);

/*
 * As above, with every file read below root instead of / and NVML loaded
 * from nvml (a path or soname; NULL: no NVML), for tests; the hostname,
 * uname and CPU count still come from this process.
 */
int hostinfo_collect_root(json_t **out, const char *root, struct err *e);
int hostinfo_accelerators_root(json_t **out, const char *root, const char *nvml,
			       struct err *e);

#endif

/*
 * A stand-in libnvidia-ml.so.1 for test_hostinfo: the NVML entry points
 * hostinfo uses, answering from a table picked by fake_nvml_mode (set by
 * the test through dlsym on the same library).
 */
#include <stdio.h>
#include <string.h>

struct fake_memory {
	unsigned long long total, free, used;
};

struct fake_gpu {
	const char *name, *uuid;
	unsigned long long mib; /* 0: the memory call fails */
	int unterminated;	/* 1: the name fills the buffer, no NUL */
};

int fake_nvml_mode;
int fake_nvml_live; /* inits minus shutdowns */

static const struct fake_gpu two[] = {
    {"NVIDIA A100-SXM4-80GB", "GPU-aaaa", 81920, 0},
    {"NVIDIA H100 80GB HBM3", "GPU-bbbb", 0, 0},
};
static const struct fake_gpu odd[] = {
    {"bad\xff\xfe", "GPU-c", 1, 0},
    {"x", "GPU-d", 1, 1},
    {"Tesla T4", NULL, 15360, 0},
};

int nvmlInit_v2(void);
int nvmlShutdown(void);
int nvmlDeviceGetCount_v2(unsigned int *n);
int nvmlDeviceGetHandleByIndex_v2(unsigned int i, void **d);
int nvmlDeviceGetName(void *d, char *buf, unsigned int len);
int nvmlDeviceGetUUID(void *d, char *buf, unsigned int len);
int nvmlDeviceGetMemoryInfo(void *d, struct fake_memory *m);
int nvmlSystemGetDriverVersion(char *buf, unsigned int len);

static const struct fake_gpu *
table(unsigned int *n)
{
	switch (fake_nvml_mode) {
	case 0:
		*n = 2;
		return two;
	case 3:
		*n = 3;
		return odd;
	default:
		*n = 0;
		return NULL;
	}
}

int
nvmlInit_v2(void)
{
	if (fake_nvml_mode == 1)
		return 9; /* NVML_ERROR_DRIVER_NOT_LOADED */
	fake_nvml_live++;
	return 0;
}

int
nvmlShutdown(void)
{
	fake_nvml_live--;
	return 0;
}

int
nvmlDeviceGetCount_v2(unsigned int *n)
{
	table(n);
	return 0;
}

int
nvmlDeviceGetHandleByIndex_v2(unsigned int i, void **d)
{
	unsigned int n;
	const struct fake_gpu *t = table(&n);

	if (i >= n)
		return 2; /* NVML_ERROR_INVALID_ARGUMENT */
	*d = (void *)&t[i];
	return 0;
}

int
nvmlDeviceGetName(void *d, char *buf, unsigned int len)
{
	const struct fake_gpu *g = d;

	if (g->unterminated) {
		memset(buf, 'x', len);
		return 0;
	}
	snprintf(buf, len, "%s", g->name);
	return 0;
}

int
nvmlDeviceGetUUID(void *d, char *buf, unsigned int len)
{
	const struct fake_gpu *g = d;

	if (g->uuid == NULL)
		return 999; /* NVML_ERROR_UNKNOWN */
	snprintf(buf, len, "%s", g->uuid);
	return 0;
}

int
nvmlDeviceGetMemoryInfo(void *d, struct fake_memory *m)
{
	const struct fake_gpu *g = d;

	if (g->mib == 0)
		return 3; /* NVML_ERROR_NOT_SUPPORTED */
	m->total = g->mib * 1024 * 1024 + 12345;
	m->free = m->used = 0;
	return 0;
}

int
nvmlSystemGetDriverVersion(char *buf, unsigned int len)
{
	snprintf(buf, len, "%s", "535.104.05");
	return 0;
}

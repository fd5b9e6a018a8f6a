/*
 * Helpers shared by the libFuzzer targets: NUL-terminated copies of the
 * input, a memory-backed file for parsers that read paths, and a check
 * that aborts (so libFuzzer records the input) when an invariant fails.
 */
#ifndef MLATTEST_FUZZ_FUZZ_H
#define MLATTEST_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with what when cond is false. */
static inline void
fuzz_check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "invariant failed: %s\n", what);
		abort();
	}
}

/* A library failure must be a known exit class with a message. */
static inline void
fuzz_check_err(int rc, const struct err *e)
{
	fuzz_check(rc < 0 && rc == -e->code, "rc is -e->code");
	fuzz_check(e->code == EXIT_REJECTED || e->code == EXIT_USAGE ||
		       e->code == EXIT_UNDECIDED,
		   "known exit class");
	fuzz_check(e->msg[0] != '\0', "error message set");
	fuzz_check(memchr(e->msg, '\0', sizeof(e->msg)) != NULL,
		   "error message terminated");
	if (getenv("MLATTEST_FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "refused (%d): %s\n", e->code, e->msg);
}

/* A new NUL-terminated copy of data (freed with free()). */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	fuzz_check(s != NULL, "malloc");
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* The per-process temp directory (which 0) and file path (which 1). */
static inline char *
fuzz_tmp(int which)
{
	static char dir[512], path[1024];

	return which ? path : dir;
}

static inline void
fuzz_file_cleanup(void)
{
	unlink(fuzz_tmp(1));
	rmdir(fuzz_tmp(0));
}

/*
 * Writes data to a file NAME in a directory made once per process under
 * $MLATTEST_FUZZ_TMP (default /tmp) and returns its path, the same for
 * every run; both are removed at exit.
 */
static inline const char *
fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	char *dir = fuzz_tmp(0), *path = fuzz_tmp(1);
	FILE *f;

	if (path[0] == '\0') {
		const char *top = getenv("MLATTEST_FUZZ_TMP");
		snprintf(dir, 512, "%s/mlattest-fuzz.XXXXXX",
			 top != NULL ? top : "/tmp");
		fuzz_check(mkdtemp(dir) != NULL, "mkdtemp");
		snprintf(path, 1024, "%s/%s", dir, name);
		atexit(fuzz_file_cleanup);
	}
	f = fopen(path, "wb");
	fuzz_check(f != NULL, "fopen");
	fuzz_check(size == 0 || fwrite(data, 1, size, f) == size, "fwrite");
	fuzz_check(fclose(f) == 0, "fclose");
	return path;
}

#endif

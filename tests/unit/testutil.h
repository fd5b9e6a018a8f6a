/* Shared helpers for the Check unit suites. */
#ifndef MLATTEST_TESTS_TESTUTIL_H
#define MLATTEST_TESTS_TESTUTIL_H

#include <check.h>
#include <stddef.h>

/* Runs one suite and returns the process exit status (0 all passed). */
int testutil_run(Suite *s);

/* Reads TEST_VECTORS/name into a new NUL-terminated buffer or aborts. */
unsigned char *testutil_vector(const char *name, size_t *len);

/* dir + "/" + name, malloc'd (aborts the test when out of memory). */
char *testutil_join(const char *dir, const char *name);

/* Writes data to path (created or truncated, with mode), or fails. */
void testutil_put(const char *path, const void *data, size_t len,
		  unsigned mode);

/* Removes dir and everything below it (no symlinks followed). */
void testutil_rmtree(const char *dir);

/* Creates a fresh temp directory and returns its malloc'd path. */
char *testutil_tmpdir(void);

#endif

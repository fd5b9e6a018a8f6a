/* Shared helpers for the Check unit suites. */
#include "tests/unit/testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fileio.h"

int
testutil_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

unsigned char *
testutil_vector(const char *name, size_t *len)
{
	char path[PATH_MAX];
	unsigned char *buf = NULL;
	struct err e = ERR_INIT;

	snprintf(path, sizeof(path), "%s/%s", TEST_VECTORS, name);
	if (file_read(&buf, len, path, MAX_BUNDLE_BYTES, &e) != 0) {
		fprintf(stderr, "vector %s: %s\n", name, e.msg);
		abort();
	}
	return buf;
}

char *
testutil_tmpdir(void)
{
	char tmpl[] = "/tmp/mlattest-test.XXXXXX";
	char *dir = mkdtemp(tmpl);

	if (dir == NULL)
		abort();
	return strdup(dir);
}

void
testutil_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX];
	struct stat st;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			testutil_rmtree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

char *
testutil_join(const char *dir, const char *name)
{
	char *p = malloc(PATH_MAX);

	ck_assert_ptr_nonnull(p);
	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	return p;
}

void
testutil_put(const char *path, const void *data, size_t len, unsigned mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, (mode_t)mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(file_write_all(fd, data, len), 0);
	ck_assert_int_eq(close(fd), 0);
}

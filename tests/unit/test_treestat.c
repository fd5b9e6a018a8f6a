/*
 * lib/treestat: one row per thing a command can do to an output, with the
 * snapshot expected to change or not (SPEC-RUN-9), a missing root, a
 * single-file root, and a link below the root that is not followed.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/treestat.h"
#include "tests/unit/testutil.h"

static void
at(char *buf, size_t cap, const char *dir, const char *name)
{
	snprintf(buf, cap, "%s/%s", dir, name);
}

static void
op_none(const char *d)
{
	(void)d;
}

static void
op_same_bytes(const char *d)
{
	char p[512];
	at(p, sizeof(p), d, "m/w.bin");
	testutil_put(p, "w1\n", 3, 0644);
}

static void
op_touch(const char *d)
{
	char p[512];
	at(p, sizeof(p), d, "m/w.bin");
	ck_assert_int_eq(utimensat(AT_FDCWD, p, NULL, 0), 0);
}

/* Writes new bytes and puts the old times back: ctime still moves. */
static void
op_write_keep_mtime(const char *d)
{
	char p[512];
	struct stat st;
	struct timespec t[2];
	at(p, sizeof(p), d, "m/w.bin");
	ck_assert_int_eq(stat(p, &st), 0);
	testutil_put(p, "w2\n", 3, 0644);
	t[0] = st.st_atim;
	t[1] = st.st_mtim;
	ck_assert_int_eq(utimensat(AT_FDCWD, p, t, 0), 0);
}

static void
op_add(const char *d)
{
	char p[512];
	at(p, sizeof(p), d, "m/sub/new.bin");
	testutil_put(p, "n", 1, 0644);
}

static void
op_delete(const char *d)
{
	char p[512];
	at(p, sizeof(p), d, "m/sub/old.bin");
	ck_assert_int_eq(unlink(p), 0);
}

static void
op_rename(const char *d)
{
	char a[512], b[512];
	at(a, sizeof(a), d, "m/sub/old.bin");
	at(b, sizeof(b), d, "m/sub/older.bin");
	ck_assert_int_eq(rename(a, b), 0);
}

static void
op_chmod(const char *d)
{
	char p[512];
	at(p, sizeof(p), d, "m/w.bin");
	ck_assert_int_eq(chmod(p, 0600), 0);
}

static void
op_empty_dir(const char *d)
{
	char p[512];
	at(p, sizeof(p), d, "m/sub/empty");
	ck_assert_int_eq(mkdir(p, 0755), 0);
}

/* Reading a file is not modifying it. */
static void
op_read(const char *d)
{
	char p[512], buf[8];
	int fd;
	at(p, sizeof(p), d, "m/w.bin");
	fd = open(p, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(read(fd, buf, sizeof(buf)), 0);
	close(fd);
}

/* The target a link below the root points to changes; the link does not. */
static void
op_link_target(const char *d)
{
	char p[512];
	at(p, sizeof(p), d, "outside.bin");
	testutil_put(p, "changed", 7, 0644);
}

static void
op_link_retarget(const char *d)
{
	char p[512], t[512];
	at(p, sizeof(p), d, "m/link");
	at(t, sizeof(t), d, "m/w.bin");
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(symlink(t, p), 0);
}

static const struct {
	const char *name;
	void (*op)(const char *dir);
	int changed;
} rows[] = {
    {"nothing", op_none, 0},
    {"read only", op_read, 0},
    {"same bytes rewritten", op_same_bytes, 1},
    {"touched", op_touch, 1},
    {"new bytes, old mtime", op_write_keep_mtime, 1},
    {"file added in a subdirectory", op_add, 1},
    {"file deleted", op_delete, 1},
    {"file renamed", op_rename, 1},
    {"mode changed", op_chmod, 1},
    {"empty directory added", op_empty_dir, 1},
    {"link target outside changed (not followed)", op_link_target, 0},
    {"link retargeted", op_link_retarget, 1},
};

static void
make_tree(const char *d)
{
	char p[512], t[512];
	at(p, sizeof(p), d, "m");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	at(p, sizeof(p), d, "m/sub");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	at(p, sizeof(p), d, "m/w.bin");
	testutil_put(p, "w1\n", 3, 0644);
	at(p, sizeof(p), d, "m/sub/old.bin");
	testutil_put(p, "o", 1, 0644);
	at(t, sizeof(t), d, "outside.bin");
	testutil_put(t, "x", 1, 0644);
	at(p, sizeof(p), d, "m/link");
	ck_assert_int_eq(symlink(t, p), 0);
}

START_TEST(test_change)
{
	unsigned char before[TREESTAT_LEN], after[TREESTAT_LEN];
	struct err e = ERR_INIT;
	char *d = testutil_tmpdir(), root[512];
	struct timespec pause = {0, 20000000};
	int exists = 0;

	make_tree(d);
	at(root, sizeof(root), d, "m");
	ck_assert_int_eq(treestat_take(before, &exists, root, &e), 0);
	ck_assert_int_eq(exists, 1);
	/* Coarse file system clocks: let time move before the change. */
	nanosleep(&pause, NULL);
	rows[_i].op(d);
	ck_assert_int_eq(treestat_take(after, &exists, root, &e), 0);
	ck_assert_msg(
	    (memcmp(before, after, TREESTAT_LEN) != 0) == rows[_i].changed,
	    "%s: changed %d, wanted %d", rows[_i].name,
	    memcmp(before, after, TREESTAT_LEN) != 0, rows[_i].changed);
	testutil_rmtree(d);
	free(d);
}
END_TEST

START_TEST(test_missing_and_file)
{
	unsigned char a[TREESTAT_LEN], b[TREESTAT_LEN], zero[TREESTAT_LEN];
	struct err e = ERR_INIT;
	char *d = testutil_tmpdir(), p[512];
	struct timespec pause = {0, 20000000};
	int exists = 1;

	memset(zero, 0, sizeof(zero));
	at(p, sizeof(p), d, "absent");
	ck_assert_int_eq(treestat_take(a, &exists, p, &e), 0);
	ck_assert_int_eq(exists, 0);
	ck_assert_mem_eq(a, zero, TREESTAT_LEN);
	at(p, sizeof(p), d, "f.bin");
	testutil_put(p, "1", 1, 0644);
	ck_assert_int_eq(treestat_take(a, &exists, p, &e), 0);
	ck_assert_int_eq(exists, 1);
	ck_assert_int_eq(treestat_take(b, &exists, p, &e), 0);
	ck_assert_mem_eq(a, b, TREESTAT_LEN);
	nanosleep(&pause, NULL);
	testutil_put(p, "1", 1, 0644);
	ck_assert_int_eq(treestat_take(b, &exists, p, &e), 0);
	ck_assert_int_ne(memcmp(a, b, TREESTAT_LEN), 0);
	testutil_rmtree(d);
	free(d);
}
END_TEST

START_TEST(test_too_deep)
{
	unsigned char a[TREESTAT_LEN];
	struct err e = ERR_INIT;
	char *d = testutil_tmpdir(), p[2048];
	size_t len;
	int exists = 0, i;

	len = (size_t)snprintf(p, sizeof(p), "%s", d);
	for (i = 0; i < TREESTAT_MAX_DEPTH; i++) {
		len += (size_t)snprintf(p + len, sizeof(p) - len, "/d");
		ck_assert_int_eq(mkdir(p, 0755), 0);
	}
	ck_assert_int_eq(treestat_take(a, &exists, d, &e), 0);
	len += (size_t)snprintf(p + len, sizeof(p) - len, "/d");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	ck_assert_int_eq(treestat_take(a, &exists, d, &e), -EXIT_UNDECIDED);
	ck_assert_ptr_nonnull(strstr(e.msg, "nested deeper than 256"));
	testutil_rmtree(d);
	free(d);
}
END_TEST

static Suite *
treestat_suite(void)
{
	Suite *s = suite_create("treestat");
	TCase *tc = tcase_create("change");

	tcase_add_loop_test(tc, test_change, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, test_missing_and_file);
	tcase_add_test(tc, test_too_deep);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(treestat_suite());
}

/*
 * lib/fileio: the bounded reader's ceiling (files and pipes), refusals,
 * atomic replacement without leftovers, exclusive creation, symlink
 * refusal, and .jsonl appends that survive SIGKILL at any point
 * (SPEC-OUT-1).
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "tests/unit/testutil.h"

/* Removes the temp directory dir and all it holds (symlinks not followed). */
/* The whole file, NUL-terminated, or NULL when it cannot be read. */
static char *
get(const char *path, size_t *len)
{
	struct err e = ERR_INIT;
	unsigned char *buf = NULL;

	if (file_read(&buf, len, path, 1 << 24, &e) != 0)
		return NULL;
	return (char *)buf;
}

/* Names in dir other than "." and "..", as one sorted-insensitive count
 * plus a flag for any name containing ".tmp.". */
static size_t
count_entries(const char *dir, int *temps)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	*temps = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		n++;
		if (strstr(de->d_name, ".tmp.") != NULL)
			*temps = 1;
	}
	closedir(d);
	return n;
}

static unsigned char *
pattern(size_t len)
{
	unsigned char *buf = malloc(len + 1);
	size_t i;

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)('a' + i % 26);
	return buf;
}

/* file_read ceiling ------------------------------------------------------- */

struct size_row {
	size_t size, max;
	int rc;
};

static const struct size_row size_rows[] = {
    {0, 0, 0},
    {1, 0, -EXIT_REJECTED},
    {100, 100, 0},
    {101, 100, -EXIT_REJECTED},
    {65536, 65536, 0},
    {65537, 65536, -EXIT_REJECTED},
    {65535, 65536, 0},
    {200000, 200000, 0},
    {200001, 200000, -EXIT_REJECTED},
};

START_TEST(test_read_file_ceiling)
{
	const struct size_row *r = &size_rows[_i];
	char *dir = testutil_tmpdir(), *path = testutil_join(dir, "f");
	unsigned char *data = pattern(r->size), *buf = (unsigned char *)1;
	struct err e = ERR_INIT;
	size_t len = 7;

	testutil_put(path, data, r->size, 0644);
	ck_assert_int_eq(file_read(&buf, &len, path, r->max, &e), r->rc);
	if (r->rc == 0) {
		ck_assert_uint_eq(len, r->size);
		ck_assert_mem_eq(buf, data, len);
		ck_assert_uint_eq(buf[len], 0);
		free(buf);
	} else {
		ck_assert_int_eq(e.code, EXIT_REJECTED);
		ck_assert_ptr_null(buf);
		ck_assert_uint_eq(len, 0);
		ck_assert_msg(strstr(e.msg, path) != NULL, "%s", e.msg);
	}
	free(data);
	free(path);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* secret_read: the same ceilings, one allocation, wiped on free. */
START_TEST(test_secret_ceiling)
{
	const struct size_row *r = &size_rows[_i];
	char *dir = testutil_tmpdir(), *path = testutil_join(dir, "s");
	unsigned char *data = pattern(r->size), *buf = (unsigned char *)1;
	struct err e = ERR_INIT;
	size_t len = 7;

	testutil_put(path, data, r->size, 0600);
	ck_assert_int_eq(
	    secret_read(&buf, &len, path, r->max, SECRET_OWNER_ONLY, &e),
	    r->rc);
	if (r->rc == 0) {
		ck_assert_uint_eq(len, r->size);
		ck_assert_mem_eq(buf, data, len);
		ck_assert_uint_eq(buf[len], 0);
		secret_free(buf, len);
	} else {
		ck_assert_int_eq(e.code, EXIT_REJECTED);
		ck_assert_ptr_null(buf);
		ck_assert_uint_eq(len, 0);
		ck_assert_msg(strstr(e.msg, "limit") != NULL, "%s", e.msg);
	}
	free(data);
	free(path);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

struct secret_mode_row {
	mode_t mode;
	unsigned flags;
	int rc;
};

static const struct secret_mode_row secret_mode_rows[] = {
    {0600, SECRET_OWNER_ONLY, 0},
    {0400, SECRET_OWNER_ONLY, 0},
    {0640, SECRET_OWNER_ONLY, -EXIT_USAGE},
    {0604, SECRET_OWNER_ONLY, -EXIT_USAGE},
    {0610, SECRET_OWNER_ONLY, -EXIT_USAGE},
    {0644, 0, 0},
};

START_TEST(test_secret_mode)
{
	const struct secret_mode_row *r = &secret_mode_rows[_i];
	char *dir = testutil_tmpdir(), *path = testutil_join(dir, "s");
	unsigned char *buf = NULL;
	struct err e = ERR_INIT;
	size_t len = 0;

	testutil_put(path, "k=v\n", 4, r->mode);
	ck_assert_int_eq(chmod(path, r->mode), 0);
	ck_assert_int_eq(secret_read(&buf, &len, path, 100, r->flags, &e),
			 r->rc);
	if (r->rc != 0) {
		ck_assert_ptr_null(buf);
		ck_assert_msg(strstr(e.msg, "readable by group or others"),
			      "%s", e.msg);
	}
	secret_free(buf, len);
	ck_assert_int_eq(secret_read(&buf, &len, dir, 100, 0, &e),
			 -EXIT_UNDECIDED);
	ck_assert_ptr_nonnull(strstr(e.msg, "is a directory"));
	free(path);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* The same ceiling on a pipe ("-" is stdin), where no size is known. */
START_TEST(test_read_pipe_ceiling)
{
	const struct size_row *r = &size_rows[_i];
	unsigned char *data = pattern(r->size), *buf = (unsigned char *)1;
	struct err e = ERR_INIT;
	size_t len = 7;
	int fds[2], saved, status;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		_exit(file_write_all(fds[1], data, r->size) == 0 ? 0 : 1);
	}
	close(fds[1]);
	saved = dup(STDIN_FILENO);
	ck_assert_int_eq(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	ck_assert_int_eq(file_read(&buf, &len, "-", r->max, &e), r->rc);
	dup2(saved, STDIN_FILENO);
	close(saved);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (r->rc == 0) {
		ck_assert_uint_eq(len, r->size);
		ck_assert_mem_eq(buf, data, len);
		ck_assert_uint_eq(buf[len], 0);
		free(buf);
	} else {
		ck_assert_int_eq(e.code, EXIT_REJECTED);
		ck_assert_ptr_null(buf);
		ck_assert_ptr_nonnull(strstr(e.msg, "<stdin>"));
	}
	free(data);
}
END_TEST

/* A readable file and its twins that cannot be read at all. */
START_TEST(test_read_refusals)
{
	char *dir = testutil_tmpdir(), *path = testutil_join(dir, "ok");
	char *missing = testutil_join(dir, "missing"),
	     *sub = testutil_join(dir, "sub");
	unsigned char *buf = NULL;
	struct err e = ERR_INIT;
	size_t len;

	testutil_put(path, "x", 1, 0644);
	ck_assert_int_eq(file_read(&buf, &len, path, 10, &e), 0);
	free(buf);
	buf = (unsigned char *)1;
	ck_assert_int_eq(file_read(&buf, &len, missing, 10, &e),
			 -EXIT_UNDECIDED);
	ck_assert_ptr_null(buf);
	ck_assert_ptr_nonnull(strstr(e.msg, missing));
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	buf = (unsigned char *)1;
	ck_assert_int_eq(file_read(&buf, &len, sub, 1 << 20, &e),
			 -EXIT_UNDECIDED);
	ck_assert_ptr_null(buf);
	ck_assert_ptr_nonnull(strstr(e.msg, "directory"));
	free(path);
	free(missing);
	free(sub);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* file_write_atomic -------------------------------------------------------- */

START_TEST(test_write_new_and_replace)
{
	char *dir = testutil_tmpdir(), *path = testutil_join(dir, "out.json"),
	     *got;
	struct err e = ERR_INIT;
	struct stat st;
	size_t len;
	int temps;

	umask(077);
	ck_assert_int_eq(
	    file_write_atomic(path, "long content\n", 13, 0644, 0, &e), 0);
	got = get(path, &len);
	ck_assert_str_eq(got, "long content\n");
	free(got);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644); /* whatever the umask */
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(file_write_atomic(path, "short", 5, 0644, 0, &e), 0);
	got = get(path, &len);
	ck_assert_uint_eq(len, 5);
	ck_assert_str_eq(got, "short");
	free(got);
	/* A replaced file gets the new mode, not the old one. */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(file_write_atomic(path, "", 0, 0640, 0, &e), 0);
	got = get(path, &len);
	ck_assert_uint_eq(len, 0);
	free(got);
	ck_assert_uint_eq(count_entries(dir, &temps), 1);
	ck_assert_int_eq(temps, 0);
	free(path);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_write_exclusive)
{
	char *dir = testutil_tmpdir(), *path = testutil_join(dir, "k.key"),
	     *got;
	struct err e = ERR_INIT;
	struct stat st;
	size_t len;
	int temps;

	ck_assert_int_eq(file_write_atomic(path, "secret", 6, 0600, 1, &e), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(file_write_atomic(path, "other", 5, 0600, 1, &e),
			 -EXIT_UNDECIDED);
	ck_assert_ptr_nonnull(strstr(e.msg, path));
	got = get(path, &len);
	ck_assert_str_eq(got, "secret");
	free(got);
	ck_assert_uint_eq(count_entries(dir, &temps), 1);
	ck_assert_int_eq(temps, 0);
	free(path);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* Symlinks at the output path are refused, live or dangling, exclusive or
 * not, and their targets stay as they were. */
START_TEST(test_write_symlink)
{
	char *dir = testutil_tmpdir(), *target = testutil_join(dir, "target");
	char *link_live = testutil_join(dir, "live"),
	     *link_dead = testutil_join(dir, "dead");
	char *nowhere = testutil_join(dir, "nowhere"), *got;
	struct err e = ERR_INIT;
	struct stat st;
	size_t len;
	int excl;

	testutil_put(target, "keep", 4, 0644);
	ck_assert_int_eq(symlink(target, link_live), 0);
	ck_assert_int_eq(symlink(nowhere, link_dead), 0);
	for (excl = 0; excl <= 1; excl++) {
		ck_assert_int_eq(
		    file_write_atomic(link_live, "new", 3, 0644, excl, &e),
		    -EXIT_UNDECIDED);
		ck_assert_ptr_nonnull(strstr(e.msg, "symlink"));
		ck_assert_int_eq(
		    file_write_atomic(link_dead, "new", 3, 0644, excl, &e),
		    -EXIT_UNDECIDED);
		ck_assert_int_eq(lstat(nowhere, &st), -1);
	}
	got = get(target, &len);
	ck_assert_str_eq(got, "keep");
	free(got);
	ck_assert_int_eq(lstat(link_live, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	free(target);
	free(link_live);
	free(link_dead);
	free(nowhere);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* file_append_line ------------------------------------------------------- */

START_TEST(test_append)
{
	char *dir = testutil_tmpdir(), *path = testutil_join(dir, "b.jsonl"),
	     *got;
	struct err e = ERR_INIT;
	struct stat st;
	size_t len;
	int temps;

	ck_assert_int_eq(file_append_line(path, "{\"a\":1}", 7, &e), 0);
	got = get(path, &len);
	ck_assert_str_eq(got, "{\"a\":1}\n");
	free(got);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(file_append_line(path, "{\"b\":2}", 7, &e), 0);
	got = get(path, &len);
	ck_assert_str_eq(got, "{\"a\":1}\n{\"b\":2}\n");
	free(got);
	/* The length given is the length used. */
	ck_assert_int_eq(file_append_line(path, "{\"c\":3}XYZ", 7, &e), 0);
	got = get(path, &len);
	ck_assert_str_eq(got, "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
	free(got);
	ck_assert_uint_eq(count_entries(dir, &temps), 1);
	ck_assert_int_eq(temps, 0);
	free(path);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* A file without its last newline is repaired before the new line; the
 * file keeps its mode. */
START_TEST(test_append_repairs_newline)
{
	char *dir = testutil_tmpdir(), *path = testutil_join(dir, "b.jsonl"),
	     *got;
	struct err e = ERR_INIT;
	struct stat st;
	size_t len;

	testutil_put(path, "one\ntwo", 7, 0644);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(file_append_line(path, "three", 5, &e), 0);
	got = get(path, &len);
	ck_assert_str_eq(got, "one\ntwo\nthree\n");
	free(got);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	/* Twin: an empty file gets no stray blank line. */
	testutil_put(path, "", 0, 0644);
	ck_assert_int_eq(file_append_line(path, "x", 1, &e), 0);
	got = get(path, &len);
	ck_assert_str_eq(got, "x\n");
	free(got);
	free(path);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_append_symlink)
{
	char *dir = testutil_tmpdir(), *target = testutil_join(dir, "t.jsonl");
	char *link = testutil_join(dir, "l.jsonl"), *got;
	struct err e = ERR_INIT;
	struct stat st;
	size_t len;

	testutil_put(target, "old\n", 4, 0644);
	ck_assert_int_eq(symlink(target, link), 0);
	ck_assert_int_eq(file_append_line(link, "new", 3, &e), -EXIT_UNDECIDED);
	ck_assert_ptr_nonnull(strstr(e.msg, "symlink"));
	got = get(target, &len);
	ck_assert_str_eq(got, "old\n");
	free(got);
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	/* Twin: the target itself takes the line. */
	ck_assert_int_eq(file_append_line(target, "new", 3, &e), 0);
	got = get(target, &len);
	ck_assert_str_eq(got, "old\nnew\n");
	free(got);
	free(target);
	free(link);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* Kill appenders with SIGKILL at random moments: the file must always hold
 * the original lines followed by whole appended lines, ending in '\n'. */
#define KILL_LINE_LEN 3000
#define KILL_ORIG "first\nsecond\nthird\n"

static void
kill_line(char *buf, unsigned n)
{
	int head = snprintf(buf, KILL_LINE_LEN + 1, "L%08u:", n);

	memset(buf + head, 'a' + (int)(n % 26), KILL_LINE_LEN - head - 1);
	buf[KILL_LINE_LEN - 1] = '$';
	buf[KILL_LINE_LEN] = '\0';
}

static void
check_lines(const char *text, size_t len)
{
	const char *p = text + strlen(KILL_ORIG), *end = text + len;

	ck_assert_uint_ge(len, strlen(KILL_ORIG));
	ck_assert_mem_eq(text, KILL_ORIG, strlen(KILL_ORIG));
	ck_assert(len == 0 || text[len - 1] == '\n');
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		ck_assert_ptr_nonnull(nl);
		ck_assert_int_eq((int)(nl - p), KILL_LINE_LEN);
		ck_assert_int_eq(p[0], 'L');
		ck_assert_int_eq(p[KILL_LINE_LEN - 1], '$');
		p = nl + 1;
	}
}

START_TEST(test_append_sigkill)
{
	char *dir = testutil_tmpdir(), *path = testutil_join(dir, "k.jsonl"),
	     *got;
	struct timespec t0, t1, pause;
	unsigned iter, seed = 12345;
	size_t len, before = 0;

	testutil_put(path, KILL_ORIG, strlen(KILL_ORIG), 0644);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (iter = 0; iter < 400; iter++) {
		pid_t pid;
		int status;

		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			char line[KILL_LINE_LEN + 1];
			struct err ce = ERR_INIT;
			unsigned n;
			for (n = 0;; n++) {
				kill_line(line, iter * 1000 + n);
				if (file_append_line(path, line, KILL_LINE_LEN,
						     &ce) != 0)
					_exit(2);
			}
		}
		seed = seed * 1103515245u + 12345u;
		pause.tv_sec = 0;
		pause.tv_nsec = (long)((seed >> 8) % 3000) * 1000;
		nanosleep(&pause, NULL);
		ck_assert_int_eq(kill(pid, SIGKILL), 0);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFSIGNALED(status), "appender failed: %d",
			      WEXITSTATUS(status));
		got = get(path, &len);
		ck_assert_ptr_nonnull(got);
		check_lines(got, len);
		ck_assert_uint_ge(len, before); /* nothing lost */
		before = len;
		free(got);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if ((t1.tv_sec - t0.tv_sec) * 1000000000L +
			(t1.tv_nsec - t0.tv_nsec) >
		    1500000000L)
			break;
	}
	ck_assert_uint_gt(iter, 10);
	free(path);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* Appenders running at once are serialised by the lock: no line is lost
 * or interleaved. */
#define APPENDERS 3
#define APPENDS 20

START_TEST(test_append_concurrent)
{
	char *dir = testutil_tmpdir(), *path = testutil_join(dir, "c.jsonl"),
	     *got;
	int seen[APPENDERS][APPENDS] = {{0}};
	size_t len, lines = 0;
	const char *p, *end;
	pid_t pids[APPENDERS];
	int i, status;

	for (i = 0; i < APPENDERS; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			char line[KILL_LINE_LEN + 1];
			struct err ce = ERR_INIT;
			int n;
			for (n = 0; n < APPENDS; n++) {
				kill_line(line, (unsigned)(i * 1000 + n));
				if (file_append_line(path, line, KILL_LINE_LEN,
						     &ce) != 0)
					_exit(2);
			}
			_exit(0);
		}
	}
	for (i = 0; i < APPENDERS; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	got = get(path, &len);
	ck_assert_ptr_nonnull(got);
	for (p = got, end = got + len; p < end; lines++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		long who, n;
		ck_assert_ptr_nonnull(nl);
		ck_assert_int_eq((int)(nl - p), KILL_LINE_LEN);
		ck_assert_int_eq(p[KILL_LINE_LEN - 1], '$');
		who = strtol(p + 1, NULL, 10);
		n = who % 1000;
		who /= 1000;
		ck_assert(who >= 0 && who < APPENDERS && n >= 0 && n < APPENDS);
		ck_assert_int_eq(seen[who][n], 0);
		seen[who][n] = 1;
		p = nl + 1;
	}
	ck_assert_uint_eq(lines, APPENDERS * APPENDS);
	free(got);
	testutil_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

/* Helpers ----------------------------------------------------------------- */

struct suffix_row {
	const char *path, *suffix;
	int want;
};

static const struct suffix_row suffix_rows[] = {
    {"a.jsonl", ".jsonl", 1}, {"a.json", ".jsonl", 0},
    {".jsonl", ".jsonl", 1},  {"jsonl", ".jsonl", 0},
    {"a.jsonl", "", 1},	      {"", "x", 0},
    {"a.JSONL", ".jsonl", 0}, {"dir.jsonl/b", ".jsonl", 0},
};

START_TEST(test_suffix)
{
	const struct suffix_row *r = &suffix_rows[_i];

	ck_assert_int_eq(str_has_suffix(r->path, r->suffix), r->want);
}
END_TEST

/* file_write_all writes everything, also past a pipe's buffer. */
START_TEST(test_write_all_pipe)
{
	size_t n = 1 << 20, got = 0;
	unsigned char *data = pattern(n), *back = malloc(n);
	int fds[2], status;
	pid_t pid;
	ssize_t r;

	ck_assert_ptr_nonnull(back);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		_exit(file_write_all(fds[1], data, n) == 0 ? 0 : 1);
	}
	close(fds[1]);
	while ((r = read(fds[0], back + got, n - got)) > 0)
		got += (size_t)r;
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_eq(got, n);
	ck_assert_mem_eq(back, data, n);
	/* Twin: a closed descriptor fails. */
	ck_assert_int_eq(file_write_all(fds[1], data, 1), -1);
	free(data);
	free(back);
}
END_TEST

static Suite *
fileio_suite(void)
{
	Suite *s = suite_create("fileio");
	TCase *rd = tcase_create("read");
	TCase *wr = tcase_create("write");
	TCase *ap = tcase_create("append");

	tcase_add_loop_test(rd, test_read_file_ceiling, 0,
			    sizeof(size_rows) / sizeof(size_rows[0]));
	tcase_add_loop_test(rd, test_read_pipe_ceiling, 0,
			    sizeof(size_rows) / sizeof(size_rows[0]));
	tcase_add_test(rd, test_read_refusals);
	tcase_add_loop_test(rd, test_secret_ceiling, 0,
			    sizeof(size_rows) / sizeof(size_rows[0]));
	tcase_add_loop_test(rd, test_secret_mode, 0,
			    sizeof(secret_mode_rows) /
				sizeof(secret_mode_rows[0]));
	tcase_add_test(wr, test_write_new_and_replace);
	tcase_add_test(wr, test_write_exclusive);
	tcase_add_test(wr, test_write_symlink);
	tcase_add_loop_test(wr, test_suffix, 0,
			    sizeof(suffix_rows) / sizeof(suffix_rows[0]));
	tcase_add_test(wr, test_write_all_pipe);
	tcase_add_test(ap, test_append);
	tcase_add_test(ap, test_append_repairs_newline);
	tcase_add_test(ap, test_append_symlink);
	tcase_add_test(ap, test_append_sigkill);
	tcase_add_test(ap, test_append_concurrent);
	tcase_set_timeout(ap, 20);
	suite_add_tcase(s, rd);
	suite_add_tcase(s, wr);
	suite_add_tcase(s, ap);
	return s;
}

int
main(void)
{
	return testutil_run(fileio_suite());
}

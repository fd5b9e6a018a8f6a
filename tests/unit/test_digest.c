/* Dataset digest engine: walk, hostile names, links, hashing, files that
 * change while being read, options and ceilings. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/digest.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "tests/unit/testutil.h"

static char *
path_in(const char *dir, const char *rel)
{
	/* a few buffers, so two results can be passed to one call */
	static char buf[4][8192];
	static unsigned next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", dir, rel);
	return b;
}

/* Creates dir/rel with the given bytes, making parent directories. */
static void
mkfile(const char *dir, const char *rel, const void *data, size_t len)
{
	char path[8192], *slash;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = path + strlen(dir) + 1; (slash = strchr(slash, '/'));
	     slash++) {
		*slash = '\0';
		ck_assert_msg(mkdir(path, 0755) == 0 || errno == EEXIST,
			      "mkdir %s", path);
		*slash = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_msg(fd >= 0, "create %s: %s", path, strerror(errno));
	ck_assert(write(fd, data, len) == (ssize_t)len);
	close(fd);
}

static void
mkstr(const char *dir, const char *rel, const char *s)
{
	mkfile(dir, rel, s, strlen(s));
}

static void
rmtree(const char *dir)
{
	char cmd[8300];

	snprintf(cmd, sizeof(cmd),
		 "chmod -R u+rwx '%s' 2>/dev/null; "
		 "rm -rf '%s'",
		 dir, dir);
	ck_assert(system(cmd) == 0);
}

static char *
fresh_dir(void)
{
	char *d = testutil_tmpdir();

	ck_assert(chmod(d, 0755) == 0);
	return d;
}

static int
run(struct digest_manifest **m, const char *dir, const struct digest_opts *o,
    struct err *e)
{
	err_clear(e);
	return digest_tree(m, dir, o, e);
}

static void
root_hex(char out[65], const struct digest_manifest *m, enum digest_order order)
{
	unsigned char r[32];
	struct err e = ERR_INIT;

	ck_assert_msg(digest_manifest_oms_root(r, m, order, &e) == 0, "%s",
		      e.msg);
	hex_encode(out, r, 32);
}

static int
msg_is_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* --- walk and names ------------------------------------------------------ */

static int
cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

START_TEST(test_sort_bytewise)
{
	const char *names[] = {"z",
			       "Z",
			       "a",
			       "B",
			       "\xc3\xa9",
			       "a\xcc\x81",
			       "\xe6\x97\xa5",
			       "a-b",
			       "a.b",
			       "ab/c",
			       "a0",
			       "\xf0\x9f\x98\x80",
			       "_x",
			       "sub/dir/f"};
	size_t n = sizeof(names) / sizeof(names[0]), i;
	const char *sorted[sizeof(names) / sizeof(names[0])];
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	char *d = fresh_dir();

	for (i = 0; i < n; i++)
		mkstr(d, names[i], names[i]);
	memcpy(sorted, names, sizeof(names));
	qsort(sorted, n, sizeof(*sorted), cmp_cstr);
	ck_assert_msg(run(&m, d, NULL, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(digest_manifest_count(m), n);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(digest_manifest_path(m, i), sorted[i]);
	/* bytewise, not by locale or case: "B" < "Z" < "_x" < "a" */
	ck_assert_str_eq(digest_manifest_path(m, 0), "B");
	ck_assert_str_eq(digest_manifest_path(m, n - 1), "\xf0\x9f\x98\x80");
	digest_manifest_free(m);
	rmtree(d);
	free(d);
}
END_TEST

static const struct {
	const char *name;
	int ok;
} name_rows[] = {
    {"plain.bin", 1},
    {"new\nline", 0},
    {"with space", 1},
    {"tab\tname", 0},
    {"\xc3\xa9t\xc3\xa9", 1},
    {"ctl\x01", 0},
    {"\xe6\x97\xa5\xe6\x9c\xac", 1},
    {"del\x7f", 0},
    {"\xf0\x9f\x98\x80", 1},
    {"\xff", 0},
    {"back\\slash", 1},
    {"\xc0\xaf", 0},	     /* overlong '/' */
    {"\xed\xa0\x80", 0},     /* surrogate */
    {"\xe6\x97", 0},	     /* truncated */
    {"\xc2\x9b[31m", 0},     /* C1 CSI */
    {"\xf4\x90\x80\x80", 0}, /* above U+10FFFF */
    {"esc\x1b[2J", 0},
};

START_TEST(test_hostile_names)
{
	static const char *const only_good[] = {"good"};
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	size_t i;
	char *d;
	int rc;

	for (i = 0; i < sizeof(name_rows) / sizeof(name_rows[0]); i++) {
		d = fresh_dir();
		mkstr(d, "good", "x");
		mkstr(d, name_rows[i].name, "data");
		rc = run(&m, d, &o, &e);
		if (name_rows[i].ok) {
			ck_assert_msg(rc == 0, "row %zu: %s", i, e.msg);
			ck_assert_uint_eq(digest_manifest_count(m), 2);
		} else {
			ck_assert_msg(rc == -EXIT_REJECTED, "row %zu", i);
			ck_assert_msg(strstr(e.msg, "not UTF-8") != NULL &&
					  strstr(e.msg, d) != NULL,
				      "row %zu: %s", i, e.msg);
			ck_assert_msg(msg_is_printable(e.msg),
				      "row %zu: raw bytes in message", i);
		}
		digest_manifest_free(m);
		m = NULL;
		/* a refused name outside the selection is not looked at */
		o.only = only_good;
		o.n_only = 1;
		ck_assert_msg(run(&m, d, &o, &e) == 0, "row %zu: %s", i, e.msg);
		ck_assert_uint_eq(digest_manifest_count(m), 1);
		digest_manifest_free(m);
		m = NULL;
		o.n_only = 0;
		rmtree(d);
		free(d);
	}
}
END_TEST

/* --- symlinks and special files ------------------------------------------- */

enum { TGT_FILE, TGT_DIR, TGT_OUTSIDE, TGT_DANGLING, TGT_CHAIN, TGT_UP };

static const struct {
	const char *what;
	int target;
	int allow;
	int rc;
	const char *msg;
} link_rows[] = {
    {"inside, not allowed", TGT_FILE, 0, -EXIT_REJECTED, "symbolic link"},
    {"inside, allowed", TGT_FILE, 1, 0, NULL},
    {"chain inside, allowed", TGT_CHAIN, 1, 0, NULL},
    {"absolute outside, allowed", TGT_OUTSIDE, 1, -EXIT_REJECTED,
     "outside the tree"},
    {"../ outside, allowed", TGT_UP, 1, -EXIT_REJECTED, "outside the tree"},
    {"directory, allowed", TGT_DIR, 1, -EXIT_REJECTED, "directory"},
    {"dangling, allowed", TGT_DANGLING, 1, -EXIT_REJECTED, "not resolve"},
    {"directory, not allowed", TGT_DIR, 0, -EXIT_REJECTED, "symbolic link"},
};

static size_t
find(const struct digest_manifest *m, const char *path)
{
	size_t i;

	for (i = 0; i < digest_manifest_count(m); i++)
		if (strcmp(digest_manifest_path(m, i), path) == 0)
			return i;
	ck_abort_msg("%s not in the manifest", path);
	return 0;
}

START_TEST(test_symlinks)
{
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	char *d, *out = fresh_dir(), target[8192];
	size_t i;
	int rc;

	mkstr(out, "secret", "outside");
	for (i = 0; i < sizeof(link_rows) / sizeof(link_rows[0]); i++) {
		d = fresh_dir();
		mkstr(d, "data/real", "content");
		switch (link_rows[i].target) {
		case TGT_FILE:
			ck_assert(symlink("data/real", path_in(d, "ln")) == 0);
			break;
		case TGT_CHAIN:
			ck_assert(symlink("real", path_in(d, "data/l1")) == 0);
			ck_assert(symlink("data/l1", path_in(d, "ln")) == 0);
			break;
		case TGT_DIR:
			ck_assert(symlink("data", path_in(d, "ln")) == 0);
			break;
		case TGT_OUTSIDE:
			snprintf(target, sizeof(target), "%s/secret", out);
			ck_assert(symlink(target, path_in(d, "ln")) == 0);
			break;
		case TGT_UP:
			snprintf(target, sizeof(target), "../%s/secret",
				 strrchr(out, '/') + 1);
			ck_assert(symlink(target, path_in(d, "ln")) == 0);
			break;
		default:
			ck_assert(symlink("nowhere", path_in(d, "ln")) == 0);
		}
		o.allow_symlinks = link_rows[i].allow;
		rc = run(&m, d, &o, &e);
		ck_assert_msg(rc == link_rows[i].rc, "%s: rc %d %s",
			      link_rows[i].what, rc, e.msg);
		if (rc != 0) {
			ck_assert_msg(strstr(e.msg, link_rows[i].msg) &&
					  strstr(e.msg, "/ln"),
				      "%s: %s", link_rows[i].what, e.msg);
		} else {
			/* hashed as the target's content, under its name */
			size_t real = find(m, "data/real"), ln = find(m, "ln");
			ck_assert_uint_eq(digest_manifest_size(m, ln), 7);
			ck_assert_mem_eq(digest_manifest_sha256(m, real),
					 digest_manifest_sha256(m, ln), 32);
		}
		digest_manifest_free(m);
		m = NULL;
		rmtree(d);
		free(d);
	}
	rmtree(out);
	free(out);
}
END_TEST

START_TEST(test_root_symlink_followed)
{
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	char *d = fresh_dir(), link[8192];

	mkstr(d, "tree/f", "x");
	snprintf(link, sizeof(link), "%s/alias", d);
	ck_assert(symlink("tree", link) == 0);
	ck_assert_msg(run(&m, link, NULL, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(digest_manifest_count(m), 1);
	ck_assert_str_eq(digest_manifest_path(m, 0), "f");
	digest_manifest_free(m);
	rmtree(d);
	free(d);
}
END_TEST

START_TEST(test_special_files)
{
	const char *const skip[] = {"pipe", "sock"};
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL;
	struct sockaddr_un sa;
	struct err e = ERR_INIT;
	char *d = fresh_dir();
	int s;

	mkstr(d, "ok", "x");
	ck_assert(mkfifo(path_in(d, "pipe"), 0644) == 0);
	ck_assert_int_eq(run(&m, d, NULL, &e), -EXIT_REJECTED);
	ck_assert_msg(strstr(e.msg, "/pipe: FIFO refused"), "%s", e.msg);
	/* the FIFO as the root itself */
	ck_assert_int_eq(run(&m, path_in(d, "pipe"), NULL, &e), -EXIT_REJECTED);
	ck_assert_msg(strstr(e.msg, "not a directory or a regular file"), "%s",
		      e.msg);
	ck_assert(unlink(path_in(d, "pipe")) == 0);

	s = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert(s >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", d);
	ck_assert(bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	ck_assert(mkfifo(path_in(d, "pipe"), 0644) == 0);
	o.ignore = skip;
	o.n_ignore = 1;
	ck_assert_int_eq(run(&m, d, &o, &e), -EXIT_REJECTED);
	ck_assert_msg(strstr(e.msg, "/sock: socket refused"), "%s", e.msg);
	/* good row beside it: both ignored */
	o.n_ignore = 2;
	ck_assert_msg(run(&m, d, &o, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(digest_manifest_count(m), 1);
	digest_manifest_free(m);
	close(s);
	rmtree(d);
	free(d);
}
END_TEST

/*
 * Unreadable files. Tests run as root, which reads mode 000 files anyway,
 * so the check runs in a child that drops to uid/gid 65534 first; as a
 * normal user chmod 000 suffices. Neither is faked: the open really fails.
 */
static int
digest_as_nobody(const char *dir, const char *want)
{
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	pid_t pid;
	int status, rc;

	pid = fork();
	if (pid == 0) {
		if (geteuid() == 0 &&
		    (setgroups(0, NULL) != 0 || setgid(65534) != 0 ||
		     setuid(65534) != 0))
			_exit(10);
		rc = digest_tree(&m, dir, NULL, &e);
		digest_manifest_free(m);
		if (want == NULL)
			_exit(rc == 0 ? 0 : 11);
		_exit(rc == -EXIT_UNDECIDED && strstr(e.msg, want) ? 0 : 12);
	}
	ck_assert(pid > 0 && waitpid(pid, &status, 0) == pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

START_TEST(test_unreadable)
{
	char *d = fresh_dir();

	mkstr(d, "a/readable", "x");
	mkstr(d, "b/secret", "y");
	ck_assert_int_eq(digest_as_nobody(d, NULL), 0);
	ck_assert(chmod(path_in(d, "b/secret"), 0) == 0);
	ck_assert_int_eq(digest_as_nobody(d, "/b/secret: Permission denied"),
			 0);
	ck_assert(chmod(path_in(d, "b/secret"), 0644) == 0);
	ck_assert(chmod(path_in(d, "b"), 0) == 0);
	ck_assert_int_eq(digest_as_nobody(d, "/b: Permission denied"), 0);
	rmtree(d);
	free(d);
}
END_TEST

/* SPEC-TREE-5: model_signing's default ignores and model.sig are left out
 * at the top of a directory tree only. */
START_TEST(test_meta_paths)
{
	static const char *const files[] = {
	    ".git/HEAD",   ".gitignore",   ".gitattributes", ".github/ci.yml",
	    "model.sig",   "w.bin",	   "sub/.git/HEAD",  "sub/model.sig",
	    ".gitmodules", "model.sig.bak"};
	static const char *const want[] = {".gitmodules", "model.sig.bak",
					   "sub/.git/HEAD", "sub/model.sig",
					   "w.bin"};
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	char *d = fresh_dir();
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		mkstr(d, files[i], files[i]);
	ck_assert_msg(run(&m, d, NULL, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(digest_manifest_count(m),
			  sizeof(want) / sizeof(want[0]));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_str_eq(digest_manifest_path(m, i), want[i]);
	digest_manifest_free(m);
	m = NULL;
	/* a single file is hashed whatever its name */
	ck_assert_msg(run(&m, path_in(d, "model.sig"), NULL, &e) == 0, "%s",
		      e.msg);
	ck_assert_uint_eq(digest_manifest_count(m), 1);
	ck_assert_str_eq(digest_manifest_path(m, 0), "model.sig");
	digest_manifest_free(m);
	rmtree(d);
	free(d);
}
END_TEST

/* --- links into a directory (--follow-links-within) --------------------- */

/* A Hugging Face style cache under d: cache/blobs/ and the snapshot
 * cache/snap/r/ whose links point up into the blobs. */
static const struct {
	const char *what;
	const char *link; /* in the snapshot */
	const char *target;
	int within; /* links_within given */
	int rc;
	const char *msg;
} within_rows[] = {
    {"into DIR", "w.bin", "../../blobs/A", 1, 0, NULL},
    {"nested, ../../../", "sub/t.txt", "../../../blobs/B", 1, 0, NULL},
    {"chain inside DIR", "c", "../../blobs/toA", 1, 0, NULL},
    {"through a directory link inside DIR", "v", "../../alias/A", 1, 0, NULL},
    {"absolute out of DIR", "o", "@/outside/secret", 1, -EXIT_REJECTED,
     "symbolic link points outside"},
    {"../ out of DIR", "o", "../../../outside/secret", 1, -EXIT_REJECTED,
     "symbolic link points outside"},
    {"a blob that links out of DIR", "e", "../../blobs/evil", 1, -EXIT_REJECTED,
     "symbolic link points outside"},
    {"loop", "l", "../../blobs/l1", 1, -EXIT_REJECTED,
     "symbolic link does not resolve"},
    {"dangling", "n", "../../blobs/none", 1, -EXIT_REJECTED,
     "symbolic link does not resolve"},
    {"directory", "dir", "../../blobs", 1, -EXIT_REJECTED,
     "symbolic link to a directory refused"},
    {"option not given", "w.bin", "../../blobs/A", 0, -EXIT_REJECTED,
     "--follow-links-within DIR"},
};

static void
mkcache(const char *d)
{
	mkstr(d, "cache/blobs/A", "alpha-content");
	mkstr(d, "cache/blobs/B", "beta");
	mkstr(d, "outside/secret", "secret");
	mkstr(d, "cache/snap/r/plain.txt", "plain");
	ck_assert(symlink("A", path_in(d, "cache/blobs/toA")) == 0);
	ck_assert(symlink("blobs", path_in(d, "cache/alias")) == 0);
	ck_assert(symlink("../../outside/secret",
			  path_in(d, "cache/blobs/evil")) == 0);
	ck_assert(symlink("l2", path_in(d, "cache/blobs/l1")) == 0);
	ck_assert(symlink("l1", path_in(d, "cache/blobs/l2")) == 0);
	ck_assert(mkdir(path_in(d, "cache/snap/r/sub"), 0755) == 0);
}

START_TEST(test_links_within)
{
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL, *ref = NULL;
	struct err e = ERR_INIT;
	char target[8192], link[8192], dir[2048], root[2048], *d;
	size_t i, ln;
	int rc;

	for (i = 0; i < sizeof(within_rows) / sizeof(within_rows[0]); i++) {
		d = fresh_dir();
		mkcache(d);
		snprintf(root, sizeof(root), "%s/cache/snap/r", d);
		snprintf(dir, sizeof(dir), "%s/cache", d);
		snprintf(link, sizeof(link), "%s/%s", root,
			 within_rows[i].link);
		if (within_rows[i].target[0] == '@')
			snprintf(target, sizeof(target), "%s%s", d,
				 within_rows[i].target + 1);
		else
			snprintf(target, sizeof(target), "%s",
				 within_rows[i].target);
		ck_assert(symlink(target, link) == 0);
		o.links_within = within_rows[i].within ? dir : NULL;
		rc = run(&m, root, &o, &e);
		ck_assert_msg(rc == within_rows[i].rc, "%s: rc %d %s",
			      within_rows[i].what, rc, e.msg);
		if (rc != 0) {
			ck_assert_msg(strstr(e.msg, within_rows[i].msg) &&
					  strstr(e.msg, within_rows[i].link),
				      "%s: %s", within_rows[i].what, e.msg);
		} else {
			/* the target's bytes under the link's name, as a
			 * copy of the file there would give */
			ck_assert(unlink(link) == 0);
			snprintf(target, sizeof(target), "%s/%s", dir,
				 strstr(within_rows[i].target, "B")
				     ? "blobs/B"
				     : "blobs/A");
			{
				char cmd[20000];
				snprintf(cmd, sizeof(cmd), "cp '%s' '%s'",
					 target, link);
				ck_assert(system(cmd) == 0);
			}
			ck_assert_msg(run(&ref, root, NULL, &e) == 0, "%s",
				      e.msg);
			ck_assert_uint_eq(digest_manifest_count(m),
					  digest_manifest_count(ref));
			ln = find(m, within_rows[i].link);
			ck_assert_uint_eq(digest_manifest_size(m, ln),
					  digest_manifest_size(ref, ln));
			ck_assert_mem_eq(digest_manifest_sha256(m, ln),
					 digest_manifest_sha256(ref, ln), 32);
			digest_manifest_free(ref);
			ref = NULL;
		}
		digest_manifest_free(m);
		m = NULL;
		rmtree(d);
		free(d);
	}
}
END_TEST

/* A link swapped between its open and the end of reading. */
struct swap {
	const char *root;
	int how; /* 0 nothing, 1 to the other blob, 2 there and back */
};

static void
relink(const char *root, const char *target)
{
	char tmp[8192], dst[8192];

	snprintf(tmp, sizeof(tmp), "%s/.w.tmp", root);
	snprintf(dst, sizeof(dst), "%s/w.bin", root);
	ck_assert(symlink(target, tmp) == 0);
	ck_assert(rename(tmp, dst) == 0);
}

static void
swap_link(void *arg, const char *path)
{
	const struct swap *sw = arg;

	if (strcmp(path, "w.bin") != 0 || sw->how == 0)
		return;
	relink(sw->root, "../../blobs/B");
	if (sw->how == 2)
		relink(sw->root, "../../blobs/A");
}

START_TEST(test_link_swapped)
{
	static const struct {
		int how;
		unsigned long long shard;
		int rc;
	} rows[] = {
	    {0, 0, 0}, {1, 0, -EXIT_UNDECIDED}, {2, 0, 0},
	    {0, 4, 0}, {1, 4, -EXIT_UNDECIDED}, {2, 4, 0},
	};
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	char root[2048], dir[2048], *d;
	struct swap sw;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		d = fresh_dir();
		mkcache(d);
		snprintf(root, sizeof(root), "%s/cache/snap/r", d);
		snprintf(dir, sizeof(dir), "%s/cache", d);
		ck_assert(symlink("../../blobs/A", path_in(root, "w.bin")) ==
			  0);
		sw.root = root;
		sw.how = rows[i].how;
		o.jobs = 1;
		o.shard_size = rows[i].shard;
		o.links_within = dir;
		o.test_after_open = swap_link;
		o.test_arg = &sw;
		rc = run(&m, root, &o, &e);
		ck_assert_msg(rc == rows[i].rc, "row %zu: %d %s", i, rc, e.msg);
		ck_assert_msg(rc == 0 ||
				  strstr(e.msg, "/w.bin: symbolic link changed "
						"during hashing"),
			      "row %zu: %s", i, e.msg);
		if (rc == 0)
			ck_assert_uint_eq(
			    digest_manifest_size(m, find(m, "w.bin")), 13);
		digest_manifest_free(m);
		m = NULL;
		rmtree(d);
		free(d);
	}
}
END_TEST

/* --- files that change while being read ------------------------------------
 */

struct change {
	const char *dir;
	int how;  /* 0 nothing, 1 truncate, 2 append, 3 replace */
	off_t to; /* truncate to */
};

static void
change_file(void *arg, const char *path)
{
	const struct change *c = arg;
	char full[8192];
	int fd;

	snprintf(full, sizeof(full), "%s/%s", c->dir, path);
	if (c->how == 1)
		ck_assert(truncate(full, c->to ? c->to : 1000) == 0);
	if (c->how == 2) {
		fd = open(full, O_WRONLY | O_APPEND);
		ck_assert(fd >= 0 && write(fd, "more", 4) == 4);
		close(fd);
	}
}

START_TEST(test_changed_while_reading)
{
	/* Files of MAPPED bytes or more are read through mappings: a
	 * truncation under one faults with SIGBUS, in the first window
	 * (to 1000) or in a later one (to 20 MiB). */
	enum { MAPPED = 40 << 20 };
	static const struct {
		int how;
		unsigned long long shard;
		off_t size, to;
		int rc;
		const char *msg;
	} rows[] = {
	    {0, 0, 65536, 0, 0, NULL},
	    {1, 0, 65536, 0, -EXIT_UNDECIDED,
	     "/big: file shrank while being read"},
	    {2, 0, 65536, 0, -EXIT_UNDECIDED, "/big: changed while being read"},
	    {0, 16384, 65536, 0, 0, NULL},
	    {1, 16384, 65536, 0, -EXIT_UNDECIDED, "/big: file shrank"},
	    {2, 16384, 65536, 0, -EXIT_UNDECIDED,
	     "/big: changed while being read"},
	    {0, 0, MAPPED, 0, 0, NULL},
	    {1, 0, MAPPED, 0, -EXIT_UNDECIDED,
	     "/big: file shrank while being read"},
	    {1, 0, MAPPED, 20 << 20, -EXIT_UNDECIDED,
	     "/big: file shrank while being read"},
	    {2, 0, MAPPED, 0, -EXIT_UNDECIDED,
	     "/big: changed while being read"},
	    {0, 8 << 20, MAPPED, 0, 0, NULL},
	    {1, 8 << 20, MAPPED, 0, -EXIT_UNDECIDED,
	     "/big: file shrank while being read"},
	};
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL;
	static unsigned char data[65536];
	struct err e = ERR_INIT;
	struct sigaction sa, before;
	struct change c;
	size_t i;
	int rc;

	/* The handler before (SIG_DFL, or a sanitizer's own). */
	ck_assert(sigaction(SIGBUS, NULL, &before) == 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		c.dir = fresh_dir();
		c.how = rows[i].how;
		c.to = rows[i].to;
		mkfile(c.dir, "big", data, sizeof(data));
		ck_assert(truncate(path_in(c.dir, "big"), rows[i].size) == 0);
		o.jobs = 1;
		o.buf_size = 4096;
		o.shard_size = rows[i].shard;
		o.test_after_open = change_file;
		o.test_arg = &c;
		rc = run(&m, c.dir, &o, &e);
		ck_assert_msg(rc == rows[i].rc, "row %zu: %d %s", i, rc, e.msg);
		ck_assert_msg(rows[i].msg == NULL || strstr(e.msg, rows[i].msg),
			      "row %zu: %s", i, e.msg);
		digest_manifest_free(m);
		m = NULL;
		rmtree(c.dir);
		free((char *)c.dir);
	}
	/* The SIGBUS handler is the one before again. */
	ck_assert(sigaction(SIGBUS, NULL, &sa) == 0);
	ck_assert(sa.sa_handler == before.sa_handler);
}
END_TEST

/* The OMS root of one-file-per-entry contents, in that order; and a tree
 * of 60 small files in 5 directories plus an empty one. */
static void
expected_root(char out[65], const char *const *contents, size_t n)
{
	unsigned char all[16 * 32], r[32];
	struct err e = ERR_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		ck_assert(hash_sha256(all + 32 * i, contents[i],
				      strlen(contents[i]), &e) == 0);
	ck_assert(hash_sha256(r, all, 32 * n, &e) == 0);
	hex_encode(out, r, 32);
}

static char *
make_tree(void)
{
	char *d = fresh_dir(), name[64], body[64];
	int i;

	for (i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "d%d/f%02d.bin", i % 5, i);
		snprintf(body, sizeof(body), "content %d %s", i,
			 i % 7 ? "x" : "");
		mkstr(d, name, body);
	}
	mkfile(d, "empty", "", 0);
	return d;
}

/* --- options, roots and ceilings --------------------------------------------
 */

START_TEST(test_single_file_root)
{
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	char *d = fresh_dir(), got[65], want[65];
	const char *content[] = {"weights"};

	mkstr(d, "model.bin", "weights");
	ck_assert(run(&m, path_in(d, "model.bin"), NULL, &e) == 0);
	ck_assert_uint_eq(digest_manifest_count(m), 1);
	ck_assert_str_eq(digest_manifest_path(m, 0), "model.bin");
	root_hex(got, m, DIGEST_ORDER_PATH);
	expected_root(want, content, 1);
	ck_assert_str_eq(got, want);
	digest_manifest_free(m);
	ck_assert_int_eq(run(&m, path_in(d, "missing"), NULL, &e),
			 -EXIT_UNDECIDED);
	rmtree(d);
	free(d);
}
END_TEST

START_TEST(test_only_and_ignore)
{
	static const char *const only[] = {"keep", "dir/one"};
	static const char *const ignore[] = {"dir/one/skip"};
	static const char *const bad[] = {"/abs"};
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	char *d = fresh_dir();

	mkstr(d, "keep/a", "1");
	mkstr(d, "drop/b", "2");
	mkstr(d, "dir/one/c", "3");
	mkstr(d, "dir/one/skip/d", "4");
	mkstr(d, "dir/two/e", "5");
	mkstr(d, "dir/f", "6");
	ck_assert(mkfifo(path_in(d, "drop/fifo"), 0644) == 0);
	o.only = only;
	o.n_only = 2;
	o.ignore = ignore;
	o.n_ignore = 1;
	ck_assert_msg(run(&m, d, &o, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(digest_manifest_count(m), 2);
	ck_assert_str_eq(digest_manifest_path(m, 0), "dir/one/c");
	ck_assert_str_eq(digest_manifest_path(m, 1), "keep/a");
	digest_manifest_free(m);
	o.only = bad;
	o.n_only = 1;
	ck_assert_int_eq(run(&m, d, &o, &e), -EXIT_USAGE);
	rmtree(d);
	free(d);
}
END_TEST

struct prog {
	unsigned long long calls, units, bytes, units_total, bytes_total;
};

static void
on_progress(void *arg, unsigned long long units, unsigned long long bytes,
	    unsigned long long units_total, unsigned long long bytes_total)
{
	struct prog *p = arg;

	p->calls++;
	p->units = units;
	p->bytes = bytes;
	p->units_total = units_total;
	p->bytes_total = bytes_total;
}

START_TEST(test_progress_and_opts)
{
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	struct prog p = {0, 0, 0, 0, 0};
	char *d = make_tree();

	o.progress = on_progress;
	o.progress_arg = &p;
	ck_assert(run(&m, d, &o, &e) == 0);
	ck_assert(p.calls >= 1);
	ck_assert_uint_eq(p.units, 61);
	ck_assert_uint_eq(p.units_total, 61);
	ck_assert_uint_eq(p.bytes, digest_manifest_total_bytes(m));
	ck_assert_uint_eq(p.bytes_total, p.bytes);
	digest_manifest_free(m);
	o.jobs = DIGEST_MAX_JOBS + 1;
	ck_assert_int_eq(run(&m, d, &o, &e), -EXIT_USAGE);
	o.jobs = 0;
	o.buf_size = 100;
	ck_assert_int_eq(run(&m, d, &o, &e), -EXIT_USAGE);
	o.buf_size = 0;
	o.slice_count = 2;
	o.slice_index = 2;
	ck_assert_int_eq(run(&m, d, &o, &e), -EXIT_USAGE);
	rmtree(d);
	free(d);
}
END_TEST

START_TEST(test_depth_ceiling)
{
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	char *d = fresh_dir(), rel[2 * (DIGEST_MAX_DEPTH + 2) + 8];
	size_t i, len = 0;

	for (i = 0; i < DIGEST_MAX_DEPTH; i++) {
		memcpy(rel + len, "d/", 2);
		len += 2;
	}
	memcpy(rel + len, "f", 2);
	mkstr(d, rel, "deep enough");
	ck_assert_msg(run(&m, d, NULL, &e) == 0, "%s", e.msg);
	digest_manifest_free(m);
	memcpy(rel + len, "d/f", 4);
	mkstr(d, rel, "too deep");
	ck_assert_int_eq(run(&m, d, NULL, &e), -EXIT_REJECTED);
	ck_assert_msg(strstr(e.msg, "nested deeper"), "%s", e.msg);
	rmtree(d);
	free(d);
}
END_TEST

/* Any number of threads gives the same manifest, and an error deep in
 * one directory stops them all and names the path. */
START_TEST(test_threads_agree)
{
	static const unsigned jobs[] = {1, 2, 3, 8};
	struct digest_opts o = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	char *d = make_tree(), *first = NULL, *json, name[64];
	static char big[40000];
	size_t len, i;
	int k;

	for (k = 0; k < 40; k++) {
		snprintf(name, sizeof(name), "n%d/m%d/big%d", k % 4, k, k);
		memset(big, 'a' + k % 26, sizeof(big));
		mkfile(d, name, big, (size_t)k * 1000);
	}
	for (i = 0; i < 4; i++) {
		o.jobs = jobs[i];
		ck_assert_msg(run(&m, d, &o, &e) == 0, "%s", e.msg);
		ck_assert(digest_manifest_to_json(&json, &len, m, &e) == 0);
		if (first == NULL)
			first = json;
		else
			ck_assert_str_eq(json, first);
		if (json != first)
			free(json);
		digest_manifest_free(m);
	}
	mkstr(d, "n2/m30/deeper/bad\x01name", "x");
	mkstr(d, "n2/m30/deeper/bad\x02name", "x");
	for (i = 0; i < 4; i++) {
		o.jobs = jobs[i];
		ck_assert_int_eq(run(&m, d, &o, &e), -EXIT_REJECTED);
		ck_assert_msg(strstr(e.msg, "/n2/m30/deeper/bad\\x0"), "%s",
			      e.msg);
	}
	free(first);
	rmtree(d);
	free(d);
}
END_TEST

static Suite *
digest_suite(void)
{
	Suite *s = suite_create("digest");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_sort_bytewise);
	tcase_add_test(tc, test_hostile_names);
	tcase_add_test(tc, test_symlinks);
	tcase_add_test(tc, test_meta_paths);
	tcase_add_test(tc, test_links_within);
	tcase_add_test(tc, test_link_swapped);
	tcase_add_test(tc, test_root_symlink_followed);
	tcase_add_test(tc, test_special_files);
	tcase_add_test(tc, test_unreadable);
	tcase_add_test(tc, test_changed_while_reading);
	tcase_add_test(tc, test_single_file_root);
	tcase_add_test(tc, test_only_and_ignore);
	tcase_add_test(tc, test_progress_and_opts);
	tcase_add_test(tc, test_depth_ceiling);
	tcase_add_test(tc, test_threads_agree);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(digest_suite());
}

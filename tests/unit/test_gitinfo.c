/*
 * gitinfo: repositories built with the git binary in temp dirs, read
 * back by the library (which never runs git), with git as the oracle.
 */
#include <check.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/gitinfo.h"
#include "tests/unit/testutil.h"

#define CMD_MAX 8192

static int
sh(const char *dir, const char *fmt, ...)
{
	char cmd[CMD_MAX], full[CMD_MAX + 512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "cd '%s' && { %s; } >/dev/null 2>&1", dir,
		 cmd);
	return system(full);
}

#define SH(dir, ...) ck_assert_int_eq(sh(dir, __VA_ARGS__), 0)

/* First line of a command's output, newline removed. */
static void
out_of(char *buf, size_t cap, const char *dir, const char *cmd)
{
	char full[CMD_MAX];
	FILE *f;

	snprintf(full, sizeof(full), "cd '%s' && %s 2>/dev/null", dir, cmd);
	f = popen(full, "r");
	ck_assert_ptr_nonnull(f);
	if (fgets(buf, (int)cap, f) == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	pclose(f);
}

static char *
join(const char *a, const char *b)
{
	char *p = malloc(strlen(a) + strlen(b) + 2);

	ck_assert_ptr_nonnull(p);
	memcpy(p, a, strlen(a));
	p[strlen(a)] = '/';
	memcpy(p + strlen(a) + 1, b, strlen(b) + 1);
	return p;
}

/* A temp dir with git's environment pinned; *repo is tmp/repo. */
static char *
env_new(char **repo)
{
	char *tmp = testutil_tmpdir();

	setenv("HOME", tmp, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_INDEX_FILE");
	*repo = join(tmp, "repo");
	return tmp;
}

static void
git_init(const char *tmp, const char *name, const char *opts)
{
	SH(tmp,
	   "git init -q -b main %s %s && cd %s && git config user.name T && "
	   "git config user.email t@example.com",
	   opts, name, name);
}

/* tmp/repo with one commit and a remote with credentials. */
static char *
repo_new(char **repo, const char *opts)
{
	char *tmp = env_new(repo);

	git_init(tmp, "repo", opts);
	SH(*repo, "printf 'hello\\n' > a.txt && mkdir dir && "
		  "printf 'b\\n' > dir/b.txt && printf '#!/bin/sh\\n' > run.sh "
		  "&& chmod +x run.sh && ln -s a.txt link && git add -A && "
		  "git commit -qm init && git remote add origin "
		  "https://alice:s3cret@example.com/org/repo.git");
	return tmp;
}

static void
env_free(char *tmp, char *repo)
{
	sh("/", "rm -rf '%s'", tmp);
	free(tmp);
	free(repo);
}

static struct gitinfo *
read_ok(const char *dir)
{
	struct err e = ERR_INIT;
	struct gitinfo *g = NULL;

	ck_assert_msg(gitinfo_read(&g, dir, &e) == 0, "%s: %s", dir, e.msg);
	return g;
}

/* Commit and branch agree with git's own answers. */
static void
check_head(const struct gitinfo *g, const char *dir)
{
	char want[128];

	out_of(want, sizeof(want), dir, "git rev-parse HEAD");
	ck_assert_str_eq(gitinfo_commit(g), want);
	out_of(want, sizeof(want), dir, "git symbolic-ref -q --short HEAD");
	if (want[0] == '\0')
		ck_assert_ptr_null(gitinfo_branch(g));
	else
		ck_assert_str_eq(gitinfo_branch(g), want);
}

struct dirty_case {
	const char *name;
	const char *cmd; /* run in the repo after the first commit */
	int dirty;
	const char *path; /* expected first path, or NULL */
};

#define ATTR(line)                                                             \
	"echo '" line "' > .gitattributes && git add -A && "                   \
	"git commit -qm attr && "

static const struct dirty_case dirty_cases[] = {
    {"clean", "true", 0, NULL},
    {"appended", "echo more >> a.txt", 1, "a.txt"},
    {"same size, mtime put back",
     "touch -r a.txt ../ref && printf 'HELLO\\n' > a.txt && "
     "touch -r ../ref a.txt",
     1, "a.txt"},
    {"touched, same content", "touch -d @1000000000 a.txt dir/b.txt", 0, NULL},
    {"rewritten, same content", "cp a.txt ../x && cat ../x > a.txt", 0, NULL},
    {"deleted", "rm a.txt", 1, "a.txt"},
    {"directory deleted", "rm -r dir", 1, "dir/b.txt"},
    {"untracked files", "echo n > new.txt && mkdir u && echo y > u/y", 0, NULL},
    {"exec bit dropped", "chmod -x run.sh", 1, "run.sh"},
    {"symlink retargeted", "ln -sfn dir/b.txt link", 1, "link"},
    {"symlink touched", "touch -h -d @1000000000 link", 0, NULL},
    {"file became symlink to same content", "mv a.txt ../a && ln -s ../a a.txt",
     1, "a.txt"},
    {"dir became symlink to a copy",
     "cp -r dir ../outside && rm -r dir && ln -s ../outside dir", 1,
     "dir/b.txt"},
    {"staged change", "echo more >> a.txt && git add a.txt", -1, NULL},
    {"staged new file", "echo n > n.txt && git add n.txt", -1, NULL},
    {"staged then committed", "echo more >> a.txt && git commit -qam two", 0,
     NULL},
    {"intent to add", "echo n > n.txt && git add -N n.txt", 1, "n.txt"},
    {"status refreshed", "touch a.txt && git status", 0, NULL},
    {"merge conflict",
     "git checkout -qb other && echo o > a.txt && git commit -qam o && "
     "git checkout -q main && echo m > a.txt && git commit -qam m && "
     "{ git merge other || true; }",
     1, "a.txt"},
    {"index truncated", "head -c 100 .git/index > ../i && cp ../i .git/index",
     -1, NULL},
    {"index bit flipped",
     "printf X | dd of=.git/index bs=1 seek=20 conv=notrunc", -1, NULL},
    {"index random", "head -c 4096 /dev/urandom > .git/index", -1, NULL},
    {"index empty", ": > .git/index", -1, NULL},
    {"index missing", "rm .git/index", -1, NULL},
    {"index version 4", "git update-index --index-version 4", -1, NULL},
    {"index version 3", "git update-index --index-version 3", 0, NULL},
    {"filter attribute, edited", ATTR("*.txt filter=x") "echo m >> a.txt", -1,
     "a.txt"},
    {"text attribute, LF edit", ATTR("* text=auto") "echo m >> a.txt", 1,
     "a.txt"},
    {"text attribute, CRLF edit",
     ATTR("* text=auto") "printf 'm\\r\\n' >> "
			 "a.txt",
     -1, "a.txt"},
    {"text attribute, clean", ATTR("* text=auto") "touch -d @1 a.txt", 0, NULL},
};

START_TEST(test_dirty)
{
	const struct dirty_case *c = &dirty_cases[_i];
	char *repo, *tmp = repo_new(&repo, "");
	char status[256];
	struct gitinfo *g;

	SH(repo, "%s", c->cmd);
	g = read_ok(repo);
	check_head(g, repo);
	ck_assert_msg(gitinfo_dirty(g) == c->dirty, "%s: dirty %d (%s)",
		      c->name, gitinfo_dirty(g), gitinfo_dirty_reason(g));
	ck_assert_int_eq(gitinfo_dirty_reason(g) == NULL, c->dirty == 0);
	if (c->path != NULL)
		ck_assert_str_eq(gitinfo_dirty_paths(g)[0], c->path);
	if (c->dirty == 0)
		ck_assert_ptr_null(gitinfo_dirty_paths(g)[0]);
	if (c->dirty >= 0) { /* git agrees (status may rewrite the index) */
		out_of(status, sizeof(status), repo,
		       "git status --porcelain --untracked-files=no");
		ck_assert_msg((status[0] != '\0') == c->dirty, "%s: git: %s",
			      c->name, status);
	}
	gitinfo_free(g);
	env_free(tmp, repo);
}
END_TEST

START_TEST(test_identity)
{
	char *repo, *tmp = repo_new(&repo, "");
	char *sub = join(repo, "dir");
	char *real = realpath(repo, NULL);
	struct gitinfo *g;

	g = read_ok(sub);
	check_head(g, repo);
	ck_assert_str_eq(gitinfo_branch(g), "main");
	ck_assert_int_eq(strlen(gitinfo_commit(g)), 40);
	ck_assert_str_eq(gitinfo_remote_url(g),
			 "https://example.com/org/repo.git");
	ck_assert_str_eq(gitinfo_workdir(g), real);
	ck_assert_int_eq(gitinfo_dirty(g), 0);
	gitinfo_free(g);
	free(sub);
	free(real);
	env_free(tmp, repo);
}
END_TEST

START_TEST(test_detached_and_packed)
{
	char *repo, *tmp = repo_new(&repo, "");
	struct stat st;
	char *loose;
	struct gitinfo *g;

	SH(repo, "echo 2 > a.txt && git commit -qam two && git tag v1 && "
		 "git pack-refs --all");
	loose = join(repo, ".git/refs/heads/main");
	ck_assert_int_ne(stat(loose, &st), 0); /* really packed */
	g = read_ok(repo);
	check_head(g, repo);
	ck_assert_str_eq(gitinfo_branch(g), "main");
	gitinfo_free(g);
	SH(repo, "git checkout -q --detach HEAD~1");
	g = read_ok(repo);
	check_head(g, repo);
	ck_assert_ptr_null(gitinfo_branch(g));
	ck_assert_int_eq(gitinfo_dirty(g), 0);
	gitinfo_free(g);
	free(loose);
	env_free(tmp, repo);
}
END_TEST

START_TEST(test_worktree)
{
	char *repo, *tmp = repo_new(&repo, "");
	char *wt = join(tmp, "wt"), *file = join(wt, "a.txt");
	struct gitinfo *g;
	FILE *f;

	SH(repo, "git worktree add -q ../wt -b feature && cd ../wt && "
		 "echo f > f.txt && git add f.txt && git commit -qm f");
	g = read_ok(wt);
	check_head(g, wt);
	ck_assert_str_eq(gitinfo_branch(g), "feature");
	ck_assert_str_eq(gitinfo_remote_url(g),
			 "https://example.com/org/repo.git");
	ck_assert_int_eq(gitinfo_dirty(g), 0);
	gitinfo_free(g);
	f = fopen(file, "a");
	ck_assert_ptr_nonnull(f);
	fputs("x\n", f);
	fclose(f);
	g = read_ok(wt);
	ck_assert_int_eq(gitinfo_dirty(g), 1);
	ck_assert_str_eq(gitinfo_dirty_paths(g)[0], "a.txt");
	gitinfo_free(g);
	g = read_ok(repo); /* the main tree is untouched */
	ck_assert_int_eq(gitinfo_dirty(g), 0);
	ck_assert_str_eq(gitinfo_branch(g), "main");
	gitinfo_free(g);
	free(wt);
	free(file);
	env_free(tmp, repo);
}
END_TEST

START_TEST(test_submodule)
{
	char *repo, *tmp = repo_new(&repo, "");
	char *inner = join(repo, "lib"), *clone = join(tmp, "clone");
	struct gitinfo *g;

	git_init(tmp, "sub", "");
	SH(tmp,
	   "cd sub && echo s > s.txt && git add s.txt && git commit -qm s");
	SH(repo,
	   "git -c protocol.file.allow=always submodule add -q \"$PWD/../sub\" "
	   "lib && git commit -qm sub");
	g = read_ok(repo);
	ck_assert_int_eq(gitinfo_dirty(g), 0);
	gitinfo_free(g);
	g = read_ok(inner); /* the submodule is a repository of its own */
	check_head(g, inner);
	ck_assert_int_eq(gitinfo_dirty(g), 0);
	gitinfo_free(g);
	SH(inner,
	   "git config user.name T && git config user.email t@example.com "
	   "&& echo t > t.txt && git add t.txt && git commit -qm t");
	g = read_ok(repo);
	ck_assert_int_eq(gitinfo_dirty(g), 1);
	ck_assert_str_eq(gitinfo_dirty_paths(g)[0], "lib");
	gitinfo_free(g);
	SH(tmp, "git clone -q repo clone"); /* submodule not checked out */
	g = read_ok(clone);
	check_head(g, clone);
	ck_assert_int_eq(gitinfo_dirty(g), 0);
	ck_assert_str_eq(gitinfo_remote_url(g), repo);
	gitinfo_free(g);
	free(inner);
	free(clone);
	env_free(tmp, repo);
}
END_TEST

START_TEST(test_sha256)
{
	char *repo, *tmp = repo_new(&repo, "--object-format=sha256");
	struct gitinfo *g;

	g = read_ok(repo);
	check_head(g, repo);
	ck_assert_int_eq(strlen(gitinfo_commit(g)), 64);
	ck_assert_int_eq(gitinfo_dirty(g), 0);
	gitinfo_free(g);
	SH(repo, "touch -d @1000000000 a.txt");
	g = read_ok(repo);
	ck_assert_int_eq(gitinfo_dirty(g), 0);
	gitinfo_free(g);
	SH(repo, "echo more >> dir/b.txt");
	g = read_ok(repo);
	ck_assert_int_eq(gitinfo_dirty(g), 1);
	ck_assert_str_eq(gitinfo_dirty_paths(g)[0], "dir/b.txt");
	gitinfo_free(g);
	env_free(tmp, repo);
}
END_TEST

START_TEST(test_many_changes)
{
	char *repo, *tmp = repo_new(&repo, "");
	const char *const *paths;
	struct gitinfo *g;
	size_t n;

	SH(repo, "for i in $(seq 20); do echo $i > f$i; done && git add -A && "
		 "git commit -qm many && for i in $(seq 20); do echo x >> f$i; "
		 "done");
	g = read_ok(repo);
	ck_assert_int_eq(gitinfo_dirty(g), 1);
	paths = gitinfo_dirty_paths(g);
	for (n = 0; paths[n] != NULL; n++)
		ck_assert_int_eq(paths[n][0], 'f');
	ck_assert_uint_eq(n, GITINFO_MAX_DIRTY_PATHS);
	gitinfo_free(g);
	env_free(tmp, repo);
}
END_TEST

struct remote_case {
	const char *cmd;
	const char *url; /* NULL: no remote; "!": gitinfo_read fails */
};

static const struct remote_case remote_cases[] = {
    {"true", "https://example.com/org/repo.git"},
    {"git remote remove origin && git remote add upstream "
     "https://ghp_token@github.com/o/r.git",
     "https://github.com/o/r.git"},
    {"git remote remove origin && git remote add first "
     "ssh://git:pw@h.example/a.git && git remote add origin "
     "git@github.com:o/r.git",
     "git@github.com:o/r.git"},
    {"git remote remove origin", NULL},
    {"git remote remove origin && printf '[remote \"origin\"]\\n\\turl = "
     "\"https://u:p@h.example/x\" ; note\\n' >> .git/config",
     "https://h.example/x"},
    {"printf '[broken\\n' >> .git/config", "!"},
    {"printf '[core]\\nfoo = \"open\\n' >> .git/config", "!"},
    {"printf 'bare = \\\\q\\n' >> .git/config", "!"},
    {"git config extensions.refstorage reftable", "!"},
};

START_TEST(test_remote)
{
	const struct remote_case *c = &remote_cases[_i];
	char *repo, *tmp = repo_new(&repo, "");
	struct err e = ERR_INIT;
	struct gitinfo *g = NULL;
	int rc;

	SH(repo, "%s", c->cmd);
	rc = gitinfo_read(&g, repo, &e);
	if (c->url != NULL && strcmp(c->url, "!") == 0) {
		ck_assert_int_eq(rc, -EXIT_UNDECIDED);
		ck_assert_ptr_null(g);
		ck_assert_ptr_nonnull(strstr(e.msg, "config"));
	} else {
		ck_assert_msg(rc == 0, "%s", e.msg);
		if (c->url == NULL)
			ck_assert_ptr_null(gitinfo_remote_url(g));
		else
			ck_assert_str_eq(gitinfo_remote_url(g), c->url);
	}
	gitinfo_free(g);
	env_free(tmp, repo);
}
END_TEST

START_TEST(test_not_a_repo)
{
	char *repo, *tmp = env_new(&repo);
	char *missing = join(tmp, "nope");
	struct err e = ERR_INIT;
	struct gitinfo *g = NULL;

	ck_assert_int_eq(gitinfo_read(&g, tmp, &e), -EXIT_UNDECIDED);
	ck_assert_int_eq(e.code, EXIT_UNDECIDED);
	ck_assert_ptr_nonnull(strstr(e.msg, "not in a git repository"));
	ck_assert_ptr_null(g);
	ck_assert_int_eq(gitinfo_read(&g, missing, &e), -EXIT_UNDECIDED);
	ck_assert_int_eq(gitinfo_read(&g, tmp, NULL), -EXIT_UNDECIDED);
	git_init(tmp, "repo", ""); /* unborn: no commit yet */
	ck_assert_int_eq(gitinfo_read(&g, repo, &e), -EXIT_UNDECIDED);
	ck_assert_ptr_nonnull(strstr(e.msg, "no commit yet"));
	SH(repo, "echo 'ref: refs/heads/../../x' > .git/HEAD");
	ck_assert_int_eq(gitinfo_read(&g, repo, &e), -EXIT_UNDECIDED);
	SH(repo, "echo 'not a commit' > .git/HEAD");
	ck_assert_int_eq(gitinfo_read(&g, repo, &e), -EXIT_UNDECIDED);
	ck_assert_ptr_null(g);
	free(missing);
	env_free(tmp, repo);
}
END_TEST

/* ---- a hand-made index: one entry with any name ---- */

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void
index_craft(const char *path, const char *name, const struct stat *st,
	    const char *content)
{
	unsigned char buf[1024] = {0}, *p;
	char head[64];
	size_t n = 12, nlen = strlen(name), hl;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	FILE *f;

	memcpy(buf, "DIRC", 4);
	put32(buf + 4, 2);
	put32(buf + 8, 1);
	p = buf + n;
	put32(p, (uint32_t)st->st_ctim.tv_sec);
	put32(p + 4, (uint32_t)st->st_ctim.tv_nsec);
	put32(p + 8, (uint32_t)st->st_mtim.tv_sec);
	put32(p + 12, (uint32_t)st->st_mtim.tv_nsec);
	put32(p + 20, (uint32_t)st->st_ino);
	put32(p + 24, 0100644);
	put32(p + 36, (uint32_t)st->st_size);
	hl = (size_t)snprintf(head, sizeof(head), "blob %zu", strlen(content));
	EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
	EVP_DigestUpdate(ctx, head, hl + 1);
	EVP_DigestUpdate(ctx, content, strlen(content));
	EVP_DigestFinal_ex(ctx, p + 40, NULL);
	p[60] = (unsigned char)(nlen >> 8);
	p[61] = (unsigned char)nlen;
	memcpy(p + 62, name, nlen);
	n += (62 + nlen + 8) & ~(size_t)7;
	memcpy(buf + n, "TREE", 4); /* a valid cached root tree */
	put32(buf + n + 4, 25);
	memcpy(buf + n + 8, "\0001 0\n", 5);
	n += 8 + 25;
	EVP_Digest(buf, n, buf + n, NULL, EVP_sha1(), NULL);
	n += 20;
	EVP_MD_CTX_free(ctx);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, n, f), n);
	fclose(f);
}

struct craft_case {
	const char *name;
	int dirty;
};

/* The good row proves the crafted index is otherwise sound. */
static const struct craft_case craft_cases[] = {
    {"inside.txt", 0},	     {"../outside.txt", -1}, {"/etc/hostname", -1},
    {"d/../inside.txt", -1}, {".git/HEAD", -1},	     {"./inside.txt", -1},
    {"d//inside.txt", -1},
};

START_TEST(test_crafted_index)
{
	const struct craft_case *c = &craft_cases[_i];
	char *repo, *tmp = repo_new(&repo, "");
	char *index = join(repo, ".git/index"), *target = join(repo, c->name);
	struct stat st;
	struct gitinfo *g;

	SH(repo, "rm -rf * && mkdir d && printf 'same\\n' > inside.txt && "
		 "printf 'same\\n' > ../outside.txt");
	if (c->name[0] == '/' || stat(target, &st) != 0)
		memset(&st, 0, sizeof(st));
	index_craft(index, c->name, &st, "same\n");
	g = read_ok(repo);
	ck_assert_msg(gitinfo_dirty(g) == c->dirty, "%s: %d (%s)", c->name,
		      gitinfo_dirty(g), gitinfo_dirty_reason(g));
	if (c->dirty < 0)
		ck_assert_ptr_nonnull(
		    strstr(gitinfo_dirty_reason(g), "unsafe"));
	gitinfo_free(g);
	free(index);
	free(target);
	env_free(tmp, repo);
}
END_TEST

struct url_case {
	const char *in, *out;
};

static const struct url_case url_cases[] = {
    {"https://u:p@h.example/x.git", "https://h.example/x.git"},
    {"https://token@h.example/x", "https://h.example/x"},
    {"HTTP://u:p@h.example:8080/x", "HTTP://h.example:8080/x"},
    {"https://h.example/x", "https://h.example/x"},
    {"https://h.example/a@b", "https://h.example/a@b"},
    {"https://a@b:c@h.example/x", "https://h.example/x"},
    {"ftp://u:p@h.example/x", "ftp://h.example/x"},
    {"ssh://git@h.example/x", "ssh://git@h.example/x"},
    {"ssh://git:pw@h.example/x", "ssh://git@h.example/x"},
    {"git@github.com:o/r.git", "git@github.com:o/r.git"},
    {"/srv/git/r.git", "/srv/git/r.git"},
    {"file:///srv/r", "file:///srv/r"},
    {"://u:p@h", "://u:p@h"},
    {"", ""},
};

START_TEST(test_url_redact)
{
	const struct url_case *c = &url_cases[_i];
	struct err e = ERR_INIT;
	char *out = NULL;

	ck_assert_int_eq(gitinfo_url_redact(&out, c->in, &e), 0);
	ck_assert_str_eq(out, c->out);
	free(out);
}
END_TEST

struct path_case {
	const char *path;
	int ok;
};

static const struct path_case path_cases[] = {
    {"a.txt", 1},  {"dir/b.txt", 1}, {".gitignore", 1},	 {"a/.github/x", 1},
    {"..a", 1},	   {"", 0},	     {"/etc/passwd", 0}, {"../x", 0},
    {"a/../b", 0}, {"a/..", 0},	     {"./a", 0},	 {"a/./b", 0},
    {"a//b", 0},   {"a/", 0},	     {".git/config", 0}, {"x/.GIT/y", 0},
    {".Git", 0},
};

START_TEST(test_path_ok)
{
	const struct path_case *c = &path_cases[_i];
	char big[GITINFO_MAX_PATH + 2];

	ck_assert_int_eq(gitinfo_path_ok(c->path, strlen(c->path)), c->ok);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(gitinfo_path_ok(big, GITINFO_MAX_PATH), 1);
	ck_assert_int_eq(gitinfo_path_ok(big, GITINFO_MAX_PATH + 1), 0);
	ck_assert_int_eq(gitinfo_path_ok("a\0b", 3), 0);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
gitinfo_suite(void)
{
	Suite *s = suite_create("gitinfo");
	TCase *t = tcase_create("repos");

	tcase_set_timeout(t, 60);
	tcase_add_loop_test(t, test_dirty, 0, N(dirty_cases));
	tcase_add_test(t, test_identity);
	tcase_add_test(t, test_detached_and_packed);
	tcase_add_test(t, test_worktree);
	tcase_add_test(t, test_submodule);
	tcase_add_test(t, test_sha256);
	tcase_add_test(t, test_many_changes);
	tcase_add_loop_test(t, test_remote, 0, N(remote_cases));
	tcase_add_test(t, test_not_a_repo);
	tcase_add_loop_test(t, test_crafted_index, 0, N(craft_cases));
	tcase_add_loop_test(t, test_url_redact, 0, N(url_cases));
	tcase_add_loop_test(t, test_path_ok, 0, N(path_cases));
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return testutil_run(gitinfo_suite());
}

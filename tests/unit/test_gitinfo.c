/*
 * gitinfo: repositories built with the git binary in temp dirs, read
 * back through libgit2, with `git status --porcelain` as the oracle.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attest/gitinfo.h"
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

/*
 * dirty: 1 dirty, 0 clean (both checked against git status --porcelain),
 * -1 unknown (libgit2 cannot read the index; never reported clean).
 */
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
    {"untracked file", "echo n > new.txt", 1, "new.txt"},
    {"untracked directory", "mkdir u && echo y > u/y", 1, "u/"},
    {"ignored file", "echo '*.log' > .git/info/exclude && echo l > x.log", 0,
     NULL},
    {"gitignored directory",
     "echo 'out/' > .gitignore && git add .gitignore && git commit -qm i && "
     "mkdir out && echo o > out/o",
     0, NULL},
    {"untracked .gitignore itself", "echo 'x' > .gitignore", 1, ".gitignore"},
    {"exec bit dropped", "chmod -x run.sh", 1, "run.sh"},
    {"symlink retargeted", "ln -sfn dir/b.txt link", 1, "link"},
    {"symlink touched", "touch -h -d @1000000000 link", 0, NULL},
    {"file became symlink to same content", "mv a.txt ../a && ln -s ../a a.txt",
     1, "a.txt"},
    {"staged change", "echo more >> a.txt && git add a.txt", 1, "a.txt"},
    {"staged, tree written",
     "echo more >> a.txt && git add a.txt && git write-tree", 1, "a.txt"},
    {"soft reset",
     "echo 2 > a.txt && git commit -qam two && "
     "git reset -q --soft HEAD~1",
     1, "a.txt"},
    {"staged new file", "echo n > n.txt && git add n.txt", 1, "n.txt"},
    {"staged then committed", "echo more >> a.txt && git commit -qam two", 0,
     NULL},
    {"intent to add", "echo n > n.txt && git add -N n.txt", 1, "n.txt"},
    {"status refreshed", "touch a.txt && git status", 0, NULL},
    {"merge conflict",
     "git checkout -qb other && echo o > a.txt && git commit -qam o && "
     "git checkout -q main && echo m > a.txt && git commit -qam m && "
     "{ git merge other || true; }",
     1, "a.txt"},
    {"index version 4", "git update-index --index-version 4", 0, NULL},
    {"index version 4, edited",
     "git update-index --index-version 4 && echo m >> dir/b.txt", 1,
     "dir/b.txt"},
    {"index version 3", "git update-index --index-version 3", 0, NULL},
    {"split index", "git update-index --split-index", -1, NULL},
    {"split index, edited", "git update-index --split-index && echo m >> a.txt",
     -1, NULL},
    {"filemode off by config include",
     "printf '[core]\\n\\tfilemode = false\\n' > ../inc && "
     "git config include.path ../../inc && chmod -x run.sh",
     0, NULL},
    {"excludes file by config include",
     "printf '[core]\\n\\texcludesFile = %s/../ex\\n' \"$PWD\" > ../inc && "
     "echo '*.tmp' > ../ex && git config include.path ../../inc && "
     "echo t > t.tmp",
     0, NULL},
    {"excludes file include, other file",
     "printf '[core]\\n\\texcludesFile = %s/../ex\\n' \"$PWD\" > ../inc && "
     "echo '*.tmp' > ../ex && git config include.path ../../inc && "
     "echo t > t.txt",
     1, "t.txt"},
    {"text attribute, LF edit",
     "echo '* text=auto' > .gitattributes && git add -A && "
     "git commit -qm attr && echo m >> a.txt",
     1, "a.txt"},
    {"text attribute, clean",
     "echo '* text=auto' > .gitattributes && git add -A && "
     "git commit -qm attr && touch -d @1 a.txt",
     0, NULL},
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
	out_of(status, sizeof(status), repo, "git status --porcelain");
	if (c->dirty >= 0) /* git agrees (status may rewrite the index) */
		ck_assert_msg((status[0] != '\0') == c->dirty, "%s: git: %s",
			      c->name, status);
	else
		ck_assert_ptr_nonnull(
		    strstr(gitinfo_dirty_reason(g), "status unknown"));
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

static void
submodule_dirty(const char *repo)
{
	char status[256];
	struct gitinfo *g = read_ok(repo);

	out_of(status, sizeof(status), repo, "git status --porcelain");
	ck_assert_msg(status[0] != '\0', "git sees no change");
	ck_assert_msg(gitinfo_dirty(g) == 1, "%s", gitinfo_dirty_reason(g));
	ck_assert_str_eq(gitinfo_dirty_paths(g)[0], "lib");
	ck_assert_ptr_nonnull(strstr(gitinfo_dirty_reason(g), "submodule"));
	gitinfo_free(g);
}

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
	SH(inner, "echo edit >> s.txt"); /* an edit inside the submodule */
	submodule_dirty(repo);
	SH(inner, "git checkout -q s.txt && echo u > u.txt"); /* untracked */
	submodule_dirty(repo);
	SH(inner, "rm u.txt && git add s.txt");
	g = read_ok(repo);
	ck_assert_int_eq(gitinfo_dirty(g), 0);
	gitinfo_free(g);
	SH(inner,
	   "git config user.name T && git config user.email t@example.com "
	   "&& echo t > t.txt && git add t.txt && git commit -qm t");
	submodule_dirty(repo);
	SH(repo, "git add lib"); /* the new commit staged in the superproject */
	submodule_dirty(repo);
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

/* libgit2 1.5 reads no sha256 repository: no code info, never a guess. */
START_TEST(test_sha256)
{
	char *repo, *tmp = repo_new(&repo, "--object-format=sha256");
	struct err e = ERR_INIT;
	struct gitinfo *g = NULL;

	ck_assert_int_eq(gitinfo_read(&g, repo, &e), -EXIT_UNDECIDED);
	ck_assert_ptr_null(g);
	ck_assert_ptr_nonnull(strstr(e.msg, "cannot open the repository"));
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
    {"printf 'bare = \\\\q\\n' >> .git/config", "!"},
    {"git config core.repositoryformatversion 1 && "
     "git config extensions.refstorage reftable",
     "!"},
    {"printf '[include]\\n\\tpath = ../../inc\\n' >> .git/config && "
     "printf '[remote \"origin\"]\\n\\turl = https://t@inc.example/r\\n' "
     "> ../inc && git remote remove origin",
     "https://inc.example/r"},
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
		ck_assert_msg(strstr(e.msg, "cannot open the repository"), "%s",
			      e.msg);
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

/* gitinfo_start/wait answers as gitinfo_read does, in and out of a
 * repository (the no-.git shortcut included). */
START_TEST(test_job)
{
	static const char *const dirs[] = {
	    "repo", "repo/dir", "repo/.git", "repo/.git/objects",
	    ".",    "nope",	"plain",     "plain/sub"};
	char *repo, *tmp = repo_new(&repo, "");
	struct gitinfo *g = NULL, *h = NULL;
	struct gitinfo_job j;
	size_t i;

	SH(tmp, "mkdir -p plain/sub");
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *d = join(tmp, dirs[i]);
		struct err e1 = ERR_INIT, e2 = ERR_INIT;
		int want = gitinfo_read(&g, d, &e1), got;

		gitinfo_start(&j, d);
		got = gitinfo_wait(&j, &h, &e2);
		ck_assert_msg(got == want, "%s: %d, gitinfo_read %d", dirs[i],
			      got, want);
		if (want == 0) {
			ck_assert_str_eq(gitinfo_commit(h), gitinfo_commit(g));
			ck_assert_int_eq(gitinfo_dirty(h), gitinfo_dirty(g));
		} else {
			ck_assert_ptr_null(h);
			ck_assert_str_eq(e2.msg, e1.msg);
		}
		gitinfo_free(g);
		gitinfo_free(h);
		g = h = NULL;
		free(d);
	}
	/* a work tree is found from below, and only from below */
	{
		char *d = join(tmp, "repo/dir");
		gitinfo_start(&j, d);
		ck_assert_int_eq(gitinfo_wait(&j, &h, NULL), 0);
		gitinfo_free(h);
		free(d);
		d = join(tmp, "plain/sub");
		gitinfo_start(&j, d);
		ck_assert_int_eq(gitinfo_wait(&j, &h, NULL), -EXIT_UNDECIDED);
		free(d);
	}
	/* a job never waited for past its start is finished by a wait
	 * without an out pointer, which frees what it read */
	gitinfo_start(&j, repo);
	ck_assert_int_eq(gitinfo_wait(&j, NULL, NULL), 0);
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
	tcase_add_test(t, test_job);
	tcase_add_loop_test(t, test_url_redact, 0, N(url_cases));
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return testutil_run(gitinfo_suite());
}

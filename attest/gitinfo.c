/*
 * Reads a git work tree's code version through libgit2 (see gitinfo.h):
 * discovery, HEAD, the remote URL (config includes and url rewrites as git
 * applies them) and the dirty state from git's own status machinery.
 */
#include "attest/gitinfo.h"

#include <ctype.h>
#include <errno.h>
#include <git2.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define REASON_MAX 160

struct gitinfo {
	char commit[GIT_OID_HEXSZ + 1];
	char *branch;
	char *remote_url;
	char *workdir;
	int dirty;
	char reason[REASON_MAX];
	char *dirty_paths[GITINFO_MAX_DIRTY_PATHS + 1];
	size_t ndirty;
};

static int
oom(struct err *e)
{
	return err_set(e, EXIT_UNDECIDED, "git: out of memory");
}

static const char *
git_reason(void)
{
	const git_error *ge = git_error_last();

	return ge != NULL && ge->message != NULL ? ge->message
						 : "unknown error";
}

static int
git_fail(struct err *e, const char *dir, const char *what)
{
	return err_set(e, EXIT_UNDECIDED, "%s: git: %s: %s", dir, what,
		       git_reason());
}

static void
set_reason(struct gitinfo *g, int dirty, const char *why, const char *path)
{
	if (g->dirty != 0)
		return; /* the first reason stays */
	g->dirty = dirty;
	if (path != NULL)
		snprintf(g->reason, sizeof(g->reason), "%s: %s", path, why);
	else
		snprintf(g->reason, sizeof(g->reason), "%s", why);
}

static void
note_path(struct gitinfo *g, const char *path)
{
	if (path == NULL || g->ndirty >= GITINFO_MAX_DIRTY_PATHS)
		return;
	g->dirty_paths[g->ndirty] = strdup(path);
	if (g->dirty_paths[g->ndirty] != NULL)
		g->ndirty++;
}

/* ---- HEAD and remote ---- */

static int
head_read(struct gitinfo *g, git_repository *repo, const char *dir,
	  struct err *e)
{
	git_reference *head = NULL;
	git_object *commit = NULL;
	const char *name = NULL;
	int rc;

	rc = git_repository_head(&head, repo);
	if (rc == GIT_EUNBORNBRANCH || rc == GIT_ENOTFOUND)
		return err_set(e, EXIT_UNDECIDED, "%s: git: no commit yet",
			       dir);
	if (rc != 0)
		return git_fail(e, dir, "HEAD");
	rc = git_reference_peel(&commit, head, GIT_OBJECT_COMMIT);
	if (rc != 0) {
		rc = git_fail(e, dir, "HEAD is not a commit");
		goto out;
	}
	git_oid_tostr(g->commit, sizeof(g->commit), git_object_id(commit));
	if (git_reference_is_branch(head) &&
	    git_branch_name(&name, head) == 0) {
		g->branch = strdup(name);
		if (g->branch == NULL)
			rc = oom(e);
	}
out:
	git_object_free(commit);
	git_reference_free(head);
	return rc;
}

static int
remote_read(struct gitinfo *g, git_repository *repo, const char *dir,
	    struct err *e)
{
	git_strarray names = {NULL, 0};
	git_remote *remote = NULL;
	const char *url;
	int rc;

	rc = git_remote_lookup(&remote, repo, "origin");
	if (rc == GIT_ENOTFOUND) {
		if (git_remote_list(&names, repo) != 0)
			return git_fail(e, dir, "remotes");
		rc = names.count == 0
			 ? 0
			 : git_remote_lookup(&remote, repo, names.strings[0]);
	}
	if (rc != 0) {
		rc = git_fail(e, dir, "remote");
		goto out;
	}
	url = remote != NULL ? git_remote_url(remote) : NULL;
	if (url != NULL)
		rc = gitinfo_url_redact(&g->remote_url, url, e);
out:
	git_remote_free(remote);
	git_strarray_dispose(&names);
	return rc;
}

/* ---- dirty state ---- */

static const char *
status_why(unsigned s)
{
	if (s & GIT_STATUS_CONFLICTED)
		return "unmerged";
	if (s & (GIT_STATUS_INDEX_NEW | GIT_STATUS_INDEX_MODIFIED |
		 GIT_STATUS_INDEX_DELETED | GIT_STATUS_INDEX_RENAMED |
		 GIT_STATUS_INDEX_TYPECHANGE))
		return "staged change";
	if (s & GIT_STATUS_WT_NEW)
		return "untracked";
	if (s & GIT_STATUS_WT_UNREADABLE)
		return "unreadable";
	return "changed in the work tree";
}

static const char *
entry_path(const git_status_entry *s)
{
	const git_diff_delta *d = s->index_to_workdir != NULL
				      ? s->index_to_workdir
				      : s->head_to_index;

	if (d == NULL)
		return NULL;
	return d->new_file.path != NULL ? d->new_file.path : d->old_file.path;
}

static int
status_check(struct gitinfo *g, git_repository *repo)
{
	git_status_options opts;
	git_status_list *list = NULL;
	const git_status_entry *s;
	size_t i, n;

	if (git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION) != 0)
		return -1;
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
		     GIT_STATUS_OPT_INCLUDE_UNREADABLE |
		     GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (git_status_list_new(&list, repo, &opts) != 0)
		return -1;
	n = git_status_list_entrycount(list);
	for (i = 0; i < n; i++) {
		s = git_status_byindex(list, i);
		if (s == NULL || s->status == GIT_STATUS_CURRENT ||
		    (s->status & GIT_STATUS_IGNORED))
			continue;
		set_reason(g, 1, status_why(s->status), entry_path(s));
		note_path(g, entry_path(s));
	}
	git_status_list_free(list);
	return 0;
}

struct sub_walk {
	struct gitinfo *g;
	git_repository *repo;
	int failed;
};

static int
submodule_check(git_submodule *sm, const char *name, void *arg)
{
	struct sub_walk *w = arg;
	unsigned st = 0;

	(void)sm;
	if (git_submodule_status(&st, w->repo, name,
				 GIT_SUBMODULE_IGNORE_NONE) != 0) {
		w->failed = 1;
		return 0;
	}
	if (GIT_SUBMODULE_STATUS_IS_INDEX_UNMODIFIED(st) &&
	    GIT_SUBMODULE_STATUS_IS_WD_UNMODIFIED(st))
		return 0;
	set_reason(w->g, 1, "submodule differs from its recorded commit",
		   git_submodule_path(sm));
	note_path(w->g, git_submodule_path(sm));
	return 0;
}

static void
dirty_check(struct gitinfo *g, git_repository *repo)
{
	struct sub_walk w = {g, repo, 0};
	char why[REASON_MAX];

	if (status_check(g, repo) != 0 ||
	    git_submodule_foreach(repo, submodule_check, &w) != 0) {
		snprintf(why, sizeof(why), "status unknown: %s", git_reason());
		set_reason(g, -1, why, NULL);
		return;
	}
	if (w.failed && g->dirty == 0) {
		snprintf(why, sizeof(why), "submodule status unknown: %s",
			 git_reason());
		set_reason(g, -1, why, NULL);
	}
}

/* ---- URLs ---- */

static int
scheme_drops_user(const char *url, size_t len)
{
	static const char *const s[] = {"http", "https", "ftp", "ftps"};
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if (strlen(s[i]) == len && strncasecmp(url, s[i], len) == 0)
			return 1;
	return 0;
}

/* Length of url's scheme when it has the form scheme://, else 0. */
static size_t
scheme_len(const char *url)
{
	const char *sep = strstr(url, "://");
	size_t i;

	if (sep == NULL || !isalpha((unsigned char)url[0]))
		return 0;
	for (i = 1; url + i < sep; i++)
		if (!isalnum((unsigned char)url[i]) &&
		    strchr("+.-", url[i]) == NULL)
			return 0;
	return (size_t)(sep - url);
}

int
gitinfo_url_redact(char **out, const char *url, struct err *e)
{
	size_t slen = scheme_len(url), n = strlen(url);
	const char *auth, *end, *at = NULL, *cut = NULL, *rest;
	char *r;

	auth = url + slen + 3;
	end = slen == 0 ? auth : auth + strcspn(auth, "/?#");
	for (rest = auth; rest < end; rest++)
		if (*rest == '@')
			at = rest;
	if (at != NULL && scheme_drops_user(url, slen))
		cut = auth, rest = at + 1;
	else if (at != NULL)
		cut = memchr(auth, ':', (size_t)(at - auth)), rest = at;
	if (cut == NULL)
		cut = rest = url + n;
	r = malloc(n + 1);
	if (r == NULL)
		return oom(e);
	memcpy(r, url, (size_t)(cut - url));
	memcpy(r + (cut - url), rest, n - (size_t)(rest - url) + 1);
	*out = r;
	return 0;
}

/* ---- public ---- */

static int
workdir_keep(struct gitinfo *g, git_repository *repo, const char *dir,
	     struct err *e)
{
	const char *wd = git_repository_workdir(repo);
	size_t n;

	if (wd == NULL)
		return err_set(e, EXIT_UNDECIDED,
			       "%s: git: a bare repository has no work tree",
			       dir);
	g->workdir = strdup(wd);
	if (g->workdir == NULL)
		return oom(e);
	n = strlen(g->workdir);
	if (n > 1 && g->workdir[n - 1] == '/')
		g->workdir[n - 1] = '\0';
	return 0;
}

int
gitinfo_read(struct gitinfo **out, const char *dir, struct err *e)
{
	struct gitinfo *g = NULL;
	git_repository *repo = NULL;
	int rc;

	*out = NULL;
	if (git_libgit2_init() < 0)
		return err_set(e, EXIT_UNDECIDED, "git: %s", git_reason());
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		rc = oom(e);
		goto out;
	}
	rc = git_repository_open_ext(&repo, dir, 0, NULL);
	if (rc == GIT_ENOTFOUND) {
		rc = err_set(e, EXIT_UNDECIDED, "%s: not in a git repository",
			     dir);
		goto out;
	}
	if (rc != 0) {
		rc = git_fail(e, dir, "cannot open the repository");
		goto out;
	}
	rc = workdir_keep(g, repo, dir, e);
	if (rc == 0)
		rc = head_read(g, repo, dir, e);
	if (rc == 0)
		rc = remote_read(g, repo, dir, e);
	if (rc != 0)
		goto out;
	dirty_check(g, repo);
	*out = g;
	g = NULL;
out:
	git_repository_free(repo);
	gitinfo_free(g);
	git_libgit2_shutdown();
	return rc;
}

/*
 * 0 when no directory at or above dir has a .git entry: libgit2 would
 * find no work tree there (it looks for the same, and may stop sooner, at
 * a file system boundary). 1 when one has, or when it cannot be told.
 */
static int
may_have_repo(const char *dir)
{
	char *p = realpath(dir, NULL), *slash, probe[PATH_MAX + 8];
	struct stat sb;
	int found = 1;

	if (p == NULL || p[0] != '/')
		goto out;
	for (;;) {
		/* p is absolute and has no trailing slash, "/" aside */
		snprintf(probe, sizeof(probe), "%s/.git", p[1] ? p : "");
		if (lstat(probe, &sb) == 0 || errno != ENOENT)
			goto out;
		if (p[1] == '\0')
			break;
		slash = strrchr(p, '/');
		if (slash == p) /* "/top" goes to "/" */
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	found = 0;
out:
	free(p);
	return found;
}

static void *
job_run(void *arg)
{
	struct gitinfo_job *j = arg;

	j->rc = gitinfo_read(&j->g, j->dir, &j->e);
	return NULL;
}

void
gitinfo_start(struct gitinfo_job *j, const char *dir)
{
	memset(j, 0, sizeof(*j));
	j->dir = strdup(dir);
	if (j->dir == NULL) {
		j->rc = oom(&j->e);
		return;
	}
	if (!may_have_repo(dir)) {
		j->rc = err_set(&j->e, EXIT_UNDECIDED,
				"%s: not in a git repository", dir);
		return;
	}
	if (pthread_create(&j->tid, NULL, job_run, j) != 0) {
		job_run(j); /* no thread: read it now */
		return;
	}
	j->thread = 1;
}

int
gitinfo_wait(struct gitinfo_job *j, struct gitinfo **out, struct err *e)
{
	if (j->thread) {
		pthread_join(j->tid, NULL);
		j->thread = 0;
	}
	free(j->dir);
	j->dir = NULL;
	if (out != NULL)
		*out = j->g;
	else
		gitinfo_free(j->g);
	j->g = NULL;
	if (j->rc != 0 && e != NULL)
		*e = j->e;
	return j->rc;
}

const char *
gitinfo_commit(const struct gitinfo *g)
{
	return g->commit;
}

const char *
gitinfo_branch(const struct gitinfo *g)
{
	return g->branch;
}

const char *
gitinfo_remote_url(const struct gitinfo *g)
{
	return g->remote_url;
}

const char *
gitinfo_workdir(const struct gitinfo *g)
{
	return g->workdir;
}

int
gitinfo_dirty(const struct gitinfo *g)
{
	return g->dirty;
}

const char *
gitinfo_dirty_reason(const struct gitinfo *g)
{
	return g->dirty == 0 ? NULL : g->reason;
}

const char *const *
gitinfo_dirty_paths(const struct gitinfo *g)
{
	return (const char *const *)g->dirty_paths;
}

void
gitinfo_free(struct gitinfo *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->ndirty; i++)
		free(g->dirty_paths[i]);
	free(g->branch);
	free(g->remote_url);
	free(g->workdir);
	free(g);
}

struct gitinfo_files {
	git_repository *repo;
	char workdir[4096];
	size_t len;
	int inited;
};

int
gitinfo_files_open(struct gitinfo_files **out, const char *dir, struct err *e)
{
	struct gitinfo_files *f = calloc(1, sizeof(*f));
	const char *wd;
	char *real = NULL;

	*out = NULL;
	if (f == NULL)
		return oom(e);
	f->inited = git_libgit2_init() >= 0;
	if (!f->inited ||
	    git_repository_open_ext(&f->repo, dir, 0, NULL) != 0 ||
	    (wd = git_repository_workdir(f->repo)) == NULL ||
	    (real = realpath(wd, NULL)) == NULL ||
	    strlen(real) >= sizeof(f->workdir)) {
		free(real);
		gitinfo_files_free(f);
		return err_set(e, EXIT_UNDECIDED, "%s: not a git work tree",
			       dir);
	}
	snprintf(f->workdir, sizeof(f->workdir), "%s", real);
	f->len = strlen(real);
	free(real);
	*out = f;
	return 0;
}

int
gitinfo_pinned(struct gitinfo_files *f, const char *path)
{
	unsigned int st = 0;

	if (strncmp(path, f->workdir, f->len) != 0 || path[f->len] != '/' ||
	    path[f->len + 1] == '\0')
		return 0;
	if (git_status_file(&st, f->repo, path + f->len + 1) != 0)
		return 0;
	return st == GIT_STATUS_CURRENT;
}

void
gitinfo_files_free(struct gitinfo_files *f)
{
	if (f == NULL)
		return;
	git_repository_free(f->repo);
	if (f->inited)
		git_libgit2_shutdown();
	free(f);
}

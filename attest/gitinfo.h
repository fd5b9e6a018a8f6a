/*
 * The code version of a git work tree, read through libgit2: HEAD's
 * commit id, the branch, the URL of the origin remote with credentials
 * removed, and whether the work tree differs from HEAD. Feeds the
 * provenance that `attest run` and `attest eval` record. Only attest links
 * libgit2; verify never reads a repository.
 */
#ifndef MLATTEST_ATTEST_GITINFO_H
#define MLATTEST_ATTEST_GITINFO_H

#include <pthread.h>
#include <stddef.h>

#include "lib/err.h"

#define GITINFO_MAX_DIRTY_PATHS 8

struct gitinfo;

/*
 * Finds the repository holding dir (git_repository_open_ext: the nearest
 * directory at or above it with a .git directory or .git file, as in
 * worktrees and submodules) and reads it. *out is the caller's, freed with
 * gitinfo_free.
 *
 * SPEC-RUN-8: dirty means `git status --porcelain` would print a line:
 * HEAD and the index differ (staged changes, a conflict), the index and
 * the work tree differ, an untracked file exists that no .gitignore,
 * info/exclude or core.excludesFile ignores, or a checked-out submodule
 * differs from the commit recorded for it (new commits, staged or
 * unstaged edits or untracked files inside it; its ignore setting is not
 * honoured). The state is unknown (-1), never guessed, when libgit2
 * cannot compute the status (an index it cannot read, such as a split
 * index, a submodule it cannot open).
 *
 * Fails with EXIT_UNDECIDED when dir is in no repository (callers treat
 * that as "no code info"), is in a bare one, when HEAD has no commit yet,
 * or when libgit2 cannot open the repository (bad config, an unsupported
 * extension such as the sha256 object format or reftable refs).
 */
int gitinfo_read(struct gitinfo **out, const char *dir, struct err *e);

/*
 * gitinfo_read on its own thread, so that libgit2's start-up (it parses
 * the system's CA certificates) runs while the caller does other work.
 * A dir with no .git at or above it (and so in no repository libgit2
 * could open as a work tree) is answered at once without libgit2.
 * Every started job is finished with gitinfo_wait, which gives what
 * gitinfo_read would have: the caller reads nothing of dir's work tree
 * in between, since the job reads it at the time it runs.
 */
struct gitinfo_job {
	char *dir;
	struct gitinfo *g;
	struct err e;
	int rc;
	int thread; /* a thread to join */
	pthread_t tid;
};

void gitinfo_start(struct gitinfo_job *j, const char *dir);
int gitinfo_wait(struct gitinfo_job *j, struct gitinfo **out, struct err *e);

/* HEAD's commit id, lowercase hex. */
const char *gitinfo_commit(const struct gitinfo *g);

/* The branch HEAD is on ("main"), or NULL when detached. */
const char *gitinfo_branch(const struct gitinfo *g);

/*
 * The URL of remote "origin", else of the first remote by name, or NULL
 * without remotes; credentials removed as by gitinfo_url_redact.
 */
const char *gitinfo_remote_url(const struct gitinfo *g);

/* Absolute path of the work tree's top directory, without a trailing /. */
const char *gitinfo_workdir(const struct gitinfo *g);

/* 1 dirty, 0 clean, -1 unknown. */
int gitinfo_dirty(const struct gitinfo *g);

/* Why the tree is dirty or unknown, for messages; NULL when clean. */
const char *gitinfo_dirty_reason(const struct gitinfo *g);

/*
 * NULL-terminated list of up to GITINFO_MAX_DIRTY_PATHS paths (relative to
 * the work tree, in git's order) that differ. Borrowed from g.
 */
const char *const *gitinfo_dirty_paths(const struct gitinfo *g);

void gitinfo_free(struct gitinfo *g);

/*
 * The files a commit pins, for attest run --trace: the repository holding
 * dir stays open. gitinfo_pinned is 1 when the absolute path is a file
 * under its work tree that is tracked and equal in the index and HEAD
 * (git status has nothing to say about it), 0 for untracked, ignored,
 * modified, outside or unknown. *out is freed with gitinfo_files_free.
 */
struct gitinfo_files;
int gitinfo_files_open(struct gitinfo_files **out, const char *dir,
		       struct err *e);
int gitinfo_pinned(struct gitinfo_files *f, const char *path);
void gitinfo_files_free(struct gitinfo_files *f);

/*
 * Removes credentials from a remote URL: all of the userinfo for http,
 * https, ftp and ftps ("https://user:token@host/r" -> "https://host/r"),
 * the password for other schemes ("ssh://git:pw@h/r" -> "ssh://git@h/r").
 * scp-like and local forms are copied as they are. *out is freed with
 * free(); fails only when out of memory.
 */
int gitinfo_url_redact(char **out, const char *url, struct err *e);

#endif

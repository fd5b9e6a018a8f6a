/*
 * The code version of a git work tree, read without running git: HEAD's
 * commit id, the branch, the URL of the origin remote with credentials
 * removed, and whether tracked files differ from the index. Feeds the
 * provenance that `attest run` records.
 */
#ifndef MLATTEST_LIB_GITINFO_H
#define MLATTEST_LIB_GITINFO_H

#include <stddef.h>

#include "lib/err.h"

/*
 * Ceilings on what is read from the repository. REF_BYTES bounds HEAD,
 * loose refs and .git files; HASH_BYTES the file content hashed per call.
 */
#define GITINFO_MAX_CONFIG_BYTES ((size_t)1024 * 1024)
#define GITINFO_MAX_REF_BYTES ((size_t)8192)
#define GITINFO_MAX_PACKED_REFS_BYTES ((size_t)64 * 1024 * 1024)
#define GITINFO_MAX_INDEX_BYTES ((size_t)256 * 1024 * 1024)
#define GITINFO_MAX_INDEX_ENTRIES 2000000u
#define GITINFO_MAX_ATTRIBUTES_BYTES ((size_t)1024 * 1024)
#define GITINFO_MAX_HASH_BYTES ((unsigned long long)4 << 30)
#define GITINFO_MAX_PATH 4096
#define GITINFO_MAX_SYMREF_DEPTH 5
#define GITINFO_MAX_DIRTY_PATHS 8

struct gitinfo;

/*
 * Finds the repository holding dir (the nearest directory at or above it
 * with a .git directory, or a .git file "gitdir: PATH" as in worktrees and
 * submodules) and reads it. *out is the caller's, freed with gitinfo_free.
 *
 * Dirty means a tracked file is missing, of another type or mode, or has
 * content other than its index entry (stat first, the blob id only when the
 * stat differs). Untracked files, ignored or not, do not count. The state
 * is unknown (-1), never guessed, when the index is missing, not version 2
 * or 3, split, corrupt or names a hostile path, when staged changes cannot
 * be ruled out (the index's cached root tree is invalid, as after
 * `git add`), when a differing file is subject to a filter, ident or
 * encoding attribute or to CRLF conversion, or past GITINFO_MAX_HASH_BYTES
 * of hashing. Includes in the config and the global config are not read.
 *
 * Fails with EXIT_UNDECIDED when dir is in no repository (callers treat
 * that as "no code info"), when HEAD has no commit yet, or when the
 * repository cannot be read (bad config, reftable refs, limits exceeded).
 */
int gitinfo_read(struct gitinfo **out, const char *dir, struct err *e);

/* HEAD's commit id, lowercase hex (40 for SHA-1, 64 for SHA-256). */
const char *gitinfo_commit(const struct gitinfo *g);

/* The branch HEAD is on ("main"), or NULL when detached. */
const char *gitinfo_branch(const struct gitinfo *g);

/*
 * The URL of remote "origin", else of the first remote in the config, or
 * NULL without remotes; credentials removed as by gitinfo_url_redact.
 */
const char *gitinfo_remote_url(const struct gitinfo *g);

/* Absolute path of the work tree's top directory. */
const char *gitinfo_workdir(const struct gitinfo *g);

/* 1 dirty, 0 clean, -1 unknown. */
int gitinfo_dirty(const struct gitinfo *g);

/* Why the tree is dirty or unknown, for messages; NULL when clean. */
const char *gitinfo_dirty_reason(const struct gitinfo *g);

/*
 * NULL-terminated list of up to GITINFO_MAX_DIRTY_PATHS paths (relative to
 * the work tree) that differ or may differ; the scan stops once the list is
 * full of definite changes. Borrowed from g.
 */
const char *const *gitinfo_dirty_paths(const struct gitinfo *g);

void gitinfo_free(struct gitinfo *g);

/*
 * Removes credentials from a remote URL: all of the userinfo for http,
 * https, ftp and ftps ("https://user:token@host/r" -> "https://host/r"),
 * the password for other schemes ("ssh://git:pw@h/r" -> "ssh://git@h/r").
 * scp-like and local forms are copied as they are. *out is freed with
 * free(); fails only when out of memory.
 */
int gitinfo_url_redact(char **out, const char *url, struct err *e);

/*
 * 1 when the len bytes at path are a safe index path: relative, at most
 * GITINFO_MAX_PATH bytes, no NUL, no empty, ".", ".." or ".git" component
 * (any case). Entries failing this make the dirty state unknown.
 */
int gitinfo_path_ok(const char *path, size_t len);

#endif

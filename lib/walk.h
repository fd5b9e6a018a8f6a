/*
 * Tree walk for the digest engine (internal to lib/digest.c): lists the
 * regular files under a root with openat/fstatat on directory fds, refuses
 * hostile names and special files, and opens listed files again later
 * without following anything out of the tree.
 */
#ifndef MLATTEST_LIB_WALK_H
#define MLATTEST_LIB_WALK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/digest.h"
#include "lib/err.h"

struct walk_file {
	union {
		size_t off;	  /* into names while walking */
		const char *path; /* after walk_tree returns */
	} u;
	uint64_t size;
	uint64_t dev;
	uint64_t ino;
	uint32_t path_len;
	uint32_t target_len; /* symlink: its target follows path */
	int within;	     /* the target is under linkfd, else the root */
};

struct walk {
	struct walk_file *files;
	size_t n, cap;
	char *names; /* "path\0" or "path\0target\0" per file */
	size_t names_len, names_cap;
	uint64_t bytes;
	int rootfd;	  /* directory root, or -1 */
	int filefd;	  /* single-file root, or -1 */
	const char *root; /* the caller's root, for messages */
	int linkfd;	  /* links_within, or -1 */
};

#define WALK_INIT                                                              \
	{                                                                      \
		NULL, 0, 0, NULL, 0, 0, 0, -1, -1, NULL, -1                    \
	}

/*
 * Lists the files under root into w (initialised with WALK_INIT), sorted
 * bytewise by path, honouring o's allow_symlinks, ignore, only and
 * progress, with threads walker threads (this one among them). Release w
 * with walk_clear, also on failure.
 */
int walk_tree(struct walk *w, const char *root, const struct digest_opts *o,
	      unsigned threads, struct err *e);

void walk_clear(struct walk *w);

/* One open parent directory per worker, so that files of one directory
 * opened in a row resolve a single name. */
struct walk_dircache {
	int fd;
	size_t len;
	char path[DIGEST_MAX_PATH + 1];
};

#define WALK_DIRCACHE_INIT                                                     \
	{                                                                      \
		-1, 0,                                                         \
		{                                                              \
			0                                                      \
		}                                                              \
	}

void walk_dircache_clear(struct walk_dircache *c);

/*
 * Opens file i of w for reading, without following symlinks or leaving
 * the root, and checks it is still the regular file of the same device,
 * inode and size that the walk saw. *mtime receives its modification
 * time for a later check. The fd is the caller's, except for a
 * single-file root (*owned is 0). c may be NULL.
 */
int walk_open(int *fd, int *owned, struct timespec *mtime, const struct walk *w,
	      size_t i, struct walk_dircache *c, struct err *e);

/*
 * After file i was read: for a symlink, checks that it is still a link
 * that resolves to the inode the walk saw (SPEC-LINK-8); EXIT_UNDECIDED
 * "symbolic link changed during hashing" otherwise. 0 for other files.
 */
int walk_recheck(const struct walk *w, size_t i, struct err *e);

/*
 * 1 when p (len bytes, no NUL inside) is a relative manifest path: valid
 * UTF-8 without control characters, '/'-separated, no empty, "." or ".."
 * components, at most DIGEST_MAX_PATH bytes.
 */
int walk_path_ok(const char *p, size_t len);

/*
 * A tree listed elsewhere (lib/s3): w (WALK_INIT, w->root set to the name
 * for messages) gets one file per call, checked with walk_path_ok
 * (EXIT_REJECTED naming it) and left out like walk_tree leaves it out
 * (digest_meta_paths at the top, o's ignore and only). walk_finish_listed
 * sorts them and refuses a path given twice or a file that is also a
 * directory of another ("a" and "a/b"). No fd is opened.
 */
int walk_add_listed(struct walk *w, const char *path, size_t len, uint64_t size,
		    const struct digest_opts *o, struct err *e);
int walk_finish_listed(struct walk *w, const struct digest_opts *o,
		       struct err *e);

/* "root/path" of file i, escaped for an error message. */
void walk_shown(char *buf, size_t cap, const struct walk *w, size_t i);

#endif

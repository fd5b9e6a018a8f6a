/*
 * Dataset digest engine: hashes every regular file under a root with a
 * pool of threads into a manifest (lib/manifest.h: path, size, SHA-256,
 * or per-shard SHA-256 in OMS shard mode), from which the tree digests
 * are derived without reading the files again.
 *
 * A single regular file as root gives one entry named by its basename
 * (model_signing names it "." instead).
 *
 * All functions return 0, or a negative exit class with e filled in:
 * EXIT_REJECTED for hostile input (bad names, symlinks, special files),
 * EXIT_UNDECIDED for I/O failures and files that changed while being
 * read, EXIT_USAGE for bad options.
 */
#ifndef MLATTEST_LIB_DIGEST_H
#define MLATTEST_LIB_DIGEST_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/manifest.h"

/* Ceilings. */
#define DIGEST_MAX_DEPTH 256		     /* directory nesting */
#define DIGEST_MAX_JOBS 256		     /* worker threads */
#define DIGEST_MAX_LIST 4096		     /* paths in ignore or only lists */
#define DIGEST_BUF_DEFAULT ((size_t)1 << 20) /* read buffer per worker */
#define DIGEST_BUF_MIN ((size_t)4096)
#define DIGEST_BUF_MAX ((size_t)64 << 20)

/*
 * SPEC-TREE-5: names that are never part of a directory tree at its top
 * level, in any mode: the paths OpenSSF Model Signing (model_signing)
 * leaves out by default (".git" ".gitignore" ".gitattributes" ".github",
 * each with all below it) and its default signature file, so that signing
 * a model does not change the tree digest its provenance names.
 */
#define DIGEST_META_SIGNATURE "model.sig"
#define DIGEST_N_META_PATHS 5
extern const char *const digest_meta_paths[DIGEST_N_META_PATHS];

/*
 * Progress: units done (files, or shards in shard mode), bytes done, and
 * the totals. Called from the thread that called digest_tree, about ten
 * times a second while hashing, every 65536 files while walking (done
 * counts are 0 then) and once at the end.
 */
typedef void (*digest_progress_fn)(void *arg, unsigned long long units_done,
				   unsigned long long bytes_done,
				   unsigned long long units_total,
				   unsigned long long bytes_total);

struct s3_config;

struct digest_opts {
	/* Threads, for the walk and for hashing; 0 means the number of
	 * online CPUs (hashing a warm cache is CPU-bound, so more threads than
	 * cores only add switching; on cold network storage a larger value can
	 * hide latency). Units of 1 MiB or more are hashed largest first, the
	 * rest in path order (files of one directory in a row). */
	unsigned jobs;
	/* 0: whole files. > 0: OMS shard mode, each file split into shards of
	 * this many bytes (the last one shorter), hashed in parallel; zero-byte
	 * files have no shards. OMS's default is 1000000000. */
	unsigned long long shard_size;
	/* Symlinks are refused unless set; then a link that resolves to a
	 * regular file inside the root is hashed as that file under the link's
	 * name, and one resolving outside the root or to a directory is still
	 * refused. A root that is itself a symlink is always followed. */
	int allow_symlinks;
	/* shard_of i/n for scale-out: with slice_count n >= 1, hash only the
	 * files whose SHA-256(path) read as a big-endian 64-bit number is i mod
	 * n, giving a partial manifest for digest_manifest_merge. 0: all. */
	unsigned slice_index;
	unsigned slice_count;
	/* Relative paths left out (a directory with all below it), besides
	 * digest_meta_paths, which are always left out. */
	const char *const *ignore;
	size_t n_ignore;
	/* When n_only > 0, only these relative paths (files, or directories
	 * with all below them) are listed; for checking a subset. */
	const char *const *only;
	size_t n_only;
	/* Read buffer per worker; 0 means DIGEST_BUF_DEFAULT. */
	size_t buf_size;
	digest_progress_fn progress;
	void *progress_arg;
	/* For tests only: runs in a worker right after a file is opened and
	 * checked, before it is read. */
	void (*test_after_open)(void *arg, const char *path);
	void *test_arg;
	/* SPEC-LINK-7: a directory (e.g. a Hugging Face hub cache, whose
	 * snapshots/<rev>/ link into ../../blobs/). A symlink anywhere in the
	 * tree that resolves to a regular file anywhere under its realpath is
	 * hashed as that file under the link's name; links resolving elsewhere
	 * (unless inside the root with allow_symlinks), to directories, in
	 * loops or nowhere are refused. SPEC-LINK-8: the target is opened
	 * beneath this directory's fd without following links and must be the
	 * inode seen when the link was resolved; after reading, the link must
	 * still resolve to it, else EXIT_UNDECIDED. NULL: off. */
	const char *links_within;
	/* The object store for s3:// roots (lib/s3); NULL: such a root is
	 * EXIT_USAGE. Borrowed. */
	const struct s3_config *s3;
};

#define DIGEST_OPTS_INIT                                                       \
	{                                                                      \
		0, 0, 0, 0, 0, NULL, 0, NULL, 0, 0, NULL, NULL, NULL, NULL,    \
		    NULL, NULL                                                 \
	}

/*
 * Hashes the tree at root (a directory or one regular file) into a new
 * manifest *out, the caller's (digest_manifest_free). opts may be NULL.
 *
 * Refused (EXIT_REJECTED, naming the path): names that are not UTF-8 or
 * hold control characters (C0, DEL, C1), symlinks (see allow_symlinks),
 * devices, FIFOs and sockets, trees past the ceilings. EXIT_UNDECIDED:
 * unreadable files and directories, and a file whose size or mtime
 * changed between the walk, the open and the end of reading (a change
 * that keeps both is not seen), including one truncated under a mapping
 * ("file shrank while being read": SIGBUS is caught while a pool that
 * maps runs, and the previous handler restored after). Files are opened
 * with openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS where the kernel has it
 * and must be the inode the walk saw; units of 4 MiB or more are read
 * through read-only mappings of at most 16 MiB, smaller ones with pread.
 * Memory: about 120 bytes per file plus its path while hashing and 64
 * plus its path in the manifest, 32 per shard, buf_size and one 16 MiB
 * mapping per worker; files are never read whole. A root starting
 * with "s3://" is an object store prefix read through opts->s3
 * (s3_tree, lib/s3).
 */
int digest_tree(struct digest_manifest **out, const char *root,
		const struct digest_opts *opts, struct err *e);

/*
 * For trees read elsewhere (lib/s3). digest_listed: the manifest of the
 * files in w (walk_add_listed, walk_finish_listed), slices applied as
 * digest_tree applies them, its digests still unset. A feed then hashes
 * its units (whole files, or shards in shard mode; largest first), each
 * in one of slots (1..DIGEST_MAX_JOBS) in flight at once: start, bytes
 * in order, end. digest_feed_bytes returns -1 past the unit's length;
 * digest_feed_end refuses a short unit (EXIT_UNDECIDED naming the path)
 * and stores the digest into m. Every unit must end before m is used.
 */
struct walk;
struct digest_feed;
int digest_listed(struct digest_manifest **out, struct walk *w,
		  const struct digest_opts *o, struct err *e);
int digest_feed_new(struct digest_feed **out, struct digest_manifest *m,
		    unsigned slots, struct err *e);
size_t digest_feed_units(const struct digest_feed *f);
/* Unit k: index of its file in m, and its byte range. */
void digest_feed_unit(const struct digest_feed *f, size_t k, size_t *file,
		      unsigned long long *off, unsigned long long *len);
int digest_feed_start(struct digest_feed *f, unsigned slot, size_t k,
		      struct err *e);
int digest_feed_bytes(struct digest_feed *f, unsigned slot, const void *p,
		      size_t n);
int digest_feed_end(struct digest_feed *f, unsigned slot, struct err *e);
void digest_feed_free(struct digest_feed *f);

#endif

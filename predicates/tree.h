/*
 * Resource descriptors for files and trees. A regular file is named by its
 * SHA-256 (what sha256sum prints); a directory by its tree digests: the
 * OMS root under "sha256" (as OpenSSF Model Signing records it) and the
 * in-toto dirHash under "dirHash" (SPEC-TREE-1).
 */
#ifndef MLATTEST_PREDICATES_TREE_H
#define MLATTEST_PREDICATES_TREE_H

#include <jansson.h>

#include "lib/digest.h"
#include "lib/err.h"

struct tree {
	char *path; /* as given */
	int is_dir;
	struct digest_manifest *m; /* per-file manifest */
	unsigned char root[32];	   /* file sha256, or OMS root */
	unsigned char dirhash[32]; /* dirHash, or shardDirHash in shard mode */
};

/*
 * Hashes path (a regular file or a directory) into *t. opts may be NULL.
 * Free with tree_clear.
 */
int tree_hash(struct tree *t, const char *path, const struct digest_opts *opts,
	      struct err *e);
void tree_clear(struct tree *t);

/* Fills t->root and t->dirhash from t->m (SPEC-TREE-1, SPEC-TREE-2). */
int tree_roots(struct tree *t, struct err *e);

/*
 * *t = the subtree of m below prefix (plen bytes, ending in '/'), paths
 * relative to it, with its roots (tree_roots); t->path is prefix. Free
 * with tree_clear. A prefix that holds no file is EXIT_USAGE.
 */
int tree_sub(struct tree *t, const struct digest_manifest *m,
	     const char *prefix, size_t plen, struct err *e);

/* The DigestSet of t: {"sha256": ...} plus "dirHash" for a tree, or
 * "shardDirHash" in shard mode (SPEC-TREE-2). NULL when out of memory. */
json_t *tree_digestset(const struct tree *t);

/*
 * A resource descriptor {"name", "digest"} for t. The name is the path as
 * given with a trailing '/' for directories.
 */
json_t *tree_descriptor(const struct tree *t);

/* {"name": name, "digest": {"sha256": hex}} for bytes already hashed. */
json_t *tree_rd_sha256(const char *name, const unsigned char digest[32]);

#endif

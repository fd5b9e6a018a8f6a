/*
 * Dataset manifest: the result of the digest engine (lib/digest.h), one
 * entry per regular file (path, size, SHA-256, or per-shard SHA-256 in OMS
 * shard mode), and the tree digests derived from it without reading the
 * files again:
 *
 *  - the OMS root (OpenSSF Model Signing v1.0): SHA-256 over the raw
 *    32-byte digests of the resources, in one of two orders;
 *  - the in-toto dirHash (Go dirhash h1, in hex): SHA-256 over the lines
 *    "<hex>  <path>\n" in bytewise path order, the same as
 *    `find . -type f | cut -c3- | LC_ALL=C sort | xargs -r sha256sum |
 *    sha256sum` for names without backslashes (GNU sha256sum escapes
 *    those; Go's dirhash and this engine do not).
 *
 * Paths are relative, '/'-separated and sorted bytewise (memcmp).
 *
 * All functions return 0, or a negative exit class with e filled in:
 * EXIT_REJECTED for malformed or inconsistent manifests, EXIT_UNDECIDED
 * for I/O and memory failures, EXIT_USAGE for bad requests (a root of a
 * partial manifest).
 */
#ifndef MLATTEST_LIB_MANIFEST_H
#define MLATTEST_LIB_MANIFEST_H

#include <stddef.h>

#include "lib/err.h"

/* Ceilings. */
#define DIGEST_MAX_PATH 4096	    /* bytes in one relative path */
#define DIGEST_MAX_ENTRIES 50000000 /* files in one tree or manifest */
#define DIGEST_MAX_SHARDS 100000000 /* shards in one tree (shard mode) */
#define DIGEST_MAX_SLICES 65536	    /* n in shard_of i/n */
#define DIGEST_MAX_MANIFEST_BYTES ((size_t)1 << 30) /* manifest JSON */

/*
 * Order of the resources for the OMS root.
 *  DIGEST_ORDER_PATH (default): model_signing's implementation order,
 *    PurePosixPath compared component by component ("a/b" before "a-b"),
 *    shards of one file by numeric start. model_signing's verifier
 *    recomputes the root in this order and rejects any other.
 *  DIGEST_ORDER_NAME: the OMS spec's order, resource names (in shard mode
 *    "path:start:end") compared bytewise, i.e. by code point.
 * The two agree when no name has a byte below '/' after a shared prefix
 * (e.g. '-', '.', ' ') and, in shard mode, no file has shards at offsets
 * of different decimal lengths.
 */
enum digest_order {
	DIGEST_ORDER_PATH = 0,
	DIGEST_ORDER_NAME = 1,
};

struct digest_manifest;

void digest_manifest_free(struct digest_manifest *m);

/* Accessors; pointers are borrowed from m. Entries are in bytewise path
 * order. digest_manifest_sha256 is NULL in shard mode. */
size_t digest_manifest_count(const struct digest_manifest *m);
const char *digest_manifest_path(const struct digest_manifest *m, size_t i);
unsigned long long digest_manifest_size(const struct digest_manifest *m,
					size_t i);
const unsigned char *digest_manifest_sha256(const struct digest_manifest *m,
					    size_t i);
unsigned long long digest_manifest_total_bytes(const struct digest_manifest *m);
/* 0 in whole-file mode. */
unsigned long long digest_manifest_shard_size(const struct digest_manifest *m);
/* Shards of entry i (shard mode) and the digest of shard j, which covers
 * bytes [j * shard_size, min((j + 1) * shard_size, size)). */
size_t digest_manifest_shard_count(const struct digest_manifest *m, size_t i);
const unsigned char *digest_manifest_shard(const struct digest_manifest *m,
					   size_t i, size_t j);
/* 1 and *index, *count for a partial manifest (shard_of), else 0. */
int digest_manifest_partial(unsigned *index, unsigned *count,
			    const struct digest_manifest *m);

/*
 * Calls fn once per OMS resource in the given order with its name (the
 * path, or "path:start:end" in shard mode; zero-byte files are omitted in
 * shard mode) and raw digest; a non-zero return from fn stops and is
 * returned. Partial manifests are refused (EXIT_USAGE).
 */
typedef int (*digest_oms_fn)(void *arg, const char *name,
			     const unsigned char digest[32]);
int digest_manifest_oms_each(const struct digest_manifest *m,
			     enum digest_order order, digest_oms_fn fn,
			     void *arg, struct err *e);

/* out = the OMS root in the given order. Partial manifests: EXIT_USAGE. */
int digest_manifest_oms_root(unsigned char out[32],
			     const struct digest_manifest *m,
			     enum digest_order order, struct err *e);

/* out = the dirHash. Needs whole-file digests: shard mode and partial
 * manifests are EXIT_USAGE. */
int digest_manifest_dirhash(unsigned char out[32],
			    const struct digest_manifest *m, struct err *e);

/* out = the shardDirHash (SPEC-DIG-5): SHA-256 over "shards N\n" then, per
 * file in bytewise path order, "<size> <shard hex,...>  <path>\n". Binds
 * names, sizes and shards. Whole-file and partial manifests: EXIT_USAGE. */
int digest_manifest_shard_dirhash(unsigned char out[32],
				  const struct digest_manifest *m,
				  struct err *e);

/*
 * JSON form (UTF-8, one line, keys of the header sorted, files last):
 *   {"method":"files","version":1,
 *    "files":[{"path":"a/b","sha256":"<64 hex>","size":12},...]}
 * shard mode: "method":"shards","shard_size":N and per file
 *   "shards":["<64 hex>",...] instead of "sha256";
 * partial (shard_of): "partial":{"count":n,"index":i,"listing_sha256":
 *   "<64 hex>","tree_bytes":B,"tree_files":F}, where listing_sha256 covers
 *   every (path, size) of the whole tree so a merge sees missing files.
 * *out (NUL-terminated, *len without the NUL) is the caller's, free().
 */
int digest_manifest_to_json(char **out, size_t *len,
			    const struct digest_manifest *m, struct err *e);

/*
 * Parses the JSON form strictly into a new *out: duplicate or unknown
 * keys, wrong types, paths that are absolute, empty, with "." or ".."
 * components, empty components, control characters or bad UTF-8, paths
 * not in strictly increasing bytewise order, bad or uppercase hex, shard
 * counts that do not fit the size, and more than DIGEST_MAX_ENTRIES files
 * are EXIT_REJECTED. src names the input in messages.
 */
int digest_manifest_from_json(struct digest_manifest **out, const char *buf,
			      size_t len, const char *src, struct err *e);

/* Reads path (at most DIGEST_MAX_MANIFEST_BYTES) and parses it as above. */
int digest_manifest_load(struct digest_manifest **out, const char *path,
			 struct err *e);

/*
 * Merges the n partial manifests of one shard_of run (any order) into a
 * full manifest *out whose roots equal a single run's. Refused
 * (EXIT_REJECTED): a non-partial part, differing n, method, shard size or
 * tree listing, a slice missing or given twice, a file in the wrong slice,
 * and a merged listing that differs from the recorded one.
 */
int digest_manifest_merge(struct digest_manifest **out,
			  const struct digest_manifest *const *parts, size_t n,
			  struct err *e);

enum digest_change {
	DIGEST_ADDED = 1,   /* in the fresh manifest only */
	DIGEST_REMOVED = 2, /* in the signed manifest only */
	DIGEST_CHANGED = 3, /* in both, size or digest differ */
};

struct digest_diff;

/*
 * Compares a signed manifest with a fresh one and lists every path that
 * differs, in bytewise path order (a rename is a removal and an
 * addition). With n_only > 0 only those paths (files, or directories with
 * all below them) are compared. Both must be full manifests of the same
 * method and shard size (else EXIT_REJECTED). *out is the caller's, even
 * when empty.
 */
int digest_compare(struct digest_diff **out,
		   const struct digest_manifest *signed_m,
		   const struct digest_manifest *fresh, const char *const *only,
		   size_t n_only, struct err *e);

size_t digest_diff_count(const struct digest_diff *d);
/* Path of difference i (borrowed from d) and its kind. */
const char *digest_diff_path(const struct digest_diff *d, size_t i,
			     enum digest_change *kind);
void digest_diff_free(struct digest_diff *d);

#endif

/*
 * The manifest's representation, internal to lib/manifest.c and the
 * digest engine in lib/digest.c, which fills it in place.
 */
#ifndef MLATTEST_LIB_MANIFEST_INT_H
#define MLATTEST_LIB_MANIFEST_INT_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/manifest.h"

struct entry {
	const char *path;
	uint64_t size;
	uint64_t shard0; /* first of its digests in shards (shard mode) */
	uint32_t path_len;
	unsigned char sha[32];
};

#define MANIFEST_SOURCE_MAX 256

struct digest_manifest {
	struct entry *v;
	size_t n;
	char *names; /* arena holding every path */
	unsigned char (*shards)[32];
	size_t nshards;
	uint64_t shard_size;
	uint64_t bytes;
	int partial;
	unsigned slice_index, slice_count;
	uint64_t tree_files, tree_bytes;
	unsigned char listing[32];
	/* The file it was loaded from, escaped for messages; "" when built. */
	char source[MANIFEST_SOURCE_MAX];
};

static inline uint64_t
manifest_shards_of(uint64_t size, uint64_t shard_size)
{
	return size / shard_size + (size % shard_size != 0);
}

/* A manifest of n zeroed entries and nshards zeroed shard digests, no
 * names; *out is the caller's (digest_manifest_free). */
int manifest_alloc(struct digest_manifest **out, size_t n, size_t nshards,
		   struct err *e);

/* One reusable SHA-256 context. */
struct manifest_sha {
	EVP_MD *md;
	EVP_MD_CTX *ctx;
};

int manifest_sha_open(struct manifest_sha *s, struct err *e);
/* Hands out the digest and starts over. */
int manifest_sha_final(struct manifest_sha *s, unsigned char out[32],
		       struct err *e);
void manifest_sha_close(struct manifest_sha *s);

/* *out = the shard_of slice of path among n (SHA-256(path) as a
 * big-endian 64-bit number mod n). */
int manifest_slice_of(unsigned *out, struct manifest_sha *s, const char *path,
		      size_t len, unsigned n, struct err *e);

/* Adds (path, size) to the listing digest of a partial manifest. */
int manifest_listing_add(struct manifest_sha *s, const char *path, size_t len,
			 uint64_t size, struct err *e);

#endif

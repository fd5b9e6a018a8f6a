/*
 * RFC 6962 / RFC 9162 Merkle tree hashes and inclusion proofs (SHA-256),
 * as transparency logs (Rekor v1 and v2) prove an entry is in a tree.
 */
#ifndef MLATTEST_LIB_MERKLE_H
#define MLATTEST_LIB_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define MERKLE_HASH_LEN 32
/* SPEC-KL-12: a proof never has more hashes than a 2^64 tree has levels. */
#define MERKLE_MAX_PROOF 64

/* out = SHA-256(0x00 || data): the leaf hash of one log entry. */
int merkle_leaf_hash(unsigned char out[MERKLE_HASH_LEN], const void *data,
		     size_t len, struct err *e);

/*
 * Checks that leaf (a leaf hash) is entry index of a tree of size entries
 * whose root is root, through the n hashes of proof (RFC 9162 2.1.3.2).
 * Returns 0 when proven; an index outside the tree, a proof of the wrong
 * length or a root that differs is EXIT_REJECTED.
 */
int merkle_verify_inclusion(uint64_t index, uint64_t size,
			    const unsigned char leaf[MERKLE_HASH_LEN],
			    const unsigned char (*proof)[MERKLE_HASH_LEN],
			    size_t n, const unsigned char root[MERKLE_HASH_LEN],
			    struct err *e);

#endif

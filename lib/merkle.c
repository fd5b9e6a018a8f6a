/* RFC 6962 inclusion proofs (see merkle.h). */
#include "lib/merkle.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

static int
hash2(unsigned char out[MERKLE_HASH_LEN], unsigned char prefix,
      const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
		 EVP_DigestUpdate(ctx, &prefix, 1) &&
		 EVP_DigestUpdate(ctx, a, alen) &&
		 (blen == 0 || EVP_DigestUpdate(ctx, b, blen)) &&
		 EVP_DigestFinal_ex(ctx, out, NULL);

	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

int
merkle_leaf_hash(unsigned char out[MERKLE_HASH_LEN], const void *data,
		 size_t len, struct err *e)
{
	/* SPEC-KL-12: leaves are hashed with a 0x00 prefix. */
	if (hash2(out, 0x00, data, len, NULL, 0) != 0)
		return err_ossl(e, EXIT_UNDECIDED, "SHA-256");
	return 0;
}

int
merkle_verify_inclusion(uint64_t index, uint64_t size,
			const unsigned char leaf[MERKLE_HASH_LEN],
			const unsigned char (*proof)[MERKLE_HASH_LEN], size_t n,
			const unsigned char root[MERKLE_HASH_LEN],
			struct err *e)
{
	unsigned char r[MERKLE_HASH_LEN], t[MERKLE_HASH_LEN];
	uint64_t fn = index, sn;
	size_t i;
	int rc = 0;

	/* SPEC-KL-12: RFC 9162 2.1.3.2, step by step. */
	if (index >= size || n > MERKLE_MAX_PROOF)
		return err_set(e, EXIT_REJECTED,
			       "inclusion proof: index %llu outside a tree of "
			       "%llu entries",
			       (unsigned long long)index,
			       (unsigned long long)size);
	sn = size - 1;
	memcpy(r, leaf, MERKLE_HASH_LEN);
	for (i = 0; i < n && rc == 0; i++) {
		if (sn == 0)
			return err_set(e, EXIT_REJECTED,
				       "inclusion proof: %zu hashes, more than "
				       "the tree has levels",
				       n);
		if ((fn & 1) || fn == sn) {
			rc = hash2(t, 0x01, proof[i], MERKLE_HASH_LEN, r,
				   MERKLE_HASH_LEN);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			rc = hash2(t, 0x01, r, MERKLE_HASH_LEN, proof[i],
				   MERKLE_HASH_LEN);
		}
		memcpy(r, t, MERKLE_HASH_LEN);
		fn >>= 1;
		sn >>= 1;
	}
	if (rc != 0)
		return err_ossl(e, EXIT_UNDECIDED, "SHA-256");
	if (sn != 0)
		return err_set(e, EXIT_REJECTED,
			       "inclusion proof: %zu hashes, fewer than the "
			       "tree has levels",
			       n);
	if (CRYPTO_memcmp(r, root, MERKLE_HASH_LEN) != 0)
		return err_set(e, EXIT_REJECTED,
			       "inclusion proof: the computed root is not the "
			       "root hash");
	return 0;
}

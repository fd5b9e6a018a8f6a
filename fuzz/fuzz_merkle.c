/*
 * RFC 6962 inclusion proofs: input = index (8 bytes), size (8 bytes),
 * leaf (32), root (32), then hashes of 32 bytes. merkle_verify_inclusion
 * never crashes; whatever it accepts, a proof with its first hash flipped
 * is refused, and an index at or past the size is always refused.
 */
#include "fuzz/fuzz.h"

#include "lib/merkle.h"

static uint64_t
be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char(*proof)[MERKLE_HASH_LEN];
	struct err e = ERR_INIT;
	uint64_t index, tsize;
	size_t n;
	int rc;

	if (size < 80)
		return 0;
	index = be64(data);
	tsize = be64(data + 8);
	n = (size - 80) / MERKLE_HASH_LEN;
	proof = malloc(n ? n * MERKLE_HASH_LEN : 1);
	if (proof == NULL)
		return 0;
	memcpy(proof, data + 80, n * MERKLE_HASH_LEN);
	rc = merkle_verify_inclusion(index, tsize, data + 16,
				     (const void *)proof, n, data + 48, &e);
	if (rc != 0)
		fuzz_check_err(rc, &e);
	if (index >= tsize)
		fuzz_check(rc != 0, "index outside the tree refused");
	if (rc == 0 && n > 0) {
		proof[0][0] ^= 1;
		fuzz_check(merkle_verify_inclusion(index, tsize, data + 16,
						   (const void *)proof, n,
						   data + 48, &e) != 0,
			   "a flipped hash is refused");
	}
	free(proof);
	return 0;
}

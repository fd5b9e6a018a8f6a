/*
 * lib/merkle: RFC 9162 inclusion proofs checked against trees built here
 * from the definition (MTH and PATH, RFC 9162 2.1.1 and 2.1.3.1), for
 * every index of every size up to 33; each proof has tampered twins (a
 * flipped hash, another index, an index past the end, a hash too many or
 * too few).
 */
#include <check.h>
#include <openssl/sha.h>
#include <string.h>

#include "lib/merkle.h"
#include "tests/unit/testutil.h"

#define MAXN 33

static unsigned char leaves[MAXN][MERKLE_HASH_LEN];

static void
node(unsigned char out[32], const unsigned char l[32],
     const unsigned char r[32])
{
	unsigned char buf[65];

	buf[0] = 0x01;
	memcpy(buf + 1, l, 32);
	memcpy(buf + 33, r, 32);
	SHA256(buf, sizeof(buf), out);
}

/* The largest power of two smaller than n (n > 1). */
static size_t
split(size_t n)
{
	size_t k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

static void
mth(unsigned char out[32], size_t lo, size_t n)
{
	unsigned char l[32], r[32];
	size_t k;

	if (n == 1) {
		memcpy(out, leaves[lo], 32);
		return;
	}
	k = split(n);
	mth(l, lo, k);
	mth(r, lo + k, n - k);
	node(out, l, r);
}

/* PATH(m, D[lo:lo+n]) appended at path[*np]. */
static void
path(unsigned char (*p)[32], size_t *np, size_t m, size_t lo, size_t n)
{
	size_t k;

	if (n == 1)
		return;
	k = split(n);
	if (m < k) {
		path(p, np, m, lo, k);
		mth(p[(*np)++], lo + k, n - k);
	} else {
		path(p, np, m - k, lo + k, n - k);
		mth(p[(*np)++], lo, k);
	}
}

static void
setup(void)
{
	unsigned char data[8];
	size_t i;

	for (i = 0; i < MAXN; i++) {
		memcpy(data, "entry-", 6);
		data[6] = (unsigned char)i;
		data[7] = 0;
		ck_assert_int_eq(merkle_leaf_hash(leaves[i], data, 8, NULL), 0);
	}
}

START_TEST(test_leaf_hash)
{
	/* RFC 6962: the empty leaf is SHA-256(0x00). */
	static const unsigned char empty[32] = {
	    0x6e, 0x34, 0x0b, 0x9c, 0xff, 0xb3, 0x7a, 0x98, 0x9c, 0xa5, 0x44,
	    0xe6, 0xbb, 0x78, 0x0a, 0x2c, 0x78, 0x90, 0x1d, 0x3f, 0xb3, 0x37,
	    0x38, 0x76, 0x85, 0x11, 0xa3, 0x06, 0x17, 0xaf, 0xa0, 0x1d};
	unsigned char h[32];

	ck_assert_int_eq(merkle_leaf_hash(h, "", 0, NULL), 0);
	ck_assert_mem_eq(h, empty, 32);
}
END_TEST

START_TEST(test_every_proof)
{
	unsigned char root[32], p[MERKLE_MAX_PROOF + 1][32];
	struct err e = ERR_INIT;
	size_t n = (size_t)_i, m, np;

	setup();
	mth(root, 0, n);
	for (m = 0; m < n; m++) {
		np = 0;
		path(p, &np, m, 0, n);
		ck_assert_int_eq(merkle_verify_inclusion(m, n, leaves[m],
							 (const void *)p, np,
							 root, &e),
				 0);
		/* Twins. (Another size can share the leaf's path shape and
		 * so prove the same root: sizes are bound by the signed
		 * checkpoint, not by the proof.) */
		ck_assert_int_ne(merkle_verify_inclusion(n, n, leaves[m],
							 (const void *)p, np,
							 root, &e),
				 0);
		if (n > 1)
			ck_assert_int_ne(merkle_verify_inclusion(
					     (m + 1) % n, n, leaves[m],
					     (const void *)p, np, root, &e),
					 0);
		if (np > 0) {
			p[np / 2][7] ^= 0x10;
			ck_assert_int_ne(
			    merkle_verify_inclusion(
				m, n, leaves[m], (const void *)p, np, root, &e),
			    0);
			ck_assert(strstr(e.msg, "root") != NULL);
			p[np / 2][7] ^= 0x10;
			ck_assert_int_ne(merkle_verify_inclusion(
					     m, n, leaves[m], (const void *)p,
					     np - 1, root, &e),
					 0);
		}
		memcpy(p[np], root, 32);
		ck_assert_int_ne(merkle_verify_inclusion(m, n, leaves[m],
							 (const void *)p,
							 np + 1, root, &e),
				 0);
	}
}
END_TEST

START_TEST(test_bounds)
{
	unsigned char p[1][32] = {{0}};
	struct err e = ERR_INIT;

	ck_assert_int_eq(merkle_verify_inclusion(0, 0, leaves[0],
						 (const void *)p, 0, leaves[0],
						 &e),
			 -EXIT_REJECTED);
	ck_assert_int_eq(merkle_verify_inclusion(0, 1, leaves[0],
						 (const void *)p, 0, leaves[0],
						 &e),
			 0);
	ck_assert_int_eq(merkle_verify_inclusion(UINT64_MAX - 1, UINT64_MAX,
						 leaves[0], (const void *)p,
						 MERKLE_MAX_PROOF + 1,
						 leaves[0], &e),
			 -EXIT_REJECTED);
}
END_TEST

static Suite *
merkle_suite(void)
{
	Suite *s = suite_create("merkle");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_leaf_hash);
	tcase_add_loop_test(tc, test_every_proof, 1, MAXN + 1);
	tcase_add_test(tc, test_bounds);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(merkle_suite());
}

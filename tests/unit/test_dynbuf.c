/*
 * lib/dynbuf: growth by doubling, the ceiling, overflow-checked sizes, and
 * a failure that leaves contents, length and capacity as they were.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dynbuf.h"
#include "tests/unit/testutil.h"

/* Appends grow the buffer, keep the bytes and the NUL. */
START_TEST(test_buf_growth)
{
	struct dynbuf b;
	char chunk[100];
	size_t i;

	dynbuf_init(&b, 100000);
	ck_assert_ptr_null(b.p);
	ck_assert_int_eq(dynbuf_add(&b, NULL, 0), 0);
	ck_assert_ptr_nonnull(b.p);
	ck_assert_str_eq(b.p, "");
	for (i = 0; i < 1000; i++) {
		memset(chunk, 'a' + (int)(i % 26), sizeof(chunk));
		ck_assert_int_eq(dynbuf_add(&b, chunk, sizeof(chunk)), 0);
		ck_assert_uint_eq(b.len, (i + 1) * sizeof(chunk));
		ck_assert_uint_gt(b.cap, b.len);
		ck_assert_int_eq(b.p[b.len], '\0');
	}
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(b.p[i * 100 + 99], 'a' + (int)(i % 26));
	dynbuf_clear(&b);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.max, 100000);
}
END_TEST

/* Rows: ceiling, what is already in, what is added, the result. */
struct ceil_row {
	size_t max, have, add;
	int rc;
};

static const struct ceil_row ceil_rows[] = {
    {10, 0, 10, 0},	 {10, 0, 11, DYNBUF_TOOBIG},
    {10, 5, 5, 0},	 {10, 5, 6, DYNBUF_TOOBIG},
    {10, 10, 0, 0},	 {10, 10, 1, DYNBUF_TOOBIG},
    {0, 0, 0, 0},	 {0, 0, 1, DYNBUF_TOOBIG},
    {4096, 4000, 96, 0}, {4096, 4000, 97, DYNBUF_TOOBIG},
};

START_TEST(test_buf_ceiling)
{
	const struct ceil_row *r = &ceil_rows[_i];
	struct dynbuf b;
	char *data = malloc(r->have + r->add + 1);
	size_t cap;

	ck_assert_ptr_nonnull(data);
	memset(data, 'x', r->have + r->add);
	dynbuf_init(&b, r->max);
	ck_assert_int_eq(dynbuf_add(&b, data, r->have), 0);
	cap = b.cap;
	ck_assert_int_eq(dynbuf_add(&b, data, r->add), r->rc);
	if (r->rc != 0) {
		/* Refused: nothing changed. */
		ck_assert_uint_eq(b.len, r->have);
		ck_assert_uint_eq(b.cap, cap);
		ck_assert_uint_eq(strlen(b.p), r->have);
	} else {
		ck_assert_uint_eq(b.len, r->have + r->add);
		ck_assert_uint_le(b.cap, r->max + 1);
	}
	dynbuf_clear(&b);
	free(data);
}
END_TEST

/*
 * The overflow rows ask the allocator for sizes no machine has: under ASan
 * the allocator must return NULL as libc's does, not abort, so the rows
 * test dynbuf's failure path in both builds. ASAN_OPTIONS from the
 * environment still applies on top of this default.
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

/* Sizes that overflow or cannot be allocated fail with the state intact. */
START_TEST(test_buf_overflow)
{
	struct dynbuf b;

	dynbuf_init(&b, SIZE_MAX);
	ck_assert_int_eq(dynbuf_add(&b, "abc", 3), 0);
	ck_assert_int_eq(dynbuf_reserve(&b, SIZE_MAX - 3), DYNBUF_NOMEM);
	ck_assert_int_eq(dynbuf_reserve(&b, SIZE_MAX - 4), DYNBUF_NOMEM);
	ck_assert_int_eq(dynbuf_reserve(&b, SIZE_MAX / 2), DYNBUF_NOMEM);
	ck_assert_int_eq(dynbuf_reserve(&b, SIZE_MAX), DYNBUF_TOOBIG);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_str_eq(b.p, "abc");
	ck_assert_int_eq(dynbuf_add(&b, "d", 1), 0);
	ck_assert_str_eq(b.p, "abcd");
	dynbuf_clear(&b);
}
END_TEST

struct item {
	int a;
	char pad[60];
};

START_TEST(test_arr_growth)
{
	struct item *v = NULL;
	size_t cap = 0, n;

	for (n = 0; n < 5000; n++) {
		ck_assert_int_eq(
		    dynarr_reserve((void **)&v, &cap, n + 1, sizeof(*v), 10000),
		    0);
		ck_assert_uint_ge(cap, n + 1);
		ck_assert_uint_le(cap, 10000);
		v[n].a = (int)n;
	}
	ck_assert_uint_eq(cap, 8192);
	for (n = 0; n < 5000; n++)
		ck_assert_int_eq(v[n].a, (int)n);
	/* Up to the ceiling exactly, then no further. */
	ck_assert_int_eq(
	    dynarr_reserve((void **)&v, &cap, 10000, sizeof(*v), 10000), 0);
	ck_assert_uint_eq(cap, 10000);
	ck_assert_int_eq(
	    dynarr_reserve((void **)&v, &cap, 10001, sizeof(*v), 10000),
	    DYNBUF_TOOBIG);
	ck_assert_uint_eq(cap, 10000);
	ck_assert_int_eq(v[4999].a, 4999);
	free(v);
}
END_TEST

/* Rows: element size and the count asked for, both overflowing. */
struct arr_over_row {
	size_t size, need;
};

static const struct arr_over_row arr_over_rows[] = {
    {SIZE_MAX / 2 + 1, 2},
    {SIZE_MAX / 16 + 1, DYNARR_MIN_CAP},
    {4, SIZE_MAX / 4 + 1},
    {1, SIZE_MAX},
    {0, 2},
};

START_TEST(test_arr_overflow)
{
	const struct arr_over_row *r = &arr_over_rows[_i];
	unsigned char *v = malloc(1);
	unsigned char *before = v;
	size_t cap = 1;

	ck_assert_ptr_nonnull(v);
	v[0] = 7;
	ck_assert_int_eq(
	    dynarr_reserve((void **)&v, &cap, r->need, r->size, SIZE_MAX),
	    DYNBUF_NOMEM);
	ck_assert_ptr_eq(v, before);
	ck_assert_uint_eq(cap, 1);
	ck_assert_int_eq(v[0], 7);
	free(v);
}
END_TEST

static Suite *
dynbuf_suite(void)
{
	Suite *s = suite_create("dynbuf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_buf_growth);
	tcase_add_loop_test(tc, test_buf_ceiling, 0,
			    sizeof(ceil_rows) / sizeof(ceil_rows[0]));
	tcase_add_test(tc, test_buf_overflow);
	tcase_add_test(tc, test_arr_growth);
	tcase_add_loop_test(tc, test_arr_overflow, 0,
			    sizeof(arr_over_rows) / sizeof(arr_over_rows[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(dynbuf_suite());
}

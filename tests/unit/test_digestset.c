/*
 * lib/digestset: sets match when they share an acceptable algorithm and
 * no shared acceptable algorithm conflicts; md5/sha1/ripemd160 and 40-digit
 * git ids never count; unknown algorithms are ignored; malformed hex never
 * matches; hex compares case-insensitively. Matching is symmetric.
 */
#include <check.h>
#include <string.h>

#include "lib/digestset.h"
#include "lib/jsonio.h"
#include "tests/unit/testutil.h"

#define H1 "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
#define H1U "B94D27B9934D3E08A52E52D7DA7DABFAC484EFE37A5380EE9088F7ACE2EFCDE9"
#define H1M "B94d27b9934D3e08a52e52d7dA7dabfac484efe37a5380ee9088f7ace2efcdE9"
#define H2 "7078c3c87740ec320401a12285a1219a2b03bbbdb8091682711d7f2489bc5478"
#define H1SHORT                                                                \
	"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde"
#define H1BAD "g94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
#define S1                                                                     \
	"309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f"     \
	"989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f"
#define S2                                                                     \
	"409ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f"     \
	"989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f"
#define M1 "5d41402abc4b2a76b9719d911017c592"
#define M2 "6d41402abc4b2a76b9719d911017c592"
#define G40 "5ab2f8a4323abafb10abb68657d9d39f1a775057"

/*
 * a is the subject's set, b the one looked for (SPEC-DIG-1). The result is
 * the same both ways except for ONEWAY rows: only a's values decide which
 * algorithms count, so a well-formed value in a that b has malformed is a
 * conflict, while the same pair reversed ignores it (SPEC-DIG-3).
 */
#define ONEWAY 2 /* no match a~b, match b~a */

struct match_row {
	const char *a, *b;
	int want;
};

/* Rows come in pairs: a match and the twin that must not match. */
static const struct match_row match_rows[] = {
    {"{\"sha256\":\"" H1 "\"}", "{\"sha256\":\"" H1 "\"}", 1},
    {"{\"sha256\":\"" H1 "\"}", "{\"sha256\":\"" H2 "\"}", 0},
    /* ANY shared acceptable algorithm. */
    {"{\"sha256\":\"" H1 "\",\"sha512\":\"" S1 "\"}", "{\"sha256\":\"" H1 "\"}",
     1},
    {"{\"sha256\":\"" H1 "\"}", "{\"sha256\":\"" H2 "\",\"sha512\":\"" S1 "\"}",
     0},
    {"{\"sha512\":\"" S1 "\"}", "{\"sha256\":\"" H1 "\",\"sha512\":\"" S1 "\"}",
     1},
    {"{\"sha256\":\"" H1 "\"}", "{\"sha512\":\"" S1 "\"}", 0},
    /* A conflict on a shared acceptable algorithm is no match. */
    {"{\"sha256\":\"" H1 "\",\"sha512\":\"" S1 "\"}",
     "{\"sha256\":\"" H1 "\",\"sha512\":\"" S1 "\"}", 1},
    {"{\"sha256\":\"" H1 "\",\"sha512\":\"" S1 "\"}",
     "{\"sha256\":\"" H1 "\",\"sha512\":\"" S2 "\"}", 0},
    /* md5 and sha1 alone never match; beside sha256 they are ignored. */
    {"{\"md5\":\"" M1 "\",\"sha256\":\"" H1 "\"}",
     "{\"md5\":\"" M1 "\",\"sha256\":\"" H1 "\"}", 1},
    {"{\"md5\":\"" M1 "\"}", "{\"md5\":\"" M1 "\"}", 0},
    {"{\"md5\":\"" M2 "\",\"sha256\":\"" H1 "\"}",
     "{\"md5\":\"" M1 "\",\"sha256\":\"" H1 "\"}", 1},
    {"{\"sha1\":\"" G40 "\"}", "{\"sha1\":\"" G40 "\"}", 0},
    {"{\"sha1\":\"" G40 "\",\"sha256\":\"" H1 "\"}",
     "{\"sha1\":\"" G40 "\",\"sha256\":\"" H1 "\"}", 1},
    {"{\"ripemd160\":\"" G40 "\"}", "{\"ripemd160\":\"" G40 "\"}", 0},
    /* git ids: the SHA-256 form counts, the SHA-1 form does not. */
    {"{\"gitBlob\":\"" H1 "\"}", "{\"gitBlob\":\"" H1 "\"}", 1},
    {"{\"gitBlob\":\"" G40 "\"}", "{\"gitBlob\":\"" G40 "\"}", 0},
    {"{\"gitCommit\":\"" H1 "\"}", "{\"gitCommit\":\"" H1 "\"}", 1},
    {"{\"gitCommit\":\"" G40 "\"}", "{\"gitCommit\":\"" G40 "\"}", 0},
    /* Unknown algorithms are ignored, whatever their values. */
    {"{\"foo\":\"ab\",\"sha256\":\"" H1 "\"}",
     "{\"foo\":\"cd\",\"sha256\":\"" H1 "\"}", 1},
    {"{\"foo\":\"ab\"}", "{\"foo\":\"ab\"}", 0},
    {"{\"arn\":\"x\",\"sha256\":\"" H1 "\"}", "{\"sha256\":\"" H1 "\"}", 1},
    {"{\"SHA256\":\"" H1 "\"}", "{\"SHA256\":\"" H1 "\"}", 0},
    /* Bad hex or length never matches, even when equal. */
    {"{\"sha256\":\"" H1 "\"}", "{\"sha256\":\"" H1 "\"}", 1},
    {"{\"sha256\":\"" H1BAD "\"}", "{\"sha256\":\"" H1BAD "\"}", 0},
    {"{\"sha256\":\"" H1 "\"}", "{\"sha256\":\"" H1 "\"}", 1},
    {"{\"sha256\":\"" H1SHORT "\"}", "{\"sha256\":\"" H1SHORT "\"}", 0},
    {"{\"sha256\":\"" H1 "\"}", "{\"sha256\":\"" H1 "\"}", 1},
    {"{\"sha256\":\"\"}", "{\"sha256\":\"\"}", 0},
    {"{\"sha512\":\"" S1 "\"}", "{\"sha512\":\"" S1 "\"}", 1},
    {"{\"sha512\":\"" H1 "\"}", "{\"sha512\":\"" H1 "\"}", 0},
    /* A malformed value on one side of a shared algorithm conflicts. */
    {"{\"sha256\":\"" H1 "\",\"sha512\":\"" S1 "\"}",
     "{\"sha256\":\"" H1 "\",\"sha512\":\"" S1 "\"}", 1},
    {"{\"sha256\":\"" H1 "\",\"sha512\":\"" S1 "\"}",
     "{\"sha256\":\"" H1 "\",\"sha512\":\"zz\"}", ONEWAY},
    {"{\"sha256\":\"" H1 "\",\"sha512\":\"" S1 "\"}",
     "{\"sha256\":\"" H1 "\",\"sha512\":\"" S1 "0\"}", ONEWAY},
    {"{\"sha512\":\"zz\"}", "{\"sha512\":\"" S1 "\"}", 0},
    /* Case-insensitive hex. */
    {"{\"sha256\":\"" H1U "\"}", "{\"sha256\":\"" H1 "\"}", 1},
    {"{\"sha256\":\"" H1U "\"}", "{\"sha256\":\"" H2 "\"}", 0},
    {"{\"sha256\":\"" H1M "\"}", "{\"sha256\":\"" H1U "\"}", 1},
    /* Variable-length algorithms still need valid hex. */
    {"{\"shake256\":\"abcd\"}", "{\"shake256\":\"ABCD\"}", 1},
    {"{\"shake256\":\"abcd\"}", "{\"shake256\":\"abcd00\"}", 0},
    {"{\"dirHash1\":\"" H1 "\"}", "{\"dirHash1\":\"" H1 "\"}", 1},
    {"{\"dirHash1\":\"" H1 "\"}", "{\"dirHash\":\"" H1 "\"}", 0},
    /* Empty sets and non-string values. */
    {"{\"sha256\":\"" H1 "\",\"x\":5}", "{\"sha256\":\"" H1 "\"}", 1},
    {"{}", "{}", 0},
    {"{\"sha256\":\"" H1 "\"}", "{\"sha256\":[\"" H1 "\"]}", 0},
};

static json_t *
obj(const char *text)
{
	struct err e = ERR_INIT;
	json_t *o = NULL;

	ck_assert_msg(jsonio_load_object(&o, text, strlen(text), "t", &e) == 0,
		      "%s", e.msg);
	return o;
}

START_TEST(test_match)
{
	const struct match_row *r = &match_rows[_i];
	json_t *a = obj(r->a), *b = obj(r->b);

	int fwd = r->want == ONEWAY ? 0 : r->want;
	int rev = r->want == ONEWAY ? 1 : r->want;

	ck_assert_msg(digestset_match(a, b) == fwd, "%s ~ %s != %d", r->a, r->b,
		      fwd);
	ck_assert_msg(digestset_match(b, a) == rev, "%s ~ %s != %d", r->b, r->a,
		      rev);
	json_decref(a);
	json_decref(b);
}
END_TEST

START_TEST(test_match_not_objects)
{
	json_t *a = obj("{\"sha256\":\"" H1 "\"}");
	json_t *s = json_string(H1);

	ck_assert_int_eq(digestset_match(a, a), 1);
	ck_assert_int_eq(digestset_match(a, s), 0);
	ck_assert_int_eq(digestset_match(s, a), 0);
	ck_assert_int_eq(digestset_match(a, NULL), 0);
	ck_assert_int_eq(digestset_match(NULL, NULL), 0);
	json_decref(a);
	json_decref(s);
}
END_TEST

struct acc_row {
	const char *alg, *value;
	int want;
};

static const struct acc_row acc_rows[] = {
    {"sha256", H1, 1},	    {"sha256", H1SHORT, 0},  {"sha256", H1U, 1},
    {"sha256", H1BAD, 0},   {"sha256", "", 0},	     {"sha256", NULL, 0},
    {"sha512", S1, 1},	    {"sha512", H1, 0},	     {"sha384", S1 + 32, 1},
    {"sha384", S1 + 31, 0}, {"md5", M1, 0},	     {"sha1", G40, 0},
    {"ripemd160", G40, 0},  {"gitTree", H1, 1},	     {"gitTree", G40, 0},
    {"gitTag", H1, 1},	    {"gitTag", G40, 0},	     {"shake128", "00", 1},
    {"shake128", "0x", 0},  {"sha3_256", H1, 1},     {"sha3_256", H1 " ", 0},
    {"blake2b", S1, 1},	    {"blake2b", H1, 0},	     {"foo", H1, 0},
    {"Sha256", H1, 0},	    {"shardDirHash", H1, 1}, {"shardDirHash", S1, 0},
};

START_TEST(test_acceptable)
{
	const struct acc_row *r = &acc_rows[_i];

	ck_assert_msg(digestset_acceptable(r->alg, r->value) == r->want,
		      "%s=%s", r->alg, r->value ? r->value : "(null)");
}
END_TEST

struct has_row {
	const char *set;
	int want;
};

static const struct has_row has_rows[] = {
    {"{\"sha256\":\"" H1 "\"}", 1},
    {"{\"md5\":\"" M1 "\"}", 0},
    {"{\"md5\":\"" M1 "\",\"sha512\":\"" S1 "\"}", 1},
    {"{\"sha1\":\"" G40 "\",\"gitCommit\":\"" G40 "\"}", 0},
    {"{\"foo\":\"bar\",\"sha256\":\"" H1U "\"}", 1},
    {"{\"foo\":\"bar\"}", 0},
    {"{\"sha256\":\"" H1 "\",\"x\":1}", 1},
    {"{\"sha256\":1}", 0},
    {"{\"dirHash\":\"" H1 "\"}", 1},
    {"{}", 0},
};

START_TEST(test_has_acceptable)
{
	const struct has_row *r = &has_rows[_i];
	json_t *s = obj(r->set);

	ck_assert_msg(digestset_has_acceptable(s) == r->want, "%s", r->set);
	json_decref(s);
}
END_TEST

/* SPEC-DIG-4: trees match only on a shared name-binding digest. */
struct tree_row {
	const char *a, *b;
	int is_tree, want;
};

static const struct tree_row tree_rows[] = {
    /* OMS root and dirHash both equal: a tree match. */
    {"{\"sha256\":\"" H1 "\",\"dirHash\":\"" H2 "\"}",
     "{\"sha256\":\"" H1 "\",\"dirHash\":\"" H2 "\"}", 1, 1},
    /* The OMS root alone never matches a tree. */
    {"{\"sha256\":\"" H1 "\"}", "{\"sha256\":\"" H1 "\"}", 1, 0},
    {"{\"sha256\":\"" H1 "\",\"shardDirHash\":\"" H2 "\"}",
     "{\"sha256\":\"" H1 "\",\"shardDirHash\":\"" H2 "\"}", 1, 1},
    {"{\"sha256\":\"" H1 "\",\"shardDirHash\":\"" H2 "\"}",
     "{\"sha256\":\"" H1 "\",\"dirHash\":\"" H2 "\"}", 1, 0},
    {"{\"omsRoot\":\"" H1 "\"}", "{\"omsRoot\":\"" H1 "\"}", 1, 0},
    /* One side binds names, the other has only the root: no match. */
    {"{\"sha256\":\"" H1 "\",\"shardDirHash\":\"" H2 "\"}",
     "{\"sha256\":\"" H1 "\"}", 0, 0},
    /* A single file: its sha256 is enough. */
    {"{\"sha256\":\"" H1 "\"}", "{\"sha256\":\"" H1 "\"}", 0, 1},
    {"{\"sha256\":\"" H1 "\"}", "{\"sha256\":\"" H2 "\"}", 0, 0},
    /* A shared binder that conflicts is no match (SPEC-DIG-1). */
    {"{\"dirHash\":\"" H1 "\"}", "{\"dirHash\":\"" H2 "\"}", 1, 0},
    {"{\"gitTree\":\"" H1 "\"}", "{\"gitTree\":\"" H1 "\"}", 1, 1},
};

START_TEST(test_match_tree)
{
	const struct tree_row *r = &tree_rows[_i];
	json_t *a = obj(r->a), *b = obj(r->b);

	ck_assert_msg(digestset_match_tree(a, b, r->is_tree) == r->want,
		      "%s ~ %s (tree %d) != %d", r->a, r->b, r->is_tree,
		      r->want);
	ck_assert_msg(digestset_match_tree(b, a, r->is_tree) == r->want,
		      "%s ~ %s (tree %d) != %d", r->b, r->a, r->is_tree,
		      r->want);
	json_decref(a);
	json_decref(b);
}
END_TEST

/* SPEC-POL-10: for overlap, one equal digest is enough. */
struct shared_row {
	const char *a, *b, *want;
};

static const struct shared_row shared_rows[] = {
    {"{\"sha256\":\"" H1 "\",\"dirHash\":\"" H2 "\"}",
     "{\"sha256\":\"" H1 "\",\"dirHash\":\"" H1 "\"}", "sha256"},
    {"{\"sha256\":\"" H1 "\",\"dirHash\":\"" H2 "\"}",
     "{\"sha256\":\"" H2 "\",\"dirHash\":\"" H1 "\"}", NULL},
    {"{\"sha256\":\"" H2 "\",\"dirHash\":\"" H1 "\"}",
     "{\"sha256\":\"" H1 "\",\"dirHash\":\"" H1 "\"}", "dirHash"},
    {"{\"md5\":\"" M1 "\"}", "{\"md5\":\"" M1 "\"}", NULL},
    {"{\"sha256\":\"" H1U "\"}", "{\"sha256\":\"" H1 "\"}", "sha256"},
    {"{\"sha256\":\"" H1 "\"}", "{\"sha512\":\"" S1 "\"}", NULL},
};

START_TEST(test_shared)
{
	const struct shared_row *r = &shared_rows[_i];
	json_t *a = obj(r->a), *b = obj(r->b);
	const char *got = digestset_shared(a, b);

	if (r->want == NULL)
		ck_assert_msg(got == NULL, "%s / %s shares %s", r->a, r->b,
			      got);
	else
		ck_assert_msg(got != NULL && strcmp(got, r->want) == 0,
			      "%s / %s: wanted %s", r->a, r->b, r->want);
	json_decref(a);
	json_decref(b);
}
END_TEST

static Suite *
digestset_suite(void)
{
	Suite *s = suite_create("digestset");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_match, 0,
			    sizeof(match_rows) / sizeof(match_rows[0]));
	tcase_add_test(tc, test_match_not_objects);
	tcase_add_loop_test(tc, test_acceptable, 0,
			    sizeof(acc_rows) / sizeof(acc_rows[0]));
	tcase_add_loop_test(tc, test_has_acceptable, 0,
			    sizeof(has_rows) / sizeof(has_rows[0]));
	tcase_add_loop_test(tc, test_match_tree, 0,
			    sizeof(tree_rows) / sizeof(tree_rows[0]));
	tcase_add_loop_test(tc, test_shared, 0,
			    sizeof(shared_rows) / sizeof(shared_rows[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(digestset_suite());
}

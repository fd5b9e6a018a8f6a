/*
 * predicates/types: short names of known predicate types, and the error
 * of a strict unpack (an unlisted member is named as an unknown field).
 */
#include <check.h>
#include <jansson.h>
#include <string.h>

#include "predicates/approval.h"
#include "predicates/types.h"
#include "tests/unit/testutil.h"

struct name_case {
	const char *type, *name; /* name NULL: not a type we know */
};

static const struct name_case name_cases[] = {
    {PRED_DATASET, "dataset"},
    {PRED_SLSA_PROVENANCE, "provenance"},
    {PRED_PREFIX "dataset/v2", NULL},
    {"", NULL},
};

START_TEST(test_short_name)
{
	const struct name_case *c = &name_cases[_i];
	const char *got = pred_short_name(c->type);

	if (c->name == NULL)
		ck_assert_ptr_null(got);
	else
		ck_assert_str_eq(got, c->name);
}
END_TEST

/* A format's members and an object: accepted, or rejected with msg. */
struct strict_case {
	const char *json;
	const char *msg; /* NULL: unpacks */
};

static const struct strict_case strict_cases[] = {
    {"{\"a\": 1, \"b\": \"x\"}", NULL},
    {"{\"a\": 1}", NULL},
    {"{}", NULL},
    {"{\"a\": 1, \"c\": 2}", "p.json: unknown field \"c\""},
    {"{\"z\": 0, \"a\": 1, \"y\": 2}", "p.json: unknown field \"z\""},
    {"{\"a\": 1, \"b\": 2, \"a b\": 3}", "p.json: unknown field \"a b\""},
};

START_TEST(test_strict)
{
	const struct strict_case *c = &strict_cases[_i];
	json_t *obj = json_loads(c->json, JSON_REJECT_DUPLICATES, NULL);
	json_t *a = NULL, *b = NULL;
	json_error_t je;
	struct err e = ERR_INIT;
	int rc;

	ck_assert_ptr_nonnull(obj);
	rc = json_unpack_ex(obj, &je, JSON_STRICT, "{s?o, s?o}", "a", &a, "b",
			    &b);
	if (c->msg == NULL) {
		ck_assert_int_eq(rc, 0);
	} else {
		ck_assert_int_ne(rc, 0);
		ck_assert_int_eq(pred_unpack_fail(&je, "p.json", &e),
				 -EXIT_REJECTED);
		ck_assert_str_eq(e.msg, c->msg);
	}
	json_decref(obj);
}
END_TEST

/* A predicate checker through the strict unpack: a good row, its twin. */
START_TEST(test_approval_strict)
{
	static const char good[] =
	    "{\"stage\": \"production\", \"decision\": \"approve\", "
	    "\"approvedOn\": \"2026-01-02T03:04:05Z\"}";
	static const char twin[] =
	    "{\"stage\": \"production\", \"decision\": \"approve\", "
	    "\"approvedOn\": \"2026-01-02T03:04:05Z\", \"ticket\": \"CHG-1\"}";
	json_t *g = json_loads(good, 0, NULL), *t = json_loads(twin, 0, NULL);
	struct err e = ERR_INIT;

	ck_assert_int_eq(pred_approval_check(g, "ap.json", &e), 0);
	ck_assert_int_eq(pred_approval_check(t, "ap.json", &e), -EXIT_REJECTED);
	ck_assert_str_eq(e.msg, "ap.json: unknown field \"ticket\"");
	json_decref(g);
	json_decref(t);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
types_suite(void)
{
	Suite *s = suite_create("types");
	TCase *t = tcase_create("types");

	tcase_add_loop_test(t, test_short_name, 0, N(name_cases));
	tcase_add_loop_test(t, test_strict, 0, N(strict_cases));
	tcase_add_test(t, test_approval_strict);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return testutil_run(types_suite());
}

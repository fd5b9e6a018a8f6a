/* training: prefix matching and the trace record (SPEC-RUN-11). */
#include <check.h>
#include <jansson.h>
#include <string.h>

#include "predicates/training.h"
#include "tests/unit/testutil.h"

struct under_case {
	const char *path, *prefix;
	int want;
};

static const struct under_case under_cases[] = {
    {"/data/x.csv", "/data", 1},
    {"/data", "/data", 1},
    {"/data/x.csv", "/data/", 1},
    {"/data/a/b", "/data/a", 1},
    {"/database/x", "/data", 0},
    {"/dat", "/data", 0},
    {"/other/data/x", "/data", 0},
    {"/x", "/", 1},
    {"x", "/", 0},
    {"/usr/lib/libc.so", "/usr/lib/libc.so", 1},
    {"/usr/lib/libc.so.6", "/usr/lib/libc.so", 0},
};

START_TEST(test_under)
{
	const struct under_case *c = &under_cases[_i];

	ck_assert_int_eq(training_path_under(c->path, c->prefix), c->want);
}
END_TEST

static const struct training_trace_file files[] = {
    {"/data/a.csv",
     TRAINING_TRACE_READ,
     TRAINING_TRACE_DECLARED,
     0,
     0,
     0,
     {0},
     0},
    {"/tmp/x.csv",
     TRAINING_TRACE_READ | TRAINING_TRACE_WRITE,
     TRAINING_TRACE_UNDECLARED,
     1,
     1,
     1,
     {0xab},
     7},
    {"/tmp/y\xff",
     TRAINING_TRACE_READ,
     TRAINING_TRACE_UNDECLARED,
     0,
     0,
     0,
     {0},
     0},
    {"/usr/bin/sh",
     TRAINING_TRACE_EXEC,
     TRAINING_TRACE_SYSTEM,
     0,
     0,
     0,
     {0},
     0},
};

START_TEST(test_record)
{
	const char *prefixes[] = {"/usr"};
	struct training_trace t = {files, 4,	      prefixes, 1, 2,
				   1,	  {"a note"}, 1,	1};
	struct err e = ERR_INIT;
	json_t *in = json_object(), *tr, *u;

	ck_assert_int_eq(training_trace_record(in, &t, &e), 0);
	tr = json_object_get(in, "trace");
	ck_assert_int_eq(json_integer_value(json_object_get(tr, "processes")),
			 2);
	ck_assert(json_is_true(json_object_get(tr, "complete")));
	u = json_object_get(json_object_get(tr, "read"), "undeclared");
	ck_assert_uint_eq(json_array_size(u), 2);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(u, 0), "path")),
	    "/tmp/x.csv");
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(u, 0), "sha256")),
	    "ab000000000000000000000000000000"
	    "00000000000000000000000000000000");
	ck_assert(json_is_true(
	    json_object_get(json_array_get(u, 0), "writtenByRun")));
	/* Not UTF-8: percent-encoded, never dropped (SPEC-STM-6). */
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(u, 1), "path")),
	    "/tmp/y%FF");
	ck_assert_ptr_null(json_object_get(json_array_get(u, 1), "sha256"));
	ck_assert_int_eq(
	    json_integer_value(json_object_get(
		json_object_get(json_object_get(tr, "counts"), "read"),
		"undeclared")),
	    2);
	ck_assert_str_eq(json_string_value(json_array_get(
			     json_object_get(tr, "writtenOutsideOutputs"), 0)),
			 "/tmp/x.csv");
	ck_assert_str_eq(
	    json_string_value(json_array_get(
		json_object_get(json_object_get(tr, "executed"), "system"), 0)),
	    "/usr/bin/sh");
	ck_assert_uint_eq(json_array_size(json_object_get(
			      json_object_get(tr, "executed"), "undeclared")),
			  0);
	json_decref(in);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
training_suite(void)
{
	Suite *s = suite_create("training");
	TCase *t = tcase_create("trace");

	tcase_add_loop_test(t, test_under, 0, N(under_cases));
	tcase_add_test(t, test_record);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return testutil_run(training_suite());
}

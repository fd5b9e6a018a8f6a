/*
 * lib/checkpoint: C2SP signed notes holding a tlog checkpoint. Good rows
 * (Rekor v1 with an extension line, Rekor v2 with witness cosignatures)
 * beside bad twins: each body line missing, a bad size, a short root, no
 * empty line, no signature, a malformed signature line, no final newline.
 */
#include <check.h>
#include <string.h>

#include "lib/checkpoint.h"
#include "tests/unit/testutil.h"

#define ROOT "rs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI="
#define SIG                                                                    \
	"\xe2\x80\x94 log.example 8w1amdbj1mjNN674dHAkD92+QZoEgBC7o0mXYSTRl"   \
	"uDjQrOPjrps3zQB9ut+ShLepyZPsWBDi5IB3yXyjgjQT6OG9A8=\n"
#define WIT                                                                    \
	"\xe2\x80\x94 witness.example Z/euoAAAAABqBM+21mV7JbHwWmLP20ZSpNW"     \
	"neHMkITOPopt+Vj1MoJSILqOIPpx93pbRfA0U+Eq5IiJjEUhG1JwGhPCJEUT5yDcFDg=" \
	"=\n"

struct row {
	const char *text;
	int ok;
	size_t nsigs;
	const char *why; /* in the error for bad rows */
};

static const struct row rows[] = {
    {"log.example\n736\n" ROOT "\n\n" SIG, 1, 1, NULL},
    {"rekor.example - 123\n736\n" ROOT "\nTimestamp: 1\n\n" SIG, 1, 1, NULL},
    {"log.example\n736\n" ROOT "\n\n" SIG WIT, 1, 2, NULL},
    {"log.example\n736\n" ROOT "\n\n" WIT SIG, 1, 2, NULL},
    {"log.example\n0\n" ROOT "\n\n" SIG, 1, 1, NULL},
    {"736\n" ROOT "\n\n" SIG, 0, 0, "tree size"},
    {"log.example\n" ROOT "\n\n" SIG, 0, 0, "tree size"},
    {"log.example\n736\n\n" SIG, 0, 0, "root hash"},
    {"log.example\n0736\n" ROOT "\n\n" SIG, 0, 0, "tree size"},
    {"log.example\n-1\n" ROOT "\n\n" SIG, 0, 0, "tree size"},
    {"log.example\n99999999999999999999\n" ROOT "\n\n" SIG, 0, 0, "tree size"},
    {"log.example\n736\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGU\n\n" SIG, 0, 0,
     "root hash"},
    {"log.example\n736\n" ROOT "\n" SIG, 0, 0, "empty line"},
    {"log.example\n736\n" ROOT "\n\n", 0, 0, "no signature"},
    {"log.example\n736\n" ROOT "\n\n- log.example AAAAAAAA\n", 0, 0,
     "signature line"},
    {"log.example\n736\n" ROOT "\n\n\xe2\x80\x94 log.example AAAA\n", 0, 0,
     "signature line"},
    {"log.example\n736\n" ROOT "\n\n\xe2\x80\x94 log.example !!!!!!!!\n", 0, 0,
     "signature line"},
    {"log.example\n736\n" ROOT "\n\n\xe2\x80\x94 log.example 8w1amdbj1mjN", 0,
     0, "signature line"},
    {"\n736\n" ROOT "\n\n" SIG, 0, 0, "origin"},
    {"", 0, 0, "origin"},
};

START_TEST(test_rows)
{
	const struct row *r = &rows[_i];
	struct checkpoint c;
	struct err e = ERR_INIT;
	int rc = checkpoint_parse(&c, r->text, strlen(r->text), &e);

	if (!r->ok) {
		ck_assert_int_eq(rc, -EXIT_REJECTED);
		ck_assert_msg(strstr(e.msg, r->why) != NULL, "row %d: %s", _i,
			      e.msg);
		return;
	}
	ck_assert_msg(rc == 0, "row %d: %s", _i, e.msg);
	ck_assert_uint_eq(c.nsigs, r->nsigs);
	ck_assert_uint_eq(c.size, strstr(r->text, "\n0\n") ? 0 : 736);
	ck_assert_uint_eq(c.root[0], 0xae);
	/* The signed body ends at the newline before the empty line. */
	ck_assert(c.body[c.bodylen - 1] == '\n');
	ck_assert(c.body[c.bodylen] == '\n');
}
END_TEST

START_TEST(test_fields)
{
	const char *t = "log.example\n736\n" ROOT "\n\n" WIT SIG;
	struct checkpoint c;

	ck_assert_int_eq(checkpoint_parse(&c, t, strlen(t), NULL), 0);
	ck_assert_str_eq(c.origin, "log.example");
	ck_assert_str_eq(c.sigs[0].name, "witness.example");
	ck_assert_str_eq(c.sigs[1].name, "log.example");
	ck_assert_uint_eq(c.sigs[1].hint[0], 0xf3);
	ck_assert_uint_eq(c.sigs[1].siglen, 64);
	ck_assert_uint_eq(c.sigs[0].siglen, 72);
}
END_TEST

static Suite *
checkpoint_suite(void)
{
	Suite *s = suite_create("checkpoint");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_rows, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, test_fields);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(checkpoint_suite());
}

/*
 * lib/opt: long options ("--x v" and "--x=v"), short options, flags,
 * operands, "--" and the words after it, help, and the usage errors
 * (unknown option, missing value, value given to a flag); --help output
 * comes from the same table; opt_long's range checks.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/opt.h"
#include "tests/unit/testutil.h"

enum { O_OUT = 1, O_VERBOSE, O_KEY };

static const struct opt_def defs[] = {
    {O_OUT, "out", 'o', "FILE", "write the result to FILE"},
    {O_VERBOSE, "verbose", 'v', NULL, "say more"},
    {O_KEY, "key", 0, "KEYREF", "sign with KEYREF"},
    {0, NULL, 0, NULL, NULL},
};

/*
 * Each row is an argv (after argv[0]) and the trace opt_next produces:
 * "id:value" per option ("-" for no value), then "END" or "ERR", then
 * after "|" the words kept in rest (dashdash marked by "--"). trace is
 * for the default iterator, where words after "--" come back as operands;
 * keep for one with keep_rest set, where they are kept verbatim in rest
 * (NULL: the same as trace).
 */
struct row {
	const char *argv[8];
	const char *trace;
	const char *keep;
	const char *errword; /* for ERR rows: a word in the message */
};

static const struct row rows[] = {
    {{"--out", "a.json"}, "1:a.json END|", NULL, NULL},
    {{"--out=a.json"}, "1:a.json END|", NULL, NULL},
    {{"--out=a=b"}, "1:a=b END|", NULL, NULL},
    {{"--out="}, "1: END|", NULL, NULL},
    {{"-o", "a.json"}, "1:a.json END|", NULL, NULL},
    {{"-o"}, "ERR|", NULL, "--out"},
    {{"--out"}, "ERR|", NULL, "FILE"},
    {{"--key", "k.pem", "--out", "x"}, "3:k.pem 1:x END|", NULL, NULL},
    {{"--key"}, "ERR|", NULL, "KEYREF"},
    {{"-v", "--verbose"}, "2:- 2:- END|", NULL, NULL},
    {{"--verbose=1"}, "ERR|", NULL, "--verbose"},
    {{"--out", "--verbose"}, "1:--verbose END|", NULL, NULL},
    {{"--bogus"}, "ERR|", NULL, "--bogus"},
    {{"--bogus=1"}, "ERR|", NULL, "--bogus"},
    {{"--outx", "a"}, "ERR|", NULL, "--outx"},
    {{"--ou", "a"}, "ERR|", NULL, "--ou"},
    {{"-x"}, "ERR|", NULL, "-x"},
    {{"-ov"}, "ERR|", NULL, "-ov"},
    {{"-oa.json"}, "ERR|", NULL, "-oa.json"},
    {{"--OUT", "a"}, "ERR|", NULL, "--OUT"},
    {{"file1", "-", "--key", "k"}, "0:file1 0:- 3:k END|", NULL, NULL},
    {{"a", "-v", "b"}, "0:a 2:- 0:b END|", NULL, NULL},
    {{"--out", "x", "--", "--verbose", "y"},
     "1:x 0:--verbose 0:y END|--",
     "1:x END|-- --verbose y",
     NULL},
    {{"--", "-o"}, "0:-o END|--", "END|-- -o", NULL},
    {{"--"}, "END|--", NULL, NULL},
    {{"a", "--", "--"}, "0:a 0:-- END|--", "0:a END|-- --", NULL},
    {{"--", "-h", "--bogus"},
     "0:-h 0:--bogus END|--",
     "END|-- -h --bogus",
     NULL},
    {{"-h"}, "-1:- END|", NULL, NULL},
    {{"--help", "--out", "x"}, "-1:- 1:x END|", NULL, NULL},
    {{"--help=1"}, "ERR|", NULL, "--help"},
    {{NULL}, "END|", NULL, NULL},
};

START_TEST(test_rows)
{
	const struct row *r = &rows[_i / 2];
	int keep = _i % 2;
	const char *want = keep && r->keep != NULL ? r->keep : r->trace;
	char *argv[10];
	char trace[512] = "";
	struct opt_iter it;
	struct err e = ERR_INIT;
	size_t used = 0;
	int argc = 1, rc, id, i;
	const char *val;

	argv[0] = "prog";
	while (argc < 9 && r->argv[argc - 1] != NULL) {
		argv[argc] = (char *)r->argv[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	opt_init(&it, argc, argv);
	it.keep_rest = keep;
	for (;;) {
		id = 99;
		rc = opt_next(&it, defs, &id, &val, &e);
		if (rc == 1) {
			used +=
			    (size_t)snprintf(trace + used, sizeof(trace) - used,
					     "%d:%s ", id, val ? val : "-");
			continue;
		}
		used += (size_t)snprintf(trace + used, sizeof(trace) - used,
					 "%s|", rc == 0 ? "END" : "ERR");
		if (rc != 0)
			ck_assert_int_eq(rc, -EXIT_USAGE);
		break;
	}
	if (it.dashdash)
		used +=
		    (size_t)snprintf(trace + used, sizeof(trace) - used, "--");
	for (i = 0; i < it.nrest; i++)
		used += (size_t)snprintf(trace + used, sizeof(trace) - used,
					 " %s", it.rest[i]);
	ck_assert_msg(strcmp(trace, want) == 0,
		      "keep_rest=%d: \"%s\" != \"%s\"", keep, trace, want);
	if (r->errword != NULL) {
		ck_assert_int_eq(e.code, EXIT_USAGE);
		ck_assert_msg(strstr(e.msg, r->errword) != NULL,
			      "\"%s\" lacks %s", e.msg, r->errword);
	} else {
		ck_assert_int_eq(e.code, 0);
	}
	/* Once finished, opt_next keeps returning 0. */
	if (rc == 0)
		ck_assert_int_eq(opt_next(&it, defs, &id, &val, &e), 0);
}
END_TEST

/* An unknown "--name=value" is reported without its value. */
START_TEST(test_unknown_hides_value)
{
	char *argv[] = {"prog", "--passphrase=hunter2", NULL};
	struct opt_iter it;
	struct err e = ERR_INIT;
	const char *val;
	int id;

	opt_init(&it, 2, argv);
	ck_assert_int_eq(opt_next(&it, defs, &id, &val, &e), -EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(e.msg, "--passphrase"));
	ck_assert_ptr_null(strstr(e.msg, "hunter2"));
}
END_TEST

START_TEST(test_help)
{
	size_t len =
	    opt_usage(NULL, 0, "prog [options] FILE", "Does things.", defs);
	char *buf = malloc(len + 1), small[8];
	size_t i;

	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(opt_usage(buf, len + 1, "prog [options] FILE",
				    "Does things.", defs),
			  len);
	ck_assert_uint_eq(strlen(buf), len);
	/* Truncated like snprintf, the full length still returned. */
	ck_assert_uint_eq(opt_usage(small, sizeof(small), "prog [options] FILE",
				    "Does things.", defs),
			  len);
	ck_assert_str_eq(small, "usage: ");
	ck_assert_int_eq(strncmp(buf, "usage: prog [options] FILE\n", 27), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\nDoes things.\n"));
	ck_assert_ptr_nonnull(strstr(buf, "-o, --out FILE"));
	ck_assert_ptr_nonnull(strstr(buf, "-v, --verbose "));
	ck_assert_ptr_null(strstr(buf, "--verbose FILE"));
	ck_assert_ptr_nonnull(strstr(buf, "    --key KEYREF"));
	ck_assert_ptr_nonnull(strstr(buf, "-h, --help"));
	for (i = 0; defs[i].id != 0; i++)
		ck_assert_ptr_nonnull(strstr(buf, defs[i].help));
	free(buf);
}
END_TEST

struct long_row {
	const char *s;
	long min, max;
	int ok;
	long want;
};

static const struct long_row long_rows[] = {
    {"10", 0, 100, 1, 10},
    {"101", 0, 100, 0, 0},
    {"0", 0, 100, 1, 0},
    {"-1", 0, 100, 0, 0},
    {"100", 0, 100, 1, 100},
    {"10x", 0, 100, 0, 0},
    {"-5", -10, 10, 1, -5},
    {"", -10, 10, 0, 0},
    {"9223372036854775807", 0, 9223372036854775807L, 1, 9223372036854775807L},
    {"9223372036854775808", 0, 9223372036854775807L, 0, 0},
    {"7", 1, 64, 1, 7},
    {"0x10", 0, 100, 0, 0},
};

START_TEST(test_opt_long)
{
	const struct long_row *r = &long_rows[_i];
	struct err e = ERR_INIT;
	long v = 12345;
	int rc = opt_long(&v, r->s, r->min, r->max, "--jobs", &e);

	if (r->ok) {
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(v, r->want);
		return;
	}
	ck_assert_int_eq(rc, -EXIT_USAGE);
	ck_assert_int_eq(v, 12345);
	ck_assert_ptr_nonnull(strstr(e.msg, "--jobs"));
}
END_TEST

static Suite *
opt_suite(void)
{
	Suite *s = suite_create("opt");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_rows, 0,
			    2 * (sizeof(rows) / sizeof(rows[0])));
	tcase_add_test(tc, test_unknown_hides_value);
	tcase_add_test(tc, test_help);
	tcase_add_loop_test(tc, test_opt_long, 0,
			    sizeof(long_rows) / sizeof(long_rows[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(opt_suite());
}

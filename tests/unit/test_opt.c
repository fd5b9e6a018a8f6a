/*
 * lib/opt: long options ("--x v" and "--x=v"), short options, flags,
 * operands, "--" and the words after it, help, and the usage errors
 * (unknown option, missing value, value given to a flag); --help output
 * comes from the same table; opt_long's range checks. Then option rows:
 * opt_parse with each row type and each usage error (a tampered twin
 * after each accept row), and the synopsis and help printed from them.
 */
#include <check.h>
#include <stddef.h>
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

/* ---- option rows: opt_parse, opt_synopsis, opt_cmd_usage ---- */

struct t_opts {
	const char *name, *choice, *called, *operand, *once;
	const char **list, **files;
	size_t nlist, nfiles;
	int flag, peeked, hidden;
	long num;
	unsigned jobs;
	char **rest;
	int nrest;
};

static const char *const colors[] = {"red", "green", "blue", NULL};

static int
t_call(void *opts, const struct opt_spec *row, const char *val, struct err *e)
{
	(void)row;
	if (strcmp(val, "bad") == 0)
		return err_set(e, EXIT_USAGE, "--call: bad call");
	((struct t_opts *)opts)->called = val;
	return 0;
}

/* Takes the next word when it is "-". */
static int
t_peek(void *opts, const struct opt_spec *row, const char *next, struct err *e)
{
	(void)row;
	(void)e;
	((struct t_opts *)opts)->peeked = 1;
	return next != NULL && strcmp(next, "-") == 0;
}

#define T_COMMON                                                               \
	{.type = OPT_STRING,                                                   \
	 .name = "name",                                                       \
	 .shortname = 'n',                                                     \
	 .off = offsetof(struct t_opts, name),                                 \
	 .argname = "NAME",                                                    \
	 .help = "the name",                                                   \
	 .flags = OPT_REQUIRED},                                               \
	    {.type = OPT_FLAG,                                                 \
	     .name = "flag",                                                   \
	     .off = offsetof(struct t_opts, flag),                             \
	     .help = "a flag"},                                                \
	    {.type = OPT_LIST,                                                 \
	     .name = "list",                                                   \
	     .shortname = 'l',                                                 \
	     .off = offsetof(struct t_opts, list),                             \
	     .noff = offsetof(struct t_opts, nlist),                           \
	     .argname = "ITEM",                                                \
	     .help = "an item; repeatable"},                                   \
	    {.type = OPT_LONG,                                                 \
	     .name = "num",                                                    \
	     .off = offsetof(struct t_opts, num),                              \
	     .argname = "N",                                                   \
	     .help = "a number",                                               \
	     .min = -3,                                                        \
	     .max = 10},                                                       \
	    {.type = OPT_UINT,                                                 \
	     .name = "jobs",                                                   \
	     .shortname = 'j',                                                 \
	     .off = offsetof(struct t_opts, jobs),                             \
	     .argname = "N",                                                   \
	     .help = "threads",                                                \
	     .min = 1,                                                         \
	     .max = 64},                                                       \
	    {.type = OPT_CHOICE,                                               \
	     .name = "color",                                                  \
	     .off = offsetof(struct t_opts, choice),                           \
	     .argname = "C",                                                   \
	     .help = "a colour",                                               \
	     .choices = colors},                                               \
	    {.type = OPT_CALL,                                                 \
	     .name = "call",                                                   \
	     .argname = "V",                                                   \
	     .help = "calls back",                                             \
	     .flags = OPT_MANY,                                                \
	     .fn = t_call},                                                    \
	    {.type = OPT_CALL,                                                 \
	     .name = "json",                                                   \
	     .help = "peeks",                                                  \
	     .flags = OPT_PEEK,                                                \
	     .fn = t_peek},                                                    \
	    {.type = OPT_STRING,                                               \
	     .name = "once",                                                   \
	     .off = offsetof(struct t_opts, once),                             \
	     .argname = "X",                                                   \
	     .help = "at most once",                                           \
	     .flags = OPT_ONCE},                                               \
	{                                                                      \
		.type = OPT_FLAG, .name = "secret",                            \
		.off = offsetof(struct t_opts, hidden), .help = "hidden",      \
		.flags = OPT_HIDDEN                                            \
	}

static const struct opt_spec one_rows[] = {
    T_COMMON,
    {.type = OPT_OPERAND,
     .off = offsetof(struct t_opts, operand),
     .argname = "OP",
     .help = "OP",
     .flags = OPT_REQUIRED},
    {.type = OPT_END},
};

static const struct opt_spec many_rows[] = {
    T_COMMON,
    {.type = OPT_OPERANDS,
     .off = offsetof(struct t_opts, files),
     .noff = offsetof(struct t_opts, nfiles),
     .argname = "FILE",
     .help = "FILE"},
    {.type = OPT_END},
};

static const struct opt_spec rest_rows[] = {
    T_COMMON,
    {.type = OPT_REST,
     .off = offsetof(struct t_opts, rest),
     .noff = offsetof(struct t_opts, nrest),
     .argname = "CMD [ARG]...",
     .flags = OPT_REQUIRED},
    {.type = OPT_END},
};

static const struct opt_spec missing_rows[] = {
    {.type = OPT_STRING,
     .name = "key",
     .off = offsetof(struct t_opts, name),
     .argname = "PUB",
     .help = "the key",
     .flags = OPT_REQUIRED,
     .missing = "at least one --key is required"},
    {.type = OPT_END},
};

/* A wrapper: what its rows do not take goes through, in order. */
static const struct opt_spec pass_rows[] = {
    {.type = OPT_STRING,
     .name = "name",
     .shortname = 'n',
     .off = offsetof(struct t_opts, name),
     .argname = "NAME",
     .help = "the name"},
    {.type = OPT_PASS,
     .off = offsetof(struct t_opts, files),
     .noff = offsetof(struct t_opts, nfiles),
     .argname = "ARGS",
     .flags = OPT_REQUIRED},
    {.type = OPT_END},
};

static const struct opt_cmd t_cmds[] = {
    {"t one", "One operand.", one_rows}, {"t many", NULL, many_rows},
    {"t rest", NULL, rest_rows},	 {"t key", NULL, missing_rows},
    {"t pass", NULL, pass_rows},
};

/*
 * cmd indexes t_cmds; want is the dump of the filled struct, "HELP" for
 * rc 1, or "ERR" with errword a part of the message. Each accept row has
 * its tampered twin right after it.
 */
struct prow {
	int cmd;
	const char *argv[10];
	const char *want;
	const char *errword;
};

static const struct prow prows[] = {
    {0, {"--name", "x", "op"}, "n=x op=op", NULL},
    {0, {"--name"}, "ERR", "option --name needs a value NAME"},
    {0, {"-n", "x", "op"}, "n=x op=op", NULL},
    {0, {"op"}, "ERR", "usage: t one --name NAME"},
    {0, {"--name=x", "--flag", "op"}, "n=x f=1 op=op", NULL},
    {0, {"--name=x", "--flag=1", "op"}, "ERR", "option --flag takes no value"},
    {0, {"-n", "x", "-l", "a", "--list=b", "op"}, "n=x l=a,b op=op", NULL},
    {0, {"-n", "x", "op", "-l"}, "ERR", "option --list needs a value ITEM"},
    {0, {"-n", "x", "--num", "-3", "op"}, "n=x num=-3 op=op", NULL},
    {0,
     {"-n", "x", "--num", "11", "op"},
     "ERR",
     "--num: expected an integer from -3 to 10, got \"11\""},
    {0, {"-n", "x", "--num=10", "op"}, "n=x num=10 op=op", NULL},
    {0,
     {"-n", "x", "--num=5x", "op"},
     "ERR",
     "--num: expected an integer from -3 to 10, got \"5x\""},
    {0, {"-n", "x", "-j", "64", "op"}, "n=x j=64 op=op", NULL},
    {0,
     {"-n", "x", "-j", "0", "op"},
     "ERR",
     "--jobs: expected an integer from 1 to 64, got \"0\""},
    {0, {"-n", "x", "--color", "blue", "op"}, "n=x c=blue op=op", NULL},
    {0,
     {"-n", "x", "--color", "Blue", "op"},
     "ERR",
     "--color: expected red, green or blue, got \"Blue\""},
    {0, {"-n", "x", "--call", "v", "op"}, "n=x k=v op=op", NULL},
    {0, {"-n", "x", "--call", "bad", "op"}, "ERR", "--call: bad call"},
    {0, {"-n", "x", "--json", "-", "op"}, "n=x p=1 op=op", NULL},
    {0, {"-n", "x", "--json", "op", "-"}, "ERR", "one OP at a time"},
    {0, {"-n", "x", "--once", "a", "op"}, "n=x o=a op=op", NULL},
    {0,
     {"-n", "x", "--once", "a", "--once", "b", "op"},
     "ERR",
     "one --once at a time"},
    {0, {"-n", "x", "--secret", "op"}, "n=x h=1 op=op", NULL},
    {0,
     {"-n", "x", "--secret=1", "op"},
     "ERR",
     "option --secret takes no value"},
    {0, {"-n", "x", "--", "--flag"}, "n=x op=--flag", NULL},
    {0, {"-n", "x", "--flag"}, "ERR", "usage: t one --name NAME"},
    {0, {"-n", "x", "op", "--bogus"}, "ERR", "unknown option --bogus"},
    {0, {"--nam", "x", "op"}, "ERR", "unknown option --nam"},
    {0, {"-n", "x", "op", "op2"}, "ERR", "one OP at a time"},
    {0, {"op", "--help", "--bogus"}, "HELP", NULL},
    {0, {"--bogus", "--help"}, "ERR", "unknown option --bogus"},
    {1, {"-n", "x", "a", "b", "-"}, "n=x fs=a,b,- op=-", NULL},
    {1, {"a", "b"}, "ERR", "usage: t many --name NAME"},
    {1, {"-n", "x"}, "n=x op=-", NULL},
    {2, {"-n", "x", "--", "cmd", "--flag"}, "n=x r=cmd,--flag op=-", NULL},
    {2,
     {"-n", "x", "cmd", "--", "y"},
     "ERR",
     "unexpected \"cmd\": put the command after -- (usage: t rest"},
    {2, {"-n", "x", "--"}, "ERR", "usage: t rest --name NAME"},
    {3, {"--key", "k"}, "n=k op=-", NULL},
    {3, {"k"}, "ERR", "unexpected argument \"k\" (usage: t key --key PUB)"},
    {3, {NULL}, "ERR", "at least one --key is required (usage: t key"},
    {4,
     {"-p", "x", "--name=a", "--policy", "p", "-bf", "--", "-n", "y"},
     "n=a fs=-p,x,--policy,p,-bf,--,-n,y op=-",
     NULL},
    {4, {"-p", "x", "--name"}, "ERR", "option --name needs a value NAME"},
    {4, {"-n", "a"}, "ERR", "usage: t pass [--name NAME] ARGS..."},
};

static void
t_dump(char *buf, size_t cap, const struct t_opts *o)
{
	size_t used = 0, i;

#define T_PUT(...)                                                             \
	(used += (size_t)snprintf(buf + used, used < cap ? cap - used : 0,     \
				  __VA_ARGS__))
	T_PUT("n=%s", o->name ? o->name : "-");
	if (o->flag)
		T_PUT(" f=1");
	for (i = 0; i < o->nlist; i++)
		T_PUT("%s%s", i ? "," : " l=", o->list[i]);
	if (o->num != 99)
		T_PUT(" num=%ld", o->num);
	if (o->jobs != 0)
		T_PUT(" j=%u", o->jobs);
	if (o->choice)
		T_PUT(" c=%s", o->choice);
	if (o->called)
		T_PUT(" k=%s", o->called);
	if (o->peeked)
		T_PUT(" p=1");
	if (o->once)
		T_PUT(" o=%s", o->once);
	if (o->hidden)
		T_PUT(" h=1");
	for (i = 0; i < o->nfiles; i++)
		T_PUT("%s%s", i ? "," : " fs=", o->files[i]);
	for (i = 0; i < (size_t)o->nrest; i++)
		T_PUT("%s%s", i ? "," : " r=", o->rest[i]);
	T_PUT(" op=%s", o->operand ? o->operand : "-");
#undef T_PUT
}

START_TEST(test_parse_rows)
{
	const struct prow *r = &prows[_i];
	struct t_opts o;
	struct err e = ERR_INIT;
	char *argv[12], got[512];
	int argc = 1, rc;

	memset(&o, 0, sizeof(o));
	o.num = 99;
	argv[0] = "t";
	while (argc < 11 && r->argv[argc - 1] != NULL) {
		argv[argc] = (char *)r->argv[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	rc = opt_parse(&o, &t_cmds[r->cmd], argc, argv, &e);
	if (strcmp(r->want, "HELP") == 0) {
		ck_assert_int_eq(rc, 1);
	} else if (strcmp(r->want, "ERR") == 0) {
		ck_assert_int_eq(rc, -EXIT_USAGE);
		ck_assert_int_eq(e.code, EXIT_USAGE);
		ck_assert_msg(strstr(e.msg, r->errword) != NULL,
			      "row %d: \"%s\" lacks \"%s\"", _i, e.msg,
			      r->errword);
	} else {
		ck_assert_msg(rc == 0, "row %d: %s", _i, e.msg);
		t_dump(got, sizeof(got), &o);
		ck_assert_msg(strcmp(got, r->want) == 0, "row %d: %s != %s", _i,
			      got, r->want);
	}
	free(o.list);
	free(o.files);
}
END_TEST

/* The synopsis and the help come from the rows; hidden rows are not in. */
START_TEST(test_synopsis)
{
	char syn[1024], *help;
	size_t len;

	opt_synopsis(syn, sizeof(syn), &t_cmds[0]);
	ck_assert_str_eq(syn, "t one --name NAME [--flag] [--list ITEM]... "
			      "[--num N] [--jobs N]\n"
			      "       [--color red|green|blue] [--call V]... "
			      "[--json] [--once X] OP");
	opt_synopsis(syn, sizeof(syn), &t_cmds[2]);
	ck_assert_ptr_nonnull(strstr(syn, " -- CMD [ARG]..."));
	opt_synopsis(syn, sizeof(syn), &t_cmds[1]);
	ck_assert_ptr_nonnull(strstr(syn, " [FILE...]"));
	len = opt_cmd_usage(NULL, 0, &t_cmds[0]);
	help = malloc(len + 1);
	ck_assert_ptr_nonnull(help);
	ck_assert_uint_eq(opt_cmd_usage(help, len + 1, &t_cmds[0]), len);
	ck_assert_int_eq(strncmp(help, "usage: t one --name NAME", 24), 0);
	ck_assert_ptr_nonnull(strstr(help, "\nOne operand.\n"));
	ck_assert_ptr_nonnull(strstr(help, "  -n, --name NAME"));
	ck_assert_ptr_nonnull(strstr(help, "      --flag   "));
	ck_assert_ptr_nonnull(strstr(help, "  -j, --jobs N"));
	ck_assert_ptr_nonnull(strstr(help, "-h, --help"));
	ck_assert_ptr_null(strstr(help, "secret"));
	ck_assert_ptr_null(strstr(help, "--flag V"));
	free(help);
}
END_TEST

/* A required row not given: "usage: SYNOPSIS", the same as opt_usage_error. */
START_TEST(test_usage_error)
{
	struct err e = ERR_INIT;
	char syn[1024];

	ck_assert_int_eq(opt_usage_error(&t_cmds[0], &e), -EXIT_USAGE);
	opt_synopsis(syn, sizeof(syn), &t_cmds[0]);
	ck_assert_int_eq(strncmp(e.msg, "usage: ", 7), 0);
	ck_assert_str_eq(e.msg + 7, syn);
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
	tcase_add_loop_test(tc, test_parse_rows, 0,
			    sizeof(prows) / sizeof(prows[0]));
	tcase_add_test(tc, test_synopsis);
	tcase_add_test(tc, test_usage_error);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(opt_suite());
}

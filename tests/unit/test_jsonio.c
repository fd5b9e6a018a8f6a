/*
 * lib/jsonio: one object in, duplicates refused at any depth, no trailing
 * data, no NUL, no non-object; deep nesting refused without a crash; output
 * compact, sorted and stable.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonio.h"
#include "tests/unit/testutil.h"

/* A good input and a bad twin that differs in one respect. */
struct load_row {
	const char *good;
	const char *bad;
	size_t badlen; /* 0: strlen(bad) */
};

static const struct load_row load_rows[] = {
    /* duplicates, top level and nested */
    {"{\"a\":1,\"b\":2}", "{\"a\":1,\"a\":2}", 0},
    {"{\"a\":1,\"b\":1}", "{\"a\":1,\"a\":1}", 0},
    {"{\"a\":{\"b\":1,\"c\":2}}", "{\"a\":{\"b\":1,\"b\":2}}", 0},
    {"{\"a\":[{\"b\":1},{\"b\":2}]}", "{\"a\":[{\"b\":1,\"b\":2}]}", 0},
    {"{\"a\":{\"b\":{\"c\":{\"d\":1,\"e\":1}}}}",
     "{\"a\":{\"b\":{\"c\":{\"d\":1,\"d\":1}}}}", 0},
    /* trailing data (whitespace is fine) */
    {"{\"a\":1}\n", "{\"a\":1}x", 0},
    {"{\"a\":1} \r\n\t", "{\"a\":1}{\"b\":2}", 0},
    {"{\"a\":1}", "{\"a\":1}\n{\"a\":1}", 0},
    {"{\"a\":1}", "{\"a\":1},", 0},
    {"\n {\"a\":1}", "{\"a\":1}}", 0},
    /* anything but an object */
    {"{}", "[]", 0},
    {"{\"a\":[1]}", "[{\"a\":1}]", 0},
    {"{\"s\":\"x\"}", "\"x\"", 0},
    {"{\"n\":1}", "1", 0},
    {"{\"n\":null}", "null", 0},
    {"{\"t\":true}", "true", 0},
    {"{}", "", 0},
    {"{}", "   ", 0},
    /* NUL: escaped or raw */
    {"{\"a\":\"x\\u0001\"}", "{\"a\":\"x\\u0000\"}", 0},
    {"{\"a\":\"xy\"}", "{\"a\":\"x\0y\"}", 11},
    {"{\"a\":1}", "{\"a\":1}\0", 8},
    {"{\"a\":1}", "\0{\"a\":1}", 8},
    /* malformed */
    {"{\"a\":1}", "{\"a\":1", 0},
    {"{\"a\":1}", "{a:1}", 0},
    {"{\"a\":1}", "{'a':1}", 0},
    {"{\"a\":[1,2]}", "{\"a\":[1,2,]}", 0},
    {"{\"a\":\"\xc3\xa9\"}", "{\"a\":\"\xc3\"}", 0},
    /* integers beyond 64 bits (SPEC-STM-4) */
    {"{\"a\":9223372036854775807}", "{\"a\":9223372036854775808}", 0},
    {"{\"a\":-9223372036854775808}", "{\"a\":-9223372036854775809}", 0},
};

START_TEST(test_load_good)
{
	const struct load_row *r = &load_rows[_i];
	struct err e = ERR_INIT;
	json_t *obj = NULL;

	ck_assert_msg(jsonio_load_object(&obj, r->good, strlen(r->good),
					 "in.json", &e) == 0,
		      "%s: %s", r->good, e.msg);
	ck_assert(json_is_object(obj));
	ck_assert_int_eq(e.code, 0);
	json_decref(obj);
}
END_TEST

START_TEST(test_load_bad)
{
	const struct load_row *r = &load_rows[_i];
	size_t len = r->badlen ? r->badlen : strlen(r->bad);
	struct err e = ERR_INIT;
	json_t *obj = json_null();

	ck_assert_msg(jsonio_load_object(&obj, r->bad, len, "in.json:3", &e) ==
			  -EXIT_REJECTED,
		      "accepted %s", r->bad);
	ck_assert_ptr_null(obj);
	ck_assert_int_eq(e.code, EXIT_REJECTED);
	ck_assert_msg(strncmp(e.msg, "in.json:3: ", 11) == 0, "%s", e.msg);
}
END_TEST

/* Nesting far beyond jansson's depth limit is refused without a stack
 * overflow; the twin, nested 100 deep, loads. */
static char *
nested(size_t depth, int objects)
{
	const char *open = objects ? "{\"a\":" : "[";
	size_t olen = strlen(open), n = 0, i;
	char *buf = malloc((depth + 1) * (olen + 1) + 8);

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, "{\"a\":", 5);
	n = 5;
	for (i = 0; i < depth; i++) {
		memcpy(buf + n, open, olen);
		n += olen;
	}
	buf[n++] = '1';
	for (i = 0; i < depth; i++)
		buf[n++] = objects ? '}' : ']';
	buf[n++] = '}';
	buf[n] = '\0';
	return buf;
}

struct deep_row {
	size_t depth;
	int objects;
	int want;
};

static const struct deep_row deep_rows[] = {
    {100, 0, 0},
    {100000, 0, -EXIT_REJECTED},
    {100, 1, 0},
    {100000, 1, -EXIT_REJECTED},
};

START_TEST(test_deep_nesting)
{
	const struct deep_row *r = &deep_rows[_i];
	char *text = nested(r->depth, r->objects);
	struct err e = ERR_INIT;
	json_t *obj = NULL;

	ck_assert_int_eq(
	    jsonio_load_object(&obj, text, strlen(text), "deep", &e), r->want);
	ck_assert(r->want == 0 ? obj != NULL : obj == NULL);
	json_decref(obj);
	free(text);
}
END_TEST

START_TEST(test_dump_compact_sorted)
{
	struct err e = ERR_INIT;
	json_t *v = json_pack("{s:i, s:[i,i], s:{s:s, s:n}, s:s, s:b, s:f}",
			      "b", 1, "a", 1, 2, "c", "z", "x/y", "y", "é",
			      "\xc3\xa9", "t", 1, "r", 0.1);
	char *out = NULL;
	size_t len = 0;

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(jsonio_dump(&out, &len, v, JSONIO_FLAGS, &e), 0);
	ck_assert_str_eq(
	    out, "{\"a\":[1,2],\"b\":1,\"c\":{\"y\":null,\"z\":\"x/"
		 "y\"},\"r\":0.1,\"t\":true,\"\xc3\xa9\":\"\xc3\xa9\"}");
	ck_assert_uint_eq(len, strlen(out));
	ck_assert_uint_eq(out[len], '\0');
	free(out);
	json_decref(v);
}
END_TEST

/* Two objects with the same members inserted in different orders dump to
 * the same bytes, and load -> dump is a fixed point. */
START_TEST(test_dump_stable)
{
	struct err e = ERR_INIT;
	json_t *a = json_pack("{s:i, s:i, s:{s:i, s:i}}", "z", 1, "a", 2, "m",
			      "y", 3, "b", 4);
	json_t *b = json_pack("{s:{s:i, s:i}, s:i, s:i}", "m", "b", 4, "y", 3,
			      "a", 2, "z", 1);
	json_t *c = NULL;
	char *da = NULL, *db = NULL, *dc = NULL;
	size_t la, lb, lc;

	ck_assert_int_eq(jsonio_dump(&da, &la, a, JSONIO_FLAGS, &e), 0);
	ck_assert_int_eq(jsonio_dump(&db, &lb, b, JSONIO_FLAGS, &e), 0);
	ck_assert_str_eq(da, db);
	ck_assert_str_eq(da, "{\"a\":2,\"m\":{\"b\":4,\"y\":3},\"z\":1}");
	ck_assert_int_eq(jsonio_load_object(&c, da, la, "rt", &e), 0);
	ck_assert_int_eq(jsonio_dump(&dc, &lc, c, JSONIO_FLAGS, &e), 0);
	ck_assert_str_eq(da, dc);
	free(da);
	free(db);
	free(dc);
	json_decref(a);
	json_decref(b);
	json_decref(c);
}
END_TEST

/* Reals keep 15 significant digits (SPEC-STM-4 text). */
START_TEST(test_dump_reals)
{
	struct err e = ERR_INIT;
	json_t *v =
	    json_pack("{s:f, s:f}", "a", 0.1234567890123456789, "b", 1e300);
	char *out = NULL;
	size_t len;

	ck_assert_int_eq(jsonio_dump(&out, &len, v, JSONIO_FLAGS, &e), 0);
	ck_assert_str_eq(out, "{\"a\":0.123456789012346,\"b\":1e300}");
	free(out);
	json_decref(v);
}
END_TEST

START_TEST(test_dump_pretty)
{
	struct err e = ERR_INIT;
	json_t *v = json_pack("{s:i, s:i}", "b", 1, "a", 2);
	char *out = NULL;
	size_t len;

	ck_assert_int_eq(jsonio_dump(&out, &len, v, JSONIO_PRETTY_FLAGS, &e),
			 0);
	ck_assert_str_eq(out, "{\n  \"a\": 2,\n  \"b\": 1\n}");
	free(out);
	json_decref(v);
}
END_TEST

struct str_row {
	const char *key;
	const char *want;
};

static const struct str_row str_rows[] = {
    {"s", "text"}, {"e", ""},	{"n", NULL},	   {"z", NULL},
    {"o", NULL},   {"a", NULL}, {"missing", NULL},
};

START_TEST(test_str)
{
	const struct str_row *r = &str_rows[_i];
	json_t *v = json_pack("{s:s, s:s, s:i, s:n, s:{}, s:[]}", "s", "text",
			      "e", "", "n", 5, "z", "o", "a");
	const char *got = jsonio_str(v, r->key);

	if (r->want == NULL)
		ck_assert_ptr_null(got);
	else
		ck_assert_str_eq(got, r->want);
	json_decref(v);
}
END_TEST

START_TEST(test_only_keys)
{
	static const char *const allowed[] = {"a", "b", NULL};
	struct err e = ERR_INIT;
	json_t *good = json_pack("{s:i, s:i}", "a", 1, "b", 2);
	json_t *bad = json_pack("{s:i, s:i}", "a", 1, "bb", 2);
	json_t *empty = json_object();

	ck_assert_int_eq(jsonio_only_keys(good, allowed, "p.json", &e), 0);
	ck_assert_int_eq(jsonio_only_keys(empty, allowed, "p.json", &e), 0);
	ck_assert_int_eq(jsonio_only_keys(bad, allowed, "p.json", &e),
			 -EXIT_REJECTED);
	ck_assert_msg(strstr(e.msg, "p.json") != NULL, "%s", e.msg);
	ck_assert_msg(strstr(e.msg, "\"bb\"") != NULL, "%s", e.msg);
	json_decref(good);
	json_decref(bad);
	json_decref(empty);
}
END_TEST

static Suite *
jsonio_suite(void)
{
	Suite *s = suite_create("jsonio");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_load_good, 0,
			    sizeof(load_rows) / sizeof(load_rows[0]));
	tcase_add_loop_test(tc, test_load_bad, 0,
			    sizeof(load_rows) / sizeof(load_rows[0]));
	tcase_add_loop_test(tc, test_deep_nesting, 0,
			    sizeof(deep_rows) / sizeof(deep_rows[0]));
	tcase_add_test(tc, test_dump_compact_sorted);
	tcase_add_test(tc, test_dump_stable);
	tcase_add_test(tc, test_dump_reals);
	tcase_add_test(tc, test_dump_pretty);
	tcase_add_loop_test(tc, test_str, 0,
			    sizeof(str_rows) / sizeof(str_rows[0]));
	tcase_add_test(tc, test_only_keys);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(jsonio_suite());
}

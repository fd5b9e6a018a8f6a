/*
 * lib/canonjson: byte-exact securesystemslib canonical JSON. Each row has
 * the bytes we expect; every row is also checked against
 * securesystemslib.formats.encode_canonical run by /usr/bin/python3.
 * Floats and over-deep values are refused.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/canonjson.h"
#include "tests/unit/testutil.h"

#define PY "/usr/bin/python3"

struct row {
	const char *in;	  /* JSON text */
	const char *want; /* canonical bytes */
	size_t wantlen;	  /* 0: strlen(want) */
};

static const struct row rows[] = {
    {"{\"b\":1,\"a\":[true,false,null],\"c\":{}}",
     "{\"a\":[true,false,null],\"b\":1,\"c\":{}}", 0},
    {"{\"s\":\"q\\\"b\\\\s/\"}", "{\"s\":\"q\\\"b\\\\s/\"}", 0},
    {"{\"nl\":\"a\\nb\\tc\\u0001\\u001f\\u007f\"}",
     "{\"nl\":\"a\nb\tc\x01\x1f\x7f\"}", 0},
    {"{\"u\":\"\\u00e9\\u4e2d\\ud83d\\ude00\"}",
     "{\"u\":\"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\"}", 0},
    /* code point order: 'Z' < 'a' < U+00E9 < U+4E2D < U+1F600 */
    {"{\"\\ud83d\\ude00\":1,\"\\u4e2d\":2,\"\\u00e9\":3,\"a\":4,\"Z\":5,"
     "\"\":6}",
     "{\"\":6,\"Z\":5,\"a\":4,\"\xc3\xa9\":3,\"\xe4\xb8\xad\":2,"
     "\"\xf0\x9f\x98\x80\":1}",
     0},
    {"{\"ab\":1,\"a\":2,\"a b\":3}", "{\"a\":2,\"a b\":3,\"ab\":1}", 0},
    {"{\"n\":[-9223372036854775808,0,9223372036854775807]}",
     "{\"n\":[-9223372036854775808,0,9223372036854775807]}", 0},
    {"{\"d\":{\"z\":[{\"y\":[[]],\"x\":\"\\\"\"}],\"k\\\"\":\"\\\\\"}}",
     "{\"d\":{\"k\\\"\":\"\\\\\",\"z\":[{\"x\":\"\\\"\",\"y\":[[]]}]}}", 0},
    {"{\"pem\":\"-----BEGIN PUBLIC KEY-----\\nMFk=\\n-----END PUBLIC "
     "KEY-----\\n\"}",
     "{\"pem\":\"-----BEGIN PUBLIC KEY-----\nMFk=\n-----END PUBLIC "
     "KEY-----\n\"}",
     0},
    {"{\"nul\":\"a\\u0000b\"}", "{\"nul\":\"a\0b\"}", 13},
};

static json_t *
load(const char *s)
{
	json_error_t je;
	json_t *v = json_loads(s, JSON_ALLOW_NUL, &je);

	ck_assert_msg(v != NULL, "%s: %s", s, je.text);
	return v;
}

START_TEST(test_rows)
{
	const struct row *r = &rows[_i];
	size_t wlen = r->wantlen ? r->wantlen : strlen(r->want), len;
	struct err e = ERR_INIT;
	json_t *v = load(r->in);
	char *out = NULL;

	ck_assert_int_eq(canonjson_dump(&out, &len, v, &e), 0);
	ck_assert_uint_eq(len, wlen);
	ck_assert_msg(memcmp(out, r->want, len) == 0, "row %d: %s", _i, out);
	free(out);
	json_decref(v);
}
END_TEST

/* The reference: securesystemslib itself, fed the same JSON text. */
START_TEST(test_python)
{
	const struct row *r = &rows[_i];
	struct err e = ERR_INIT;
	char *dir = testutil_tmpdir(), path[512], cmd[1024], *out = NULL;
	char ref[4096];
	size_t len, n;
	json_t *v = load(r->in);
	FILE *f;

	ck_assert_msg(access(PY, X_OK) == 0, "missing dependency " PY);
	snprintf(path, sizeof(path), "%s/in.json", dir);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fputs(r->in, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 PY " -c 'import json,sys; from securesystemslib.formats "
		    "import encode_canonical as c; sys.stdout.buffer.write("
		    "c(json.load(open(sys.argv[1]))).encode())' %s",
		 path);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(ref, 1, sizeof(ref), f);
	ck_assert_int_eq(pclose(f), 0);
	ck_assert_int_eq(canonjson_dump(&out, &len, v, &e), 0);
	ck_assert_uint_eq(len, n);
	ck_assert_msg(memcmp(out, ref, n) == 0, "row %d differs from python",
		      _i);
	free(out);
	json_decref(v);
	remove(path);
	rmdir(dir);
	free(dir);
}
END_TEST

START_TEST(test_refused)
{
	struct err e = ERR_INIT;
	json_t *v = load("{\"a\":[1,{\"b\":1.5}]}"), *deep = json_array();
	char *out = NULL;
	size_t len;
	int i;

	ck_assert_int_eq(canonjson_dump(&out, &len, v, &e), -EXIT_REJECTED);
	ck_assert_ptr_null(out);
	json_decref(v);
	for (i = 0; i < CANONJSON_MAX_DEPTH + 2; i++)
		deep = json_pack("[o]", deep);
	ck_assert_int_eq(canonjson_dump(&out, &len, deep, &e), -EXIT_REJECTED);
	json_decref(deep);
	ck_assert_int_eq(canonjson_dump(&out, &len, NULL, &e), -EXIT_UNDECIDED);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("canonjson");
	TCase *tc = tcase_create("core");
	int n = (int)(sizeof(rows) / sizeof(rows[0]));

	tcase_add_loop_test(tc, test_rows, 0, n);
	tcase_add_loop_test(tc, test_python, 0, n);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return testutil_run(s);
}

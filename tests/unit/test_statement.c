/*
 * lib/statement: in-toto Statement v1 and v0.1 accepted; each malformed
 * twin refused with a message naming the source (SPEC-STM-1..4).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonio.h"
#include "lib/statement.h"
#include "tests/unit/testutil.h"

#define H "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
#define V1 "\"_type\":\"https://in-toto.io/Statement/v1\""
#define V01 "\"_type\":\"https://in-toto.io/Statement/v0.1\""
#define SUB                                                                    \
	"\"subject\":[{\"name\":\"m.bin\",\"digest\":{\"sha256\":\"" H "\"}}]"
#define PT "\"predicateType\":\"https://example.com/p/v1\""

struct stm_row {
	const char *good;
	const char *bad;
	const char *why; /* a word the refusal names besides the source */
};

static const struct stm_row stm_rows[] = {
    /* _type */
    {"{" V1 "," SUB "," PT "}", "{" SUB "," PT "}", "_type"},
    {"{" V01 "," SUB "," PT "}",
     "{\"_type\":\"https://in-toto.io/Statement/v2\"," SUB "," PT "}",
     "Statement"},
    {"{" V1 "," SUB "," PT "}",
     "{\"_type\":\"https://in-toto.io/Statement/v1/\"," SUB "," PT "}",
     "Statement"},
    {"{" V1 "," SUB "," PT "}", "{\"_type\":1," SUB "," PT "}", "_type"},
    /* subject */
    {"{" V1 "," SUB "," PT "}", "{" V1 "," PT "}", "subject"},
    {"{" V1 "," SUB "," PT "}", "{" V1 ",\"subject\":[]," PT "}", "subject"},
    {"{" V1 "," SUB "," PT "}",
     "{" V1 ",\"subject\":{\"digest\":{\"sha256\":\"" H "\"}}," PT "}",
     "subject"},
    {"{" V1 "," SUB "," PT "}", "{" V1 ",\"subject\":[\"m.bin\"]," PT "}",
     "subject[0]"},
    {"{" V1 "," SUB "," PT "}",
     "{" V1 ",\"subject\":[{\"name\":\"m.bin\"}]," PT "}", "digest"},
    {"{" V1 "," SUB "," PT "}",
     "{" V1 ",\"subject\":[{\"name\":\"m.bin\",\"digest\":{}}]," PT "}",
     "digest"},
    {"{" V1 "," SUB "," PT "}",
     "{" V1 ",\"subject\":[{\"name\":\"m\",\"digest\":\"" H "\"}]," PT "}",
     "digest"},
    {"{" V1 "," SUB "," PT "}",
     "{" V1 ",\"subject\":[{\"digest\":{\"sha256\":1}}]," PT "}", "digest"},
    /* The second subject is checked too. */
    {"{" V1 ",\"subject\":[{\"digest\":{\"sha256\":\"" H
     "\"}},{\"digest\":{\"sha512\":\"" H H "\"}}]," PT "}",
     "{" V1 ",\"subject\":[{\"digest\":{\"sha256\":\"" H
     "\"}},{\"digest\":{}}]," PT "}",
     "subject[1]"},
    /* md5/sha1 only bind nothing; beside sha256 they are fine. */
    {"{" V1
     ",\"subject\":[{\"digest\":{\"md5\":\"5d41402abc4b2a76b9719d911017c592\","
     "\"sha256\":\"" H "\"}}]," PT "}",
     "{" V1
     ",\"subject\":[{\"digest\":{\"md5\":\"5d41402abc4b2a76b9719d911017c592\"}}"
     "]," PT "}",
     "md5"},
    {"{" V1 ",\"subject\":[{\"digest\":{\"sha256\":\"" H "\"}}]," PT "}",
     "{" V1 ",\"subject\":[{\"digest\":{\"sha1\":"
     "\"5ab2f8a4323abafb10abb68657d9d39f1a775057\"}}]," PT "}",
     "acceptable"},
    {"{" V1 ",\"subject\":[{\"digest\":{\"sha256\":\"" H "\"}}]," PT "}",
     "{" V1 ",\"subject\":[{\"digest\":{\"sha256\":\"abc\"}}]," PT "}",
     "acceptable"},
    /* name: optional in v1, required and non-empty in v0.1 */
    {"{" V1 ",\"subject\":[{\"digest\":{\"sha256\":\"" H "\"}}]," PT "}",
     "{" V01 ",\"subject\":[{\"digest\":{\"sha256\":\"" H "\"}}]," PT "}",
     "name"},
    {"{" V01 "," SUB "," PT "}",
     "{" V01 ",\"subject\":[{\"name\":\"\",\"digest\":{\"sha256\":\"" H
     "\"}}]," PT "}",
     "name"},
    {"{" V1 ",\"subject\":[{\"name\":\"\",\"digest\":{\"sha256\":\"" H
     "\"}}]," PT "}",
     "{" V1 ",\"subject\":[{\"name\":7,\"digest\":{\"sha256\":\"" H "\"}}]," PT
     "}",
     "name"},
    /* predicateType */
    {"{" V1 "," SUB "," PT "}", "{" V1 "," SUB "}", "predicateType"},
    {"{" V1 "," SUB "," PT "}", "{" V1 "," SUB ",\"predicateType\":\"\"}",
     "predicateType"},
    {"{" V1 "," SUB "," PT "}", "{" V1 "," SUB ",\"predicateType\":{}}",
     "predicateType"},
    /* predicate: object, null or absent */
    {"{" V1 "," SUB "," PT ",\"predicate\":{\"a\":[1]}}",
     "{" V1 "," SUB "," PT ",\"predicate\":[1]}", "predicate"},
    {"{" V1 "," SUB "," PT ",\"predicate\":null}",
     "{" V1 "," SUB "," PT ",\"predicate\":\"x\"}", "predicate"},
    {"{" V01 "," SUB "," PT ",\"predicate\":{}}",
     "{" V01 "," SUB "," PT ",\"predicate\":0}", "predicate"},
    /* unknown fields are ignored; the JSON itself must be strict */
    {"{" V1 "," SUB "," PT ",\"extra\":{\"x\":1}}",
     "{" V1 "," SUB "," PT ",\"extra\":1,\"extra\":2}", "JSON"},
    {"{" V1 "," SUB "," PT "}\n", "{" V1 "," SUB "," PT "}x", "JSON"},
    {"{" V1 "," SUB "," PT "}", "[{" V1 "," SUB "," PT "}]", "object"},
    {"{" V1 "," SUB "," PT ",\"n\":1}",
     "{" V1 "," SUB "," PT ",\"n\":99999999999999999999}", "JSON"},
};

START_TEST(test_good)
{
	const struct stm_row *r = &stm_rows[_i];
	struct err e = ERR_INIT;
	struct statement *st = NULL;

	ck_assert_msg(statement_parse(&st, r->good, strlen(r->good),
				      "stmt.json", &e) == 0,
		      "%s: %s", r->good, e.msg);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(statement_check(statement_json(st), "x", &e), 0);
	statement_free(st);
}
END_TEST

START_TEST(test_bad)
{
	const struct stm_row *r = &stm_rows[_i];
	struct err e = ERR_INIT;
	struct statement *st = (struct statement *)1;

	ck_assert_msg(statement_parse(&st, r->bad, strlen(r->bad), "stmt.json",
				      &e) == -EXIT_REJECTED,
		      "accepted %s", r->bad);
	ck_assert_ptr_null(st);
	ck_assert_int_eq(e.code, EXIT_REJECTED);
	ck_assert_msg(strncmp(e.msg, "stmt.json: ", 11) == 0, "%s", e.msg);
	ck_assert_msg(strstr(e.msg, r->why) != NULL, "\"%s\" lacks %s", e.msg,
		      r->why);
}
END_TEST

/* statement_check refuses the same things on an object already parsed. */
START_TEST(test_check_bad)
{
	const struct stm_row *r = &stm_rows[_i];
	struct err e = ERR_INIT;
	json_t *obj = NULL;

	/* A JSON-level refusal never reaches statement_check: the loader
	 * refuses it for the reason the row names. */
	if (jsonio_load_object(&obj, r->bad, strlen(r->bad), "t", &e) != 0) {
		ck_assert_int_eq(e.code, EXIT_REJECTED);
		ck_assert_msg(strstr(e.msg, r->why) != NULL, "\"%s\" lacks %s",
			      e.msg, r->why);
		ck_assert_ptr_null(obj);
		return;
	}
	ck_assert_int_eq(statement_check(obj, "obj", &e), -EXIT_REJECTED);
	ck_assert_msg(strncmp(e.msg, "obj: ", 5) == 0, "%s", e.msg);
	ck_assert_msg(strstr(e.msg, r->why) != NULL, "\"%s\" lacks %s", e.msg,
		      r->why);
	json_decref(obj);
}
END_TEST

START_TEST(test_accessors)
{
	static const char text[] =
	    "{" V1 ",\"subject\":[{\"name\":\"a\","
	    "\"digest\":{\"sha256\":\"" H "\"}},"
	    "{\"name\":\"b\",\"digest\":{\"sha512\":\"" H H "\"}}]," PT
	    ",\"predicate\":{\"k\":1}}";
	struct err e = ERR_INIT;
	struct statement *st = NULL;
	json_t *want = json_pack("{s:s}", "sha256", H);
	json_t *other = json_pack("{s:s}", "sha256", H "0");
	json_t *upper = json_pack("{s:s}", "sha512",
				  "B94D27B9934D3E08A52E52D7DA7DABFAC484EFE37A5"
				  "380EE9088F7ACE2EFCDE9" H);

	ck_assert_int_eq(statement_parse(&st, text, strlen(text), "s", &e), 0);
	ck_assert_str_eq(statement_type(st), STATEMENT_V1);
	ck_assert_str_eq(statement_predicate_type(st),
			 "https://example.com/p/v1");
	ck_assert_uint_eq(json_array_size(statement_subjects(st)), 2);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(statement_predicate(st), "k")),
	    1);
	ck_assert_int_eq(statement_has_subject(st, want), 1);
	ck_assert_int_eq(statement_has_subject(st, upper), 1);
	ck_assert_int_eq(statement_has_subject(st, other), 0);
	statement_free(st);
	json_decref(want);
	json_decref(other);
	json_decref(upper);
}
END_TEST

/* An unset or null predicate reads as NULL. */
START_TEST(test_predicate_unset)
{
	static const char *const texts[] = {
	    "{" V1 "," SUB "," PT "}",
	    "{" V1 "," SUB "," PT ",\"predicate\":null}",
	};
	struct err e = ERR_INIT;
	struct statement *st = NULL;
	size_t i;

	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(
		    statement_parse(&st, texts[i], strlen(texts[i]), "s", &e),
		    0);
		ck_assert_ptr_null(statement_predicate(st));
		statement_free(st);
	}
}
END_TEST

/* The generated vector's statement (v1) parses; with its subject digest
 * changed to md5 it does not. */
START_TEST(test_generated_statement)
{
	struct err e = ERR_INIT;
	struct statement *st = NULL;
	unsigned char *buf;
	json_t *vec = NULL, *digests;
	const char *text;
	size_t len;

	buf = testutil_vector("generated-intoto-dsse-vectors.json", &len);
	ck_assert_int_eq(jsonio_load_object(&vec, buf, len, "v", &e), 0);
	text = jsonio_str(vec, "statement_json");
	ck_assert_int_eq(statement_parse(&st, text, strlen(text), "v", &e), 0);
	ck_assert_str_eq(statement_predicate_type(st),
			 "https://in-toto.io/attestation/test-result/v0.1");
	digests = json_pack("{s:s}", "sha256", H);
	ck_assert_int_eq(statement_has_subject(st, digests), 1);
	json_decref(digests);
	statement_free(st);
	free(buf);
	json_decref(vec);
}
END_TEST

/* SPEC-STM-5: every way a member or entry can fail to be added is an
 * error, and the value is released (the leak checker sees it). */
struct build_row {
	int array;     /* 0: jsonio_set on an object, 1: jsonio_append */
	int container; /* 0 the right type, 1 NULL, 2 the wrong type */
	int value;     /* 0 a string, 1 NULL, 2 text not UTF-8 */
	int ok;
	const char *why;
};

static const struct build_row build_rows[] = {
    {0, 0, 0, 1, NULL},
    {0, 0, 1, 0, "not UTF-8"},
    {0, 0, 2, 0, "not UTF-8"},
    {0, 1, 0, 0, "cannot record \"k\""},
    {0, 2, 0, 0, "cannot record \"k\""},
    {1, 0, 0, 1, NULL},
    {1, 0, 1, 0, "not UTF-8"},
    {1, 0, 2, 0, "not UTF-8"},
    {1, 1, 0, 0, "cannot record a list entry"},
    {1, 2, 0, 0, "cannot record a list entry"},
};

START_TEST(test_build_checked)
{
	const struct build_row *r = &build_rows[_i];
	struct err e = ERR_INIT;
	json_t *c = NULL, *v = NULL;
	int rc;

	if (r->container == 0)
		c = r->array ? json_array() : json_object();
	else if (r->container == 2)
		c = r->array ? json_object() : json_array();
	if (r->value == 0)
		v = json_string("x");
	else if (r->value == 2)
		v = json_string("a\xff");
	rc = r->array ? jsonio_append(c, v, &e) : jsonio_set(c, "k", v, &e);
	if (r->ok) {
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(e.code, 0);
		ck_assert_uint_eq(
		    r->array ? json_array_size(c) : json_object_size(c), 1);
	} else {
		ck_assert_int_eq(rc, -EXIT_UNDECIDED);
		ck_assert_int_eq(e.code, EXIT_UNDECIDED);
		ck_assert_msg(strstr(e.msg, r->why) != NULL, "\"%s\" lacks %s",
			      e.msg, r->why);
		ck_assert_uint_eq(json_is_array(c) ? json_array_size(c)
						   : json_object_size(c),
				  0);
	}
	json_decref(c);
}
END_TEST

/* SPEC-STM-6: bytes outside valid UTF-8 become %XX; valid text stays. */
struct uri_row {
	const char *in, *out;
};

static const struct uri_row uri_rows[] = {
    {"git+https://h/r.git@refs/heads/main",
     "git+https://h/r.git@refs/heads/main"},
    {"https://h/r\xffx.git", "https://h/r%FFx.git"},
    {"https://h/a%20b", "https://h/a%20b"},
    {"https://h/\xc3\xa9", "https://h/\xc3\xa9"},	      /* U+00E9 */
    {"https://h/\xc3", "https://h/%C3"},		      /* truncated */
    {"https://h/\xc0\xaf", "https://h/%C0%AF"},		      /* overlong '/' */
    {"https://h/\xed\xa0\x80", "https://h/%ED%A0%80"},	      /* surrogate */
    {"https://h/\xf4\x90\x80\x80", "https://h/%F4%90%80%80"}, /* >U+10FFFF */
    {"https://h/\xf0\x9f\x98\x80", "https://h/\xf0\x9f\x98\x80"}, /* U+1F600 */
    {"\x80", "%80"},
    {"", ""},
};

START_TEST(test_uri_escape)
{
	const struct uri_row *r = &uri_rows[_i];
	json_t *v = jsonio_uri(r->in);

	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(json_string_value(v), r->out);
	/* Exactly the valid UTF-8 inputs come out unchanged. */
	ck_assert_int_eq(jsonio_is_utf8(r->in), strcmp(r->in, r->out) == 0);
	ck_assert_int_eq(jsonio_is_utf8(r->out), 1);
	json_decref(v);
}
END_TEST

static Suite *
statement_suite(void)
{
	Suite *s = suite_create("statement");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_good, 0,
			    sizeof(stm_rows) / sizeof(stm_rows[0]));
	tcase_add_loop_test(tc, test_bad, 0,
			    sizeof(stm_rows) / sizeof(stm_rows[0]));
	tcase_add_loop_test(tc, test_check_bad, 0,
			    sizeof(stm_rows) / sizeof(stm_rows[0]));
	tcase_add_test(tc, test_accessors);
	tcase_add_test(tc, test_predicate_unset);
	tcase_add_test(tc, test_generated_statement);
	tcase_add_loop_test(tc, test_build_checked, 0,
			    sizeof(build_rows) / sizeof(build_rows[0]));
	tcase_add_loop_test(tc, test_uri_escape, 0,
			    sizeof(uri_rows) / sizeof(uri_rows[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(statement_suite());
}

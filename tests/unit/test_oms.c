/*
 * predicates/oms: the OMS v1.0 spec's valid_key payload parses; each
 * mutation of it (hostile names, bad serialization, wrong predicateType,
 * wrong root) is refused; the root is accepted in either order and no
 * other; shard names split at the last two colons.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/b64.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/jsonio.h"
#include "predicates/oms.h"
#include "tests/unit/testutil.h"

/* The decoded payload of an OMS spec bundle. */
static json_t *
spec_payload(const char *name)
{
	unsigned char *text, *body;
	const char *payload;
	json_t *b, *st;
	size_t len, blen;

	text = testutil_vector(name, &len);
	ck_assert_int_eq(jsonio_load_object(&b, text, len, name, NULL), 0);
	payload = json_string_value(
	    json_object_get(json_object_get(b, "dsseEnvelope"), "payload"));
	ck_assert_int_eq(
	    b64_decode(&body, &blen, payload, strlen(payload), "payload", NULL),
	    0);
	ck_assert_int_eq(jsonio_load_object(&st, body, blen, name, NULL), 0);
	free(body);
	free(text);
	json_decref(b);
	return st;
}

START_TEST(test_valid_key)
{
	json_t *st = spec_payload("oms-spec-v1.0/valid_key.bundle.json");
	struct oms_signed *s = NULL;
	struct err e = ERR_INIT;

	ck_assert_msg(oms_signed_parse(&s, st, "v", &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(oms_signed_count(s), 2);
	ck_assert_int_eq(oms_signed_find(s, "signme-2"), 1);
	ck_assert_int_eq(oms_signed_find(s, "ignore-me"), -1);
	ck_assert_uint_eq(oms_signed_serialization(s)->n_ignore, 5);
	oms_signed_free(s);
	json_decref(st);
}
END_TEST

START_TEST(test_wrong_predicate)
{
	json_t *st = spec_payload(
	    "oms-spec-v1.0/invalid-payload_wrong-predicate.bundle.json");
	struct oms_signed *s = NULL;
	struct err e = ERR_INIT;

	ck_assert_int_eq(oms_signed_parse(&s, st, "v", &e), -EXIT_REJECTED);
	ck_assert_ptr_nonnull(strstr(e.msg, "predicateType"));
	json_decref(st);
}
END_TEST

struct bad_row {
	const char *path;  /* "r0.name", "ser.KEY", "subject", "top.KEY" */
	const char *value; /* JSON */
	const char *why;
};

static const struct bad_row bad_rows[] = {
    {"r0.name", "\"../x\"", "component"},
    {"r0.name", "\"/etc/passwd\"", "absolute"},
    {"r0.name", "\"\"", "empty"},
    {"r0.name", "\"signme-2\"", "twice"},
    {"r0.name", "\"a/./b\"", "component"},
    {"r0.name", "\"a\\u0001b\"", "control"},
    {"r0.name", "\".\"", "component"},
    {"r0.name", "7", "no name"},
    {"r0.digest", "\"bc9a\"", "hex"},
    {"r0.digest", "{\"sha256\":\"00\"}", "hex"},
    {"r0.algorithm", "\"blake3\"", "algorithm"},
    {"r0.extra", "1", "extra"},
    {"ser.hash_type", "\"blake2b\"", "hash_type"},
    {"ser.method", "\"shards\"", "shard_size"},
    {"ser.shard_size", "10", "method"},
    {"ser.allow_symlinks", "\"yes\"", "boolean"},
    {"ser.ignore_paths", "[\"../up\"]", "ignore_paths"},
    {"ser.ignore_paths", "[\"/abs\"]", "ignore_paths"},
    {"ser.ignore_paths", "[\"\"]", "ignore_paths"},
    {"ser.ignore_paths", "\"x\"", "ignore_paths"},
    {"subject", "[]", "one subject"},
    {"root", "\"00\"", "one subject"},
    {"root",
     "\"0000000000000000000000000000000000000000000000000000000000000000\"",
     "either order"},
    {"top.predicateType", "\"https://model_signing/Digests/v0.1\"",
     "predicateType"},
    {"top.predicate", "{\"resources\":[]}", "serialization"},
};

START_TEST(test_bad)
{
	const struct bad_row *r = &bad_rows[_i];
	json_t *st = spec_payload("oms-spec-v1.0/valid_key.bundle.json");
	json_t *pred = json_object_get(st, "predicate");
	json_t *v = json_loads(r->value, JSON_DECODE_ANY, NULL);
	struct oms_signed *s = NULL;
	struct err e = ERR_INIT;

	ck_assert_ptr_nonnull(v);
	if (strncmp(r->path, "r0.", 3) == 0)
		json_object_set_new(
		    json_array_get(json_object_get(pred, "resources"), 0),
		    r->path + 3, v);
	else if (strncmp(r->path, "ser.", 4) == 0)
		json_object_set_new(json_object_get(pred, "serialization"),
				    r->path + 4, v);
	else if (strcmp(r->path, "subject") == 0)
		json_object_set_new(st, "subject", v);
	else if (strcmp(r->path, "root") == 0)
		json_object_set_new(
		    json_object_get(
			json_array_get(json_object_get(st, "subject"), 0),
			"digest"),
		    "sha256", v);
	else
		json_object_set_new(st, r->path + 4, v);
	ck_assert_int_lt(oms_signed_parse(&s, st, "v", &e), 0);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(e.msg, r->why) != NULL, "row %d: %s", _i, e.msg);
	json_decref(st);
}
END_TEST

/* A statement over names in the given order, its root in that order. */
static json_t *
ordered(const char *const *names, size_t n, const char *method)
{
	unsigned char cat[32 * 8], root[32];
	char hex[65];
	json_t *res = json_array(), *st;
	size_t i;

	for (i = 0; i < n; i++) {
		ck_assert_int_eq(
		    hash_sha256(cat + 32 * i, names[i], strlen(names[i]), NULL),
		    0);
		hex_encode(hex, cat + 32 * i, 32);
		json_array_append_new(res, json_pack("{s:s,s:s,s:s}", "name",
						     names[i], "algorithm",
						     "sha256", "digest", hex));
	}
	ck_assert_int_eq(hash_sha256(root, cat, 32 * n, NULL), 0);
	hex_encode(hex, root, 32);
	st = json_pack("{s:s,s:[{s:s,s:{s:s}}],s:s,s:{s:o,s:{s:s,s:s,s:b}}}",
		       "_type", "https://in-toto.io/Statement/v1", "subject",
		       "name", "m", "digest", "sha256", hex, "predicateType",
		       OMS_PREDICATE_TYPE, "predicate", "resources", res,
		       "serialization", "method", method, "hash_type", "sha256",
		       "allow_symlinks", 0);
	if (strcmp(method, "shards") == 0)
		json_object_set_new(
		    json_object_get(json_object_get(st, "predicate"),
				    "serialization"),
		    "shard_size", json_integer(5));
	return st;
}

struct order_row {
	const char *names[4];
	size_t n;
	const char *method;
	int want; /* -1 refused, else the enum digest_order */
};

static const struct order_row order_rows[] = {
    {{"a/b", "a-b", "a.b"}, 3, "files", DIGEST_ORDER_PATH},
    {{"a-b", "a.b", "a/b"}, 3, "files", DIGEST_ORDER_NAME},
    {{"a.b", "a-b", "a/b"}, 3, "files", -1},
    {{"a/b", "a/b/c"}, 2, "files", DIGEST_ORDER_PATH},
    {{"f:0:5", "f:5:10", "f:10:12"}, 3, "shards", DIGEST_ORDER_PATH},
    {{"f:0:5", "f:10:12", "f:5:10"}, 3, "shards", DIGEST_ORDER_NAME},
    {{"f:5:10", "f:0:5", "f:10:12"}, 3, "shards", -1},
    {{"w:1:2:0:5"}, 1, "shards", DIGEST_ORDER_PATH},
    {{"f:05:10"}, 1, "shards", -1},
    {{"f:5:5"}, 1, "shards", -1},
    {{"f:5"}, 1, "shards", -1},
    {{"../f:0:5"}, 1, "shards", -1},
    {{".:0:5"}, 1, "shards", DIGEST_ORDER_PATH},
    {{"."}, 1, "files", DIGEST_ORDER_PATH},
    {{".", "a"}, 2, "files", -1},
};

START_TEST(test_order)
{
	const struct order_row *r = &order_rows[_i];
	json_t *st = ordered(r->names, r->n, r->method);
	struct oms_signed *s = NULL;
	struct err e = ERR_INIT;
	int rc = oms_signed_parse(&s, st, "v", &e);

	if (r->want < 0) {
		ck_assert_msg(rc < 0, "row %d accepted", _i);
	} else {
		ck_assert_msg(rc == 0, "row %d: %s", _i, e.msg);
		ck_assert_int_eq(oms_signed_order(s), r->want);
	}
	oms_signed_free(s);
	json_decref(st);
}
END_TEST

START_TEST(test_path_len)
{
	ck_assert_uint_eq(oms_name_path_len("w:1:2:0:5", 1), 5);
	ck_assert_uint_eq(oms_name_path_len("w:1:2:0:5", 0), 9);
	ck_assert_uint_eq(oms_name_path_len("plain", 1), 5);
}
END_TEST

/* SPEC-OMS-9: which file paths a shard-mode signature lists. */
static const struct {
	const char *path;
	int listed;
} lists_rows[] = {
    {"w", 1},	  {"w:1:2", 1}, {"a/b", 1}, {"w:1", 0},	    {"a", 0},
    {"a/b/c", 0}, {"x", 0},	{"", 0},    {"w:1:2:0", 0},
};

START_TEST(test_lists_path)
{
	static const char *const names[] = {"a/b:0:5", "w:0:5", "w:1:2:0:5",
					    "w:5:10"};
	json_t *st = ordered(names, 4, "shards");
	struct oms_signed *s = NULL;
	struct err e = ERR_INIT;
	size_t i;

	ck_assert_msg(oms_signed_parse(&s, st, "v", &e) == 0, "%s", e.msg);
	for (i = 0; i < sizeof(lists_rows) / sizeof(lists_rows[0]); i++)
		ck_assert_msg(
		    oms_signed_lists_path(s, lists_rows[i].path,
					  strlen(lists_rows[i].path)) ==
			lists_rows[i].listed,
		    "%s", lists_rows[i].path);
	oms_signed_free(s);
	json_decref(st);
}
END_TEST

static Suite *
oms_suite(void)
{
	Suite *s = suite_create("oms");
	TCase *tc = tcase_create("predicate");

	tcase_add_test(tc, test_valid_key);
	tcase_add_test(tc, test_wrong_predicate);
	tcase_add_loop_test(tc, test_bad, 0,
			    sizeof(bad_rows) / sizeof(bad_rows[0]));
	tcase_add_loop_test(tc, test_order, 0,
			    sizeof(order_rows) / sizeof(order_rows[0]));
	tcase_add_test(tc, test_path_len);
	tcase_add_test(tc, test_lists_path);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(oms_suite());
}

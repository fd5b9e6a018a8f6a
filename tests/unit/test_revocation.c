/*
 * predicates/revocation: a valid list passes and each tampered twin of it
 * (unknown member at any level, bad times, serial, digests, repeats) is
 * refused; build, add, find and remove agree with the check.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonio.h"
#include "predicates/revocation.h"
#include "tests/unit/testutil.h"

#define H64A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define H64B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define H64E "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"

static const char *const valid =
    "{\"issuer\":{\"keyid\":\"" H64A "\"},\"serial\":3,"
    "\"issuedOn\":\"2026-12-03T18:00:00Z\","
    "\"nextUpdate\":\"2026-12-04T18:00:00Z\","
    "\"entries\":[{\"digest\":{\"sha256\":\"" H64B "\"},\"name\":\"d/\","
    "\"reason\":\"poisoned\",\"revokedOn\":\"2026-12-03T18:00:00Z\"}],"
    "\"keys\":[{\"keyid\":\"" H64E "\",\"since\":\"2026-12-01T00:00:00Z\","
    "\"reason\":\"stolen\",\"revokedOn\":\"2026-12-03T18:00:00Z\"}]}";

static json_t *
load(const char *text)
{
	json_t *o = NULL;

	ck_assert_int_eq(jsonio_load_object(&o, text, strlen(text), "t", NULL),
			 0);
	return o;
}

static const struct {
	const char *what, *path, *member, *value; /* value: JSON text */
} bad_rows[] = {
    {"unknown top-level member", NULL, "extra", "1"},
    {"unknown entry member", "entries", "note", "\"x\""},
    {"unknown key member", "keys", "publicKey", "\"x\""},
    {"unknown issuer member", "issuer", "name", "\"x\""},
    {"serial zero", NULL, "serial", "0"},
    {"serial real", NULL, "serial", "3.0"},
    {"serial over 2^53", NULL, "serial", "9007199254740992"},
    {"serial string", NULL, "serial", "\"3\""},
    {"issuedOn not RFC 3339", NULL, "issuedOn", "\"yesterday\""},
    {"nextUpdate before issuedOn", NULL, "nextUpdate",
     "\"2026-12-02T18:00:00Z\""},
    {"nextUpdate equal to issuedOn", NULL, "nextUpdate",
     "\"2026-12-03T18:00:00Z\""},
    {"short issuer keyid", "issuer", "keyid", "\"abc\""},
    {"entries not an array", NULL, "entries", "{}"},
    {"keys missing (null)", NULL, "keys", "null"},
    {"entry digest empty", "entries", "digest", "{}"},
    {"entry digest not hex", "entries", "digest", "{\"sha256\":\"xyz\"}"},
    {"entry digest bad alg", "entries", "digest", "{\"sha-256\":\"ab\"}"},
    {"entry without reason (null)", "entries", "reason", "null"},
    {"entry revokedOn bad", "entries", "revokedOn", "\"2026-13-01T00:00:00Z\""},
    {"key since bad", "keys", "since", "\"soon\""},
    {"key keyid short", "keys", "keyid", "\"ee\""},
};

/* The valid list with one member replaced (in the first array element
 * when path names an array). */
START_TEST(test_bad)
{
	json_t *o = load(valid), *v = NULL, *at = o;
	struct err e = ERR_INIT;

	if (bad_rows[_i].path != NULL) {
		at = json_object_get(o, bad_rows[_i].path);
		if (json_is_array(at))
			at = json_array_get(at, 0);
	}
	v = json_loads(bad_rows[_i].value, JSON_DECODE_ANY, NULL);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(json_object_set_new(at, bad_rows[_i].member, v), 0);
	ck_assert_msg(pred_revocation_check(o, "t", NULL, &e) == -EXIT_REJECTED,
		      "%s accepted", bad_rows[_i].what);
	ck_assert_str_ne(e.msg, "");
	json_decref(o);
}
END_TEST

START_TEST(test_valid)
{
	struct revocation_info info;
	struct err e = ERR_INIT;
	json_t *o = load(valid), *d = load("{\"sha256\":\"" H64B "\"}");

	ck_assert_msg(pred_revocation_check(o, "t", &info, &e) == 0, "%s",
		      e.msg);
	ck_assert_int_eq(info.serial, 3);
	ck_assert_uint_eq(info.nentries, 1);
	ck_assert_uint_eq(info.nkeys, 1);
	ck_assert_ptr_nonnull(pred_revocation_find(o, d));
	ck_assert_ptr_nonnull(pred_revocation_find_key(o, H64E));
	ck_assert_ptr_null(pred_revocation_find_key(o, H64B));
	json_decref(d);
	json_decref(o);
}
END_TEST

START_TEST(test_repeat)
{
	json_t *o = load(valid);
	struct err e = ERR_INIT;
	json_t *dup =
	    json_deep_copy(json_array_get(json_object_get(o, "entries"), 0));

	ck_assert_int_eq(
	    json_array_append_new(json_object_get(o, "entries"), dup), 0);
	ck_assert_int_eq(pred_revocation_check(o, "t", NULL, &e),
			 -EXIT_REJECTED);
	ck_assert_ptr_nonnull(strstr(e.msg, "twice"));
	json_decref(o);
}
END_TEST

START_TEST(test_build)
{
	json_t *p = NULL, *d = load("{\"sha256\":\"" H64B "\"}");
	struct err e = ERR_INIT;

	ck_assert_int_eq(pred_revocation_new(&p, H64A, 1, 1000, 2000, &e), 0);
	ck_assert_int_eq(pred_revocation_check(p, "t", NULL, &e), 0);
	ck_assert_int_eq(pred_revocation_add(p, d, "x", "why", 1000, &e), 0);
	ck_assert_int_eq(pred_revocation_add(p, d, NULL, "again", 1000, &e), 0);
	ck_assert_int_eq(pred_revocation_add_key(p, H64E, 500, "k", 1000, &e),
			 0);
	ck_assert_msg(pred_revocation_check(p, "t", NULL, &e) == 0, "%s",
		      e.msg);
	ck_assert_uint_eq(json_array_size(json_object_get(p, "entries")), 1);
	ck_assert_uint_eq(pred_revocation_remove(p, H64B), 1);
	ck_assert_uint_eq(pred_revocation_remove(p, H64E), 1);
	ck_assert_uint_eq(pred_revocation_remove(p, H64E), 0);
	ck_assert_ptr_null(pred_revocation_find(p, d));
	json_decref(d);
	json_decref(p);
}
END_TEST

START_TEST(test_ceiling)
{
	json_t *p = NULL, *entries, *ent;
	struct err e = ERR_INIT;
	char hex[65];
	size_t i;

	ck_assert_int_eq(pred_revocation_new(&p, H64A, 1, 1000, 2000, &e), 0);
	entries = json_object_get(p, "entries");
	for (i = 0; i <= REVOCATION_MAX_ENTRIES; i++) {
		snprintf(hex, sizeof(hex), "%064zx", i);
		ent = json_pack("{s:{s:s}, s:s, s:s}", "digest", "sha256", hex,
				"reason", "r", "revokedOn",
				"2026-12-03T18:00:00Z");
		ck_assert_int_eq(json_array_append_new(entries, ent), 0);
	}
	ck_assert_int_eq(pred_revocation_check(p, "t", NULL, &e),
			 -EXIT_REJECTED);
	ck_assert_int_eq(json_array_remove(entries, 0), 0);
	ck_assert_msg(pred_revocation_check(p, "t", NULL, &e) == 0, "%s",
		      e.msg);
	json_decref(p);
}
END_TEST

static Suite *
revocation_suite(void)
{
	Suite *s = suite_create("revocation");
	TCase *tc = tcase_create("predicate");

	tcase_add_test(tc, test_valid);
	tcase_add_loop_test(tc, test_bad, 0,
			    sizeof(bad_rows) / sizeof(bad_rows[0]));
	tcase_add_test(tc, test_repeat);
	tcase_add_test(tc, test_build);
	tcase_add_test(tc, test_ceiling);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(revocation_suite());
}

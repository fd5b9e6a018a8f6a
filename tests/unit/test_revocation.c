/*
 * predicates/revocation: a valid list passes and each tampered twin of it
 * (unknown member at any level, bad times, serial, digests, repeats) is
 * refused; build, add, find and remove agree with the check.
 * verify/revocation: which signed lists count (a revocation signer's, the
 * highest serial) and when they are fresh, each accept row with a twin;
 * lookups; a revoked key's marks dropped unless a timestamp predates its
 * since.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys/key.h"
#include "keys/envelope.h"
#include "keys/keyset.h"
#include "lib/bundle.h"
#include "lib/dsse.h"
#include "lib/ids.h"
#include "lib/jsonio.h"
#include "predicates/revocation.h"
#include "predicates/types.h"
#include "tests/unit/testutil.h"
#include "verify/evidence.h"
#include "verify/policy.h"
#include "verify/revocation.h"

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
load_text(const char *text)
{
	json_t *o = NULL;

	ck_assert_int_eq(jsonio_load_object(&o, text, strlen(text), "t", NULL),
			 0);
	return o;
}

static json_t *
load_digest(const char *hex)
{
	return json_pack("{s:s}", "sha256", hex);
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
	json_t *o = load_text(valid), *v = NULL, *at = o;
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
	json_t *o = load_text(valid),
	       *d = load_text("{\"sha256\":\"" H64B "\"}");

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
	json_t *o = load_text(valid);
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
	json_t *p = NULL, *d = load_text("{\"sha256\":\"" H64B "\"}");
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

/* ---- verify/revocation ---- */

enum { STEWARD, ALICE, MALLORY, NWHO };
static const char *const who_names[NWHO] = {"steward", "alice", "mallory"};
static struct key *keys[NWHO];
static struct policy *pol;
static char *dir;

/* mallory is no key of the policy. */
static const char policy_text[] =
    "{\"policyVersion\": 1,"
    " \"keys\": {\"steward\": {\"publicKey\": \"steward.pub\"},"
    "  \"alice\": {\"publicKey\": \"alice.pub\"}},"
    " \"approval\": {\"stage\": \"production\", \"signers\": [\"alice\"]},"
    " \"revocation\": {\"signers\": [\"steward\"], \"maxAge\": \"24h\"}}";

static void
setup(void)
{
	struct err e = ERR_INIT;
	size_t i, len;
	char name[64], *path, *pem;

	dir = testutil_tmpdir();
	for (i = 0; i < NWHO; i++) {
		ck_assert_int_eq(key_generate(&keys[i], KEY_ED25519, &e), 0);
		ck_assert_int_eq(key_public_pem(&pem, &len, keys[i], &e), 0);
		snprintf(name, sizeof(name), "%s.pub", who_names[i]);
		path = testutil_join(dir, name);
		testutil_put(path, pem, len, 0644);
		free(path);
		free(pem);
	}
	path = testutil_join(dir, "policy.json");
	testutil_put(path, policy_text, strlen(policy_text), 0644);
	ck_assert_msg(policy_load(&pol, path, &e) == 0, "%s", e.msg);
	free(path);
}

static void
teardown(void)
{
	size_t i;

	policy_free(pol);
	for (i = 0; i < NWHO; i++)
		key_free(keys[i]);
	testutil_rmtree(dir);
	free(dir);
}

/* One list: signer, serial, issued and due (hours from now), what it
 * revokes (a digest, a key of ALICE when key is set). */
struct list_def {
	int who;
	long long serial;
	int issued_h, due_h;
	const char *digest; /* NULL: none */
	int key;
};

static void
add_signed(struct bundle *b, size_t line, int who, json_t *st)
{
	struct dsse_envelope *env = NULL;
	struct err e = ERR_INIT;
	char *body = NULL, *text = NULL, src[32];
	size_t len, tlen;
	json_t *j;

	ck_assert_int_eq(jsonio_dump(&body, &len, st, JSONIO_FLAGS, &e), 0);
	ck_assert_int_eq(envelope_sign(&env, DSSE_INTOTO_TYPE,
				       (const unsigned char *)body, len,
				       keys[who], &e),
			 0);
	j = dsse_to_json(env);
	ck_assert_int_eq(jsonio_dump(&text, &tlen, j, JSONIO_FLAGS, &e), 0);
	snprintf(src, sizeof(src), "ev.jsonl:%zu", line);
	ck_assert_int_eq(bundle_add_object(b, src, text, tlen, &e), 0);
	free(text);
	free(body);
	json_decref(j);
	dsse_free(env);
	json_decref(st);
}

static void
add_list(struct bundle *b, size_t line, const struct list_def *l)
{
	struct err e = ERR_INIT;
	time_t now = time(NULL);
	json_t *pred = NULL, *d;

	ck_assert_int_eq(pred_revocation_new(&pred, key_id(keys[l->who]),
					     l->serial,
					     now + l->issued_h * 3600,
					     now + l->due_h * 3600, &e),
			 0);
	if (l->digest != NULL) {
		d = json_pack("{s:s}", "sha256", l->digest);
		ck_assert_int_eq(
		    pred_revocation_add(pred, d, NULL, "poisoned", now, &e), 0);
		json_decref(d);
	}
	if (l->key)
		ck_assert_int_eq(
		    pred_revocation_add_key(pred, key_id(keys[ALICE]),
					    now - 3600, "stolen", now, &e),
		    0);
	add_signed(b, line, l->who,
		   json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:o}", "_type",
			     "https://in-toto.io/Statement/v1", "subject",
			     "name", REVOCATION_SUBJECT, "digest", "sha256",
			     key_id(keys[l->who]), "predicateType",
			     PRED_REVOCATION, "predicate", pred));
}

struct fresh_row {
	const char *name;
	struct list_def lists[3]; /* serial 0 ends */
	int fresh;
	const char *why; /* the reason contains this ("" when fresh) */
};

static const struct fresh_row fresh_rows[] = {
    {"a fresh list by the steward", {{STEWARD, 1, 0, 24, NULL, 0}}, 1, ""},
    {"twin: no list", {{0, 0, 0, 0, NULL, 0}}, 0, "no revocation list"},
    {"twin: a list by a key the policy does not name",
     {{MALLORY, 1, 0, 24, NULL, 0}},
     0,
     "no revocation list signed by a revocation key"},
    {"twin: a list by a policy key that is no revocation signer",
     {{ALICE, 1, 0, 24, NULL, 0}},
     0,
     "no revocation list signed by a revocation key"},
    {"twin: older than revocation.maxAge",
     {{STEWARD, 1, -48, 24, NULL, 0}},
     0,
     "serial 1 is older than revocation.maxAge"},
    {"twin: past its nextUpdate",
     {{STEWARD, 1, -2, -1, NULL, 0}},
     0,
     "serial 1 is past its nextUpdate"},
    {"twin: dated in the future",
     {{STEWARD, 1, 2, 24, NULL, 0}},
     0,
     "serial 1 is dated in the future"},
    {"a stale list replaced by a fresh one",
     {{STEWARD, 1, -48, -24, NULL, 0}, {STEWARD, 2, 0, 24, NULL, 0}},
     1,
     ""},
    {"twin: a fresh list replaced by a stale one",
     {{STEWARD, 2, -48, -24, NULL, 0}, {STEWARD, 1, 0, 24, NULL, 0}},
     0,
     "serial 2 is older"},
    {"twin: two different lists of one serial",
     {{STEWARD, 3, 0, 24, NULL, 0}, {STEWARD, 3, 0, 24, "ab", 0}},
     0,
     "carry serial 3"},
};

static void
load(struct evidence *ev, struct revocations **r, const struct list_def *l,
     size_t n)
{
	struct bundle *b = NULL;
	struct err e = ERR_INIT;
	size_t i;

	ck_assert_int_eq(bundle_new(&b, &e), 0);
	for (i = 0; i < n && l[i].serial != 0; i++)
		add_list(b, i + 1, &l[i]);
	/* An approval by alice, for the key rows. */
	add_signed(b, i + 1, ALICE,
		   json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:{s:s, s:s, "
			     "s:s}}",
			     "_type", "https://in-toto.io/Statement/v1",
			     "subject", "name", "m", "digest", "sha256", H64B,
			     "predicateType", PRED_APPROVAL, "predicate",
			     "stage", "production", "decision", "approve",
			     "approvedOn", "2026-01-01T00:00:00Z"));
	memset(ev, 0, sizeof(*ev));
	ck_assert_int_eq(evidence_add_bundle(ev, b, pol->ks, &e), 0);
	ck_assert_int_eq(evidence_finish(ev, &e), 0);
	bundle_free(b);
	ck_assert_msg(revocations_collect(r, pol, ev, &e) == 0, "%s", e.msg);
}

START_TEST(test_fresh)
{
	const struct fresh_row *row = &fresh_rows[_i];
	struct revocations *r = NULL;
	struct evidence ev;
	char why[600] = "";

	load(&ev, &r, row->lists, 3);
	ck_assert_msg(revocations_fresh(r, pol, &ev, time(NULL), why,
					sizeof(why)) == row->fresh,
		      "%s: %s", row->name, why);
	ck_assert_msg(strstr(why, row->why) != NULL, "%s: \"%s\"", row->name,
		      why);
	revocations_free(r);
	evidence_clear(&ev);
}
END_TEST

/* The highest serial's entries count, and only a revocation signer's. */
START_TEST(test_find)
{
	static const struct list_def lists[] = {
	    {STEWARD, 1, 0, 24, H64A, 0},
	    {STEWARD, 2, 0, 24, H64E, 0},
	    {MALLORY, 9, 0, 24, H64B, 0},
	};
	struct revocations *r = NULL;
	struct evidence ev;
	json_t *a = load_digest(H64A), *e2 = load_digest(H64E),
	       *b = load_digest(H64B);
	char why[600] = "";

	load(&ev, &r, lists, 3);
	ck_assert_uint_eq(revocations_count(r), 1);
	ck_assert_int_eq(revocations_find(r, &ev, e2, why, sizeof(why)), 1);
	ck_assert_str_eq(why, "revoked by ev.jsonl:2 serial 2: poisoned");
	ck_assert_int_eq(revocations_find(r, &ev, a, why, sizeof(why)), 0);
	ck_assert_int_eq(revocations_find(r, &ev, b, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(revocations_why_not(r, &ev, 0, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "replaced by ev.jsonl:2 serial 2"));
	json_decref(a);
	json_decref(e2);
	json_decref(b);
	revocations_free(r);
	evidence_clear(&ev);
}
END_TEST

/* SPEC-POL-16: a revoked key's mark goes, unless a timestamp predates
 * its since (an hour ago in these lists). */
START_TEST(test_drop_keys)
{
	static const struct list_def lists[] = {{STEWARD, 1, 0, 24, NULL, 1}};
	struct revocations *r = NULL;
	struct evidence ev;
	char(*why)[200];
	json_t *stamps = json_object();
	char early[RFC3339_LEN + 1], late[RFC3339_LEN + 1];
	size_t i, alice = 0;

	for (i = 0; i < keyset_count(pol->ks); i++)
		if (strcmp(policy_key_name(pol, i), "alice") == 0)
			alice = i;
	ck_assert_str_eq(policy_key_name(pol, alice), "alice");
	ids_rfc3339(early, time(NULL) - 7200);
	ids_rfc3339(late, time(NULL));
	/* A stamp after since keeps nothing. */
	ck_assert_int_eq(
	    json_object_set_new(stamps, "ev.jsonl:2", json_string(late)), 0);
	load(&ev, &r, lists, 1);
	why = calloc(ev.n, sizeof(*why));
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(ev.items[1].signed_by[alice], 1);
	ck_assert_uint_eq(revocations_drop_keys(r, pol, &ev, stamps, why), 1);
	ck_assert_int_eq(ev.items[1].signed_by[alice], 0);
	ck_assert_ptr_nonnull(strstr(why[1], "signed by alice, a key revoked"));
	revocations_free(r);
	evidence_clear(&ev);
	/* Twin: a stamp before since keeps the mark. */
	ck_assert_int_eq(
	    json_object_set_new(stamps, "ev.jsonl:2", json_string(early)), 0);
	load(&ev, &r, lists, 1);
	ck_assert_uint_eq(revocations_drop_keys(r, pol, &ev, stamps, NULL), 0);
	ck_assert_int_eq(ev.items[1].signed_by[alice], 1);
	revocations_free(r);
	evidence_clear(&ev);
	free(why);
	json_decref(stamps);
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
	tc = tcase_create("verify");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_fresh, 0,
			    sizeof(fresh_rows) / sizeof(fresh_rows[0]));
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_drop_keys);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(revocation_suite());
}

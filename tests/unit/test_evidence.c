/*
 * verify/evidence: the one loader. Each row is one entry in (who signed
 * it, its payloadType, its body, whether it was tampered with after
 * signing) and the state and reason out (SPEC-VER-1: decoded, signature,
 * payloadType, statement); every accept row has a tampered twin. Then the
 * loader over bundles: counts, per-entry states, the subject index, and
 * the registry sources refused before any request.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/envelope.h"
#include "keys/keyset.h"
#include "lib/bundle.h"
#include "lib/dsse.h"
#include "lib/jsonio.h"
#include "lib/statement.h"
#include "tests/unit/testutil.h"
#include "verify/evidence.h"
#include "verify/keyless.h"

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define STMT(hex)                                                              \
	"{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{"        \
	"\"name\":\"m\",\"digest\":{\"sha256\":\"" hex "\"}}],"                \
	"\"predicateType\":\"https://example.com/p/v1\",\"predicate\":{}}"
#define NOT_STMT "{\"_type\":\"https://in-toto.io/Statement/v1\"}"
#define OTHER_TYPE "application/json"

/* Keys 0 and 1 are trusted (in that order); 2 is not. */
enum { K_A, K_B, K_UNTRUSTED, NKEYS };
static struct key *keys[NKEYS];
static struct keyset *trusted;

static void
setup(void)
{
	struct err e = ERR_INIT;
	size_t i;

	for (i = 0; i < NKEYS; i++)
		ck_assert_msg(key_generate(&keys[i], KEY_ED25519, &e) == 0,
			      "%s", e.msg);
	ck_assert_int_eq(keyset_new(&trusted, &e), 0);
	/* The set owns its keys: each gets its own public copy. */
	for (i = 0; i < K_UNTRUSTED; i++) {
		struct key *pub = NULL;
		char *pem = NULL;
		size_t len;
		ck_assert_int_eq(key_public_pem(&pem, &len, keys[i], &e), 0);
		ck_assert_int_eq(key_load_public_pem(&pub, pem, len, "k", &e),
				 0);
		ck_assert_int_eq(keyset_add(trusted, pub, &e), 0);
		free(pem);
	}
}

static void
teardown(void)
{
	size_t i;

	keyset_free(trusted);
	for (i = 0; i < NKEYS; i++)
		key_free(keys[i]);
}

/*
 * Adds to b one envelope of (type, body) signed by keys[signer]; when
 * swap is set the payload is replaced by swap after signing (the
 * signature kept), as an attacker editing a signed entry would.
 */
static void
add_signed(struct bundle *b, const char *src, int signer, const char *type,
	   const char *body, const char *swap)
{
	struct dsse_envelope *env = NULL, *forged = NULL;
	struct err e = ERR_INIT;
	char *text = NULL;
	size_t len;
	json_t *j;

	ck_assert_msg(envelope_sign(&env, type, (const unsigned char *)body,
				    strlen(body), keys[signer], &e) == 0,
		      "%s", e.msg);
	if (swap != NULL) {
		const unsigned char *sig = dsse_sig(env, 0, &len);
		ck_assert_int_eq(dsse_new(&forged, type,
					  (const unsigned char *)swap,
					  strlen(swap), &e),
				 0);
		ck_assert_int_eq(
		    dsse_add_sig(forged, dsse_keyid(env, 0), sig, len, &e), 0);
		dsse_free(env);
		env = forged;
	}
	j = dsse_to_json(env);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(jsonio_dump(&text, &len, j, JSONIO_FLAGS, &e), 0);
	ck_assert_int_eq(bundle_add_object(b, src, text, len, &e), 0);
	free(text);
	json_decref(j);
	dsse_free(env);
}

struct entry_row {
	const char *name;
	int signer;
	const char *type, *body, *swap; /* swap: tampered after signing */
	int with_keys;			/* 0: no keyset (report, no --key) */
	enum evidence_mode mode;
	enum evidence_state state;
	enum evidence_why why;
	int key;	    /* the signer's index when verified, else -1 */
	const char *reason; /* in the reason, or "" for none */
};

#define NO_KEY_MSG "e.jsonl:1: no signature verifies under a trusted key"

static const struct entry_row entry_rows[] = {
    {"signed by the first trusted key", K_A, DSSE_INTOTO_TYPE, STMT(HEX_A),
     NULL, 1, EVIDENCE_ALL_SIGNERS, EVIDENCE_VERIFIED, EVIDENCE_WHY_NONE, 0,
     ""},
    {"twin: its payload edited after signing", K_A, DSSE_INTOTO_TYPE,
     STMT(HEX_A), STMT(HEX_B), 1, EVIDENCE_ALL_SIGNERS, EVIDENCE_NOT_COUNTED,
     EVIDENCE_WHY_NO_KEY, -1, NO_KEY_MSG},
    {"signed by the second trusted key", K_B, DSSE_INTOTO_TYPE, STMT(HEX_A),
     NULL, 1, EVIDENCE_ALL_SIGNERS, EVIDENCE_VERIFIED, EVIDENCE_WHY_NONE, 1,
     ""},
    {"twin: signed by a key not in the set", K_UNTRUSTED, DSSE_INTOTO_TYPE,
     STMT(HEX_A), NULL, 1, EVIDENCE_ALL_SIGNERS, EVIDENCE_NOT_COUNTED,
     EVIDENCE_WHY_NO_KEY, -1, NO_KEY_MSG},
    {"first signer mode", K_B, DSSE_INTOTO_TYPE, STMT(HEX_A), NULL, 1,
     EVIDENCE_FIRST_SIGNER, EVIDENCE_VERIFIED, EVIDENCE_WHY_NONE, 1, ""},
    {"twin: first signer mode, payload edited", K_B, DSSE_INTOTO_TYPE,
     STMT(HEX_A), STMT(HEX_B), 1, EVIDENCE_FIRST_SIGNER, EVIDENCE_NOT_COUNTED,
     EVIDENCE_WHY_NO_KEY, -1, NO_KEY_MSG},
    {"signed, but payloadType is not in-toto", K_A, OTHER_TYPE, STMT(HEX_A),
     NULL, 1, EVIDENCE_ALL_SIGNERS, EVIDENCE_REJECTED,
     EVIDENCE_WHY_PAYLOAD_TYPE, 0,
     "e.jsonl:1: payloadType is not application/vnd.in-toto+json"},
    {"signed, but not a Statement", K_A, DSSE_INTOTO_TYPE, NOT_STMT, NULL, 1,
     EVIDENCE_ALL_SIGNERS, EVIDENCE_REJECTED, EVIDENCE_WHY_STATEMENT, 0,
     "e.jsonl:1: "},
    {"unsigned and not a Statement: the signature decides first", K_UNTRUSTED,
     DSSE_INTOTO_TYPE, NOT_STMT, NULL, 1, EVIDENCE_ALL_SIGNERS,
     EVIDENCE_NOT_COUNTED, EVIDENCE_WHY_NO_KEY, -1, NO_KEY_MSG},
    {"no keys given: parsed, unchecked", K_UNTRUSTED, DSSE_INTOTO_TYPE,
     STMT(HEX_A), NULL, 0, EVIDENCE_ALL_SIGNERS, EVIDENCE_UNCHECKED,
     EVIDENCE_WHY_NONE, -1, ""},
    {"twin: no keys given, payload not a Statement", K_UNTRUSTED,
     DSSE_INTOTO_TYPE, STMT(HEX_A), NOT_STMT, 0, EVIDENCE_ALL_SIGNERS,
     EVIDENCE_REJECTED, EVIDENCE_WHY_STATEMENT, -1, "e.jsonl:1: "},
};

START_TEST(test_entry)
{
	const struct entry_row *r = &entry_rows[_i];
	struct evidence_check chk;
	struct statement *st = NULL;
	struct bundle *b = NULL;
	struct err e = ERR_INIT;

	ck_assert_int_eq(bundle_new(&b, &e), 0);
	add_signed(b, "e.jsonl:1", r->signer, r->type, r->body, r->swap);
	ck_assert_int_eq(evidence_check_entry(&chk, &st, bundle_get(b, 0),
					      r->with_keys ? trusted : NULL,
					      r->mode),
			 0);
	ck_assert_msg(chk.state == r->state, "%s: state %d, want %d", r->name,
		      chk.state, r->state);
	ck_assert_msg(chk.why == r->why, "%s: why %d, want %d", r->name,
		      chk.why, r->why);
	ck_assert_msg(strncmp(chk.err.msg, r->reason, strlen(r->reason)) == 0,
		      "%s: reason \"%s\", want \"%s\"", r->name, chk.err.msg,
		      r->reason);
	if (r->reason[0] == '\0')
		ck_assert_str_eq(chk.err.msg, "");
	else
		ck_assert_int_eq(chk.err.code, EXIT_REJECTED);
	if (r->key >= 0) {
		ck_assert_int_eq(chk.signer.by, EVIDENCE_BY_KEY);
		ck_assert_int_eq(chk.signer.key, r->key);
		ck_assert_ptr_eq(chk.signer.k, keyset_get(trusted, r->key));
		ck_assert_int_eq(chk.signed_by[r->key], 1);
	} else
		ck_assert_int_eq(chk.signer.by, EVIDENCE_BY_NONE);
	/* A statement only for verified (or, without keys, unchecked). */
	ck_assert_int_eq(st != NULL, chk.state == EVIDENCE_VERIFIED ||
					 chk.state == EVIDENCE_UNCHECKED);
	statement_free(st);
	bundle_free(b);
}
END_TEST

/* A line that is no envelope is rejected as undecodable, whatever keys. */
START_TEST(test_entry_undecodable)
{
	struct evidence_check chk;
	struct statement *st = (struct statement *)1;
	struct bundle *b = NULL;
	struct err e = ERR_INIT;

	ck_assert_int_eq(bundle_new(&b, &e), 0);
	ck_assert_int_eq(bundle_add_object(b, "e.jsonl:1", "{\"x\":1}", 7, &e),
			 0);
	evidence_check_entry(&chk, &st, bundle_get(b, 0), trusted,
			     EVIDENCE_ALL_SIGNERS);
	ck_assert_int_eq(chk.state, EVIDENCE_REJECTED);
	ck_assert_int_eq(chk.why, EVIDENCE_WHY_DECODE);
	ck_assert_ptr_null(st);
	ck_assert_str_eq(chk.err.msg, bundle_get(b, 0)->error.msg);
	ck_assert_int_ne(chk.err.code, 0);
	bundle_free(b);
}
END_TEST

/* The loader keeps every entry with its state; only verified are items. */
START_TEST(test_load_states)
{
	static const enum evidence_state want[] = {
	    EVIDENCE_VERIFIED, EVIDENCE_NOT_COUNTED, EVIDENCE_REJECTED,
	    EVIDENCE_REJECTED, EVIDENCE_VERIFIED};
	struct evidence ev;
	struct bundle *b = NULL;
	struct err e = ERR_INIT;
	json_t *about_a = json_pack("{s:s}", "sha256", HEX_A);
	json_t *about_b = json_pack("{s:s}", "sha256", HEX_B);
	size_t *list = NULL, i;

	memset(&ev, 0, sizeof(ev));
	ck_assert_int_eq(bundle_new(&b, &e), 0);
	add_signed(b, "b:1", K_A, DSSE_INTOTO_TYPE, STMT(HEX_A), NULL);
	add_signed(b, "b:2", K_A, DSSE_INTOTO_TYPE, STMT(HEX_A), STMT(HEX_B));
	add_signed(b, "b:3", K_A, OTHER_TYPE, STMT(HEX_A), NULL);
	ck_assert_int_eq(bundle_add_object(b, "b:4", "[]", 2, &e), 0);
	add_signed(b, "b:5", K_B, DSSE_INTOTO_TYPE, STMT(HEX_B), NULL);
	ck_assert_int_eq(evidence_add_bundle(&ev, b, trusted, &e), 0);
	ck_assert_int_eq(evidence_finish(&ev, &e), 0);
	bundle_free(b);
	ck_assert_uint_eq(ev.total, 5);
	ck_assert_uint_eq(ev.nentries, 5);
	ck_assert_uint_eq(ev.n, 2);
	ck_assert_uint_eq(ev.unverified, 1);
	ck_assert_uint_eq(ev.malformed, 2);
	for (i = 0; i < 5; i++)
		ck_assert_msg(ev.entries[i].state == want[i], "entry %zu", i);
	ck_assert_str_eq(ev.entries[4].src, "b:5");
	ck_assert_uint_eq(ev.entries[4].item, 1);
	ck_assert_int_eq(ev.entries[4].signer.key, 1);
	ck_assert_str_eq(ev.entries[0].reason, "");
	ck_assert_str_eq(ev.entries[1].reason,
			 "b:2: no signature verifies under a trusted key");
	ck_assert_str_eq(ev.entries[0].sha256, ev.items[0].sha256);
	ck_assert_uint_eq(evidence_about_list(&ev, about_a, &list), 1);
	ck_assert_str_eq(ev.items[list[0]].src, "b:1");
	free(list);
	ck_assert_uint_eq(evidence_about_list(&ev, about_b, &list), 1);
	ck_assert_str_eq(ev.items[list[0]].src, "b:5");
	ck_assert_int_eq(ev.items[list[0]].signed_by[1], 1);
	ck_assert_int_eq(ev.items[list[0]].signed_by[0], 0);
	free(list);
	json_decref(about_a);
	json_decref(about_b);
	evidence_clear(&ev);
}
END_TEST

struct source_row {
	const char *ref;
	int insecure;
	int code;
	const char *msg;
};

/* Registry sources refused before any request is made. */
static const struct source_row source_rows[] = {
    {"example.com/ml/model@sha256:" HEX_A, 1, EXIT_USAGE,
     "--insecure is only allowed for loopback registries"},
    {"not a reference", 0, EXIT_USAGE, ""},
    {"example.com/ml/model:latest", 0, EXIT_USAGE, ""},
};

START_TEST(test_sources_refused)
{
	const struct source_row *r = &source_rows[_i];
	const char *froms[1];
	struct evidence_sources src;
	struct evidence ev;
	struct err e = ERR_INIT;

	froms[0] = r->ref;
	memset(&src, 0, sizeof(src));
	src.froms = froms;
	src.nfroms = 1;
	src.insecure = r->insecure;
	ck_assert_int_eq(evidence_load_sources(&ev, &src, trusted, &e),
			 -r->code);
	ck_assert_int_eq(e.code, r->code);
	ck_assert_msg(strstr(e.msg, r->msg) != NULL, "%s", e.msg);
	ck_assert_ptr_null(ev.items);
	ck_assert_ptr_null(ev.entries);
}
END_TEST

/* A missing bundle file fails the load and leaves nothing behind. */
START_TEST(test_missing_bundle)
{
	const char *bundles[] = {"/nonexistent/e.jsonl"};
	struct evidence ev;
	struct err e = ERR_INIT;

	ck_assert_int_lt(evidence_load(&ev, bundles, 1, trusted, &e), 0);
	ck_assert_msg(strstr(e.msg, "/nonexistent/e.jsonl") != NULL, "%s",
		      e.msg);
	ck_assert_uint_eq(ev.n, 0);
	ck_assert_ptr_null(ev.entries);
}
END_TEST

/*
 * SPEC-POL-18: a keyless bundle is verified by the identities whose slots
 * follow the keys; each slot that matches is marked, one character off is
 * not, and with no identity matching the entry is not counted.
 */
#define KL_ID                                                                  \
	"https://github.com/sigstore-conformance/extremely-dangerous-public-"  \
	"oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@"   \
	"refs/heads/main"
#define KL_ISS "https://token.actions.githubusercontent.com"

START_TEST(test_keyless_identities)
{
	char *path =
	    testutil_join(TEST_VECTORS, "sigstore-conformance/bundle-verify/"
					"happy-path-intoto-in-dsse-v3/"
					"bundle.sigstore.json");
	const char *bundles[1] = {path};
	struct keyless_identity exact = {KL_ID, NULL, KL_ISS, NULL};
	struct keyless_identity re = {NULL, "https://github\\.com/.*", NULL,
				      "https://token\\..*"};
	struct keyless_identity off = {KL_ID "x", NULL, KL_ISS, NULL};
	struct evidence_sources src;
	struct keyless_idset *ids = NULL;
	struct keyset *none = NULL;
	struct evidence ev;
	struct err e = ERR_INIT;

	ck_assert_int_eq(keyset_new(&none, &e), 0);
	ck_assert_int_eq(keyless_idset_new(&ids, &e), 0);
	ck_assert_int_eq(keyless_idset_add(ids, 1, &exact, NULL, &e), 0);
	ck_assert_int_eq(keyless_idset_add(ids, 2, &off, NULL, &e), 0);
	ck_assert_int_eq(keyless_idset_add(ids, 3, &re, NULL, &e), 0);
	memset(&src, 0, sizeof(src));
	src.bundles = bundles;
	src.nbundles = 1;
	src.ids = ids;
	ck_assert_msg(evidence_load_sources(&ev, &src, none, &e) == 0, "%s",
		      e.msg);
	ck_assert_uint_eq(ev.n, 1);
	ck_assert_int_eq(ev.entries[0].signer.by, EVIDENCE_BY_IDENTITY);
	ck_assert_int_eq(ev.entries[0].signer.key, 1);
	ck_assert_uint_eq(ev.items[0].signed_by[1], 1);
	ck_assert_uint_eq(ev.items[0].signed_by[2], 0);
	ck_assert_uint_eq(ev.items[0].signed_by[3], 1);
	ck_assert_str_eq(ev.items[0].identity, KL_ID " " KL_ISS);
	evidence_clear(&ev);
	keyless_idset_free(ids);

	/* Twin: only the identity one character off. */
	ck_assert_int_eq(keyless_idset_new(&ids, &e), 0);
	ck_assert_int_eq(keyless_idset_add(ids, 0, &off, NULL, &e), 0);
	src.ids = ids;
	ck_assert_int_eq(evidence_load_sources(&ev, &src, none, &e), 0);
	ck_assert_uint_eq(ev.n, 0);
	ck_assert_int_eq(ev.entries[0].state, EVIDENCE_NOT_COUNTED);
	ck_assert_msg(strstr(ev.entries[0].reason, "no identity of the "
						   "policy") != NULL,
		      "%s", ev.entries[0].reason);
	evidence_clear(&ev);
	keyless_idset_free(ids);
	keyset_free(none);
	free(path);
}
END_TEST

static Suite *
evidence_suite(void)
{
	Suite *s = suite_create("evidence");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_entry, 0,
			    sizeof(entry_rows) / sizeof(entry_rows[0]));
	tcase_add_test(tc, test_entry_undecodable);
	tcase_add_test(tc, test_load_states);
	tcase_add_loop_test(tc, test_sources_refused, 0,
			    sizeof(source_rows) / sizeof(source_rows[0]));
	tcase_add_test(tc, test_missing_bundle);
	tcase_add_test(tc, test_keyless_identities);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(evidence_suite());
}

/*
 * lib/dsse with keys/keyset: PAE bytes against the DSSE spec vector, the
 * spec signature (raw r||s and DER) and the generated vectors verified
 * with their public keys, one-byte forgeries refused, envelope JSON round
 * trip, and the decoder's refusals.
 */
#include <check.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/keyset.h"
#include "lib/b64.h"
#include "lib/dsse.h"
#include "lib/hex.h"
#include "lib/jsonio.h"
#include "tests/unit/testutil.h"

static json_t *
load_json(const char *name)
{
	struct err e = ERR_INIT;
	unsigned char *buf;
	json_t *obj = NULL;
	size_t len;

	buf = testutil_vector(name, &len);
	ck_assert_msg(jsonio_load_object(&obj, buf, len, name, &e) == 0, "%s",
		      e.msg);
	free(buf);
	return obj;
}

static json_t *
parse(const char *text)
{
	struct err e = ERR_INIT;
	json_t *obj = NULL;

	ck_assert_msg(jsonio_load_object(&obj, text, strlen(text), "t", &e) ==
			  0,
		      "%s: %s", text, e.msg);
	return obj;
}

static struct dsse_envelope *
env_from_text(const char *text)
{
	struct err e = ERR_INIT;
	struct dsse_envelope *env = NULL;
	json_t *obj = parse(text);

	ck_assert_msg(dsse_from_json(&env, obj, "t", &e) == 0, "%s", e.msg);
	json_decref(obj);
	return env;
}

/* A keyset holding the one public key in pem. */
static struct keyset *
keyset_of_pem(const char *pem)
{
	struct err e = ERR_INIT;
	struct keyset *ks = NULL;
	struct key *k = NULL;

	ck_assert_int_eq(keyset_new(&ks, &e), 0);
	ck_assert_msg(key_load_public_pem(&k, pem, strlen(pem), "pem", &e) == 0,
		      "%s", e.msg);
	ck_assert_int_eq(keyset_add(ks, k, &e), 0);
	return ks;
}

static unsigned char *
unhex(const char *hex, size_t *len)
{
	unsigned char *buf;

	*len = strlen(hex) / 2;
	buf = malloc(*len + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(hex_decode(buf, *len, hex), 0);
	return buf;
}

/* A copy of env whose signature i, payload or type is changed. */
enum tamper { T_NONE, T_SIG, T_PAYLOAD, T_TYPE };

static struct dsse_envelope *
env_tampered(const struct dsse_envelope *env, enum tamper how, size_t at)
{
	struct err e = ERR_INIT;
	struct dsse_envelope *out = NULL;
	unsigned char body[8192], sig[1024];
	char type[256];
	size_t bodylen, siglen, i;
	const unsigned char *p = dsse_payload(env, &bodylen);

	ck_assert_uint_lt(bodylen, sizeof(body));
	memcpy(body, p, bodylen);
	snprintf(type, sizeof(type), "%s", dsse_payload_type(env));
	if (how == T_PAYLOAD)
		body[at % bodylen] ^= 0x01;
	if (how == T_TYPE)
		type[at % strlen(type)] ^= 0x01;
	ck_assert_int_eq(dsse_new(&out, type, body, bodylen, &e), 0);
	for (i = 0; i < dsse_sig_count(env); i++) {
		p = dsse_sig(env, i, &siglen);
		ck_assert_uint_lt(siglen, sizeof(sig));
		memcpy(sig, p, siglen);
		if (how == T_SIG)
			sig[at % siglen] ^= 0x01;
		ck_assert_int_eq(
		    dsse_add_sig(out, dsse_keyid(env, i), sig, siglen, &e), 0);
	}
	return out;
}

static int
verify(const struct keyset *ks, const struct dsse_envelope *env)
{
	struct err e = ERR_INIT;
	const struct key *signer = (const struct key *)1;
	int rc = keyset_verify_envelope(&signer, ks, env, "src.json", &e);

	if (rc == 0) {
		ck_assert_ptr_eq(signer, keyset_get(ks, 0));
	} else {
		ck_assert_int_eq(rc, -EXIT_REJECTED);
		ck_assert_ptr_null(signer);
		ck_assert_msg(strstr(e.msg, "src.json") != NULL, "%s", e.msg);
	}
	return rc;
}

/* PAE ------------------------------------------------------------------ */

START_TEST(test_pae_spec_vector)
{
	json_t *v = load_json("dsse-spec-hello-world.json");
	const char *type = jsonio_str(v, "payloadType");
	const char *body = jsonio_str(v, "payload_utf8");
	struct err e = ERR_INIT;
	unsigned char *pae = NULL, *want;
	size_t paelen, wantlen;

	want = unhex(jsonio_str(v, "pae_hex"), &wantlen);
	ck_assert_int_eq(dsse_pae(&pae, &paelen, type,
				  (const unsigned char *)body, strlen(body),
				  &e),
			 0);
	ck_assert_uint_eq(paelen, wantlen);
	ck_assert_mem_eq(pae, want, wantlen);
	ck_assert_mem_eq(pae, jsonio_str(v, "pae_ascii"), paelen);
	free(pae);
	/* Twin: one byte more of body changes the length field. */
	ck_assert_int_eq(dsse_pae(&pae, &paelen, type,
				  (const unsigned char *)"hello world!", 12,
				  &e),
			 0);
	ck_assert(paelen != wantlen || memcmp(pae, want, wantlen) != 0);
	free(pae);
	free(want);
	json_decref(v);
}
END_TEST

START_TEST(test_pae_generated_vector)
{
	json_t *v = load_json("generated-intoto-dsse-vectors.json");
	const char *stmt = jsonio_str(v, "statement_json");
	struct err e = ERR_INIT;
	unsigned char *pae = NULL, *want, md[EVP_MAX_MD_SIZE];
	char mdhex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int mdlen;
	size_t paelen, wantlen;

	want = unhex(jsonio_str(v, "pae_hex"), &wantlen);
	ck_assert_int_eq(dsse_pae(&pae, &paelen, jsonio_str(v, "payloadType"),
				  (const unsigned char *)stmt, strlen(stmt),
				  &e),
			 0);
	ck_assert_uint_eq(paelen, wantlen);
	ck_assert_mem_eq(pae, want, wantlen);
	ck_assert_int_eq(
	    EVP_Digest(pae, paelen, md, &mdlen, EVP_sha256(), NULL), 1);
	hex_encode(mdhex, md, mdlen);
	ck_assert_str_eq(mdhex, jsonio_str(v, "pae_sha256"));
	free(pae);
	free(want);
	json_decref(v);
}
END_TEST

/* PAE rows: lengths are byte counts, so moving a byte across the type/body
 * boundary gives different bytes (the reason PAE exists). */
struct pae_row {
	const char *type;
	const char *body;
	size_t bodylen;
	const char *want;
	size_t wantlen;
};

static const struct pae_row pae_rows[] = {
    {"", "", 0, "DSSEv1 0  0 ", 12},
    {"a", "bc", 2, "DSSEv1 1 a 2 bc", 15},
    {"ab", "c", 1, "DSSEv1 2 ab 1 c", 15},
    {"t", "\0\x01", 2, "DSSEv1 1 t 2 \0\x01", 15},
    {"\xc3\xa9", "x", 1, "DSSEv1 2 \xc3\xa9 1 x", 15},
    {"application/vnd.in-toto+json", "0123456789", 10,
     "DSSEv1 28 application/vnd.in-toto+json 10 0123456789", 52},
};

START_TEST(test_pae_rows)
{
	const struct pae_row *r = &pae_rows[_i];
	struct err e = ERR_INIT;
	unsigned char *pae = NULL;
	size_t paelen;

	ck_assert_int_eq(dsse_pae(&pae, &paelen, r->type,
				  (const unsigned char *)r->body, r->bodylen,
				  &e),
			 0);
	ck_assert_uint_eq(paelen, r->wantlen);
	ck_assert_mem_eq(pae, r->want, r->wantlen);
	free(pae);
}
END_TEST

START_TEST(test_pae_boundary_twin)
{
	struct err e = ERR_INIT;
	unsigned char *a = NULL, *b = NULL;
	size_t alen, blen;

	ck_assert_int_eq(
	    dsse_pae(&a, &alen, "a", (const unsigned char *)"bc", 2, &e), 0);
	ck_assert_int_eq(
	    dsse_pae(&b, &blen, "ab", (const unsigned char *)"c", 1, &e), 0);
	ck_assert(alen != blen || memcmp(a, b, alen) != 0);
	free(a);
	free(b);
}
END_TEST

/* Spec vector signatures ------------------------------------------------ */

/* Signature encodings of the spec vector; each must verify, and each with
 * one byte flipped (sig, payload or type) must not. */
static const char *const spec_sig_fields[] = {"sig_b64_raw_r_s", "sig_b64_der"};

START_TEST(test_spec_signature)
{
	json_t *v = load_json("dsse-spec-hello-world.json");
	const char *sigb64 = jsonio_str(v, spec_sig_fields[_i]);
	const char *type = jsonio_str(v, "payloadType");
	const char *body = jsonio_str(v, "payload_utf8");
	struct keyset *ks = keyset_of_pem(
	    jsonio_str(json_object_get(v, "key"), "public_key_pem"));
	struct err e = ERR_INIT;
	struct dsse_envelope *env = NULL, *bad;
	unsigned char *sig = NULL;
	size_t siglen, at;
	enum tamper how;

	ck_assert_int_eq(
	    b64_decode(&sig, &siglen, sigb64, strlen(sigb64), "sig", &e), 0);
	ck_assert_int_eq(
	    dsse_new(&env, type, (const unsigned char *)body, strlen(body), &e),
	    0);
	ck_assert_int_eq(dsse_add_sig(env, NULL, sig, siglen, &e), 0);
	ck_assert_int_eq(verify(ks, env), 0);
	for (how = T_SIG; how <= T_TYPE; how++) {
		for (at = 0; at < siglen; at += 7) {
			bad = env_tampered(env, how, at);
			ck_assert_msg(verify(ks, bad) == -EXIT_REJECTED,
				      "tamper %d at %zu verified", (int)how,
				      at);
			dsse_free(bad);
		}
	}
	free(sig);
	dsse_free(env);
	keyset_free(ks);
	json_decref(v);
}
END_TEST

/* The envelope JSON from protocol.md (raw r||s, no keyid) decodes and
 * verifies; the same with the payload one character off does not. */
START_TEST(test_spec_envelope_json)
{
	json_t *v = load_json("dsse-spec-hello-world.json");
	json_t *envj = json_object_get(v, "envelope");
	struct keyset *ks = keyset_of_pem(
	    jsonio_str(json_object_get(v, "key"), "public_key_pem"));
	struct err e = ERR_INIT;
	struct dsse_envelope *env = NULL;
	size_t len;

	ck_assert_int_eq(dsse_from_json(&env, envj, "spec", &e), 0);
	ck_assert_str_eq(dsse_payload_type(env),
			 "http://example.com/HelloWorld");
	ck_assert_mem_eq(dsse_payload(env, &len), "hello world", 11);
	ck_assert_uint_eq(len, 11);
	ck_assert_str_eq(dsse_keyid(env, 0), "");
	ck_assert_int_eq(verify(ks, env), 0);
	dsse_free(env);
	/* "aGVsbG8gd29ybGQ=" -> "aGVsbG8gd29ybGU=" is "hello worle". */
	json_object_set_new(envj, "payload", json_string("aGVsbG8gd29ybGU="));
	ck_assert_int_eq(dsse_from_json(&env, envj, "spec", &e), 0);
	ck_assert_int_eq(verify(ks, env), -EXIT_REJECTED);
	dsse_free(env);
	keyset_free(ks);
	json_decref(v);
}
END_TEST

/* Generated vectors ------------------------------------------------------ */

struct gen_row {
	const char *file;
	const char *key_case;  /* the key that signed it */
	const char *other_key; /* a key that did not */
	int want;
};

static const struct gen_row gen_rows[] = {
    {"generated-ecdsa-p256-sha256.dsse.json", "ecdsa-p256-sha256", "ed25519",
     0},
    {"generated-ed25519.dsse.json", "ed25519", "ecdsa-p256-sha256", 0},
    {"generated-ecdsa-p256-sha256.BAD-payloadtype.dsse.json",
     "ecdsa-p256-sha256", "ed25519", -EXIT_REJECTED},
};

static const char *
case_pem(const json_t *vectors, const char *name)
{
	const json_t *c =
	    json_object_get(json_object_get(vectors, "cases"), name);

	ck_assert_ptr_nonnull(c);
	return jsonio_str(c, "public_key_pem");
}

START_TEST(test_generated_vector)
{
	const struct gen_row *r = &gen_rows[_i];
	json_t *vec = load_json("generated-intoto-dsse-vectors.json");
	json_t *obj = load_json(r->file);
	struct keyset *ks = keyset_of_pem(case_pem(vec, r->key_case));
	struct keyset *other = keyset_of_pem(case_pem(vec, r->other_key));
	struct err e = ERR_INIT;
	struct dsse_envelope *env = NULL, *bad;
	const char *stmt = jsonio_str(vec, "statement_json");
	size_t len, at;

	ck_assert_int_eq(dsse_from_json(&env, obj, r->file, &e), 0);
	ck_assert_uint_eq(dsse_sig_count(env), 1);
	ck_assert_mem_eq(dsse_payload(env, &len), stmt, strlen(stmt));
	ck_assert_uint_eq(len, strlen(stmt));
	ck_assert_int_eq(verify(ks, env), r->want);
	ck_assert_int_eq(verify(other, env), -EXIT_REJECTED);
	ck_assert_uint_eq(keyset_count_signers(ks, env, NULL),
			  r->want == 0 ? 1 : 0);
	for (at = 0; r->want == 0 && at < 64; at += 5) {
		bad = env_tampered(env, T_SIG, at);
		ck_assert_int_eq(verify(ks, bad), -EXIT_REJECTED);
		dsse_free(bad);
		bad = env_tampered(env, T_PAYLOAD, at * 7);
		ck_assert_int_eq(verify(ks, bad), -EXIT_REJECTED);
		dsse_free(bad);
	}
	dsse_free(env);
	keyset_free(ks);
	keyset_free(other);
	json_decref(obj);
	json_decref(vec);
}
END_TEST

/* JSON round trip -------------------------------------------------------- */

START_TEST(test_round_trip_built)
{
	static const unsigned char body[] = "{\"x\":1}\n\0tail";
	static const unsigned char sig1[] = {0xfb, 0xff, 0x00, 0x01};
	static const unsigned char sig2[] = {0x01};
	struct err e = ERR_INIT;
	struct dsse_envelope *env = NULL, *back = NULL;
	json_t *j = NULL, *j2 = NULL;
	char *text = NULL, *text2 = NULL;
	size_t len, len2;
	const unsigned char *p;

	ck_assert_int_eq(
	    dsse_new(&env, "application/x-test", body, sizeof(body) - 1, &e),
	    0);
	ck_assert_int_eq(dsse_add_sig(env, "kid-1", sig1, sizeof(sig1), &e), 0);
	ck_assert_int_eq(dsse_add_sig(env, NULL, sig2, sizeof(sig2), &e), 0);
	j = dsse_to_json(env);
	ck_assert_ptr_nonnull(j);
	/* Standard padded base64 on output. */
	ck_assert_str_eq(
	    jsonio_str(json_array_get(json_object_get(j, "signatures"), 0),
		       "sig"),
	    "+/8AAQ==");
	ck_assert_int_eq(jsonio_dump(&text, &len, j, JSONIO_FLAGS, &e), 0);
	json_decref(j);
	j = parse(text);
	ck_assert_int_eq(dsse_from_json(&back, j, "rt", &e), 0);
	ck_assert_str_eq(dsse_payload_type(back), "application/x-test");
	p = dsse_payload(back, &len2);
	ck_assert_uint_eq(len2, sizeof(body) - 1);
	ck_assert_mem_eq(p, body, len2);
	ck_assert_uint_eq(dsse_sig_count(back), 2);
	ck_assert_str_eq(dsse_keyid(back, 0), "kid-1");
	ck_assert_str_eq(dsse_keyid(back, 1), "");
	p = dsse_sig(back, 0, &len2);
	ck_assert_uint_eq(len2, sizeof(sig1));
	ck_assert_mem_eq(p, sig1, sizeof(sig1));
	p = dsse_sig(back, 1, &len2);
	ck_assert_uint_eq(len2, sizeof(sig2));
	ck_assert_mem_eq(p, sig2, sizeof(sig2));
	/* Re-encoding gives the same bytes. */
	j2 = dsse_to_json(back);
	ck_assert_int_eq(jsonio_dump(&text2, &len2, j2, JSONIO_FLAGS, &e), 0);
	ck_assert_str_eq(text, text2);
	free(text);
	free(text2);
	json_decref(j);
	json_decref(j2);
	dsse_free(env);
	dsse_free(back);
}
END_TEST

/* A decoded vector re-encodes to the same JSON value it was read from. */
START_TEST(test_round_trip_vector)
{
	json_t *obj = load_json(gen_rows[_i].file);
	struct err e = ERR_INIT;
	struct dsse_envelope *env = NULL;
	json_t *back;
	char *a = NULL, *b = NULL;
	size_t alen, blen;

	ck_assert_int_eq(dsse_from_json(&env, obj, "v", &e), 0);
	back = dsse_to_json(env);
	ck_assert_ptr_nonnull(back);
	ck_assert_int_eq(jsonio_dump(&a, &alen, obj, JSONIO_FLAGS, &e), 0);
	ck_assert_int_eq(jsonio_dump(&b, &blen, back, JSONIO_FLAGS, &e), 0);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	json_decref(back);
	json_decref(obj);
	dsse_free(env);
}
END_TEST

/* Decoder rows ------------------------------------------------------------ */

struct json_row {
	const char *text;
	const char *keyid; /* keyid of sig 0 when accepted */
	const char *bad;   /* the twin, refused */
	const char *why;   /* a word the refusal names */
};

#define P "\"payload\":\"aGVsbG8=\""
#define T "\"payloadType\":\"text/x\""

static const struct json_row json_rows[] = {
    {"{" P "," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "",
     "{" T ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "payload"},
    {"{" P "," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "",
     "{" P ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "payloadType"},
    {"{" P "," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "", "{" P "," T "}",
     "signatures"},
    {"{" P "," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "",
     "{" P "," T ",\"signatures\":[]}", "signatures"},
    {"{" P "," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "",
     "{" P "," T ",\"signatures\":{\"sig\":\"AAAA\"}}", "signatures"},
    {"{" P "," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "",
     "{" P "," T ",\"signatures\":[{\"sig\":1}]}", "sig"},
    {"{" P "," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "",
     "{" P "," T ",\"signatures\":[{\"sig\":null}]}", "sig"},
    {"{" P "," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "",
     "{" P "," T ",\"signatures\":[{\"sig\":\"\"}]}", "sig"},
    {"{" P "," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "",
     "{" P "," T ",\"signatures\":[\"AAAA\"]}", "sig"},
    {"{" P "," T ",\"signatures\":[{\"sig\":\"AAAA\",\"keyid\":null}]}", "",
     "{" P "," T ",\"signatures\":[{\"sig\":\"AAAA\",\"keyid\":7}]}", "keyid"},
    {"{" P "," T ",\"signatures\":[{\"sig\":\"AAAA\",\"keyid\":\"k1\"}]}", "k1",
     "{" P "," T ",\"signatures\":[{\"sig\":\"AA A\",\"keyid\":\"k1\"}]}",
     "sig"},
    {"{" P "," T ",\"signatures\":[{\"sig\":\"+/8=\"}]}", "",
     "{" P "," T ",\"signatures\":[{\"sig\":\"+_8=\"}]}", "sig"},
    {"{" P "," T ",\"signatures\":[{\"sig\":\"-_8\"}]}", "",
     "{" P "," T ",\"signatures\":[{\"sig\":\"A===\"}]}", "sig"},
    {"{\"payload\":\"aGVsbG8\"," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "",
     "{\"payload\":\"aGVsbG8==\"," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}",
     "payload"},
    {"{\"payload\":\"aGVsbG8=\"," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "",
     "{\"payload\":\"aGVsbG8=!\"," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}",
     "payload"},
    {"{" P "," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "",
     "{\"payload\":1," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "payload"},
    {"{" P "," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "",
     "{" P ",\"payloadType\":\"\",\"signatures\":[{\"sig\":\"AAAA\"}]}",
     "payloadType"},
    {"{" P "," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "",
     "{" P ",\"payloadType\":[],\"signatures\":[{\"sig\":\"AAAA\"}]}",
     "payloadType"},
    /* The payload may decode to zero bytes (SPEC-ENV-1). */
    {"{\"payload\":\"\"," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}", "",
     "{\"payload\":\"=\"," T ",\"signatures\":[{\"sig\":\"AAAA\"}]}",
     "payload"},
    /* Unknown fields are ignored, at the top and in a signature. */
    {"{" P "," T ",\"x\":1,\"signatures\":[{\"sig\":\"AAAA\",\"extension\":"
     "{\"kind\":\"k\"},\"cert\":\"c\"}]}",
     "", "{" P "," T ",\"x\":1,\"signatures\":[{\"extension\":{}}]}", "sig"},
    /* The second signature is checked too. */
    {"{" P "," T ",\"signatures\":[{\"sig\":\"AAAA\"},{\"sig\":\"AQ==\"}]}", "",
     "{" P "," T ",\"signatures\":[{\"sig\":\"AAAA\"},{\"sig\":\"\"}]}",
     "signatures[1]"},
};

START_TEST(test_from_json_good)
{
	const struct json_row *r = &json_rows[_i];
	struct err e = ERR_INIT;
	struct dsse_envelope *env = NULL;
	json_t *obj = parse(r->text);

	ck_assert_msg(dsse_from_json(&env, obj, "env.json", &e) == 0, "%s: %s",
		      r->text, e.msg);
	ck_assert_uint_ge(dsse_sig_count(env), 1);
	ck_assert_str_eq(dsse_keyid(env, 0), r->keyid);
	dsse_free(env);
	json_decref(obj);
}
END_TEST

START_TEST(test_from_json_bad)
{
	const struct json_row *r = &json_rows[_i];
	struct err e = ERR_INIT;
	struct dsse_envelope *env = (struct dsse_envelope *)1;
	json_t *obj = NULL;
	int rc;

	ck_assert_int_eq(
	    jsonio_load_object(&obj, r->bad, strlen(r->bad), "t", &e), 0);
	rc = dsse_from_json(&env, obj, "env.json", &e);
	ck_assert_msg(rc == -EXIT_REJECTED, "accepted %s", r->bad);
	ck_assert_ptr_null(env);
	ck_assert_msg(strstr(e.msg, "env.json") != NULL, "%s", e.msg);
	ck_assert_msg(strstr(e.msg, r->why) != NULL, "%s lacks %s", e.msg,
		      r->why);
	json_decref(obj);
}
END_TEST

/* MAX_ENVELOPE_SIGS signatures decode; one more does not. */
START_TEST(test_sig_ceiling)
{
	struct err e = ERR_INIT;
	struct dsse_envelope *env = NULL;
	json_t *obj = parse("{" P "," T ",\"signatures\":[]}");
	json_t *sigs = json_object_get(obj, "signatures");
	size_t i;

	for (i = 0; i < MAX_ENVELOPE_SIGS; i++)
		json_array_append_new(sigs, json_pack("{s:s}", "sig", "AAAA"));
	ck_assert_int_eq(dsse_from_json(&env, obj, "env.json", &e), 0);
	ck_assert_uint_eq(dsse_sig_count(env), MAX_ENVELOPE_SIGS);
	/* dsse_add_sig enforces the same ceiling. */
	ck_assert_int_eq(
	    dsse_add_sig(env, NULL, (const unsigned char *)"x", 1, &e),
	    -EXIT_REJECTED);
	dsse_free(env);
	json_array_append_new(sigs, json_pack("{s:s}", "sig", "AAAA"));
	env = (struct dsse_envelope *)1;
	ck_assert_int_eq(dsse_from_json(&env, obj, "env.json", &e),
			 -EXIT_REJECTED);
	ck_assert_ptr_null(env);
	json_decref(obj);
}
END_TEST

/* A payloadType with an embedded NUL (only reachable when the JSON was
 * built in memory: jsonio refuses \u0000) is refused. */
START_TEST(test_type_nul)
{
	struct err e = ERR_INIT;
	struct dsse_envelope *env = NULL;
	json_t *obj = json_pack("{s:s, s:s%, s:[{s:s}]}", "payload",
				"aGVsbG8=", "payloadType", "a\0b", (size_t)3,
				"signatures", "sig", "AAAA");

	ck_assert_ptr_nonnull(obj);
	ck_assert_int_eq(dsse_from_json(&env, obj, "env.json", &e),
			 -EXIT_REJECTED);
	ck_assert_ptr_null(env);
	json_object_set_new(obj, "payloadType", json_string("ab"));
	ck_assert_int_eq(dsse_from_json(&env, obj, "env.json", &e), 0);
	dsse_free(env);
	json_decref(obj);
}
END_TEST

/* A URL-safe payload decodes to the same bytes as the standard one. */
START_TEST(test_url_safe_payload)
{
	struct dsse_envelope *a, *b;
	size_t alen, blen;
	const unsigned char *pa, *pb;

	/* 0xfb 0xff 0xfe: "+//+" standard, "-__-" URL-safe. */
	a = env_from_text("{\"payload\":\"+//+\"," T
			  ",\"signatures\":[{\"sig\":\"AAAA\"}]}");
	b = env_from_text("{\"payload\":\"-__-\"," T
			  ",\"signatures\":[{\"sig\":\"AAAA\"}]}");
	pa = dsse_payload(a, &alen);
	pb = dsse_payload(b, &blen);
	ck_assert_uint_eq(alen, 3);
	ck_assert_uint_eq(blen, 3);
	ck_assert_mem_eq(pa, pb, 3);
	ck_assert_mem_eq(pa, "\xfb\xff\xfe", 3);
	dsse_free(a);
	dsse_free(b);
}
END_TEST

#undef P
#undef T

static Suite *
dsse_suite(void)
{
	Suite *s = suite_create("dsse");
	TCase *pae = tcase_create("pae");
	TCase *sig = tcase_create("signatures");
	TCase *js = tcase_create("json");

	tcase_add_test(pae, test_pae_spec_vector);
	tcase_add_test(pae, test_pae_generated_vector);
	tcase_add_loop_test(pae, test_pae_rows, 0,
			    sizeof(pae_rows) / sizeof(pae_rows[0]));
	tcase_add_test(pae, test_pae_boundary_twin);
	tcase_add_loop_test(sig, test_spec_signature, 0,
			    sizeof(spec_sig_fields) /
				sizeof(spec_sig_fields[0]));
	tcase_add_test(sig, test_spec_envelope_json);
	tcase_add_loop_test(sig, test_generated_vector, 0,
			    sizeof(gen_rows) / sizeof(gen_rows[0]));
	tcase_set_timeout(sig, 30);
	tcase_add_test(js, test_round_trip_built);
	tcase_add_loop_test(js, test_round_trip_vector, 0,
			    sizeof(gen_rows) / sizeof(gen_rows[0]));
	tcase_add_loop_test(js, test_from_json_good, 0,
			    sizeof(json_rows) / sizeof(json_rows[0]));
	tcase_add_loop_test(js, test_from_json_bad, 0,
			    sizeof(json_rows) / sizeof(json_rows[0]));
	tcase_add_test(js, test_sig_ceiling);
	tcase_add_test(js, test_type_nul);
	tcase_add_test(js, test_url_safe_payload);
	suite_add_tcase(s, pae);
	suite_add_tcase(s, sig);
	suite_add_tcase(s, js);
	return s;
}

int
main(void)
{
	return testutil_run(dsse_suite());
}

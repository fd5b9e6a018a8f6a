/*
 * keys/keyset: one public key is one approver however it is encoded
 * (SPEC-ENV-8: compressed or uncompressed EC point, named or explicit
 * curve, RSA-PSS or plain RSA SPKI), one signature repeated in an
 * envelope counts once, and the checks one envelope costs are bounded
 * (SPEC-POL-9), counted here without timing.
 */
#include <check.h>
#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/envelope.h"
#include "keys/keyset.h"
#include "lib/fileio.h"
#include "tests/unit/testutil.h"

static const unsigned char body[] = "{\"a\":1}";
#define BODYLEN (sizeof(body) - 1)

static void
run_in(const char *dir, const char *cmd)
{
	char line[PATH_MAX + 512];

	snprintf(line, sizeof(line), "cd '%s' && %s 2>/dev/null", dir, cmd);
	ck_assert_msg(system(line) == 0, "failed: %s", line);
}

static char *
slurp(const char *dir, const char *name, size_t *len)
{
	struct err e = ERR_INIT;
	unsigned char *buf = NULL;
	char *path = testutil_join(dir, name);

	ck_assert_msg(file_read(&buf, len, path, 1 << 20, &e) == 0, "%s",
		      e.msg);
	free(path);
	return (char *)buf;
}

static struct key *
load_pub(const char *dir, const char *name)
{
	struct err e = ERR_INIT;
	struct key *k = NULL;
	char *path = testutil_join(dir, name);

	ck_assert_msg(key_load_public(&k, path, &e) == 0, "%s", e.msg);
	free(path);
	return k;
}

/* Writes the RSA public key of in.pub again as an RSA-PSS SPKI. */
static void
write_as_pss(const char *dir, const char *in, const char *out)
{
	char *src = testutil_join(dir, in), *dst = testutil_join(dir, out);
	FILE *f = fopen(src, "r");
	EVP_PKEY *rsa, *pss = NULL;
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params;
	EVP_PKEY_CTX *ctx;

	ck_assert_ptr_nonnull(f);
	rsa = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(rsa);
	ck_assert_int_eq(EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_N, &n),
			 1);
	ck_assert_int_eq(EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_E, &e),
			 1);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	ck_assert_int_eq(EVP_PKEY_fromdata_init(ctx), 1);
	ck_assert_int_eq(
	    EVP_PKEY_fromdata(ctx, &pss, EVP_PKEY_PUBLIC_KEY, params), 1);
	ck_assert_int_eq(EVP_PKEY_get_base_id(pss), EVP_PKEY_RSA_PSS);
	f = fopen(dst, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_PUBKEY(f, pss), 1);
	fclose(f);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(pss);
	free(src);
	free(dst);
}

static const char ec256[] =
    "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
    "-out k.pem && openssl pkey -in k.pem -pubout -out a.pub";
static const char ec384[] =
    "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 "
    "-out k.pem && openssl pkey -in k.pem -pubout -out a.pub";
static const char rsa[] =
    "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
    "-out k.pem && openssl pkey -in k.pem -pubout -out a.pub";

/* b.pub: the key of a.pub in another encoding, or (same 0) another key. */
static const struct enc_row {
	const char *name, *gen, *alt;
	int same;
} enc_rows[] = {
    {"P-256 compressed point", ec256,
     "openssl pkey -in k.pem -pubout -ec_conv_form compressed -out b.pub", 1},
    {"P-256 explicit curve", ec256,
     "openssl pkey -in k.pem -pubout -ec_param_enc explicit -out b.pub", 1},
    {"P-256 explicit curve, compressed", ec256,
     "openssl pkey -in k.pem -pubout -ec_param_enc explicit "
     "-ec_conv_form compressed -out b.pub",
     1},
    {"P-384 compressed point", ec384,
     "openssl pkey -in k.pem -pubout -ec_conv_form compressed -out b.pub", 1},
    {"RSA as RSA-PSS SPKI", rsa, NULL, 1},
    {"twin: another P-256 key, compressed", ec256,
     "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
     "-out o.pem && openssl pkey -in o.pem -pubout -ec_conv_form "
     "compressed -out b.pub",
     0},
    {"twin: another RSA key", rsa,
     "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
     "-out o.pem && openssl pkey -in o.pem -pubout -out b.pub",
     0},
};

static struct dsse_envelope *
signed_by_file(const char *dir, const char *name)
{
	struct err e = ERR_INIT;
	struct key *k = NULL;
	struct dsse_envelope *env = NULL;
	char *path = testutil_join(dir, name);

	ck_assert_msg(key_load_private(&k, path, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(
	    envelope_sign(&env, DSSE_INTOTO_TYPE, body, BODYLEN, k, &e), 0);
	key_free(k);
	free(path);
	return env;
}

START_TEST(test_encodings)
{
	const struct enc_row *r = &enc_rows[_i];
	char *dir = testutil_tmpdir(), *pa, *pb;
	struct err e = ERR_INIT;
	struct key *a, *b;
	struct keyset *ks = NULL;
	struct dsse_envelope *env, *twice = NULL, *other = NULL;
	int marks[2] = {0, 0};
	const unsigned char *sig;
	size_t la, lb, siglen;

	run_in(dir, r->gen);
	if (r->alt != NULL)
		run_in(dir, r->alt);
	else
		write_as_pss(dir, "a.pub", "b.pub");
	/* the files differ: the test is about encodings, not copies */
	pa = slurp(dir, "a.pub", &la);
	pb = slurp(dir, "b.pub", &lb);
	ck_assert_msg(la != lb || memcmp(pa, pb, la) != 0, "%s", r->name);
	a = load_pub(dir, "a.pub");
	b = load_pub(dir, "b.pub");
	ck_assert_int_eq(strcmp(key_id(a), key_id(b)) == 0, r->same);

	ck_assert_int_eq(keyset_new(&ks, &e), 0);
	ck_assert_int_eq(keyset_add(ks, a, &e), 0);
	ck_assert_int_eq(keyset_add(ks, b, &e), 0);
	env = signed_by_file(dir, "k.pem");
	/* one signature by the key: one approver, marked under both names
	 * when they are one key */
	ck_assert_uint_eq(keyset_count_signers(ks, env, marks), 1);
	ck_assert_int_eq(marks[0], 1);
	ck_assert_int_eq(marks[1], r->same);
	/* the same signature twice, with and without the keyid */
	sig = dsse_sig(env, 0, &siglen);
	ck_assert_int_eq(dsse_new(&twice, DSSE_INTOTO_TYPE, body, BODYLEN, &e),
			 0);
	ck_assert_int_eq(dsse_add_sig(twice, key_id(a), sig, siglen, &e), 0);
	ck_assert_int_eq(dsse_add_sig(twice, NULL, sig, siglen, &e), 0);
	ck_assert_uint_eq(keyset_count_signers(ks, twice, marks), 1);
	/* twin: a second signature by the other key counts only when it is
	 * another key */
	if (!r->same) {
		struct dsse_envelope *ob = signed_by_file(dir, "o.pem");
		size_t oblen;
		const unsigned char *osig = dsse_sig(ob, 0, &oblen);
		ck_assert_int_eq(dsse_add_sig(twice, NULL, osig, oblen, &e), 0);
		ck_assert_uint_eq(keyset_count_signers(ks, twice, marks), 2);
		other = ob;
	}
	dsse_free(other);
	dsse_free(twice);
	dsse_free(env);
	keyset_free(ks);
	free(pa);
	free(pb);
	testutil_rmtree(dir);
	free(dir);
}
END_TEST

/* A key generated here has its canonical SPKI as its id already. */
START_TEST(test_generated_ids_unchanged)
{
	static const enum key_type types[] = {KEY_ECDSA_P256, KEY_ECDSA_P384,
					      KEY_ED25519};
	struct err e = ERR_INIT;
	struct key *k = NULL, *pub = NULL;
	char *pem = NULL;
	size_t len;

	ck_assert_int_eq(key_generate(&k, types[_i], &e), 0);
	ck_assert_int_eq(key_public_pem(&pem, &len, k, &e), 0);
	ck_assert_int_eq(key_load_public_pem(&pub, pem, len, "p", &e), 0);
	ck_assert_str_eq(key_id(k), key_id(pub));
	key_free(k);
	key_free(pub);
	free(pem);
}
END_TEST

/* SPEC-POL-9: junk costs a bounded number of checks per envelope. */
#define NKEYS 64

struct cost_fixture {
	struct keyset *ks;
	struct key *signer; /* private half of key NKEYS - 1 */
};

static void
cost_setup(struct cost_fixture *f)
{
	struct err e = ERR_INIT;
	size_t i;

	ck_assert_int_eq(keyset_new(&f->ks, &e), 0);
	for (i = 0; i < NKEYS; i++) {
		struct key *k = NULL, *pub = NULL;
		char *pem = NULL;
		size_t len;
		ck_assert_int_eq(key_generate(&k, KEY_ECDSA_P256, &e), 0);
		ck_assert_int_eq(key_public_pem(&pem, &len, k, &e), 0);
		ck_assert_int_eq(key_load_public_pem(&pub, pem, len, "p", &e),
				 0);
		ck_assert_int_eq(keyset_add(f->ks, pub, &e), 0);
		free(pem);
		if (i == NKEYS - 1)
			f->signer = k;
		else
			key_free(k);
	}
}

static const struct cost_row {
	const char *name;
	int distinct_junk; /* each junk signature differs */
	int real;	   /* last signature is the signer's */
	int hinted;	   /* junk and real carry the keyids of keys */
	size_t max_ops;
	size_t count;
} cost_rows[] = {
    {"64 distinct junk signatures, no keyid", 1, 0, 0, KEYSET_MAX_VERIFY_OPS,
     0},
    {"64 distinct junk signatures, keyids of keys", 1, 0, 1,
     KEYSET_MAX_VERIFY_OPS, 0},
    {"one junk signature 64 times", 0, 0, 0, NKEYS, 0},
    {"63 junk + real, keyids: the real one is found", 1, 1, 1,
     KEYSET_MAX_VERIFY_OPS, 1},
    {"63 junk + real, no keyid: past the budget, not counted", 1, 1, 0,
     KEYSET_MAX_VERIFY_OPS, 0},
};

START_TEST(test_bounded_cost)
{
	const struct cost_row *r = &cost_rows[_i];
	struct cost_fixture f = {NULL, NULL};
	struct err e = ERR_INIT;
	struct dsse_envelope *env = NULL, *real = NULL;
	unsigned char junk[72];
	const unsigned char *rs;
	size_t i, ops = 0, rslen;

	cost_setup(&f);
	ck_assert_int_eq(
	    envelope_sign(&real, DSSE_INTOTO_TYPE, body, BODYLEN, f.signer, &e),
	    0);
	ck_assert_int_eq(dsse_new(&env, DSSE_INTOTO_TYPE, body, BODYLEN, &e),
			 0);
	for (i = 0; i < MAX_ENVELOPE_SIGS - (size_t)r->real; i++) {
		memset(junk, 0x30, sizeof(junk));
		if (r->distinct_junk)
			memcpy(junk + 8, &i, sizeof(i));
		ck_assert_int_eq(
		    dsse_add_sig(env,
				 r->hinted ? key_id(keyset_get(f.ks, i % NKEYS))
					   : NULL,
				 junk, sizeof(junk), &e),
		    0);
	}
	if (r->real) {
		rs = dsse_sig(real, 0, &rslen);
		ck_assert_int_eq(
		    dsse_add_sig(env, r->hinted ? key_id(f.signer) : NULL, rs,
				 rslen, &e),
		    0);
	}
	ck_assert_uint_eq(dsse_sig_count(env), MAX_ENVELOPE_SIGS);
	ck_assert_uint_eq(keyset_tally(f.ks, env, NULL, &ops), r->count);
	ck_assert_msg(ops <= r->max_ops, "%s: %zu checks", r->name, ops);
	ck_assert_uint_gt(ops, 0);
	dsse_free(env);
	dsse_free(real);
	key_free(f.signer);
	keyset_free(f.ks);
}
END_TEST

static Suite *
keyset_suite(void)
{
	Suite *s = suite_create("keyset");
	TCase *enc = tcase_create("encodings");
	TCase *cost = tcase_create("cost");

	tcase_add_loop_test(enc, test_encodings, 0,
			    sizeof(enc_rows) / sizeof(enc_rows[0]));
	tcase_add_loop_test(enc, test_generated_ids_unchanged, 0, 3);
	tcase_set_timeout(enc, 120);
	tcase_add_loop_test(cost, test_bounded_cost, 0,
			    sizeof(cost_rows) / sizeof(cost_rows[0]));
	tcase_set_timeout(cost, 120);
	suite_add_tcase(s, enc);
	suite_add_tcase(s, cost);
	return s;
}

int
main(void)
{
	return testutil_run(keyset_suite());
}

/*
 * lib/tsa: a reply made here by an in-process TSA (OpenSSL TS_RESP_CTX,
 * self-signed leaf with critical EKU timeStamping) is accepted; its twins
 * (other signature, other nonce, other TSA, every truncation, trailing
 * bytes, garbage) are rejected, and no input crashes the parser. Tokens
 * dated outside their TSA certificate's validity are refused; a genuine
 * one whose certificate has expired since is accepted.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "lib/tsa.h"
#include "tests/unit/testutil.h"

static const unsigned char sig[] = "a DSSE signature";
static const unsigned char nonce[TSA_NONCE_LEN] = {0x41, 2, 3, 4, 5, 6, 7, 8};

struct tsa_fix {
	EVP_PKEY *key;
	X509 *cert;
};

static void
add_ext(X509 *x, int nid, const char *val)
{
	X509V3_CTX v;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&v, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v, nid, val);
	ck_assert_ptr_nonnull(ext);
	ck_assert_int_eq(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

/* A TSA whose certificate is valid from now + nb to now + na seconds. */
static void
fix_new_valid(struct tsa_fix *f, const char *cn, long nb, long na)
{
	X509_NAME *name;

	f->key = EVP_EC_gen("P-256");
	f->cert = X509_new();
	ck_assert_ptr_nonnull(f->key);
	X509_set_version(f->cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(f->cert), 7);
	X509_gmtime_adj(X509_getm_notBefore(f->cert), nb);
	X509_gmtime_adj(X509_getm_notAfter(f->cert), na);
	name = X509_get_subject_name(f->cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(f->cert, name);
	X509_set_pubkey(f->cert, f->key);
	add_ext(f->cert, NID_basic_constraints, "critical,CA:FALSE");
	add_ext(f->cert, NID_key_usage, "critical,digitalSignature");
	add_ext(f->cert, NID_ext_key_usage, "critical,timeStamping");
	ck_assert_int_gt(X509_sign(f->cert, f->key, EVP_sha256()), 0);
}

static void
fix_new(struct tsa_fix *f, const char *cn)
{
	fix_new_valid(f, cn, -3600, 86400);
}

static void
fix_free(struct tsa_fix *f)
{
	X509_free(f->cert);
	EVP_PKEY_free(f->key);
}

/* genTime for reply_at: the time_t pointed to by data. */
static int
fixed_time(TS_RESP_CTX *ctx, void *data, long *sec, long *usec)
{
	(void)ctx;
	*sec = (long)*(const time_t *)data;
	*usec = 0;
	return 1;
}

/* A TimeStampResp DER from f over SHA-256(data) with our nonce, dated
 * *when (NULL: now). */
static unsigned char *
reply_at(size_t *len, const struct tsa_fix *f, const unsigned char *data,
	 size_t dlen, const time_t *when)
{
	unsigned char md[32], *der = NULL, *out;
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	ASN1_INTEGER *n = ASN1_INTEGER_new();
	TS_RESP_CTX *ctx = TS_RESP_CTX_new();
	BIO *bio = BIO_new(BIO_s_mem());
	ASN1_OBJECT *policy = OBJ_txt2obj("1.2.3.4.1", 1);
	TS_RESP *resp;
	int l;

	EVP_Digest(data, dlen, md, NULL, EVP_sha256(), NULL);
	X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL);
	TS_MSG_IMPRINT_set_algo(mi, alg);
	TS_MSG_IMPRINT_set_msg(mi, md, sizeof(md));
	ASN1_STRING_set(n, nonce, sizeof(nonce));
	TS_REQ_set_version(req, 1);
	TS_REQ_set_msg_imprint(req, mi);
	TS_REQ_set_nonce(req, n);
	TS_REQ_set_cert_req(req, 1);
	ck_assert_int_gt(i2d_TS_REQ_bio(bio, req), 0);
	TS_RESP_CTX_set_signer_cert(ctx, f->cert);
	TS_RESP_CTX_set_signer_key(ctx, f->key);
	TS_RESP_CTX_set_def_policy(ctx, policy);
	TS_RESP_CTX_add_md(ctx, EVP_sha256());
	if (when != NULL)
		TS_RESP_CTX_set_time_cb(ctx, fixed_time, (void *)when);
	resp = TS_RESP_create_response(ctx, bio);
	ck_assert_ptr_nonnull(resp);
	l = i2d_TS_RESP(resp, &der);
	ck_assert_int_gt(l, 0);
	out = malloc((size_t)l);
	memcpy(out, der, (size_t)l);
	*len = (size_t)l;
	OPENSSL_free(der);
	TS_RESP_free(resp);
	ASN1_OBJECT_free(policy);
	BIO_free(bio);
	TS_RESP_CTX_free(ctx);
	ASN1_INTEGER_free(n);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	return out;
}

static unsigned char *
reply(size_t *len, const struct tsa_fix *f, const unsigned char *data,
      size_t dlen)
{
	return reply_at(len, f, data, dlen, NULL);
}

static struct tsa_trust *
trust(const struct tsa_fix *f)
{
	char *dir = testutil_tmpdir(), path[512];
	struct tsa_trust *t = NULL;
	struct err e = ERR_INIT;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/tsa.pem", dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	PEM_write_X509(fp, f->cert);
	fclose(fp);
	ck_assert_int_eq(tsa_trust_load(&t, path, &e), 0);
	remove(path);
	remove(dir);
	free(dir);
	return t;
}

START_TEST(test_good_and_twins)
{
	struct tsa_fix one, two;
	struct tsa_trust *t1, *t2;
	struct err e = ERR_INIT;
	char when[TSA_TIME_MAX];
	unsigned char *der, other_nonce[TSA_NONCE_LEN];
	size_t len;

	fix_new(&one, "one");
	fix_new(&two, "two");
	t1 = trust(&one);
	t2 = trust(&two);
	der = reply(&len, &one, sig, sizeof(sig));
	ck_assert_int_eq(tsa_reply_check(der, len, sig, sizeof(sig), nonce,
					 sizeof(nonce), &e),
			 0);
	ck_assert_int_eq(tsa_verify(when, t1, der, len, sig, sizeof(sig), &e),
			 0);
	ck_assert_int_eq(strlen(when), 20);
	/* other signature */
	ck_assert_int_eq(tsa_reply_check(der, len, sig, sizeof(sig) - 1, nonce,
					 sizeof(nonce), &e),
			 -EXIT_REJECTED);
	ck_assert_int_eq(
	    tsa_verify(when, t1, der, len, sig, sizeof(sig) - 1, &e),
	    -EXIT_REJECTED);
	/* other nonce */
	memcpy(other_nonce, nonce, sizeof(nonce));
	other_nonce[7] ^= 1;
	ck_assert_int_eq(tsa_reply_check(der, len, sig, sizeof(sig),
					 other_nonce, sizeof(other_nonce), &e),
			 -EXIT_REJECTED);
	/* other TSA */
	ck_assert_int_eq(tsa_verify(when, t2, der, len, sig, sizeof(sig), &e),
			 -EXIT_REJECTED);
	free(der);
	tsa_trust_free(t1);
	tsa_trust_free(t2);
	fix_free(&one);
	fix_free(&two);
}
END_TEST

START_TEST(test_truncated_and_trailing)
{
	struct tsa_fix one;
	struct tsa_trust *t;
	struct err e = ERR_INIT;
	char when[TSA_TIME_MAX];
	unsigned char *der, *cut, *longer;
	size_t len, i;

	fix_new(&one, "one");
	t = trust(&one);
	der = reply(&len, &one, sig, sizeof(sig));
	for (i = 0; i < len; i++) {
		cut = malloc(i ? i : 1);
		memcpy(cut, der, i);
		ck_assert_int_eq(
		    tsa_reply_check(cut, i, sig, sizeof(sig), NULL, 0, &e),
		    -EXIT_REJECTED);
		ck_assert_int_eq(
		    tsa_verify(when, t, cut, i, sig, sizeof(sig), &e),
		    -EXIT_REJECTED);
		free(cut);
	}
	longer = malloc(len + 1);
	memcpy(longer, der, len);
	longer[len] = 0;
	ck_assert_int_eq(
	    tsa_verify(when, t, longer, len + 1, sig, sizeof(sig), &e),
	    -EXIT_REJECTED);
	/* every single-byte flip: no crash, and never a different genTime
	 * source accepted for another signature */
	for (i = 0; i < len; i++) {
		memcpy(longer, der, len);
		longer[i] ^= 0x5a;
		tsa_verify(when, t, longer, len, sig, sizeof(sig), &e);
		ck_assert_int_ne(
		    tsa_verify(when, t, longer, len, sig, sizeof(sig) - 1, &e),
		    0);
	}
	free(longer);
	free(der);
	tsa_trust_free(t);
	fix_free(&one);
}
END_TEST

/*
 * SPEC-TSA-7, SPEC-TSA-8: the chain is checked at genTime, and genTime
 * must fall inside the TSA certificate's validity. Offsets are seconds
 * from now; when is absolute when not 0.
 */
struct time_row {
	const char *name;
	long nb, na; /* certificate validity */
	long at;     /* genTime offset from now */
	time_t when; /* absolute genTime, overrides at */
	int rc;
	const char *why;
};

#define DAY 86400L
static const struct time_row time_rows[] = {
    {"genTime now, certificate valid", -DAY, DAY, 0, 0, 0, NULL},
    {"genTime 2000, certificate valid now", -DAY, DAY, 0, 946684800,
     -EXIT_REJECTED, "outside the TSA certificate's validity"},
    {"genTime 2099, certificate valid now", -DAY, DAY, 0, 4070908800,
     -EXIT_REJECTED, "outside the TSA certificate's validity"},
    {"certificate expired since, genTime inside", -10 * DAY, -DAY, -5 * DAY, 0,
     0, NULL},
    {"certificate expired, genTime after it", -10 * DAY, -DAY, 0, 0,
     -EXIT_REJECTED, "outside the TSA certificate's validity"},
    {"certificate not yet valid at genTime", -DAY, DAY, -2 * DAY, 0,
     -EXIT_REJECTED, "outside the TSA certificate's validity"},
};

START_TEST(test_gentime)
{
	const struct time_row *r = &time_rows[_i];
	time_t when = r->when ? r->when : time(NULL) + r->at;
	char got[TSA_TIME_MAX], want[TSA_TIME_MAX];
	struct err e = ERR_INIT;
	struct tsa_trust *t;
	struct tsa_fix f;
	unsigned char *der;
	size_t len;
	int rc;

	fix_new_valid(&f, "dated", r->nb, r->na);
	t = trust(&f);
	der = reply_at(&len, &f, sig, sizeof(sig), &when);
	rc = tsa_verify(got, t, der, len, sig, sizeof(sig), &e);
	ck_assert_msg(rc == r->rc, "%s: %d %s", r->name, rc, e.msg);
	if (r->rc != 0) {
		ck_assert_msg(strstr(e.msg, r->why) != NULL, "%s: %s", r->name,
			      e.msg);
	} else {
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ",
			 gmtime(&when));
		ck_assert_str_eq(got, want);
	}
	free(der);
	tsa_trust_free(t);
	fix_free(&f);
}
END_TEST

struct bad_row {
	const char *name;
	const unsigned char *der;
	size_t len;
};

static const unsigned char zeros[64];
static const unsigned char indefinite[] = {0x30, 0x80, 0x02, 0x01,
					   0x00, 0x00, 0x00};
static const unsigned char huge_len[] = {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff};
static const unsigned char status_only[] = {0x30, 0x05, 0x30, 0x03,
					    0x02, 0x01, 0x00};
static const unsigned char rejection[] = {0x30, 0x05, 0x30, 0x03,
					  0x02, 0x01, 0x02};
static const unsigned char text[] = "not DER at all";

static const struct bad_row bad_rows[] = {
    {"empty", text, 0},
    {"zeros", zeros, sizeof(zeros)},
    {"indefinite", indefinite, sizeof(indefinite)},
    {"huge length", huge_len, sizeof(huge_len)},
    {"granted without token", status_only, sizeof(status_only)},
    {"status rejection", rejection, sizeof(rejection)},
    {"text", text, sizeof(text)},
    {"over the ceiling", zeros, TSA_MAX_RESP_BYTES + 1},
};

START_TEST(test_bad)
{
	const struct bad_row *r = &bad_rows[_i];
	struct err e = ERR_INIT;
	unsigned char *buf = calloc(1, r->len + 1);

	memcpy(buf, r->der, r->len < sizeof(zeros) ? r->len : sizeof(zeros));
	ck_assert_msg(tsa_reply_check(buf, r->len, sig, sizeof(sig), NULL, 0,
				      &e) == -EXIT_REJECTED,
		      "%s accepted", r->name);
	free(buf);
}
END_TEST

START_TEST(test_trust_load_bad)
{
	struct tsa_trust *t = NULL;
	struct err e = ERR_INIT;

	ck_assert_int_eq(tsa_trust_load(&t, "/nonexistent/chain.pem", &e),
			 -EXIT_UNDECIDED);
	ck_assert_int_eq(tsa_trust_load(&t, "/dev/null", &e), -EXIT_UNDECIDED);
	ck_assert_ptr_null(t);
}
END_TEST

START_TEST(test_bad_urls)
{
	static const char *const urls[] = {"ftp://x/",
					   "http://tsa.example/",
					   "http://127.0.0.1@evil/",
					   "http://localhost.evil/",
					   "http://[::1",
					   "127.0.0.1:80"};
	unsigned char *der = NULL;
	struct err e = ERR_INIT;
	size_t len, i;

	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
		ck_assert_msg(tsa_timestamp(&der, &len, urls[i], sig,
					    sizeof(sig), &e) == -EXIT_USAGE,
			      "%s accepted", urls[i]);
}
END_TEST

static Suite *
tsa_suite(void)
{
	Suite *s = suite_create("tsa");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_good_and_twins);
	tcase_add_test(tc, test_truncated_and_trailing);
	tcase_add_loop_test(tc, test_bad, 0,
			    sizeof(bad_rows) / sizeof(bad_rows[0]));
	tcase_add_test(tc, test_trust_load_bad);
	tcase_add_test(tc, test_bad_urls);
	tcase_add_loop_test(tc, test_gentime, 0,
			    sizeof(time_rows) / sizeof(time_rows[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(tsa_suite());
}

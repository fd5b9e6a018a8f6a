/*
 * RFC 3161 timestamp token checks on OpenSSL's TS API (tsa.h). Asking a
 * TSA for a timestamp is tsa_request.c.
 */
#include "lib/tsa_int.h"

struct tsa_trust {
	STACK_OF(X509) * certs;
};

int
tsa_parse_reply(TS_RESP **out, const unsigned char *der, size_t len,
		struct err *e)
{
	const unsigned char *p = der;

	*out = NULL;
	/* SPEC-TSA-5: a ceiling on every token. */
	if (len == 0 || len > TSA_MAX_RESP_BYTES)
		return err_set(e, EXIT_REJECTED,
			       "timestamp: size %zu not in 1..%zu", len,
			       TSA_MAX_RESP_BYTES);
	*out = d2i_TS_RESP(NULL, &p, (long)len);
	if (*out == NULL)
		return err_ossl(e, EXIT_REJECTED,
				"timestamp: not a TimeStampResp");
	if (p != der + len) {
		TS_RESP_free(*out);
		*out = NULL;
		return err_set(e, EXIT_REJECTED,
			       "timestamp: trailing bytes after the "
			       "TimeStampResp");
	}
	return 0;
}

static int
nonce_matches(const ASN1_INTEGER *got, const unsigned char *nonce,
	      size_t noncelen)
{
	BIGNUM *a = got ? ASN1_INTEGER_to_BN(got, NULL) : NULL;
	BIGNUM *b = BN_bin2bn(nonce, (int)noncelen, NULL);
	int same = a != NULL && b != NULL && BN_cmp(a, b) == 0;

	BN_free(a);
	BN_free(b);
	return same;
}

/* SPEC-TSA-2: status granted, imprint SHA-256(sig), our nonce. */
int
tsa_check_resp(TS_RESP *resp, const unsigned char *sig, size_t siglen,
	       const unsigned char *nonce, size_t noncelen, struct err *e)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	TS_STATUS_INFO *si = TS_RESP_get_status_info(resp);
	TS_TST_INFO *tst = TS_RESP_get_tst_info(resp);
	const ASN1_OBJECT *obj = NULL;
	TS_MSG_IMPRINT *mi;
	ASN1_OCTET_STRING *msg;
	long status;

	status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
	if (status != 0 && status != 1)
		return err_set(e, EXIT_REJECTED,
			       "timestamp: the TSA refused (status %ld)",
			       status);
	if (tst == NULL)
		return err_set(e, EXIT_REJECTED, "timestamp: no token");
	mi = TS_TST_INFO_get_msg_imprint(tst);
	X509_ALGOR_get0(&obj, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
	msg = TS_MSG_IMPRINT_get_msg(mi);
	SHA256(sig, siglen, md);
	if (obj == NULL || OBJ_obj2nid(obj) != NID_sha256 || msg == NULL ||
	    ASN1_STRING_length(msg) != (int)sizeof(md) ||
	    memcmp(ASN1_STRING_get0_data(msg), md, sizeof(md)) != 0)
		return err_set(e, EXIT_REJECTED,
			       "timestamp: not over this signature (imprint "
			       "is not its SHA-256)");
	if (nonce != NULL &&
	    !nonce_matches(TS_TST_INFO_get_nonce(tst), nonce, noncelen))
		return err_set(e, EXIT_REJECTED,
			       "timestamp: the nonce does not match");
	return 0;
}

int
tsa_trust_load(struct tsa_trust **out, const char *path, struct err *e)
{
	struct tsa_trust *t = calloc(1, sizeof(*t));
	unsigned char *pem = NULL;
	size_t len;
	BIO *bio = NULL;
	X509 *x;
	int rc = 0;

	*out = NULL;
	if (t == NULL || (t->certs = sk_X509_new_null()) == NULL) {
		free(t);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	rc = file_read(&pem, &len, path, TSA_MAX_TRUST_BYTES, e);
	if (rc != 0)
		goto out;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL) {
		rc = err_ossl(e, EXIT_UNDECIDED, "%s: cannot read", path);
		goto out;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_num(t->certs) >= 64 || !sk_X509_push(t->certs, x)) {
			X509_free(x);
			rc = err_set(e, EXIT_UNDECIDED,
				     "%s: too many certificates", path);
			goto out;
		}
	}
	ERR_clear_error();
	if (sk_X509_num(t->certs) == 0)
		rc =
		    err_set(e, EXIT_UNDECIDED, "%s: no PEM certificates", path);
out:
	BIO_free(bio);
	free(pem);
	if (rc != 0) {
		tsa_trust_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int
tsa_trust_chain(struct tsa_trust **out, STACK_OF(X509) * chain, struct err *e)
{
	struct tsa_trust *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (t == NULL || (t->certs = X509_chain_up_ref(chain)) == NULL) {
		free(t);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	*out = t;
	return 0;
}

void
tsa_trust_free(struct tsa_trust *t)
{
	if (t == NULL)
		return;
	sk_X509_pop_free(t->certs, X509_free);
	free(t);
}

static int
gen_time(char out[TSA_TIME_MAX], time_t *when, TS_TST_INFO *tst, struct err *e)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(TS_TST_INFO_get_time(tst), &tm) != 1 ||
	    strftime(out, TSA_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 ||
	    (*when = timegm(&tm)) == (time_t)-1)
		return err_set(e, EXIT_REJECTED, "timestamp: bad genTime");
	return 0;
}

/* "YYYY-MM-DDTHH:MM:SSZ" of an ASN1_TIME, or "?" */
static void
show_time(char out[TSA_TIME_MAX], const ASN1_TIME *t)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(out, TSA_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, TSA_TIME_MAX, "?");
}

/*
 * SPEC-TSA-8: genTime inside the signer certificate's validity. The
 * signer is looked up in the token and in t; the signature that binds it
 * is checked next, by verify_sig.
 */
static int
check_signer_time(const struct tsa_trust *t, TS_RESP *resp, const char *gentime,
		  time_t when, struct err *e)
{
	STACK_OF(X509) * signers;
	char from[TSA_TIME_MAX], until[TSA_TIME_MAX];
	const ASN1_TIME *nb, *na;
	X509 *x;
	int rc = 0;

	signers = PKCS7_get0_signers(TS_RESP_get_token(resp), t->certs, 0);
	if (signers == NULL || sk_X509_num(signers) != 1) {
		sk_X509_free(signers);
		return err_ossl(e, EXIT_REJECTED,
				"timestamp: not signed by a trusted TSA");
	}
	x = sk_X509_value(signers, 0);
	nb = X509_get0_notBefore(x);
	na = X509_get0_notAfter(x);
	if (X509_cmp_time(nb, &when) >= 0 || X509_cmp_time(na, &when) <= 0) {
		show_time(from, nb);
		show_time(until, na);
		rc = err_set(e, EXIT_REJECTED,
			     "timestamp: genTime %s is outside the TSA "
			     "certificate's validity (%s to %s)",
			     gentime, from, until);
	}
	sk_X509_free(signers);
	return rc;
}

/* SPEC-TSA-4, SPEC-TSA-7: signed by a timeStamping certificate chaining
 * to t, the chain checked at genTime. */
static int
verify_sig(const struct tsa_trust *t, TS_RESP *resp, time_t when,
	   const unsigned char *sig, size_t siglen, struct err *e)
{
	TS_VERIFY_CTX *ctx = TS_VERIFY_CTX_new();
	X509_STORE *store = X509_STORE_new();
	unsigned char *md = OPENSSL_malloc(SHA256_DIGEST_LENGTH);
	int i, ok = ctx != NULL && store != NULL && md != NULL;

	for (i = 0; ok && i < sk_X509_num(t->certs); i++)
		ok = X509_STORE_add_cert(store, sk_X509_value(t->certs, i));
	if (ok)
		X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), when);
	if (!ok) {
		TS_VERIFY_CTX_free(ctx);
		X509_STORE_free(store);
		OPENSSL_free(md);
		return err_ossl(e, EXIT_UNDECIDED, "out of memory");
	}
	SHA256(sig, siglen, md);
	TS_VERIFY_CTX_set_store(ctx, store); /* owns store */
	/* The signer may be left out of the token (RFC 3161 certReq false):
	 * it is then looked up among the trusted certificates. */
	TS_VERIFY_CTX_set_certs(ctx, X509_chain_up_ref(t->certs)); /* owns */
	TS_VERIFY_CTX_set_imprint(ctx, md, SHA256_DIGEST_LENGTH);  /* owns md */
	TS_VERIFY_CTX_set_flags(ctx, TS_VFY_VERSION | TS_VFY_SIGNATURE |
					 TS_VFY_IMPRINT);
	ok = TS_RESP_verify_response(ctx, resp) == 1;
	TS_VERIFY_CTX_free(ctx);
	return ok ? 0
		  : err_ossl(e, EXIT_REJECTED,
			     "timestamp: not signed by a trusted TSA");
}

int
tsa_verify(char gentime[TSA_TIME_MAX], const struct tsa_trust *t,
	   const unsigned char *der, size_t len, const unsigned char *sig,
	   size_t siglen, struct err *e)
{
	TS_RESP *resp = NULL;
	time_t when = 0;
	int rc;

	rc = tsa_parse_reply(&resp, der, len, e);
	if (rc == 0)
		rc = tsa_check_resp(resp, sig, siglen, NULL, 0, e);
	if (rc == 0)
		rc = gen_time(gentime, &when, TS_RESP_get_tst_info(resp), e);
	if (rc == 0)
		rc = check_signer_time(t, resp, gentime, when, e);
	if (rc == 0)
		rc = verify_sig(t, resp, when, sig, siglen, e);
	if (rc != 0)
		gentime[0] = '\0';
	TS_RESP_free(resp);
	return rc;
}

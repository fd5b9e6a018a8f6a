/*
 * RFC 3161 timestamp requests (tsa.h): attest sign --tsa. A verifier
 * never links this unit.
 */
#include "lib/tsa_int.h"

/* SPEC-TSA-3: https, or plain http to a loopback host only (lib/url). */
int
tsa_url_check(int *plain, const char *url, struct err *e)
{
	struct url u;
	int rc;

	if (strlen(url) > TSA_MAX_URL)
		return err_set(e, EXIT_USAGE, "--tsa: URL too long");
	rc = url_parse(&u, url, e);
	if (rc == 0)
		rc = url_allowed(&u, !u.https, e);
	if (rc != 0)
		return err_prefix(e, "--tsa");
	*plain = !u.https;
	return 0;
}

/* SPEC-TSA-1: imprint SHA-256(sig), a random nonce, certReq true. */
static int
make_query(unsigned char **out, size_t *outlen,
	   unsigned char nonce[TSA_NONCE_LEN], const unsigned char *sig,
	   size_t siglen, struct err *e)
{
	unsigned char md[SHA256_DIGEST_LENGTH], *der = NULL;
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	ASN1_INTEGER *n = NULL;
	BIGNUM *bn = NULL;
	int rc = -1, len;

	*out = NULL;
	SHA256(sig, siglen, md);
	if (RAND_bytes(nonce, TSA_NONCE_LEN) != 1)
		goto out;
	/* Positive with a non-zero first byte: its DER bytes are nonce. */
	nonce[0] = (unsigned char)((nonce[0] & 0x7f) | 0x40);
	bn = BN_bin2bn(nonce, TSA_NONCE_LEN, NULL);
	n = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	if (req == NULL || mi == NULL || alg == NULL || n == NULL ||
	    !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
	    !TS_MSG_IMPRINT_set_algo(mi, alg) ||
	    !TS_MSG_IMPRINT_set_msg(mi, md, sizeof(md)) ||
	    !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, mi) ||
	    !TS_REQ_set_nonce(req, n) || !TS_REQ_set_cert_req(req, 1))
		goto out;
	len = i2d_TS_REQ(req, &der);
	if (len <= 0)
		goto out;
	*out = malloc((size_t)len);
	if (*out == NULL)
		goto out;
	memcpy(*out, der, (size_t)len);
	*outlen = (size_t)len;
	rc = 0;
out:
	if (rc != 0)
		err_ossl(e, EXIT_UNDECIDED, "cannot build a timestamp request");
	OPENSSL_free(der);
	BN_free(bn);
	ASN1_INTEGER_free(n);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	return rc == 0 ? 0 : -EXIT_UNDECIDED;
}

int
tsa_reply_check(const unsigned char *der, size_t len, const unsigned char *sig,
		size_t siglen, const unsigned char *nonce, size_t noncelen,
		struct err *e)
{
	TS_RESP *resp = NULL;
	int rc;

	rc = tsa_parse_reply(&resp, der, len, e);
	if (rc == 0)
		rc = tsa_check_resp(resp, sig, siglen, nonce, noncelen, e);
	TS_RESP_free(resp);
	return rc;
}

static int
undecided(struct err *e)
{
	e->code = EXIT_UNDECIDED;
	return err_prefix(e, "timestamp authority");
}

int
tsa_timestamp(unsigned char **der, size_t *len, const char *url,
	      const unsigned char *sig, size_t siglen, struct err *e)
{
	unsigned char nonce[TSA_NONCE_LEN], *q = NULL;
	struct http_resp resp;
	struct http_req req;
	struct http *h = NULL;
	size_t qlen = 0;
	int plain = 0, rc;

	*der = NULL;
	memset(&resp, 0, sizeof(resp));
	rc = tsa_url_check(&plain, url, e);
	if (rc == 0)
		rc = make_query(&q, &qlen, nonce, sig, siglen, e);
	if (rc == 0)
		rc = http_new(&h, plain, e);
	if (rc != 0)
		goto out;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = url;
	req.accept = "application/timestamp-reply";
	req.ctype = "application/timestamp-query";
	req.body = q;
	req.len = qlen;
	req.max = TSA_MAX_RESP_BYTES;
	rc = http_do(&resp, h, &req, e);
	if (rc == 0 && resp.status != 200)
		rc = err_set(e, EXIT_UNDECIDED, "answered HTTP %ld",
			     resp.status);
	if (rc == 0)
		rc = tsa_reply_check(resp.body, resp.len, sig, siglen, nonce,
				     sizeof(nonce), e);
	if (rc != 0) {
		rc = undecided(e);
		goto out;
	}
	*der = resp.body;
	*len = resp.len;
	resp.body = NULL;
out:
	http_resp_clear(&resp);
	http_free(h);
	free(q);
	return rc;
}

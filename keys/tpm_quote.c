/*
 * Quoting PCRs with a TPM attestation key (spec/tpm.md). Checking a quote
 * needs no TPM: that is tpmquote.c. A verifier never links this unit.
 */
#include "keys/tpm_int.h"

/* Reads the selected PCRs into vals in selection order (≤8 per call). */
static int
read_pcrs(unsigned char *vals, struct tpm *t, const struct tpmquote_pcrs *s,
	  struct err *e)
{
	uint32_t left = s->mask, got, bit;
	TPML_PCR_SELECTION want, *sel = NULL;
	TPML_DIGEST *d = NULL;
	size_t j, slot;
	unsigned i;
	TSS2_RC r;
	int rc = 0;

	while (rc == 0 && left != 0) {
		tpm_to_selection(&want, s->alg, left);
		r = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE,
				  ESYS_TR_NONE, &want, NULL, &sel, &d);
		if (r != TSS2_RC_SUCCESS)
			return tpm_fail(e, r, "PCR_Read");
		if (tpm_from_selection(&got, sel, s->alg) != 0 || got == 0 ||
		    (got & ~left) != 0)
			rc = err_set(e, EXIT_UNDECIDED,
				     "PCR bank %s is not active on this TPM",
				     s->bank);
		for (i = 0, j = 0, slot = 0; rc == 0 && i < TPMQUOTE_PCR_COUNT;
		     i++) {
			bit = (uint32_t)1 << i;
			if (!(s->mask & bit))
				continue;
			if (got & bit) {
				if (j >= d->count ||
				    d->digests[j].size != s->digest_len) {
					rc = err_set(e, EXIT_UNDECIDED,
						     "PCR_Read: short answer");
					break;
				}
				memcpy(vals + slot * s->digest_len,
				       d->digests[j++].buffer, s->digest_len);
			}
			slot++;
		}
		left &= ~got;
		Esys_Free(sel);
		Esys_Free(d);
		sel = NULL;
		d = NULL;
	}
	return rc;
}

static int
quote_json(json_t **out, const struct key *ak, const TPM2B_ATTEST *quoted,
	   const unsigned char *sig, size_t siglen, const unsigned char *vals,
	   const struct tpmquote_pcrs *s, struct err *e)
{
	char canon[TPMQUOTE_PCRS_TEXT_MAX], key[4], hex[129];
	char *attest = b64_encode(quoted->attestationData, quoted->size);
	char *sigb = b64_encode(sig, siglen), *pem = NULL;
	json_t *values = json_object();
	size_t len, slot = 0;
	unsigned i;
	int rc;

	*out = NULL;
	tpmquote_pcrs_format(canon, s);
	rc = key_public_pem(&pem, &len, ak, e);
	for (i = 0; rc == 0 && i < TPMQUOTE_PCR_COUNT; i++) {
		if (!(s->mask & ((uint32_t)1 << i)))
			continue;
		snprintf(key, sizeof(key), "%u", i);
		hex_encode(hex, vals + slot++ * s->digest_len, s->digest_len);
		rc = jsonio_set(values, key, json_string(hex), e);
	}
	/* SPEC-TPM-4 */
	if (rc == 0 &&
	    (attest == NULL || sigb == NULL ||
	     (*out = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:O}", "version",
			       TPMQUOTE_VERSION, "nonceBinding",
			       TPMQUOTE_BINDING, "attest", attest, "signature",
			       sigb, "akPublicKey", pem, "pcrSelection", canon,
			       "pcrValues", values)) == NULL))
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	free(attest);
	free(sigb);
	free(pem);
	json_decref(values);
	return rc;
}

/* One quote with its PCR values; the caller checks the result. */
static int
quote_once(json_t **out, const struct key *ak, const struct tpm_key *k,
	   const struct tpmquote_pcrs *s, const unsigned char *nonce,
	   struct err *e)
{
	unsigned char vals[TPMQUOTE_PCR_COUNT * 64];
	unsigned char *der = NULL;
	struct tpm t = TPM_INIT;
	TPM2B_ATTEST *quoted = NULL;
	TPMT_SIGNATURE *sig = NULL;
	TPML_PCR_SELECTION sel;
	TPMT_SIG_SCHEME scheme;
	TPM2B_DATA qd;
	ESYS_TR auth;
	size_t derlen = 0;
	TSS2_RC r;
	int rc;

	memset(&scheme, 0, sizeof(scheme));
	scheme.scheme = TPM2_ALG_NULL; /* the AK's own: ECDSA/SHA-256 */
	qd.size = TPMQUOTE_NONCE_LEN;
	memcpy(qd.buffer, nonce, TPMQUOTE_NONCE_LEN);
	tpm_to_selection(&sel, s->alg, s->mask);
	rc = tpm_key_open(&t, &auth, k, e);
	if (rc == 0) {
		r = Esys_Quote(t.esys, t.obj, auth, ESYS_TR_NONE, ESYS_TR_NONE,
			       &qd, &scheme, &sel, &quoted, &sig);
		if (r != TSS2_RC_SUCCESS)
			rc = tpm_fail(e, r, "TPM2_Quote");
	}
	if (rc == 0)
		rc = read_pcrs(vals, &t, s, e);
	tpm_close(&t);
	if (rc == 0)
		rc = tpm_signature_der(&der, &derlen, sig, e);
	if (rc == 0)
		rc = quote_json(out, ak, quoted, der, derlen, vals, s, e);
	free(der);
	Esys_Free(quoted);
	Esys_Free(sig);
	return rc;
}

/* SPEC-TPM-6 */
int
tpm_quote(json_t **out, const struct key *ak, const char *pcrs,
	  const json_t *statement, struct err *e)
{
	const struct tpm_key *k = tpm_key_ctx(ak);
	unsigned char nonce[TPMQUOTE_NONCE_LEN];
	struct tpmquote_pcrs s;
	int attempt, rc;

	*out = NULL;
	if (k == NULL || k->kind == TK_SEALED)
		return err_set(e, EXIT_USAGE,
			       "--tpm-ak %s: not a TPM-resident key "
			       "(tpm:handle= or tpm:blob=)",
			       key_source(ak));
	rc = tpmquote_pcrs_parse(&s, pcrs, EXIT_USAGE, e);
	if (rc == 0)
		rc = tpmquote_nonce(nonce, statement, e);
	/* A PCR extended between the quote and the read makes the check
	 * below fail; that race is retried, anything else is reported. */
	for (attempt = 0; rc == 0; attempt++) {
		rc = quote_once(out, ak, k, &s, nonce, e);
		if (rc != 0)
			break;
		rc = tpmquote_verify(*out, statement, NULL, NULL, e);
		if (rc == 0)
			return 0;
		json_decref(*out);
		*out = NULL;
		if (attempt == 2)
			return err_prefix(e, "the new quote fails its check");
		rc = 0;
	}
	return rc;
}

/*
 * Creating TPM signing keys (SPEC-TPM-1, SPEC-TPM-3): attest key
 * generate --tpm. A verifier never links this unit.
 */
#include "keys/tpm_int.h"

/* The ECC P-256 signing key template (SPEC-TPM-1). */
static void
sign_template(TPM2B_PUBLIC *p, const TPM2B_DIGEST *policy, int restricted)
{
	TPMS_ECC_PARMS *ecc = &p->publicArea.parameters.eccDetail;

	memset(p, 0, sizeof(*p));
	p->publicArea.type = TPM2_ALG_ECC;
	p->publicArea.nameAlg = TPM2_ALG_SHA256;
	p->publicArea.objectAttributes =
	    TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM |
	    TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
	    TPMA_OBJECT_NODA;
	if (policy->size == 0)
		p->publicArea.objectAttributes |= TPMA_OBJECT_USERWITHAUTH;
	if (restricted)
		p->publicArea.objectAttributes |= TPMA_OBJECT_RESTRICTED;
	p->publicArea.authPolicy = *policy;
	ecc->symmetric.algorithm = TPM2_ALG_NULL;
	ecc->scheme.scheme = TPM2_ALG_ECDSA;
	ecc->scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	ecc->curveID = TPM2_ECC_NIST_P256;
	ecc->kdf.scheme = TPM2_ALG_NULL;
}

/* Creates tmpl (with sens) under a fresh primary: *pub, *priv new. */
int
tpm_create_object(TPM2B_PUBLIC **pub, TPM2B_PRIVATE **priv, struct tpm *t,
		  const TPM2B_SENSITIVE_CREATE *sens, const TPM2B_PUBLIC *tmpl,
		  struct err *e)
{
	TPML_PCR_SELECTION none;
	TPM2B_DATA outside;
	TSS2_RC r;
	int rc = t->primary == ESYS_TR_NONE ? tpm_primary(t, e) : 0;

	memset(&none, 0, sizeof(none));
	memset(&outside, 0, sizeof(outside));
	if (rc != 0)
		return rc;
	r = Esys_Create(t->esys, t->primary, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			ESYS_TR_NONE, sens, tmpl, &outside, &none, priv, pub,
			NULL, NULL, NULL);
	return r == TSS2_RC_SUCCESS ? 0 : tpm_fail(e, r, "creating the key");
}

/* EvictControl of the loaded object to handle. */
static int
tpm_persist(struct tpm *t, uint32_t handle, struct err *e)
{
	ESYS_TR pers = ESYS_TR_NONE;
	char what[64];
	TSS2_RC r;

	r = Esys_EvictControl(t->esys, ESYS_TR_RH_OWNER, t->obj,
			      ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
			      handle, &pers);
	if (r != TSS2_RC_SUCCESS) {
		snprintf(what, sizeof(what), "persisting at 0x%08x", handle);
		return tpm_fail(e, r, what);
	}
	Esys_TR_Close(t->esys, &pers);
	return 0;
}

int
tpm_pcrs_opt(struct tpm_file *f, const char *pcrs, struct err *e)
{
	if (pcrs == NULL)
		return 0;
	f->has_pcrs = 1;
	return tpmquote_pcrs_parse(&f->pcrs, pcrs, EXIT_USAGE, e);
}

static int
keyref_new(char **out, const char *fmt_kind, const char *val,
	   const struct tpm_file *f, struct err *e)
{
	char canon[TPMQUOTE_PCRS_TEXT_MAX] = "";
	size_t n;

	if (f->has_pcrs)
		tpmquote_pcrs_format(canon, &f->pcrs);
	n = strlen(fmt_kind) + strlen(val) + strlen(canon) + 16;
	*out = malloc(n);
	if (*out == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	snprintf(*out, n, "tpm:%s=%s%s%s", fmt_kind, val,
		 f->has_pcrs && strcmp(fmt_kind, "handle") == 0 ? ",pcrs=" : "",
		 f->has_pcrs && strcmp(fmt_kind, "handle") == 0 ? canon : "");
	return 0;
}

int
tpm_create(char **keyref, char **pem, size_t *len,
	   const struct tpm_create_opts *o, struct err *e)
{
	struct tpm t = TPM_INIT;
	struct tpm_file *f = calloc(1, sizeof(*f));
	TPM2B_SENSITIVE_CREATE sens;
	TPM2B_PUBLIC tmpl, *pub = NULL;
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_DIGEST policy;
	const char *tcti = NULL;
	char hex[16];
	int rc = 0;

	*keyref = *pem = NULL;
	memset(&sens, 0, sizeof(sens));
	memset(&policy, 0, sizeof(policy));
	if (f == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	if ((o->handle != 0) == (o->out != NULL))
		rc = err_set(e, EXIT_USAGE,
			     "give exactly one of --handle H and --out FILE");
	else if (o->out != NULL && access(o->out, F_OK) == 0)
		rc = err_set(e, EXIT_UNDECIDED,
			     "%s exists; it is never replaced", o->out);
	if (rc == 0)
		rc = tpm_pcrs_opt(f, o->pcrs, e);
	if (rc == 0)
		rc = tpm_tcti_resolve(&tcti, o->tcti, e);
	if (rc == 0)
		rc = tpm_open(&t, tcti, e);
	if (rc == 0 && f->has_pcrs)
		rc = tpm_policy_digest(&policy, &t, &f->pcrs, e);
	sign_template(&tmpl, &policy, o->restricted);
	if (rc == 0)
		rc = tpm_create_object(&pub, &priv, &t, &sens, &tmpl, e);
	if (rc == 0)
		rc = tpm_public_pem(pem, len, &pub->publicArea, "new key", e);
	if (rc == 0 && o->handle != 0) {
		rc = tpm_load(&t, pub, priv, "loading the new key", e);
		if (rc == 0)
			rc = tpm_persist(&t, o->handle, e);
		snprintf(hex, sizeof(hex), "0x%08x", o->handle);
		if (rc == 0)
			rc = keyref_new(keyref, "handle", hex, f, e);
	} else if (rc == 0) {
		f->kind = FILE_KIND_KEY;
		f->pub = *pub;
		f->priv = *priv;
		rc = tpm_file_write(o->out, f, e);
		if (rc == 0)
			rc = keyref_new(keyref, "blob", o->out, f, e);
	}
	tpm_close(&t);
	Esys_Free(pub);
	Esys_Free(priv);
	free(f);
	if (rc != 0) {
		free(*pem);
		free(*keyref);
		*pem = *keyref = NULL;
	}
	return rc;
}

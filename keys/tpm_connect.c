/*
 * TPM 2.0 on tpm2-tss ESYS (see tpm.h, spec/tpm.md): the connection and
 * what every operation shares. Each operation opens its own connection
 * into a struct tpm that records every object and session it loads;
 * tpm_close flushes them all, so no path leaves a transient behind (swtpm
 * and TPMs without a resource manager have 3 object slots). Keys carry
 * noda so nothing here can feed the dictionary-attack counter.
 */
#include "keys/tpm_int.h"

int
tpm_tcti_resolve(const char **out, const char *tcti, struct err *e)
{
	/* SPEC-TPM-10: never the library's default search. */
	if (tcti == NULL || *tcti == '\0')
		return err_set(e, EXIT_USAGE,
			       "no TPM named: give --tcti STR or set "
			       "MLATTEST_TCTI (e.g. device:/dev/tpmrm0 or "
			       "swtpm:host=127.0.0.1,port=2321); the tpm2-tss "
			       "default search is never used");
	if (strlen(tcti) >= TPM_TCTI_MAX)
		return err_set(e, EXIT_USAGE, "TCTI string longer than %d",
			       TPM_TCTI_MAX - 1);
	*out = tcti;
	return 0;
}

/* The TPM response code without its handle/parameter/session number. */
static TSS2_RC
tpm_code(TSS2_RC rc)
{
	if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER)
		return rc;
	if (rc & TPM2_RC_FMT1)
		return rc & (TPM2_RC_FMT1 | 0x3f);
	return rc & 0xfff;
}

int
tpm_fail(struct err *e, TSS2_RC rc, const char *what)
{
	const char *hint = "";

	switch (tpm_code(rc)) {
	case TPM2_RC_POLICY_FAIL:
	case TPM2_RC_PCR_CHANGED:
		return err_set(e, EXIT_REJECTED,
			       "%s: PCR values changed since the key was "
			       "sealed (TPM: %s)",
			       what, Tss2_RC_Decode(rc));
	case TPM2_RC_LOCKOUT:
		hint = " (the TPM is in dictionary-attack lockout; mlattest "
		       "keys are noda, so something else caused it)";
		break;
	case TPM2_RC_OBJECT_MEMORY:
	case TPM2_RC_SESSION_MEMORY:
		hint = " (no free TPM slots: another program left objects "
		       "loaded; flush them or use a resource manager such as "
		       "device:/dev/tpmrm0)";
		break;
	case TPM2_RC_NV_DEFINED:
		return err_set(e, EXIT_USAGE,
			       "%s failed: that persistent handle is already "
			       "in use (TPM: %s)",
			       what, Tss2_RC_Decode(rc));
	case TPM2_RC_HANDLE:
		hint = " (no key at that handle?)";
		break;
	case TPM2_RC_INTEGRITY:
		hint = " (the file was made by another TPM, or the owner seed "
		       "changed since)";
		break;
	case TPM2_RC_BAD_AUTH:
	case TPM2_RC_AUTH_FAIL:
		hint = " (mlattest expects an empty owner password)";
		break;
	default:
		if ((rc & TSS2_RC_LAYER_MASK) == TSS2_TCTI_RC_LAYER)
			hint = " (cannot reach the TPM through the TCTI)";
	}
	return err_set(e, EXIT_UNDECIDED, "%s failed: %s%s", what,
		       Tss2_RC_Decode(rc), hint);
}

void
tpm_close(struct tpm *t)
{
	if (t->esys != NULL) {
		if (t->session != ESYS_TR_NONE)
			Esys_FlushContext(t->esys, t->session);
		if (t->obj != ESYS_TR_NONE && t->persistent)
			Esys_TR_Close(t->esys, &t->obj);
		else if (t->obj != ESYS_TR_NONE)
			Esys_FlushContext(t->esys, t->obj);
		if (t->primary != ESYS_TR_NONE)
			Esys_FlushContext(t->esys, t->primary);
		Esys_Finalize(&t->esys);
	}
	if (t->tcti != NULL)
		Tss2_TctiLdr_Finalize(&t->tcti);
	t->tcti = NULL;
	t->esys = NULL;
	t->primary = t->obj = t->session = ESYS_TR_NONE;
	t->persistent = 0;
}

int
tpm_open(struct tpm *t, const char *tcti, struct err *e)
{
	TSS2_RC rc;

	rc = Tss2_TctiLdr_Initialize(tcti, &t->tcti);
	if (rc != TSS2_RC_SUCCESS) {
		t->tcti = NULL;
		return err_set(e, EXIT_UNDECIDED,
			       "TCTI \"%.200s\": cannot load or connect: %s",
			       tcti, Tss2_RC_Decode(rc));
	}
	rc = Esys_Initialize(&t->esys, t->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		t->esys = NULL;
		return tpm_fail(e, rc, "TPM connection");
	}
	return 0;
}

/* SPEC-TPM-1: the TCG ECC P-256 SRK template, recreated every time. */
static void
tpm_srk_template(TPM2B_PUBLIC *p)
{
	TPMS_ECC_PARMS *ecc = &p->publicArea.parameters.eccDetail;

	memset(p, 0, sizeof(*p));
	p->publicArea.type = TPM2_ALG_ECC;
	p->publicArea.nameAlg = TPM2_ALG_SHA256;
	p->publicArea.objectAttributes =
	    TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
	    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
	    TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
	ecc->symmetric.algorithm = TPM2_ALG_AES;
	ecc->symmetric.keyBits.aes = 128;
	ecc->symmetric.mode.aes = TPM2_ALG_CFB;
	ecc->scheme.scheme = TPM2_ALG_NULL;
	ecc->curveID = TPM2_ECC_NIST_P256;
	ecc->kdf.scheme = TPM2_ALG_NULL;
	p->publicArea.unique.ecc.x.size = 32;
	p->publicArea.unique.ecc.y.size = 32;
}

int
tpm_primary(struct tpm *t, struct err *e)
{
	TPM2B_SENSITIVE_CREATE sens;
	TPML_PCR_SELECTION none;
	TPM2B_DATA outside;
	TPM2B_PUBLIC tmpl;
	TSS2_RC rc;

	memset(&sens, 0, sizeof(sens));
	memset(&none, 0, sizeof(none));
	memset(&outside, 0, sizeof(outside));
	tpm_srk_template(&tmpl);
	rc = Esys_CreatePrimary(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
				ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl,
				&outside, &none, &t->primary, NULL, NULL, NULL,
				NULL);
	if (rc != TSS2_RC_SUCCESS) {
		t->primary = ESYS_TR_NONE;
		return tpm_fail(e, rc, "creating the storage primary");
	}
	return 0;
}

/* Loads pub/priv under the primary into t->obj, then frees the primary. */
int
tpm_load(struct tpm *t, const TPM2B_PUBLIC *pub, const TPM2B_PRIVATE *priv,
	 const char *what, struct err *e)
{
	TSS2_RC rc;
	int r = t->primary == ESYS_TR_NONE ? tpm_primary(t, e) : 0;

	if (r != 0)
		return r;
	rc = Esys_Load(t->esys, t->primary, ESYS_TR_PASSWORD, ESYS_TR_NONE,
		       ESYS_TR_NONE, priv, pub, &t->obj);
	if (rc != TSS2_RC_SUCCESS) {
		t->obj = ESYS_TR_NONE;
		return tpm_fail(e, rc, what);
	}
	Esys_FlushContext(t->esys, t->primary);
	t->primary = ESYS_TR_NONE;
	return 0;
}

/* Opens the persistent key at handle; *pub (may be NULL) new. */
int
tpm_persistent(struct tpm *t, uint32_t handle, TPM2B_PUBLIC **pub,
	       const char *what, struct err *e)
{
	TPM2B_AUTH empty;
	TSS2_RC rc;

	memset(&empty, 0, sizeof(empty));
	rc = Esys_TR_FromTPMPublic(t->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, &t->obj);
	if (rc != TSS2_RC_SUCCESS) {
		t->obj = ESYS_TR_NONE;
		return tpm_fail(e, rc, what);
	}
	t->persistent = 1;
	rc = Esys_TR_SetAuth(t->esys, t->obj, &empty);
	if (rc == TSS2_RC_SUCCESS && pub != NULL)
		rc =
		    Esys_ReadPublic(t->esys, t->obj, ESYS_TR_NONE, ESYS_TR_NONE,
				    ESYS_TR_NONE, pub, NULL, NULL);
	return rc == TSS2_RC_SUCCESS ? 0 : tpm_fail(e, rc, what);
}

void
tpm_to_selection(TPML_PCR_SELECTION *sel, uint16_t alg, uint32_t mask)
{
	memset(sel, 0, sizeof(*sel));
	sel->count = 1;
	sel->pcrSelections[0].hash = alg;
	sel->pcrSelections[0].sizeofSelect = 3;
	sel->pcrSelections[0].pcrSelect[0] = mask & 0xff;
	sel->pcrSelections[0].pcrSelect[1] = (mask >> 8) & 0xff;
	sel->pcrSelections[0].pcrSelect[2] = (mask >> 16) & 0xff;
}

/* The mask of sel's one bank alg; -1 when sel is not exactly that. */
int
tpm_from_selection(uint32_t *mask, const TPML_PCR_SELECTION *sel, uint16_t alg)
{
	const TPMS_PCR_SELECTION *s = &sel->pcrSelections[0];
	size_t i;

	*mask = 0;
	if (sel->count != 1 || s->hash != alg ||
	    s->sizeofSelect > TPM2_PCR_SELECT_MAX)
		return -1;
	for (i = 0; i < s->sizeofSelect; i++) {
		if (i >= 3 && s->pcrSelect[i] != 0)
			return -1;
		*mask |= (uint32_t)s->pcrSelect[i] << (8 * i);
	}
	return 0;
}

/* Starts a session of type and runs PolicyPCR over the current values. */
int
tpm_policy(struct tpm *t, TPM2_SE type, const struct tpmquote_pcrs *s,
	   struct err *e)
{
	TPMT_SYM_DEF sym;
	TPML_PCR_SELECTION sel;
	TPM2B_DIGEST current;
	TSS2_RC rc;

	memset(&sym, 0, sizeof(sym));
	memset(&current, 0, sizeof(current));
	sym.algorithm = TPM2_ALG_NULL;
	tpm_to_selection(&sel, s->alg, s->mask);
	rc = Esys_StartAuthSession(
	    t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	    ESYS_TR_NONE, NULL, type, &sym, TPM2_ALG_SHA256, &t->session);
	if (rc != TSS2_RC_SUCCESS) {
		t->session = ESYS_TR_NONE;
		return tpm_fail(e, rc, "starting a policy session");
	}
	rc = Esys_PolicyPCR(t->esys, t->session, ESYS_TR_NONE, ESYS_TR_NONE,
			    ESYS_TR_NONE, &current, &sel);
	return rc == TSS2_RC_SUCCESS ? 0 : tpm_fail(e, rc, "PolicyPCR");
}

/* The PolicyPCR digest of the current values (trial session). */
int
tpm_policy_digest(TPM2B_DIGEST *out, struct tpm *t,
		  const struct tpmquote_pcrs *s, struct err *e)
{
	TPM2B_DIGEST *d = NULL;
	TSS2_RC rc;
	int r = tpm_policy(t, TPM2_SE_TRIAL, s, e);

	if (r != 0)
		return r;
	rc = Esys_PolicyGetDigest(t->esys, t->session, ESYS_TR_NONE,
				  ESYS_TR_NONE, ESYS_TR_NONE, &d);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_fail(e, rc, "PolicyGetDigest");
	*out = *d;
	Esys_Free(d);
	Esys_FlushContext(t->esys, t->session);
	t->session = ESYS_TR_NONE;
	return 0;
}

/* A new malloc'd copy of a memory BIO's contents, NUL-terminated. */
static int
bio_text(char **out, size_t *len, BIO *bio, struct err *e)
{
	char *data;
	long n = BIO_get_mem_data(bio, &data);

	if (n <= 0)
		return err_ossl(e, EXIT_UNDECIDED, "cannot encode key");
	*out = malloc((size_t)n + 1);
	if (*out == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	memcpy(*out, data, (size_t)n);
	(*out)[n] = '\0';
	*len = (size_t)n;
	return 0;
}

int
tpm_pkey_pem(char **pem, size_t *len, EVP_PKEY *pkey, struct err *e)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int rc;

	if (bio == NULL || PEM_write_bio_PUBKEY(bio, pkey) != 1)
		rc = err_ossl(e, EXIT_UNDECIDED, "cannot encode public key");
	else
		rc = bio_text(pem, len, bio, e);
	BIO_free(bio);
	return rc;
}

/* SPKI PEM of an ECC P-256 signing key's public area (x, y padded). */
int
tpm_public_pem(char **pem, size_t *len, const TPMT_PUBLIC *p, const char *what,
	       struct err *e)
{
	const TPMS_ECC_POINT *pt = &p->unique.ecc;
	unsigned char point[65];
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	int rc;

	*pem = NULL;
	if (p->type != TPM2_ALG_ECC ||
	    p->parameters.eccDetail.curveID != TPM2_ECC_NIST_P256 ||
	    !(p->objectAttributes & TPMA_OBJECT_SIGN_ENCRYPT) ||
	    pt->x.size > 32 || pt->y.size > 32)
		return err_set(e, EXIT_REJECTED,
			       "%s: not an ECC P-256 signing key", what);
	memset(point, 0, sizeof(point));
	point[0] = 0x04;
	memcpy(point + 1 + 32 - pt->x.size, pt->x.buffer, pt->x.size);
	memcpy(point + 33 + 32 - pt->y.size, pt->y.buffer, pt->y.size);
	bld = OSSL_PARAM_BLD_new();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (bld == NULL || ctx == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					    "prime256v1", 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					     point, sizeof(point)) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		rc = err_ossl(e, EXIT_REJECTED, "%s: bad public key", what);
	else
		rc = tpm_pkey_pem(pem, len, pkey, e);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

/* TPMS_SIGNATURE_ECDSA r, s -> DER (*out malloc'd). */
int
tpm_signature_der(unsigned char **out, size_t *len, const TPMT_SIGNATURE *sig,
		  struct err *e)
{
	const TPMS_SIGNATURE_ECDSA *es = &sig->signature.ecdsa;
	unsigned char *der = NULL;
	ECDSA_SIG *s = NULL;
	BIGNUM *r = NULL, *sv = NULL;
	int n, rc = 0;

	*out = NULL;
	if (sig->sigAlg != TPM2_ALG_ECDSA || es->hash != TPM2_ALG_SHA256 ||
	    es->signatureR.size > 32 || es->signatureS.size > 32)
		return err_set(e, EXIT_UNDECIDED,
			       "the TPM returned a signature that is not "
			       "ECDSA/SHA-256");
	s = ECDSA_SIG_new();
	r = BN_bin2bn(es->signatureR.buffer, es->signatureR.size, NULL);
	sv = BN_bin2bn(es->signatureS.buffer, es->signatureS.size, NULL);
	if (s == NULL || r == NULL || sv == NULL ||
	    ECDSA_SIG_set0(s, r, sv) != 1) {
		BN_free(r);
		BN_free(sv);
		rc = err_ossl(e, EXIT_UNDECIDED, "cannot encode signature");
		goto out;
	}
	n = i2d_ECDSA_SIG(s, &der);
	if (n <= 0 || (*out = malloc((size_t)n)) == NULL) {
		rc = err_ossl(e, EXIT_UNDECIDED, "cannot encode signature");
		goto out;
	}
	memcpy(*out, der, (size_t)n);
	*len = (size_t)n;
out:
	ECDSA_SIG_free(s);
	OPENSSL_free(der);
	return rc;
}

/* SPEC-TPM-3 */
int
tpm_file_write(const char *path, const struct tpm_file *f, struct err *e)
{
	unsigned char buf[MAX_TPM_FILE_BYTES];
	TPML_PCR_SELECTION sel;
	size_t off = FILE_MAGIC_LEN;
	TSS2_RC rc;

	memset(&sel, 0, sizeof(sel));
	if (f->has_pcrs)
		tpm_to_selection(&sel, f->pcrs.alg, f->pcrs.mask);
	memcpy(buf, FILE_MAGIC, FILE_MAGIC_LEN);
	rc = Tss2_MU_UINT16_Marshal(FILE_VERSION, buf, sizeof(buf), &off);
	if (rc == TSS2_RC_SUCCESS)
		rc = Tss2_MU_UINT16_Marshal((UINT16)f->kind, buf, sizeof(buf),
					    &off);
	if (rc == TSS2_RC_SUCCESS)
		rc = Tss2_MU_TPML_PCR_SELECTION_Marshal(&sel, buf, sizeof(buf),
							&off);
	if (rc == TSS2_RC_SUCCESS)
		rc = Tss2_MU_TPM2B_PUBLIC_Marshal(&f->pub, buf, sizeof(buf),
						  &off);
	if (rc == TSS2_RC_SUCCESS)
		rc = Tss2_MU_TPM2B_PRIVATE_Marshal(&f->priv, buf, sizeof(buf),
						   &off);
	if (rc == TSS2_RC_SUCCESS && f->kind == FILE_KIND_SEALED)
		rc = Tss2_MU_UINT16_Marshal((UINT16)f->spkilen, buf,
					    sizeof(buf), &off);
	if (rc == TSS2_RC_SUCCESS && f->kind == FILE_KIND_SEALED) {
		if (f->spkilen > sizeof(buf) - off)
			return err_set(e, EXIT_UNDECIDED, "%s: too long", path);
		memcpy(buf + off, f->spki, f->spkilen);
		off += f->spkilen;
	}
	if (rc != TSS2_RC_SUCCESS)
		return err_set(e, EXIT_UNDECIDED, "%s: cannot encode: %s", path,
			       Tss2_RC_Decode(rc));
	return file_write_atomic(path, buf, off, 0600, 1, e);
}

static int
tpm_file_parse(struct tpm_file *f, const unsigned char *buf, size_t len,
	       const char *path, struct err *e)
{
	TPML_PCR_SELECTION sel;
	size_t off = FILE_MAGIC_LEN;
	UINT16 version = 0, kind = 0, n = 0;
	TSS2_RC rc;

	memset(f, 0, sizeof(*f));
	if (len < FILE_MAGIC_LEN ||
	    memcmp(buf, FILE_MAGIC, FILE_MAGIC_LEN) != 0)
		return err_set(e, EXIT_REJECTED,
			       "%s: not an mlattest TPM key file", path);
	rc = Tss2_MU_UINT16_Unmarshal(buf, len, &off, &version);
	if (rc == TSS2_RC_SUCCESS)
		rc = Tss2_MU_UINT16_Unmarshal(buf, len, &off, &kind);
	if (rc == TSS2_RC_SUCCESS && version != FILE_VERSION)
		return err_set(e, EXIT_REJECTED,
			       "%s: TPM key file version %u (this build reads "
			       "%d)",
			       path, version, FILE_VERSION);
	if (rc == TSS2_RC_SUCCESS)
		rc = Tss2_MU_TPML_PCR_SELECTION_Unmarshal(buf, len, &off, &sel);
	if (rc == TSS2_RC_SUCCESS)
		rc = Tss2_MU_TPM2B_PUBLIC_Unmarshal(buf, len, &off, &f->pub);
	if (rc == TSS2_RC_SUCCESS)
		rc = Tss2_MU_TPM2B_PRIVATE_Unmarshal(buf, len, &off, &f->priv);
	if (rc == TSS2_RC_SUCCESS && kind == FILE_KIND_SEALED)
		rc = Tss2_MU_UINT16_Unmarshal(buf, len, &off, &n);
	if (rc != TSS2_RC_SUCCESS ||
	    (kind != FILE_KIND_KEY && kind != FILE_KIND_SEALED) ||
	    n > sizeof(f->spki) || n > len - off || off + n != len ||
	    sel.count > 1)
		return err_set(e, EXIT_REJECTED, "%s: malformed TPM key file",
			       path);
	memcpy(f->spki, buf + off, n);
	f->spkilen = n;
	f->kind = kind;
	if (sel.count == 1) {
		f->has_pcrs = 1;
		if (tpmquote_pcrs_bank(&f->pcrs, sel.pcrSelections[0].hash) !=
			0 ||
		    tpm_from_selection(&f->pcrs.mask, &sel, f->pcrs.alg) != 0 ||
		    f->pcrs.mask == 0)
			return err_set(e, EXIT_REJECTED,
				       "%s: bad PCR selection", path);
	}
	return 0;
}

int
tpm_file_load(struct tpm_file *f, const char *path, struct err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc = file_read(&buf, &len, path, MAX_TPM_FILE_BYTES, e);

	if (rc == 0)
		rc = tpm_file_parse(f, buf, len, path, e);
	free(buf);
	return rc;
}

/*
 * TPM 2.0 keys and quotes on tpm2-tss ESYS (see tpm.h, spec/tpm.md). Each
 * operation opens its own connection into a struct tpm that records every
 * object and session it loads; tpm_close flushes them all, so no path
 * leaves a transient behind (swtpm and TPMs without a resource manager
 * have 3 object slots). Keys carry noda so nothing here can feed the
 * dictionary-attack counter.
 */
#include "keys/tpm.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>
#include <unistd.h>

#include "keys/tpmquote.h"
#include "lib/b64.h"
#include "lib/fileio.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/jsonio.h"

/* SPEC-TPM-3: key file header. */
#define FILE_MAGIC "MLATTPM"
#define FILE_MAGIC_LEN 8
#define FILE_VERSION 1
#define FILE_KIND_KEY 1
#define FILE_KIND_SEALED 2
#define MAX_SPKI 1024

/* One connection and everything it holds in the TPM. */
struct tpm {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	ESYS_TR primary, obj, session;
	int persistent; /* obj is a persistent handle: close it, never flush */
};

#define TPM_INIT                                                               \
	{                                                                      \
		NULL, NULL, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, 0        \
	}

/* What a key file holds (SPEC-TPM-3). */
struct tpm_file {
	int kind;
	int has_pcrs;
	struct tpmquote_pcrs pcrs;
	TPM2B_PUBLIC pub;
	TPM2B_PRIVATE priv;
	unsigned char spki[MAX_SPKI]; /* sealed: the sealed key's SPKI */
	size_t spkilen;
};

enum tk_kind { TK_HANDLE, TK_BLOB, TK_SEALED };

/* The backend context of a TPM struct key. */
struct tpm_key {
	enum tk_kind kind;
	char tcti[TPM_TCTI_MAX];
	char ref[256];
	uint32_t handle;
	struct tpm_file f;
	struct key *pub; /* the public half, to check what the TPM gives */
};

static int
tcti_resolve(const char **out, const char *tcti, struct err *e)
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

static int
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

static void
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

static int
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
srk_template(TPM2B_PUBLIC *p)
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

static int
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
	srk_template(&tmpl);
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
static int
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
static int
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

static void
to_selection(TPML_PCR_SELECTION *sel, uint16_t alg, uint32_t mask)
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
static int
from_selection(uint32_t *mask, const TPML_PCR_SELECTION *sel, uint16_t alg)
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
static int
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
	to_selection(&sel, s->alg, s->mask);
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
static int
policy_digest(TPM2B_DIGEST *out, struct tpm *t, const struct tpmquote_pcrs *s,
	      struct err *e)
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

static int
pkey_pem(char **pem, size_t *len, EVP_PKEY *pkey, struct err *e)
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
static int
public_pem(char **pem, size_t *len, const TPMT_PUBLIC *p, const char *what,
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
		rc = pkey_pem(pem, len, pkey, e);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

/* TPMS_SIGNATURE_ECDSA r, s -> DER (*out malloc'd). */
static int
signature_der(unsigned char **out, size_t *len, const TPMT_SIGNATURE *sig,
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
static int
file_write(const char *path, const struct tpm_file *f, struct err *e)
{
	unsigned char buf[MAX_TPM_FILE_BYTES];
	TPML_PCR_SELECTION sel;
	size_t off = FILE_MAGIC_LEN;
	TSS2_RC rc;

	memset(&sel, 0, sizeof(sel));
	if (f->has_pcrs)
		to_selection(&sel, f->pcrs.alg, f->pcrs.mask);
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
file_parse(struct tpm_file *f, const unsigned char *buf, size_t len,
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
		    from_selection(&f->pcrs.mask, &sel, f->pcrs.alg) != 0 ||
		    f->pcrs.mask == 0)
			return err_set(e, EXIT_REJECTED,
				       "%s: bad PCR selection", path);
	}
	return 0;
}

static int
file_load(struct tpm_file *f, const char *path, struct err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc = file_read(&buf, &len, path, MAX_TPM_FILE_BYTES, e);

	if (rc == 0)
		rc = file_parse(f, buf, len, path, e);
	free(buf);
	return rc;
}

/* Opens the TPM and loads k into t; *auth is what authorises its use. */
static int
tk_open(struct tpm *t, ESYS_TR *auth, const struct tpm_key *k, struct err *e)
{
	int rc = tpm_open(t, k->tcti, e);

	if (rc == 0 && k->kind == TK_HANDLE)
		rc = tpm_persistent(t, k->handle, NULL, k->ref, e);
	else if (rc == 0)
		rc = tpm_load(t, &k->f.pub, &k->f.priv, k->ref, e);
	*auth = ESYS_TR_PASSWORD;
	if (rc == 0 && k->f.has_pcrs) {
		rc = tpm_policy(t, TPM2_SE_POLICY, &k->f.pcrs, e);
		*auth = t->session;
	}
	return rc;
}

/* Unseals a sealed key into a temporary file key (*out). */
static int
tk_unseal(struct key **out, const struct tpm_key *k, struct err *e)
{
	struct tpm t = TPM_INIT;
	TPM2B_SENSITIVE_DATA *data = NULL;
	ESYS_TR auth;
	TSS2_RC r;
	int rc;

	*out = NULL;
	rc = tk_open(&t, &auth, k, e);
	if (rc == 0) {
		r = Esys_Unseal(t.esys, t.obj, auth, ESYS_TR_NONE, ESYS_TR_NONE,
				&data);
		if (r != TSS2_RC_SUCCESS)
			rc = tpm_fail(e, r, k->ref);
	}
	if (rc == 0)
		rc = key_load_private_der(out, data->buffer, data->size, k->ref,
					  e);
	if (data != NULL)
		OPENSSL_cleanse(data->buffer, sizeof(data->buffer));
	Esys_Free(data);
	tpm_close(&t);
	if (rc == 0 && strcmp(key_id(*out), key_id(k->pub)) != 0) {
		key_free(*out);
		*out = NULL;
		rc = err_set(e, EXIT_REJECTED,
			     "%s: the sealed key does not match the public "
			     "key recorded in the file",
			     k->ref);
	}
	return rc;
}

/* SPEC-TPM-11: sealed keys live in memory only while they sign. */
static int
sign_sealed(unsigned char **sig, size_t *siglen, const struct tpm_key *k,
	    const unsigned char *msg, size_t len, struct err *e)
{
	struct key *soft = NULL;
	int rc = tk_unseal(&soft, k, e);

	if (rc == 0)
		rc = key_sign(sig, siglen, soft, msg, len, e);
	key_free(soft);
	return rc;
}

static int
tk_sign(unsigned char **sig, size_t *siglen, void *ctx,
	const unsigned char *msg, size_t len, struct err *e)
{
	const struct tpm_key *k = ctx;
	struct tpm t = TPM_INIT;
	TPMT_SIG_SCHEME scheme;
	TPMT_TK_HASHCHECK ticket;
	TPMT_SIGNATURE *ts = NULL;
	TPM2B_DIGEST digest;
	ESYS_TR auth;
	TSS2_RC r;
	int rc;

	*sig = NULL;
	*siglen = 0;
	if (k->kind == TK_SEALED)
		return sign_sealed(sig, siglen, k, msg, len, e);
	if (k->f.pub.publicArea.objectAttributes & TPMA_OBJECT_RESTRICTED)
		return err_set(e, EXIT_USAGE,
			       "%s is a restricted key (an attestation key): "
			       "it signs quotes only",
			       k->ref);
	memset(&scheme, 0, sizeof(scheme));
	memset(&ticket, 0, sizeof(ticket));
	memset(&digest, 0, sizeof(digest));
	scheme.scheme = TPM2_ALG_ECDSA;
	scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	/* SPEC-TPM-12: hashed here; a null ticket suits unrestricted keys. */
	ticket.tag = TPM2_ST_HASHCHECK;
	ticket.hierarchy = TPM2_RH_NULL;
	digest.size = SHA256_LEN;
	rc = hash_sha256(digest.buffer, msg, len, e);
	if (rc == 0)
		rc = tk_open(&t, &auth, k, e);
	if (rc == 0) {
		r = Esys_Sign(t.esys, t.obj, auth, ESYS_TR_NONE, ESYS_TR_NONE,
			      &digest, &scheme, &ticket, &ts);
		if (r != TSS2_RC_SUCCESS)
			rc = tpm_fail(e, r, k->ref);
	}
	if (rc == 0)
		rc = signature_der(sig, siglen, ts, e);
	if (rc == 0 && key_verify(k->pub, msg, len, *sig, *siglen) != 0)
		rc = err_set(e, EXIT_UNDECIDED,
			     "%s: the TPM signed with another key than the "
			     "one loaded",
			     k->ref);
	if (rc != 0) {
		free(*sig);
		*sig = NULL;
		*siglen = 0;
	}
	Esys_Free(ts);
	tpm_close(&t);
	return rc;
}

static void
tk_free(void *ctx)
{
	struct tpm_key *k = ctx;

	if (k == NULL)
		return;
	key_free(k->pub);
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

static const struct key_backend tpm_backend = {tk_sign, tk_free};

int
tpm_key_signs_statements(const struct key *key)
{
	const struct tpm_key *k = key_backend_ctx(key, &tpm_backend);

	return k == NULL || k->kind == TK_SEALED ||
	       !(k->f.pub.publicArea.objectAttributes & TPMA_OBJECT_RESTRICTED);
}

/* Parses "0x8100abcd" (owner persistent range). */
static int
parse_handle(uint32_t *out, const char *s, size_t len, struct err *e)
{
	char buf[16];
	char *end;
	unsigned long v;

	if (len < 3 || len > 10 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		goto bad;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strspn(buf + 2, "0123456789abcdefABCDEF") != len - 2)
		goto bad;
	v = strtoul(buf, &end, 16);
	if (*end != '\0' || v < TPM_HANDLE_MIN || v > TPM_HANDLE_MAX)
		goto bad;
	*out = (uint32_t)v;
	return 0;
bad:
	return err_set(e, EXIT_USAGE,
		       "TPM handle \"%.*s\": expected 0x81000000-0x817fffff "
		       "(owner persistent handles)",
		       (int)(len > 20 ? 20 : len), s);
}

/* SPEC-TPM-13: tpm:handle=H[,pcrs=SPEC] | tpm:blob=FILE | tpm:sealed=FILE */
static int
parse_ref(struct tpm_key *k, const char **path, const char *ref, struct err *e)
{
	const char *h = "tpm:handle=", *b = "tpm:blob=", *s = "tpm:sealed=";
	const char *comma;
	int rc;

	*path = NULL;
	snprintf(k->ref, sizeof(k->ref), "%s", ref);
	if (strncmp(ref, b, strlen(b)) == 0 && ref[strlen(b)] != '\0') {
		k->kind = TK_BLOB;
		*path = ref + strlen(b);
		return 0;
	}
	if (strncmp(ref, s, strlen(s)) == 0 && ref[strlen(s)] != '\0') {
		k->kind = TK_SEALED;
		*path = ref + strlen(s);
		return 0;
	}
	if (strncmp(ref, h, strlen(h)) != 0)
		return err_set(e, EXIT_USAGE,
			       "\"%.200s\": expected tpm:handle=0x81..."
			       "[,pcrs=SPEC], tpm:blob=FILE or tpm:sealed=FILE",
			       ref);
	k->kind = TK_HANDLE;
	ref += strlen(h);
	comma = strchr(ref, ',');
	rc = parse_handle(&k->handle, ref,
			  comma ? (size_t)(comma - ref) : strlen(ref), e);
	if (rc != 0 || comma == NULL)
		return rc;
	if (strncmp(comma, ",pcrs=", 6) != 0)
		return err_set(e, EXIT_USAGE,
			       "\"%.200s\": after the handle only ,pcrs=SPEC "
			       "may follow",
			       k->ref);
	k->f.has_pcrs = 1;
	return tpmquote_pcrs_parse(&k->f.pcrs, comma + 6, EXIT_USAGE, e);
}

/* SPKI DER -> PEM. */
static int
spki_pem(char **pem, size_t *len, const unsigned char *der, size_t dlen,
	 const char *what, struct err *e)
{
	const unsigned char *p = der;
	EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)dlen);
	int rc;

	if (pkey == NULL || p != der + dlen)
		rc = err_ossl(e, EXIT_REJECTED, "%s: bad public key", what);
	else
		rc = pkey_pem(pem, len, pkey, e);
	EVP_PKEY_free(pkey);
	return rc;
}

/* Checks k's PCR binding against its authPolicy and the current PCRs. */
static int
check_policy(struct tpm *t, const struct tpm_key *k, struct err *e)
{
	const TPMT_PUBLIC *p = &k->f.pub.publicArea;
	TPM2B_DIGEST now;
	int rc;

	if (!k->f.has_pcrs) {
		if (p->authPolicy.size != 0 &&
		    !(p->objectAttributes & TPMA_OBJECT_USERWITHAUTH))
			return err_set(e, EXIT_USAGE,
				       "%s is bound to PCRs: name them as "
				       "tpm:handle=0x%08x,pcrs=SPEC (attest "
				       "key tpm-create printed it)",
				       k->ref, k->handle);
		return 0;
	}
	if (p->authPolicy.size == 0)
		return err_set(e, EXIT_USAGE, "%s is not bound to PCRs",
			       k->ref);
	rc = policy_digest(&now, t, &k->f.pcrs, e);
	if (rc == 0 &&
	    (now.size != p->authPolicy.size ||
	     memcmp(now.buffer, p->authPolicy.buffer, now.size) != 0))
		rc = err_set(e, EXIT_REJECTED,
			     "%s: PCR values changed since the key was sealed "
			     "(or the key is bound to other PCRs)",
			     k->ref);
	return rc;
}

/* Contacts the TPM: the key loads, its PCRs hold; *pem its public key. */
static int
tk_probe(char **pem, size_t *len, struct tpm_key *k, struct err *e)
{
	struct tpm t = TPM_INIT;
	TPM2B_PUBLIC *pub = NULL;
	int rc = tpm_open(&t, k->tcti, e);

	if (rc == 0 && k->kind == TK_HANDLE) {
		rc = tpm_persistent(&t, k->handle, &pub, k->ref, e);
		if (rc == 0)
			k->f.pub = *pub;
	} else if (rc == 0) {
		rc = tpm_load(&t, &k->f.pub, &k->f.priv, k->ref, e);
	}
	if (rc == 0)
		rc = check_policy(&t, k, e);
	if (rc == 0 && k->kind == TK_SEALED)
		rc =
		    k->f.pub.publicArea.type == TPM2_ALG_KEYEDHASH
			? spki_pem(pem, len, k->f.spki, k->f.spkilen, k->ref, e)
			: err_set(e, EXIT_REJECTED,
				  "%s: not a sealed data object", k->ref);
	else if (rc == 0)
		rc = public_pem(pem, len, &k->f.pub.publicArea, k->ref, e);
	Esys_Free(pub);
	tpm_close(&t);
	return rc;
}

int
tpm_key_load(struct key **out, const char *ref, const char *tcti, struct err *e)
{
	struct tpm_key *k = calloc(1, sizeof(*k));
	const char *path = NULL;
	char *pem = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (k == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	rc = parse_ref(k, &path, ref, e);
	if (rc == 0)
		rc = tcti_resolve(&tcti, tcti, e);
	if (rc == 0)
		snprintf(k->tcti, sizeof(k->tcti), "%s", tcti);
	if (rc == 0 && path != NULL)
		rc = file_load(&k->f, path, e);
	if (rc == 0 && path != NULL &&
	    k->f.kind !=
		(k->kind == TK_SEALED ? FILE_KIND_SEALED : FILE_KIND_KEY))
		rc = err_set(e, EXIT_USAGE,
			     "%s: the file holds a %s; use tpm:%s=", path,
			     k->f.kind == FILE_KIND_SEALED ? "sealed key"
							   : "TPM key blob",
			     k->f.kind == FILE_KIND_SEALED ? "sealed" : "blob");
	if (rc == 0 && k->kind == TK_SEALED && !k->f.has_pcrs)
		rc = err_set(e, EXIT_REJECTED, "%s: sealed without PCRs", path);
	if (rc == 0)
		rc = tk_probe(&pem, &len, k, e);
	if (rc == 0)
		rc = key_load_public_pem(&k->pub, pem, len, ref, e);
	if (rc != 0) {
		tk_free(k);
		free(pem);
		return rc;
	}
	rc = key_new_backend(out, pem, len, &tpm_backend, k, ref, e);
	free(pem);
	return rc;
}

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
static int
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

static int
pcrs_opt(struct tpm_file *f, const char *pcrs, struct err *e)
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
		rc = pcrs_opt(f, o->pcrs, e);
	if (rc == 0)
		rc = tcti_resolve(&tcti, o->tcti, e);
	if (rc == 0)
		rc = tpm_open(&t, tcti, e);
	if (rc == 0 && f->has_pcrs)
		rc = policy_digest(&policy, &t, &f->pcrs, e);
	sign_template(&tmpl, &policy, o->restricted);
	if (rc == 0)
		rc = tpm_create_object(&pub, &priv, &t, &sens, &tmpl, e);
	if (rc == 0)
		rc = public_pem(pem, len, &pub->publicArea, "new key", e);
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
		rc = file_write(o->out, f, e);
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

/* Refuses to prompt (key_load_private already refused encrypted keys). */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* Reads the private key in path as DER (*der OPENSSL_malloc'd, secret). */
static int
seal_input(unsigned char **der, int *dlen, struct tpm_file *f, char **pem,
	   size_t *len, const char *path, struct err *e)
{
	unsigned char *buf = NULL, *spki = NULL;
	struct key *k = NULL;
	size_t blen = 0;
	int rc, n;

	*der = NULL;
	rc = key_load_private(&k, path, e);
	if (rc == 0)
		rc = key_public_pem(pem, len, k, e);
	if (rc == 0)
		rc = file_read(&buf, &blen, path, MAX_KEY_BYTES, e);
	if (rc == 0) {
		BIO *bio = BIO_new_mem_buf(buf, (int)blen);
		EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(
					   bio, NULL, no_passphrase, NULL)
				     : NULL;
		*dlen = pkey ? i2d_PrivateKey(pkey, der) : -1;
		n = pkey ? i2d_PUBKEY(pkey, &spki) : -1;
		if (*dlen <= 0 || n <= 0 || (size_t)n > sizeof(f->spki))
			rc = err_ossl(e, EXIT_REJECTED, "%s: cannot encode",
				      path);
		else if (*dlen > TPM_SEAL_MAX)
			rc = err_set(e, EXIT_USAGE,
				     "%s: its DER is %d bytes; a TPM seals "
				     "at most %d (use ed25519 or ecdsa-p256)",
				     path, *dlen, TPM_SEAL_MAX);
		else {
			memcpy(f->spki, spki, (size_t)n);
			f->spkilen = (size_t)n;
		}
		EVP_PKEY_free(pkey);
		BIO_free(bio);
	}
	if (buf != NULL)
		OPENSSL_cleanse(buf, blen);
	free(buf);
	OPENSSL_free(spki);
	key_free(k);
	return rc;
}

/* SPEC-TPM-11 */
int
tpm_seal(char **pem, size_t *len, const char *tcti, const char *pcrs,
	 const char *key_path, const char *out, struct err *e)
{
	struct tpm t = TPM_INIT;
	struct tpm_file *f = calloc(1, sizeof(*f));
	TPM2B_SENSITIVE_CREATE *sens = calloc(1, sizeof(*sens));
	TPM2B_PUBLIC tmpl, *pub = NULL;
	TPM2B_PRIVATE *priv = NULL;
	unsigned char *der = NULL;
	int dlen = 0, rc = 0;

	*pem = NULL;
	if (f == NULL || sens == NULL)
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	else if (pcrs == NULL)
		rc = err_set(e, EXIT_USAGE, "--pcrs SPEC is required");
	else if (access(out, F_OK) == 0)
		rc = err_set(e, EXIT_UNDECIDED,
			     "%s exists; it is never replaced", out);
	if (rc == 0)
		rc = pcrs_opt(f, pcrs, e);
	if (rc == 0)
		rc = tcti_resolve(&tcti, tcti, e);
	if (rc == 0)
		rc = seal_input(&der, &dlen, f, pem, len, key_path, e);
	if (rc == 0)
		rc = tpm_open(&t, tcti, e);
	memset(&tmpl, 0, sizeof(tmpl));
	if (rc == 0)
		rc =
		    policy_digest(&tmpl.publicArea.authPolicy, &t, &f->pcrs, e);
	tmpl.publicArea.type = TPM2_ALG_KEYEDHASH;
	tmpl.publicArea.nameAlg = TPM2_ALG_SHA256;
	/* No userwithauth: the PCR policy is the only way in. */
	tmpl.publicArea.objectAttributes =
	    TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_NODA;
	tmpl.publicArea.parameters.keyedHashDetail.scheme.scheme =
	    TPM2_ALG_NULL;
	if (rc == 0) {
		sens->sensitive.data.size = (UINT16)dlen;
		memcpy(sens->sensitive.data.buffer, der, (size_t)dlen);
		rc = tpm_create_object(&pub, &priv, &t, sens, &tmpl, e);
	}
	if (rc == 0) {
		f->kind = FILE_KIND_SEALED;
		f->pub = *pub;
		f->priv = *priv;
		rc = file_write(out, f, e);
	}
	tpm_close(&t);
	if (sens != NULL)
		OPENSSL_cleanse(sens, sizeof(*sens));
	free(sens);
	OPENSSL_clear_free(der, dlen > 0 ? (size_t)dlen : 0);
	Esys_Free(pub);
	Esys_Free(priv);
	free(f);
	if (rc != 0) {
		free(*pem);
		*pem = NULL;
	}
	return rc;
}

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
		to_selection(&want, s->alg, left);
		r = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE,
				  ESYS_TR_NONE, &want, NULL, &sel, &d);
		if (r != TSS2_RC_SUCCESS)
			return tpm_fail(e, r, "PCR_Read");
		if (from_selection(&got, sel, s->alg) != 0 || got == 0 ||
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
	to_selection(&sel, s->alg, s->mask);
	rc = tk_open(&t, &auth, k, e);
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
		rc = signature_der(&der, &derlen, sig, e);
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
	const struct tpm_key *k = key_backend_ctx(ak, &tpm_backend);
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

/*
 * Sealing a software key to the TPM (spec/tpm.md): attest key seal. A
 * verifier never links this unit.
 */
#include "keys/tpm_int.h"

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
		rc = tpm_pcrs_opt(f, pcrs, e);
	if (rc == 0)
		rc = tpm_tcti_resolve(&tcti, tcti, e);
	if (rc == 0)
		rc = seal_input(&der, &dlen, f, pem, len, key_path, e);
	if (rc == 0)
		rc = tpm_open(&t, tcti, e);
	memset(&tmpl, 0, sizeof(tmpl));
	if (rc == 0)
		rc = tpm_policy_digest(&tmpl.publicArea.authPolicy, &t,
				       &f->pcrs, e);
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
		rc = tpm_file_write(out, f, e);
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

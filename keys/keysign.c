/*
 * Private keys (see key.h): loading a signing key from a file, PKCS#11 or
 * the TPM, and signing with it.
 */
#define _GNU_SOURCE /* memmem */
#include "keys/key_int.h"

/* A public key where the private one is needed: say which file to use. */
static int
public_given(const char *ref, struct err *e)
{
	size_t n = strlen(ref);

	ERR_clear_error();
	if (n > 4 && strncmp(ref + n - 4, ".pem", 4) == 0)
		n -= 4;
	if (n > 4 && strncmp(ref + n - 4, ".pub", 4) == 0)
		n -= 4;
	return err_set(e, EXIT_USAGE,
		       "%s is a public key; sign with the private key, e.g. "
		       "%.*s.key",
		       ref, (int)n, ref);
}

int
key_load_private(struct key **out, const char *ref, struct err *e)
{
	return key_load_private_opts(out, ref, NULL, e);
}

int
key_load_private_tcti(struct key **out, const char *ref, const char *tcti,
		      struct err *e)
{
	struct key_load_opts o = KEY_LOAD_OPTS_INIT;

	o.tcti = tcti;
	return key_load_private_opts(out, ref, &o, e);
}

struct pass {
	const char *s;
	size_t len;
};

/* Hands OpenSSL the passphrase from the file; never prompts. */
static int
give_passphrase(char *buf, int size, int rwflag, void *u)
{
	const struct pass *p = u;

	(void)rwflag;
	if (p == NULL || p->s == NULL || p->len > (size_t)size)
		return -1;
	memcpy(buf, p->s, p->len);
	return (int)p->len;
}

/* The PEM in pem is encrypted: read the passphrase and decrypt. */
static int
read_encrypted(EVP_PKEY **pkey, BIO *bio, const char *ref, const char *passfile,
	       struct err *e)
{
	struct pass p = {NULL, 0};
	char *pass = NULL;
	size_t plen = 0;
	int rc;

	if (passfile == NULL) /* SPEC-KEY-4 */
		return err_set(e, EXIT_USAGE,
			       "%s is encrypted: give --passphrase-file FILE "
			       "or $MLATTEST_PASSPHRASE_FILE",
			       ref);
	rc = keyopt_secret_read(&pass, &plen, passfile, "passphrase file", e);
	if (rc != 0)
		return rc;
	p.s = pass;
	p.len = plen;
	*pkey = PEM_read_bio_PrivateKey(bio, NULL, give_passphrase, &p);
	keyopt_secret_free(pass, plen);
	if (*pkey == NULL) {
		ERR_clear_error();
		return err_set(e, EXIT_USAGE,
			       "%s: wrong passphrase (from %s), or the key "
			       "is damaged",
			       ref, passfile);
	}
	return 0;
}

static int
load_pem_file(struct key **out, const char *ref, const char *passfile,
	      struct err *e)
{
	unsigned char *pem = NULL;
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	size_t len = 0;
	int rc;

	rc = key_read_pem(&pem, &len, ref, e);
	if (rc != 0)
		return rc;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL) {
		rc = err_ossl(e, EXIT_UNDECIDED, "%s", ref);
		goto out;
	}
	if (memmem(pem, len, "ENCRYPTED", 9) != NULL) {
		rc = read_encrypted(&pkey, bio, ref, passfile, e);
		if (rc != 0)
			goto out;
	} else {
		pkey =
		    PEM_read_bio_PrivateKey(bio, NULL, key_no_passphrase, NULL);
	}
	if (pkey == NULL) {
		if (memmem(pem, len, "-----BEGIN PUBLIC KEY-----", 26))
			rc = public_given(ref, e);
		else
			rc = err_ossl(e, EXIT_REJECTED,
				      "%s: no private key in PEM", ref);
		goto out;
	}
	rc = key_wrap(out, pkey, 1, ref, e);
out:
	BIO_free(bio);
	key_secret_free(pem, len);
	return rc;
}

int
key_load_private_opts(struct key **out, const char *ref,
		      const struct key_load_opts *o, struct err *e)
{
	static const struct key_load_opts none = KEY_LOAD_OPTS_INIT;

	*out = NULL;
	if (o == NULL)
		o = &none;
	if (p11uri_is(ref))
		return pkcs11_key_load(out, ref, o, e);
	if (strncmp(ref, "tpm:", 4) == 0) {
#ifdef MLATTEST_WITH_TPM
		return tpm_key_load(out, ref, o->tcti, e);
#else
		return err_set(e, EXIT_USAGE,
			       "%s: TPM keys are not supported by this build",
			       ref);
#endif
	}
	return load_pem_file(out, ref, o->passphrase_file, e);
}

int
key_load_private_der(struct key **out, const unsigned char *der, size_t len,
		     const char *src, struct err *e)
{
	const unsigned char *p = der;
	EVP_PKEY *pkey;

	*out = NULL;
	if (len > MAX_KEY_BYTES)
		return err_set(e, EXIT_REJECTED, "%s: key too long", src);
	pkey = d2i_AutoPrivateKey(NULL, &p, (long)len);
	if (pkey == NULL || p != der + len) {
		EVP_PKEY_free(pkey);
		return err_ossl(e, EXIT_REJECTED, "%s: no private key in DER",
				src);
	}
	return key_wrap(out, pkey, 1, src, e);
}

int
key_new_backend(struct key **out, const char *pem, size_t len,
		const struct key_backend *b, void *ctx, const char *src,
		struct err *e)
{
	int rc = key_load_public_pem(out, pem, len, src, e);

	if (rc != 0) {
		b->free(ctx);
		return rc;
	}
	(*out)->is_private = 1;
	(*out)->backend = b;
	(*out)->backend_ctx = ctx;
	return 0;
}

int
key_sign(unsigned char **sig, size_t *siglen, const struct key *k,
	 const unsigned char *msg, size_t len, struct err *e)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned char *buf = NULL;
	size_t n = 0;
	int rc = 0;

	*sig = NULL;
	*siglen = 0;
	if (!k->is_private)
		return err_set(e, EXIT_USAGE, "%s: not a private key",
			       k->source);
	if (k->backend != NULL)
		return k->backend->sign(sig, siglen, k->backend_ctx, msg, len,
					e);
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL ||
	    EVP_DigestSignInit_ex(ctx, NULL, key_md_for(k->type), NULL, NULL,
				  k->pkey, NULL) != 1 ||
	    EVP_DigestSign(ctx, NULL, &n, msg, len) != 1) {
		rc = err_ossl(e, EXIT_UNDECIDED, "%s: signing failed",
			      k->source);
		goto out;
	}
	buf = malloc(n);
	if (buf == NULL) {
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		goto out;
	}
	if (EVP_DigestSign(ctx, buf, &n, msg, len) != 1) {
		rc = err_ossl(e, EXIT_UNDECIDED, "%s: signing failed",
			      k->source);
		goto out;
	}
	*sig = buf;
	*siglen = n;
	buf = NULL;
out:
	free(buf);
	EVP_MD_CTX_free(ctx);
	return rc;
}

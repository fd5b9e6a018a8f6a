/*
 * Creating keys (see key.h): generating a key pair and writing the
 * private key, plain or encrypted. A verifier never links this unit.
 */
#include "keys/key_int.h"

int
key_generate(struct key **out, enum key_type t, struct err *e)
{
	EVP_PKEY *pkey = NULL;

	switch (t) {
	case KEY_ECDSA_P256:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case KEY_ECDSA_P384:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case KEY_ECDSA_P521:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
		break;
	case KEY_ED25519:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	case KEY_RSA:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
		break;
	}
	if (pkey == NULL)
		return err_ossl(e, EXIT_UNDECIDED, "key generation failed");
	return key_wrap(out, pkey, 1, "generated key", e);
}

int
key_write_private(const struct key *k, const char *path, struct err *e)
{
	BIO *bio = NULL;
	char *data;
	long n;
	int rc;

	if (!k->is_private)
		return err_set(e, EXIT_USAGE, "%s: not a private key", path);
	if (k->backend != NULL)
		return err_set(e, EXIT_USAGE,
			       "%s: the private key of %s cannot leave its "
			       "backend",
			       path, k->source);
	/* Secure-heap BIO: the PEM text is cleared when it is freed. */
	bio = BIO_new(BIO_s_secmem());
	if (bio == NULL || PEM_write_bio_PKCS8PrivateKey(
			       bio, k->pkey, NULL, NULL, 0, NULL, NULL) != 1) {
		rc = err_ossl(e, EXIT_UNDECIDED, "%s: cannot encode key", path);
		goto out;
	}
	n = BIO_get_mem_data(bio, &data);
	if (n <= 0) {
		rc = err_ossl(e, EXIT_UNDECIDED, "%s: cannot encode key", path);
		goto out;
	}
	rc = file_write_atomic(path, data, (size_t)n, 0600, 1, e);
out:
	BIO_free(bio);
	return rc;
}

/* scrypt cost: N 2^14, r 8, p 1 (16 MiB, OpenSSL's own default). */
#define SCRYPT_N 16384
#define SCRYPT_R 8
#define SCRYPT_P 1

int
key_write_private_encrypted(const struct key *k, const char *path,
			    const char *pass, size_t plen, struct err *e)
{
	PKCS8_PRIV_KEY_INFO *p8inf = NULL;
	X509_ALGOR *pbe = NULL;
	X509_SIG *p8 = NULL;
	BIO *bio = NULL;
	char *data;
	long n;
	int rc;

	if (!k->is_private || k->backend != NULL)
		return err_set(e, EXIT_USAGE, "%s: not a file private key",
			       path);
	p8inf = EVP_PKEY2PKCS8(k->pkey);
	/* SPEC-KEY-6: PKCS#8, PBES2 with scrypt and AES-256-CBC. */
	pbe = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), NULL, 0, NULL, SCRYPT_N,
				    SCRYPT_R, SCRYPT_P);
	if (p8inf == NULL || pbe == NULL) {
		rc =
		    err_ossl(e, EXIT_UNDECIDED, "%s: cannot encrypt key", path);
		goto out;
	}
	p8 = PKCS8_set0_pbe(pass, (int)plen, p8inf, pbe);
	if (p8 == NULL) {
		rc =
		    err_ossl(e, EXIT_UNDECIDED, "%s: cannot encrypt key", path);
		goto out;
	}
	pbe = NULL; /* p8 owns it now */
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || PEM_write_bio_PKCS8(bio, p8) != 1 ||
	    (n = BIO_get_mem_data(bio, &data)) <= 0) {
		rc = err_ossl(e, EXIT_UNDECIDED, "%s: cannot encode key", path);
		goto out;
	}
	rc = file_write_atomic(path, data, (size_t)n, 0600, 1, e);
out:
	BIO_free(bio);
	X509_SIG_free(p8);
	X509_ALGOR_free(pbe);
	PKCS8_PRIV_KEY_INFO_free(p8inf);
	return rc;
}

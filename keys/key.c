/* File keys on OpenSSL EVP behind the one key interface (see key.h). */
#define _GNU_SOURCE /* memmem */
#include "keys/key.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "keys/keyopt.h"
#include "keys/p11uri.h"
#include "keys/pkcs11.h"
#include "lib/fileio.h"
#include "lib/hash.h"
#include "lib/hex.h"
#ifdef MLATTEST_WITH_TPM
#include "keys/tpm.h"
#endif

struct key {
	EVP_PKEY *pkey;
	enum key_type type;
	int is_private;
	char id[KEY_ID_LEN + 1];
	char source[256];
	const struct key_backend *backend; /* NULL: pkey holds the secret */
	void *backend_ctx;
	/* ECDSA verification context, set up once on first use: creating
	 * one per signature costs as much as the EC arithmetic. */
	EVP_PKEY_CTX *vctx;
};

static const struct {
	const char *name;
	enum key_type type;
} type_names[] = {
    {"ecdsa-p256", KEY_ECDSA_P256},
    {"ecdsa-p384", KEY_ECDSA_P384},
    {"ecdsa-p521", KEY_ECDSA_P521},
    {"ed25519", KEY_ED25519},
    {"rsa", KEY_RSA},
};

int
key_type_parse(enum key_type *out, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (strcmp(type_names[i].name, name) == 0) {
			*out = type_names[i].type;
			return 0;
		}
	}
	return -1;
}

const char *
key_type_name(enum key_type t)
{
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == t)
			return type_names[i].name;
	return "unknown";
}

/* Classifies pkey; -1 for algorithms we do not support. */
static int
classify(enum key_type *out, EVP_PKEY *pkey)
{
	char group[64];
	size_t glen = 0;

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_ED25519:
		*out = KEY_ED25519;
		return 0;
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		*out = KEY_RSA;
		return EVP_PKEY_get_bits(pkey) >= 2048 ? 0 : -1;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_utf8_string_param(
			pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
			&glen) != 1)
			return -1;
		if (strcmp(group, "prime256v1") == 0 ||
		    strcmp(group, "P-256") == 0)
			*out = KEY_ECDSA_P256;
		else if (strcmp(group, "secp384r1") == 0 ||
			 strcmp(group, "P-384") == 0)
			*out = KEY_ECDSA_P384;
		else if (strcmp(group, "secp521r1") == 0 ||
			 strcmp(group, "P-521") == 0)
			*out = KEY_ECDSA_P521;
		else
			return -1;
		return 0;
	default:
		return -1;
	}
}

/* A copy of an RSA or RSA-PSS key as a plain RSA key (n, e only). */
static EVP_PKEY *
rsa_plain(const EVP_PKEY *pkey)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *out = NULL;
	BIGNUM *n = NULL, *e = NULL;

	if (bld == NULL ||
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &out, EVP_PKEY_PUBLIC_KEY, params) != 1)
		out = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return out;
}

/*
 * SPEC-ENV-8: the canonical SPKI of pkey: EC with the named curve and the
 * uncompressed point, RSA and RSA-PSS as plain rsaEncryption (n, e),
 * Ed25519 as is. One public key has one canonical SPKI however it was
 * encoded. *der is new (OPENSSL_free); returns its length or <= 0.
 */
static int
canonical_spki(unsigned char **der, EVP_PKEY *pkey)
{
	EVP_PKEY *c = NULL;
	int n;

	*der = NULL;
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_EC:
		c = EVP_PKEY_dup(pkey);
		if (c == NULL ||
		    EVP_PKEY_set_utf8_string_param(
			c, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
			"uncompressed") != 1 ||
		    EVP_PKEY_set_utf8_string_param(
			c, OSSL_PKEY_PARAM_EC_ENCODING,
			OSSL_PKEY_EC_ENCODING_GROUP) != 1) {
			EVP_PKEY_free(c);
			return -1;
		}
		break;
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		c = rsa_plain(pkey);
		if (c == NULL)
			return -1;
		break;
	default:
		return i2d_PUBKEY(pkey, der);
	}
	n = i2d_PUBKEY(c, der);
	EVP_PKEY_free(c);
	return n;
}

/* Takes ownership of pkey. */
static int
key_wrap(struct key **out, EVP_PKEY *pkey, int is_private, const char *src,
	 struct err *e)
{
	unsigned char *der = NULL, digest[SHA256_LEN];
	struct key *k = NULL;
	int derlen, rc = 0;

	*out = NULL;
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		EVP_PKEY_free(pkey);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	k->pkey = pkey;
	k->is_private = is_private;
	snprintf(k->source, sizeof(k->source), "%s", src);
	if (classify(&k->type, pkey) != 0) {
		rc = err_set(e, EXIT_REJECTED,
			     "%s: unsupported key type (want ECDSA P-256/384/"
			     "521, Ed25519 or RSA >= 2048 bits)",
			     src);
		goto out;
	}
	derlen = canonical_spki(&der, pkey);
	if (derlen <= 0) {
		rc = err_ossl(e, EXIT_REJECTED, "%s: cannot encode public key",
			      src);
		goto out;
	}
	rc = hash_sha256(digest, der, (size_t)derlen, e);
	if (rc != 0)
		goto out;
	hex_encode(k->id, digest, SHA256_LEN);
	*out = k;
	k = NULL;
out:
	OPENSSL_free(der);
	key_free(k);
	return rc;
}

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

/* Refuses to prompt: encrypted keys are reported, never asked for. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static int
read_pem(unsigned char **buf, size_t *len, const char *path, struct err *e)
{
	return secret_read(buf, len, path, MAX_SECRET_KEY_BYTES, 0, e);
}

static void
free_secret(unsigned char *buf, size_t len)
{
	secret_free(buf, len);
}

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

	rc = read_pem(&pem, &len, ref, e);
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
		pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
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
	free_secret(pem, len);
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

void *
key_backend_ctx(const struct key *k, const struct key_backend *b)
{
	return k->backend == b ? k->backend_ctx : NULL;
}

int
key_load_public_pem(struct key **out, const char *pem, size_t len,
		    const char *src, struct err *e)
{
	EVP_PKEY *pkey = NULL;
	X509 *cert = NULL;
	BIO *bio;

	*out = NULL;
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL)
		return err_ossl(e, EXIT_UNDECIDED, "%s", src);
	pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	if (pkey == NULL && BIO_reset(bio) == 1) {
		cert = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);
		if (cert != NULL)
			pkey = X509_get_pubkey(cert);
	}
	if (pkey == NULL && BIO_reset(bio) == 1)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	X509_free(cert);
	BIO_free(bio);
	if (pkey == NULL)
		return err_ossl(e, EXIT_REJECTED, "%s: no public key in PEM",
				src);
	return key_wrap(out, pkey, 0, src, e);
}

int
key_load_public(struct key **out, const char *path, struct err *e)
{
	unsigned char *pem = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = read_pem(&pem, &len, path, e);
	if (rc != 0)
		return rc;
	rc = key_load_public_pem(out, (char *)pem, len, path, e);
	free_secret(pem, len);
	return rc;
}

void
key_free(struct key *k)
{
	if (k == NULL)
		return;
	/* EVP_PKEY_free clears private components before releasing them. */
	EVP_PKEY_CTX_free(k->vctx);
	EVP_PKEY_free(k->pkey);
	if (k->backend != NULL)
		k->backend->free(k->backend_ctx);
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

enum key_type
key_get_type(const struct key *k)
{
	return k->type;
}

int
key_is_private(const struct key *k)
{
	return k->is_private;
}

const char *
key_id(const struct key *k)
{
	return k->id;
}

const char *
key_source(const struct key *k)
{
	return k->source;
}

static int
bio_take(char **out, size_t *len, BIO *bio, struct err *e)
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
key_public_pem(char **out, size_t *len, const struct key *k, struct err *e)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int rc;

	*out = NULL;
	if (bio == NULL || PEM_write_bio_PUBKEY(bio, k->pkey) != 1) {
		BIO_free(bio);
		return err_ossl(e, EXIT_UNDECIDED, "cannot encode public key");
	}
	rc = bio_take(out, len, bio, e);
	BIO_free(bio);
	return rc;
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

static const char *
md_for(enum key_type t)
{
	switch (t) {
	case KEY_ECDSA_P384:
		return "SHA384";
	case KEY_ECDSA_P521:
		return "SHA512";
	case KEY_ED25519:
		return NULL;
	default:
		return "SHA256";
	}
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
	    EVP_DigestSignInit_ex(ctx, NULL, md_for(k->type), NULL, NULL,
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

/* One EVP verification; pss selects RSA-PSS with salt auto. */
static int
verify_once(const struct key *k, const unsigned char *msg, size_t len,
	    const unsigned char *sig, size_t siglen, int pss)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok = 0;

	if (ctx != NULL &&
	    EVP_DigestVerifyInit_ex(ctx, &pctx, md_for(k->type), NULL, NULL,
				    k->pkey, NULL) == 1) {
		if (pss && (EVP_PKEY_CTX_set_rsa_padding(
				pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
			    EVP_PKEY_CTX_set_rsa_pss_saltlen(
				pctx, RSA_PSS_SALTLEN_AUTO) != 1))
			goto out;
		ok = EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1;
	}
out:
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

static size_t
field_bytes(enum key_type t)
{
	switch (t) {
	case KEY_ECDSA_P256:
		return 32;
	case KEY_ECDSA_P384:
		return 48;
	case KEY_ECDSA_P521:
		return 66;
	default:
		return 0;
	}
}

/* DSSE's own vector signs raw r||s; convert it to DER for EVP. */
static int
verify_raw_ecdsa(const struct key *k, const unsigned char *msg, size_t len,
		 const unsigned char *sig, size_t siglen)
{
	size_t half = field_bytes(k->type);
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *der = NULL;
	int derlen, ok = 0;

	if (half == 0 || siglen != 2 * half)
		return 0;
	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig, (int)half, NULL);
	s = BN_bin2bn(sig + half, (int)half, NULL);
	if (es == NULL || r == NULL || s == NULL ||
	    ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL;
	derlen = i2d_ECDSA_SIG(es, &der);
	if (derlen > 0)
		ok = verify_once(k, msg, len, der, (size_t)derlen, 0);
out:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	OPENSSL_free(der);
	return ok;
}

static const EVP_MD *
md_evp(enum key_type t)
{
	switch (t) {
	case KEY_ECDSA_P384:
		return EVP_sha384();
	case KEY_ECDSA_P521:
		return EVP_sha512();
	default:
		return EVP_sha256();
	}
}

/*
 * ECDSA through a cached EVP_PKEY_CTX: hash, then verify the digest.
 * Returns 1 valid, 0 invalid, -1 when the fast path is unavailable.
 * Not thread-safe: a key verifies from one thread at a time.
 */
static int
verify_ecdsa_fast(const struct key *k, const unsigned char *msg, size_t len,
		  const unsigned char *sig, size_t siglen)
{
	struct key *mk = (struct key *)k;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int ok;

	if (field_bytes(k->type) == 0)
		return -1;
	if (mk->vctx == NULL) {
		mk->vctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
		if (mk->vctx == NULL || EVP_PKEY_verify_init(mk->vctx) != 1 ||
		    EVP_PKEY_CTX_set_signature_md(mk->vctx, md_evp(k->type)) !=
			1) {
			EVP_PKEY_CTX_free(mk->vctx);
			mk->vctx = NULL;
			ERR_clear_error();
			return -1;
		}
	}
	if (EVP_Digest(msg, len, md, &mdlen, md_evp(k->type), NULL) != 1) {
		ERR_clear_error();
		return -1;
	}
	ok = EVP_PKEY_verify(mk->vctx, sig, siglen, md, mdlen) == 1;
	ERR_clear_error();
	return ok;
}

int
key_verify(const struct key *k, const unsigned char *msg, size_t len,
	   const unsigned char *sig, size_t siglen)
{
	int ok = verify_ecdsa_fast(k, msg, len, sig, siglen);

	if (ok == 1)
		return 0;
	if (ok < 0)
		ok = verify_once(k, msg, len, sig, siglen, 0);

	if (!ok && k->type == KEY_RSA)
		ok = verify_once(k, msg, len, sig, siglen, 1);
	if (!ok)
		ok = verify_raw_ecdsa(k, msg, len, sig, siglen);
	return ok ? 0 : -EXIT_REJECTED;
}

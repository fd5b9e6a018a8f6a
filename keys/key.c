/*
 * File keys on OpenSSL EVP behind the one key interface (see key.h):
 * types, public keys and verification. Private keys and signing are
 * keysign.c, creating keys keygen.c.
 */
#include "keys/key_int.h"

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
int
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

/* Refuses to prompt: encrypted keys are reported, never asked for. */
int
key_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int
key_read_pem(unsigned char **buf, size_t *len, const char *path, struct err *e)
{
	return secret_read(buf, len, path, MAX_SECRET_KEY_BYTES, 0, e);
}

void
key_secret_free(unsigned char *buf, size_t len)
{
	secret_free(buf, len);
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
	pkey = PEM_read_bio_PUBKEY(bio, NULL, key_no_passphrase, NULL);
	if (pkey == NULL && BIO_reset(bio) == 1) {
		cert = PEM_read_bio_X509(bio, NULL, key_no_passphrase, NULL);
		if (cert != NULL)
			pkey = X509_get_pubkey(cert);
	}
	if (pkey == NULL && BIO_reset(bio) == 1)
		pkey =
		    PEM_read_bio_PrivateKey(bio, NULL, key_no_passphrase, NULL);
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
	rc = key_read_pem(&pem, &len, path, e);
	if (rc != 0)
		return rc;
	rc = key_load_public_pem(out, (char *)pem, len, path, e);
	key_secret_free(pem, len);
	return rc;
}

void
key_free(struct key *k)
{
	if (k == NULL)
		return;
	/* EVP_PKEY_free clears private components before releasing them. */
	EVP_PKEY_CTX_free(k->vctx);
	EVP_MD_free(k->vmd);
	EVP_MD_CTX_free(k->edctx);
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

const char *
key_md_for(enum key_type t)
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

/* One EVP verification; pss selects RSA-PSS with salt auto. */
static int
verify_once(const struct key *k, const unsigned char *msg, size_t len,
	    const unsigned char *sig, size_t siglen, int pss)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok = 0;

	if (ctx != NULL &&
	    EVP_DigestVerifyInit_ex(ctx, &pctx, key_md_for(k->type), NULL, NULL,
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
		mk->vmd = EVP_MD_fetch(NULL, key_md_for(k->type), NULL);
		mk->vctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
		if (mk->vmd == NULL || mk->vctx == NULL ||
		    EVP_PKEY_verify_init(mk->vctx) != 1 ||
		    EVP_PKEY_CTX_set_signature_md(mk->vctx, mk->vmd) != 1) {
			EVP_PKEY_CTX_free(mk->vctx);
			EVP_MD_free(mk->vmd);
			mk->vctx = NULL;
			mk->vmd = NULL;
			ERR_clear_error();
			return -1;
		}
	}
	if (EVP_Digest(msg, len, md, &mdlen, mk->vmd, NULL) != 1) {
		ERR_clear_error();
		return -1;
	}
	ok = EVP_PKEY_verify(mk->vctx, sig, siglen, md, mdlen) == 1;
	ERR_clear_error();
	return ok;
}

/*
 * Ed25519 through one EVP_MD_CTX set up on first use: the one-shot
 * EVP_DigestVerify may be called on it again and again (openssl speed
 * does so), which spares a provider fetch and key export per signature.
 * Returns 1 valid and -1 otherwise: a refusal here is confirmed by
 * verify_once on a fresh context, so only OpenSSL's "valid" is trusted.
 * Not thread-safe, like verify_ecdsa_fast.
 */
static int
verify_ed25519_fast(const struct key *k, const unsigned char *msg, size_t len,
		    const unsigned char *sig, size_t siglen)
{
	struct key *mk = (struct key *)k;
	int ok;

	if (k->type != KEY_ED25519)
		return -1;
	if (mk->edctx == NULL) {
		mk->edctx = EVP_MD_CTX_new();
		if (mk->edctx == NULL ||
		    EVP_DigestVerifyInit_ex(mk->edctx, NULL, NULL, NULL, NULL,
					    k->pkey, NULL) != 1) {
			EVP_MD_CTX_free(mk->edctx);
			mk->edctx = NULL;
			ERR_clear_error();
			return -1;
		}
	}
	ok = EVP_DigestVerify(mk->edctx, sig, siglen, msg, len) == 1;
	ERR_clear_error();
	return ok ? 1 : -1;
}

int
key_verify(const struct key *k, const unsigned char *msg, size_t len,
	   const unsigned char *sig, size_t siglen)
{
	int ok = verify_ecdsa_fast(k, msg, len, sig, siglen);

	if (ok < 0)
		ok = verify_ed25519_fast(k, msg, len, sig, siglen);
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

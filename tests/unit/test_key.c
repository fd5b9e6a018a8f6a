/*
 * keys/key and keys/keyset: every key type signs and verifies, forgeries
 * and wrong keys fail, the hash per key type is checked with EVP directly,
 * key ids are recomputed here from the SPKI, private keys are written 0600
 * and never replaced, PEM forms (PKCS#8, SEC1, PKCS#1, certificates, text
 * preambles) load, encrypted keys without a passphrase file are a usage
 * error, RSA-PSS verifies.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys/envelope.h"
#include "keys/keyset.h"
#include "lib/fileio.h"
#include "lib/hex.h"
#include "tests/unit/testutil.h"

static const unsigned char msg[] = "DSSEv1 4 type 5 hello";
#define MSGLEN (sizeof(msg) - 1)

/* Removes the temp directory dir and all it holds (symlinks not followed). */
static char *
slurp(const char *path, size_t *len)
{
	struct err e = ERR_INIT;
	unsigned char *buf = NULL;

	ck_assert_msg(file_read(&buf, len, path, 1 << 20, &e) == 0, "%s",
		      e.msg);
	return (char *)buf;
}

/* Runs a shell command (openssl) inside the temp directory dir. */
static void
run_in(const char *dir, const char *cmd)
{
	char line[PATH_MAX + 512];

	snprintf(line, sizeof(line), "cd '%s' && %s", dir, cmd);
	ck_assert_msg(system(line) == 0, "failed: %s", line);
}

/* The EVP public key of k, through its PEM. */
static EVP_PKEY *
evp_public(const struct key *k)
{
	struct err e = ERR_INIT;
	char *pem = NULL;
	size_t len;
	BIO *bio;
	EVP_PKEY *pkey;

	ck_assert_int_eq(key_public_pem(&pem, &len, k, &e), 0);
	ck_assert_int_eq(strncmp(pem, "-----BEGIN PUBLIC KEY-----", 26), 0);
	bio = BIO_new_mem_buf(pem, (int)len);
	pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	ck_assert_ptr_nonnull(pkey);
	BIO_free(bio);
	free(pem);
	return pkey;
}

/* Lowercase hex SHA-256 of the DER SPKI, computed without keys/. */
static void
spki_id(char out[65], EVP_PKEY *pkey)
{
	unsigned char *der = NULL, md[32];
	unsigned int mdlen = 0;
	int n = i2d_PUBKEY(pkey, &der);

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(
	    EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL), 1);
	ck_assert_uint_eq(mdlen, 32);
	hex_encode(out, md, 32);
	OPENSSL_free(der);
}

static int
evp_verify(EVP_PKEY *pkey, const char *md, int pss, const unsigned char *sig,
	   size_t siglen, const unsigned char *m, size_t mlen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok;

	ck_assert_int_eq(
	    EVP_DigestVerifyInit_ex(ctx, &pctx, md, NULL, NULL, pkey, NULL), 1);
	if (pss) {
		ck_assert_int_eq(
		    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING),
		    1);
		ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_pss_saltlen(
				     pctx, RSA_PSS_SALTLEN_AUTO),
				 1);
	}
	ok = EVP_DigestVerify(ctx, sig, siglen, m, mlen) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

static unsigned char *
evp_sign(size_t *siglen, EVP_PKEY *pkey, const char *md, int pss, int saltlen,
	 const unsigned char *m, size_t mlen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *sig;

	ck_assert_int_eq(
	    EVP_DigestSignInit_ex(ctx, &pctx, md, NULL, NULL, pkey, NULL), 1);
	if (pss) {
		ck_assert_int_eq(
		    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING),
		    1);
		ck_assert_int_eq(
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, saltlen), 1);
	}
	ck_assert_int_eq(EVP_DigestSign(ctx, NULL, siglen, m, mlen), 1);
	sig = malloc(*siglen);
	ck_assert_ptr_nonnull(sig);
	ck_assert_int_eq(EVP_DigestSign(ctx, sig, siglen, m, mlen), 1);
	EVP_MD_CTX_free(ctx);
	return sig;
}

/* Type names ------------------------------------------------------------ */

struct name_row {
	const char *name;
	int ok;
	enum key_type type;
};

static const struct name_row name_rows[] = {
    {"ecdsa-p256", 1, KEY_ECDSA_P256},
    {"ECDSA-P256", 0, KEY_ECDSA_P256},
    {"ecdsa-p384", 1, KEY_ECDSA_P384},
    {"ecdsa-p384 ", 0, KEY_ECDSA_P384},
    {"ecdsa-p521", 1, KEY_ECDSA_P521},
    {"p521", 0, KEY_ECDSA_P521},
    {"ed25519", 1, KEY_ED25519},
    {"ed448", 0, KEY_ED25519},
    {"rsa", 1, KEY_RSA},
    {"", 0, KEY_RSA},
};

START_TEST(test_type_names)
{
	const struct name_row *r = &name_rows[_i];
	enum key_type t = (enum key_type)99;

	if (!r->ok) {
		ck_assert_int_eq(key_type_parse(&t, r->name), -1);
		return;
	}
	ck_assert_int_eq(key_type_parse(&t, r->name), 0);
	ck_assert_int_eq(t, r->type);
	ck_assert_str_eq(key_type_name(t), r->name);
}
END_TEST

/* Every key type ---------------------------------------------------------- */

struct type_row {
	enum key_type type;
	const char *md;	      /* the hash key_sign must use */
	const char *wrong_md; /* a hash it must not use (NULL: none) */
	size_t raw_half;      /* ECDSA field size, 0 otherwise */
};

static const struct type_row type_rows[] = {
    {KEY_ECDSA_P256, "SHA256", "SHA384", 32},
    {KEY_ECDSA_P384, "SHA384", "SHA256", 48},
    {KEY_ECDSA_P521, "SHA512", "SHA256", 66},
    {KEY_ED25519, NULL, NULL, 0},
    {KEY_RSA, "SHA256", "SHA512", 0},
};

START_TEST(test_sign_verify)
{
	const struct type_row *r = &type_rows[_i];
	struct err e = ERR_INIT;
	struct key *k = NULL, *other = NULL, *pub = NULL;
	unsigned char *sig = NULL, *sig2 = NULL, *bad;
	char id[65], *pem = NULL;
	size_t siglen, sig2len, pemlen, i;
	EVP_PKEY *pkey;

	ck_assert_msg(key_generate(&k, r->type, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(key_get_type(k), r->type);
	ck_assert_int_eq(key_is_private(k), 1);
	ck_assert_msg(key_generate(&other, r->type, &e) == 0, "%s", e.msg);

	/* key id = hex sha256(DER SPKI), computed here independently */
	pkey = evp_public(k);
	spki_id(id, pkey);
	ck_assert_str_eq(key_id(k), id);
	ck_assert_uint_eq(strlen(key_id(k)), KEY_ID_LEN);
	ck_assert_str_ne(key_id(k), key_id(other));

	ck_assert_int_eq(key_sign(&sig, &siglen, k, msg, MSGLEN, &e), 0);
	ck_assert_int_eq(key_verify(k, msg, MSGLEN, sig, siglen), 0);
	/* the hash fixed by the key type, checked with EVP directly */
	ck_assert(evp_verify(pkey, r->md, 0, sig, siglen, msg, MSGLEN));
	if (r->wrong_md != NULL)
		ck_assert(!evp_verify(pkey, r->wrong_md, 0, sig, siglen, msg,
				      MSGLEN));
	/* tampered message, tampered signature, wrong key */
	ck_assert_int_eq(key_verify(k, msg, MSGLEN - 1, sig, siglen),
			 -EXIT_REJECTED);
	bad = malloc(siglen);
	ck_assert_ptr_nonnull(bad);
	for (i = 0; i < siglen; i += siglen / 7 + 1) {
		memcpy(bad, sig, siglen);
		bad[i] ^= 0x01;
		ck_assert_msg(key_verify(k, msg, MSGLEN, bad, siglen) ==
				  -EXIT_REJECTED,
			      "flip at %zu verified", i);
	}
	free(bad);
	ck_assert_int_eq(key_verify(other, msg, MSGLEN, sig, siglen),
			 -EXIT_REJECTED);
	ck_assert_int_eq(key_verify(k, msg, MSGLEN, sig, 0), -EXIT_REJECTED);
	/* a key verifies through one context kept across calls: after
	 * every refusal above, good signatures (of two messages, in turn)
	 * still verify and a swapped pair still fails */
	ck_assert_int_eq(key_sign(&sig2, &sig2len, k, msg + 1, MSGLEN - 1, &e),
			 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(key_verify(k, msg, MSGLEN, sig, siglen), 0);
		ck_assert_int_eq(
		    key_verify(k, msg + 1, MSGLEN - 1, sig2, sig2len), 0);
		ck_assert_int_eq(
		    key_verify(k, msg + 1, MSGLEN - 1, sig, siglen),
		    -EXIT_REJECTED);
	}
	free(sig2);

	/* the public half verifies but cannot sign */
	ck_assert_int_eq(key_public_pem(&pem, &pemlen, k, &e), 0);
	ck_assert_int_eq(key_load_public_pem(&pub, pem, pemlen, "pub", &e), 0);
	ck_assert_int_eq(key_is_private(pub), 0);
	ck_assert_str_eq(key_id(pub), key_id(k));
	ck_assert_str_eq(key_source(pub), "pub");
	ck_assert_int_eq(key_verify(pub, msg, MSGLEN, sig, siglen), 0);
	free(sig);
	sig = (unsigned char *)1;
	ck_assert_int_eq(key_sign(&sig, &siglen, pub, msg, MSGLEN, &e),
			 -EXIT_USAGE);
	ck_assert_ptr_null(sig);

	free(pem);
	EVP_PKEY_free(pkey);
	key_free(k);
	key_free(other);
	key_free(pub);
}
END_TEST

/* ECDSA also accepts raw r||s of exactly twice the field size. */
START_TEST(test_ecdsa_raw)
{
	const struct type_row *r = &type_rows[_i];
	struct err e = ERR_INIT;
	struct key *k = NULL;
	unsigned char *sig = NULL, raw[2 * 66 + 1];
	const unsigned char *p;
	size_t siglen;
	ECDSA_SIG *es;

	ck_assert_int_eq(key_generate(&k, r->type, &e), 0);
	ck_assert_int_eq(key_sign(&sig, &siglen, k, msg, MSGLEN, &e), 0);
	p = sig;
	es = d2i_ECDSA_SIG(NULL, &p, (long)siglen);
	ck_assert_ptr_nonnull(es);
	ck_assert_int_eq(
	    BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, (int)r->raw_half),
	    (int)r->raw_half);
	ck_assert_int_eq(BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + r->raw_half,
				      (int)r->raw_half),
			 (int)r->raw_half);
	ck_assert_int_eq(key_verify(k, msg, MSGLEN, raw, 2 * r->raw_half), 0);
	/* twins: a byte short, a byte long, one bit off */
	ck_assert_int_eq(key_verify(k, msg, MSGLEN, raw, 2 * r->raw_half - 1),
			 -EXIT_REJECTED);
	raw[2 * r->raw_half] = 0;
	ck_assert_int_eq(key_verify(k, msg, MSGLEN, raw, 2 * r->raw_half + 1),
			 -EXIT_REJECTED);
	raw[r->raw_half + 3] ^= 0x80;
	ck_assert_int_eq(key_verify(k, msg, MSGLEN, raw, 2 * r->raw_half),
			 -EXIT_REJECTED);
	ECDSA_SIG_free(es);
	free(sig);
	key_free(k);
}
END_TEST

/* RSA-PSS (any salt length) and PKCS#1 v1.5, both over SHA-256, made
 * here with EVP; other hashes are refused. */
struct rsa_row {
	int pss;
	int saltlen;
	const char *md;
	int ok;
};

static const struct rsa_row rsa_rows[] = {
    {1, RSA_PSS_SALTLEN_DIGEST, "SHA256", 1},
    {1, RSA_PSS_SALTLEN_DIGEST, "SHA384", 0},
    {1, RSA_PSS_SALTLEN_MAX, "SHA256", 1},
    {1, RSA_PSS_SALTLEN_MAX, "SHA512", 0},
    {1, 0, "SHA256", 1},
    {1, 0, "SHA1", 0},
    {0, 0, "SHA256", 1},
    {0, 0, "SHA512", 0},
};

START_TEST(test_rsa_pss)
{
	const struct rsa_row *r = &rsa_rows[_i];
	char *dir = testutil_tmpdir(), *path = testutil_join(dir, "rsa.pem");
	struct err e = ERR_INIT;
	struct key *k = NULL;
	EVP_PKEY *priv;
	unsigned char *sig;
	size_t siglen;
	FILE *f;

	priv = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ck_assert_ptr_nonnull(priv);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_PUBKEY(f, priv), 1);
	fclose(f);
	ck_assert_int_eq(key_load_public(&k, path, &e), 0);
	ck_assert_int_eq(key_get_type(k), KEY_RSA);
	sig = evp_sign(&siglen, priv, r->md, r->pss, r->saltlen, msg, MSGLEN);
	ck_assert_int_eq(key_verify(k, msg, MSGLEN, sig, siglen),
			 r->ok ? 0 : -EXIT_REJECTED);
	/* tampered message twin */
	ck_assert_int_eq(key_verify(k, msg + 1, MSGLEN - 1, sig, siglen),
			 -EXIT_REJECTED);
	free(sig);
	key_free(k);
	EVP_PKEY_free(priv);
	testutil_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

/* Private key files ------------------------------------------------------- */

START_TEST(test_write_private)
{
	char *dir = testutil_tmpdir(), *path = testutil_join(dir, "k.key");
	char *link = testutil_join(dir, "l.key"), *first, *again;
	struct err e = ERR_INIT;
	struct key *k = NULL, *k2 = NULL, *back = NULL, *pub = NULL;
	struct stat st;
	size_t len, len2;

	umask(0);
	ck_assert_int_eq(key_generate(&k, KEY_ECDSA_P256, &e), 0);
	ck_assert_int_eq(key_write_private(k, path, &e), 0);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	first = slurp(path, &len);
	ck_assert_int_eq(strncmp(first, "-----BEGIN PRIVATE KEY-----", 27), 0);
	ck_assert_int_eq(key_load_private(&back, path, &e), 0);
	ck_assert_int_eq(key_is_private(back), 1);
	ck_assert_str_eq(key_id(back), key_id(k));
	ck_assert_str_eq(key_source(back), path);

	/* an existing file is never replaced, by another key or the same */
	ck_assert_int_eq(key_generate(&k2, KEY_ED25519, &e), 0);
	ck_assert_int_eq(key_write_private(k2, path, &e), -EXIT_UNDECIDED);
	ck_assert_int_eq(key_write_private(k, path, &e), -EXIT_UNDECIDED);
	again = slurp(path, &len2);
	ck_assert_uint_eq(len, len2);
	ck_assert_mem_eq(first, again, len);
	/* nor is a symlink followed, even a dangling one */
	ck_assert_int_eq(symlink("nowhere.key", link), 0);
	ck_assert_int_eq(key_write_private(k2, link, &e), -EXIT_UNDECIDED);
	free(again);
	again = testutil_join(dir, "nowhere.key");
	ck_assert_int_eq(access(again, F_OK), -1);
	free(again);
	/* a public key has nothing to write */
	ck_assert_int_eq(key_load_public(&pub, path, &e), 0);
	free(link);
	link = testutil_join(dir, "pub.key");
	ck_assert_int_eq(key_write_private(pub, link, &e), -EXIT_USAGE);
	ck_assert_int_eq(access(link, F_OK), -1);

	free(first);
	key_free(k);
	key_free(k2);
	key_free(back);
	key_free(pub);
	testutil_rmtree(dir);
	free(path);
	free(link);
	free(dir);
}
END_TEST

/* PEM forms made with the openssl CLI: each loads as the type named, and
 * each has a twin that is refused. */
struct pem_row {
	const char *make; /* openssl command writing k.pem */
	const char *marker;
	int rc;
	enum key_type type;
	const char *why; /* word in the refusal */
};

static const struct pem_row pem_rows[] = {
    {"openssl ecparam -genkey -name prime256v1 -noout -out k.pem 2>/dev/null",
     "BEGIN EC PRIVATE KEY", 0, KEY_ECDSA_P256, NULL},
    {"openssl ecparam -genkey -name secp256k1 -noout -out k.pem 2>/dev/null",
     "BEGIN EC PRIVATE KEY", -EXIT_REJECTED, KEY_ECDSA_P256, "unsupported"},
    {"openssl ecparam -genkey -name secp384r1 -noout -out k.pem 2>/dev/null",
     "BEGIN EC PRIVATE KEY", 0, KEY_ECDSA_P384, NULL},
    {"openssl ecparam -genkey -name secp384r1 -noout 2>/dev/null | openssl "
     "ec -aes256 -passout pass:hunter2 -out k.pem 2>/dev/null",
     "ENCRYPTED", -EXIT_USAGE, KEY_ECDSA_P384, "--passphrase-file"},
    {"openssl genrsa -traditional -out k.pem 2048 2>/dev/null",
     "BEGIN RSA PRIVATE KEY", 0, KEY_RSA, NULL},
    {"openssl genrsa -traditional -out k.pem 1024 2>/dev/null",
     "BEGIN RSA PRIVATE KEY", -EXIT_REJECTED, KEY_RSA, "unsupported"},
    {"openssl genpkey -algorithm ed25519 -out k.pem 2>/dev/null",
     "BEGIN PRIVATE KEY", 0, KEY_ED25519, NULL},
    {"openssl genpkey -algorithm ed448 -out k.pem 2>/dev/null",
     "BEGIN PRIVATE KEY", -EXIT_REJECTED, KEY_ED25519, "unsupported"},
    {"openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out "
     "k.pem "
     "2>/dev/null",
     "BEGIN PRIVATE KEY", 0, KEY_ECDSA_P521, NULL},
    {"openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
     "-aes-256-cbc -pass pass:hunter2 -out k.pem 2>/dev/null",
     "BEGIN ENCRYPTED PRIVATE KEY", -EXIT_USAGE, KEY_ECDSA_P256,
     "is encrypted: give --passphrase-file"},
};

START_TEST(test_pem_forms)
{
	const struct pem_row *r = &pem_rows[_i];
	char *dir = testutil_tmpdir(), *path = testutil_join(dir, "k.pem"),
	     *text;
	struct err e = ERR_INIT;
	struct key *k = NULL, *pub = NULL;
	unsigned char *sig = NULL;
	size_t len, siglen;

	run_in(dir, r->make);
	text = slurp(path, &len);
	ck_assert_msg(strstr(text, r->marker) != NULL, "%s", text);
	ck_assert_int_eq(key_load_private(&k, path, &e), r->rc);
	if (r->rc != 0) {
		ck_assert_ptr_null(k);
		ck_assert_msg(strstr(e.msg, r->why) != NULL, "%s", e.msg);
		ck_assert_msg(strstr(e.msg, path) != NULL, "%s", e.msg);
		ck_assert_ptr_null(strstr(e.msg, "hunter2"));
		goto out;
	}
	ck_assert_int_eq(key_get_type(k), r->type);
	ck_assert_int_eq(key_is_private(k), 1);
	ck_assert_int_eq(key_sign(&sig, &siglen, k, msg, MSGLEN, &e), 0);
	/* key_load_public on the private key file: the public half only */
	ck_assert_int_eq(key_load_public(&pub, path, &e), 0);
	ck_assert_int_eq(key_is_private(pub), 0);
	ck_assert_str_eq(key_id(pub), key_id(k));
	ck_assert_int_eq(key_verify(pub, msg, MSGLEN, sig, siglen), 0);
	free(sig);
	/* twin: the same file with its body cut in half holds no key */
	testutil_put(path, text, len / 2, 0600);
	key_free(k);
	k = NULL;
	ck_assert_int_eq(key_load_private(&k, path, &e), -EXIT_REJECTED);
	ck_assert_ptr_null(k);
out:
	key_free(k);
	key_free(pub);
	free(text);
	testutil_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

/* key_load_private refusals. */
START_TEST(test_load_private_refusals)
{
	char *dir = testutil_tmpdir(), *path = testutil_join(dir, "x.pem");
	char *missing = testutil_join(dir, "missing.pem");
	struct err e = ERR_INIT;
	struct key *k = NULL;
	char *pem = NULL;
	size_t len;

	ck_assert_int_eq(key_load_private(&k, missing, &e), -EXIT_UNDECIDED);
	ck_assert_ptr_nonnull(strstr(e.msg, missing));
	testutil_put(path, "not a key\n", 10, 0600);
	ck_assert_int_eq(key_load_private(&k, path, &e), -EXIT_REJECTED);
	testutil_put(path, "", 0, 0600);
	ck_assert_int_eq(key_load_private(&k, path, &e), -EXIT_REJECTED);
	ck_assert_int_eq(key_load_private(&k, "tpm:0x81000001", &e),
			 -EXIT_USAGE);
	/* a public key is not a private key: say which file to use */
	ck_assert_int_eq(key_generate(&k, KEY_ECDSA_P256, &e), 0);
	ck_assert_int_eq(key_public_pem(&pem, &len, k, &e), 0);
	key_free(k);
	k = NULL;
	testutil_put(path, pem, len, 0600);
	ck_assert_int_eq(key_load_private(&k, path, &e), -EXIT_USAGE);
	ck_assert_ptr_null(k);
	ck_assert_ptr_nonnull(strstr(e.msg, "is a public key; sign with the "
					    "private key, e.g. "));
	ck_assert_ptr_nonnull(strstr(e.msg, "e.g. "));
	ck_assert_str_eq(strstr(e.msg, "e.g. ") + 5 + strlen(dir) + 1, "x.key");
	free(pem);
	testutil_rmtree(dir);
	free(path);
	free(missing);
	free(dir);
}
END_TEST

/* Public keys ------------------------------------------------------------- */

/* From a certificate, from SPKI PEM after a text preamble (the OMS key),
 * and the refusals. */
START_TEST(test_load_public)
{
	char *dir = testutil_tmpdir(), *keyp = testutil_join(dir, "k.pem");
	char *cert = testutil_join(dir, "c.pem"),
	     *pre = testutil_join(dir, "pre.pem");
	static const char preamble[] =
	    "Public Key Information:\n\tsome text\n\n";
	static const char junk[] =
	    "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
	size_t pl = sizeof(preamble) - 1;
	char *oms = malloc(PATH_MAX), *big, *pem = NULL;
	struct err e = ERR_INIT;
	struct key *k = NULL, *c = NULL, *p = NULL;
	size_t len;

	run_in(dir,
	       "openssl ecparam -genkey -name prime256v1 -noout -out k.pem");
	ck_assert_int_eq(key_load_private(&k, keyp, &e), 0);
	run_in(dir, "openssl req -x509 -new -key k.pem -subj /CN=t -days 1 "
		    "-out c.pem 2>/dev/null");
	ck_assert_msg(key_load_public(&c, cert, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(key_is_private(c), 0);
	ck_assert_str_eq(key_id(c), key_id(k));
	key_free(c);

	/* text before the PEM block is skipped */
	ck_assert_int_eq(key_public_pem(&pem, &len, k, &e), 0);
	big = malloc(len + pl);
	ck_assert_ptr_nonnull(big);
	memcpy(big, preamble, pl);
	memcpy(big + pl, pem, len);
	testutil_put(pre, big, len + pl, 0600);
	ck_assert_int_eq(key_load_public(&p, pre, &e), 0);
	ck_assert_str_eq(key_id(p), key_id(k));
	key_free(p);
	p = NULL;
	/* twin: the PEM block damaged */
	big[pl + 40] = '*';
	big[pl + 41] = '*';
	testutil_put(pre, big, len + pl, 0600);
	ck_assert_int_eq(key_load_public(&p, pre, &e), -EXIT_REJECTED);
	ck_assert_ptr_null(p);
	free(big);

	snprintf(
	    oms, PATH_MAX, "%s/%s", TEST_VECTORS,
	    "oms-model-transparency-v1.1.0-elliptic-key/signing-key-pub.pem");
	ck_assert_msg(key_load_public(&p, oms, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(key_get_type(p), KEY_ECDSA_P384);
	key_free(p);
	p = NULL;

	/* refusals: missing, empty, garbage, over MAX_KEY_BYTES */
	free(pre);
	pre = testutil_join(dir, "missing.pem");
	ck_assert_int_eq(key_load_public(&p, pre, &e), -EXIT_UNDECIDED);
	testutil_put(cert, "", 0, 0600);
	ck_assert_int_eq(key_load_public(&p, cert, &e), -EXIT_REJECTED);
	testutil_put(cert, junk, sizeof(junk) - 1, 0600);
	ck_assert_int_eq(key_load_public(&p, cert, &e), -EXIT_REJECTED);
	big = malloc(MAX_KEY_BYTES + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, '#', MAX_KEY_BYTES + 1 - len);
	big[MAX_KEY_BYTES - len] = '\n';
	memcpy(big + MAX_KEY_BYTES + 1 - len, pem, len);
	testutil_put(cert, big, MAX_KEY_BYTES + 1, 0600);
	ck_assert_int_eq(key_load_public(&p, cert, &e), -EXIT_REJECTED);
	ck_assert_ptr_nonnull(strstr(e.msg, "limit"));
	/* twin: the same with one byte less of preamble loads */
	testutil_put(cert, big + 1, MAX_KEY_BYTES, 0600);
	ck_assert_int_eq(key_load_public(&p, cert, &e), 0);
	key_free(p);
	free(big);

	free(pem);
	key_free(k);
	testutil_rmtree(dir);
	free(keyp);
	free(cert);
	free(pre);
	free(oms);
	free(dir);
}
END_TEST

/* Key sets ---------------------------------------------------------------- */

static struct key *
public_of(const struct key *k)
{
	struct err e = ERR_INIT;
	struct key *pub = NULL;
	char *pem = NULL;
	size_t len;

	ck_assert_int_eq(key_public_pem(&pem, &len, k, &e), 0);
	ck_assert_int_eq(key_load_public_pem(&pub, pem, len, "pub", &e), 0);
	free(pem);
	return pub;
}

START_TEST(test_keyset)
{
	static const unsigned char body[] = "{\"a\":1}";
	struct err e = ERR_INIT;
	struct key *a = NULL, *b = NULL, *c = NULL;
	struct keyset *ks = NULL, *empty = NULL;
	struct dsse_envelope *env = NULL, *two = NULL;
	const struct key *signer = NULL;
	int signed_by[3] = {9, 9, 9};
	const unsigned char *sig;
	size_t siglen;

	ck_assert_int_eq(key_generate(&a, KEY_ECDSA_P256, &e), 0);
	ck_assert_int_eq(key_generate(&b, KEY_ED25519, &e), 0);
	ck_assert_int_eq(key_generate(&c, KEY_ECDSA_P384, &e), 0);
	ck_assert_int_eq(envelope_sign(&env, DSSE_INTOTO_TYPE, body,
				       sizeof(body) - 1, b, &e),
			 0);
	ck_assert_uint_eq(dsse_sig_count(env), 1);
	ck_assert_str_eq(dsse_keyid(env, 0), key_id(b));

	/* keys (public halves) a, c, b: the signer is found, not the first */
	ck_assert_int_eq(keyset_new(&ks, &e), 0);
	ck_assert_int_eq(keyset_add(ks, public_of(a), &e), 0);
	ck_assert_int_eq(keyset_add(ks, public_of(c), &e), 0);
	ck_assert_int_eq(keyset_add(ks, public_of(b), &e), 0);
	ck_assert_uint_eq(keyset_count(ks), 3);
	ck_assert_int_eq(keyset_verify_envelope(&signer, ks, env, "e", &e), 0);
	ck_assert_ptr_eq(signer, keyset_get(ks, 2));

	/* the keyid is a hint only: a wrong or another key's id changes
	 * nothing, in either direction */
	sig = dsse_sig(env, 0, &siglen);
	ck_assert_int_eq(
	    dsse_new(&two, DSSE_INTOTO_TYPE, body, sizeof(body) - 1, &e), 0);
	ck_assert_int_eq(dsse_add_sig(two, key_id(a), sig, siglen, &e), 0);
	ck_assert_int_eq(keyset_verify_envelope(&signer, ks, two, "e", &e), 0);
	ck_assert_ptr_eq(signer, keyset_get(ks, 2));
	ck_assert_uint_eq(keyset_count_signers(ks, two, signed_by), 1);
	ck_assert_int_eq(signed_by[0], 0);
	ck_assert_int_eq(signed_by[1], 0);
	ck_assert_int_eq(signed_by[2], 1);
	dsse_free(two);

	/* two signers a and b over the same PAE: counted once each */
	{
		struct dsse_envelope *ea = NULL;
		const unsigned char *sa;
		size_t salen;
		ck_assert_int_eq(envelope_sign(&ea, DSSE_INTOTO_TYPE, body,
					       sizeof(body) - 1, a, &e),
				 0);
		sa = dsse_sig(ea, 0, &salen);
		ck_assert_int_eq(dsse_new(&two, DSSE_INTOTO_TYPE, body,
					  sizeof(body) - 1, &e),
				 0);
		ck_assert_int_eq(dsse_add_sig(two, NULL, sa, salen, &e), 0);
		ck_assert_int_eq(dsse_add_sig(two, NULL, sig, siglen, &e), 0);
		ck_assert_int_eq(dsse_add_sig(two, NULL, sa, salen, &e), 0);
		ck_assert_uint_eq(keyset_count_signers(ks, two, signed_by), 2);
		ck_assert_int_eq(signed_by[0], 1);
		ck_assert_int_eq(signed_by[1], 0);
		ck_assert_int_eq(signed_by[2], 1);
		dsse_free(two);
		dsse_free(ea);
	}

	/* twins: an empty set, and a set without the signer */
	ck_assert_int_eq(keyset_new(&empty, &e), 0);
	signer = (const struct key *)1;
	ck_assert_int_eq(
	    keyset_verify_envelope(&signer, empty, env, "e.json", &e),
	    -EXIT_REJECTED);
	ck_assert_ptr_null(signer);
	ck_assert_ptr_nonnull(strstr(e.msg, "e.json"));
	ck_assert_int_eq(keyset_add(empty, public_of(a), &e), 0);
	ck_assert_int_eq(keyset_verify_envelope(NULL, empty, env, "e", &e),
			 -EXIT_REJECTED);
	ck_assert_uint_eq(keyset_count_signers(empty, env, NULL), 0);

	keyset_free(ks);
	keyset_free(empty);
	dsse_free(env);
	key_free(a);
	key_free(b);
	key_free(c);
}
END_TEST

/* MAX_TRUSTED_KEYS keys fit; one more is refused (and freed). */
START_TEST(test_keyset_ceiling)
{
	char *dir = testutil_tmpdir(), *path = testutil_join(dir, "k.pub");
	struct err e = ERR_INIT;
	struct key *k = NULL;
	struct keyset *ks = NULL;
	char *pem = NULL;
	size_t len, i;

	ck_assert_int_eq(key_generate(&k, KEY_ED25519, &e), 0);
	ck_assert_int_eq(key_public_pem(&pem, &len, k, &e), 0);
	testutil_put(path, pem, len, 0600);
	ck_assert_int_eq(keyset_new(&ks, &e), 0);
	for (i = 0; i < MAX_TRUSTED_KEYS; i++)
		ck_assert_int_eq(keyset_add_file(ks, path, &e), 0);
	ck_assert_uint_eq(keyset_count(ks), MAX_TRUSTED_KEYS);
	ck_assert_int_eq(keyset_add_file(ks, path, &e), -EXIT_USAGE);
	ck_assert_uint_eq(keyset_count(ks), MAX_TRUSTED_KEYS);
	free(path);
	path = testutil_join(dir, "missing.pub");
	ck_assert_int_eq(keyset_add_file(ks, path, &e), -EXIT_UNDECIDED);
	keyset_free(ks);
	key_free(k);
	free(pem);
	testutil_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

static Suite *
key_suite(void)
{
	Suite *s = suite_create("key");
	TCase *types = tcase_create("types");
	TCase *files = tcase_create("files");
	TCase *sets = tcase_create("keyset");

	tcase_add_loop_test(types, test_type_names, 0,
			    sizeof(name_rows) / sizeof(name_rows[0]));
	tcase_add_loop_test(types, test_sign_verify, 0,
			    sizeof(type_rows) / sizeof(type_rows[0]));
	tcase_add_loop_test(types, test_ecdsa_raw, 0, 3);
	tcase_add_loop_test(types, test_rsa_pss, 0,
			    sizeof(rsa_rows) / sizeof(rsa_rows[0]));
	tcase_set_timeout(types, 120);
	tcase_add_test(files, test_write_private);
	tcase_add_loop_test(files, test_pem_forms, 0,
			    sizeof(pem_rows) / sizeof(pem_rows[0]));
	tcase_add_test(files, test_load_private_refusals);
	tcase_add_test(files, test_load_public);
	tcase_set_timeout(files, 120);
	tcase_add_test(sets, test_keyset);
	tcase_add_test(sets, test_keyset_ceiling);
	tcase_set_timeout(sets, 60);
	suite_add_tcase(s, types);
	suite_add_tcase(s, files);
	suite_add_tcase(s, sets);
	return s;
}

int
main(void)
{
	return testutil_run(key_suite());
}

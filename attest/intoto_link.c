/*
 * Builds, signs and writes classic in-toto links. Everything signed goes
 * through lib/canonjson so the bytes are what securesystemslib hashes; the
 * file itself is pretty JSON, which in-toto parses and re-canonicalises.
 */
#include <errno.h>
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/canonjson.h"
#include "lib/fileio.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/jsonio.h"
#include "attest/intoto_link.h"
#include "predicates/tree.h"

#define LINK_MAX_PATH (2 * DIGEST_MAX_PATH + 2)

int
intoto_link_check_step(const char *step, struct err *e)
{
	size_t n = step ? strlen(step) : 0;

	/* SPEC-LINK-6: the name becomes a file name. */
	if (n == 0 || n > INTOTO_LINK_MAX_STEP || step[0] == '.' ||
	    strspn(step, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789._-") != n)
		return err_set(e, EXIT_USAGE,
			       "--step: expected 1..%d of [A-Za-z0-9._-], not "
			       "starting with '.'",
			       INTOTO_LINK_MAX_STEP);
	return 0;
}

/* 64 hex of the raw Ed25519 public key inside an SPKI PEM. */
static int
ed25519_hex(char out[65], const char *pem, size_t len, struct err *e)
{
	unsigned char raw[32];
	size_t rawlen = sizeof(raw);
	BIO *bio = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *pk = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
	int rc = 0;

	if (pk == NULL || EVP_PKEY_get_raw_public_key(pk, raw, &rawlen) != 1 ||
	    rawlen != sizeof(raw))
		rc = err_ossl(e, EXIT_UNDECIDED, "cannot read Ed25519 key");
	else
		hex_encode(out, raw, rawlen);
	EVP_PKEY_free(pk);
	BIO_free(bio);
	return rc;
}

static int
public_value(json_t **out, const char **keytype, const char **scheme,
	     const struct key *k, struct err *e)
{
	char *pem = NULL, hex[65];
	size_t len = 0;
	int rc;

	*out = NULL;
	switch (key_get_type(k)) {
	case KEY_ED25519:
		*keytype = *scheme = "ed25519";
		break;
	case KEY_ECDSA_P256:
		*keytype = "ecdsa";
		*scheme = "ecdsa-sha2-nistp256";
		break;
	default:
		/* SPEC-LINK-3: our RSA signs PKCS#1 v1.5, in-toto loads
		 * RSA as PSS; P-384/P-521 cannot be signed by in-toto. */
		return err_set(e, EXIT_USAGE,
			       "--in-toto-link needs an ed25519 or ecdsa-p256 "
			       "key, not %s",
			       key_type_name(key_get_type(k)));
	}
	rc = key_public_pem(&pem, &len, k, e);
	if (rc == 0 && key_get_type(k) == KEY_ED25519) {
		rc = ed25519_hex(hex, pem, len, e);
		if (rc == 0)
			*out = json_string(hex);
	} else if (rc == 0) {
		/* SPEC-LINK-3: the PEM with exactly one trailing newline. */
		while (len > 0 &&
		       (pem[len - 1] == '\n' || pem[len - 1] == '\r'))
			len--;
		pem[len] = '\n';
		*out = json_stringn(pem, len + 1);
	}
	free(pem);
	if (rc == 0 && *out == NULL)
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	return rc;
}

int
intoto_link_pubkey(json_t **out, char keyid[INTOTO_LINK_KEYID_LEN + 1],
		   const struct key *k, struct err *e)
{
	const char *keytype = NULL, *scheme = NULL;
	unsigned char d[SHA256_LEN];
	json_t *pub = NULL, *key = NULL;
	char *canon = NULL;
	size_t len;
	int rc;

	*out = NULL;
	rc = public_value(&pub, &keytype, &scheme, k, e);
	if (rc != 0)
		return rc;
	key = json_pack("{s:[s,s], s:s, s:{s:o}, s:s}", "keyid_hash_algorithms",
			"sha256", "sha512", "keytype", keytype, "keyval",
			"public", pub, "scheme", scheme);
	if (key == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	/* SPEC-LINK-3: keyid = sha256(canonical(key without keyid)). */
	rc = canonjson_dump(&canon, &len, key, e);
	if (rc == 0)
		rc = hash_sha256(d, canon, len, e);
	if (rc == 0) {
		hex_encode(keyid, d, sizeof(d));
		*out = key;
		key = NULL;
	}
	free(canon);
	json_decref(key);
	return rc;
}

int
intoto_link_check(const char *step, const struct key *k, struct err *e)
{
	char keyid[INTOTO_LINK_KEYID_LEN + 1];
	json_t *pub = NULL;
	int rc = intoto_link_check_step(step, e);

	if (rc == 0)
		rc = intoto_link_pubkey(&pub, keyid, k, e);
	json_decref(pub);
	return rc;
}

/* os.path.normpath for the paths we record (SPEC-LINK-4). */
static void
normpath(char *out, size_t cap, const char *p)
{
	size_t used = 0, seg;
	int abs = p[0] == '/';

	out[0] = '\0';
	while (*p != '\0') {
		while (*p == '/')
			p++;
		seg = strcspn(p, "/");
		if (seg == 0 || (seg == 1 && p[0] == '.')) {
			p += seg;
			continue;
		}
		if (seg == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(out, '/');
			const char *last = slash ? slash + 1 : out;
			if (used > 0 && strcmp(last, "..") != 0) {
				used = slash ? (size_t)(slash - out) : 0;
				out[used] = '\0';
				p += seg;
				continue;
			}
			if (abs) {
				p += seg;
				continue;
			}
		}
		used += (size_t)snprintf(out + used, cap - used, "%s%.*s",
					 used ? "/" : "", (int)seg, p);
		if (used >= cap)
			used = cap - 1;
		p += seg;
	}
	if (abs) {
		memmove(out + 1, out, used + 1 < cap ? used + 1 : cap - 1);
		out[0] = '/';
		out[cap - 1] = '\0';
	} else if (used == 0) {
		snprintf(out, cap, ".");
	}
}

int
intoto_link_add_tree(json_t *arts, const struct tree *t, struct err *e)
{
	char base[LINK_MAX_PATH], path[LINK_MAX_PATH * 2];
	size_t i, n = digest_manifest_count(t->m);
	char hex[SHA256_HEX_LEN + 1];

	normpath(base, sizeof(base), t->path);
	for (i = 0; i < n; i++) {
		const char *rel = digest_manifest_path(t->m, i);
		if (!t->is_dir)
			snprintf(path, sizeof(path), "%s", base);
		else if (strcmp(base, ".") == 0)
			snprintf(path, sizeof(path), "%s", rel);
		else
			snprintf(path, sizeof(path), "%s%s%s", base,
				 strcmp(base, "/") == 0 ? "" : "/", rel);
		hex_encode(hex, digest_manifest_sha256(t->m, i), SHA256_LEN);
		if (jsonio_set(arts, path, json_pack("{s:s}", "sha256", hex),
			       e) != 0)
			return err_prefix(e, "%s", path);
	}
	return 0;
}

json_t *
intoto_link_signed_new(const char *step, char *const *argv, size_t argc,
		       const json_t *materials, const json_t *products,
		       long long return_value)
{
	json_t *cmd = json_array();
	size_t i;

	for (i = 0; cmd != NULL && i < argc; i++)
		if (jsonio_append(cmd, json_string(argv[i]), NULL) != 0) {
			json_decref(cmd);
			return NULL;
		}
	/* SPEC-LINK-2: exactly these fields, or in-toto's model drops or
	 * defaults some and the signature no longer matches. */
	return json_pack("{s:s, s:s, s:o, s:O, s:O, s:{s:I, s:s, s:s}, s:{}}",
			 "_type", "link", "name", step, "command", cmd,
			 "materials", materials, "products", products,
			 "byproducts", "return-value", (json_int_t)return_value,
			 "stdout", "", "stderr", "", "environment");
}

int
intoto_link_sign(json_t **out, char keyid[INTOTO_LINK_KEYID_LEN + 1],
		 const json_t *signed_, const struct key *k, struct err *e)
{
	unsigned char *sig = NULL;
	char *canon = NULL, *hex = NULL;
	json_t *pub = NULL;
	size_t len = 0, siglen = 0;
	int rc;

	*out = NULL;
	rc = intoto_link_pubkey(&pub, keyid, k, e);
	if (rc == 0)
		rc = canonjson_dump(&canon, &len, signed_, e);
	/* SPEC-LINK-3: Ed25519 signs the bytes; ECDSA P-256 signs their
	 * SHA-256, DER encoded: both are what key_sign does. */
	if (rc == 0)
		rc = key_sign(&sig, &siglen, k, (unsigned char *)canon, len, e);
	if (rc == 0 && (hex = malloc(2 * siglen + 1)) == NULL)
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	if (rc == 0) {
		hex_encode(hex, sig, siglen);
		*out = json_pack("{s:[{s:s, s:s}], s:O}", "signatures", "keyid",
				 keyid, "sig", hex, "signed", signed_);
		if (*out == NULL)
			rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	free(hex);
	free(sig);
	free(canon);
	json_decref(pub);
	return rc;
}

static int
write_link(const char *dir, const char *step, const char *keyid,
	   const json_t *mb, struct err *e)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	int rc, n;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return err_sys(e, EXIT_UNDECIDED, errno, "%s", dir);
	/* SPEC-LINK-5: in-toto looks links up by this name. */
	n = snprintf(path, sizeof(path), "%s/%s.%.8s.link", dir, step, keyid);
	if (n < 0 || (size_t)n >= sizeof(path))
		return err_set(e, EXIT_USAGE, "--in-toto-link: path too long");
	rc = jsonio_dump(&text, &len, mb, JSONIO_PRETTY_FLAGS, e);
	if (rc == 0) {
		text[len] = '\n';
		rc = file_write_atomic(path, text, len + 1, 0644, 0, e);
	}
	free(text);
	return rc;
}

int
intoto_link_emit(const char *dir, const char *step, char *const *argv,
		 size_t argc, const json_t *materials, const json_t *products,
		 long long return_value, const struct key *k, struct err *e)
{
	char keyid[INTOTO_LINK_KEYID_LEN + 1];
	json_t *sgn = NULL, *mb = NULL;
	int rc = intoto_link_check_step(step, e);

	if (rc == 0 &&
	    (sgn = intoto_link_signed_new(step, argv, argc, materials, products,
					  return_value)) == NULL)
		rc = err_set(e, EXIT_UNDECIDED, "cannot build the link");
	if (rc == 0)
		rc = intoto_link_sign(&mb, keyid, sgn, k, e);
	if (rc == 0)
		rc = write_link(dir, step, keyid, mb, e);
	if (rc != 0)
		err_prefix(e, "in-toto link");
	json_decref(sgn);
	json_decref(mb);
	return rc;
}

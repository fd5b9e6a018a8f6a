/*
 * Keyless Sigstore bundle verification (see keyless.h; the rules are
 * spec/keyless.md, SPEC-KL-n). Offline: everything comes from the bundle
 * and the trusted root.
 */
#define _GNU_SOURCE
#include "verify/keyless.h"

#include <openssl/crypto.h>
#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/b64.h"
#include "lib/canonjson.h"
#include "lib/checkpoint.h"
#include "lib/dsse.h"
#include "lib/dynbuf.h"
#include "lib/fileio.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/ids.h"
#include "lib/jsonio.h"
#include "lib/merkle.h"
#include "lib/tsa.h"

struct kl {
	const struct keyless_opts *o;
	struct keyless_result *r;
	const char *src;
	struct err *e;
	int version; /* bundle minor version: 1, 2 or 3 */
	X509 *leaf;
	STACK_OF(X509) * extra; /* the bundle's other certificates */
	EVP_PKEY *key;		/* borrowed: the leaf's or one of o->keys */
	unsigned char *sig;
	size_t siglen;
	unsigned char mdigest[SHA256_LEN]; /* messageDigest */
	struct dsse_envelope *env;
	unsigned char payload_sha[SHA256_LEN], pae_sha[SHA256_LEN];
	unsigned char *pae;
	size_t paelen;
	STACK_OF(X509) * chain; /* the leaf's verified chain */
};

/* EXIT_REJECTED "src: what". */
static int rej(struct kl *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
rej(struct kl *c, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(c->e, EXIT_REJECTED, "%s: %s", c->src, msg);
}

static int
oom(struct kl *c)
{
	return err_set(c->e, EXIT_UNDECIDED, "out of memory");
}

/* SPEC-KL-1: the bundle media types, v0.1 to v0.3. */
static int
media_version(const char *m)
{
	static const struct {
		const char *type;
		int v;
	} known[] = {
	    {"application/vnd.dev.sigstore.bundle+json;version=0.1", 1},
	    {"application/vnd.dev.sigstore.bundle+json;version=0.2", 2},
	    {"application/vnd.dev.sigstore.bundle+json;version=0.3", 3},
	    {"application/vnd.dev.sigstore.bundle.v0.3+json", 3},
	};
	size_t i;

	for (i = 0; m != NULL && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(m, known[i].type) == 0)
			return known[i].v;
	return 0;
}

/* proto3 JSON int64: a decimal string (or a JSON integer). -1: malformed */
static int
int64_of(long long *out, const json_t *v)
{
	const char *s = json_string_value(v), *p;
	long long n = 0;
	int neg;

	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (s == NULL || *s == '\0')
		return -1;
	neg = *s == '-';
	p = s + neg;
	if (*p == '\0' || strlen(p) > 18)
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (*p - '0');
	}
	*out = neg ? -n : n;
	return 0;
}

/*
 * A proto3 JSON bytes field. Like protobuf's own JSON readers, line
 * breaks inside the base64 are skipped (base64(1) wraps at 76).
 */
static int
b64_field(struct kl *c, unsigned char **out, size_t *len, const json_t *obj,
	  const char *key, const char *what)
{
	const char *s = jsonio_str(obj, key);
	char *flat;
	size_t i, n = 0;
	int rc;

	if (s == NULL)
		return rej(c, "%s has no %s", what, key);
	flat = malloc(strlen(s) + 1);
	if (flat == NULL)
		return oom(c);
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] != '\n' && s[i] != '\r')
			flat[n++] = s[i];
	rc = b64_decode(out, len, flat, n, what, c->e);
	free(flat);
	return rc != 0 ? err_prefix(c->e, "%s", c->src) : 0;
}

static X509 *
der_cert(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);

	if (x != NULL && p != der + len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
self_signed(X509 *x)
{
	int yes = X509_self_signed(x, 1) == 1;

	ERR_clear_error();
	return yes;
}

/* SPEC-KL-4: one certificate (v0.3), or a chain whose first is the leaf
 * and which holds no root. */
static int
load_certs(struct kl *c, const json_t *vm)
{
	const json_t *one = json_object_get(vm, "certificate");
	const json_t *certs = json_object_get(
	    json_object_get(vm, "x509CertificateChain"), "certificates");
	unsigned char *der = NULL;
	size_t i, n, len = 0;
	X509 *x;
	int rc = 0;

	if (one != NULL)
		certs = NULL;
	n = one != NULL ? 1 : json_array_size(certs);
	if (n == 0)
		return rej(c, "the certificate chain is empty");
	if (n > 8)
		return rej(c, "more than 8 certificates");
	c->extra = sk_X509_new_null();
	if (c->extra == NULL)
		return oom(c);
	for (i = 0; rc == 0 && i < n; i++) {
		rc = b64_field(c, &der, &len,
			       one != NULL ? one : json_array_get(certs, i),
			       "rawBytes", "certificate");
		if (rc != 0)
			break;
		x = der_cert(der, len);
		free(der);
		der = NULL;
		if (x == NULL)
			return rej(c, "certificate %zu is not DER X.509", i);
		if (self_signed(x)) {
			X509_free(x);
			return rej(c,
				   "the bundle carries a root certificate "
				   "(roots come from the trusted root only)");
		}
		if (i == 0)
			c->leaf = x;
		else if (!sk_X509_push(c->extra, x)) {
			X509_free(x);
			return oom(c);
		}
	}
	if (rc == 0)
		c->key = X509_get0_pubkey(c->leaf);
	return rc != 0 ? rc : c->key ? 0 : rej(c, "unusable certificate key");
}

static int
load_material(struct kl *c, const json_t *vm)
{
	static const char *const kinds[] = {"publicKey", "x509CertificateChain",
					    "certificate"};
	size_t i, found = 0;

	if (!json_is_object(vm))
		return rej(c, "no verificationMaterial");
	for (i = 0; i < 3; i++)
		found += json_object_get(vm, kinds[i]) != NULL;
	if (found != 1)
		return rej(c, "verificationMaterial must hold exactly one of "
			      "publicKey, x509CertificateChain, certificate");
	if (json_object_get(vm, "publicKey") != NULL) {
		/* SPEC-KL-5: a managed key comes from the caller. */
		if (c->o->nkeys == 0)
			return rej(c, "signed with a managed key (publicKey) "
				      "but no --key was given");
		return 0;
	}
	return load_certs(c, vm);
}

static const EVP_MD *
md_for(const EVP_PKEY *k)
{
	int bits = EVP_PKEY_get_bits(k);

	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_ED25519:
		return NULL;
	case EVP_PKEY_EC:
		return bits > 384   ? EVP_sha512()
		       : bits > 256 ? EVP_sha384()
				    : EVP_sha256();
	default:
		return EVP_sha256();
	}
}

/* 1: sig verifies over msg with k (hash matched to the key). */
static int
sig_ok(EVP_PKEY *k, const EVP_MD *md, const unsigned char *msg, size_t len,
       const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL &&
		 EVP_DigestVerifyInit(ctx, NULL, md, NULL, k) == 1 &&
		 EVP_DigestVerify(ctx, sig, siglen, msg, len) == 1;

	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/* 1: sig verifies over the SHA-256 digest d (a message signature). */
static int
prehash_ok(EVP_PKEY *k, const unsigned char d[SHA256_LEN],
	   const unsigned char *sig, size_t siglen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
	int ok = ctx != NULL && EVP_PKEY_verify_init(ctx) == 1 &&
		 EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
		 EVP_PKEY_verify(ctx, sig, siglen, d, SHA256_LEN) == 1;

	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

static int
load_message(struct kl *c, const json_t *ms)
{
	const json_t *md = json_object_get(ms, "messageDigest");
	unsigned char *d = NULL;
	size_t dlen = 0;
	int rc;

	c->r->message = 1;
	rc = b64_field(c, &c->sig, &c->siglen, ms, "signature",
		       "messageSignature");
	if (rc != 0)
		return rc;
	if (strcmp(jsonio_str_or(md, "algorithm", ""), "SHA2_256") != 0)
		return rej(c, "messageDigest is not SHA2_256");
	rc = b64_field(c, &d, &dlen, md, "digest", "messageDigest");
	if (rc == 0 && dlen != SHA256_LEN)
		rc = rej(c, "messageDigest is not 32 bytes");
	if (rc == 0)
		memcpy(c->mdigest, d, SHA256_LEN);
	free(d);
	if (rc != 0)
		return rc;
	/* SPEC-KL-6: the signature is over the artifact given. */
	if (c->o->digest == NULL)
		return rej(c, "a message signature needs the artifact "
			      "(--artifact)");
	if (CRYPTO_memcmp(c->mdigest, c->o->digest, SHA256_LEN) != 0)
		return rej(c, "messageDigest is not the artifact's SHA-256");
	return 0;
}

static int
load_envelope(struct kl *c, const json_t *env)
{
	const unsigned char *p, *s;
	size_t len, slen;
	int rc;

	rc = dsse_from_json(&c->env, env, c->src, c->e);
	if (rc != 0)
		return rc;
	/* SPEC-KL-7 */
	if (dsse_sig_count(c->env) != 1)
		return rej(c, "a DSSE envelope in a bundle carries exactly one "
			      "signature");
	p = dsse_payload(c->env, &len);
	s = dsse_sig(c->env, 0, &slen);
	c->sig = malloc(slen ? slen : 1);
	if (c->sig == NULL)
		return oom(c);
	memcpy(c->sig, s, slen);
	c->siglen = slen;
	rc = dsse_pae(&c->pae, &c->paelen, dsse_payload_type(c->env), p, len,
		      c->e);
	if (rc == 0)
		rc = hash_sha256(c->payload_sha, p, len, c->e);
	if (rc == 0)
		rc = hash_sha256(c->pae_sha, c->pae, c->paelen, c->e);
	return rc;
}

/* SPEC-KL-6, SPEC-KL-7: the signature, with the leaf's key or the first
 * managed key it verifies under. */
static int
check_signature(struct kl *c)
{
	EVP_PKEY *const *cands = c->key ? &c->key : c->o->keys;
	size_t i, n = c->key ? 1 : c->o->nkeys;
	int ok;

	for (i = 0; i < n; i++) {
		if (c->r->message)
			ok =
			    prehash_ok(cands[i], c->mdigest, c->sig, c->siglen);
		else
			ok = sig_ok(cands[i], md_for(cands[i]), c->pae,
				    c->paelen, c->sig, c->siglen);
		if (ok) {
			c->key = cands[i];
			c->r->keyed = c->leaf == NULL;
			return 0;
		}
	}
	if (c->leaf == NULL)
		return rej(c, "the signature does not verify under any --key");
	return rej(c,
		   "the %s signature does not verify under the "
		   "certificate's key",
		   c->r->message ? "message" : "DSSE");
}

static int
add_time(struct kl *c, time_t t)
{
	if (c->r->ntimes == KEYLESS_MAX_TIMES)
		return rej(c, "more than %d signing times", KEYLESS_MAX_TIMES);
	c->r->times[c->r->ntimes++] = t;
	return 0;
}

/* The bundle's key or certificate equals the PEM (or DER) in the entry. */
static int
same_signer(struct kl *c, const unsigned char *buf, size_t len, int der)
{
	BIO *bio = der ? NULL : BIO_new_mem_buf(buf, (int)len);
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	const unsigned char *p = buf;
	int same = 0;

	if (c->leaf != NULL) {
		x = der ? der_cert(buf, len)
			: PEM_read_bio_X509(bio, NULL, NULL, NULL);
		same = x != NULL && X509_cmp(x, c->leaf) == 0;
	} else {
		k = der ? d2i_PUBKEY(NULL, &p, (long)len)
			: PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		same = k != NULL && EVP_PKEY_eq(k, c->key) == 1;
	}
	X509_free(x);
	EVP_PKEY_free(k);
	BIO_free(bio);
	ERR_clear_error();
	return same;
}

static int
same_b64(struct kl *c, const char *s, const unsigned char *want, size_t n)
{
	unsigned char *d = NULL;
	size_t len = 0;
	int same;

	same = s != NULL &&
	       b64_decode(&d, &len, s, strlen(s), "b64", NULL) == 0 &&
	       len == n && CRYPTO_memcmp(d, want, n) == 0;
	(void)c;
	free(d);
	return same;
}

static int
same_hex(const json_t *h, const unsigned char want[SHA256_LEN])
{
	unsigned char d[SHA256_LEN];
	const char *v = jsonio_str(h, "value");

	return strcmp(jsonio_str_or(h, "algorithm", ""), "sha256") == 0 &&
	       v != NULL && hex_decode(d, sizeof(d), v) == 0 &&
	       memcmp(d, want, SHA256_LEN) == 0;
}

static int
signer_b64pem(struct kl *c, const char *s)
{
	unsigned char *pem = NULL;
	size_t len = 0;
	int same;

	same = s != NULL &&
	       b64_decode(&pem, &len, s, strlen(s), "verifier", NULL) == 0 &&
	       same_signer(c, pem, len, 0);
	free(pem);
	return same;
}

/* SPEC-KL-15: hashedrekord 0.0.1 */
static int
body_hashedrekord(struct kl *c, const json_t *spec)
{
	const json_t *sig = json_object_get(spec, "signature");

	if (!c->r->message)
		return rej(c, "log entry is a hashedrekord but the bundle is "
			      "a DSSE envelope");
	if (!same_hex(json_object_get(json_object_get(spec, "data"), "hash"),
		      c->mdigest))
		return rej(c, "log entry's artifact digest is not the "
			      "bundle's");
	if (!same_b64(c, jsonio_str(sig, "content"), c->sig, c->siglen))
		return rej(c, "log entry's signature is not the bundle's");
	if (!signer_b64pem(
		c, jsonio_str(json_object_get(sig, "publicKey"), "content")))
		return rej(c, "log entry's %s is not the bundle's",
			   c->leaf ? "certificate" : "key");
	return 0;
}

/* SPEC-KL-15: dsse 0.0.1 and intoto 0.0.2 */
static int
body_envelope(struct kl *c, const json_t *spec, int intoto)
{
	const json_t *sigs, *s;
	unsigned char *once = NULL;
	size_t i, len = 0;
	int found = 0;

	if (c->r->message)
		return rej(c,
			   "log entry is a %s but the bundle holds a message "
			   "signature",
			   intoto ? "intoto" : "dsse");
	if (intoto)
		spec = json_object_get(spec, "content");
	if (!same_hex(json_object_get(spec, "payloadHash"), c->payload_sha))
		return rej(c, "log entry's payload hash is not the bundle's "
			      "payload");
	sigs = intoto ? json_object_get(json_object_get(spec, "envelope"),
					"signatures")
		      : json_object_get(spec, "signatures");
	for (i = 0; !found && i < json_array_size(sigs); i++) {
		s = json_array_get(sigs, i);
		if (!intoto) {
			found = same_b64(c, jsonio_str(s, "signature"), c->sig,
					 c->siglen) &&
				signer_b64pem(c, jsonio_str(s, "verifier"));
			continue;
		}
		/* intoto 0.0.2 base64-encodes the base64 signature again. */
		free(once);
		once = NULL;
		found = jsonio_str(s, "sig") != NULL &&
			b64_decode(&once, &len, jsonio_str(s, "sig"),
				   strlen(jsonio_str(s, "sig")), "sig",
				   NULL) == 0 &&
			same_b64(c, (const char *)once, c->sig, c->siglen) &&
			signer_b64pem(c, jsonio_str(s, "publicKey"));
	}
	free(once);
	return found ? 0
		     : rej(c,
			   "log entry's signature or %s is not the "
			   "bundle's",
			   c->leaf ? "certificate" : "key");
}

/* SPEC-KL-16: hashedrekord 0.0.2 (Rekor v2) */
static int
body_v2(struct kl *c, const json_t *spec)
{
	const json_t *hr = json_object_get(spec, "hashedRekordV002");
	const json_t *data = json_object_get(hr, "data");
	const json_t *sig = json_object_get(hr, "signature");
	const json_t *ver = json_object_get(sig, "verifier");
	const json_t *x = json_object_get(ver, "x509Certificate");
	const char *raw;
	unsigned char *der = NULL;
	size_t len = 0;
	int same;

	if (strcmp(jsonio_str_or(data, "algorithm", ""), "SHA2_256") != 0 ||
	    !same_b64(c, jsonio_str(data, "digest"),
		      c->r->message ? c->mdigest : c->pae_sha, SHA256_LEN))
		return rej(c, "log entry's digest is not the bundle's %s",
			   c->r->message ? "artifact digest" : "PAE digest");
	if (!same_b64(c, jsonio_str(sig, "content"), c->sig, c->siglen))
		return rej(c, "log entry's signature is not the bundle's");
	raw = jsonio_str(x != NULL ? x : json_object_get(ver, "publicKey"),
			 "rawBytes");
	same =
	    raw != NULL &&
	    b64_decode(&der, &len, raw, strlen(raw), "rawBytes", NULL) == 0 &&
	    (x != NULL) == (c->leaf != NULL) && same_signer(c, der, len, 1);
	free(der);
	return same ? 0
		    : rej(c, "log entry's %s is not the bundle's",
			  c->leaf ? "certificate" : "key");
}

static int
check_body(struct kl *c, const unsigned char *body, size_t len,
	   const char *kind, const char *version, int *v2)
{
	json_t *b = NULL;
	const json_t *spec;
	int rc;

	rc = jsonio_load_object(&b, body, len, "canonicalizedBody", c->e);
	if (rc != 0)
		return err_prefix(c->e, "%s", c->src);
	spec = json_object_get(b, "spec");
	*v2 = 0;
	if (strcmp(jsonio_str_or(b, "kind", ""), kind) != 0 ||
	    strcmp(jsonio_str_or(b, "apiVersion", ""), version) != 0)
		rc = rej(c, "log entry body is not the %s %s of kindVersion",
			 kind, version);
	else if (strcmp(kind, "hashedrekord") == 0 &&
		 strcmp(version, "0.0.1") == 0)
		rc = body_hashedrekord(c, spec);
	else if (strcmp(kind, "dsse") == 0 && strcmp(version, "0.0.1") == 0)
		rc = body_envelope(c, spec, 0);
	else if (strcmp(kind, "intoto") == 0 && strcmp(version, "0.0.2") == 0)
		rc = body_envelope(c, spec, 1);
	else if (strcmp(kind, "hashedrekord") == 0 &&
		 strcmp(version, "0.0.2") == 0) {
		*v2 = 1;
		rc = body_v2(c, spec);
	} else
		rc = rej(c, "unsupported log entry kind %.40s %.20s", kind,
			 version);
	json_decref(b);
	return rc;
}

/* SPEC-KL-11: the signed entry timestamp over the canonical payload. */
static int
check_set(struct kl *c, const struct trustroot_log *log, const json_t *ent,
	  const unsigned char *body, size_t bodylen, long long index,
	  long long itime)
{
	char idhex[2 * TRUSTROOT_ID_LEN + 1], *b64 = NULL, *text = NULL;
	unsigned char *set = NULL;
	size_t setlen = 0, len = 0;
	json_t *payload = NULL;
	int rc;

	rc = b64_field(c, &set, &setlen,
		       json_object_get(ent, "inclusionPromise"),
		       "signedEntryTimestamp", "inclusionPromise");
	if (rc != 0)
		return rc;
	hex_encode(idhex, log->id, TRUSTROOT_ID_LEN);
	b64 = b64_encode(body, bodylen);
	payload = b64 ? json_pack("{s:s, s:I, s:s, s:I}", "body", b64,
				  "integratedTime", (json_int_t)itime, "logID",
				  idhex, "logIndex", (json_int_t)index)
		      : NULL;
	if (payload == NULL)
		rc = oom(c);
	if (rc == 0)
		rc = canonjson_dump(&text, &len, payload, c->e);
	if (rc == 0 &&
	    !sig_ok(log->key, log->md, (unsigned char *)text, len, set, setlen))
		rc = rej(c,
			 "the signed entry timestamp does not verify "
			 "under the key of %s",
			 log->url);
	if (rc == 0 && !trustroot_window_has(&log->valid, (time_t)itime))
		rc = rej(c,
			 "integrated time %lld is outside the validity of "
			 "%s's key",
			 itime, log->url);
	if (rc == 0)
		rc = add_time(c, (time_t)itime);
	json_decref(payload);
	free(text);
	free(b64);
	free(set);
	return rc;
}

/* SPEC-KL-13: a signature line by the log's key over the note body. */
static int
check_checkpoint_sig(struct kl *c, const struct trustroot_log *log,
		     const char *text, size_t len, uint64_t size,
		     const unsigned char root[MERKLE_HASH_LEN], int v2)
{
	struct checkpoint *cp = calloc(1, sizeof(*cp));
	size_t i, n = 0;
	int rc;

	if (cp == NULL)
		return oom(c);
	rc = checkpoint_parse(cp, text, len, c->e);
	if (rc != 0) {
		free(cp);
		return err_prefix(c->e, "%s", c->src);
	}
	if (cp->size != size || memcmp(cp->root, root, MERKLE_HASH_LEN) != 0)
		rc = rej(c, "checkpoint's tree size or root hash is not the "
			    "inclusion proof's");
	else if (v2 && strcmp(cp->origin, log->name) != 0)
		rc = rej(c, "checkpoint origin is not %s", log->name);
	for (i = 0; rc == 0 && i < cp->nsigs; i++) {
		/* Lines by other keys (witnesses) are not ours to judge. A
		 * Rekor v1 log signs under its own host name, which a
		 * private instance's baseUrl need not carry; v2 notes are
		 * named after the baseUrl's host. */
		if ((v2 && strcmp(cp->sigs[i].name, log->name) != 0) ||
		    memcmp(cp->sigs[i].hint, log->id, 4) != 0)
			continue;
		if (!sig_ok(log->key, log->md, (const unsigned char *)cp->body,
			    cp->bodylen, cp->sigs[i].sig, cp->sigs[i].siglen))
			rc = rej(c,
				 "checkpoint signature by %s does not "
				 "verify",
				 log->name);
		n++;
	}
	if (rc == 0 && n == 0)
		rc = rej(c, "checkpoint is not signed by %s's key", log->url);
	free(cp);
	return rc;
}

/* SPEC-KL-12: the entry's leaf is in the checkpointed tree. */
static int
check_proof(struct kl *c, const struct trustroot_log *log, const json_t *p,
	    const unsigned char *body, size_t bodylen, int v2)
{
	unsigned char leaf[MERKLE_HASH_LEN], root[MERKLE_HASH_LEN];
	unsigned char(*hashes)[MERKLE_HASH_LEN] = NULL;
	const json_t *arr = json_object_get(p, "hashes");
	unsigned char *d = NULL;
	const char *cp;
	long long index, size;
	size_t i, n = json_array_size(arr), len = 0;
	int rc;

	if (int64_of(&index, json_object_get(p, "logIndex")) != 0 ||
	    int64_of(&size, json_object_get(p, "treeSize")) != 0 || index < 0 ||
	    size <= 0)
		return rej(c, "inclusion proof has a missing or negative "
			      "logIndex or treeSize");
	if (n > MERKLE_MAX_PROOF)
		return rej(c, "inclusion proof has more than %d hashes",
			   MERKLE_MAX_PROOF);
	rc = b64_field(c, &d, &len, p, "rootHash", "inclusionProof");
	if (rc == 0 && len != MERKLE_HASH_LEN)
		rc = rej(c, "inclusion proof root hash is not 32 bytes");
	if (rc == 0)
		memcpy(root, d, MERKLE_HASH_LEN);
	free(d);
	hashes = calloc(n ? n : 1, sizeof(*hashes));
	if (rc == 0 && hashes == NULL)
		rc = oom(c);
	for (i = 0; rc == 0 && i < n; i++) {
		d = NULL;
		cp = json_string_value(json_array_get(arr, i));
		if (cp == NULL ||
		    b64_decode(&d, &len, cp, strlen(cp), "hash", NULL) != 0 ||
		    len != MERKLE_HASH_LEN)
			rc = rej(c,
				 "inclusion proof hash %zu is not 32 bytes "
				 "of base64",
				 i);
		else
			memcpy(hashes[i], d, MERKLE_HASH_LEN);
		free(d);
	}
	if (rc == 0)
		rc = merkle_leaf_hash(leaf, body, bodylen, c->e);
	if (rc == 0 && merkle_verify_inclusion(
			   (uint64_t)index, (uint64_t)size, leaf,
			   (const unsigned char(*)[MERKLE_HASH_LEN])hashes, n,
			   root, c->e) != 0)
		rc = err_prefix(c->e, "%s", c->src);
	free(hashes);
	cp = jsonio_str(json_object_get(p, "checkpoint"), "envelope");
	if (rc == 0 && cp == NULL)
		rc = rej(c, "inclusion proof has no checkpoint");
	if (rc == 0)
		rc = check_checkpoint_sig(c, log, cp, strlen(cp),
					  (uint64_t)size, root, v2);
	return rc;
}

/* One tlog entry; *counted is set when it came from a trusted log. */
static int
check_entry(struct kl *c, const json_t *ent, int *counted)
{
	const struct trustroot_log *log, *logs;
	const json_t *kv = json_object_get(ent, "kindVersion");
	const json_t *proof = json_object_get(ent, "inclusionProof");
	const json_t *promise = json_object_get(ent, "inclusionPromise");
	unsigned char *id = NULL, *body = NULL;
	size_t idlen = 0, bodylen = 0, n;
	long long index = -1, itime = 0;
	int rc, v2 = 0;

	*counted = 0;
	/* SPEC-KL-14 */
	if (int64_of(&index, json_object_get(ent, "logIndex")) != 0 ||
	    index < 0)
		return rej(c, "log entry has a missing or negative logIndex");
	if (json_object_get(ent, "integratedTime") != NULL &&
	    (int64_of(&itime, json_object_get(ent, "integratedTime")) != 0 ||
	     itime < 0))
		return rej(c, "log entry has a malformed integratedTime");
	rc = b64_field(c, &id, &idlen, json_object_get(ent, "logId"), "keyId",
		       "logId");
	if (rc != 0)
		return rc;
	logs = trustroot_tlogs(c->o->root, &n);
	log = trustroot_find_log(logs, n, id, idlen);
	free(id);
	if (log == NULL)
		return 0; /* SPEC-KL-14: not ours to check; not counted */
	*counted = 1;
	if (log->unusable != NULL)
		return rej(c, "log %s in the trusted root is unusable: %s",
			   log->url, log->unusable);
	rc = b64_field(c, &body, &bodylen, ent, "canonicalizedBody",
		       "log entry");
	if (rc == 0)
		rc = check_body(c, body, bodylen, jsonio_str_or(kv, "kind", ""),
				jsonio_str_or(kv, "version", ""), &v2);
	/* SPEC-KL-11: v0.1 bundles need the promise, later ones the
	 * proof; Rekor v2 has no promise. */
	if (rc == 0 && c->version == 1 && promise == NULL)
		rc = rej(c, "a v0.1 bundle's log entry needs an inclusion "
			    "promise");
	if (rc == 0 && (c->version > 1 || v2) && proof == NULL)
		rc = rej(c, "log entry has no inclusion proof");
	if (rc == 0 && promise != NULL && v2)
		rc = rej(c, "a Rekor v2 entry has no inclusion promise");
	if (rc == 0 && promise != NULL)
		rc = check_set(c, log, ent, body, bodylen, index, itime);
	if (rc == 0 && proof != NULL)
		rc = check_proof(c, log, proof, body, bodylen, v2);
	free(body);
	return rc;
}

static int
check_tlog(struct kl *c, const json_t *entries)
{
	size_t i, n = json_array_size(entries);
	int rc, counted;

	if (entries != NULL && !json_is_array(entries))
		return rej(c, "tlogEntries is not a list");
	if (n > KEYLESS_MAX_TLOG)
		return rej(c, "more than %d log entries", KEYLESS_MAX_TLOG);
	for (i = 0; i < n; i++) {
		rc = check_entry(c, json_array_get(entries, i), &counted);
		if (rc != 0)
			return rc;
		c->r->nentries += (size_t)counted;
	}
	/* SPEC-KL-14: at least one entry from a log of the trusted root. */
	if (c->r->nentries == 0)
		return rej(c, "no transparency log entry from a log in the "
			      "trusted root");
	return 0;
}

/* SPEC-KL-17: one RFC 3161 timestamp by a TSA of the trusted root. */
static int
check_one_ts(struct kl *c, const unsigned char *der, size_t len, size_t i)
{
	const struct trustroot_ca *tsas;
	struct tsa_trust *t = NULL;
	char when[TSA_TIME_MAX];
	struct err last = ERR_INIT;
	time_t at;
	size_t k, n;

	tsas = trustroot_tsas(c->o->root, &n);
	err_set(&last, EXIT_REJECTED,
		"no timestamp authority in the "
		"trusted root");
	for (k = 0; k < n; k++) {
		if (tsa_trust_chain(&t, tsas[k].chain, c->e) != 0)
			return -EXIT_UNDECIDED;
		if (tsa_verify(when, t, der, len, c->sig, c->siglen, &last) ==
			0 &&
		    ids_parse_rfc3339(&at, when) == 0) {
			tsa_trust_free(t);
			if (!trustroot_window_has(&tsas[k].valid, at)) {
				err_set(&last, EXIT_REJECTED,
					"genTime %s is outside the validity "
					"of TSA %s in the trusted root",
					when, tsas[k].url);
				continue;
			}
			return add_time(c, at);
		}
		tsa_trust_free(t);
		t = NULL;
	}
	return rej(c, "RFC 3161 timestamp %zu: %s", i, last.msg);
}

static int
check_timestamps(struct kl *c, const json_t *tvd)
{
	const json_t *arr = json_object_get(tvd, "rfc3161Timestamps");
	unsigned char *der = NULL;
	size_t i, len = 0;
	int rc = 0;

	if (json_array_size(arr) > TSA_MAX_TIMESTAMPS)
		return rej(c, "more than %d timestamps", TSA_MAX_TIMESTAMPS);
	/* SPEC-KL-17: every timestamp present must verify. */
	for (i = 0; rc == 0 && i < json_array_size(arr); i++) {
		rc = b64_field(c, &der, &len, json_array_get(arr, i),
			       "signedTimestamp", "rfc3161Timestamps");
		if (rc == 0)
			rc = check_one_ts(c, der, len, i);
		free(der);
		der = NULL;
	}
	return rc;
}

/* The leaf chains to ca at t; on success c->chain is the chain. */
static int
chain_at(struct kl *c, const struct trustroot_ca *ca, STACK_OF(X509) * anchors,
	 time_t t, int *why)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	STACK_OF(X509) *roots = ca ? ca->chain : anchors;
	int i, ok = store != NULL && ctx != NULL && untrusted != NULL;

	for (i = 0; ok && i < sk_X509_num(roots); i++) {
		X509 *x = sk_X509_value(roots, i);
		ok = self_signed(x) ? X509_STORE_add_cert(store, x)
				    : sk_X509_push(untrusted, x) > 0;
	}
	for (i = 0; ok && !ca && i < sk_X509_num(c->extra); i++)
		ok = sk_X509_push(untrusted, sk_X509_value(c->extra, i)) > 0;
	ok = ok && X509_STORE_CTX_init(ctx, store, c->leaf, untrusted) == 1;
	if (ok) {
		X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), t);
		ok = X509_verify_cert(ctx) == 1;
		*why = X509_STORE_CTX_get_error(ctx);
	}
	if (ok) {
		sk_X509_pop_free(c->chain, X509_free);
		c->chain = X509_STORE_CTX_get1_chain(ctx);
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_free(untrusted);
	ERR_clear_error();
	return ok && c->chain != NULL;
}

/* SPEC-KL-8: the leaf itself: code signing, not a CA. */
static int
check_leaf(struct kl *c)
{
	uint32_t xku = X509_get_extended_key_usage(c->leaf);
	uint32_t flags = X509_get_extension_flags(c->leaf);

	/* SPEC-KL-20: model_signing's certificate method asks only for
	 * digitalSignature or code signing, and allows a CA. */
	if (c->o->anchors != NULL) {
		if (((flags & EXFLAG_KUSAGE) &&
		     (X509_get_key_usage(c->leaf) & KU_DIGITAL_SIGNATURE)) ||
		    ((flags & EXFLAG_XKUSAGE) && (xku & XKU_CODE_SIGN)))
			return 0;
		return rej(c, "the signing certificate may not sign "
			      "(neither digitalSignature nor code signing)");
	}
	if (X509_check_ca(c->leaf) != 0)
		return rej(c, "the signing certificate is a CA");
	if (!(flags & EXFLAG_XKUSAGE) || !(xku & XKU_CODE_SIGN))
		return rej(c, "the signing certificate has no code-signing "
			      "extended key usage");
	return 0;
}

/* SPEC-KL-8: at every verified time, a CA of the trusted root valid then
 * issued the leaf, and the whole chain was valid. */
static int
check_chain(struct kl *c)
{
	const struct trustroot_ca *cas;
	char when[RFC3339_LEN + 1];
	struct tm tm;
	time_t nb;
	size_t i, k, n;
	int rc, why = 0, ok;

	rc = check_leaf(c);
	if (rc != 0)
		return rc;
	if (c->o->anchors != NULL) {
		/* SPEC-KL-20: checked when the certificate began, as
		 * model_signing does (its bundles carry no signing time). */
		if (ASN1_TIME_to_tm(X509_get0_notBefore(c->leaf), &tm) != 1 ||
		    (nb = timegm(&tm)) == (time_t)-1)
			return rej(c,
				   "the certificate's notBefore is malformed");
		if (!chain_at(c, NULL, c->o->anchors, nb, &why))
			return rej(c,
				   "the certificate does not chain to "
				   "--certificate-chain: %s",
				   X509_verify_cert_error_string(why));
		return 0;
	}
	if (c->r->ntimes == 0)
		return rej(c, "no verified signing time (no signed entry "
			      "timestamp and no RFC 3161 timestamp)");
	cas = trustroot_cas(c->o->root, &n);
	for (i = 0; i < c->r->ntimes; i++) {
		ok = 0;
		why = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
		for (k = 0; !ok && k < n; k++)
			ok = trustroot_window_has(&cas[k].valid,
						  c->r->times[i]) &&
			     chain_at(c, &cas[k], NULL, c->r->times[i], &why);
		if (!ok) {
			ids_rfc3339(when, c->r->times[i]);
			return rej(c,
				   "at the signing time %s the certificate "
				   "does not chain to a certificate "
				   "authority of the trusted root valid "
				   "then: %s",
				   when, X509_verify_cert_error_string(why));
		}
	}
	return 0;
}

/* The conf text CTLOG_STORE_load_file reads: one section a usable log. */
static int
ct_conf(struct dynbuf *out, const struct trustroot_log *logs, size_t n)
{
	unsigned char *der = NULL;
	char head[128], *b64;
	size_t i;
	int len, rc = 0;

	rc = dynbuf_add(out, "enabled_logs = ", 15);
	for (i = 0; rc == 0 && i < n; i++) {
		if (logs[i].key == NULL)
			continue;
		snprintf(head, sizeof(head), "%sl%zu", out->len > 15 ? "," : "",
			 i);
		rc = dynbuf_add(out, head, strlen(head));
	}
	if (rc == 0 && out->len == 15)
		return 1; /* no usable log: an empty store */
	for (i = 0; rc == 0 && i < n; i++) {
		if (logs[i].key == NULL)
			continue;
		der = NULL;
		len = i2d_PUBKEY(logs[i].key, &der);
		b64 = len > 0 ? b64_encode(der, (size_t)len) : NULL;
		OPENSSL_free(der);
		if (b64 == NULL)
			return -1;
		snprintf(head, sizeof(head),
			 "\n[l%zu]\ndescription = l%zu\nkey = ", i, i);
		rc = dynbuf_add(out, head, strlen(head));
		if (rc == 0)
			rc = dynbuf_add(out, b64, strlen(b64));
		free(b64);
	}
	return rc == 0 ? dynbuf_add(out, "\n", 1) : rc;
}

/*
 * OpenSSL builds a CTLOG_STORE only from a conf file, so the trusted
 * root's CT logs are written to an anonymous memory file and loaded from
 * there (nothing touches the file system).
 */
static CTLOG_STORE *
ct_store(const struct trustroot *root)
{
	const struct trustroot_log *logs;
	struct dynbuf conf;
	CTLOG_STORE *s = NULL;
	char path[64];
	size_t n;
	int fd = -1;

	logs = trustroot_ctlogs(root, &n);
	dynbuf_init(&conf, (size_t)1 << 20);
	switch (ct_conf(&conf, logs, n)) {
	case 0:
		fd = memfd_create("ctlogs", MFD_CLOEXEC);
		break;
	case 1:
		dynbuf_clear(&conf);
		return CTLOG_STORE_new();
	default:
		break;
	}
	if (fd >= 0 && file_write_all(fd, conf.p, conf.len) == 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		s = CTLOG_STORE_new();
		if (s != NULL && CTLOG_STORE_load_file(s, path) != 1) {
			CTLOG_STORE_free(s);
			s = NULL;
		}
	}
	if (fd >= 0)
		close(fd);
	dynbuf_clear(&conf);
	return s;
}

/* SPEC-KL-9: at least one embedded SCT by a CT log of the trusted root,
 * signed while that log's key was valid. */
static int
check_scts(struct kl *c)
{
	STACK_OF(SCT) *scts =
	    X509_get_ext_d2i(c->leaf, NID_ct_precert_scts, NULL, NULL);
	const struct trustroot_log *logs, *log;
	CT_POLICY_EVAL_CTX *ctx = NULL;
	CTLOG_STORE *store = NULL;
	const unsigned char *id;
	size_t n, idlen;
	int i, good = 0, rc = 0;

	logs = trustroot_ctlogs(c->o->root, &n);
	if (sk_SCT_num(scts) <= 0) {
		SCT_LIST_free(scts);
		return rej(c, "the certificate has no embedded SCT");
	}
	store = ct_store(c->o->root);
	ctx = CT_POLICY_EVAL_CTX_new();
	if (store == NULL || ctx == NULL || sk_X509_num(c->chain) < 2)
		rc = err_ossl(c->e, EXIT_UNDECIDED, "CT log store");
	if (rc == 0)
		CT_POLICY_EVAL_CTX_set_shared_CTLOG_STORE(ctx, store);
	if (rc == 0 &&
	    (!CT_POLICY_EVAL_CTX_set1_cert(ctx, c->leaf) ||
	     !CT_POLICY_EVAL_CTX_set1_issuer(ctx, sk_X509_value(c->chain, 1))))
		rc = oom(c);
	for (i = 0; rc == 0 && i < sk_SCT_num(scts); i++) {
		SCT *s = sk_SCT_value(scts, i);
		idlen = SCT_get0_log_id(s, (unsigned char **)&id);
		log = trustroot_find_log(logs, n, id, idlen);
		if (log == NULL || log->unusable != NULL ||
		    !trustroot_window_has(
			&log->valid, (time_t)(SCT_get_timestamp(s) / 1000)))
			continue;
		if (SCT_validate(s, ctx) == 1)
			good++;
	}
	CT_POLICY_EVAL_CTX_free(ctx);
	CTLOG_STORE_free(store);
	SCT_LIST_free(scts);
	ERR_clear_error();
	if (rc == 0 && good == 0)
		rc = rej(c, "no embedded SCT verifies under a CT log of the "
			    "trusted root");
	return rc;
}

/* SPEC-KL-10: identity and issuer as asked. */
static int
check_identity(struct kl *c)
{
	const struct keyless_identity *w = c->o->who;
	const struct fulcio_names *nm;
	size_t i;
	int m, any = 0;

	if (fulcio_names(&c->r->names, c->leaf, c->e) != 0)
		return err_prefix(c->e, "%s", c->src);
	if ((c->o->anchors != NULL && w == NULL) || c->o->any_identity) {
		snprintf(c->r->identity, sizeof(c->r->identity), "%s",
			 c->r->names.nsans ? c->r->names.san[0] : "");
		snprintf(c->r->issuer, sizeof(c->r->issuer), "%s",
			 c->r->names.issuer);
		return 0;
	}
	if (w == NULL || (w->identity == NULL && w->identity_re == NULL) ||
	    (w->issuer == NULL && w->issuer_re == NULL))
		return rej(c, "a certificate bundle needs "
			      "--certificate-identity[-regexp] and "
			      "--certificate-oidc-issuer[-regexp]");
	nm = &c->r->names;
	for (i = 0; i < nm->nsans; i++) {
		m = fulcio_match(nm->san[i], w->identity, w->identity_re);
		if (m < 0)
			return err_set(c->e, EXIT_USAGE,
				       "--certificate-identity-regexp does "
				       "not compile");
		if (m && !any) {
			any = 1;
			snprintf(c->r->identity, sizeof(c->r->identity), "%s",
				 nm->san[i]);
		}
	}
	if (!any)
		return rej(c, "the certificate's identity is not the one "
			      "asked for");
	m = fulcio_match(nm->issuer, w->issuer, w->issuer_re);
	if (m < 0)
		return err_set(c->e, EXIT_USAGE,
			       "--certificate-oidc-issuer-regexp does not "
			       "compile");
	if (!m)
		return rej(c, "the certificate's OIDC issuer is not the one "
			      "asked for");
	snprintf(c->r->issuer, sizeof(c->r->issuer), "%s", nm->issuer);
	return 0;
}

static int
run(struct kl *c, const json_t *b)
{
	const json_t *vm = json_object_get(b, "verificationMaterial");
	const json_t *ms = json_object_get(b, "messageSignature");
	const json_t *env = json_object_get(b, "dsseEnvelope");
	int rc;

	c->version = media_version(jsonio_str(b, "mediaType"));
	if (c->version == 0)
		return rej(c, "unsupported Sigstore bundle media type");
	rc = load_material(c, vm);
	if (rc != 0)
		return rc;
	if ((ms != NULL) == (env != NULL))
		return rej(c, "a bundle holds exactly one of messageSignature "
			      "and dsseEnvelope");
	rc = ms != NULL ? load_message(c, ms) : load_envelope(c, env);
	if (rc == 0)
		rc = check_signature(c);
	if (rc == 0 && c->o->anchors == NULL)
		rc = check_tlog(c, json_object_get(vm, "tlogEntries"));
	if (rc == 0 && c->o->anchors == NULL)
		rc = check_timestamps(
		    c, json_object_get(vm, "timestampVerificationData"));
	if (rc == 0 && c->leaf != NULL)
		rc = check_chain(c);
	if (rc == 0 && c->leaf != NULL && c->o->anchors == NULL)
		rc = check_scts(c);
	if (rc == 0 && c->leaf != NULL)
		rc = check_identity(c);
	return rc;
}

int
keyless_verify(struct keyless_result *r, const struct keyless_opts *o,
	       const void *buf, size_t len, const char *src, struct err *e)
{
	struct kl c;
	json_t *b = NULL;
	const unsigned char *p;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&c, 0, sizeof(c));
	c.o = o;
	c.r = r;
	c.src = src;
	c.e = e;
	if (len > KEYLESS_MAX_BUNDLE_BYTES)
		return rej(&c, "bundle over %zu bytes",
			   KEYLESS_MAX_BUNDLE_BYTES);
	rc = jsonio_load_object(&b, buf, len, src, e);
	if (rc == 0)
		rc = run(&c, b);
	if (rc == 0 && c.env != NULL) {
		p = dsse_payload(c.env, &r->payloadlen);
		snprintf(r->payload_type, sizeof(r->payload_type), "%s",
			 dsse_payload_type(c.env));
		r->payload = malloc(r->payloadlen + 1);
		if (r->payload == NULL)
			rc = oom(&c);
		else
			memcpy(r->payload, p, r->payloadlen);
	}
	json_decref(b);
	X509_free(c.leaf);
	sk_X509_pop_free(c.extra, X509_free);
	sk_X509_pop_free(c.chain, X509_free);
	free(c.sig);
	free(c.pae);
	dsse_free(c.env);
	return rc;
}

void
keyless_result_clear(struct keyless_result *r)
{
	free(r->payload);
	memset(r, 0, sizeof(*r));
}

int
keyless_opts_check(const struct keyless_identity *w, struct err *e)
{
	int id = w->identity != NULL || w->identity_re != NULL;
	int iss = w->issuer != NULL || w->issuer_re != NULL;

	if ((w->identity && w->identity_re) || (w->issuer && w->issuer_re))
		return err_set(e, EXIT_USAGE,
			       "give an identity (or issuer) exactly, or as a "
			       "regexp, not both");
	if (id != iss)
		return err_set(e, EXIT_USAGE,
			       "--certificate-identity[-regexp] and "
			       "--certificate-oidc-issuer[-regexp] go "
			       "together");
	if ((w->identity_re && fulcio_match("", NULL, w->identity_re) < 0) ||
	    (w->issuer_re && fulcio_match("", NULL, w->issuer_re) < 0))
		return err_set(e, EXIT_USAGE,
			       "a --certificate-*-regexp is not a POSIX "
			       "extended regular expression");
	return 0;
}

int
keyless_keys(EVP_PKEY ***out, size_t *nout, const char *const *paths, size_t n,
	     struct err *e)
{
	unsigned char *pem = NULL;
	size_t i, len = 0;
	BIO *bio;
	EVP_PKEY *k;

	*nout = 0;
	*out = calloc(n ? n : 1, sizeof(EVP_PKEY *));
	if (*out == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < n; i++) {
		if (file_read(&pem, &len, paths[i], (size_t)1 << 20, NULL) != 0)
			continue;
		bio = BIO_new_mem_buf(pem, (int)len);
		k = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
		BIO_free(bio);
		free(pem);
		pem = NULL;
		if (k != NULL)
			(*out)[(*nout)++] = k;
	}
	ERR_clear_error();
	return 0;
}

int
keyless_default_root(char *out, size_t outlen, struct err *e)
{
	char exe[4096], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return err_sys(e, EXIT_UNDECIDED, errno,
			       "cannot find the installed trusted root");
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash != NULL)
		*slash = '\0';
	if ((size_t)snprintf(out, outlen,
			     "%s/../share/mlattest/trusted_root.json",
			     exe) >= outlen)
		return err_set(e, EXIT_UNDECIDED,
			       "cannot find the installed trusted root");
	return 0;
}

int
keyless_identity_matches(const struct keyless_identity *w,
			 const struct keyless_result *r)
{
	size_t i;
	int m = 0;

	if (r->keyed || r->names.nsans == 0)
		return 0;
	for (i = 0; m == 0 && i < r->names.nsans; i++)
		m = fulcio_match(r->names.san[i], w->identity, w->identity_re);
	if (m != 1)
		return m;
	return fulcio_match(r->names.issuer, w->issuer, w->issuer_re);
}

struct keyless_id {
	size_t slot, root; /* root: index into roots */
	char *identity, *identity_re, *issuer, *issuer_re;
};

struct keyless_idset {
	struct keyless_id ids[KEYLESS_MAX_IDS];
	size_t n;
	struct trustroot *roots[KEYLESS_MAX_IDS];
	char *root_paths[KEYLESS_MAX_IDS]; /* "" for the default */
	size_t nroots;
};

int
keyless_idset_new(struct keyless_idset **out, struct err *e)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : err_set(e, EXIT_UNDECIDED, "out of memory");
}

static void
id_clear(struct keyless_id *id)
{
	free(id->identity);
	free(id->identity_re);
	free(id->issuer);
	free(id->issuer_re);
}

void
keyless_idset_free(struct keyless_idset *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		id_clear(&s->ids[i]);
	for (i = 0; i < s->nroots; i++) {
		trustroot_free(s->roots[i]);
		free(s->root_paths[i]);
	}
	free(s);
}

size_t
keyless_idset_count(const struct keyless_idset *s)
{
	return s->n;
}

static int
dup_or_null(char **out, const char *s)
{
	*out = s ? strdup(s) : NULL;
	return s != NULL && *out == NULL ? -1 : 0;
}

/* The index of the root at path ("" default) in s, loading it once. */
static int
idset_root(size_t *out, struct keyless_idset *s, const char *path,
	   struct err *e)
{
	char def[4096];
	const char *p = path;
	size_t i;

	for (i = 0; i < s->nroots; i++)
		if (strcmp(s->root_paths[i], path ? path : "") == 0) {
			*out = i;
			return 0;
		}
	if (p == NULL && keyless_default_root(def, sizeof(def), e) != 0)
		return -e->code;
	if (trustroot_load(&s->roots[s->nroots], p ? p : def, e) != 0)
		return -(e->code = EXIT_UNDECIDED);
	s->root_paths[s->nroots] = strdup(path ? path : "");
	if (s->root_paths[s->nroots] == NULL) {
		trustroot_free(s->roots[s->nroots]);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	*out = s->nroots++;
	return 0;
}

int
keyless_idset_add(struct keyless_idset *s, size_t slot,
		  const struct keyless_identity *w, const char *root_path,
		  struct err *e)
{
	struct keyless_id *id;
	int rc;

	if (s->n == KEYLESS_MAX_IDS || slot >= KEYLESS_MAX_IDS)
		return err_set(e, EXIT_USAGE, "more than %d identities",
			       KEYLESS_MAX_IDS);
	rc = keyless_opts_check(w, e);
	if (rc != 0)
		return rc;
	if ((w->identity == NULL && w->identity_re == NULL))
		return err_set(e, EXIT_USAGE,
			       "an identity needs identity or identityRegexp "
			       "and issuer or issuerRegexp");
	id = &s->ids[s->n];
	memset(id, 0, sizeof(*id));
	id->slot = slot;
	rc = idset_root(&id->root, s, root_path, e);
	if (rc != 0)
		return rc;
	if (dup_or_null(&id->identity, w->identity) != 0 ||
	    dup_or_null(&id->identity_re, w->identity_re) != 0 ||
	    dup_or_null(&id->issuer, w->issuer) != 0 ||
	    dup_or_null(&id->issuer_re, w->issuer_re) != 0) {
		id_clear(id);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	s->n++;
	return 0;
}

int
keyless_idset_verify(unsigned char *signed_by, struct keyless_result *r,
		     const struct keyless_idset *s, const void *buf, size_t len,
		     const char *src, struct err *e)
{
	struct keyless_opts ko = KEYLESS_OPTS_INIT;
	struct keyless_result k;
	struct keyless_identity w;
	char who[2 * FULCIO_MAX_NAME + 8] = "";
	size_t i, j;
	int any = 0, verified = 0, rc = 0;

	memset(r, 0, sizeof(*r));
	ko.any_identity = 1;
	for (i = 0; i < s->nroots; i++) {
		ko.root = s->roots[i];
		memset(&k, 0, sizeof(k));
		rc = keyless_verify(&k, &ko, buf, len, src, e);
		if (rc != 0) {
			keyless_result_clear(&k);
			continue;
		}
		verified = 1;
		snprintf(who, sizeof(who), "%s, %s", k.identity, k.issuer);
		for (j = 0; j < s->n; j++) {
			const struct keyless_id *id = &s->ids[j];

			if (id->root != i)
				continue;
			w.identity = id->identity;
			w.identity_re = id->identity_re;
			w.issuer = id->issuer;
			w.issuer_re = id->issuer_re;
			if (keyless_identity_matches(&w, &k) == 1) {
				signed_by[id->slot] = 1;
				any = 1;
			}
		}
		if (any && r->payload == NULL && !r->message) {
			*r = k; /* keeps the payload */
			continue;
		}
		keyless_result_clear(&k);
	}
	if (any) {
		err_clear(e);
		return 0;
	}
	if (verified) /* SPEC-KL-10: a valid signature by someone else */
		return err_set(e, EXIT_REJECTED,
			       "%s: signed by %s, no identity of the policy",
			       src, who);
	return rc != 0 ? rc
		       : err_set(e, EXIT_REJECTED, "%s: no trusted root", src);
}

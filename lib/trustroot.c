/* Sigstore TrustedRoot JSON (see trustroot.h). */
#include "lib/trustroot.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

#include "lib/b64.h"
#include "lib/fileio.h"
#include "lib/ids.h"
#include "lib/jsonio.h"

struct trustroot {
	struct trustroot_log *tlogs, *ctlogs;
	struct trustroot_ca *cas, *tsas;
	size_t ntlogs, nctlogs, ncas, ntsas;
};

/* SPEC-KL-2: the media types of a TrustedRoot. */
static const char *const media[] = {
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    "application/vnd.dev.sigstore.trustedroot.v0.1+json",
    "application/vnd.dev.sigstore.trustedroot.v0.2+json",
    NULL,
};

static int
bytes_of(unsigned char **out, size_t *len, const json_t *obj, const char *key,
	 const char *what, struct err *e)
{
	const char *s = jsonio_str(obj, key);

	if (s == NULL)
		return err_set(e, EXIT_REJECTED, "%s has no %s", what, key);
	return b64_decode(out, len, s, strlen(s), what, e);
}

static int
parse_window(struct trustroot_window *w, const json_t *vf, const char *what,
	     struct err *e)
{
	const char *s = jsonio_str(vf, "start"), *t = jsonio_str(vf, "end");

	memset(w, 0, sizeof(*w));
	if (s != NULL) {
		if (ids_parse_rfc3339(&w->start, s) != 0)
			return err_set(e, EXIT_REJECTED,
				       "%s: validFor.start is not RFC 3339",
				       what);
		w->has_start = 1;
	}
	if (t != NULL) {
		if (ids_parse_rfc3339(&w->end, t) != 0)
			return err_set(e, EXIT_REJECTED,
				       "%s: validFor.end is not RFC 3339",
				       what);
		w->has_end = 1;
	}
	return 0;
}

static void
host_of(char *out, size_t outlen, const char *url)
{
	const char *h = strstr(url, "://");
	size_t n;

	h = h ? h + 3 : url;
	n = strcspn(h, "/:?#");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, h, n);
	out[n] = '\0';
}

/* The hash a log key signs with, from keyDetails (SPEC-KL-3). */
static int
log_md(const EVP_MD **md, const char *details, const EVP_PKEY *k)
{
	int id = EVP_PKEY_get_base_id(k);

	if (details != NULL && strcmp(details, "PKIX_ED25519") == 0)
		details = NULL;
	if (id == EVP_PKEY_ED25519) {
		*md = NULL;
		return details == NULL ? 0 : -1;
	}
	/* PKCS1_RSA_PKCS1V5 and the like name no hash: SHA-256. */
	if (details != NULL && strstr(details, "SHA_384") != NULL)
		*md = EVP_sha384();
	else if (details != NULL && strstr(details, "SHA_512") != NULL)
		*md = EVP_sha512();
	else
		*md = EVP_sha256();
	return 0;
}

static int
parse_log(struct trustroot_log *l, const json_t *o, const char *what,
	  struct err *e)
{
	const json_t *pk = json_object_get(o, "publicKey");
	const char *url = jsonio_str(o, "baseUrl");
	unsigned char *der = NULL, *id = NULL;
	const unsigned char *p;
	size_t derlen = 0, idlen = 0;
	int rc;

	if (url == NULL || strlen(url) >= sizeof(l->url) || !json_is_object(pk))
		return err_set(e, EXIT_REJECTED, "%s: no baseUrl or publicKey",
			       what);
	snprintf(l->url, sizeof(l->url), "%s", url);
	host_of(l->name, sizeof(l->name), url);
	rc = parse_window(&l->valid, json_object_get(pk, "validFor"), what, e);
	if (rc == 0)
		rc = bytes_of(&der, &derlen, pk, "rawBytes", what, e);
	if (rc == 0)
		rc = bytes_of(&id, &idlen, json_object_get(o, "logId"), "keyId",
			      what, e);
	if (rc == 0 && idlen != TRUSTROOT_ID_LEN)
		rc = err_set(e, EXIT_REJECTED, "%s: logId is not 32 bytes",
			     what);
	if (rc == 0) {
		memcpy(l->id, id, TRUSTROOT_ID_LEN);
		p = der;
		/* PKCS1_RSA_* keys are RSAPublicKey, every other form SPKI. */
		if (strncmp(jsonio_str_or(pk, "keyDetails", ""), "PKCS1_", 6) ==
		    0)
			l->key =
			    d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)derlen);
		else
			l->key = d2i_PUBKEY(NULL, &p, (long)derlen);
		/* SPEC-KL-3: a key we cannot use is skipped, not trusted. */
		if (l->key == NULL || p != der + derlen ||
		    log_md(&l->md, jsonio_str(pk, "keyDetails"), l->key) != 0) {
			EVP_PKEY_free(l->key);
			l->key = NULL;
			l->unusable = "its publicKey cannot be used";
			ERR_clear_error();
		}
	}
	/* SPEC-KL-3: a key without the start of its window is not used. */
	if (rc == 0 && l->unusable == NULL && !l->valid.has_start)
		l->unusable = "its validFor has no start";
	free(der);
	free(id);
	return rc;
}

static int
parse_ca(struct trustroot_ca *c, const json_t *o, const char *what,
	 struct err *e)
{
	const json_t *certs =
	    json_object_get(json_object_get(o, "certChain"), "certificates");
	unsigned char *der = NULL;
	const unsigned char *p;
	size_t i, len = 0;
	X509 *x;
	int rc;

	snprintf(c->url, sizeof(c->url), "%s", jsonio_str_or(o, "uri", ""));
	c->chain = sk_X509_new_null();
	if (c->chain == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	if (!json_is_array(certs) || json_array_size(certs) == 0 ||
	    json_array_size(certs) > TRUSTROOT_MAX_CHAIN)
		return err_set(e, EXIT_REJECTED,
			       "%s: certChain needs 1 to %d certificates", what,
			       TRUSTROOT_MAX_CHAIN);
	rc = parse_window(&c->valid, json_object_get(o, "validFor"), what, e);
	for (i = 0; rc == 0 && i < json_array_size(certs); i++) {
		rc = bytes_of(&der, &len, json_array_get(certs, i), "rawBytes",
			      what, e);
		if (rc != 0)
			break;
		p = der;
		x = d2i_X509(NULL, &p, (long)len);
		if (x == NULL || p != der + len || !sk_X509_push(c->chain, x)) {
			X509_free(x);
			rc = err_ossl(e, EXIT_REJECTED,
				      "%s: certificate %zu is not DER X.509",
				      what, i);
		}
		free(der);
		der = NULL;
	}
	return rc;
}

static int
parse_list(void **out, size_t *n, size_t size, const json_t *root,
	   const char *key, int logs, const char *src, struct err *e)
{
	const json_t *arr = json_object_get(root, key);
	char what[300];
	size_t i;
	int rc = 0;

	if (arr == NULL)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > TRUSTROOT_MAX_ITEMS)
		return err_set(e, EXIT_REJECTED,
			       "%s: %s is not a list of at most %d", src, key,
			       TRUSTROOT_MAX_ITEMS);
	*out = calloc(json_array_size(arr) + 1, size);
	if (*out == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; rc == 0 && i < json_array_size(arr); i++) {
		snprintf(what, sizeof(what), "%s: %s[%zu]", src, key, i);
		*n = i + 1;
		if (logs)
			rc = parse_log((struct trustroot_log *)*out + i,
				       json_array_get(arr, i), what, e);
		else
			rc = parse_ca((struct trustroot_ca *)*out + i,
				      json_array_get(arr, i), what, e);
	}
	return rc;
}

int
trustroot_parse(struct trustroot **out, const void *buf, size_t len,
		const char *src, struct err *e)
{
	struct trustroot *t = calloc(1, sizeof(*t));
	const char *m;
	json_t *root = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (t == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	rc = jsonio_load_object(&root, buf, len, src, e);
	if (rc == 0) {
		m = jsonio_str_or(root, "mediaType", "");
		for (i = 0; media[i] != NULL && strcmp(m, media[i]) != 0; i++)
			;
		if (media[i] == NULL)
			rc = err_set(e, EXIT_REJECTED,
				     "%s: not a Sigstore trusted root "
				     "(mediaType)",
				     src);
	}
	if (rc == 0)
		rc = parse_list((void **)&t->tlogs, &t->ntlogs,
				sizeof(*t->tlogs), root, "tlogs", 1, src, e);
	if (rc == 0)
		rc = parse_list((void **)&t->ctlogs, &t->nctlogs,
				sizeof(*t->ctlogs), root, "ctlogs", 1, src, e);
	if (rc == 0)
		rc = parse_list((void **)&t->cas, &t->ncas, sizeof(*t->cas),
				root, "certificateAuthorities", 0, src, e);
	if (rc == 0)
		rc = parse_list((void **)&t->tsas, &t->ntsas, sizeof(*t->tsas),
				root, "timestampAuthorities", 0, src, e);
	json_decref(root);
	if (rc != 0) {
		trustroot_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int
trustroot_load(struct trustroot **out, const char *path, struct err *e)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = file_read(&buf, &len, path, TRUSTROOT_MAX_BYTES, e);
	if (rc == 0)
		rc = trustroot_parse(out, buf, len, path, e);
	free(buf);
	return rc;
}

static void
free_logs(struct trustroot_log *l, size_t n)
{
	size_t i;

	for (i = 0; l != NULL && i < n; i++)
		EVP_PKEY_free(l[i].key);
	free(l);
}

static void
free_cas(struct trustroot_ca *c, size_t n)
{
	size_t i;

	for (i = 0; c != NULL && i < n; i++)
		sk_X509_pop_free(c[i].chain, X509_free);
	free(c);
}

void
trustroot_free(struct trustroot *t)
{
	if (t == NULL)
		return;
	free_logs(t->tlogs, t->ntlogs);
	free_logs(t->ctlogs, t->nctlogs);
	free_cas(t->cas, t->ncas);
	free_cas(t->tsas, t->ntsas);
	free(t);
}

const struct trustroot_log *
trustroot_tlogs(const struct trustroot *t, size_t *n)
{
	*n = t->ntlogs;
	return t->tlogs;
}

const struct trustroot_log *
trustroot_ctlogs(const struct trustroot *t, size_t *n)
{
	*n = t->nctlogs;
	return t->ctlogs;
}

const struct trustroot_ca *
trustroot_cas(const struct trustroot *t, size_t *n)
{
	*n = t->ncas;
	return t->cas;
}

const struct trustroot_ca *
trustroot_tsas(const struct trustroot *t, size_t *n)
{
	*n = t->ntsas;
	return t->tsas;
}

const struct trustroot_log *
trustroot_find_log(const struct trustroot_log *list, size_t n,
		   const unsigned char *id, size_t idlen)
{
	size_t i;

	for (i = 0; idlen == TRUSTROOT_ID_LEN && i < n; i++)
		if (CRYPTO_memcmp(list[i].id, id, idlen) == 0)
			return &list[i];
	return NULL;
}

int
trustroot_window_has(const struct trustroot_window *w, time_t t)
{
	return w->has_start && t >= w->start && (!w->has_end || t <= w->end);
}

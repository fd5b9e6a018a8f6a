/*
 * TPM keys as struct key backends: loading a key reference (handle, key
 * file, sealed file) and signing with it (spec/tpm.md).
 */
#include "keys/tpm_int.h"

/* Opens the TPM and loads k into t; *auth is what authorises its use. */
int
tpm_key_open(struct tpm *t, ESYS_TR *auth, const struct tpm_key *k,
	     struct err *e)
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
	rc = tpm_key_open(&t, &auth, k, e);
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
		rc = tpm_key_open(&t, &auth, k, e);
	if (rc == 0) {
		r = Esys_Sign(t.esys, t.obj, auth, ESYS_TR_NONE, ESYS_TR_NONE,
			      &digest, &scheme, &ticket, &ts);
		if (r != TSS2_RC_SUCCESS)
			rc = tpm_fail(e, r, k->ref);
	}
	if (rc == 0)
		rc = tpm_signature_der(sig, siglen, ts, e);
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

const struct tpm_key *
tpm_key_ctx(const struct key *key)
{
	return key_backend_ctx(key, &tpm_backend);
}

int
tpm_key_signs_statements(const struct key *key)
{
	const struct tpm_key *k = tpm_key_ctx(key);

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
		rc = tpm_pkey_pem(pem, len, pkey, e);
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
	rc = tpm_policy_digest(&now, t, &k->f.pcrs, e);
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
		rc = tpm_public_pem(pem, len, &k->f.pub.publicArea, k->ref, e);
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
		rc = tpm_tcti_resolve(&tcti, tcti, e);
	if (rc == 0)
		snprintf(k->tcti, sizeof(k->tcti), "%s", tcti);
	if (rc == 0 && path != NULL)
		rc = tpm_file_load(&k->f, path, e);
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

/*
 * PKCS#11 keys through the module's C API (see pkcs11.h). One struct p11
 * holds the loaded module, the session and the key handle for as long as
 * the key lives; key_free logs out and unloads. Generating keys is
 * pkcs11gen.c.
 */
#include "keys/pkcs11_int.h"

static const struct {
	CK_RV rv;
	const char *name;
} rv_names[] = {
    {CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR"},
    {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"},
    {CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED"},
    {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"},
    {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
    {CKR_PIN_LOCKED, "CKR_PIN_LOCKED"},
    {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
    {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
    {CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT"},
    {CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED"},
    {CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT"},
    {CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID"},
    {CKR_DOMAIN_PARAMS_INVALID, "CKR_DOMAIN_PARAMS_INVALID"},
    {CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED"},
};

const char *
p11_rv_name(CK_RV rv)
{
	size_t i;

	for (i = 0; i < sizeof(rv_names) / sizeof(rv_names[0]); i++)
		if (rv_names[i].rv == rv)
			return rv_names[i].name;
	return "CKR error";
}

int
p11_rv_fail(struct err *e, int code, const struct p11 *p, const char *call,
	    CK_RV rv)
{
	return err_set(e, code, "%s: %s failed: %s (0x%lx)", p->src, call,
		       p11_rv_name(rv), (unsigned long)rv);
}

void
p11_free(void *ctx)
{
	struct p11 *p = ctx;

	if (p == NULL)
		return;
	if (p->logged_in)
		p->f->C_Logout(p->s);
	if (p->open)
		p->f->C_CloseSession(p->s);
	if (p->finalize)
		p->f->C_Finalize(NULL);
#ifndef __SANITIZE_ADDRESS__
	/* Under ASan the module stays mapped, so LeakSanitizer can name it
	 * in a stack (tests/lsan.supp suppresses SoftHSM's own leak). */
	if (p->dl != NULL)
		dlclose(p->dl);
#endif
	OPENSSL_cleanse(p, sizeof(*p));
	free(p);
}

/* A blank-padded PKCS#11 text field equals want (an empty want matches). */
static int
field_is(const unsigned char *field, size_t n, const char *want)
{
	size_t wl = strlen(want);

	if (wl == 0)
		return 1;
	while (n > 0 && field[n - 1] == ' ')
		n--;
	return n == wl && memcmp(field, want, n) == 0;
}

static int
load_module(struct p11 *p, const struct p11uri *u,
	    const struct key_load_opts *o, struct err *e)
{
	CK_C_INITIALIZE_ARGS args;
	CK_C_GetFunctionList get;
	const char *path =
	    u->module_path[0] ? u->module_path : o->pkcs11_module;
	CK_INFO info;
	CK_RV rv;

	if (path == NULL || path[0] == '\0')
		return err_set(e, EXIT_USAGE,
			       "%s: no PKCS#11 module: add "
			       "module-path=FILE to the URI or give "
			       "--pkcs11-module FILE",
			       p->src);
	p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (p->dl == NULL)
		return err_set(e, EXIT_UNDECIDED,
			       "%s: PKCS#11 module %s not loadable: %s", p->src,
			       path, dlerror());
	*(void **)&get = dlsym(p->dl, "C_GetFunctionList");
	if (get == NULL || get(&p->f) != CKR_OK || p->f == NULL)
		return err_set(e, EXIT_UNDECIDED,
			       "%s: %s is not a PKCS#11 module (no "
			       "C_GetFunctionList)",
			       p->src, path);
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = p->f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
		return p11_rv_fail(e, EXIT_UNDECIDED, p, "C_Initialize", rv);
	p->finalize = rv == CKR_OK;
	if (p->f->C_GetInfo(&info) != CKR_OK ||
	    !field_is(info.manufacturerID, sizeof(info.manufacturerID),
		      u->library_manufacturer) ||
	    !field_is(info.libraryDescription, sizeof(info.libraryDescription),
		      u->library_description))
		return err_set(e, EXIT_UNDECIDED,
			       "%s: module %s is not the library the URI "
			       "names",
			       p->src, path);
	return 0;
}

static int
slot_matches(struct p11 *p, CK_SLOT_ID id, const struct p11uri *u)
{
	CK_SLOT_INFO si;
	CK_TOKEN_INFO ti;
	char num[32];

	if (p->f->C_GetSlotInfo(id, &si) != CKR_OK ||
	    p->f->C_GetTokenInfo(id, &ti) != CKR_OK)
		return 0;
	snprintf(num, sizeof(num), "%lu", (unsigned long)id);
	return (u->slot_id[0] == '\0' || strcmp(u->slot_id, num) == 0) &&
	       field_is(si.slotDescription, sizeof(si.slotDescription),
			u->slot_description) &&
	       field_is(si.manufacturerID, sizeof(si.manufacturerID),
			u->slot_manufacturer) &&
	       field_is(ti.label, sizeof(ti.label), u->token) &&
	       field_is(ti.manufacturerID, sizeof(ti.manufacturerID),
			u->manufacturer) &&
	       field_is(ti.model, sizeof(ti.model), u->model) &&
	       field_is(ti.serialNumber, sizeof(ti.serialNumber), u->serial);
}

static int
find_slot(struct p11 *p, const struct p11uri *u, struct err *e)
{
	CK_SLOT_ID slots[MAX_SLOTS];
	CK_ULONG n = MAX_SLOTS, i, found = 0;
	CK_RV rv;

	rv = p->f->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv == CKR_BUFFER_TOO_SMALL)
		n = MAX_SLOTS; /* look at the first MAX_SLOTS only */
	else if (rv != CKR_OK)
		return p11_rv_fail(e, EXIT_UNDECIDED, p, "C_GetSlotList", rv);
	for (i = 0; i < n; i++) {
		if (!slot_matches(p, slots[i], u))
			continue;
		if (found++ == 0)
			p->slot = slots[i];
	}
	if (found == 0)
		return err_set(e, EXIT_UNDECIDED,
			       "%s: no such token (token=%s) in the module",
			       p->src, u->token[0] ? u->token : u->serial);
	if (found > 1)
		return err_set(e, EXIT_USAGE,
			       "%s: %lu tokens match; add serial= or slot-id=",
			       p->src, (unsigned long)found);
	snprintf(p->token, sizeof(p->token), "%.32s",
		 u->token[0] ? u->token : u->serial);
	return 0;
}

/* Logs in once with the PIN; no retry, which could lock the token. */
static int
login(struct p11 *p, const struct p11uri *u, const struct key_load_opts *o,
      int need, struct err *e)
{
	char *pin = NULL;
	size_t plen = 0;
	CK_RV rv;
	int rc = 0;

	if (u->pin_source[0] != '\0') {
		rc = keyopt_secret_read(&pin, &plen, u->pin_source, "PIN file",
					e);
		if (rc != 0)
			return rc;
	} else if (o->pkcs11_pin != NULL && o->pkcs11_pin[0] != '\0') {
		plen = strlen(o->pkcs11_pin);
		pin = malloc(plen + 1);
		if (pin == NULL)
			return err_set(e, EXIT_UNDECIDED, "out of memory");
		memcpy(pin, o->pkcs11_pin, plen + 1);
	} else if (need) {
		return err_set(e, EXIT_USAGE,
			       "%s: token %s needs a PIN: add "
			       "pin-source=file:FILE to the URI or set "
			       "$" KEYOPT_PIN_ENV,
			       p->src, p->token);
	} else {
		return 0;
	}
	rv = p->f->C_Login(p->s, CKU_USER, (CK_UTF8CHAR *)pin, plen);
	keyopt_secret_free(pin, plen);
	if (rv == CKR_OK)
		p->logged_in = 1;
	else if (rv == CKR_PIN_INCORRECT) /* SPEC-KEY-3 */
		rc = err_set(e, EXIT_USAGE,
			     "%s: wrong PIN for token %s (not retried)", p->src,
			     p->token);
	else if (rv == CKR_PIN_LOCKED)
		rc = err_set(e, EXIT_UNDECIDED,
			     "%s: the PIN of token %s is "
			     "locked",
			     p->src, p->token);
	else if (rv != CKR_USER_ALREADY_LOGGED_IN)
		rc = p11_rv_fail(e, EXIT_UNDECIDED, p, "C_Login", rv);
	return rc;
}

int
p11_open_token(struct p11 *p, const struct p11uri *u,
	       const struct key_load_opts *o, int rw, struct err *e)
{
	CK_TOKEN_INFO ti;
	CK_RV rv;
	int rc;

	rc = load_module(p, u, o, e);
	if (rc == 0)
		rc = find_slot(p, u, e);
	if (rc != 0)
		return rc;
	rv = p->f->C_OpenSession(p->slot,
				 CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0),
				 NULL, NULL, &p->s);
	if (rv != CKR_OK)
		return p11_rv_fail(e, EXIT_UNDECIDED, p, "C_OpenSession", rv);
	p->open = 1;
	if (p->f->C_GetTokenInfo(p->slot, &ti) != CKR_OK)
		ti.flags = CKF_LOGIN_REQUIRED;
	return login(p, u, o, rw || (ti.flags & CKF_LOGIN_REQUIRED), e);
}

/* Objects of class cls matching u's object= and id=; up to 2 found. */
int
p11_find_objects(CK_OBJECT_HANDLE *h, CK_ULONG *n, struct p11 *p,
		 const struct p11uri *u, CK_OBJECT_CLASS cls, struct err *e)
{
	CK_ATTRIBUTE t[3];
	CK_ULONG nt = 0;
	CK_RV rv;

	t[nt].type = CKA_CLASS;
	t[nt].pValue = &cls;
	t[nt++].ulValueLen = sizeof(cls);
	if (u->object[0] != '\0') {
		t[nt].type = CKA_LABEL;
		t[nt].pValue = (void *)u->object;
		t[nt++].ulValueLen = strlen(u->object);
	}
	if (u->has_id) {
		t[nt].type = CKA_ID;
		t[nt].pValue = (void *)u->id;
		t[nt++].ulValueLen = u->idlen;
	}
	rv = p->f->C_FindObjectsInit(p->s, t, nt);
	if (rv != CKR_OK)
		return p11_rv_fail(e, EXIT_UNDECIDED, p, "C_FindObjectsInit",
				   rv);
	rv = p->f->C_FindObjects(p->s, h, 2, n);
	p->f->C_FindObjectsFinal(p->s);
	if (rv != CKR_OK)
		return p11_rv_fail(e, EXIT_UNDECIDED, p, "C_FindObjects", rv);
	return 0;
}

/* One attribute into buf (cap bytes); -1 when absent or too long. */
static int
get_attr(unsigned char *buf, size_t cap, size_t *len, struct p11 *p,
	 CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
	CK_ATTRIBUTE a = {type, buf, cap};

	if (p->f->C_GetAttributeValue(p->s, h, &a, 1) != CKR_OK ||
	    a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen == 0)
		return -1;
	*len = a.ulValueLen;
	return 0;
}

/* CKA_EC_POINT: a DER OCTET STRING by the standard, raw by some. */
static int
ec_point(const unsigned char **pt, size_t *ptlen, ASN1_OCTET_STRING **os,
	 const unsigned char *buf, size_t len)
{
	const unsigned char *q = buf;

	*os = d2i_ASN1_OCTET_STRING(NULL, &q, (long)len);
	if (*os != NULL && q == buf + len) {
		*pt = ASN1_STRING_get0_data(*os);
		*ptlen = (size_t)ASN1_STRING_length(*os);
	} else {
		*pt = buf;
		*ptlen = len;
	}
	ERR_clear_error();
	return 0;
}

/* The SPKI of an EC or Edwards key from its params and point. */
static EVP_PKEY *
pkey_from(const unsigned char *params, size_t plen, const unsigned char *pt,
	  size_t ptlen)
{
	const unsigned char *q = params;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *prm = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	ASN1_OBJECT *oid = NULL;
	EVP_PKEY *pkey = NULL;
	const char *group;
	int nid;

	if (plen == 5 && memcmp(params, ED25519_OID_DER, 5) == 0)
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pt,
						   ptlen);
	if (plen == 14 && memcmp(params,
				 "\x13\x0c"
				 "edwards25519",
				 14) == 0)
		return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pt,
						   ptlen);
	oid = d2i_ASN1_OBJECT(NULL, &q, (long)plen);
	nid = oid != NULL ? OBJ_obj2nid(oid) : NID_undef;
	group = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
	bld = OSSL_PARAM_BLD_new();
	if (group == NULL || bld == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					    group, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt,
					     ptlen) != 1 ||
	    (prm = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, prm) != 1)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(prm);
	OSSL_PARAM_BLD_free(bld);
	ASN1_OBJECT_free(oid);
	return pkey;
}

/* The public key of the key pair, as SPKI PEM. */
int
p11_public_pem(char **pem, size_t *len, struct p11 *p, const struct p11uri *u,
	       CK_OBJECT_HANDLE priv, struct err *e)
{
	unsigned char params[MAX_ATTR_BYTES], pt[MAX_ATTR_BYTES];
	const unsigned char *point, *q = pt;
	size_t plen = 0, ptlen = 0, pointlen;
	ASN1_OCTET_STRING *os = NULL;
	CK_OBJECT_HANDLE pub[2];
	EVP_PKEY *pkey = NULL;
	CK_ULONG n = 0;
	BIO *bio = NULL;
	char *data;
	long bn;
	int rc;

	if (get_attr(pt, sizeof(pt), &ptlen, p, priv, CKA_PUBLIC_KEY_INFO) == 0)
		pkey = d2i_PUBKEY(NULL, &q, (long)ptlen);
	if (pkey == NULL) {
		ERR_clear_error();
		rc = p11_find_objects(pub, &n, p, u, CKO_PUBLIC_KEY, e);
		if (rc != 0)
			return rc;
		if (n != 1 ||
		    get_attr(params, sizeof(params), &plen, p, pub[0],
			     CKA_EC_PARAMS) != 0 ||
		    get_attr(pt, sizeof(pt), &ptlen, p, pub[0], CKA_EC_POINT) !=
			0)
			return err_set(e, EXIT_REJECTED,
				       "%s: no EC or Ed25519 public key object "
				       "beside the private key",
				       p->src);
		ec_point(&point, &pointlen, &os, pt, ptlen);
		pkey = pkey_from(params, plen, point, pointlen);
		ASN1_OCTET_STRING_free(os);
	}
	if (pkey == NULL)
		return err_ossl(e, EXIT_REJECTED,
				"%s: unsupported key type on the token (want "
				"ECDSA P-256/384/521 or Ed25519)",
				p->src);
	bio = BIO_new(BIO_s_mem());
	rc = 0;
	if (bio == NULL || PEM_write_bio_PUBKEY(bio, pkey) != 1 ||
	    (bn = BIO_get_mem_data(bio, &data)) <= 0 ||
	    (*pem = malloc((size_t)bn + 1)) == NULL) {
		rc = err_ossl(e, EXIT_UNDECIDED, "%s: cannot encode key",
			      p->src);
	} else {
		memcpy(*pem, data, (size_t)bn);
		(*pem)[bn] = '\0';
		*len = (size_t)bn;
	}
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	return rc;
}

static const char *
mech_name(CK_MECHANISM_TYPE m)
{
	return m == CKM_EDDSA ? "CKM_EDDSA" : "CKM_ECDSA";
}

/* The token and the key both allow p->mech for signing. */
static int
check_mech(struct p11 *p, struct err *e)
{
	CK_MECHANISM_TYPE allowed[64];
	CK_MECHANISM_INFO mi;
	size_t len = 0, i;
	CK_RV rv;

	rv = p->f->C_GetMechanismInfo(p->slot, p->mech, &mi);
	if (rv != CKR_OK || !(mi.flags & CKF_SIGN))
		return err_set(e, EXIT_REJECTED, /* SPEC-KEY-3 */
			       "%s: mechanism %s not supported by token %s",
			       p->src, mech_name(p->mech), p->token);
	if (get_attr((unsigned char *)allowed, sizeof(allowed), &len, p,
		     p->priv, CKA_ALLOWED_MECHANISMS) != 0)
		return 0;
	for (i = 0; i < len / sizeof(allowed[0]); i++)
		if (allowed[i] == p->mech)
			return 0;
	return err_set(e, EXIT_REJECTED,
		       "%s: mechanism %s not supported: the key allows "
		       "other mechanisms only",
		       p->src, mech_name(p->mech));
}

static size_t
half_len(enum key_type t)
{
	return t == KEY_ECDSA_P256 ? 32 : t == KEY_ECDSA_P384 ? 48 : 66;
}

static const EVP_MD *
digest_for(enum key_type t)
{
	return t == KEY_ECDSA_P256   ? EVP_sha256()
	       : t == KEY_ECDSA_P384 ? EVP_sha384()
				     : EVP_sha512();
}

/* r||s from the token as the DER ECDSA-Sig-Value DSSE carries. */
static int
raw_to_der(unsigned char **sig, size_t *siglen, const unsigned char *raw,
	   size_t half)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, (int)half, NULL);
	BIGNUM *s = BN_bin2bn(raw + half, (int)half, NULL);
	unsigned char *der = NULL;
	int n = -1;

	if (es != NULL && r != NULL && s != NULL &&
	    ECDSA_SIG_set0(es, r, s) == 1) {
		r = s = NULL;
		n = i2d_ECDSA_SIG(es, &der);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	if (n <= 0)
		return -1;
	*sig = malloc((size_t)n);
	if (*sig != NULL)
		memcpy(*sig, der, (size_t)n);
	*siglen = (size_t)n;
	OPENSSL_free(der);
	return *sig == NULL ? -1 : 0;
}

/* SPEC-KEY-7 */
static int
p11_sign(unsigned char **sig, size_t *siglen, void *ctx,
	 const unsigned char *msg, size_t len, struct err *e)
{
	struct p11 *p = ctx;
	CK_MECHANISM m = {p->mech, NULL, 0};
	unsigned char md[EVP_MAX_MD_SIZE], raw[2 * 66 + 2];
	const unsigned char *in = msg;
	unsigned int mdlen = 0;
	CK_ULONG inlen = len, rawlen = sizeof(raw);
	CK_RV rv;

	*sig = NULL;
	*siglen = 0;
	if (p->mech == CKM_ECDSA) {
		if (EVP_Digest(msg, len, md, &mdlen, digest_for(p->type),
			       NULL) != 1)
			return err_ossl(e, EXIT_UNDECIDED, "%s: digest failed",
					p->src);
		in = md;
		inlen = mdlen;
	}
	rv = p->f->C_SignInit(p->s, &m, p->priv);
	if (rv == CKR_MECHANISM_INVALID)
		return err_set(e, EXIT_REJECTED,
			       "%s: mechanism %s not supported by token %s",
			       p->src, mech_name(p->mech), p->token);
	if (rv != CKR_OK)
		return p11_rv_fail(e, EXIT_UNDECIDED, p, "C_SignInit", rv);
	rv = p->f->C_Sign(p->s, (CK_BYTE *)in, inlen, raw, &rawlen);
	if (rv != CKR_OK)
		return p11_rv_fail(e, EXIT_UNDECIDED, p, "C_Sign", rv);
	if (p->mech == CKM_EDDSA) {
		if (rawlen != 64)
			return err_set(e, EXIT_UNDECIDED,
				       "%s: token gave a %lu-byte Ed25519 "
				       "signature",
				       p->src, (unsigned long)rawlen);
		*sig = malloc(64);
		if (*sig == NULL)
			return err_set(e, EXIT_UNDECIDED, "out of memory");
		memcpy(*sig, raw, 64);
		*siglen = 64;
		return 0;
	}
	if (rawlen != 2 * half_len(p->type) ||
	    raw_to_der(sig, siglen, raw, half_len(p->type)) != 0)
		return err_set(e, EXIT_UNDECIDED,
			       "%s: token gave a malformed ECDSA signature",
			       p->src);
	return 0;
}

static const struct key_backend p11_backend = {p11_sign, p11_free};

int
p11_new(struct p11 **out, struct p11uri *u, const char *uri, struct err *e)
{
	int rc = p11uri_parse(u, uri, e);

	*out = NULL;
	if (rc != 0)
		return rc;
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	/* Messages name the key, never the whole URI (it may hold paths). */
	snprintf((*out)->src, sizeof((*out)->src), "pkcs11:%s%.32s%s",
		 u->token[0] ? "token=" : "serial=",
		 u->token[0] ? u->token : u->serial,
		 u->object[0] ? ";object=" : "");
	if (u->object[0] != '\0')
		snprintf((*out)->src + strlen((*out)->src),
			 sizeof((*out)->src) - strlen((*out)->src), "%.64s",
			 u->object);
	return 0;
}

int
pkcs11_key_load(struct key **out, const char *uri,
		const struct key_load_opts *o, struct err *e)
{
	struct p11uri u;
	struct p11 *p = NULL;
	CK_OBJECT_HANDLE h[2];
	CK_ULONG n = 0;
	char *pem = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = p11_new(&p, &u, uri, e);
	if (rc == 0)
		rc = p11_open_token(p, &u, o, 0, e);
	if (rc == 0)
		rc = p11_find_objects(h, &n, p, &u, CKO_PRIVATE_KEY, e);
	if (rc == 0 && n == 0)
		rc = err_set(e, EXIT_UNDECIDED,
			     "%s: no such object: no private key %s%s on token "
			     "%s",
			     p->src, u.object[0] ? "labelled " : "with that id",
			     u.object, p->token);
	if (rc == 0 && n > 1)
		rc = err_set(e, EXIT_USAGE,
			     "%s: several private keys match; add id=", p->src);
	if (rc == 0) {
		p->priv = h[0];
		rc = p11_public_pem(&pem, &len, p, &u, p->priv, e);
	}
	if (rc == 0) {
		rc = key_new_backend(out, pem, len, &p11_backend, p, p->src, e);
		p = NULL; /* the key owns it, also on failure */
	}
	if (rc == 0) {
		p = key_backend_ctx(*out, &p11_backend);
		p->type = key_get_type(*out);
		p->mech = p->type == KEY_ED25519 ? CKM_EDDSA : CKM_ECDSA;
		if (p->type == KEY_RSA)
			rc = err_set(e, EXIT_REJECTED,
				     "%s: RSA keys on a token cannot sign "
				     "here (want ECDSA or Ed25519)",
				     p->src);
		else
			rc = check_mech(p, e);
		p = NULL;
	}
	if (rc != 0) {
		key_free(*out);
		*out = NULL;
	}
	memset(&u, 0, sizeof(u));
	free(pem);
	p11_free(p);
	return rc;
}

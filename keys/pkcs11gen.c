/*
 * Generating a key pair on a PKCS#11 token (attest key generate
 * --pkcs11). A verifier never links this unit.
 */
#include "keys/pkcs11_int.h"

/* DER OIDs of the curves we create. */
static int
gen_params(CK_MECHANISM_TYPE *mech, const unsigned char **params, size_t *plen,
	   enum key_type t)
{
	static const unsigned char p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
					     0xce, 0x3d, 0x03, 0x01, 0x07};
	static const unsigned char p384[] = {0x06, 0x05, 0x2b, 0x81,
					     0x04, 0x00, 0x22};
	static const unsigned char p521[] = {0x06, 0x05, 0x2b, 0x81,
					     0x04, 0x00, 0x23};

	*mech = CKM_EC_KEY_PAIR_GEN;
	switch (t) {
	case KEY_ECDSA_P256:
		*params = p256;
		*plen = sizeof(p256);
		return 0;
	case KEY_ECDSA_P384:
		*params = p384;
		*plen = sizeof(p384);
		return 0;
	case KEY_ECDSA_P521:
		*params = p521;
		*plen = sizeof(p521);
		return 0;
	case KEY_ED25519:
		*mech = CKM_EC_EDWARDS_KEY_PAIR_GEN;
		*params = (const unsigned char *)ED25519_OID_DER;
		*plen = 5;
		return 0;
	default:
		return -1;
	}
}

/* SPEC-KEY-8 */
static int
generate_pair(struct p11 *p, struct p11uri *u, enum key_type t, struct err *e)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_MECHANISM m = {0, NULL, 0};
	CK_OBJECT_HANDLE pub, priv;
	const unsigned char *params;
	size_t plen, nl = strlen(u->object);
	CK_RV rv;

	if (gen_params(&m.mechanism, &params, &plen, t) != 0)
		return err_set(e, EXIT_USAGE, "%s: cannot create %s keys",
			       p->src, key_type_name(t));
	if (!u->has_id) {
		if (RAND_bytes(u->id, 16) != 1)
			return err_ossl(e, EXIT_UNDECIDED, "random id");
		u->idlen = 16;
		u->has_id = 1;
	}
	{
		CK_ATTRIBUTE pubt[] = {
		    {CKA_TOKEN, &yes, sizeof(yes)},
		    {CKA_VERIFY, &yes, sizeof(yes)},
		    {CKA_EC_PARAMS, (void *)params, plen},
		    {CKA_ID, u->id, u->idlen},
		    {CKA_LABEL, u->object, nl},
		};
		CK_ATTRIBUTE privt[] = {
		    {CKA_TOKEN, &yes, sizeof(yes)},
		    {CKA_PRIVATE, &yes, sizeof(yes)},
		    {CKA_SENSITIVE, &yes, sizeof(yes)},
		    {CKA_EXTRACTABLE, &no, sizeof(no)},
		    {CKA_SIGN, &yes, sizeof(yes)},
		    {CKA_ID, u->id, u->idlen},
		    {CKA_LABEL, u->object, nl},
		};
		CK_ULONG npub = sizeof(pubt) / sizeof(pubt[0]) - (nl == 0);
		CK_ULONG npriv = sizeof(privt) / sizeof(privt[0]) - (nl == 0);

		rv = p->f->C_GenerateKeyPair(p->s, &m, pubt, npub, privt, npriv,
					     &pub, &priv);
	}
	if (rv == CKR_MECHANISM_INVALID || rv == CKR_DOMAIN_PARAMS_INVALID ||
	    rv == CKR_CURVE_NOT_SUPPORTED)
		return err_set(
		    e, EXIT_REJECTED, "%s: token %s cannot create %s keys (%s)",
		    p->src, p->token, key_type_name(t), p11_rv_name(rv));
	if (rv != CKR_OK)
		return p11_rv_fail(e, EXIT_UNDECIDED, p, "C_GenerateKeyPair",
				   rv);
	p->priv = priv;
	return 0;
}

int
pkcs11_generate(char **pem, size_t *len, const char *uri, enum key_type t,
		const struct key_load_opts *o, struct err *e)
{
	CK_OBJECT_HANDLE h[2];
	struct p11 *p = NULL;
	struct p11uri u;
	CK_ULONG n = 0, m = 0;
	int rc;

	*pem = NULL;
	*len = 0;
	rc = p11_new(&p, &u, uri, e);
	if (rc == 0)
		rc = p11_open_token(p, &u, o, 1, e);
	if (rc == 0)
		rc = p11_find_objects(h, &n, p, &u, CKO_PRIVATE_KEY, e);
	if (rc == 0)
		rc = p11_find_objects(h, &m, p, &u, CKO_PUBLIC_KEY, e);
	if (rc == 0 && n + m > 0)
		rc = err_set(e, EXIT_USAGE,
			     "%s: a key with that label or id already exists "
			     "on token %s",
			     p->src, p->token);
	if (rc == 0)
		rc = generate_pair(p, &u, t, e);
	if (rc == 0)
		rc = p11_public_pem(pem, len, p, &u, p->priv, e);
	memset(&u, 0, sizeof(u));
	p11_free(p);
	return rc;
}

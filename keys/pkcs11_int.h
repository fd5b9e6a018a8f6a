/*
 * What the PKCS#11 units share (pkcs11.c, pkcs11gen.c): the module and
 * session, and the lookups both need. Internal to keys/.
 */
#ifndef MLATTEST_KEYS_PKCS11_INT_H
#define MLATTEST_KEYS_PKCS11_INT_H

#include "keys/pkcs11.h"

#include <dlfcn.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <p11-kit/pkcs11.h>
#include <stdlib.h>
#include <string.h>

#include "keys/keyopt.h"
#include "keys/p11uri.h"

#define MAX_SLOTS 64
#define MAX_ATTR_BYTES 1024 /* EC params, points, SPKI */
#define ED25519_OID_DER "\x06\x03\x2b\x65\x70"

struct p11 {
	void *dl;
	CK_FUNCTION_LIST *f;
	int finalize; /* we initialised the module */
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	int open;
	int logged_in;
	CK_OBJECT_HANDLE priv;
	CK_MECHANISM_TYPE mech;
	enum key_type type;
	char src[128];
	char token[33];
};

const char *p11_rv_name(CK_RV rv);

int p11_rv_fail(struct err *e, int code, const struct p11 *p, const char *call,
		CK_RV rv);

void p11_free(void *ctx);

int p11_open_token(struct p11 *p, const struct p11uri *u,
		   const struct key_load_opts *o, int rw, struct err *e);

/* Objects of class cls matching u's object= and id=; up to 2 found. */
int p11_find_objects(CK_OBJECT_HANDLE *h, CK_ULONG *n, struct p11 *p,
		     const struct p11uri *u, CK_OBJECT_CLASS cls,
		     struct err *e);

/* The public key of the key pair, as SPKI PEM. */
int p11_public_pem(char **pem, size_t *len, struct p11 *p,
		   const struct p11uri *u, CK_OBJECT_HANDLE priv,
		   struct err *e);

int p11_new(struct p11 **out, struct p11uri *u, const char *uri, struct err *e);

#endif

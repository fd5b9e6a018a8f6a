/*
 * What the file key units share (key.c, keysign.c, keygen.c): struct key
 * and wrapping an EVP_PKEY into one. Internal to keys/.
 */
#ifndef MLATTEST_KEYS_KEY_INT_H
#define MLATTEST_KEYS_KEY_INT_H

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
	EVP_MD *vmd;	   /* its digest, fetched once */
	EVP_MD_CTX *edctx; /* Ed25519: one context verifies every message */
};

/* Takes ownership of pkey. */
int key_wrap(struct key **out, EVP_PKEY *pkey, int is_private, const char *src,
	     struct err *e);

/* Refuses to prompt: encrypted keys are reported, never asked for. */
int key_no_passphrase(char *buf, int size, int rwflag, void *u);

int key_read_pem(unsigned char **buf, size_t *len, const char *path,
		 struct err *e);

void key_secret_free(unsigned char *buf, size_t len);

const char *key_md_for(enum key_type t);

#endif

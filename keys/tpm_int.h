/*
 * What the TPM units share (tpm_connect.c, tpm_key.c, tpm_create.c,
 * tpm_seal.c, tpm_quote.c): the connection, the key file (SPEC-TPM-3) and
 * the key backend context. Internal to keys/: include only from tpm_*.c.
 */
#ifndef MLATTEST_KEYS_TPM_INT_H
#define MLATTEST_KEYS_TPM_INT_H

#include "keys/tpm.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>
#include <unistd.h>

#include "keys/tpmquote.h"
#include "lib/b64.h"
#include "lib/fileio.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/jsonio.h"

/* SPEC-TPM-3: key file header. */
#define FILE_MAGIC "MLATTPM"
#define FILE_MAGIC_LEN 8
#define FILE_VERSION 1
#define FILE_KIND_KEY 1
#define FILE_KIND_SEALED 2
#define MAX_SPKI 1024

/* One connection and everything it holds in the TPM. */
struct tpm {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	ESYS_TR primary, obj, session;
	int persistent; /* obj is a persistent handle: close it, never flush */
};

#define TPM_INIT                                                               \
	{                                                                      \
		NULL, NULL, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, 0        \
	}

/* What a key file holds (SPEC-TPM-3). */
struct tpm_file {
	int kind;
	int has_pcrs;
	struct tpmquote_pcrs pcrs;
	TPM2B_PUBLIC pub;
	TPM2B_PRIVATE priv;
	unsigned char spki[MAX_SPKI]; /* sealed: the sealed key's SPKI */
	size_t spkilen;
};

enum tk_kind { TK_HANDLE, TK_BLOB, TK_SEALED };

/* The backend context of a TPM struct key. */
struct tpm_key {
	enum tk_kind kind;
	char tcti[TPM_TCTI_MAX];
	char ref[256];
	uint32_t handle;
	struct tpm_file f;
	struct key *pub; /* the public half, to check what the TPM gives */
};

int tpm_tcti_resolve(const char **out, const char *tcti, struct err *e);

int tpm_fail(struct err *e, TSS2_RC rc, const char *what);

void tpm_close(struct tpm *t);

int tpm_open(struct tpm *t, const char *tcti, struct err *e);

int tpm_primary(struct tpm *t, struct err *e);

/* Loads pub/priv under the primary into t->obj, then frees the primary. */
int tpm_load(struct tpm *t, const TPM2B_PUBLIC *pub, const TPM2B_PRIVATE *priv,
	     const char *what, struct err *e);

/* Opens the persistent key at handle; *pub (may be NULL) new. */
int tpm_persistent(struct tpm *t, uint32_t handle, TPM2B_PUBLIC **pub,
		   const char *what, struct err *e);

void tpm_to_selection(TPML_PCR_SELECTION *sel, uint16_t alg, uint32_t mask);

/* The mask of sel's one bank alg; -1 when sel is not exactly that. */
int tpm_from_selection(uint32_t *mask, const TPML_PCR_SELECTION *sel,
		       uint16_t alg);

/* Starts a session of type and runs PolicyPCR over the current values. */
int tpm_policy(struct tpm *t, TPM2_SE type, const struct tpmquote_pcrs *s,
	       struct err *e);

/* The PolicyPCR digest of the current values (trial session). */
int tpm_policy_digest(TPM2B_DIGEST *out, struct tpm *t,
		      const struct tpmquote_pcrs *s, struct err *e);

int tpm_pkey_pem(char **pem, size_t *len, EVP_PKEY *pkey, struct err *e);

/* SPKI PEM of an ECC P-256 signing key's public area (x, y padded). */
int tpm_public_pem(char **pem, size_t *len, const TPMT_PUBLIC *p,
		   const char *what, struct err *e);

/* TPMS_SIGNATURE_ECDSA r, s -> DER (*out malloc'd). */
int tpm_signature_der(unsigned char **out, size_t *len,
		      const TPMT_SIGNATURE *sig, struct err *e);

/* SPEC-TPM-3 */
int tpm_file_write(const char *path, const struct tpm_file *f, struct err *e);

int tpm_file_load(struct tpm_file *f, const char *path, struct err *e);

/* The TPM context of key; NULL when key is not a TPM key. */
const struct tpm_key *tpm_key_ctx(const struct key *key);

/* Opens the TPM and loads k into t; *auth is what authorises its use. */
int tpm_key_open(struct tpm *t, ESYS_TR *auth, const struct tpm_key *k,
		 struct err *e);

/* Creates tmpl (with sens) under a fresh primary: *pub, *priv new. */
int tpm_create_object(TPM2B_PUBLIC **pub, TPM2B_PRIVATE **priv, struct tpm *t,
		      const TPM2B_SENSITIVE_CREATE *sens,
		      const TPM2B_PUBLIC *tmpl, struct err *e);

int tpm_pcrs_opt(struct tpm_file *f, const char *pcrs, struct err *e);

#endif

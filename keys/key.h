/*
 * One signer/verifier interface over every key backend. The file backend
 * runs on OpenSSL EVP: ECDSA P-256 (default), P-384, P-521, Ed25519 and
 * RSA. Private material lives only inside struct key and is cleansed when
 * the key is freed.
 */
#ifndef MLATTEST_KEYS_KEY_H
#define MLATTEST_KEYS_KEY_H

#include <stddef.h>

#include "lib/err.h"

enum key_type {
	KEY_ECDSA_P256,
	KEY_ECDSA_P384,
	KEY_ECDSA_P521,
	KEY_ED25519,
	KEY_RSA,
};

#define KEY_ID_LEN 64

struct key;

/* Parses "ecdsa-p256", "ecdsa-p384", "ed25519"; -1 when unknown. */
int key_type_parse(enum key_type *out, const char *name);
const char *key_type_name(enum key_type t);

/* Generates a new private key of type t (RSA is 3072 bits). */
int key_generate(struct key **out, enum key_type t, struct err *e);

/*
 * Loads a private key from a KEYREF: a PEM file (PKCS#8, SEC1 or PKCS#1;
 * encrypted keys need key_load_private_opts), or a "tpm:" KEYREF as
 * key_load_private_tcti with tcti NULL. A missing file is EXIT_UNDECIDED; a
 * file that holds no usable key is EXIT_REJECTED.
 */
int key_load_private(struct key **out, const char *ref, struct err *e);

/*
 * Like key_load_private; a "tpm:" KEYREF (tpm:handle=, tpm:blob=,
 * tpm:sealed=; spec/tpm.md) reaches the TPM through tcti, or when tcti is
 * NULL through $MLATTEST_TCTI; neither is EXIT_USAGE. Builds without
 * MLATTEST_WITH_TPM refuse "tpm:" KEYREFs with EXIT_USAGE.
 */
int key_load_private_tcti(struct key **out, const char *ref, const char *tcti,
			  struct err *e);

/*
 * Everything besides the KEYREF that loading a private key may need. All
 * borrowed; the programs fill them from options and the environment (the
 * library reads neither argv nor the environment).
 */
struct key_load_opts {
	const char *tcti;	     /* "tpm:" KEYREFs; NULL: refused */
	const char *pkcs11_module;   /* "pkcs11:" without module-path */
	const char *pkcs11_pin;	     /* when the URI has no pin-source */
	const char *passphrase_file; /* encrypted PEM files (0600) */
};

#define KEY_LOAD_OPTS_INIT                                                     \
	{                                                                      \
		NULL, NULL, NULL, NULL                                         \
	}

/*
 * Loads a private key from any KEYREF (spec/keys.md): a PEM file, which
 * when encrypted needs o->passphrase_file (none: EXIT_USAGE saying so; a
 * wrong passphrase: EXIT_USAGE), a "tpm:" KEYREF through o->tcti, or a
 * "pkcs11:" RFC 7512 URI (keys/pkcs11.h). o NULL is KEY_LOAD_OPTS_INIT.
 */
int key_load_private_opts(struct key **out, const char *ref,
			  const struct key_load_opts *o, struct err *e);

/*
 * Writes k as PKCS#8 PEM encrypted with AES-256-CBC under a scrypt key
 * from pass (plen bytes), 0600 with O_EXCL|O_NOFOLLOW semantics.
 */
int key_write_private_encrypted(const struct key *k, const char *path,
				const char *pass, size_t plen, struct err *e);

/*
 * Loads a private key from DER in memory (PKCS#8 or the traditional form
 * of its type). src names it in messages. The caller cleanses der.
 */
int key_load_private_der(struct key **out, const unsigned char *der, size_t len,
			 const char *src, struct err *e);

/*
 * A backend keeps the private key outside this process's EVP keys (the
 * TPM: keys/tpm_key.c, PKCS#11: keys/pkcs11.c). sign has key_sign's contract;
 * free releases ctx.
 */
struct key_backend {
	int (*sign)(unsigned char **sig, size_t *siglen, void *ctx,
		    const unsigned char *msg, size_t len, struct err *e);
	void (*free)(void *ctx);
};

/*
 * A private key that signs through backend b with ctx; pem is its SPKI
 * PEM. The key takes ctx, also on failure (then b->free(ctx) is called).
 */
int key_new_backend(struct key **out, const char *pem, size_t len,
		    const struct key_backend *b, void *ctx, const char *src,
		    struct err *e);

/* The ctx of k when k signs through backend b, else NULL (borrowed). */
void *key_backend_ctx(const struct key *k, const struct key_backend *b);

/*
 * Loads a public key: an SPKI PEM file (text before the PEM block is
 * skipped), or the public half of a private key file.
 */
int key_load_public(struct key **out, const char *path, struct err *e);

/* Loads an SPKI public key from PEM text in memory. */
int key_load_public_pem(struct key **out, const char *pem, size_t len,
			const char *src, struct err *e);

void key_free(struct key *k);

enum key_type key_get_type(const struct key *k);
int key_is_private(const struct key *k);

/*
 * The key's identity (SPEC-ENV-8): lowercase hex SHA-256 of its canonical
 * DER SubjectPublicKeyInfo (EC: named curve, uncompressed point; RSA and
 * RSA-PSS: rsaEncryption). Two encodings of one public key have one id.
 * As a DSSE keyid it is a hint only.
 */
const char *key_id(const struct key *k);

/* Where the key came from, for messages. */
const char *key_source(const struct key *k);

/* The public key as SPKI PEM (*out new, freed with free()). */
int key_public_pem(char **out, size_t *len, const struct key *k, struct err *e);

/*
 * Writes the private key as PKCS#8 PEM to path: created 0600 with
 * O_EXCL|O_NOFOLLOW semantics (an existing file is never replaced).
 */
int key_write_private(const struct key *k, const char *path, struct err *e);

/*
 * Signs msg. ECDSA: DER signature over SHA-256 (P-256), SHA-384 (P-384)
 * or SHA-512 (P-521) of msg; Ed25519: pure Ed25519 over msg; RSA:
 * PKCS#1 v1.5 with SHA-256. *sig is new, freed with free().
 */
int key_sign(unsigned char **sig, size_t *siglen, const struct key *k,
	     const unsigned char *msg, size_t len, struct err *e);

/*
 * Verifies sig over msg with the hash matched to the key as key_sign does.
 * ECDSA also accepts raw r||s; RSA accepts PKCS#1 v1.5 and PSS (salt
 * auto), both with SHA-256. Returns 0 when valid, else -EXIT_REJECTED.
 */
int key_verify(const struct key *k, const unsigned char *msg, size_t len,
	       const unsigned char *sig, size_t siglen);

#endif

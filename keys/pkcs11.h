/*
 * PKCS#11 keys (spec/keys.md): a "pkcs11:" RFC 7512 URI names a token and
 * a key on it; the module is loaded at run time and signs through the
 * PKCS#11 C API, so no private key byte leaves the token.
 */
#ifndef MLATTEST_KEYS_PKCS11_H
#define MLATTEST_KEYS_PKCS11_H

#include <stddef.h>

#include "keys/key.h"
#include "lib/err.h"

/*
 * Loads the private key that uri names; it signs on the token (ECDSA
 * P-256/P-384/P-521 with CKM_ECDSA over the digest, Ed25519 with
 * CKM_EDDSA). The module comes from module-path or o->pkcs11_module, the
 * PIN from pin-source=file: or o->pkcs11_pin, tried once. EXIT_USAGE: a
 * malformed URI, no module, no PIN where one is needed, a wrong PIN, an
 * ambiguous match; EXIT_UNDECIDED: module not loadable, no such token or
 * object, token errors; EXIT_REJECTED: a key type or mechanism we or the
 * token do not support.
 */
int pkcs11_key_load(struct key **out, const char *uri,
		    const struct key_load_opts *o, struct err *e);

/*
 * Creates a key pair of type t on the token uri names (object= is its
 * label, id= its CKA_ID, else 16 random bytes), private key sensitive and
 * not extractable. An existing key with that label or id is refused
 * (EXIT_USAGE). *pem is the new SPKI PEM, freed with free().
 */
int pkcs11_generate(char **pem, size_t *len, const char *uri, enum key_type t,
		    const struct key_load_opts *o, struct err *e);

#endif

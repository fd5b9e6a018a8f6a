/*
 * Signing a DSSE envelope with a key: the signature covers the PAE
 * (SPEC-PAE-2). Verifying one is keys/keyset.h.
 */
#ifndef MLATTEST_KEYS_ENVELOPE_H
#define MLATTEST_KEYS_ENVELOPE_H

#include <stddef.h>

#include "keys/key.h"
#include "lib/dsse.h"
#include "lib/err.h"

/*
 * A new envelope over (type, body) signed by k, with keyid = key_id(k).
 */
int envelope_sign(struct dsse_envelope **out, const char *type,
		  const unsigned char *body, size_t len, const struct key *k,
		  struct err *e);

#endif

/*
 * Trust sets and envelope verification: where DSSE meets the keys it
 * trusts (signing an envelope is keys/envelope.h). A signature counts only when
 * it verifies over the PAE under a key of the set; DSSE keyids only order the
 * attempts (SPEC-ENV-5).
 */
#ifndef MLATTEST_KEYS_KEYSET_H
#define MLATTEST_KEYS_KEYSET_H

#include <stddef.h>

#include "keys/key.h"
#include "lib/dsse.h"
#include "lib/err.h"

#define MAX_TRUSTED_KEYS 1024

struct keyset;

int keyset_new(struct keyset **out, struct err *e);
/* Adds k (the set takes ownership, also on failure). */
int keyset_add(struct keyset *ks, struct key *k, struct err *e);
/* Loads a public key file and adds it. */
int keyset_add_file(struct keyset *ks, const char *path, struct err *e);
size_t keyset_count(const struct keyset *ks);
const struct key *keyset_get(const struct keyset *ks, size_t i);
void keyset_free(struct keyset *ks);

/*
 * Verifies env: some signature must verify over PAE(payloadType, payload)
 * under some key of ks, checked in keyset_tally's order and budget. On success
 * *signer (when not NULL) is that key (borrowed from ks). A mismatch is
 * EXIT_REJECTED naming src.
 */
int keyset_verify_envelope(const struct key **signer, const struct keyset *ks,
			   const struct dsse_envelope *env, const char *src,
			   struct err *e);

/*
 * SPEC-POL-9: key_verify calls one envelope may cost, whatever it holds
 * (or the number of keys of the set, when larger): past this many its
 * remaining signatures count for nothing.
 */
#define KEYSET_MAX_VERIFY_OPS 128

/*
 * Counts the distinct keys of ks that signed env validly (for k-of-n; one
 * public key listed twice, under any encoding, counts once: SPEC-ENV-8);
 * signed_by[i] (when not NULL, with room for every key) is set to 1 for
 * each key i that did. Every signature is checked first under the keys
 * its keyid names, then under the others (SPEC-ENV-5); a signature that
 * verifies is not tried under other keys, a key that verified is not
 * tried again, a signature repeated byte for byte is checked once, and at
 * most KEYSET_MAX_VERIFY_OPS checks (or one per key) are made. *ops (when not
 * NULL) is the number of checks made.
 */
size_t keyset_tally(const struct keyset *ks, const struct dsse_envelope *env,
		    int *signed_by, size_t *ops);

/* keyset_tally without the operation count. */
size_t keyset_count_signers(const struct keyset *ks,
			    const struct dsse_envelope *env, int *signed_by);

#endif

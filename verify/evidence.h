/*
 * Evidence: every attestation of the given bundles, checked against a set
 * of named trusted keys. An item's statement is parsed only after one of
 * its signatures verified over the PAE under a trusted key, and it
 * remembers which keys those were; callers decide which keys count for
 * which role. Items that verify under no key are kept only as counts.
 */
#ifndef MLATTEST_VERIFY_EVIDENCE_H
#define MLATTEST_VERIFY_EVIDENCE_H

#include <jansson.h>
#include <stddef.h>

#include "keys/keyset.h"
#include "lib/err.h"
#include "lib/statement.h"

#define EVIDENCE_MAX_KEYS 64

struct evidence_item {
	char src[256];	      /* "file:line" */
	char sha256[65];      /* hex digest of the entry's bytes */
	struct statement *st; /* parsed after verification */
	unsigned char signed_by[EVIDENCE_MAX_KEYS]; /* 1 per key that signed */
	const char *type;   /* predicateType (borrowed) */
	const json_t *pred; /* predicate (borrowed, may be NULL) */
};

struct evidence_slot {
	const char *key; /* "alg:value" of one subject digest (owned) */
	size_t item;
};

struct evidence {
	struct evidence_item *items;
	size_t n, cap;
	struct evidence_slot *index; /* open addressing, nindex slots */
	size_t nindex;
	size_t total;	   /* entries read, good or bad */
	size_t unverified; /* entries no trusted key signed */
	size_t malformed;  /* entries that did not parse */
};

/*
 * Reads each bundle and keeps the items that verify under at least one key
 * of ks (at most EVIDENCE_MAX_KEYS keys) and hold an in-toto Statement.
 * Fails only when a bundle cannot be read (EXIT_UNDECIDED, or
 * EXIT_REJECTED for an unusable file). Cost: one signature check per
 * signature when the keyid hint names the key, else one per key.
 */
int evidence_load(struct evidence *ev, const char *const *bundles, size_t n,
		  const struct keyset *ks, struct err *e);

/*
 * Adds the entries of an already-read bundle (e.g. fetched from a
 * registry) under the same rules. Call before evidence_finish.
 */
struct bundle;
int evidence_add_bundle(struct evidence *ev, const struct bundle *b,
			const struct keyset *ks, struct err *e);

/* Builds the subject index; evidence_load calls it itself. */
int evidence_finish(struct evidence *ev, struct err *e);

void evidence_free(struct evidence *ev);

/*
 * The items with a subject matching digests (a DigestSet), each once, in
 * bundle order: *out is a new array of item indices (free()), the return
 * value its length. Uses a hash index of subject digests built by
 * evidence_load, so a lookup costs O(matches), not O(items) (SPEC-POL-6).
 * Returns 0 with *out NULL when nothing matches or memory runs out.
 */
size_t evidence_about_list(const struct evidence *ev, const json_t *digests,
			   size_t **out);

/* 1 when item it names digests (a DigestSet) among its subjects. */
int evidence_about(const struct evidence_item *it, const json_t *digests);

/* 1 when one of the keys with index in roles[0..nroles) signed it. */
int evidence_signed_by_any(const struct evidence_item *it, const int *roles,
			   size_t nroles);

#endif

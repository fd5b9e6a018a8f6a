/*
 * Evidence: the one loader of attestations for every verify command.
 * Bundles and registries (--from) are read into entries; each entry is
 * checked by one sequence (SPEC-VER-1: decoded, signature over the PAE
 * under a trusted key, payloadType, then the statement parsed from the
 * verified bytes) and ends in one state: verified (and by whom), rejected
 * (and why), or not counted (no trusted key signed it, and why).
 * Verified entries become items with their parsed statement; callers
 * decide which keys count for which role.
 */
#ifndef MLATTEST_VERIFY_EVIDENCE_H
#define MLATTEST_VERIFY_EVIDENCE_H

#include <jansson.h>
#include <stddef.h>

#include "keys/keyset.h"
#include "lib/err.h"
#include "lib/statement.h"

#define EVIDENCE_MAX_KEYS 64

/* What one entry came to. */
enum evidence_state {
	EVIDENCE_VERIFIED,    /* signed by a trusted key; statement parsed */
	EVIDENCE_UNCHECKED,   /* no keys given: parsed, signature unchecked */
	EVIDENCE_REJECTED,    /* malformed: see why and err */
	EVIDENCE_NOT_COUNTED, /* well formed, but no trusted key signed it */
};

/* Why an entry is rejected or not counted (EVIDENCE_WHY_NONE when not). */
enum evidence_why {
	EVIDENCE_WHY_NONE,
	EVIDENCE_WHY_DECODE,	   /* not a DSSE envelope or bundle entry */
	EVIDENCE_WHY_NO_KEY,	   /* no signature verifies under a key */
	EVIDENCE_WHY_PAYLOAD_TYPE, /* payloadType is not in-toto's */
	EVIDENCE_WHY_STATEMENT,	   /* not an in-toto Statement v1 */
};

/*
 * Who vouched for a verified entry. Today a key of the trusted set; a
 * keyless identity (certificate subject and issuer) or a transparency
 * log inclusion is a further kind with its own fields, so callers switch
 * on by and never assume a key.
 */
enum evidence_by { EVIDENCE_BY_NONE, EVIDENCE_BY_KEY, EVIDENCE_BY_IDENTITY };

struct evidence_signer {
	enum evidence_by by;
	int key; /* EVIDENCE_BY_KEY: index into the keyset; BY_IDENTITY: the
		    first identity slot that signed (keyless_idset) */
	const struct key *k; /* that key (borrowed from the keyset) */
};

/* How many signatures to check per entry. */
enum evidence_mode {
	EVIDENCE_ALL_SIGNERS,  /* mark every key that signed (k-of-n) */
	EVIDENCE_FIRST_SIGNER, /* stop at the first key that verifies */
};

/* The result of checking one entry (evidence_check_entry). */
struct evidence_check {
	enum evidence_state state;
	enum evidence_why why;
	struct err err; /* the one-line reason, "src: ...", and its class */
	struct evidence_signer signer; /* first signer when verified */
	unsigned char signed_by[EVIDENCE_MAX_KEYS]; /* ALL_SIGNERS mode */
};

/* Every entry read, in order, with its state. */
struct evidence_entry {
	char *src;	 /* "file:line" (owned) */
	char sha256[65]; /* hex digest of the entry's bytes */
	enum evidence_state state;
	enum evidence_why why;
	char *reason; /* owned; "" when verified */
	struct evidence_signer signer;
	size_t item; /* index into items when verified */
};

struct evidence_item {
	char src[256];	      /* "file:line" */
	char sha256[65];      /* hex digest of the entry's bytes */
	struct statement *st; /* parsed after verification */
	unsigned char signed_by[EVIDENCE_MAX_KEYS]; /* 1 per key that signed */
	const char *type;   /* predicateType (borrowed) */
	const json_t *pred; /* predicate (borrowed, may be NULL) */
	char *identity; /* keyless: "SAN issuer" of the certificate, owned */
};

struct evidence_slot {
	const char *key; /* "alg:value" of one subject digest (owned) */
	size_t item;
};

struct keyless_idset;
struct evidence {
	const struct keyless_idset *ids; /* identities (policy keys) */
	struct evidence_item *items;	 /* the verified entries */
	size_t n, cap;
	struct evidence_entry *entries; /* every entry read */
	size_t nentries, capentries;
	struct evidence_slot *index; /* open addressing, nindex slots */
	size_t nindex;
	size_t total;	   /* entries read, good or bad */
	size_t unverified; /* entries no trusted key signed */
	size_t malformed;  /* entries that did not parse */
};

/*
 * SPEC-VER-1, the one "verify one entry" sequence: decode error, then the
 * signatures under ks (NULL: not checked, state EVIDENCE_UNCHECKED), then
 * payloadType, then the statement parsed from the verified bytes into
 * *st (NULL unless verified or unchecked; the caller frees it). Any
 * number of keys; signed_by marks the first EVIDENCE_MAX_KEYS. Fills out
 * and returns 0; never fails.
 */
struct bundle_entry;
int evidence_check_entry(struct evidence_check *out, struct statement **st,
			 const struct bundle_entry *ent,
			 const struct keyset *ks, enum evidence_mode mode);

struct bundle;

/* Where evidence comes from: bundle files, then registry references. */
struct evidence_sources {
	const char *const *bundles;
	size_t nbundles;
	const char *const *froms; /* REGISTRY/REPO@sha256:HEX */
	size_t nfroms;
	int insecure;	  /* plain http, loopback registries only */
	const char *auth; /* registry credentials (OCI_AUTH_ENV), or NULL */
	/* Called for each entry that became an item, with the entry it
	 * came from (freed after the call: sources are read one entry at
	 * a time) and the item, ev->items[item]; NULL: none. A failure
	 * stops the load. */
	int (*each)(void *arg, const struct bundle_entry *ent,
		    const struct evidence *ev, size_t item, struct err *e);
	void *each_arg;
	/* Keyless identities whose slots follow the keyset's keys; NULL:
	 * keyless bundles are checked by keys only (SPEC-POL-18). */
	const struct keyless_idset *ids;
};

/*
 * Reads every source in order and checks each entry under ks (all
 * signers); one subject index over all of them. Fails when a source
 * cannot be read or fetched, or --insecure names a remote registry.
 */
int evidence_load_sources(struct evidence *ev,
			  const struct evidence_sources *src,
			  const struct keyset *ks, struct err *e);

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

/*
 * Fetches the attestations of a registry reference (parsed first, so a
 * bad reference is a usage error before any request) into *out.
 */
int evidence_fetch(struct bundle **out, const char *ref, int insecure,
		   const char *auth, struct err *e);

/* Builds the subject index; evidence_load calls it itself. */
int evidence_finish(struct evidence *ev, struct err *e);

/* Releases what ev holds (not ev, which is the caller's) and zeroes it. */
void evidence_clear(struct evidence *ev);

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

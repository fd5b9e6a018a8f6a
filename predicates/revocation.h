/*
 * Predicate revocation/v1 (spec/predicates/revocation.md): a data
 * steward's signed list of revoked digests (datasets, their files, models,
 * code commits, attestation lines) and revoked keys, with a serial that
 * grows by one with every list that replaces the last, and the time by
 * which the next list is due.
 */
#ifndef MLATTEST_PREDICATES_REVOCATION_H
#define MLATTEST_PREDICATES_REVOCATION_H

#include <jansson.h>
#include <time.h>

#include "lib/err.h"

/* Ceilings on one list (SPEC-REV-2). */
#define REVOCATION_MAX_ENTRIES 100000
#define REVOCATION_MAX_KEYS 1024
#define REVOCATION_MAX_REASON 1024
#define REVOCATION_MAX_NAME 4096
#define REVOCATION_MAX_SERIAL 9007199254740991LL /* 2^53 - 1 */

/* The subject name of every list; its digest is the issuer's key id. */
#define REVOCATION_SUBJECT "revocations"

struct revocation_info {
	long long serial;
	time_t issued_on, next_update;
	size_t nentries, nkeys;
};

/*
 * Validates a revocation/v1 predicate read from a verified statement
 * (SPEC-REV-1, SPEC-REV-2): every object closed (strict unpack), the
 * ceilings above, RFC 3339 times, nextUpdate after issuedOn, a serial from
 * 1 to 2^53 - 1, digests with an acceptable algorithm, no digest or key
 * listed twice. Fills info when not NULL. EXIT_REJECTED naming src.
 */
int pred_revocation_check(const json_t *pred, const char *src,
			  struct revocation_info *info, struct err *e);

/*
 * A new empty predicate for the issuer keyid with serial, issuedOn and
 * nextUpdate; entries are added with the functions below. *out is the
 * caller's. EXIT_UNDECIDED when out of memory.
 */
int pred_revocation_new(json_t **out, const char *keyid, long long serial,
			time_t issued_on, time_t next_update, struct err *e);

/*
 * Adds a revoked digest (a DigestSet, copied) with its reason and name
 * (NULL: none). A digest already listed is kept as it was (returns 0).
 * EXIT_USAGE when the list is full or the reason too long.
 */
int pred_revocation_add(json_t *pred, const json_t *digest, const char *name,
			const char *reason, time_t now, struct err *e);

/* Adds a revoked key by id, from since. A key already listed is kept. */
int pred_revocation_add_key(json_t *pred, const char *keyid, time_t since,
			    const char *reason, time_t now, struct err *e);

/*
 * Removes every entry whose digest has value hex (any algorithm) and
 * every key with that id. Returns how many were removed.
 */
size_t pred_revocation_remove(json_t *pred, const char *hex);

/*
 * The entry of pred (already checked) whose digest shares a value with
 * digests (a DigestSet), or NULL. Borrowed.
 */
const json_t *pred_revocation_find(const json_t *pred, const json_t *digests);

/* The key entry for keyid, or NULL. Borrowed. */
const json_t *pred_revocation_find_key(const json_t *pred, const char *keyid);

#endif

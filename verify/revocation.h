/*
 * Revocation for verify policy (spec/policy.md §5.8): which revocation
 * lists count (the highest serial of each revocation signer), whether they
 * are fresh, and lookups of digests and keys in them. Independent of the
 * rule machinery: callers turn the answers into rule outcomes.
 */
#ifndef MLATTEST_VERIFY_REVOCATION_H
#define MLATTEST_VERIFY_REVOCATION_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "lib/err.h"
#include "verify/evidence.h"
#include "verify/policy.h"

struct revocations;

/*
 * SPEC-POL-14: collects the lists of ev that verify under a key of
 * p->revocation_signers and that pred_revocation_check accepts; of each
 * signer's lists the highest serial counts. *out is the caller's
 * (revocations_free); EXIT_UNDECIDED when out of memory.
 */
int revocations_collect(struct revocations **out, const struct policy *p,
			const struct evidence *ev, struct err *e);
void revocations_free(struct revocations *r);

/* The evidence indices of the counted lists. */
size_t revocations_count(const struct revocations *r);
size_t revocations_item(const struct revocations *r, size_t i);

/*
 * SPEC-POL-14: 1 when at least one list counts and every counted list is
 * fresh at now (issued no later than now plus the clock skew, younger
 * than max_age when that is not 0, before its nextUpdate); else 0 with
 * why.
 */
int revocations_fresh(const struct revocations *r, const struct policy *p,
		      const struct evidence *ev, time_t now, char *why,
		      size_t cap);

/*
 * For a revocation list of ev by a revocation signer that does not count:
 * why (replaced by a higher serial, or refused by the predicate check).
 * NULL when item is not such a list or counts.
 */
const char *revocations_why_not(const struct revocations *r,
				const struct evidence *ev, size_t item,
				char *buf, size_t cap);

/*
 * SPEC-POL-15: 1 when a counted list revokes a value of digests (a
 * DigestSet: one shared algorithm value is enough); why names the list,
 * its serial and the entry's reason, escaped.
 */
int revocations_find(const struct revocations *r, const struct evidence *ev,
		     const json_t *digests, char *why, size_t cap);

/*
 * SPEC-POL-15: lineage.not-revoked over one model: its digests, every
 * training dependency (datasets, base model, code commit, and the
 * attestation lines a dataset dependency names), every file of the
 * manifests of the dataset attestations (by a dataset signer) about a
 * training or evaluation dataset, the datasets of the evaluations used,
 * and every attestation used (its line digest). deps is the array of the
 * model's training dependencies, used the per-item flags of the rules
 * (NULL: none). 1 with why naming the first revoked item, else 0.
 */
int revocations_check_lineage(const struct revocations *r,
			      const struct policy *p, const struct evidence *ev,
			      const json_t *artifact, const char *artifact_name,
			      const json_t *deps, const unsigned char *used,
			      char *why, size_t cap);

/*
 * SPEC-POL-16: records in stamps (an object: item source -> the earliest
 * genTime, RFC 3339) the RFC 3161 timestamps that verify against t over
 * the one signature of ent, the entry the item came from. A timestamp
 * that does not verify proves nothing and is skipped. EXIT_UNDECIDED when
 * out of memory.
 */
struct bundle_entry;
struct tsa_trust;
int revocations_stamp(json_t *stamps, const struct tsa_trust *t,
		      const struct bundle_entry *ent,
		      const struct evidence_item *it, struct err *e);

/*
 * SPEC-POL-16: every policy key that a counted list revokes stops counting:
 * its mark is cleared from every item of ev, unless stamps (may be NULL)
 * proves the item was signed before the key's since. The first reason an
 * item lost a signer goes to why[item] when that is empty. Returns how
 * many marks were cleared.
 */
size_t revocations_drop_keys(const struct revocations *r,
			     const struct policy *p, struct evidence *ev,
			     const json_t *stamps, char (*why)[200]);

#endif

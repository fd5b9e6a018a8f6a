/* Loading and checking every attestation of a set of bundles. */
#include "verify/evidence.h"

#include <stdlib.h>
#include <string.h>

#include "lib/bundle.h"
#include "lib/hash.h"
#include "lib/hex.h"

/*
 * SPEC-POL-2: marks every key of ks that verifies some signature of env.
 * A signature is checked first under the keys its keyid names; when one
 * of them verifies, no other key can (keys with equal ids are one key).
 */
static int
mark_signers(unsigned char *signed_by, const struct keyset *ks,
	     const struct dsse_envelope *env)
{
	size_t n = keyset_count(ks), i;
	int signers[EVIDENCE_MAX_KEYS], any = 0;

	if (n > EVIDENCE_MAX_KEYS)
		n = EVIDENCE_MAX_KEYS;
	keyset_count_signers(ks, env, signers);
	for (i = 0; i < n; i++) {
		signed_by[i] = (unsigned char)signers[i];
		any |= signers[i];
	}
	return any;
}

static int
add_item(struct evidence *ev, const struct bundle_entry *ent,
	 const struct keyset *ks, struct err *e)
{
	struct evidence_item it, *grown;
	const unsigned char *body;
	unsigned char d[SHA256_LEN];
	size_t len;

	memset(&it, 0, sizeof(it));
	if (!mark_signers(it.signed_by, ks, ent->env)) {
		ev->unverified++;
		return 0;
	}
	/* SPEC-VER-1: payloadType, then parse the verified bytes. */
	body = dsse_payload(ent->env, &len);
	if (strcmp(dsse_payload_type(ent->env), DSSE_INTOTO_TYPE) != 0 ||
	    statement_parse(&it.st, body, len, ent->src, NULL) != 0) {
		ev->malformed++;
		return 0;
	}
	snprintf(it.src, sizeof(it.src), "%s", ent->src);
	hash_sha256(d, ent->raw, ent->rawlen, NULL);
	hex_encode(it.sha256, d, SHA256_LEN);
	it.type = statement_predicate_type(it.st);
	it.pred = statement_predicate(it.st);
	if (ev->n == ev->cap) {
		size_t cap = ev->cap ? 2 * ev->cap : 64;
		grown = realloc(ev->items, cap * sizeof(*grown));
		if (grown == NULL) {
			statement_free(it.st);
			return err_set(e, EXIT_UNDECIDED, "out of memory");
		}
		ev->items = grown;
		ev->cap = cap;
	}
	ev->items[ev->n++] = it;
	return 0;
}

int
evidence_load(struct evidence *ev, const char *const *bundles, size_t n,
	      const struct keyset *ks, struct err *e)
{
	size_t i, j;
	int rc = 0;

	memset(ev, 0, sizeof(*ev));
	if (keyset_count(ks) > EVIDENCE_MAX_KEYS)
		return err_set(e, EXIT_USAGE, "more than %d keys",
			       EVIDENCE_MAX_KEYS);
	for (i = 0; rc == 0 && i < n; i++) {
		struct bundle *b = NULL;
		rc = bundle_read(&b, bundles[i], e);
		for (j = 0; rc == 0 && j < bundle_count(b); j++) {
			const struct bundle_entry *ent = bundle_get(b, j);
			ev->total++;
			if (ent->env == NULL)
				ev->malformed++;
			else
				rc = add_item(ev, ent, ks, e);
		}
		bundle_free(b);
	}
	if (rc != 0)
		evidence_free(ev);
	return rc;
}

void
evidence_free(struct evidence *ev)
{
	size_t i;

	for (i = 0; i < ev->n; i++)
		statement_free(ev->items[i].st);
	free(ev->items);
	memset(ev, 0, sizeof(*ev));
}

int
evidence_about(const struct evidence_item *it, const json_t *digests)
{
	return statement_has_subject(it->st, digests);
}

int
evidence_signed_by_any(const struct evidence_item *it, const int *roles,
		       size_t nroles)
{
	size_t i;

	for (i = 0; i < nroles; i++)
		if (roles[i] >= 0 && roles[i] < EVIDENCE_MAX_KEYS &&
		    it->signed_by[roles[i]])
			return 1;
	return 0;
}

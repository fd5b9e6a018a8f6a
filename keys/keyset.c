/* Trust sets and DSSE verification over keys (see keyset.h). */
#include "keys/keyset.h"

#include <stdlib.h>
#include <string.h>

struct keyset {
	struct key *keys[MAX_TRUSTED_KEYS];
	size_t first[MAX_TRUSTED_KEYS]; /* the first key with the same id */
	size_t n;
};

int
keyset_new(struct keyset **out, struct err *e)
{
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	return 0;
}

int
keyset_add(struct keyset *ks, struct key *k, struct err *e)
{
	size_t j;

	if (ks->n == MAX_TRUSTED_KEYS) {
		key_free(k);
		return err_set(e, EXIT_USAGE, "more than %d trusted keys",
			       MAX_TRUSTED_KEYS);
	}
	/* SPEC-ENV-8: keys with one canonical id are one key. */
	ks->first[ks->n] = ks->n;
	for (j = 0; j < ks->n; j++)
		if (strcmp(key_id(ks->keys[j]), key_id(k)) == 0) {
			ks->first[ks->n] = ks->first[j];
			break;
		}
	ks->keys[ks->n++] = k;
	return 0;
}

int
keyset_add_file(struct keyset *ks, const char *path, struct err *e)
{
	struct key *k = NULL;
	int rc = key_load_public(&k, path, e);

	if (rc != 0)
		return rc;
	return keyset_add(ks, k, e);
}

size_t
keyset_count(const struct keyset *ks)
{
	return ks->n;
}

const struct key *
keyset_get(const struct keyset *ks, size_t i)
{
	return ks->keys[i];
}

void
keyset_free(struct keyset *ks)
{
	size_t i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->n; i++)
		key_free(ks->keys[i]);
	free(ks);
}

/* One envelope's signature checks under a verify budget (SPEC-POL-9). */
struct tally {
	const struct keyset *ks;
	const struct dsse_envelope *env;
	unsigned char *pae;
	size_t paelen;
	int *marks; /* per key: it verified some signature */
	size_t ops; /* key_verify calls made */
};

/* Checks signature i against key j, within the budget. */
static int
sig_ok(struct tally *t, size_t j, size_t i)
{
	size_t siglen;
	const unsigned char *sig = dsse_sig(t->env, i, &siglen);

	/* At least one check per key, so a lone signature meets them all. */
	if (t->ops >= KEYSET_MAX_VERIFY_OPS && t->ops >= t->ks->n)
		return 0;
	t->ops++;
	return key_verify(t->ks->keys[j], t->pae, t->paelen, sig, siglen) == 0;
}

/* Signature i repeats an earlier one byte for byte. */
static int
sig_repeated(const struct dsse_envelope *env, size_t i)
{
	size_t j, len, olen;
	const unsigned char *sig = dsse_sig(env, i, &len), *other;

	for (j = 0; j < i; j++) {
		other = dsse_sig(env, j, &olen);
		if (olen == len && memcmp(other, sig, len) == 0)
			return 1;
	}
	return 0;
}

/* Marks key j and every key with the same id (one key listed twice). */
static void
mark_same(struct tally *t, size_t j)
{
	size_t k;

	for (k = 0; k < t->ks->n; k++)
		if (t->ks->first[k] == t->ks->first[j])
			t->marks[k] = 1;
}

/*
 * Tries signature i under the unmarked keys, one per id: those its keyid
 * names (pass 0) or the others (pass 1). The key that verified, or -1.
 */
static long
try_sig(struct tally *t, size_t i, int pass)
{
	size_t j;

	for (j = 0; j < t->ks->n; j++) {
		int hinted =
		    strcmp(dsse_keyid(t->env, i), key_id(t->ks->keys[j])) == 0;
		if (t->marks[j] || t->ks->first[j] != j ||
		    hinted != (pass == 0))
			continue;
		if (sig_ok(t, j, i)) {
			/* A signature verifies under one key only. */
			mark_same(t, j);
			return (long)j;
		}
	}
	return -1;
}

static int
make_pae(unsigned char **pae, size_t *len, const struct dsse_envelope *env,
	 struct err *e)
{
	size_t bodylen;
	const unsigned char *body = dsse_payload(env, &bodylen);

	return dsse_pae(pae, len, dsse_payload_type(env), body, bodylen, e);
}

/*
 * Runs the checks: every signature under hinted keys first, then under
 * the rest; stops at the first key when first_only. The first key that
 * verified, or -1.
 */
static long
run_tally(struct tally *t, int first_only)
{
	unsigned char done[MAX_ENVELOPE_SIGS] = {0};
	size_t i, n = dsse_sig_count(t->env);
	long found = -1, j;
	int pass;

	if (n > MAX_ENVELOPE_SIGS)
		n = MAX_ENVELOPE_SIGS;
	for (i = 0; i < n; i++)
		done[i] = (unsigned char)sig_repeated(t->env, i);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			if (done[i])
				continue;
			j = try_sig(t, i, pass);
			if (j < 0)
				continue;
			done[i] = 1;
			if (found < 0)
				found = j;
			if (first_only)
				return found;
		}
	}
	return found;
}

int
keyset_verify_envelope(const struct key **signer, const struct keyset *ks,
		       const struct dsse_envelope *env, const char *src,
		       struct err *e)
{
	int marks[MAX_TRUSTED_KEYS] = {0};
	struct tally t = {ks, env, NULL, 0, marks, 0};
	long j;
	int rc;

	if (signer != NULL)
		*signer = NULL;
	rc = make_pae(&t.pae, &t.paelen, env, e);
	if (rc != 0)
		return rc;
	j = run_tally(&t, 1);
	free(t.pae);
	if (j < 0)
		return err_set(e, EXIT_REJECTED,
			       "%s: no signature verifies under a trusted key",
			       src);
	if (signer != NULL)
		*signer = ks->keys[j];
	return 0;
}

size_t
keyset_tally(const struct keyset *ks, const struct dsse_envelope *env,
	     int *signed_by, size_t *ops)
{
	int local[MAX_TRUSTED_KEYS];
	struct tally t = {ks, env, NULL, 0, NULL, 0};
	size_t j, count = 0;

	t.marks = signed_by != NULL ? signed_by : local;
	for (j = 0; j < ks->n; j++)
		t.marks[j] = 0;
	if (ops != NULL)
		*ops = 0;
	if (make_pae(&t.pae, &t.paelen, env, NULL) != 0)
		return 0;
	run_tally(&t, 0);
	free(t.pae);
	if (ops != NULL)
		*ops = t.ops;
	/* Distinct keys: one key listed under two names counts once. */
	for (j = 0; j < ks->n; j++)
		count += (size_t)(t.marks[j] && ks->first[j] == j);
	return count;
}

size_t
keyset_count_signers(const struct keyset *ks, const struct dsse_envelope *env,
		     int *signed_by)
{
	return keyset_tally(ks, env, signed_by, NULL);
}

/* Trust sets and DSSE signing/verification over keys (see keyset.h). */
#include "keys/keyset.h"

#include <stdlib.h>
#include <string.h>

struct keyset {
	struct key *keys[MAX_TRUSTED_KEYS];
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
	if (ks->n == MAX_TRUSTED_KEYS) {
		key_free(k);
		return err_set(e, EXIT_USAGE, "more than %d trusted keys",
			       MAX_TRUSTED_KEYS);
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

/* Checks signature i of env (over pae) against key k. */
static int
sig_ok(const struct key *k, const struct dsse_envelope *env, size_t i,
       const unsigned char *pae, size_t paelen)
{
	size_t siglen;
	const unsigned char *sig = dsse_sig(env, i, &siglen);

	return key_verify(k, pae, paelen, sig, siglen) == 0;
}

static int
make_pae(unsigned char **pae, size_t *len, const struct dsse_envelope *env,
	 struct err *e)
{
	size_t bodylen;
	const unsigned char *body = dsse_payload(env, &bodylen);

	return dsse_pae(pae, len, dsse_payload_type(env), body, bodylen, e);
}

int
keyset_verify_envelope(const struct key **signer, const struct keyset *ks,
		       const struct dsse_envelope *env, const char *src,
		       struct err *e)
{
	unsigned char *pae = NULL;
	size_t paelen, i, j, pass;
	int rc;

	if (signer != NULL)
		*signer = NULL;
	rc = make_pae(&pae, &paelen, env, e);
	if (rc != 0)
		return rc;
	/* Pass 0 tries keys whose id equals the keyid hint; pass 1 all. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < dsse_sig_count(env); i++) {
			for (j = 0; j < ks->n; j++) {
				int hinted = strcmp(dsse_keyid(env, i),
						    key_id(ks->keys[j])) == 0;
				if (pass == 0 && !hinted)
					continue;
				if (pass == 1 && hinted)
					continue;
				if (sig_ok(ks->keys[j], env, i, pae, paelen)) {
					if (signer != NULL)
						*signer = ks->keys[j];
					free(pae);
					return 0;
				}
			}
		}
	}
	free(pae);
	return err_set(e, EXIT_REJECTED,
		       "%s: no signature verifies under a trusted key", src);
}

/* Marks key j and every key with the same id (one key listed twice). */
static void
mark_same(const struct keyset *ks, size_t j, int *signed_by)
{
	size_t k;

	for (k = 0; k < ks->n; k++)
		if (strcmp(key_id(ks->keys[k]), key_id(ks->keys[j])) == 0)
			signed_by[k] = 1;
}

/* Tries signature i under the unmarked keys: hinted ones first. */
static void
try_sig(const struct keyset *ks, const struct dsse_envelope *env, size_t i,
	const unsigned char *pae, size_t paelen, int *signed_by)
{
	size_t j, pass;

	for (pass = 0; pass < 2; pass++) {
		for (j = 0; j < ks->n; j++) {
			int hinted = strcmp(dsse_keyid(env, i),
					    key_id(ks->keys[j])) == 0;
			if (signed_by[j] || hinted != (pass == 0))
				continue;
			if (sig_ok(ks->keys[j], env, i, pae, paelen)) {
				/* A signature verifies under one key only. */
				mark_same(ks, j, signed_by);
				return;
			}
		}
	}
}

size_t
keyset_count_signers(const struct keyset *ks, const struct dsse_envelope *env,
		     int *signed_by)
{
	unsigned char *pae = NULL;
	size_t paelen, i, j, count = 0;
	int local[MAX_TRUSTED_KEYS];
	int *marks = signed_by != NULL ? signed_by : local;

	for (j = 0; j < ks->n; j++)
		marks[j] = 0;
	if (make_pae(&pae, &paelen, env, NULL) != 0)
		return 0;
	for (i = 0; i < dsse_sig_count(env); i++)
		try_sig(ks, env, i, pae, paelen, marks);
	free(pae);
	/* Distinct keys: one key listed under two names counts once. */
	for (j = 0; j < ks->n; j++) {
		size_t k;
		int first = marks[j];
		for (k = 0; first && k < j; k++)
			if (marks[k] && strcmp(key_id(ks->keys[k]),
					       key_id(ks->keys[j])) == 0)
				first = 0;
		count += (size_t)first;
	}
	return count;
}

int
envelope_sign(struct dsse_envelope **out, const char *type,
	      const unsigned char *body, size_t len, const struct key *k,
	      struct err *e)
{
	struct dsse_envelope *env = NULL;
	unsigned char *pae = NULL, *sig = NULL;
	size_t paelen, siglen;
	int rc;

	*out = NULL;
	rc = dsse_new(&env, type, body, len, e);
	if (rc != 0)
		return rc;
	/* SPEC-PAE-2: the signature covers the PAE, never the JSON. */
	rc = dsse_pae(&pae, &paelen, type, body, len, e);
	if (rc == 0)
		rc = key_sign(&sig, &siglen, k, pae, paelen, e);
	if (rc == 0)
		rc = dsse_add_sig(env, key_id(k), sig, siglen, e);
	free(pae);
	free(sig);
	if (rc != 0) {
		dsse_free(env);
		return rc;
	}
	*out = env;
	return 0;
}

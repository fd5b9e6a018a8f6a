/* Loading and checking every attestation of a set of bundles. */
#include "verify/evidence.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bundle.h"
#include "lib/digestset.h"
#include "lib/dynbuf.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/oci.h"
#include "verify/keyless.h"

/*
 * SPEC-POL-2: marks every key of ks that verifies some signature of env.
 * A signature is checked first under the keys its keyid names; when one
 * of them verifies, no other key can (keys with equal ids are one key).
 * Returns the index of the first key that signed, or -1.
 */
static int
mark_signers(unsigned char *signed_by, const struct keyset *ks,
	     const struct dsse_envelope *env)
{
	size_t n = keyset_count(ks), i;
	int signers[MAX_TRUSTED_KEYS], first = -1;

	keyset_count_signers(ks, env, signers);
	for (i = 0; i < n; i++) {
		if (i < EVIDENCE_MAX_KEYS)
			signed_by[i] = (unsigned char)signers[i];
		if (signers[i] && first < 0)
			first = (int)i;
	}
	return first;
}

static int
key_index(const struct keyset *ks, const struct key *k)
{
	size_t i;

	for (i = 0; i < keyset_count(ks); i++)
		if (keyset_get(ks, i) == k)
			return (int)i;
	return -1;
}

static void
check_signers(struct evidence_check *out, const struct bundle_entry *ent,
	      const struct keyset *ks, enum evidence_mode mode)
{
	const struct key *k = NULL;
	int first;

	if (mode == EVIDENCE_FIRST_SIGNER) {
		if (keyset_verify_envelope(&k, ks, ent->env, ent->src,
					   &out->err) != 0)
			return;
		first = key_index(ks, k);
		if (first >= 0 && first < EVIDENCE_MAX_KEYS)
			out->signed_by[first] = 1;
	} else {
		first = mark_signers(out->signed_by, ks, ent->env);
		if (first < 0) {
			err_set(&out->err, EXIT_REJECTED,
				"%s: no signature verifies under a trusted "
				"key",
				ent->src);
			return;
		}
		k = keyset_get(ks, (size_t)first);
	}
	out->signer.by = EVIDENCE_BY_KEY;
	out->signer.key = first;
	out->signer.k = k;
}

int
evidence_check_entry(struct evidence_check *out, struct statement **st,
		     const struct bundle_entry *ent, const struct keyset *ks,
		     enum evidence_mode mode)
{
	const unsigned char *body;
	size_t len;

	memset(out, 0, sizeof(*out));
	*st = NULL;
	out->state = EVIDENCE_REJECTED;
	if (ent->env == NULL) {
		out->why = EVIDENCE_WHY_DECODE;
		out->err = ent->error;
		return 0;
	}
	if (ks != NULL) {
		check_signers(out, ent, ks, mode);
		if (out->signer.by == EVIDENCE_BY_NONE) {
			out->state = EVIDENCE_NOT_COUNTED;
			out->why = EVIDENCE_WHY_NO_KEY;
			return 0;
		}
	}
	/* SPEC-VER-1: payloadType, then parse the verified bytes. */
	if (strcmp(dsse_payload_type(ent->env), DSSE_INTOTO_TYPE) != 0) {
		out->why = EVIDENCE_WHY_PAYLOAD_TYPE;
		err_set(&out->err, EXIT_REJECTED, "%s: payloadType is not %s",
			ent->src, DSSE_INTOTO_TYPE);
		return 0;
	}
	body = dsse_payload(ent->env, &len);
	if (statement_parse(st, body, len, ent->src, &out->err) != 0) {
		out->why = EVIDENCE_WHY_STATEMENT;
		*st = NULL;
		return 0;
	}
	out->state = ks != NULL ? EVIDENCE_VERIFIED : EVIDENCE_UNCHECKED;
	return 0;
}

static int
add_entry(struct evidence *ev, const struct bundle_entry *ent,
	  const struct evidence_check *chk, struct err *e)
{
	struct evidence_entry *en;
	unsigned char d[SHA256_LEN];

	if (dynarr_reserve((void **)&ev->entries, &ev->capentries,
			   ev->nentries + 1, sizeof(*ev->entries),
			   SIZE_MAX / sizeof(*ev->entries)) != 0)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	en = &ev->entries[ev->nentries];
	memset(en, 0, sizeof(*en));
	/* Kept for every entry, so owned strings sized to fit, not arrays. */
	en->src = strdup(ent->src);
	en->reason =
	    strdup(chk->state == EVIDENCE_VERIFIED ? "" : chk->err.msg);
	if (en->src == NULL || en->reason == NULL) {
		free(en->src);
		free(en->reason);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	ev->nentries++;
	hash_sha256(d, ent->raw, ent->rawlen, NULL);
	hex_encode(en->sha256, d, SHA256_LEN);
	en->state = chk->state;
	en->why = chk->why;
	en->signer = chk->signer;
	en->item = ev->n;
	return 0;
}

/*
 * SPEC-POL-18: a keyless Sigstore bundle counts for every identity of
 * ev->ids that signed it (verify/keyless), then payloadType and the
 * statement as for keys.
 */
static void
check_keyless(struct evidence_check *out, struct statement **st, char **who,
	      const struct evidence *ev, const struct bundle_entry *ent)
{
	struct keyless_result r;
	size_t i;

	memset(out, 0, sizeof(*out));
	*st = NULL;
	out->state = EVIDENCE_NOT_COUNTED;
	out->why = EVIDENCE_WHY_NO_KEY;
	if (keyless_idset_verify(out->signed_by, &r, ev->ids, ent->raw,
				 ent->rawlen, ent->src, &out->err) != 0)
		return;
	out->state = EVIDENCE_REJECTED;
	out->signer.by = EVIDENCE_BY_IDENTITY;
	for (i = 0; i < EVIDENCE_MAX_KEYS && !out->signed_by[i]; i++)
		;
	out->signer.key = (int)i;
	if (r.message || strcmp(r.payload_type, DSSE_INTOTO_TYPE) != 0) {
		out->why = EVIDENCE_WHY_PAYLOAD_TYPE;
		err_set(&out->err, EXIT_REJECTED, "%s: payloadType is not %s",
			ent->src, DSSE_INTOTO_TYPE);
	} else if (statement_parse(st, r.payload, r.payloadlen, ent->src,
				   &out->err) != 0) {
		out->why = EVIDENCE_WHY_STATEMENT;
		*st = NULL;
	} else {
		out->state = EVIDENCE_VERIFIED;
		out->why = EVIDENCE_WHY_NONE;
		*who = malloc(strlen(r.identity) + strlen(r.issuer) + 2);
		if (*who != NULL)
			snprintf(*who,
				 strlen(r.identity) + strlen(r.issuer) + 2,
				 "%s %s", r.identity, r.issuer);
	}
	keyless_result_clear(&r);
}

static int
add_item(struct evidence *ev, const struct bundle_entry *ent,
	 const struct keyset *ks, struct err *e)
{
	struct evidence_check chk;
	struct evidence_item it;

	memset(&it, 0, sizeof(it));
	if (ev->ids != NULL && keyless_idset_count(ev->ids) > 0 &&
	    ent->format == BUNDLE_SIGSTORE && ent->keyless)
		check_keyless(&chk, &it.st, &it.identity, ev, ent);
	else
		evidence_check_entry(&chk, &it.st, ent, ks,
				     EVIDENCE_ALL_SIGNERS);
	if (add_entry(ev, ent, &chk, e) != 0) {
		statement_free(it.st);
		free(it.identity);
		return -EXIT_UNDECIDED;
	}
	if (chk.state == EVIDENCE_NOT_COUNTED)
		ev->unverified++;
	if (chk.state != EVIDENCE_VERIFIED) {
		ev->malformed += chk.state == EVIDENCE_REJECTED;
		free(it.identity);
		return 0;
	}
	memcpy(it.signed_by, chk.signed_by, sizeof(it.signed_by));
	snprintf(it.src, sizeof(it.src), "%s", ent->src);
	memcpy(it.sha256, ev->entries[ev->nentries - 1].sha256,
	       sizeof(it.sha256));
	it.type = statement_predicate_type(it.st);
	it.pred = statement_predicate(it.st);
	if (dynarr_reserve((void **)&ev->items, &ev->cap, ev->n + 1,
			   sizeof(*ev->items),
			   /* each bundle read has its own ceiling */
			   SIZE_MAX / sizeof(*ev->items)) != 0) {
		statement_free(it.st);
		free(it.identity);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	ev->items[ev->n++] = it;
	return 0;
}

static size_t
fnv1a(const char *s)
{
	size_t h = (size_t)1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
	return h;
}

/* "alg:lowercase-value" for an accepted algorithm, or NULL. */
static char *
slot_key(const char *alg, const char *value)
{
	size_t a = strlen(alg), v = strlen(value), i;
	char *k;

	if (!digestset_acceptable(alg, value))
		return NULL;
	k = malloc(a + v + 2);
	if (k == NULL)
		return NULL;
	memcpy(k, alg, a);
	k[a] = ':';
	for (i = 0; i < v; i++)
		k[a + 1 + i] = (char)tolower((unsigned char)value[i]);
	k[a + 1 + v] = '\0';
	return k;
}

static void
index_put(struct evidence *ev, char *key, size_t item)
{
	size_t i = fnv1a(key) & (ev->nindex - 1);

	while (ev->index[i].key != NULL)
		i = (i + 1) & (ev->nindex - 1);
	ev->index[i].key = key;
	ev->index[i].item = item;
}

static int
build_index(struct evidence *ev, struct err *e)
{
	size_t i, j, nkeys = 0, want = 16;
	const char *alg;
	json_t *v;

	for (i = 0; i < ev->n; i++) {
		const json_t *subs = statement_subjects(ev->items[i].st);
		for (j = 0; j < json_array_size(subs); j++)
			nkeys += json_object_size(
			    json_object_get(json_array_get(subs, j), "digest"));
	}
	while (want < 2 * nkeys + 1)
		want *= 2;
	ev->index = calloc(want, sizeof(*ev->index));
	if (ev->index == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	ev->nindex = want;
	for (i = 0; i < ev->n; i++) {
		const json_t *subs = statement_subjects(ev->items[i].st);
		for (j = 0; j < json_array_size(subs); j++) {
			json_object_foreach(
			    json_object_get(json_array_get(subs, j), "digest"),
			    alg, v)
			{
				char *k = slot_key(alg, json_string_value(v));
				if (k != NULL)
					index_put(ev, k, i);
			}
		}
	}
	return 0;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Adds the index matches of one digest to list (deduplicated by seen). */
static void
probe(const struct evidence *ev, const char *k, const json_t *digests,
      unsigned char *seen, size_t *list, size_t *n)
{
	size_t i;

	for (i = fnv1a(k) & (ev->nindex - 1); ev->index[i].key != NULL;
	     i = (i + 1) & (ev->nindex - 1)) {
		size_t it = ev->index[i].item;
		if (seen[it] || strcmp(ev->index[i].key, k) != 0)
			continue;
		seen[it] = 1;
		/* The full rule (no conflicting algorithm) decides. */
		if (evidence_about(&ev->items[it], digests))
			list[(*n)++] = it;
	}
}

size_t
evidence_about_list(const struct evidence *ev, const json_t *digests,
		    size_t **out)
{
	unsigned char *seen;
	size_t *list, n = 0;
	const char *alg;
	json_t *v;

	*out = NULL;
	if (ev->nindex == 0 || !json_is_object(digests))
		return 0;
	seen = calloc(ev->n + 1, 1);
	list = malloc((ev->n + 1) * sizeof(*list));
	if (seen == NULL || list == NULL) {
		free(seen);
		free(list);
		return 0;
	}
	json_object_foreach((json_t *)digests, alg, v)
	{
		char *k = slot_key(alg, json_string_value(v));
		if (k != NULL)
			probe(ev, k, digests, seen, list, &n);
		free(k);
	}
	free(seen);
	if (n == 0) {
		free(list);
		return 0;
	}
	qsort(list, n, sizeof(*list), cmp_size);
	*out = list;
	return n;
}

int
evidence_finish(struct evidence *ev, struct err *e)
{
	return build_index(ev, e);
}

int
evidence_load(struct evidence *ev, const char *const *bundles, size_t n,
	      const struct keyset *ks, struct err *e)
{
	struct evidence_sources src;

	memset(&src, 0, sizeof(src));
	src.bundles = bundles;
	src.nbundles = n;
	return evidence_load_sources(ev, &src, ks, e);
}

int
evidence_fetch(struct bundle **out, const char *ref, int insecure,
	       const char *auth, struct err *e)
{
	struct oci_opts oo = OCI_OPTS_INIT;
	struct oci_ref parsed;
	int rc;

	*out = NULL;
	oo.auth = auth;
	oo.insecure = insecure;
	rc = oci_ref_parse(&parsed, ref, e);
	if (rc == 0 && insecure && !parsed.loopback)
		rc = err_set(e, EXIT_USAGE,
			     "--insecure is only allowed for loopback "
			     "registries");
	if (rc == 0)
		rc = oci_fetch(out, ref, &oo, e);
	return rc;
}

struct load_ctx {
	struct evidence *ev;
	const struct evidence_sources *src; /* NULL: no hook */
	const struct keyset *ks;
};

static int
keys_fit(const struct keyset *ks, struct err *e)
{
	if (keyset_count(ks) > EVIDENCE_MAX_KEYS)
		return err_set(e, EXIT_USAGE, "more than %d keys",
			       EVIDENCE_MAX_KEYS);
	return 0;
}

/* One entry of a source: checked, kept, and shown to the source's hook. */
static int
load_one(void *arg, const struct bundle_entry *ent, struct err *e)
{
	struct load_ctx *c = arg;
	size_t before = c->ev->n;
	int rc;

	c->ev->total++;
	rc = add_item(c->ev, ent, c->ks, e);
	if (rc == 0 && c->src != NULL && c->src->each != NULL &&
	    c->ev->n > before)
		rc = c->src->each(c->src->each_arg, ent, c->ev, before, e);
	return rc;
}

static int
load_bundle(struct load_ctx *c, const struct bundle *b, struct err *e)
{
	size_t j;
	int rc = 0;

	for (j = 0; rc == 0 && j < bundle_count(b); j++)
		rc = load_one(c, bundle_get(b, j), e);
	return rc;
}

int
evidence_add_bundle(struct evidence *ev, const struct bundle *b,
		    const struct keyset *ks, struct err *e)
{
	struct load_ctx c;
	int rc = keys_fit(ks, e);

	c.ev = ev;
	c.src = NULL;
	c.ks = ks;
	return rc != 0 ? rc : load_bundle(&c, b, e);
}

/*
 * Bundle files, then registries; one subject index over all of them.
 * Files are read one entry at a time (bundle_each), so what stays is the
 * evidence, never the envelopes.
 */
int
evidence_load_sources(struct evidence *ev, const struct evidence_sources *src,
		      const struct keyset *ks, struct err *e)
{
	struct load_ctx c;
	size_t i;
	int rc;

	memset(ev, 0, sizeof(*ev));
	ev->ids = src->ids;
	c.ev = ev;
	c.src = src;
	c.ks = ks;
	rc = keys_fit(ks, e);
	for (i = 0; rc == 0 && i < src->nbundles; i++)
		rc = bundle_each(src->bundles[i], load_one, &c, e);
	for (i = 0; rc == 0 && i < src->nfroms; i++) {
		struct bundle *b = NULL;

		rc = evidence_fetch(&b, src->froms[i], src->insecure, src->auth,
				    e);
		if (rc == 0)
			rc = load_bundle(&c, b, e);
		bundle_free(b);
	}
	if (rc == 0)
		rc = evidence_finish(ev, e);
	if (rc != 0)
		evidence_clear(ev);
	return rc;
}

void
evidence_clear(struct evidence *ev)
{
	size_t i;

	for (i = 0; i < ev->n; i++) {
		statement_free(ev->items[i].st);
		free(ev->items[i].identity);
	}
	for (i = 0; i < ev->nentries; i++) {
		free(ev->entries[i].src);
		free(ev->entries[i].reason);
	}
	for (i = 0; i < ev->nindex; i++)
		free((char *)ev->index[i].key);
	free(ev->index);
	free(ev->items);
	free(ev->entries);
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

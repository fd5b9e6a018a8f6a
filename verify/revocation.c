/* Revocation lists in verify policy (see revocation.h). */
#include "verify/revocation.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/key.h"
#include "lib/bundle.h"
#include "lib/dsse.h"
#include "lib/ids.h"
#include "lib/jsonio.h"
#include "lib/tsa.h"
#include "lib/text.h"
#include "predicates/revocation.h"
#include "predicates/types.h"

#define REV_CLOCK_SKEW 300

struct rev_list {
	size_t item; /* evidence index */
	int key;     /* policy key index of the signer */
	struct revocation_info info;
	int conflict; /* another list of the same serial by the same key */
};

struct rev_slot {
	char *key; /* "alg:lowercase value" */
	const json_t *entry;
	size_t list;
};

struct revocations {
	struct rev_list lists[EVIDENCE_MAX_KEYS];
	size_t nlists;
	struct rev_slot *slots; /* sorted by key */
	size_t nslots;
};

static int
is_signer(const struct policy *p, int key)
{
	size_t i;

	for (i = 0; i < p->revocation_signers.n; i++)
		if (p->revocation_signers.idx[i] == key)
			return 1;
	return 0;
}

/* The counted list of key, or NULL. */
static struct rev_list *
list_of(struct revocations *r, int key)
{
	size_t i;

	for (i = 0; i < r->nlists; i++)
		if (r->lists[i].key == key)
			return &r->lists[i];
	return NULL;
}

static void
consider(struct revocations *r, const struct evidence *ev, size_t item, int key,
	 const struct revocation_info *info)
{
	struct rev_list *l = list_of(r, key);

	if (l == NULL) {
		l = &r->lists[r->nlists++];
		l->item = item;
		l->key = key;
		l->info = *info;
		l->conflict = 0;
	} else if (info->serial > l->info.serial) {
		l->item = item;
		l->info = *info;
		l->conflict = 0;
	} else if (info->serial == l->info.serial &&
		   strcmp(ev->items[item].sha256, ev->items[l->item].sha256) !=
		       0)
		l->conflict = 1;
}

static char *
slot_key(const char *alg, const char *value)
{
	size_t a = strlen(alg), v = strlen(value), i;
	char *k = malloc(a + v + 2);

	if (k == NULL)
		return NULL;
	memcpy(k, alg, a);
	k[a] = ':';
	for (i = 0; i < v; i++)
		k[a + 1 + i] = (char)tolower((unsigned char)value[i]);
	k[a + 1 + v] = '\0';
	return k;
}

static int
cmp_slot(const void *a, const void *b)
{
	return strcmp(((const struct rev_slot *)a)->key,
		      ((const struct rev_slot *)b)->key);
}

/* One sorted index of every entry digest of the counted lists. */
static int
build_index(struct revocations *r, const struct evidence *ev, struct err *e)
{
	size_t i, j, n = 0;
	const char *alg;
	json_t *v;

	for (i = 0; i < r->nlists; i++) {
		const json_t *ents = json_object_get(
		    ev->items[r->lists[i].item].pred, "entries");
		for (j = 0; j < json_array_size(ents); j++)
			n += json_object_size(
			    json_object_get(json_array_get(ents, j), "digest"));
	}
	r->slots = calloc(n + 1, sizeof(*r->slots));
	if (r->slots == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < r->nlists; i++) {
		const json_t *ents = json_object_get(
		    ev->items[r->lists[i].item].pred, "entries");
		for (j = 0; j < json_array_size(ents); j++) {
			const json_t *ent = json_array_get(ents, j);
			json_object_foreach(json_object_get(ent, "digest"), alg,
					    v)
			{
				struct rev_slot *s = &r->slots[r->nslots];
				s->key = slot_key(alg, json_string_value(v));
				if (s->key == NULL)
					return err_set(e, EXIT_UNDECIDED,
						       "out of memory");
				s->entry = ent;
				s->list = i;
				r->nslots++;
			}
		}
	}
	qsort(r->slots, r->nslots, sizeof(*r->slots), cmp_slot);
	return 0;
}

int
revocations_collect(struct revocations **out, const struct policy *p,
		    const struct evidence *ev, struct err *e)
{
	struct revocations *r = calloc(1, sizeof(*r));
	size_t i, j;
	int rc;

	*out = NULL;
	if (r == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < ev->n; i++) {
		const struct evidence_item *it = &ev->items[i];
		struct revocation_info info;
		if (strcmp(it->type, PRED_REVOCATION) != 0 ||
		    pred_revocation_check(it->pred, it->src, &info, NULL) != 0)
			continue;
		for (j = 0; j < p->nkeys && j < EVIDENCE_MAX_KEYS; j++)
			if (it->signed_by[j] && is_signer(p, (int)j))
				consider(r, ev, i, (int)j, &info);
	}
	rc = build_index(r, ev, e);
	if (rc != 0) {
		revocations_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void
revocations_free(struct revocations *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nslots; i++)
		free(r->slots[i].key);
	free(r->slots);
	free(r);
}

size_t
revocations_count(const struct revocations *r)
{
	return r->nlists;
}

size_t
revocations_item(const struct revocations *r, size_t i)
{
	return r->lists[i].item;
}

/* SPEC-POL-14 */
int
revocations_fresh(const struct revocations *r, const struct policy *p,
		  const struct evidence *ev, time_t now, char *why, size_t cap)
{
	size_t i;

	if (r->nlists == 0) {
		snprintf(why, cap,
			 "no revocation list signed by a revocation key; the "
			 "gate cannot know what was revoked");
		return 0;
	}
	for (i = 0; i < r->nlists; i++) {
		const struct rev_list *l = &r->lists[i];
		const char *src = ev->items[l->item].src;
		if (l->conflict)
			snprintf(why, cap,
				 "%s: two different revocation lists by %s "
				 "carry serial %lld",
				 src, policy_key_name(p, (size_t)l->key),
				 l->info.serial);
		else if (l->info.issued_on > now + REV_CLOCK_SKEW)
			snprintf(why, cap,
				 "%s: revocation list serial %lld is dated in "
				 "the future",
				 src, l->info.serial);
		else if (p->revocation_max_age > 0 &&
			 now - l->info.issued_on > p->revocation_max_age)
			snprintf(why, cap,
				 "%s: revocation list serial %lld is older "
				 "than revocation.maxAge",
				 src, l->info.serial);
		else if (now >= l->info.next_update)
			snprintf(why, cap,
				 "%s: revocation list serial %lld is past its "
				 "nextUpdate",
				 src, l->info.serial);
		else
			continue;
		return 0;
	}
	return 1;
}

const char *
revocations_why_not(const struct revocations *r, const struct evidence *ev,
		    size_t item, char *buf, size_t cap)
{
	const struct evidence_item *it = &ev->items[item];
	struct revocation_info info;
	size_t i;

	if (strcmp(it->type, PRED_REVOCATION) != 0)
		return NULL;
	for (i = 0; i < r->nlists; i++)
		if (r->lists[i].item == item)
			return NULL;
	if (pred_revocation_check(it->pred, it->src, &info, NULL) != 0) {
		snprintf(buf, cap,
			 "revocation list refused by the check of "
			 "revocation/v1");
		return buf;
	}
	for (i = 0; i < r->nlists; i++)
		if (it->signed_by[r->lists[i].key]) {
			snprintf(buf, cap,
				 "revocation list serial %lld, replaced by "
				 "%s serial %lld of the same signer",
				 info.serial, ev->items[r->lists[i].item].src,
				 r->lists[i].info.serial);
			return buf;
		}
	return NULL;
}

static void
describe(char *why, size_t cap, const struct revocations *r,
	 const struct evidence *ev, const struct rev_list *l,
	 const json_t *entry)
{
	char reason[300];

	text_escape(reason, sizeof(reason),
		    jsonio_str_or(entry, "reason", "(no reason)"));
	(void)r;
	snprintf(why, cap, "revoked by %s serial %lld: %s",
		 ev->items[l->item].src, l->info.serial, reason);
}

int
revocations_find(const struct revocations *r, const struct evidence *ev,
		 const json_t *digests, char *why, size_t cap)
{
	struct rev_slot probe, *hit;
	const char *alg;
	json_t *v;

	if (!json_is_object(digests) || r->nslots == 0)
		return 0;
	json_object_foreach((json_t *)digests, alg, v)
	{
		if (json_string_value(v) == NULL)
			continue;
		probe.key = slot_key(alg, json_string_value(v));
		if (probe.key == NULL)
			continue;
		hit = bsearch(&probe, r->slots, r->nslots, sizeof(*r->slots),
			      cmp_slot);
		free(probe.key);
		if (hit != NULL) {
			describe(why, cap, r, ev, &r->lists[hit->list],
				 hit->entry);
			return 1;
		}
	}
	return 0;
}

/* The key entry revoking keyid in a counted list, or NULL. */
static const json_t *
find_key(const struct revocations *r, const struct evidence *ev,
	 const char *keyid, size_t *list)
{
	size_t i;

	for (i = 0; i < r->nlists; i++) {
		const json_t *k = pred_revocation_find_key(
		    ev->items[r->lists[i].item].pred, keyid);
		if (k != NULL) {
			*list = i;
			return k;
		}
	}
	return NULL;
}

/* The earliest trusted genTime over ent's one signature, or NULL. */
static int
earliest(char out[TSA_TIME_MAX], const struct tsa_trust *t,
	 const struct bundle_entry *ent)
{
	char when[TSA_TIME_MAX];
	const unsigned char *sig;
	time_t best = 0, w;
	size_t i, siglen;
	int found = 0;

	if (ent->env == NULL || dsse_sig_count(ent->env) != 1)
		return 0;
	sig = dsse_sig(ent->env, 0, &siglen);
	for (i = 0; i < ent->nts; i++) {
		struct err e = ERR_INIT;
		if (tsa_verify(when, t, ent->ts[i].der, ent->ts[i].len, sig,
			       siglen, &e) != 0 ||
		    ids_parse_rfc3339(&w, when) != 0 || (found && w >= best))
			continue;
		best = w;
		found = 1;
		memcpy(out, when, TSA_TIME_MAX);
	}
	return found;
}

/* SPEC-POL-16 */
int
revocations_stamp(json_t *stamps, const struct tsa_trust *t,
		  const struct bundle_entry *ent,
		  const struct evidence_item *it, struct err *e)
{
	char when[TSA_TIME_MAX];

	if (t != NULL && earliest(when, t, ent) &&
	    jsonio_set(stamps, it->src, json_string(when), e) != 0)
		return -EXIT_UNDECIDED;
	return 0;
}

/* 1 when stamps proves item i was signed before since. */
static int
stamped_before(const json_t *stamps, const struct evidence_item *it,
	       const char *since)
{
	time_t at, s;

	return stamps != NULL && since != NULL &&
	       ids_parse_rfc3339(&at, jsonio_str_or(stamps, it->src, "")) ==
		   0 &&
	       ids_parse_rfc3339(&s, since) == 0 && at < s;
}

/* SPEC-POL-16 */
size_t
revocations_drop_keys(const struct revocations *r, const struct policy *p,
		      struct evidence *ev, const json_t *stamps,
		      char (*why)[200])
{
	size_t k, i, list = 0, n = 0;
	char reason[300], msg[900];

	for (k = 0; k < p->nkeys && k < EVIDENCE_MAX_KEYS; k++) {
		const json_t *ent =
		    find_key(r, ev, key_id(keyset_get(p->ks, k)), &list);
		if (ent == NULL)
			continue;
		text_escape(reason, sizeof(reason),
			    jsonio_str_or(ent, "reason", "(no reason)"));
		for (i = 0; i < ev->n; i++) {
			if (!ev->items[i].signed_by[k] ||
			    stamped_before(stamps, &ev->items[i],
					   jsonio_str(ent, "since")))
				continue;
			ev->items[i].signed_by[k] = 0;
			n++;
			if (why == NULL || why[i][0] != '\0')
				continue;
			snprintf(msg, sizeof(msg),
				 "signed by %s, a key revoked since %s by %s "
				 "serial %lld: %s",
				 policy_key_name(p, k),
				 jsonio_str_or(ent, "since", "?"),
				 ev->items[r->lists[list].item].src,
				 r->lists[list].info.serial, reason);
			snprintf(why[i], sizeof(why[0]), "%.199s", msg);
		}
	}
	return n;
}

/* 1 with why when digests is revoked; what names it (escaped here). */
static int
hit(const struct revocations *r, const struct evidence *ev,
    const json_t *digests, const char *kind, const char *name, char *why,
    size_t cap)
{
	char rev[600], shown[200];

	if (!revocations_find(r, ev, digests, rev, sizeof(rev)))
		return 0;
	text_escape(shown, sizeof(shown), name != NULL ? name : "(unnamed)");
	snprintf(why, cap, "%s %s is %s", kind, shown, rev);
	return 1;
}

static const char *
dep_kind(const json_t *dep)
{
	const char *role =
	    jsonio_str(json_object_get(dep, "annotations"), "role");

	if (role == NULL)
		return "training dependency";
	if (strcmp(role, "dataset") == 0 || strcmp(role, "input") == 0)
		return "training dataset";
	if (strcmp(role, "base-model") == 0)
		return "base model";
	if (strcmp(role, "code") == 0)
		return "code commit of";
	return "training dependency";
}

/* The files of the dataset attestations by a dataset signer about rd. */
static int
dataset_files(const struct revocations *r, const struct policy *p,
	      const struct evidence *ev, const json_t *rd, char *why,
	      size_t cap)
{
	const json_t *digest = json_object_get(rd, "digest");
	size_t *list = NULL, nl, li, c, f;
	int found = 0;
	char what[300], shown[200];

	nl = evidence_about_list(ev, digest, &list);
	for (li = 0; li < nl && !found; li++) {
		const struct evidence_item *it = &ev->items[list[li]];
		const json_t *cs = json_object_get(it->pred, "contents");
		if (strcmp(it->type, PRED_DATASET) != 0 ||
		    !evidence_signed_by_any(it, p->dataset_signers.idx,
					    p->dataset_signers.n))
			continue;
		for (c = 0; c < json_array_size(cs) && !found; c++) {
			const json_t *files = json_object_get(
			    json_object_get(json_array_get(cs, c), "manifest"),
			    "files");
			for (f = 0; f < json_array_size(files) && !found; f++) {
				const json_t *fe = json_array_get(files, f);
				json_t *d =
				    json_pack("{s:s}", "sha256",
					      jsonio_str_or(fe, "sha256", ""));
				text_escape(shown, sizeof(shown),
					    jsonio_str_or(rd, "name", "?"));
				snprintf(what, sizeof(what), "%s of dataset %s",
					 jsonio_str_or(fe, "path", "?"), shown);
				found = d != NULL &&
					hit(r, ev, d, "file", what, why, cap);
				json_decref(d);
			}
		}
	}
	free(list);
	return found;
}

static int
check_deps(const struct revocations *r, const struct policy *p,
	   const struct evidence *ev, const json_t *deps, char *why, size_t cap)
{
	size_t i;

	for (i = 0; i < json_array_size(deps); i++) {
		const json_t *dep = json_array_get(deps, i);
		const json_t *ann = json_object_get(dep, "annotations");
		const char *name = jsonio_str(dep, "name");
		if (hit(r, ev, json_object_get(dep, "digest"), dep_kind(dep),
			name, why, cap) ||
		    hit(r, ev, json_object_get(ann, "attestation"),
			"dataset attestation of", name, why, cap))
			return 1;
		if (strcmp(dep_kind(dep), "training dataset") == 0 &&
		    dataset_files(r, p, ev, dep, why, cap))
			return 1;
	}
	return 0;
}

/* The datasets of the evaluations used, and their files. */
static int
check_evals(const struct revocations *r, const struct policy *p,
	    const struct evidence *ev, const unsigned char *used, char *why,
	    size_t cap)
{
	size_t i, j;

	for (i = 0; used != NULL && i < ev->n; i++) {
		const json_t *ds =
		    json_object_get(ev->items[i].pred, "datasets");
		if (!used[i] || strcmp(ev->items[i].type, PRED_EVALUATION) != 0)
			continue;
		for (j = 0; j < json_array_size(ds); j++) {
			const json_t *d = json_array_get(ds, j);
			if (hit(r, ev, json_object_get(d, "digest"),
				"evaluation dataset", jsonio_str(d, "name"),
				why, cap) ||
			    dataset_files(r, p, ev, d, why, cap))
				return 1;
		}
	}
	return 0;
}

/* SPEC-POL-15 */
int
revocations_check_lineage(const struct revocations *r, const struct policy *p,
			  const struct evidence *ev, const json_t *artifact,
			  const char *artifact_name, const json_t *deps,
			  const unsigned char *used, char *why, size_t cap)
{
	size_t i;

	if (hit(r, ev, artifact, "the model", artifact_name, why, cap) ||
	    check_deps(r, p, ev, deps, why, cap) ||
	    check_evals(r, p, ev, used, why, cap))
		return 1;
	for (i = 0; used != NULL && i < ev->n; i++) {
		json_t *d;
		int found;
		if (!used[i])
			continue;
		d = json_pack("{s:s}", "sha256", ev->items[i].sha256);
		found = d != NULL && hit(r, ev, d, "attestation",
					 ev->items[i].src, why, cap);
		json_decref(d);
		if (found)
			return 1;
	}
	return 0;
}

/*
 * verify dataset: re-hash a dataset tree and check it against a signed
 * dataset/v1 attestation; on a mismatch, name every added, removed and
 * changed file. --only checks just the listed files against the signed
 * manifest (a job that loads a subset).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/keyset.h"
#include "lib/bundle.h"
#include "lib/digestset.h"
#include "lib/fileio.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/jsonio.h"
#include "lib/opt.h"
#include "lib/statement.h"
#include "lib/text.h"
#include "predicates/dataset.h"
#include "predicates/filelist.h"
#include "predicates/resource.h"
#include "predicates/types.h"
#include "verify/jsonout.h"
#include "verify/verify.h"

enum {
	OPT_KEY = 1,
	OPT_BUNDLE,
	OPT_ONLY,
	OPT_JOBS,
	OPT_JSON,
	OPT_LINKS_WITHIN
};

static const struct opt_def vdataset_opts[] = {
    {OPT_KEY, "key", 'k', "PUB", "trusted public key (PEM); repeatable"},
    {OPT_BUNDLE, "bundle", 'b', "FILE", "the dataset attestation(s)"},
    {OPT_ONLY, "only", 0, "PATH",
     "check only this file or directory (relative to PATH); repeatable"},
    {OPT_JOBS, "jobs", 'j', "N", "hashing threads (default: all CPUs)"},
    {OPT_JSON, "json", 0, "FILE",
     "also write the result as JSON; - for stdout (text then on stderr)"},
    {OPT_LINKS_WITHIN, "follow-links-within", 0, "DIR",
     "follow symlinks to files anywhere under DIR (e.g. a HF cache)"},
    {0, NULL, 0, NULL, NULL},
};

#define VDATASET_SYNOPSIS                                                      \
	"verify dataset --key PUB [--key PUB]... --bundle FILE [--only "       \
	"PATH]... [-j N] [--json FILE]\n       [--follow-links-within DIR] "   \
	"PATH"

struct vdataset_opts {
	const char **keys, **only;
	size_t nkeys, nonly;
	const char *bundle, *path, *json, *links_within;
	unsigned jobs;
};

/* A verified dataset statement's contents entry. */
struct candidate {
	const json_t *content;
	const json_t *pred;
	char src[256];
};

static int
parse(struct vdataset_opts *o, int argc, char **argv, struct err *e)
{
	struct opt_iter it;
	const char *val;
	long v;
	int id, rc;

	o->keys = calloc((size_t)argc, sizeof(char *));
	o->only = calloc((size_t)argc, sizeof(char *));
	if (o->keys == NULL || o->only == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	opt_init(&it, argc, argv);
	while ((rc = opt_next(&it, vdataset_opts, &id, &val, e)) == 1) {
		switch (id) {
		case OPT_HELP:
			opt_help(stdout, VDATASET_SYNOPSIS,
				 "Re-hash PATH and check it against a signed "
				 "dataset attestation;\nreport every added, "
				 "removed and changed file.",
				 vdataset_opts);
			return 1;
		case OPT_KEY:
			o->keys[o->nkeys++] = val;
			break;
		case OPT_BUNDLE:
			o->bundle = val;
			break;
		case OPT_ONLY:
			o->only[o->nonly++] = val;
			break;
		case OPT_JSON:
			o->json = val;
			break;
		case OPT_JOBS:
			rc = opt_long(&v, val, 1, DIGEST_MAX_JOBS, "--jobs", e);
			if (rc != 0)
				return rc;
			o->jobs = (unsigned)v;
			break;
		case OPT_LINKS_WITHIN:
			o->links_within = val;
			break;
		default:
			if (o->path != NULL)
				return err_set(e, EXIT_USAGE,
					       "one PATH at a time");
			o->path = val;
		}
	}
	if (rc < 0)
		return rc;
	if (o->nkeys == 0 || o->bundle == NULL || o->path == NULL)
		return err_set(e, EXIT_USAGE, "usage: %s", VDATASET_SYNOPSIS);
	return 0;
}

/* The signed manifest of a contents entry (predicates/filelist.h). */
static int
signed_manifest(struct digest_manifest **out, const json_t *content,
		const char *bundle, const char *src, struct err *e)
{
	return filelist_load(out, content, bundle, src, e);
}

static void
print_diff(const struct digest_diff *d)
{
	static const char *const kinds[] = {"", "added", "removed", "changed"};
	char shown[512];
	enum digest_change kind;
	size_t i;

	for (i = 0; i < digest_diff_count(d); i++) {
		const char *p = digest_diff_path(d, i, &kind);
		text_escape(shown, sizeof(shown), p);
		printf("FAIL  %-8s %s\n", kinds[kind], shown);
	}
}

/* Full check: the tree's digests must equal a verified subject. */
static int
check_full(const struct candidate *c, size_t nc, const struct vdataset_opts *o,
	   struct err *e)
{
	struct digest_opts d = DIGEST_OPTS_INIT;
	struct digest_manifest *sm = NULL;
	struct digest_diff *diff = NULL;
	struct tree t;
	json_t *set = NULL;
	size_t i, best = 0, best_n = (size_t)-1;
	int rc;

	d.jobs = o->jobs;
	d.links_within = o->links_within;
	if (nc > 0) {
		const json_t *h = json_object_get(c[0].pred, "hashing");
		d.shard_size = (unsigned long long)json_integer_value(
		    json_object_get(h, "shardSize"));
		d.allow_symlinks =
		    json_is_true(json_object_get(h, "allowSymlinks"));
	}
	rc = tree_hash(&t, o->path, &d, e);
	if (rc != 0)
		goto out;
	set = tree_digestset(&t);
	for (i = 0; i < nc; i++) {
		if (digestset_match(json_object_get(c[i].content, "digest"),
				    set)) {
			printf("PASS  %s matches %s (%s, %llu files, %llu "
			       "bytes)\n",
			       o->path, c[i].src, jsonio_str(c[i].pred, "name"),
			       (unsigned long long)digest_manifest_count(t.m),
			       digest_manifest_total_bytes(t.m));
			goto out;
		}
	}
	/* No match: diff against the closest signed manifest. */
	for (i = 0; i < nc; i++) {
		struct digest_diff *dd = NULL;
		if (signed_manifest(&sm, c[i].content, o->bundle, c[i].src,
				    e) != 0 ||
		    digest_compare(&dd, sm, t.m, NULL, 0, e) != 0) {
			digest_manifest_free(sm);
			sm = NULL;
			continue;
		}
		if (digest_diff_count(dd) < best_n) {
			best_n = digest_diff_count(dd);
			best = i;
			digest_diff_free(diff);
			diff = dd;
		} else {
			digest_diff_free(dd);
		}
		digest_manifest_free(sm);
		sm = NULL;
	}
	if (diff != NULL) {
		print_diff(diff);
		rc = err_set(e, EXIT_REJECTED, "%s: %zu file(s) differ from %s",
			     o->path, digest_diff_count(diff), c[best].src);
	} else {
		rc = err_set(e, EXIT_REJECTED,
			     "%s: tree digest is not a subject of any verified "
			     "dataset attestation",
			     o->path);
	}
out:
	digest_diff_free(diff);
	json_decref(set);
	tree_clear(&t);
	return rc;
}

/* The signed manifest is trusted only if it hashes to the signed root. */
static int
manifest_bound(const struct digest_manifest *m, const json_t *content,
	       const char *src, struct err *e)
{
	unsigned char root[32];
	char hex[65];
	json_t *set;
	int ok;

	/* A file subject is its sha256; a tree's is the OMS root. */
	ok = 0;
	if (digest_manifest_count(m) == 1 &&
	    digest_manifest_sha256(m, 0) != NULL) {
		hex_encode(hex, digest_manifest_sha256(m, 0), 32);
		set = json_pack("{s:s}", "sha256", hex);
		ok = digestset_match(json_object_get(content, "digest"), set);
		json_decref(set);
	}
	if (!ok &&
	    digest_manifest_oms_root(root, m, DIGEST_ORDER_PATH, e) == 0) {
		hex_encode(hex, root, 32);
		set = json_pack("{s:s}", "sha256", hex);
		ok = digestset_match(json_object_get(content, "digest"), set);
		json_decref(set);
	}
	return ok ? 0
		  : err_set(e, EXIT_REJECTED,
			    "%s: manifest does not hash to the signed subject",
			    src);
}

static int
check_only(const struct candidate *c, size_t nc, const struct vdataset_opts *o,
	   struct err *e)
{
	struct digest_opts d = DIGEST_OPTS_INIT;
	struct digest_manifest *sm = NULL, *fresh = NULL;
	struct digest_diff *diff = NULL;
	int rc;

	if (nc != 1)
		return err_set(e, EXIT_REJECTED,
			       "%s: --only needs exactly one verified dataset "
			       "subject, found %zu",
			       o->bundle, nc);
	rc = signed_manifest(&sm, c[0].content, o->bundle, c[0].src, e);
	if (rc == 0)
		rc = manifest_bound(sm, c[0].content, c[0].src, e);
	if (rc != 0)
		goto out;
	d.jobs = o->jobs;
	d.links_within = o->links_within;
	d.only = o->only;
	d.n_only = o->nonly;
	d.shard_size = digest_manifest_shard_size(sm);
	rc = digest_tree(&fresh, o->path, &d, e);
	if (rc == 0)
		rc = digest_compare(&diff, sm, fresh, o->only, o->nonly, e);
	if (rc != 0)
		goto out;
	if (digest_diff_count(diff) > 0) {
		print_diff(diff);
		rc = err_set(e, EXIT_REJECTED, "%s: %zu file(s) differ from %s",
			     o->path, digest_diff_count(diff), c[0].src);
	} else {
		printf("PASS  %zu file(s) under %s match %s\n",
		       digest_manifest_count(fresh), o->path, c[0].src);
	}
out:
	digest_diff_free(diff);
	digest_manifest_free(sm);
	digest_manifest_free(fresh);
	return rc;
}

int
cmd_dataset(int argc, char **argv)
{
	struct vdataset_opts o;
	struct jsonout jo = JSONOUT_INIT;
	struct candidate *cands = NULL;
	struct statement **sts = NULL;
	struct keyset *ks = NULL;
	struct bundle *b = NULL;
	struct err e = ERR_INIT;
	size_t i, j, nc = 0, nst = 0, cap = 0;
	int rc;

	memset(&o, 0, sizeof(o));
	rc = parse(&o, argc, argv, &e);
	if (rc == 0)
		rc = jsonout_open(&jo, o.json, &e);
	if (rc != 0)
		goto out;
	rc = keyset_new(&ks, &e);
	for (i = 0; rc == 0 && i < o.nkeys; i++)
		if (keyset_add_file(ks, o.keys[i], &e) != 0)
			rc = -(e.code = EXIT_UNDECIDED);
	if (rc == 0)
		rc = bundle_read(&b, o.bundle, &e);
	if (rc != 0)
		goto out;
	sts = calloc(bundle_count(b), sizeof(*sts));
	for (i = 0; sts != NULL && i < bundle_count(b); i++) {
		const struct bundle_entry *ent = bundle_get(b, i);
		const unsigned char *body;
		const json_t *pred, *contents;
		size_t len;
		if (ent->env == NULL ||
		    keyset_verify_envelope(NULL, ks, ent->env, ent->src,
					   NULL) != 0 ||
		    strcmp(dsse_payload_type(ent->env), DSSE_INTOTO_TYPE) != 0)
			continue;
		body = dsse_payload(ent->env, &len);
		if (statement_parse(&sts[nst], body, len, ent->src, NULL) != 0)
			continue;
		pred = statement_predicate(sts[nst]);
		if (strcmp(statement_predicate_type(sts[nst]), PRED_DATASET) !=
			0 ||
		    pred_dataset_check(pred, ent->src, NULL) != 0) {
			statement_free(sts[nst]);
			sts[nst] = NULL;
			continue;
		}
		contents = json_object_get(pred, "contents");
		for (j = 0; j < json_array_size(contents); j++) {
			if (nc == cap) {
				cap = cap ? 2 * cap : 8;
				cands = realloc(cands, cap * sizeof(*cands));
				if (cands == NULL)
					break;
			}
			cands[nc].content = json_array_get(contents, j);
			cands[nc].pred = pred;
			snprintf(cands[nc].src, sizeof(cands[nc].src), "%s",
				 ent->src);
			nc++;
		}
		nst++;
	}
	if (sts == NULL || (nc > 0 && cands == NULL)) {
		rc = err_set(&e, EXIT_UNDECIDED, "out of memory");
		goto out;
	}
	if (nc == 0) {
		rc = err_set(&e, EXIT_REJECTED,
			     "%s: no dataset attestation verifies under the "
			     "given keys",
			     o.bundle);
		goto out;
	}
	rc = o.nonly > 0 ? check_only(cands, nc, &o, &e)
			 : check_full(cands, nc, &o, &e);
out:
	for (i = 0; i < nst; i++)
		statement_free(sts[i]);
	free(sts);
	free(cands);
	bundle_free(b);
	keyset_free(ks);
	free(o.keys);
	free(o.only);
	if (rc == 1)
		return EXIT_PASS;
	return jsonout_finish(&jo, o.path ? o.path : "", rc, &e, NULL);
}

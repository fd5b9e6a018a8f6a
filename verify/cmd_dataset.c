/*
 * verify dataset: re-hash a dataset tree and check it against a signed
 * dataset/v1 attestation; on a mismatch, name every added, removed and
 * changed file. --only checks just the listed files against the signed
 * manifest (a job that loads a subset).
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
#include "predicates/tree.h"
#include "predicates/types.h"
#include "verify/evidence.h"
#include "verify/jsonout.h"
#include "verify/verify.h"

#define VDATASET_MAX_LIST_DEFAULT 50

struct vdataset_opts {
	const char **keys, **only, **bundles;
	size_t nkeys, nonly, nbundles;
	const char *path, *json, *links_within, *s3_endpoint;
	unsigned jobs;
	size_t max_list;
	struct s3_config s3;
	const struct s3_config *s3p; /* &s3 for an s3:// PATH, else NULL */
};

static int
max_list_opt(void *opts, const struct opt_spec *row, const char *val,
	     struct err *e)
{
	long v;
	int rc = opt_long(&v, val, 0, DIGEST_MAX_ENTRIES, "--max-list", e);

	(void)row;
	if (rc == 0)
		((struct vdataset_opts *)opts)->max_list = (size_t)v;
	return rc;
}

static const struct opt_spec vdataset_rows[] = {
    {.type = OPT_LIST,
     .name = "key",
     .shortname = 'k',
     .off = offsetof(struct vdataset_opts, keys),
     .noff = offsetof(struct vdataset_opts, nkeys),
     .argname = "PUB",
     .help = "trusted public key (PEM); repeatable",
     .flags = OPT_REQUIRED},
    {.type = OPT_LIST,
     .name = "bundle",
     .shortname = 'b',
     .off = offsetof(struct vdataset_opts, bundles),
     .noff = offsetof(struct vdataset_opts, nbundles),
     .argname = "FILE",
     .help = "the dataset attestation(s); repeatable, all are read",
     .flags = OPT_REQUIRED},
    {.type = OPT_LIST,
     .name = "only",
     .off = offsetof(struct vdataset_opts, only),
     .noff = offsetof(struct vdataset_opts, nonly),
     .argname = "PATH",
     .help =
	 "check only this file or directory (relative to PATH); repeatable"},
    {.type = OPT_UINT,
     .name = "jobs",
     .shortname = 'j',
     .off = offsetof(struct vdataset_opts, jobs),
     .argname = "N",
     .help = "hashing threads (default: all CPUs)",
     .min = 1,
     .max = DIGEST_MAX_JOBS},
    {.type = OPT_STRING,
     .name = "json",
     .off = offsetof(struct vdataset_opts, json),
     .argname = "FILE",
     .help =
	 "also write the result as JSON; - for stdout (text then on stderr)"},
    {.type = OPT_STRING,
     .name = "follow-links-within",
     .off = offsetof(struct vdataset_opts, links_within),
     .argname = "DIR",
     .help = "follow symlinks to files anywhere under DIR (e.g. a HF cache)"},
    {.type = OPT_CALL,
     .name = "max-list",
     .off = offsetof(struct vdataset_opts, max_list),
     .argname = "N",
     .help = "print at most N differing files (default 50; all in --json)",
     .fn = max_list_opt},
    {.type = OPT_STRING,
     .name = "s3-endpoint",
     .off = offsetof(struct vdataset_opts, s3_endpoint),
     .argname = "URL",
     .help = "object store for an s3:// PATH (default: AWS; http only to "
	     "loopback)"},
    {.type = OPT_OPERAND,
     .off = offsetof(struct vdataset_opts, path),
     .argname = "PATH",
     .help = "PATH",
     .flags = OPT_REQUIRED},
    {.type = OPT_END},
};

static const struct opt_cmd vdataset_cmd = {
    "verify dataset",
    "Re-hash PATH and check it against a signed dataset attestation;\nreport "
    "every added, removed and changed file.",
    vdataset_rows};

/* A verified dataset statement's contents entry. */
struct candidate {
	const json_t *content;
	const json_t *pred;
	const char *bundle; /* the --bundle it came from (borrowed) */
	char src[256];
};

/* PATH hashed with one attestation's hashing options (SPEC-TREE-3). */
struct hashed {
	unsigned long long shard_size;
	int allow_symlinks, rc;
	struct tree t;
	json_t *set;
	struct err e;
};

static int
parse(struct vdataset_opts *o, int argc, char **argv, struct err *e)
{
	int rc;

	o->max_list = VDATASET_MAX_LIST_DEFAULT;
	rc = opt_parse(o, &vdataset_cmd, argc, argv, e);
	if (rc == 1)
		opt_cmd_help(stdout, &vdataset_cmd);
	if (rc != 0)
		return rc;
	return 0;
}

/* The signed manifest of a contents entry (predicates/filelist.h). */
static int
signed_manifest(struct digest_manifest **out, const struct candidate *c,
		struct err *e)
{
	const json_t *ref = json_object_get(c->content, "manifestRef");
	const char *name = jsonio_str(ref, "name");
	const char *slash = strrchr(c->bundle, '/');
	char path[2 * PATH_MAX + 2], dir[PATH_MAX];

	/* SPEC-TREE-3: a missing file list is named, with where it goes. */
	if (ref != NULL && name != NULL && strchr(name, '/') == NULL &&
	    name[0] != '.') {
		snprintf(dir, sizeof(dir), "%.*s",
			 slash ? (int)(slash - c->bundle) : 1,
			 slash ? c->bundle : ".");
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (access(path, F_OK) != 0 && errno == ENOENT)
			return err_set(e, EXIT_REJECTED,
				       "%s records its file list in %s, which "
				       "is missing: it must be in %s/, beside "
				       "the bundle %s",
				       c->src, name, dir, c->bundle);
	}
	return filelist_load(out, c->content, c->bundle, c->src, e);
}

/* SPEC-TREE-3: PATH below an attested tree is checked with --only. */
static int
part_of_tree(const struct candidate *c, size_t nc,
	     const struct vdataset_opts *o, const char *name, struct err *e)
{
	char root[PATH_MAX], rest[PATH_MAX];
	size_t i, len;

	for (i = 0; i < nc; i++) {
		const char *n = jsonio_str(c[i].content, "name");
		len = n ? strlen(n) : 0;
		if (len < 2 || n[len - 1] != '/' || strlen(name) <= len ||
		    strncmp(name, n, len) != 0)
			continue;
		text_escape(root, sizeof(root), n);
		root[strlen(root) - 1] = '\0';
		text_escape(rest, sizeof(rest), name + len);
		len = strlen(rest);
		if (len > 0 && rest[len - 1] == '/')
			rest[len - 1] = '\0';
		return err_set(e, EXIT_REJECTED,
			       "%s is part of the attested tree %s/ (%s); "
			       "check it with: verify dataset --bundle %s %s "
			       "--only %s",
			       o->path, root, c[i].src, c[i].bundle, root,
			       rest);
	}
	return 0;
}

/* Prints at most max lines, then a count; every entry goes to findings. */
static int
report_diff(json_t *findings, const struct digest_diff *d, size_t max)
{
	static const char *const kinds[] = {"", "added", "removed", "changed"};
	char shown[512];
	enum digest_change kind;
	size_t i, n = digest_diff_count(d);

	for (i = 0; i < n; i++) {
		const char *p = digest_diff_path(d, i, &kind);
		if (i < max) {
			text_escape(shown, sizeof(shown), p);
			verify_print(stdout, "FAIL  %-8s %s\n", kinds[kind],
				     shown);
		}
		if (jsonio_append(findings,
				  json_pack("{s:s, s:s}", "change", kinds[kind],
					    "path", p),
				  NULL) != 0)
			return -EXIT_UNDECIDED;
	}
	if (n > max)
		verify_print(
		    stdout,
		    "FAIL  ... and %zu more (all of them with --json)\n",
		    n - max);
	return 0;
}

/* The name attest gives PATH (SPEC-TREE-1): a directory ends in one '/'. */
static void
subject_name(char *out, size_t cap, const char *path, int is_dir)
{
	size_t len = strlen(path);

	while (is_dir && len > 1 && path[len - 1] == '/')
		len--;
	snprintf(out, cap, "%.*s%s", (int)len, path,
		 is_dir && !(len == 1 && path[0] == '/') ? "/" : "");
}

static int
names_path(const struct candidate *c, const char *name)
{
	const char *n = jsonio_str(c->content, "name");

	return n != NULL && strcmp(n, name) == 0;
}

/* PATH hashed with c's hashing (SPEC-TREE-3), from the cache h[0..*nh). */
static struct hashed *
hashed_for(struct hashed *h, size_t *nh, const struct candidate *c,
	   const struct vdataset_opts *o)
{
	const json_t *hs = json_object_get(c->pred, "hashing");
	struct digest_opts d = DIGEST_OPTS_INIT;
	unsigned long long shard = (unsigned long long)json_integer_value(
	    json_object_get(hs, "shardSize"));
	int links = json_is_true(json_object_get(hs, "allowSymlinks"));
	size_t i;

	for (i = 0; i < *nh; i++)
		if (h[i].shard_size == shard && h[i].allow_symlinks == links)
			return &h[i];
	h[i].shard_size = d.shard_size = shard;
	h[i].allow_symlinks = d.allow_symlinks = links;
	d.jobs = o->jobs;
	d.links_within = o->links_within;
	d.s3 = o->s3p;
	h[i].e = (struct err)ERR_INIT;
	h[i].rc = tree_hash(&h[i].t, o->path, &d, &h[i].e);
	if (h[i].rc == 0) {
		h[i].set = tree_digestset(&h[i].t);
		if (h[i].set == NULL)
			h[i].rc =
			    err_set(&h[i].e, EXIT_UNDECIDED, "out of memory");
	}
	(*nh)++;
	return &h[i];
}

/* Full check: the tree's digests, hashed with each attestation's own
 * options, must equal a verified subject, names bound (SPEC-DIG-4). */
static int
check_full(const struct candidate *c, size_t nc, const struct vdataset_opts *o,
	   json_t *findings, struct err *e)
{
	struct hashed *h = calloc(nc, sizeof(*h)), *x;
	struct digest_manifest *sm = NULL;
	struct digest_diff *diff = NULL;
	struct err merr = ERR_INIT;
	char name[PATH_MAX + 2];
	size_t i, nh = 0, best = 0, best_n = (size_t)-1, named = 0;
	int rc = 0, hashed_ok = 0;

	if (h == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < nc; i++) {
		x = hashed_for(h, &nh, &c[i], o);
		if (x->rc != 0)
			continue;
		hashed_ok = 1;
		if (digestset_match_tree(
			json_object_get(c[i].content, "digest"), x->set,
			x->t.is_dir)) {
			verify_print(
			    stdout,
			    "PASS  %s matches %s (%s, %llu files, %llu "
			    "bytes)\n",
			    o->path, c[i].src, jsonio_str(c[i].pred, "name"),
			    (unsigned long long)digest_manifest_count(x->t.m),
			    digest_manifest_total_bytes(x->t.m));
			goto out;
		}
	}
	if (!hashed_ok) {
		*e = h[0].e;
		rc = h[0].rc;
		goto out;
	}
	for (i = 0; h[i].rc != 0; i++)
		;
	subject_name(name, sizeof(name), o->path, h[i].t.is_dir);
	for (i = 0; i < nc; i++)
		named += names_path(&c[i], name);
	if (named == 0) {
		rc = part_of_tree(c, nc, o, name, e);
		if (rc != 0)
			goto out;
	}
	/* No match: diff against the attestation of this name, else the
	 * closest signed manifest. */
	for (i = 0; i < nc; i++) {
		struct digest_diff *dd = NULL;
		if (named > 0 && !names_path(&c[i], name))
			continue;
		x = hashed_for(h, &nh, &c[i], o);
		if (x->rc != 0)
			continue;
		if (signed_manifest(&sm, &c[i], &merr) != 0 ||
		    digest_compare(&dd, sm, x->t.m, NULL, 0, &merr) != 0) {
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
		if (report_diff(findings, diff, o->max_list) != 0)
			rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		else
			rc = err_set(e, EXIT_REJECTED,
				     "%s: %zu file(s) differ from %s", o->path,
				     digest_diff_count(diff), c[best].src);
	} else if (merr.code != 0) {
		rc =
		    err_set(e, EXIT_REJECTED,
			    "%s: tree digest is not a subject of any verified "
			    "dataset attestation, and no file list to compare: "
			    "%s",
			    o->path, merr.msg);
	} else {
		rc = err_set(e, EXIT_REJECTED,
			     "%s: tree digest is not a subject of any verified "
			     "dataset attestation",
			     o->path);
	}
out:
	for (i = 0; i < nh; i++) {
		json_decref(h[i].set);
		tree_clear(&h[i].t);
	}
	free(h);
	digest_diff_free(diff);
	return rc;
}

/* The signed manifest is trusted only if it hashes to the signed subject,
 * names bound (SPEC-DIG-4): a file's sha256, a tree's full digest set. */
static int
manifest_bound(struct digest_manifest *m, const struct candidate *c,
	       struct err *e)
{
	const char *name = jsonio_str(c->content, "name");
	const json_t *want = json_object_get(c->content, "digest");
	size_t len = name ? strlen(name) : 0;
	struct tree t;
	char hex[65];
	json_t *set = NULL;
	int ok = 0, rc;

	memset(&t, 0, sizeof(t));
	if (len > 0 && name[len - 1] != '/' && digest_manifest_count(m) == 1 &&
	    digest_manifest_sha256(m, 0) != NULL) {
		hex_encode(hex, digest_manifest_sha256(m, 0), 32);
		set = json_pack("{s:s}", "sha256", hex);
		ok = digestset_match_tree(want, set, 0);
	} else {
		t.is_dir = 1;
		t.m = m;
		rc = tree_roots(&t, e);
		if (rc != 0)
			return rc;
		set = tree_digestset(&t);
		ok = digestset_match_tree(want, set, 1);
	}
	json_decref(set);
	return ok ? 0
		  : err_set(e, EXIT_REJECTED,
			    "%s: manifest does not hash to the signed subject",
			    c->src);
}

/* --only: one attestation, or several of the same data; the one named
 * like PATH first. */
static const struct candidate *
only_pick(const struct candidate *c, size_t nc, const char *path,
	  size_t *nfound)
{
	char name[PATH_MAX + 2];
	const struct candidate *first = NULL;
	size_t i, n = 0;
	int pass;

	*nfound = nc;
	if (nc == 1)
		return c;
	subject_name(name, sizeof(name), path, 1);
	for (pass = 0; pass < 2 && first == NULL; pass++) {
		for (i = 0, n = 0; i < nc; i++) {
			if (pass == 0 && !names_path(&c[i], name))
				continue;
			if (first == NULL)
				first = &c[i];
			else if (!digestset_match_tree(
				     json_object_get(first->content, "digest"),
				     json_object_get(c[i].content, "digest"),
				     1))
				n++;
		}
	}
	if (n > 0) {
		*nfound = n + 1;
		return NULL;
	}
	return first;
}

static int
check_only(const struct candidate *cands, size_t nc,
	   const struct vdataset_opts *o, json_t *findings, struct err *e)
{
	struct digest_opts d = DIGEST_OPTS_INIT;
	struct digest_manifest *sm = NULL, *fresh = NULL;
	struct digest_diff *diff = NULL;
	const struct candidate *c;
	size_t n;
	int rc;

	c = only_pick(cands, nc, o->path, &n);
	if (c == NULL)
		return err_set(e, EXIT_REJECTED,
			       "%s: --only needs one verified dataset subject "
			       "(or several of the same data), found %zu "
			       "different",
			       o->bundles[0], n);
	rc = signed_manifest(&sm, c, e);
	if (rc == 0)
		rc = manifest_bound(sm, c, e);
	if (rc != 0)
		goto out;
	d.jobs = o->jobs;
	d.links_within = o->links_within;
	d.s3 = o->s3p;
	d.only = o->only;
	d.n_only = o->nonly;
	d.shard_size = digest_manifest_shard_size(sm);
	d.allow_symlinks = json_is_true(json_object_get(
	    json_object_get(c->pred, "hashing"), "allowSymlinks"));
	rc = digest_tree(&fresh, o->path, &d, e);
	if (rc == 0)
		rc = digest_compare(&diff, sm, fresh, o->only, o->nonly, e);
	if (rc != 0)
		goto out;
	if (digest_diff_count(diff) > 0) {
		if (report_diff(findings, diff, o->max_list) != 0)
			rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		else
			rc = err_set(e, EXIT_REJECTED,
				     "%s: %zu file(s) differ from %s", o->path,
				     digest_diff_count(diff), c->src);
	} else {
		verify_print(stdout, "PASS  %zu file(s) under %s match %s\n",
			     digest_manifest_count(fresh), o->path, c->src);
	}
out:
	digest_diff_free(diff);
	digest_manifest_free(sm);
	digest_manifest_free(fresh);
	return rc;
}

/* A verified dataset statement and where it came from. */
struct verified {
	struct statement *st;
	const char *bundle, *src; /* borrowed */
};

/* Verified dataset statements of every bundle, and their contents. */
struct loaded {
	struct bundle **b;
	struct verified *v;
	struct candidate *cands;
	size_t nb, nv, nc;
};

static void
loaded_clear(struct loaded *l)
{
	size_t i;

	for (i = 0; i < l->nv; i++)
		statement_free(l->v[i].st);
	for (i = 0; i < l->nb; i++)
		bundle_free(l->b[i]);
	free(l->v);
	free(l->b);
	free(l->cands);
	memset(l, 0, sizeof(*l));
}

static void
take_entry(struct loaded *l, const struct bundle_entry *ent, const char *bundle,
	   const struct keyset *ks)
{
	struct evidence_check chk;
	struct statement *st = NULL;

	/* SPEC-VER-1; entries that do not verify are not candidates. */
	evidence_check_entry(&chk, &st, ent, ks, EVIDENCE_FIRST_SIGNER);
	if (chk.state != EVIDENCE_VERIFIED) {
		statement_free(st);
		return;
	}
	if (strcmp(statement_predicate_type(st), PRED_DATASET) != 0 ||
	    pred_dataset_check(statement_predicate(st), ent->src, NULL) != 0) {
		statement_free(st);
		return;
	}
	l->v[l->nv].st = st;
	l->v[l->nv].bundle = bundle;
	l->v[l->nv].src = ent->src;
	l->nv++;
}

static int
load_all(struct loaded *l, const struct vdataset_opts *o,
	 const struct keyset *ks, struct err *e)
{
	size_t i, j, total = 0;
	int rc;

	l->b = calloc(o->nbundles, sizeof(*l->b));
	if (l->b == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < o->nbundles; i++) {
		rc = bundle_read(&l->b[i], o->bundles[i], e);
		if (rc != 0)
			return rc;
		l->nb++;
		total += bundle_count(l->b[i]);
	}
	l->v = calloc(total + 1, sizeof(*l->v));
	if (l->v == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < l->nb; i++)
		for (j = 0; j < bundle_count(l->b[i]); j++)
			take_entry(l, bundle_get(l->b[i], j), o->bundles[i],
				   ks);
	for (i = 0, total = 0; i < l->nv; i++)
		total += json_array_size(json_object_get(
		    statement_predicate(l->v[i].st), "contents"));
	l->cands = calloc(total + 1, sizeof(*l->cands));
	if (l->cands == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < l->nv; i++) {
		const json_t *pred = statement_predicate(l->v[i].st);
		const json_t *contents = json_object_get(pred, "contents");
		for (j = 0; j < json_array_size(contents); j++) {
			struct candidate *c = &l->cands[l->nc++];
			c->content = json_array_get(contents, j);
			c->pred = pred;
			c->bundle = l->v[i].bundle;
			snprintf(c->src, sizeof(c->src), "%s", l->v[i].src);
		}
	}
	return 0;
}

int
cmd_dataset(int argc, char **argv)
{
	struct vdataset_opts o;
	struct jsonout jo = JSONOUT_INIT;
	struct loaded l;
	struct keyset *ks = NULL;
	struct err e = ERR_INIT;
	json_t *findings = json_array();
	size_t i;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&l, 0, sizeof(l));
	rc = parse(&o, argc, argv, &e);
	if (rc == 0 && findings == NULL)
		rc = err_set(&e, EXIT_UNDECIDED, "out of memory");
	if (rc == 0)
		rc = jsonout_open(&jo, o.json, &e);
	if (rc == 0) {
		struct digest_opts d = DIGEST_OPTS_INIT;
		rc = s3_attach(&d, &o.s3, verify_s3_env(), o.s3_endpoint,
			       &o.path, 1, &e);
		o.s3p = d.s3;
	}
	if (rc != 0)
		goto out;
	rc = keyset_new(&ks, &e);
	for (i = 0; rc == 0 && i < o.nkeys; i++)
		if (keyset_add_file(ks, o.keys[i], &e) != 0)
			rc = -(e.code = EXIT_UNDECIDED);
	if (rc == 0)
		rc = load_all(&l, &o, ks, &e);
	if (rc != 0)
		goto out;
	if (l.nc == 0) {
		rc = err_set(&e, EXIT_REJECTED,
			     "%s: no dataset attestation verifies under the "
			     "given keys",
			     o.bundles[o.nbundles - 1]);
		goto out;
	}
	rc = o.nonly > 0 ? check_only(l.cands, l.nc, &o, findings, &e)
			 : check_full(l.cands, l.nc, &o, findings, &e);
out:
	loaded_clear(&l);
	keyset_free(ks);
	s3_config_clear(&o.s3);
	free(o.keys);
	free(o.only);
	free(o.bundles);
	if (rc == 1) {
		json_decref(findings);
		return EXIT_PASS;
	}
	rc = jsonout_finish(&jo, o.path ? o.path : "", rc, &e, findings);
	json_decref(findings);
	return rc;
}

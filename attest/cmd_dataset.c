/*
 * attest dataset: a signed dataset/v1 statement over one or more trees;
 * attest manifest: hash a tree (or a slice of it) into a manifest file,
 * or merge slices from several machines into one.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/attest.h"
#include "attest/progress.h"
#include "attest/slice.h"
#include "keys/keyopt.h"
#include "keys/tpm.h"
#include "lib/bundle.h"
#include "lib/fileio.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/jsonio.h"
#include "lib/opt.h"
#include "lib/statement.h"
#include "predicates/dataset.h"
#include "predicates/filelist.h"
#include "predicates/tree.h"
#include "predicates/types.h"

enum {
	OPT_KEY = 1,
	OPT_NAME,
	OPT_VERSION,
	OPT_LICENSE,
	OPT_CLASS,
	OPT_PII,
	OPT_SOURCE,
	OPT_PARENT,
	OPT_TRANSFORM,
	OPT_QUALITY,
	OPT_BUNDLE,
	OPT_TSA,
	OPT_FORMAT,
	OPT_JOBS,
	OPT_SHARD_SIZE,
	OPT_SYMLINKS,
	OPT_FROM_MANIFEST,
	OPT_LINKS_WITHIN,
	OPT_SHARD_OF,
	OPT_SHARDS,
	OPT_OUT,
	OPT_MERGE,
	OPT_FORCE,
};

static const struct opt_def dataset_opts[] = {
    {OPT_KEY, "key", 'k', "KEYREF",
     "signing key: PEM file, pkcs11: URI or tpm:handle=|blob=|sealed="},
    {OPT_NAME, "name", 'n', "NAME", "dataset name (required)"},
    {OPT_VERSION, "version", 0, "V", "dataset version"},
    {OPT_LICENSE, "license", 0, "SPDX-ID", "licence of the data"},
    {OPT_CLASS, "classification", 0, "CLASS",
     "public, internal, confidential or restricted"},
    {OPT_PII, "pii", 0, NULL, "the data holds personal information"},
    {OPT_SOURCE, "source", 0, "URI", "where the data came from; repeatable"},
    {OPT_PARENT, "parent", 0, "BUNDLE",
     "dataset attestation of a parent dataset; repeatable"},
    {OPT_TRANSFORM, "transform", 0, "TEXT",
     "how this dataset was made from its parents"},
    {OPT_QUALITY, "quality", 0, "FILE",
     "JSON object of quality-check results to bind in"},
    {OPT_BUNDLE, "bundle", 'b', "FILE",
     "write here; *.jsonl gets one line appended (default: stdout)"},
    {OPT_FORCE, "force", 0, NULL,
     "replace an existing --bundle whose name does not end in .jsonl"},
    {OPT_TSA, "tsa", 0, "URL", "RFC 3161 timestamp from this TSA (sigstore)"},
    {OPT_FORMAT, "format", 'f', "FMT", "dsse (default) or sigstore"},
    {OPT_JOBS, "jobs", 'j', "N", "hashing threads (default: all CPUs)"},
    {OPT_SHARD_SIZE, "shard-size", 0, "BYTES",
     "hash files in OMS shards of this size (one big file uses all cores)"},
    {OPT_SYMLINKS, "allow-symlinks", 0, NULL,
     "hash symlinks to files inside the tree (refused by default)"},
    {OPT_LINKS_WITHIN, "follow-links-within", 0, "DIR",
     "follow symlinks to files anywhere under DIR (e.g. a HF cache)"},
    {OPT_FROM_MANIFEST, "from-manifest", 0, "FILE",
     "use a (merged) manifest instead of hashing; needs one PATH"},
    KEYOPT_ROWS,
    {0, NULL, 0, NULL, NULL},
};

static const struct opt_def manifest_opts[] = {
    {OPT_OUT, "out", 'o', "FILE", "manifest file to write (required)"},
    {OPT_SHARD_OF, "shard-of", 0, "I/N|auto",
     "hash only slice I of N (0 <= I < N) into a partial manifest, or the "
     "slice of this Slurm array task or Kubernetes Indexed Job pod"},
    {OPT_SHARDS, "shards", 0, "N",
     "with --shard-of auto: the slice count (a Kubernetes Job's "
     "completions)"},
    {OPT_MERGE, "merge", 0, NULL,
     "merge the partial manifests given as arguments"},
    {OPT_JOBS, "jobs", 'j', "N", "hashing threads (default: all CPUs)"},
    {OPT_SHARD_SIZE, "shard-size", 0, "BYTES", "OMS shard size"},
    {OPT_SYMLINKS, "allow-symlinks", 0, NULL,
     "hash symlinks to files inside the tree"},
    {0, NULL, 0, NULL, NULL},
};

#define DATASET_SYNOPSIS                                                       \
	"attest dataset --key KEYREF --name NAME [--version V] [--license "    \
	"SPDX-ID]\n       [--classification CLASS] [--pii] [--source URI]... " \
	"[--parent BUNDLE]...\n       [--transform TEXT] [--quality FILE] "    \
	"[--bundle FILE] [--format FMT] [-j N]\n       [--shard-size BYTES] "  \
	"[--allow-symlinks] [--follow-links-within DIR]\n       "              \
	"[--from-manifest FILE] PATH..."
#define MANIFEST_SYNOPSIS                                                      \
	"attest manifest [--shard-of I/N|auto [--shards N]] [-j N] --out "     \
	"FILE PATH\n"                                                          \
	"       attest manifest --merge --out FILE PART..."

struct dataset_opts {
	struct key_load_opts ko; /* KEYOPT_ROWS and the environment */
	const char *key, *bundle, *tsa, *quality, *from_manifest;
	enum emit_format format;
	struct dataset_info info;
	const char **sources, **parents, **paths;
	size_t nparents, npaths;
	struct digest_opts dopts;
	int force; /* replace a --bundle that is not .jsonl */
};

static int
parse_size(unsigned long long *out, const char *s, const char *what,
	   struct err *e)
{
	long v;
	int rc = opt_long(&v, s, 1, 1L << 62, what, e);

	*out = (unsigned long long)v;
	return rc;
}

/* Options both commands share; returns 1 when id was one of them. */
static int
common_opt(struct digest_opts *d, int id, const char *val, int *rc,
	   struct err *e)
{
	long v;

	*rc = 0;
	if (id == OPT_JOBS) {
		*rc = opt_long(&v, val, 1, DIGEST_MAX_JOBS, "--jobs", e);
		d->jobs = (unsigned)v;
	} else if (id == OPT_SHARD_SIZE) {
		*rc = parse_size(&d->shard_size, val, "--shard-size", e);
	} else if (id == OPT_SYMLINKS) {
		d->allow_symlinks = 1;
	} else if (id == OPT_LINKS_WITHIN) {
		d->links_within = val;
	} else {
		return 0;
	}
	return 1;
}

static int
dataset_parse(struct dataset_opts *o, int argc, char **argv, struct err *e)
{
	struct opt_iter it;
	const char *val;
	int id, rc;

	o->sources = calloc((size_t)argc, sizeof(char *));
	o->parents = calloc((size_t)argc, sizeof(char *));
	o->paths = calloc((size_t)argc, sizeof(char *));
	if (o->sources == NULL || o->parents == NULL || o->paths == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	o->info.sources = o->sources;
	opt_init(&it, argc, argv);
	while ((rc = opt_next(&it, dataset_opts, &id, &val, e)) == 1) {
		if (keyopt_set(&o->ko, id, val))
			continue;
		if (common_opt(&o->dopts, id, val, &rc, e)) {
			if (rc != 0)
				return rc;
			continue;
		}
		switch (id) {
		case OPT_HELP:
			opt_help(stdout, DATASET_SYNOPSIS,
				 "Sign a dataset/v1 statement: one subject per "
				 "PATH (file sha256, or tree\nOMS root and "
				 "dirHash), with its file manifest.",
				 dataset_opts);
			return 1;
		case OPT_KEY:
			o->key = val;
			break;
		case OPT_NAME:
			o->info.name = val;
			break;
		case OPT_VERSION:
			o->info.version = val;
			break;
		case OPT_LICENSE:
			o->info.license = val;
			break;
		case OPT_CLASS:
			if (!pred_dataset_classification_ok(val))
				return err_set(e, EXIT_USAGE,
					       "--classification: expected "
					       "public, internal, confidential "
					       "or restricted, got \"%s\"",
					       val);
			o->info.classification = val;
			break;
		case OPT_PII:
			o->info.pii = 1;
			break;
		case OPT_SOURCE:
			o->sources[o->info.nsources++] = val;
			break;
		case OPT_PARENT:
			o->parents[o->nparents++] = val;
			break;
		case OPT_TRANSFORM:
			o->info.transform = val;
			break;
		case OPT_QUALITY:
			o->quality = val;
			break;
		case OPT_BUNDLE:
			o->bundle = val;
			break;
		case OPT_FORCE:
			o->force = 1;
			break;
		case OPT_TSA:
			o->tsa = val;
			break;
		case OPT_FORMAT:
			rc = emit_format_parse(&o->format, val, e);
			if (rc != 0)
				return rc;
			break;
		case OPT_FROM_MANIFEST:
			o->from_manifest = val;
			break;
		default:
			o->paths[o->npaths++] = val;
		}
	}
	if (rc < 0)
		return rc;
	if (o->key == NULL || o->info.name == NULL || o->npaths == 0)
		return err_set(e, EXIT_USAGE, "usage: %s", DATASET_SYNOPSIS);
	if (o->from_manifest != NULL && o->npaths != 1)
		return err_set(e, EXIT_USAGE,
			       "--from-manifest takes exactly one PATH");
	o->info.shard_size = o->dopts.shard_size;
	/* Links were followed: verify dataset must follow them too. */
	o->info.allow_symlinks =
	    o->dopts.allow_symlinks || o->dopts.links_within != NULL;
	/* Refuse before any work is done, not after. */
	return emit_bundle_check(o->bundle, o->force, e);
}

/* Parents: the subjects of the dataset statements in each bundle. */
static int
collect_parents(json_t **out, const char *const *paths, size_t n, struct err *e)
{
	json_t *arr = json_array();
	size_t i, j, k;
	int rc = 0;

	for (i = 0; rc == 0 && i < n; i++) {
		struct bundle *b = NULL;
		size_t found = 0;
		rc = bundle_read(&b, paths[i], e);
		for (j = 0; rc == 0 && j < bundle_count(b); j++) {
			const struct bundle_entry *ent = bundle_get(b, j);
			struct statement *st = NULL;
			unsigned char d[SHA256_LEN];
			const unsigned char *body;
			size_t len;
			if (ent->env == NULL)
				continue;
			body = dsse_payload(ent->env, &len);
			if (statement_parse(&st, body, len, ent->src, NULL) !=
			    0)
				continue;
			if (strcmp(statement_predicate_type(st),
				   PRED_DATASET) == 0 &&
			    hash_sha256(d, ent->raw, ent->rawlen, e) == 0) {
				char hex[65];
				const json_t *subs = statement_subjects(st);
				hex_encode(hex, d, SHA256_LEN);
				for (k = 0;
				     rc == 0 && k < json_array_size(subs);
				     k++) {
					json_t *rd = json_deep_copy(
					    json_array_get(subs, k));
					rc =
					    jsonio_set(rd, "annotations",
						       json_pack("{s:{s:s}}",
								 "attestation",
								 "sha256", hex),
						       e);
					if (rc == 0)
						rc = jsonio_append(arr, rd, e);
					else
						json_decref(rd);
					found++;
				}
			}
			statement_free(st);
		}
		bundle_free(b);
		if (rc == 0 && found == 0)
			rc = err_set(e, EXIT_REJECTED,
				     "%s: no dataset attestation in the parent "
				     "bundle",
				     paths[i]);
	}
	if (rc != 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

static int
load_quality(struct dataset_info *info, const char *path, struct err *e)
{
	unsigned char *text = NULL, d[SHA256_LEN];
	size_t len;
	int rc;

	rc = file_read(&text, &len, path, MAX_STATEMENT_BYTES, e);
	if (rc == 0)
		rc = jsonio_load_object(&info->quality, text, len, path, e);
	if (rc == 0)
		rc = hash_sha256(d, text, len, e);
	if (rc == 0)
		info->quality_rd = tree_rd_sha256(path, d);
	free(text);
	return rc;
}

/* One contents entry: counts, and the manifest inline or by reference. */
static int
content_entry(json_t **out, const struct tree *t, const char *bundle,
	      const struct dataset_info *info, size_t k, struct err *e)
{
	json_t *c = tree_descriptor(t);
	char stem[128], written[FILELIST_PATH_MAX];
	int rc;

	*out = NULL;
	if (c == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	snprintf(stem, sizeof(stem), "%s%s%s", info->name,
		 info->version ? "-" : "", info->version ? info->version : "");
	rc = filelist_attach(c, t->m, bundle, stem, k, written, sizeof(written),
			     e);
	if (rc != 0) {
		json_decref(c);
		return rc;
	}
	if (written[0] != '\0')
		attest_print(stderr,
			     "attest: %zu files: manifest written to %s\n",
			     digest_manifest_count(t->m), written);
	*out = c;
	return 0;
}

static int
hash_path(struct tree *t, const struct dataset_opts *o, const char *path,
	  struct err *e)
{
	struct digest_opts d = o->dopts;
	struct progress p;
	int rc;

	if (o->from_manifest != NULL) {
		memset(t, 0, sizeof(*t));
		t->is_dir = 1;
		t->path = strdup(path);
		rc = digest_manifest_load(&t->m, o->from_manifest, e);
		if (rc == 0)
			rc = tree_roots(t, e);
		return rc;
	}
	progress_attach(&p, &d, path);
	rc = tree_hash(t, path, &d, e);
	progress_done(&p);
	return rc;
}

int
cmd_dataset(int argc, char **argv)
{
	struct dataset_opts o;
	struct err e = ERR_INIT;
	struct key *k = NULL;
	json_t *subjects = json_array(), *contents = json_array();
	json_t *pred = NULL, *st = NULL;
	size_t i;
	int rc;

	memset(&o, 0, sizeof(o));
	o.ko = *attest_key_env();
	rc = dataset_parse(&o, argc, argv, &e);
	if (rc != 0)
		goto out;
	rc = key_load_private_opts(&k, o.key, &o.ko, &e);
	if (rc == 0 && o.nparents > 0)
		rc =
		    collect_parents(&o.info.parents, o.parents, o.nparents, &e);
	if (rc == 0 && o.quality != NULL)
		rc = load_quality(&o.info, o.quality, &e);
	for (i = 0; rc == 0 && i < o.npaths; i++) {
		struct tree t;
		json_t *c = NULL;
		rc = hash_path(&t, &o, o.paths[i], &e);
		if (rc == 0 && o.from_manifest != NULL)
			o.info.shard_size = digest_manifest_shard_size(t.m);
		if (rc == 0)
			rc = content_entry(&c, &t, o.bundle, &o.info, i, &e);
		if (rc == 0)
			rc = jsonio_append(subjects, tree_descriptor(&t), &e);
		if (rc == 0)
			rc = jsonio_append(contents, c, &e);
		else
			json_decref(c);
		tree_clear(&t);
	}
	if (rc == 0) {
		rc = pred_dataset_build(&pred, &o.info, contents, &e);
		contents = NULL;
	}
	if (rc == 0) {
		st = json_pack("{s:s, s:O, s:s, s:O}", "_type", STATEMENT_V1,
			       "subject", subjects, "predicateType",
			       PRED_DATASET, "predicate", pred);
		rc = emit_statement_tsa(st, o.info.name, k, o.format, o.tsa,
					o.bundle, o.force, &e);
	}
out:
	json_decref(st);
	json_decref(pred);
	json_decref(contents);
	json_decref(subjects);
	json_decref(o.info.parents);
	json_decref(o.info.quality);
	json_decref(o.info.quality_rd);
	key_free(k);
	free(o.sources);
	free(o.parents);
	free(o.paths);
	if (rc == 1)
		return EXIT_PASS;
	return rc == 0 ? EXIT_PASS : attest_fail(&e);
}

/* The scheduler's variables: only the program reads the environment. */
static const char *
sched_env(const char *name)
{
	return getenv(name);
}

static int
write_manifest(const struct digest_manifest *m, const char *out, struct err *e)
{
	char *text = NULL;
	size_t len;
	int rc = digest_manifest_to_json(&text, &len, m, e);

	if (rc == 0)
		rc = file_write_atomic(out, text, len, 0644, 0, e);
	free(text);
	return rc;
}

static int
merge_parts(const char *out, char **paths, size_t n, struct err *e)
{
	struct digest_manifest **parts = calloc(n, sizeof(*parts));
	struct digest_manifest *m = NULL;
	size_t i;
	int rc =
	    parts == NULL ? err_set(e, EXIT_UNDECIDED, "out of memory") : 0;

	for (i = 0; rc == 0 && i < n; i++)
		rc = digest_manifest_load(&parts[i], paths[i], e);
	if (rc == 0)
		rc = digest_manifest_merge(
		    &m, (const struct digest_manifest *const *)parts, n, e);
	if (rc == 0)
		rc = write_manifest(m, out, e);
	for (i = 0; parts != NULL && i < n; i++)
		digest_manifest_free(parts[i]);
	free(parts);
	digest_manifest_free(m);
	return rc;
}

int
cmd_manifest(int argc, char **argv)
{
	struct digest_opts d = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL;
	char **args = calloc((size_t)argc, sizeof(char *));
	const char *out = NULL, *slice = NULL, *val;
	struct err e = ERR_INIT;
	struct progress p;
	struct opt_iter it;
	size_t nargs = 0;
	long shards = 0;
	int id, rc, merge = 0;

	if (args == NULL)
		return EXIT_UNDECIDED;
	opt_init(&it, argc, argv);
	while ((rc = opt_next(&it, manifest_opts, &id, &val, &e)) == 1) {
		if (common_opt(&d, id, val, &rc, &e)) {
			if (rc != 0)
				break;
		} else if (id == OPT_HELP) {
			opt_help(stdout, MANIFEST_SYNOPSIS,
				 "Hash a tree (or slice I of N of it) into a "
				 "manifest, or merge the slices\nhashed on "
				 "several machines into the manifest one run "
				 "would give.",
				 manifest_opts);
			free(args);
			return EXIT_PASS;
		} else if (id == OPT_OUT) {
			out = val;
		} else if (id == OPT_SHARD_OF) {
			slice = val;
		} else if (id == OPT_SHARDS) {
			rc = opt_long(&shards, val, 1, DIGEST_MAX_SLICES,
				      "--shards", &e);
			if (rc != 0)
				break;
		} else if (id == OPT_MERGE) {
			merge = 1;
		} else {
			args[nargs++] = (char *)val;
		}
	}
	if (rc == 0 && (out == NULL || nargs == 0 || (!merge && nargs != 1)))
		rc = err_set(&e, EXIT_USAGE, "usage: %s", MANIFEST_SYNOPSIS);
	if (rc == 0 && shards != 0 && slice == NULL)
		rc = err_set(&e, EXIT_USAGE,
			     "--shards goes with --shard-of auto");
	if (rc == 0 && slice != NULL)
		rc = slice_parse(&d.slice_index, &d.slice_count, slice, shards,
				 sched_env, &e);
	if (rc == 0 && merge) {
		rc = merge_parts(out, args, nargs, &e);
	} else if (rc == 0) {
		progress_attach(&p, &d, args[0]);
		rc = digest_tree(&m, args[0], &d, &e);
		progress_done(&p);
		if (rc == 0)
			rc = write_manifest(m, out, &e);
	}
	digest_manifest_free(m);
	free(args);
	return rc == 0 ? EXIT_PASS : attest_fail(&e);
}

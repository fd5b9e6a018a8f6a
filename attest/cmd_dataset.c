/*
 * attest dataset: a signed dataset/v1 statement over one or more trees;
 * attest manifest: hash a tree (or a slice of it) into a manifest file,
 * or merge slices from several machines into one.
 */
#include <limits.h>
#include <stddef.h>
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

struct dataset_opts {
	struct key_load_opts ko; /* KEYOPT_SPECS and the environment */
	const char *key, *bundle, *tsa, *quality, *from_manifest;
	enum emit_format format;
	struct dataset_info info;
	const char **sources, **parents, **paths;
	size_t nparents, npaths;
	struct digest_opts dopts;
	int force; /* replace a --bundle that is not .jsonl */
	const char *s3_endpoint;
	struct s3_config s3; /* for s3:// paths */
};

struct manifest_opts {
	struct digest_opts d;
	const char *out, *slice; /* --shard-of I/N or auto */
	long shards;
	const char **args;
	size_t nargs;
	int merge;
	const char *s3_endpoint;
};

static int
class_opt(void *opts, const struct opt_spec *row, const char *val,
	  struct err *e)
{
	(void)row;
	if (!pred_dataset_classification_ok(val))
		return err_set(e, EXIT_USAGE,
			       "--classification: expected public, internal, "
			       "confidential or restricted, got \"%s\"",
			       val);
	((struct dataset_opts *)opts)->info.classification = val;
	return 0;
}

/* The row's field is an unsigned long long. */
static int
shard_size_opt(void *opts, const struct opt_spec *row, const char *val,
	       struct err *e)
{
	long v;
	int rc = opt_long(&v, val, 1, 1L << 62, "--shard-size", e);

	if (rc == 0)
		*(unsigned long long *)(void *)((char *)opts + row->off) =
		    (unsigned long long)v;
	return rc;
}

static const struct opt_spec dataset_rows[] = {
    {.type = OPT_STRING,
     .name = "key",
     .shortname = 'k',
     .off = offsetof(struct dataset_opts, key),
     .argname = "KEYREF",
     .help = "signing key: PEM file, pkcs11: URI or tpm:handle=|blob=|sealed=",
     .flags = OPT_REQUIRED},
    {.type = OPT_STRING,
     .name = "name",
     .shortname = 'n',
     .off = offsetof(struct dataset_opts, info.name),
     .argname = "NAME",
     .help = "dataset name (required)",
     .flags = OPT_REQUIRED},
    {.type = OPT_STRING,
     .name = "version",
     .off = offsetof(struct dataset_opts, info.version),
     .argname = "V",
     .help = "dataset version"},
    {.type = OPT_STRING,
     .name = "license",
     .off = offsetof(struct dataset_opts, info.license),
     .argname = "SPDX-ID",
     .help = "licence of the data"},
    {.type = OPT_CALL,
     .name = "classification",
     .off = offsetof(struct dataset_opts, info.classification),
     .argname = "CLASS",
     .help = "public, internal, confidential or restricted",
     .fn = class_opt},
    {.type = OPT_FLAG,
     .name = "pii",
     .off = offsetof(struct dataset_opts, info.pii),
     .help = "the data holds personal information"},
    {.type = OPT_LIST,
     .name = "source",
     .off = offsetof(struct dataset_opts, sources),
     .noff = offsetof(struct dataset_opts, info.nsources),
     .argname = "URI",
     .help = "where the data came from; repeatable"},
    {.type = OPT_LIST,
     .name = "parent",
     .off = offsetof(struct dataset_opts, parents),
     .noff = offsetof(struct dataset_opts, nparents),
     .argname = "BUNDLE",
     .help = "dataset attestation of a parent dataset; repeatable"},
    {.type = OPT_STRING,
     .name = "transform",
     .off = offsetof(struct dataset_opts, info.transform),
     .argname = "TEXT",
     .help = "how this dataset was made from its parents"},
    {.type = OPT_STRING,
     .name = "quality",
     .off = offsetof(struct dataset_opts, quality),
     .argname = "FILE",
     .help = "JSON object of quality-check results to bind in"},
    EMIT_OPT_ROWS(struct dataset_opts),
    {.type = OPT_UINT,
     .name = "jobs",
     .shortname = 'j',
     .off = offsetof(struct dataset_opts, dopts.jobs),
     .argname = "N",
     .help = "hashing threads (default: all CPUs)",
     .min = 1,
     .max = DIGEST_MAX_JOBS},
    {.type = OPT_CALL,
     .name = "shard-size",
     .off = offsetof(struct dataset_opts, dopts.shard_size),
     .argname = "BYTES",
     .help =
	 "hash files in OMS shards of this size (one big file uses all cores)",
     .fn = shard_size_opt},
    {.type = OPT_FLAG,
     .name = "allow-symlinks",
     .off = offsetof(struct dataset_opts, dopts.allow_symlinks),
     .help = "hash symlinks to files inside the tree (refused by default)"},
    {.type = OPT_STRING,
     .name = "follow-links-within",
     .off = offsetof(struct dataset_opts, dopts.links_within),
     .argname = "DIR",
     .help = "follow symlinks to files anywhere under DIR (e.g. a HF cache)"},
    {.type = OPT_STRING,
     .name = "from-manifest",
     .off = offsetof(struct dataset_opts, from_manifest),
     .argname = "FILE",
     .help = "use a (merged) manifest instead of hashing; needs one PATH"},
    {.type = OPT_STRING,
     .name = "s3-endpoint",
     .off = offsetof(struct dataset_opts, s3_endpoint),
     .argname = "URL",
     .help =
	 "object store for s3:// paths (default: AWS; http only to loopback)"},
    KEYOPT_SPECS(struct dataset_opts, ko),
    {.type = OPT_OPERANDS,
     .off = offsetof(struct dataset_opts, paths),
     .noff = offsetof(struct dataset_opts, npaths),
     .argname = "PATH",
     .help = "PATH",
     .flags = OPT_REQUIRED},
    {.type = OPT_END},
};

static const struct opt_cmd dataset_cmd = {
    "attest dataset",
    "Sign a dataset/v1 statement: one subject per PATH (file sha256, or "
    "tree\nOMS root and dirHash), with its file manifest.",
    dataset_rows};

static const struct opt_spec manifest_rows[] = {
    {.type = OPT_STRING,
     .name = "out",
     .shortname = 'o',
     .off = offsetof(struct manifest_opts, out),
     .argname = "FILE",
     .help = "manifest file to write (required)",
     .flags = OPT_REQUIRED},
    {.type = OPT_STRING,
     .name = "shard-of",
     .off = offsetof(struct manifest_opts, slice),
     .argname = "I/N|auto",
     .help =
	 "hash only slice I of N (0 <= I < N) into a partial manifest, or "
	 "the slice of this Slurm array task or Kubernetes Indexed Job pod"},
    {.type = OPT_LONG,
     .name = "shards",
     .off = offsetof(struct manifest_opts, shards),
     .argname = "N",
     .help = "with --shard-of auto: the slice count (a Kubernetes Job's "
	     "completions)",
     .min = 1,
     .max = DIGEST_MAX_SLICES},
    {.type = OPT_FLAG,
     .name = "merge",
     .off = offsetof(struct manifest_opts, merge),
     .help = "merge the partial manifests given as arguments"},
    {.type = OPT_UINT,
     .name = "jobs",
     .shortname = 'j',
     .off = offsetof(struct manifest_opts, d.jobs),
     .argname = "N",
     .help = "hashing threads (default: all CPUs)",
     .min = 1,
     .max = DIGEST_MAX_JOBS},
    {.type = OPT_CALL,
     .name = "shard-size",
     .off = offsetof(struct manifest_opts, d.shard_size),
     .argname = "BYTES",
     .help = "OMS shard size",
     .fn = shard_size_opt},
    {.type = OPT_FLAG,
     .name = "allow-symlinks",
     .off = offsetof(struct manifest_opts, d.allow_symlinks),
     .help = "hash symlinks to files inside the tree"},
    {.type = OPT_STRING,
     .name = "s3-endpoint",
     .off = offsetof(struct manifest_opts, s3_endpoint),
     .argname = "URL",
     .help =
	 "object store for s3:// paths (default: AWS; http only to loopback)"},
    {.type = OPT_OPERANDS,
     .off = offsetof(struct manifest_opts, args),
     .noff = offsetof(struct manifest_opts, nargs),
     .argname = "PATH",
     .help = "PATH",
     .flags = OPT_REQUIRED},
    {.type = OPT_END},
};

static const struct opt_cmd manifest_cmd = {
    "attest manifest",
    "Hash a tree (or slice I of N of it) into a manifest, or merge the "
    "slices\nhashed on several machines into the manifest one run would "
    "give: with --merge\nthe PATHs are the partial manifests, otherwise "
    "one PATH is hashed.",
    manifest_rows};

static int
dataset_parse(struct dataset_opts *o, int argc, char **argv, struct err *e)
{
	int rc = opt_parse(o, &dataset_cmd, argc, argv, e);

	if (rc == 1)
		opt_cmd_help(stdout, &dataset_cmd);
	if (rc != 0)
		return rc;
	o->info.sources = o->sources;
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
	/* --from-manifest reads no tree: the PATH only names the subject. */
	if (o.from_manifest == NULL)
		rc = s3_attach(&o.dopts, &o.s3, attest_s3_env(), o.s3_endpoint,
			       o.paths, o.npaths, &e);
	if (rc == 0)
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
	s3_config_clear(&o.s3);
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
merge_parts(const char *out, const char *const *paths, size_t n, struct err *e)
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
	struct manifest_opts o = {
	    DIGEST_OPTS_INIT, NULL, NULL, 0, NULL, 0, 0, NULL};
	struct digest_manifest *m = NULL;
	struct err e = ERR_INIT;
	struct s3_config s3;
	struct progress p;
	int rc;

	memset(&s3, 0, sizeof(s3));
	rc = opt_parse(&o, &manifest_cmd, argc, argv, &e);

	if (rc == 1) {
		opt_cmd_help(stdout, &manifest_cmd);
		free(o.args);
		return EXIT_PASS;
	}
	if (rc == 0 && !o.merge && o.nargs != 1)
		rc = opt_usage_error(&manifest_cmd, &e);
	if (rc == 0 && o.shards != 0 && o.slice == NULL)
		rc = err_set(&e, EXIT_USAGE,
			     "--shards goes with --shard-of auto");
	if (rc == 0 && o.slice != NULL)
		rc = slice_parse(&o.d.slice_index, &o.d.slice_count, o.slice,
				 o.shards, sched_env, &e);
	if (rc == 0 && o.merge) {
		rc = merge_parts(o.out, o.args, o.nargs, &e);
	} else if (rc == 0) {
		rc = s3_attach(&o.d, &s3, attest_s3_env(), o.s3_endpoint,
			       o.args, 1, &e);
	}
	if (rc == 0 && !o.merge) {
		progress_attach(&p, &o.d, o.args[0]);
		rc = digest_tree(&m, o.args[0], &o.d, &e);
		progress_done(&p);
		if (rc == 0)
			rc = write_manifest(m, o.out, &e);
	}
	digest_manifest_free(m);
	s3_config_clear(&s3);
	free(o.args);
	return rc == 0 ? EXIT_PASS : attest_fail(&e);
}

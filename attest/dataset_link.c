/* Linking resources to the dataset attestations that name them. */
#include "attest/dataset_link.h"

#include <stdlib.h>
#include <string.h>

#include "attest/attest.h"
#include "lib/bundle.h"
#include "lib/digestset.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/jsonio.h"
#include "lib/statement.h"
#include "predicates/tree.h"
#include "predicates/types.h"

static int
annotate(json_t *rd, const struct statement *st, const char *hex, struct err *e)
{
	json_t *ann = json_object_get(rd, "annotations");
	const char *role = jsonio_str(ann, "role");
	int rc = 0;

	if (ann == NULL) {
		ann = json_object();
		rc = jsonio_set(rd, "annotations", ann, e);
	}
	/* An input becomes a dataset; an eval role (test, ...) stays. */
	if (rc == 0 && (role == NULL || strcmp(role, "input") == 0))
		rc = jsonio_set(ann, "role", json_string("dataset"), e);
	if (rc == 0)
		rc = jsonio_set(
		    ann, "dataset",
		    json_string(jsonio_str(statement_predicate(st), "name")),
		    e);
	if (rc == 0)
		rc = jsonio_set(ann, "attestation",
				json_pack("{s:s}", "sha256", hex), e);
	return rc;
}

static int
is_tree_name(const json_t *rd)
{
	const char *n = jsonio_str(rd, "name");

	return n != NULL && n[0] != '\0' && n[strlen(n) - 1] == '/';
}

/* rd's digest set hashed as a shard-mode attestation hashed it, or NULL. */
static json_t *
shard_set(const json_t *rd, unsigned long long shard,
	  const struct digest_opts *d)
{
	struct digest_opts o = d ? *d : (struct digest_opts)DIGEST_OPTS_INIT;
	const char *name = jsonio_str(rd, "name");
	struct tree t;
	json_t *set = NULL;

	memset(&t, 0, sizeof(t));
	o.shard_size = shard;
	if (name != NULL && tree_hash(&t, name, &o, NULL) == 0)
		set = tree_digestset(&t);
	tree_clear(&t);
	return set;
}

/* Annotates every RD of rds that a subject of st names, adding to *linked
 * how many. */
static int
link_statement(size_t *linked, json_t *rds, const struct statement *st,
	       const char *hex, const struct digest_opts *d, struct err *e)
{
	const json_t *subs = statement_subjects(st);
	unsigned long long shard = (unsigned long long)json_integer_value(
	    json_object_get(json_object_get(statement_predicate(st), "hashing"),
			    "shardSize"));
	size_t i, j;
	int rc = 0;

	for (i = 0; i < json_array_size(subs); i++) {
		const json_t *sd =
		    json_object_get(json_array_get(subs, i), "digest");
		for (j = 0; j < json_array_size(rds); j++) {
			json_t *rd = json_array_get(rds, j), *set = NULL;
			int tree = is_tree_name(rd);
			if (shard != 0 &&
			    json_object_get(sd, "shardDirHash") != NULL)
				set = shard_set(rd, shard, d);
			if (set != NULL && digestset_match_tree(sd, set, 1)) {
				rc = jsonio_set(rd, "digest", set, e);
				set = NULL;
				if (rc == 0)
					rc = annotate(rd, st, hex, e);
				if (rc != 0)
					return rc;
				(*linked)++;
			} else if (set == NULL &&
				   digestset_match_tree(
				       sd, json_object_get(rd, "digest"),
				       tree)) {
				rc = annotate(rd, st, hex, e);
				if (rc != 0)
					return rc;
				(*linked)++;
			}
			json_decref(set);
		}
	}
	return 0;
}

/* The dataset statement in ent, or NULL. */
static struct statement *
dataset_statement(const struct bundle_entry *ent)
{
	struct statement *st = NULL;
	const unsigned char *body;
	size_t len;

	if (ent->env == NULL)
		return NULL;
	body = dsse_payload(ent->env, &len);
	if (statement_parse(&st, body, len, ent->src, NULL) != 0)
		return NULL;
	if (strcmp(statement_predicate_type(st), PRED_DATASET) != 0) {
		statement_free(st);
		return NULL;
	}
	return st;
}

/* SPEC-RUN-5: each dataset attestation must name one of the resources. */
int
dataset_link_resources(json_t *rds, const char *const *bundles, size_t n,
		       const struct digest_opts *dopts, struct err *e)
{
	unsigned char d[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];
	size_t i, j, linked;
	int rc = 0;

	for (i = 0; rc == 0 && i < n; i++) {
		struct bundle *b = NULL;
		linked = 0;
		rc = bundle_read(&b, bundles[i], e);
		for (j = 0; rc == 0 && j < bundle_count(b); j++) {
			const struct bundle_entry *ent = bundle_get(b, j);
			struct statement *st = dataset_statement(ent);
			if (st == NULL)
				continue;
			hash_sha256(d, ent->raw, ent->rawlen, NULL);
			hex_encode(hex, d, SHA256_LEN);
			rc = link_statement(&linked, rds, st, hex, dopts, e);
			statement_free(st);
			if (rc != 0)
				err_prefix(e, "%s", ent->src);
		}
		bundle_free(b);
		if (rc == 0 && linked == 0)
			rc = err_set(e, EXIT_REJECTED,
				     "%s: no dataset in this attestation "
				     "matches the data given (did the data "
				     "change since it was attested?)",
				     bundles[i]);
	}
	return rc;
}

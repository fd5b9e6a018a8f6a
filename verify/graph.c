/*
 * The lineage graph of verify report, apart from its renderers (text,
 * JSON, dot in cmd_report.c): every entry of the bundles, checked by the
 * evidence loader's one sequence (SPEC-VER-1), and the artifacts the
 * parsed statements name, joined by edges (made, attested, used under a
 * role).
 */
#include "verify/graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bundle.h"
#include "lib/digestset.h"
#include "lib/dynbuf.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/jsonio.h"
#include "predicates/types.h"

/* The report's words for what the loader found (SPEC-VER-1). */
static void
take_check(struct att *a, const struct evidence_check *chk)
{
	static const enum att_state states[] = {
	    [EVIDENCE_VERIFIED] = ATT_VERIFIED,
	    [EVIDENCE_UNCHECKED] = ATT_UNCHECKED,
	    [EVIDENCE_REJECTED] = ATT_MALFORMED,
	    [EVIDENCE_NOT_COUNTED] = ATT_NOT_VERIFIED,
	};

	a->state = states[chk->state];
	memcpy(a->signed_by, chk->signed_by, sizeof(a->signed_by));
	if (chk->why == EVIDENCE_WHY_NO_KEY)
		snprintf(a->why, sizeof(a->why),
			 "no signature verifies under the given keys");
	else if (chk->why == EVIDENCE_WHY_PAYLOAD_TYPE)
		snprintf(a->why, sizeof(a->why), "payloadType is not %s",
			 DSSE_INTOTO_TYPE);
	else if (chk->why != EVIDENCE_WHY_NONE)
		snprintf(a->why, sizeof(a->why), "%s", chk->err.msg);
}

static int
load_entry(struct graph *g, const struct bundle_entry *ent,
	   const struct keyset *ks, struct err *e)
{
	struct evidence_check chk;
	unsigned char d[SHA256_LEN];
	struct att *a;

	if (g->natts == GRAPH_MAX_ATTESTATIONS)
		return err_set(e, EXIT_UNDECIDED,
			       "more than %d attestations: report on fewer "
			       "bundles at a time",
			       GRAPH_MAX_ATTESTATIONS);
	if (dynarr_reserve((void **)&g->atts, &g->capatts, g->natts + 1,
			   sizeof(*g->atts), GRAPH_MAX_ATTESTATIONS) != 0)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	a = &g->atts[g->natts++];
	memset(a, 0, sizeof(*a));
	snprintf(a->src, sizeof(a->src), "%s", ent->src);
	hash_sha256(d, ent->raw, ent->rawlen, NULL);
	hex_encode(a->sha256, d, SHA256_LEN);
	evidence_check_entry(&chk, &a->st, ent, ks, EVIDENCE_ALL_SIGNERS);
	take_check(a, &chk);
	return 0;
}

int
graph_add_bundle(struct graph *g, const char *path, const struct keyset *ks,
		 struct err *e)
{
	struct bundle *b = NULL;
	size_t i;
	int rc = bundle_read(&b, path, e);

	for (i = 0; rc == 0 && i < bundle_count(b); i++)
		rc = load_entry(g, bundle_get(b, i), ks, e);
	bundle_free(b);
	return rc;
}

static int
digest_same(const json_t *a, const json_t *b)
{
	if (digestset_has_acceptable(a) && digestset_has_acceptable(b))
		return digestset_match(a, b);
	return json_equal((json_t *)a, (json_t *)b);
}

/* Records that attestation att made (out) or used rd under rel;
 * subject: rd is one of its subjects. */
static int
link_rd(struct graph *g, size_t att, const json_t *rd, int out, int subject,
	const char *rel, struct err *e)
{
	const json_t *d = json_object_get(rd, "digest");
	const char *name = jsonio_str(rd, "name");
	size_t i;

	if (!json_is_object(d) || json_object_size(d) == 0)
		return 0;
	if (name == NULL)
		name = jsonio_str(rd, "uri");
	for (i = 0; i < g->narts; i++)
		if (digest_same(g->arts[i].digest, d))
			break;
	if (i == g->narts) {
		if (dynarr_reserve((void **)&g->arts, &g->caparts, g->narts + 1,
				   sizeof(*g->arts), GRAPH_MAX_EDGES) != 0)
			return err_set(e, EXIT_UNDECIDED,
				       "out of memory or more than %zu "
				       "artifacts",
				       GRAPH_MAX_EDGES);
		g->arts[g->narts].digest = d;
		g->arts[g->narts++].name = name;
	} else if (g->arts[i].name == NULL) {
		g->arts[i].name = name;
	}
	if (dynarr_reserve((void **)&g->edges, &g->capedges, g->nedges + 1,
			   sizeof(*g->edges), GRAPH_MAX_EDGES) != 0)
		return err_set(e, EXIT_UNDECIDED,
			       "out of memory or more than %zu edges",
			       GRAPH_MAX_EDGES);
	g->edges[g->nedges++] = (struct edge){att, i, out, subject, rel};
	return 0;
}

/* A dependency without a role: a config when externalParameters lists it. */
static const char *
dep_role(const json_t *dep, const json_t *bd)
{
	const char *role =
	    jsonio_str(json_object_get(dep, "annotations"), "role");
	const json_t *cfgs = json_object_get(
	    json_object_get(bd, "externalParameters"), "configs");
	size_t i;

	if (role != NULL)
		return role;
	for (i = 0; i < json_array_size(cfgs); i++)
		if (json_equal(json_array_get(cfgs, i), (json_t *)dep))
			return "config";
	return "dependency";
}

static int
link_att(struct graph *g, size_t i, struct err *e)
{
	const struct att *a = &g->atts[i];
	const json_t *subs = statement_subjects(a->st);
	const json_t *pred = statement_predicate(a->st);
	const json_t *bd = json_object_get(pred, "buildDefinition");
	const json_t *deps = json_object_get(bd, "resolvedDependencies");
	const json_t *ds = json_object_get(pred, "datasets"), *rd;
	int prov = graph_is_type(a, PRED_SLSA_PROVENANCE);
	int dataset = graph_is_type(a, PRED_DATASET);
	size_t j;
	int rc = 0;

	for (j = 0; rc == 0 && j < json_array_size(subs); j++)
		rc = link_rd(g, i, json_array_get(subs, j), prov || dataset, 1,
			     prov      ? "produces"
			     : dataset ? "attests"
				       : "subject",
			     e);
	for (j = 0; rc == 0 && prov && j < json_array_size(deps); j++) {
		rd = json_array_get(deps, j);
		rc = link_rd(g, i, rd, 0, 0, dep_role(rd, bd), e);
	}
	for (j = 0; rc == 0 && graph_is_type(a, PRED_EVALUATION) &&
		    j < json_array_size(ds);
	     j++) {
		rd = json_array_get(ds, j);
		rc = link_rd(g, i, rd, 0, 0,
			     jsonio_str_or(json_object_get(rd, "annotations"),
					   "role", "eval-dataset"),
			     e);
	}
	return rc;
}

int
graph_link(struct graph *g, struct err *e)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < g->natts; i++)
		if (g->atts[i].st != NULL)
			rc = link_att(g, i, e);
	return rc;
}

int
graph_is_type(const struct att *a, const char *type)
{
	return a->st != NULL &&
	       strcmp(statement_predicate_type(a->st), type) == 0;
}

void
graph_clear(struct graph *g)
{
	size_t i;

	for (i = 0; i < g->natts; i++)
		statement_free(g->atts[i].st);
	free(g->atts);
	free(g->arts);
	free(g->edges);
	memset(g, 0, sizeof(*g));
}

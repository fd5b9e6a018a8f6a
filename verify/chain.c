/* The chain of base models behind a model (see chain.h). */
#include "verify/chain.h"

#include <stdlib.h>
#include <string.h>

#include "lib/digestset.h"
#include "lib/jsonio.h"
#include "lib/text.h"
#include "predicates/types.h"

int
chain_is_base_dep(const json_t *dep)
{
	const char *role =
	    jsonio_str(json_object_get(dep, "annotations"), "role");

	return role != NULL && strcmp(role, "base-model") == 0;
}

static const json_t *
deps_of(const struct evidence_item *it)
{
	return json_object_get(json_object_get(it->pred, "buildDefinition"),
			       "resolvedDependencies");
}

/* 1 when d is the artifact or a model already in the chain. */
static int
known(const struct chain *c, const json_t *artifact, const json_t *d)
{
	size_t i;

	if (digestset_match(artifact, d))
		return 1;
	for (i = 0; i < c->n; i++)
		if (digestset_match(c->models[i].digest, d))
			return 1;
	return 0;
}

/* 1 when d is on the path from the artifact to model index at. */
static int
ancestor(const struct chain *c, const json_t *artifact, size_t at,
	 const json_t *d)
{
	for (; at != CHAIN_ARTIFACT; at = c->models[at].parent)
		if (digestset_match(c->models[at].digest, d))
			return 1;
	return digestset_match(artifact, d);
}

/* The base models named by the provenances about model (index at, or
 * CHAIN_ARTIFACT for the artifact), appended to c. */
static int
expand(struct chain *c, const struct policy *p, const struct evidence *ev,
       const json_t *artifact, size_t at, struct err *e)
{
	const json_t *model =
	    at == CHAIN_ARTIFACT ? artifact : c->models[at].digest;
	size_t depth = at == CHAIN_ARTIFACT ? 1 : c->models[at].depth + 1;
	size_t *list = NULL, nl, li, j;
	char shown[200];
	int rc = 0;

	nl = evidence_about_list(ev, model, &list);
	for (li = 0; rc == 0 && li < nl; li++) {
		const struct evidence_item *it = &ev->items[list[li]];
		const json_t *deps = deps_of(it);
		if (strcmp(it->type, PRED_SLSA_PROVENANCE) != 0 ||
		    !evidence_signed_by_any(it, p->training_signers.idx,
					    p->training_signers.n))
			continue;
		if (at != CHAIN_ARTIFACT && c->models[at].trained == CHAIN_NONE)
			c->models[at].trained = list[li];
		for (j = 0; rc == 0 && j < json_array_size(deps); j++) {
			const json_t *dep = json_array_get(deps, j);
			const json_t *d = json_object_get(dep, "digest");
			if (!chain_is_base_dep(dep) ||
			    !digestset_has_acceptable(d))
				continue;
			text_escape(shown, sizeof(shown),
				    jsonio_str_or(dep, "name", "(unnamed)"));
			if (ancestor(c, artifact, at, d))
				rc = err_set(e, EXIT_REJECTED,
					     "%s: base model %s is a model it "
					     "was trained into (a cycle)",
					     it->src, shown);
			else if (known(c, artifact, d))
				continue;
			else if (depth > CHAIN_MAX_DEPTH)
				rc = err_set(e, EXIT_REJECTED,
					     "%s: base model %s is deeper than "
					     "%d generations",
					     it->src, shown, CHAIN_MAX_DEPTH);
			else if (c->n == CHAIN_MAX_MODELS)
				rc = err_set(e, EXIT_REJECTED,
					     "more than %d base models behind "
					     "the artifact",
					     CHAIN_MAX_MODELS);
			else {
				struct chain_model *m = &c->models[c->n++];
				m->digest = d;
				m->name =
				    jsonio_str_or(dep, "name", "(unnamed)");
				m->depth = depth;
				m->via = list[li];
				m->parent = at;
				m->trained = CHAIN_NONE;
			}
		}
	}
	free(list);
	return rc;
}

/* SPEC-POL-17 */
int
chain_collect(struct chain *out, const struct policy *p,
	      const struct evidence *ev, const json_t *artifact, struct err *e)
{
	size_t i;
	int rc;

	out->n = 0;
	rc = expand(out, p, ev, artifact, CHAIN_ARTIFACT, e);
	for (i = 0; rc == 0 && i < out->n; i++)
		rc = expand(out, p, ev, artifact, i, e);
	return rc;
}

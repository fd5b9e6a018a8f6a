/*
 * The lineage graph of a set of verified attestations (spec/lineage.md):
 * digests and attestation lines are nodes; an attestation links what it
 * consumed (training dependencies, dataset files and parents, evaluation
 * datasets) to what it produced (its subjects), or, for a statement about
 * a subject (evaluation, approval, intake), the subject to itself. Built
 * and searched in time linear in the evidence.
 */
#ifndef MLATTEST_VERIFY_LINEAGE_H
#define MLATTEST_VERIFY_LINEAGE_H

#include <jansson.h>
#include <stddef.h>

#include "lib/err.h"
#include "verify/evidence.h"

struct lineage;

/* One affected subject, as lineage_affected reports it. */
struct lineage_hit {
	const char *kind;     /* model, dataset, evaluation, approval, ... */
	const char *name;     /* subject name (untrusted, unescaped) */
	const json_t *digest; /* its DigestSet (borrowed) */
	size_t item;	      /* the attestation that makes it affected */
	const size_t *path;   /* evidence items from the start to item */
	size_t npath;
};

typedef int (*lineage_hit_fn)(const struct lineage_hit *h, void *arg,
			      struct err *e);

/*
 * SPEC-LIN-1: builds the graph of ev (borrowed; must outlive it). *out is
 * the caller's (lineage_free). EXIT_UNDECIDED when out of memory.
 */
int lineage_build(struct lineage **out, const struct evidence *ev,
		  struct err *e);
void lineage_free(struct lineage *g);

/*
 * SPEC-LIN-2: calls fn once for every subject whose lineage contains a
 * value of start (a DigestSet), in breadth-first order (shortest path
 * first). Returns the number of hits, or a negative code (fn's, or
 * EXIT_UNDECIDED when out of memory).
 */
long lineage_affected(const struct lineage *g, const json_t *start,
		      lineage_hit_fn fn, void *arg, struct err *e);

#endif

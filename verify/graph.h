/*
 * The lineage graph of verify report: attestations (each with its state
 * from the evidence loader), the artifacts their statements name, and
 * the edges between them. Built here; drawn by cmd_report.c.
 */
#ifndef MLATTEST_VERIFY_GRAPH_H
#define MLATTEST_VERIFY_GRAPH_H

#include <jansson.h>
#include <stddef.h>

#include "keys/keyset.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/statement.h"
#include "verify/evidence.h"

#define GRAPH_MAX_KEYS EVIDENCE_MAX_KEYS
#define GRAPH_MAX_ATTESTATIONS 10000
/* Artifacts and edges in one graph (all subjects and dependencies). */
#define GRAPH_MAX_EDGES ((size_t)10000000)

enum att_state { ATT_VERIFIED, ATT_UNCHECKED, ATT_NOT_VERIFIED, ATT_MALFORMED };

struct att {
	char src[256];
	char sha256[SHA256_HEX_LEN + 1]; /* of the entry's bytes */
	char why[ERR_MSG_MAX];
	enum att_state state;
	unsigned char signed_by[GRAPH_MAX_KEYS];
	struct statement *st; /* NULL unless parsed */
	int linked;	      /* reached from a training run */
};

/* An artifact some statement names: one digest set, the first name seen. */
struct art {
	const json_t *digest; /* borrowed from a statement */
	const char *name;     /* borrowed, may be NULL */
};

/* out: the attestation made the artifact; else it is about or used it. */
struct edge {
	size_t att, art;
	int out, subject;
	const char *rel; /* a literal, or a role borrowed from a statement */
};

struct graph {
	struct att *atts;
	struct art *arts;
	struct edge *edges;
	size_t natts, narts, nedges, capatts, caparts, capedges;
};

/*
 * Adds every entry of the bundle at path, checked under ks (NULL: no keys
 * given, so nothing is verified and every parsed entry is UNCHECKED).
 * Fails when the file cannot be read or past GRAPH_MAX_ATTESTATIONS.
 */
int graph_add_bundle(struct graph *g, const char *path, const struct keyset *ks,
		     struct err *e);

/* Links every parsed statement to the artifacts it names. */
int graph_link(struct graph *g, struct err *e);

/* 1 when a was parsed and its predicateType is type. */
int graph_is_type(const struct att *a, const char *type);

void graph_clear(struct graph *g);

#endif

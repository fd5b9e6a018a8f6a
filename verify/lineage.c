/* The lineage graph and the affected-subject search (see lineage.h). */
#include "verify/lineage.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dynbuf.h"
#include "lib/jsonio.h"
#include "predicates/types.h"

#define NO_NODE SIZE_MAX
#define MAX_KEY_LEN 200

struct edge {
	size_t from, to, item;
};

struct lineage {
	const struct evidence *ev;
	char **keys; /* node key per slot, open addressing */
	size_t *slot_node;
	size_t nslots;
	size_t nnodes;
	size_t *line_node; /* per item: the node of its line digest */
	struct edge *edges;
	size_t nedges, cap;
	size_t *first; /* CSR: edges of node n are first[n]..first[n+1] */
	struct edge *out;
	unsigned char *terminal; /* per item: about its subjects, not making */
};

static size_t
fnv1a(const char *s)
{
	size_t h = (size_t)1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
	return h;
}

/* "alg:lowercase value" into buf; 0 when too long or not a string. */
static int
node_key(char *buf, const char *alg, const char *value)
{
	size_t a = strlen(alg), v, i;

	if (value == NULL || a + (v = strlen(value)) + 2 > MAX_KEY_LEN)
		return 0;
	memcpy(buf, alg, a);
	buf[a] = ':';
	for (i = 0; i < v; i++)
		buf[a + 1 + i] = (char)tolower((unsigned char)value[i]);
	buf[a + 1 + v] = '\0';
	return 1;
}

/* The node of key, added when add is set; NO_NODE otherwise or on OOM. */
static size_t
node(struct lineage *g, const char *key, int add)
{
	size_t i = fnv1a(key) & (g->nslots - 1);

	for (; g->keys[i] != NULL; i = (i + 1) & (g->nslots - 1))
		if (strcmp(g->keys[i], key) == 0)
			return g->slot_node[i];
	if (!add || 2 * (g->nnodes + 1) > g->nslots ||
	    (g->keys[i] = strdup(key)) == NULL)
		return NO_NODE;
	g->slot_node[i] = g->nnodes;
	return g->nnodes++;
}

static int
add_edge(struct lineage *g, size_t from, size_t to, size_t item)
{
	if (from == NO_NODE || to == NO_NODE)
		return -1;
	if (dynarr_reserve((void **)&g->edges, &g->cap, g->nedges + 1,
			   sizeof(*g->edges),
			   SIZE_MAX / sizeof(*g->edges)) != 0)
		return -1;
	g->edges[g->nedges].from = from;
	g->edges[g->nedges].to = to;
	g->edges[g->nedges].item = item;
	g->nedges++;
	return 0;
}

/* Each value of the DigestSet d as a node, linked to or from line. */
static int
link_set(struct lineage *g, const json_t *d, size_t line, size_t item,
	 int into_line)
{
	char key[MAX_KEY_LEN];
	const char *alg;
	json_t *v;

	json_object_foreach((json_t *)d, alg, v)
	{
		size_t n;
		if (!node_key(key, alg, json_string_value(v)))
			continue;
		n = node(g, key, 1);
		if ((into_line ? add_edge(g, n, line, item)
			       : add_edge(g, line, n, item)) != 0)
			return -1;
	}
	return 0;
}

/* Inputs of rds (an array of resource descriptors): digest and the
 * attestation line it names. */
static int
link_rds(struct lineage *g, const json_t *rds, size_t line, size_t item)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < json_array_size(rds); i++) {
		const json_t *rd = json_array_get(rds, i);
		rc = link_set(g, json_object_get(rd, "digest"), line, item, 1);
		if (rc == 0)
			rc = link_set(
			    g,
			    json_object_get(json_object_get(rd, "annotations"),
					    "attestation"),
			    line, item, 1);
	}
	return rc;
}

/* The files of a dataset predicate's inline manifests. */
static int
link_files(struct lineage *g, const json_t *pred, size_t line, size_t item)
{
	const json_t *cs = json_object_get(pred, "contents");
	char key[MAX_KEY_LEN];
	size_t c, f;

	for (c = 0; c < json_array_size(cs); c++) {
		const json_t *files = json_object_get(
		    json_object_get(json_array_get(cs, c), "manifest"),
		    "files");
		for (f = 0; f < json_array_size(files); f++) {
			const char *h =
			    jsonio_str(json_array_get(files, f), "sha256");
			if (node_key(key, "sha256", h) &&
			    add_edge(g, node(g, key, 1), line, item) != 0)
				return -1;
		}
	}
	return 0;
}

/* SPEC-LIN-1: the edges one attestation adds. */
static int
link_item(struct lineage *g, size_t item)
{
	const struct evidence_item *it = &g->ev->items[item];
	const json_t *subs = statement_subjects(it->st), *p = it->pred;
	size_t line = g->line_node[item], i;
	int making = 0, rc = 0;

	if (strcmp(it->type, PRED_REVOCATION) == 0)
		return 0;
	if (strcmp(it->type, PRED_SLSA_PROVENANCE) == 0) {
		making = 1;
		rc = link_rds(
		    g,
		    json_object_get(json_object_get(p, "buildDefinition"),
				    "resolvedDependencies"),
		    line, item);
	} else if (strcmp(it->type, PRED_DATASET) == 0) {
		making = 1;
		rc = link_files(g, p, line, item);
		if (rc == 0)
			rc = link_rds(g, json_object_get(p, "parents"), line,
				      item);
	} else if (strcmp(it->type, PRED_EVALUATION) == 0)
		rc = link_rds(g, json_object_get(p, "datasets"), line, item);
	g->terminal[item] = (unsigned char)!making;
	for (i = 0; rc == 0 && i < json_array_size(subs); i++)
		rc = link_set(
		    g, json_object_get(json_array_get(subs, i), "digest"), line,
		    item, !making);
	return rc;
}

static size_t
count_values(const json_t *d)
{
	return json_object_size(d);
}

/* An upper bound of the nodes: every digest value any item names. */
static size_t
bound(const struct evidence *ev)
{
	size_t i, j, n = 0;

	for (i = 0; i < ev->n; i++) {
		const struct evidence_item *it = &ev->items[i];
		const json_t *subs = statement_subjects(it->st);
		const json_t *bd = json_object_get(it->pred, "buildDefinition");
		const json_t *rds[3] = {
		    json_object_get(bd, "resolvedDependencies"),
		    json_object_get(it->pred, "parents"),
		    json_object_get(it->pred, "datasets")};
		const json_t *cs = json_object_get(it->pred, "contents");
		size_t r;
		n++;
		for (j = 0; j < json_array_size(subs); j++)
			n += count_values(
			    json_object_get(json_array_get(subs, j), "digest"));
		for (r = 0; r < 3; r++)
			for (j = 0; j < json_array_size(rds[r]); j++) {
				const json_t *rd = json_array_get(rds[r], j);
				n +=
				    count_values(json_object_get(rd, "digest"));
				n += count_values(json_object_get(
				    json_object_get(rd, "annotations"),
				    "attestation"));
			}
		for (j = 0; j < json_array_size(cs); j++)
			n += json_array_size(json_object_get(
			    json_object_get(json_array_get(cs, j), "manifest"),
			    "files"));
	}
	return n;
}

/* Edges sorted by source (counting sort): out[first[n]..first[n+1]). */
static int
index_edges(struct lineage *g)
{
	size_t i, *fill;

	g->first = calloc(g->nnodes + 1, sizeof(*g->first));
	g->out = calloc(g->nedges + 1, sizeof(*g->out));
	fill = calloc(g->nnodes + 1, sizeof(*fill));
	if (g->first == NULL || g->out == NULL || fill == NULL) {
		free(fill);
		return -1;
	}
	for (i = 0; i < g->nedges; i++)
		g->first[g->edges[i].from + 1]++;
	for (i = 0; i < g->nnodes; i++)
		g->first[i + 1] += g->first[i];
	for (i = 0; i < g->nedges; i++) {
		size_t f = g->edges[i].from;
		g->out[g->first[f] + fill[f]++] = g->edges[i];
	}
	free(fill);
	return 0;
}

int
lineage_build(struct lineage **out, const struct evidence *ev, struct err *e)
{
	struct lineage *g = calloc(1, sizeof(*g));
	char key[MAX_KEY_LEN];
	size_t i, want = 16, n;
	int rc = 0;

	*out = NULL;
	if (g == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	g->ev = ev;
	n = bound(ev);
	while (want < 2 * n + 2)
		want *= 2;
	g->nslots = want;
	g->keys = calloc(want, sizeof(*g->keys));
	g->slot_node = calloc(want, sizeof(*g->slot_node));
	g->line_node = calloc(ev->n + 1, sizeof(*g->line_node));
	g->terminal = calloc(ev->n + 1, 1);
	if (g->keys == NULL || g->slot_node == NULL || g->line_node == NULL ||
	    g->terminal == NULL)
		rc = -1;
	for (i = 0; rc == 0 && i < ev->n; i++) {
		node_key(key, "sha256", ev->items[i].sha256);
		g->line_node[i] = node(g, key, 1);
		rc = g->line_node[i] == NO_NODE ? -1 : 0;
	}
	for (i = 0; rc == 0 && i < ev->n; i++)
		rc = link_item(g, i);
	if (rc == 0)
		rc = index_edges(g);
	if (rc != 0) {
		lineage_free(g);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	*out = g;
	return 0;
}

void
lineage_free(struct lineage *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; g->keys != NULL && i < g->nslots; i++)
		free(g->keys[i]);
	free(g->keys);
	free(g->slot_node);
	free(g->line_node);
	free(g->edges);
	free(g->first);
	free(g->out);
	free(g->terminal);
	free(g);
}

static const char *
kind_of(const struct evidence_item *it)
{
	const char *s;

	if (strcmp(it->type, PRED_SLSA_PROVENANCE) == 0)
		return "model";
	s = pred_short_name(it->type);
	return s != NULL ? s : "attestation";
}

struct search {
	const struct lineage *g;
	size_t *via_node, *via_item; /* per node: how BFS reached it */
	unsigned char *seen;
	size_t *queue, head, tail;
	size_t *path;
};

/* The items on the way to node n, start first; returns how many. */
static size_t
trace(struct search *s, size_t n)
{
	size_t k = 0, i;

	while (s->via_node[n] != NO_NODE) {
		size_t it = s->via_item[n];
		if (k == 0 || s->path[k - 1] != it)
			s->path[k++] = it;
		n = s->via_node[n];
	}
	for (i = 0; i < k / 2; i++) {
		size_t t = s->path[i];
		s->path[i] = s->path[k - 1 - i];
		s->path[k - 1 - i] = t;
	}
	return k;
}

static long
emit(struct search *s, const struct evidence_item *it, size_t item,
     size_t npath, lineage_hit_fn fn, void *arg, struct err *e)
{
	const json_t *subs = statement_subjects(it->st);
	struct lineage_hit h;
	long hits = 0;
	size_t i;
	int rc;

	h.kind = kind_of(it);
	h.item = item;
	h.path = s->path;
	h.npath = npath;
	for (i = 0; i < json_array_size(subs); i++) {
		const json_t *sub = json_array_get(subs, i);
		h.name = jsonio_str_or(sub, "name", "_");
		h.digest = json_object_get(sub, "digest");
		rc = fn(&h, arg, e);
		if (rc != 0)
			return rc;
		hits++;
		if (s->g->terminal[item])
			break; /* one line for a statement about a subject */
	}
	return hits;
}

/* Reports the subjects of the item whose line node is n. */
static long
report(struct search *s, size_t n, size_t item, lineage_hit_fn fn, void *arg,
       struct err *e)
{
	return emit(s, &s->g->ev->items[item], item, trace(s, n), fn, arg, e);
}

/* An attestation named as the start: it is the whole path. */
static long
report_start(struct search *s, size_t item, lineage_hit_fn fn, void *arg,
	     struct err *e)
{
	return emit(s, &s->g->ev->items[item], item, 1, fn, arg, e);
}

static void
push(struct search *s, size_t n, size_t from, size_t item)
{
	if (s->seen[n])
		return;
	s->seen[n] = 1;
	s->via_node[n] = from;
	s->via_item[n] = item;
	s->queue[s->tail++] = n;
}

long
lineage_affected(const struct lineage *g, const json_t *start,
		 lineage_hit_fn fn, void *arg, struct err *e)
{
	struct search s;
	char key[MAX_KEY_LEN];
	const char *alg;
	json_t *v;
	long hits = 0, r;
	size_t i;

	memset(&s, 0, sizeof(s));
	s.g = g;
	s.via_node = malloc((g->nnodes + 1) * sizeof(size_t));
	s.via_item = malloc((g->nnodes + 1) * sizeof(size_t));
	s.queue = malloc((g->nnodes + 1) * sizeof(size_t));
	s.path = malloc((g->nnodes + 1) * sizeof(size_t));
	s.seen = calloc(g->nnodes + 1, 1);
	if (s.via_node == NULL || s.via_item == NULL || s.queue == NULL ||
	    s.path == NULL || s.seen == NULL) {
		hits = err_set(e, EXIT_UNDECIDED, "out of memory");
		goto out;
	}
	json_object_foreach((json_t *)start, alg, v)
	{
		size_t n;
		if (node_key(key, alg, json_string_value(v)) &&
		    (n = node((struct lineage *)g, key, 0)) != NO_NODE)
			push(&s, n, NO_NODE, NO_NODE);
	}
	/* A start that is an attestation line: what it made is affected. */
	for (i = 0; i < g->ev->n; i++) {
		if (!s.seen[g->line_node[i]])
			continue;
		s.path[0] = i;
		r = report_start(&s, i, fn, arg, e);
		if (r < 0) {
			hits = r;
			goto out;
		}
		hits += r;
	}
	while (s.head < s.tail) {
		size_t n = s.queue[s.head++];
		for (i = g->first[n]; i < g->first[n + 1]; i++) {
			const struct edge *ed = &g->out[i];
			int fresh = !s.seen[ed->to];
			push(&s, ed->to, n, ed->item);
			/* An attestation is reached at its line node. */
			if (!fresh || ed->to != g->line_node[ed->item])
				continue;
			r = report(&s, ed->to, ed->item, fn, arg, e);
			if (r < 0) {
				hits = r;
				goto out;
			}
			hits += r;
		}
	}
out:
	free(s.via_node);
	free(s.via_item);
	free(s.queue);
	free(s.path);
	free(s.seen);
	return hits;
}

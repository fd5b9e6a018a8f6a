/*
 * Two training runs side by side (verify compare, spec/cli.md): their
 * resource descriptors, parameters, command and seed, their models, and
 * the metrics of the evaluations on the same datasets. Each finding is one
 * line through the caller's say; nothing here prints.
 */
#ifndef MLATTEST_PREDICATES_COMPARE_H
#define MLATTEST_PREDICATES_COMPARE_H

#include <jansson.h>
#include <stddef.h>

/* One run: its training provenance and the evaluations of its model. */
struct compare_run {
	const char *tag;	/* "A" or "B" */
	const json_t *bd;	/* buildDefinition (borrowed) */
	const json_t *ext;	/* its externalParameters (borrowed) */
	const json_t *subjects; /* the provenance's subjects (borrowed) */
	const json_t **evals;	/* evaluation predicates (borrowed) */
	size_t nevals;
};

struct compare_ctx {
	struct compare_run run[2];
	/*
	 * One result line: kind is SAME, DIFFERS (a divergence), SKIPPED,
	 * NOTE, INFO or UNDECIDED; text is escaped.
	 */
	void (*say)(void *arg, const char *kind, const char *text);
	/* The tolerance of a metric by name (0: must be equal). */
	double (*tolerance)(void *arg, const char *name);
	void *arg;
	int undecided; /* set when out of memory or an evaluation is missing */
};

/* 1 when two arrays of resource descriptors name the same digests. */
int compare_same_datasets(const json_t *a, const json_t *b);

/*
 * The claimed inputs: dependencies by role (inputs and datasets, base
 * model, code, container image) paired by digest then by name, public
 * parameters member by member, private parameters named and skipped,
 * configs, command and seed; then notes (a dirty code tree, a command
 * that did not exit 0).
 */
void compare_training(struct compare_ctx *c);

/* The models: reported, never a divergence. */
void compare_models(struct compare_ctx *c);

/*
 * Evaluations paired by their datasets, each metric within its tolerance;
 * an evaluation on one side only differs, a side without any is
 * UNDECIDED.
 */
void compare_evals(struct compare_ctx *c);

#endif

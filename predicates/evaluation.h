/*
 * Predicate evaluation/v1 (spec/predicates/evaluation.md): metrics bound
 * to one model digest and the eval datasets' digests, with thresholds and
 * their outcomes. Also the metrics file format and threshold expressions.
 */
#ifndef MLATTEST_PREDICATES_EVALUATION_H
#define MLATTEST_PREDICATES_EVALUATION_H

#include <jansson.h>

#include "lib/err.h"

#define MAX_METRICS 1000
#define MAX_METRIC_NAME 128
#define MAX_METRICS_BYTES ((size_t)1024 * 1024)

extern const char *const eval_roles[];

enum eval_op { OP_GE, OP_GT, OP_LE, OP_LT, OP_EQ };

struct threshold {
	char name[MAX_METRIC_NAME + 1];
	enum eval_op op;
	double value;
};

/*
 * Loads a metrics file: a flat JSON object of name -> number (SPEC-EVAL-1).
 * Refused (EXIT_REJECTED, naming the file and the metric): not an object,
 * duplicate keys, strings, booleans, null, nesting, numbers that are not
 * finite, names that are empty, longer than MAX_METRIC_NAME or hold
 * characters outside [A-Za-z0-9_.:/-], more than MAX_METRICS, none at all.
 */
int eval_metrics_load(json_t **out, const char *path, struct err *e);

/* Validates an already-parsed metrics object the same way. */
int eval_metrics_check(const json_t *m, const char *src, struct err *e);

/* Parses "NAME>=X" (ops >=, >, <=, <, ==); X finite. -EXIT_USAGE else. */
int eval_threshold_parse(struct threshold *t, const char *s, struct err *e);

/* The op as text, and its parse. */
const char *eval_op_str(enum eval_op op);
int eval_op_parse(enum eval_op *op, const char *s);

/* 1 when observed op value holds. */
int eval_compare(double observed, enum eval_op op, double value);

/* 1 when s is a valid metric name ([A-Za-z0-9_.:/-], 1..128 bytes). */
int eval_metric_name_ok(const char *s);

/* 1 when role is one of eval_roles. */
int eval_role_ok(const char *role);

/* Validates an evaluation/v1 predicate read from a verified statement. */
int pred_eval_check(const json_t *pred, const char *src, struct err *e);

#endif

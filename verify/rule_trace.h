/*
 * The trace rules of verify policy (spec/policy.md §5.8): training.trace
 * and training.undeclared-inputs, over the internalParameters.trace that
 * attest run --trace records (spec/predicates/training.md §3.3).
 */
#ifndef MLATTEST_VERIFY_RULE_TRACE_H
#define MLATTEST_VERIFY_RULE_TRACE_H

#include <jansson.h>
#include <stddef.h>

/* Undeclared paths a reason names before "and N more". */
#define RULE_TRACE_NAMED 5

/* The trace of a training provenance predicate (borrowed), or NULL. */
const json_t *rule_trace_of(const json_t *pred);

/*
 * training.trace (SPEC-POL-19): 0 when pred carries a complete trace,
 * else -1 with why (cap bytes) saying what is missing.
 */
int rule_trace_require(const json_t *pred, char *why, size_t cap);

/*
 * training.undeclared-inputs (SPEC-POL-20): appends {"source", "path",
 * "sha256" when recorded, "how": "read"|"executed"} to list for each
 * undeclared path of pred's trace under one of prefixes (an array of
 * absolute paths; NULL: every path), each path once, and returns how many
 * it appended. *unlisted is the number of undeclared paths the trace
 * counted but did not list (its lists are cut at 10,000), which may be
 * under the prefixes. Returns (size_t)-1 when out of memory.
 */
size_t rule_trace_undeclared(json_t *list, const json_t *pred,
			     const json_t *prefixes, const char *source,
			     unsigned long long *unlisted);

/*
 * Formats what entries [from, from + n) of list and unlisted say:
 * "read 2 undeclared files: /tmp/x.csv (sha256:0123456789ab), /data/y"
 * (at most RULE_TRACE_NAMED named, then "and N more").
 */
void rule_trace_describe(char *buf, size_t cap, const json_t *list, size_t from,
			 size_t n, unsigned long long unlisted);

#endif

/*
 * verify policy as a library for the documents made from its verdict
 * (verify report --format cyclonedx|html|markdown): the same options, the
 * same evaluation, and instead of the text, JSON and VSA outputs one call
 * of a sink with what was decided and which evidence counted.
 */
#ifndef MLATTEST_VERIFY_POLICYRUN_H
#define MLATTEST_VERIFY_POLICYRUN_H

#include <jansson.h>

#include "keys/key.h"
#include "lib/err.h"
#include "verify/evidence.h"
#include "verify/policy.h"

struct policy_view {
	const struct policy *p;
	const struct evidence *ev; /* verified under the policy's keys */
	const unsigned char *used; /* per item: counted by some rule */
	const json_t *artifact;	   /* its DigestSet */
	const char *artifact_name;
	const json_t *report; /* verify policy's JSON report */
	int status;	      /* the verdict's exit code */
	const struct key_load_opts *ko;
};

typedef int (*policy_sink_fn)(const struct policy_view *v, void *arg,
			      struct err *e);

/*
 * Runs verify policy over argv (its options) and hands the result to sink
 * instead of printing it. Returns the verdict's exit code, or the error's.
 */
int policy_run(int argc, char **argv, policy_sink_fn sink, void *arg);

#endif

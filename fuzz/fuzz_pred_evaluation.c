/*
 * Predicate evaluation/v1 read from a verified statement: pred_eval_check;
 * its metrics object must then pass eval_metrics_check on its own.
 */
#include "fuzz/fuzz.h"

#include "lib/jsonio.h"
#include "predicates/evaluation.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	json_t *obj = NULL;
	int rc;

	if (jsonio_load_object(&obj, data, size, "fuzz", &e) != 0)
		return 0;
	rc = pred_eval_check(obj, "fuzz", &e);
	if (rc != 0)
		fuzz_check_err(rc, &e);
	else
		fuzz_check(eval_metrics_check(json_object_get(obj, "metrics"),
					      "metrics", &e) == 0,
			   "accepted predicates hold valid metrics");
	json_decref(obj);
	return 0;
}

/*
 * The metrics file (SPEC-EVAL-1): jsonio_load_object + eval_metrics_check,
 * and eval_metrics_load on the same bytes, which must agree; every value
 * it keeps is finite.
 */
#include "fuzz/fuzz.h"

#include <math.h>

#include "lib/jsonio.h"
#include "predicates/evaluation.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	json_t *obj = NULL, *loaded = NULL, *v;
	const char *key;
	int rc, good = 0;

	rc = jsonio_load_object(&obj, data, size, "fuzz", &e);
	if (rc == 0) {
		rc = eval_metrics_check(obj, "fuzz", &e);
		good = rc == 0;
	}
	if (rc != 0)
		fuzz_check_err(rc, &e);
	rc = eval_metrics_load(&loaded, fuzz_file("metrics.json", data, size),
			       &e);
	fuzz_check((rc == 0) == good, "load agrees with check");
	json_object_foreach(loaded, key, v)
	{
		fuzz_check(eval_metric_name_ok(key), "metric name");
		fuzz_check(isfinite(json_number_value(v)), "finite metric");
	}
	json_decref(loaded);
	json_decref(obj);
	return 0;
}

/* Predicate intake/v1 read from a verified statement: pred_intake_check. */
#include "fuzz/fuzz.h"

#include "lib/jsonio.h"
#include "predicates/intake.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	json_t *obj = NULL;
	int rc;

	if (jsonio_load_object(&obj, data, size, "fuzz", &e) != 0)
		return 0;
	rc = pred_intake_check(obj, "fuzz", &e);
	if (rc != 0)
		fuzz_check_err(rc, &e);
	json_decref(obj);
	return 0;
}

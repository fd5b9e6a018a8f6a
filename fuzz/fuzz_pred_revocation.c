/*
 * Predicate revocation/v1 read from a verified statement:
 * pred_revocation_check, and the lookups verify policy makes on a list it
 * accepted (every entry's digest finds an entry; no key id is found twice).
 */
#include "fuzz/fuzz.h"

#include "lib/jsonio.h"
#include "predicates/revocation.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct revocation_info info;
	struct err e = ERR_INIT;
	json_t *obj = NULL;
	const json_t *ent;
	size_t i;
	int rc;

	if (jsonio_load_object(&obj, data, size, "fuzz", &e) != 0)
		return 0;
	rc = pred_revocation_check(obj, "fuzz", &info, &e);
	if (rc != 0)
		fuzz_check_err(rc, &e);
	else {
		fuzz_check(info.serial >= 1 &&
			       info.next_update > info.issued_on,
			   "serial and times");
		json_array_foreach(json_object_get(obj, "entries"), i, ent)
		    fuzz_check(pred_revocation_find(
				   obj, json_object_get(ent, "digest")) == ent,
			       "an entry finds itself first (no repeats)");
	}
	json_decref(obj);
	return 0;
}

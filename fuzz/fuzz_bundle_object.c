/*
 * One attestation object (a bare DSSE envelope or a Sigstore bundle):
 * bundle_parse_object after jsonio_load_object, and the same bytes
 * through bundle_add_object, which must agree.
 */
#include "fuzz/fuzz.h"

#include "lib/bundle.h"
#include "lib/jsonio.h"

static int
via_bundle(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	const struct bundle_entry *ent;
	struct bundle *b = NULL;
	int good;

	fuzz_check(bundle_new(&b, &e) == 0, "bundle_new");
	fuzz_check(bundle_add_object(b, "fuzz", data, size, &e) == 0,
		   "bundle_add_object");
	fuzz_check(bundle_count(b) == 1, "one entry");
	ent = bundle_get(b, 0);
	good = ent->error.code == 0;
	fuzz_check(good == (ent->env != NULL), "bad entries have no envelope");
	fuzz_check(ent->rawlen == size, "raw length");
	if (!good)
		fuzz_check(ent->error.msg[0] != '\0', "bad entries say why");
	bundle_free(b);
	return good;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct bundle_entry ent;
	json_t *obj = NULL;
	int rc, good = 0;

	memset(&ent, 0, sizeof(ent));
	rc = jsonio_load_object(&obj, data, size, "fuzz", &e);
	if (rc == 0) {
		rc = bundle_parse_object(&ent, obj, "fuzz", &e);
		good = rc == 0;
		if (rc != 0)
			fuzz_check_err(rc, &e);
		fuzz_check(good == (ent.env != NULL), "envelope iff parsed");
		if (good && ent.format == BUNDLE_SIGSTORE)
			fuzz_check(dsse_sig_count(ent.env) == 1,
				   "Sigstore bundles hold one signature");
	}
	fuzz_check(via_bundle(data, size) == good,
		   "bundle_add_object agrees with bundle_parse_object");
	bundle_entry_clear(&ent);
	json_decref(obj);
	return 0;
}

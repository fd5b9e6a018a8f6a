/*
 * Sigstore TrustedRoot JSON: trustroot_parse never crashes; a refusal is
 * a known exit class with a message; an accepted root has every log id
 * 32 bytes, and a log is either usable (a key, a start) or says why not.
 */
#include "fuzz/fuzz.h"

#include "lib/trustroot.h"

static void
check_logs(const struct trustroot_log *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		fuzz_check(l[i].unusable != NULL ||
			       (l[i].key != NULL && l[i].valid.has_start),
			   "usable log has a key and a start");
		fuzz_check(
		    trustroot_find_log(l, n, l[i].id, TRUSTROOT_ID_LEN) != NULL,
		    "log found by its id");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trustroot *t = NULL;
	struct err e = ERR_INIT;
	const struct trustroot_log *l;
	size_t n;
	int rc = trustroot_parse(&t, data, size, "fuzz", &e);

	if (rc != 0) {
		fuzz_check_err(rc, &e);
		fuzz_check(t == NULL, "no root on failure");
		return 0;
	}
	l = trustroot_tlogs(t, &n);
	check_logs(l, n);
	l = trustroot_ctlogs(t, &n);
	check_logs(l, n);
	trustroot_free(t);
	return 0;
}

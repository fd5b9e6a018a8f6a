/*
 * Image references (oci_ref_parse): HOST[:PORT]/REPO@sha256:HEX. An
 * accepted reference has NUL-terminated parts that rebuild the input.
 */
#include "fuzz/fuzz.h"

#include "lib/oci.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct oci_ref ref;
	char *s = fuzz_cstr(data, size), back[OCI_MAX_REF_LEN + 128];
	int rc;

	rc = oci_ref_parse(&ref, s, &e);
	if (rc != 0) {
		fuzz_check_err(rc, &e);
	} else {
		fuzz_check(memchr(ref.host, '\0', sizeof(ref.host)) &&
			       memchr(ref.repo, '\0', sizeof(ref.repo)) &&
			       strlen(ref.hex) == SHA256_HEX_LEN,
			   "parts terminated");
		snprintf(back, sizeof(back), "%s/%s@sha256:%s", ref.host,
			 ref.repo, ref.hex);
		fuzz_check(strcmp(back, s) == 0, "parts rebuild the reference");
	}
	free(s);
	return 0;
}

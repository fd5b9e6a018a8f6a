/* WWW-Authenticate challenges from a registry (oci_challenge_parse). */
#include "fuzz/fuzz.h"

#include "lib/oci.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct oci_challenge c;
	char *s = fuzz_cstr(data, size);
	int rc;

	rc = oci_challenge_parse(&c, s, &e);
	if (rc != 0) {
		fuzz_check_err(rc, &e);
	} else {
		fuzz_check(memchr(c.realm, '\0', sizeof(c.realm)) &&
			       memchr(c.service, '\0', sizeof(c.service)) &&
			       memchr(c.scope, '\0', sizeof(c.scope)),
			   "values terminated");
		fuzz_check(!c.bearer || c.realm[0] != '\0', "Bearer has realm");
	}
	free(s);
	return 0;
}

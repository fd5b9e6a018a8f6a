/*
 * PKCS#11 URIs (pkcs11: KEYREFs): p11uri_parse. A refusal is a usage
 * error; an accepted URI names a token and a key, and every value fits
 * its field.
 */
#include "fuzz/fuzz.h"

#include "keys/p11uri.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct p11uri u;
	char *s = fuzz_cstr(data, size);
	int rc;

	rc = p11uri_parse(&u, s, &e);
	if (rc != 0) {
		fuzz_check_err(rc, &e);
		fuzz_check(e.code == EXIT_USAGE, "refusals are usage errors");
		free(s);
		return 0;
	}
	fuzz_check(memchr(u.token, '\0', sizeof(u.token)) != NULL, "token");
	fuzz_check(memchr(u.object, '\0', sizeof(u.object)) != NULL, "object");
	fuzz_check(memchr(u.module_path, '\0', sizeof(u.module_path)) != NULL,
		   "module-path");
	fuzz_check(u.idlen <= sizeof(u.id), "id length");
	fuzz_check(u.token[0] || u.serial[0] || u.slot_id[0], "a token named");
	fuzz_check(u.object[0] || u.has_id, "a key named");
	fuzz_check(memchr(u.pin_source, '\0', sizeof(u.pin_source)) != NULL,
		   "pin-source");
	free(s);
	return 0;
}

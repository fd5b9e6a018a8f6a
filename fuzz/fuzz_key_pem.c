/*
 * Public keys as PEM text (inline policy keys, akPublicKey of TPM quotes):
 * key_load_public_pem. An accepted key has an id and prints as PEM that
 * loads to the same key.
 */
#include "fuzz/fuzz.h"

#include "keys/key.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct key *k = NULL, *again = NULL;
	char *pem = NULL;
	size_t len;
	int rc;

	rc = key_load_public_pem(&k, (const char *)data, size, "fuzz", &e);
	if (rc != 0) {
		fuzz_check_err(rc, &e);
		return 0;
	}
	fuzz_check(strlen(key_id(k)) == KEY_ID_LEN, "key id");
	fuzz_check(key_public_pem(&pem, &len, k, &e) == 0, "key_public_pem");
	fuzz_check(key_load_public_pem(&again, pem, len, "again", &e) == 0,
		   "printed key loads");
	fuzz_check(strcmp(key_id(k), key_id(again)) == 0, "same key id");
	key_free(again);
	free(pem);
	key_free(k);
	return 0;
}

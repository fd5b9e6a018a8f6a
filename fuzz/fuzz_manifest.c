/*
 * Dataset manifests (digest_manifest_from_json). An accepted manifest
 * must serialise and parse back to the same bytes, and its tree digests
 * must be computable.
 */
#include "fuzz/fuzz.h"

#include "lib/manifest.h"

static void
check_roots(const struct digest_manifest *m)
{
	struct err e = ERR_INIT;
	unsigned char root[32];
	unsigned idx, count;

	if (digest_manifest_partial(&idx, &count, m)) {
		fuzz_check(idx < count, "slice index below count");
		return;
	}
	fuzz_check(digest_manifest_oms_root(root, m, DIGEST_ORDER_PATH, &e) ==
		       0,
		   "OMS root, path order");
	fuzz_check(digest_manifest_oms_root(root, m, DIGEST_ORDER_NAME, &e) ==
		       0,
		   "OMS root, name order");
	if (digest_manifest_shard_size(m) == 0)
		fuzz_check(digest_manifest_dirhash(root, m, &e) == 0,
			   "dirHash");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct digest_manifest *m = NULL, *again = NULL;
	char *text = NULL, *text2 = NULL;
	size_t len, len2;
	int rc;

	rc =
	    digest_manifest_from_json(&m, (const char *)data, size, "fuzz", &e);
	if (rc != 0) {
		fuzz_check_err(rc, &e);
		fuzz_check(m == NULL, "no manifest on failure");
		return 0;
	}
	check_roots(m);
	fuzz_check(digest_manifest_to_json(&text, &len, m, &e) == 0,
		   "manifest serialises");
	rc = digest_manifest_from_json(&again, text, len, "again", &e);
	if (rc != 0)
		fprintf(stderr, "re-serialised manifest refused: %s\n", e.msg);
	fuzz_check(rc == 0, "the emitted manifest parses again");
	fuzz_check(digest_manifest_to_json(&text2, &len2, again, &e) == 0,
		   "manifest serialises twice");
	fuzz_check(len == len2 && memcmp(text, text2, len) == 0,
		   "serialising is stable");
	free(text2);
	free(text);
	digest_manifest_free(again);
	digest_manifest_free(m);
	return 0;
}

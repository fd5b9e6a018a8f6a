/*
 * Whole bundle files (.intoto.jsonl or one JSON object): bundle_read on
 * a file holding the input. Every entry is good xor bad, and names its
 * line.
 */
#include "fuzz/fuzz.h"

#include "lib/bundle.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct bundle *b = NULL;
	const char *path;
	size_t i, lines = 1;
	int rc;

	path = fuzz_file("bundle.intoto.jsonl", data, size);
	rc = bundle_read(&b, path, &e);
	if (rc != 0) {
		fuzz_check_err(rc, &e);
		fuzz_check(b == NULL, "no bundle on failure");
		return 0;
	}
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	fuzz_check(bundle_count(b) >= 1, "at least one entry");
	for (i = 0; i < bundle_count(b); i++) {
		const struct bundle_entry *ent = bundle_get(b, i);
		fuzz_check((ent->error.code == 0) == (ent->env != NULL),
			   "good xor bad");
		fuzz_check(ent->line <= lines, "line in range");
		fuzz_check(ent->rawlen <= size, "raw length in range");
		fuzz_check(strstr(ent->src, path) == ent->src,
			   "entry named by its file");
	}
	bundle_free(b);
	return 0;
}

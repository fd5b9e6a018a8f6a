/*
 * Base64 (SPEC-ENV-2): b64_decode of arbitrary text. Whatever decodes must
 * encode and decode back to the same bytes, and the URL-safe spelling of
 * a standard string must decode to the same bytes.
 */
#include "fuzz/fuzz.h"

#include "lib/b64.h"

static void
round_trip(const unsigned char *bin, size_t binlen)
{
	struct err e = ERR_INIT;
	unsigned char *back = NULL;
	size_t backlen, i, n;
	char *text = b64_encode(bin, binlen);

	fuzz_check(text != NULL, "b64_encode");
	n = strlen(text);
	fuzz_check(n == 4 * ((binlen + 2) / 3), "encoded length");
	fuzz_check(b64_decode(&back, &backlen, text, n, "again", &e) == 0,
		   "encoded text decodes");
	fuzz_check(backlen == binlen && memcmp(back, bin, binlen) == 0,
		   "round trip");
	free(back);
	for (i = 0; i < n; i++)
		text[i] = text[i] == '+' ? '-' : text[i] == '/' ? '_' : text[i];
	fuzz_check(b64_decode(&back, &backlen, text, n, "url", &e) == 0,
		   "URL-safe text decodes");
	fuzz_check(backlen == binlen && memcmp(back, bin, binlen) == 0,
		   "URL-safe round trip");
	free(back);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	unsigned char *out = NULL;
	size_t outlen;
	int rc;

	rc = b64_decode(&out, &outlen, (const char *)data, size, "fuzz", &e);
	if (rc != 0) {
		fuzz_check_err(rc, &e);
		fuzz_check(out == NULL, "no output on failure");
	} else {
		fuzz_check(outlen <= size, "decoded is shorter");
		fuzz_check(out[outlen] == '\0', "decoded is NUL-terminated");
		round_trip(out, outlen);
		free(out);
	}
	round_trip(data, size);
	return 0;
}

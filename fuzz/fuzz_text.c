/*
 * text_escape, which every untrusted string passes before it is printed:
 * the first byte picks the buffer size. The output fits, is terminated
 * and holds only printable ASCII.
 */
#include "fuzz/fuzz.h"

#include "lib/text.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, *out;
	size_t cap, i;

	if (size == 0)
		return 0;
	cap = data[0];
	in = fuzz_cstr(data + 1, size - 1);
	out = malloc(cap > 0 ? cap : 1);
	fuzz_check(out != NULL, "malloc");
	text_escape(out, cap, in);
	if (cap > 0) {
		fuzz_check(memchr(out, '\0', cap) != NULL, "terminated");
		for (i = 0; out[i] != '\0'; i++)
			fuzz_check(out[i] >= 0x20 && out[i] < 0x7f,
				   "printable ASCII only");
	}
	free(out);
	free(in);
	return 0;
}

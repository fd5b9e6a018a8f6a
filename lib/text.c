/* Escaping of untrusted strings before they reach a terminal. */
#include "lib/text.h"

#include <stdio.h>
#include <string.h>

void
text_escape(char *out, size_t cap, const char *in)
{
	size_t used = 0;
	const unsigned char *p = (const unsigned char *)in;

	if (cap == 0)
		return;
	for (; *p != '\0'; p++) {
		size_t need = (*p < 0x20 || *p > 0x7e || *p == '\\') ? 4 : 1;
		if (used + need + 4 > cap) {
			if (cap >= 4) {
				used = used + 4 > cap ? cap - 4 : used;
				memcpy(out + used, "...", 3);
				used += 3;
			}
			break;
		}
		if (need == 4)
			snprintf(out + used, 5, "\\x%02x", *p);
		else
			out[used] = (char)*p;
		used += need;
	}
	out[used] = '\0';
}

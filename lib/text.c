/* Escaping of untrusted strings before they reach a terminal. */
#include "lib/text.h"

#include <stdarg.h>
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

void
textbuf_add(struct textbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->n + 1 >= sizeof(b->s))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->n += (size_t)n;
	if (b->n >= sizeof(b->s))
		b->n = sizeof(b->s) - 1;
}

void
textbuf_esc(struct textbuf *b, const char *s, size_t max)
{
	char tmp[512];

	text_escape(tmp, max < sizeof(tmp) ? max : sizeof(tmp),
		    s != NULL ? s : "(none)");
	textbuf_add(b, "%s", tmp);
}

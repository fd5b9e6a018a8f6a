/* Escaping of untrusted strings before they reach a terminal. */
#include "lib/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

static int
line_byte_ok(unsigned char c)
{
	return c == '\n' || c == '\t' || (c >= 0x20 && c <= 0x7e);
}

int
text_escape_line(char **out, const char *in)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t n = strnlen(in, TEXT_MAX_LINE + 1), used = 0, i;
	char *r;

	*out = NULL;
	r = malloc(4 * (n < TEXT_MAX_LINE ? n : TEXT_MAX_LINE) + 5);
	if (r == NULL)
		return -1;
	for (i = 0; i < n && i < TEXT_MAX_LINE; i++) {
		if (line_byte_ok(p[i]))
			r[used++] = (char)p[i];
		else
			used += (size_t)snprintf(r + used, 5, "\\x%02x", p[i]);
	}
	if (n > TEXT_MAX_LINE) {
		memcpy(r + used, "...", 3);
		used += 3;
	}
	r[used] = '\0';
	*out = r;
	return 0;
}

int
text_vformat_line(char **out, const char *fmt, va_list ap)
{
	va_list again;
	char *raw;
	int n, rc;

	*out = NULL;
	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0)
		return -1;
	raw = malloc((size_t)n + 1);
	if (raw == NULL)
		return -1;
	vsnprintf(raw, (size_t)n + 1, fmt, ap);
	rc = text_escape_line(out, raw);
	free(raw);
	return rc;
}

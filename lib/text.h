/* Making untrusted strings safe to print. */
#ifndef MLATTEST_LIB_TEXT_H
#define MLATTEST_LIB_TEXT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Copies in to out (cap bytes, always NUL-terminated), replacing bytes
 * outside printable ASCII and backslashes with \xNN escapes, and
 * truncating with "..." when it does not fit.
 */
void text_escape(char *out, size_t cap, const char *in);

/*
 * SPEC-VER-6: the escaping every program applies once, to each line it
 * prints. Copies in to a new string (*out, freed with free()), replacing
 * control bytes (below 0x20 except newline and tab, DEL), bytes that are
 * not printable ASCII, and so Unicode bidi overrides, with \xNN escapes.
 * Backslashes stay, so text escaped earlier is not escaped twice. At most
 * TEXT_MAX_LINE bytes of in are copied, then "...". Fails (-1) only when
 * out of memory.
 */
#define TEXT_MAX_LINE ((size_t)4096)
int text_escape_line(char **out, const char *in);

/* Formats fmt and ap, then escapes the result as text_escape_line. */
int text_vformat_line(char **out, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* A fixed-size line being built for output; never overflows, truncates. */
struct textbuf {
	char s[2048];
	size_t n;
};

/* Appends printf-style text to b (truncated when full). */
void textbuf_add(struct textbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends untrusted s (NULL: "(none)") escaped, in at most max - 1 bytes. */
void textbuf_esc(struct textbuf *b, const char *s, size_t max);

#endif

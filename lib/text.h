/* Making untrusted strings safe to print. */
#ifndef MLATTEST_LIB_TEXT_H
#define MLATTEST_LIB_TEXT_H

#include <stddef.h>

/*
 * Copies in to out (cap bytes, always NUL-terminated), replacing bytes
 * outside printable ASCII and backslashes with \xNN escapes, and
 * truncating with "..." when it does not fit.
 */
void text_escape(char *out, size_t cap, const char *in);

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

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

#endif

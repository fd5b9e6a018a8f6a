/*
 * securesystemslib "canonical JSON" (the bytes in-toto 0.9 links and
 * layouts are signed over; spec/intoto-link.md SPEC-LINK-1): no
 * whitespace, object keys sorted by code point, integers only, and in
 * strings only '\' and '"' escaped; everything else, control characters
 * included, is written as raw UTF-8.
 */
#ifndef MLATTEST_LIB_CANONJSON_H
#define MLATTEST_LIB_CANONJSON_H

#include <jansson.h>
#include <stddef.h>

#include "lib/err.h"

/* Ceilings: output bytes and nesting depth. */
#define CANONJSON_MAX_BYTES ((size_t)1 << 30)
#define CANONJSON_MAX_DEPTH 64

/*
 * Encodes v into a new buffer *out (NUL-terminated, *len without the NUL;
 * freed with free()). Reals are EXIT_REJECTED (securesystemslib raises
 * FormatError on floats), as are values nested deeper than
 * CANONJSON_MAX_DEPTH or output past CANONJSON_MAX_BYTES. Strings and keys
 * are written with their full jansson length, so an embedded NUL is kept.
 */
int canonjson_dump(char **out, size_t *len, const json_t *v, struct err *e);

#endif

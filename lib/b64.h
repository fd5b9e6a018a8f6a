/*
 * Base64 as DSSE needs it: emit standard alphabet with padding; accept the
 * standard or the URL-safe alphabet (not a mix of both), padded or not.
 * Encoding and decoding run on OpenSSL's EVP base64 block functions.
 */
#ifndef MLATTEST_LIB_B64_H
#define MLATTEST_LIB_B64_H

#include <stddef.h>

#include "lib/err.h"

/* Ceiling on decoded sizes, far above any envelope we accept. */
#define MAX_B64_INPUT ((size_t)1024 * 1024 * 1024)

/*
 * Encodes in as standard padded base64 into a new NUL-terminated string.
 * Returns NULL when out of memory. The result is freed with free().
 */
char *b64_encode(const unsigned char *in, size_t len);

/*
 * Decodes src (standard or URL-safe, padding optional, no whitespace) into
 * a new buffer (*out, freed with free(), NUL-terminated for convenience).
 * what names the field in the error message. Malformed input is
 * EXIT_REJECTED.
 */
int b64_decode(unsigned char **out, size_t *outlen, const char *src,
	       size_t srclen, const char *what, struct err *e);

/*
 * SPEC-ENV-7: b64_decode that also refuses non-canonical text, where the
 * unused low bits of the last character are not zero ("QR==" and "QX=="
 * would decode like "QQ=="), so one byte string has one encoding. For
 * text that is ours to read strictly (fields of our own formats, such as
 * the tpmQuote); peers' bundles stay with b64_decode.
 */
int b64_decode_strict(unsigned char **out, size_t *outlen, const char *src,
		      size_t srclen, const char *what, struct err *e);

#endif

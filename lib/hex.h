/* Lowercase hex encoding and strict decoding. */
#ifndef MLATTEST_LIB_HEX_H
#define MLATTEST_LIB_HEX_H

#include <stddef.h>

/* Writes 2*len lowercase hex digits and a NUL to out (2*len+1 bytes). */
void hex_encode(char *out, const unsigned char *in, size_t len);

/*
 * Decodes exactly 2*outlen hex digits (either case) from in, which must be
 * NUL-terminated at that length. Returns 0, or -1 on any other input.
 */
int hex_decode(unsigned char *out, size_t outlen, const char *in);

/* The value of hex digit c (either case), or -1. */
int hex_digit(char c);

/* 1 when s is non-empty and only lowercase or uppercase hex digits. */
int hex_is_valid(const char *s);

#endif

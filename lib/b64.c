/* Base64 (see b64.h): encoding on OpenSSL's EVP block coder, decoding in
 * one table-driven pass after the alphabet and padding are checked. */
#include "lib/b64.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

char *
b64_encode(const unsigned char *in, size_t len)
{
	size_t outlen;
	char *out;

	if (len > MAX_B64_INPUT)
		return NULL;
	outlen = 4 * ((len + 2) / 3);
	out = malloc(outlen + 1);
	if (out == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	out[outlen] = '\0';
	return out;
}

enum alphabet { ALPHA_ANY, ALPHA_STD, ALPHA_URL };

/* Checks the alphabet and the padding; returns the unpadded length. */
static int
scan(size_t *datalen, const char *src, size_t len)
{
	enum alphabet seen = ALPHA_ANY;
	size_t i, pad = 0;

	while (pad < len && pad < 2 && src[len - 1 - pad] == '=')
		pad++;
	if (pad > 0 && len % 4 != 0)
		return -1;
	len -= pad;
	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		char c = src[i];
		enum alphabet need = ALPHA_ANY;
		if (c == '+' || c == '/')
			need = ALPHA_STD;
		else if (c == '-' || c == '_')
			need = ALPHA_URL;
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			   (c >= '0' && c <= '9')))
			return -1;
		if (need != ALPHA_ANY) {
			if (seen != ALPHA_ANY && seen != need)
				return -1;
			seen = need;
		}
	}
	*datalen = len;
	return 0;
}

static unsigned
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (unsigned)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0' + 52);
	return c == '+' || c == '-' ? 62u : 63u;
}

/* 1 when the unused low bits of the last character are all zero. */
static int
canonical(const char *src, size_t datalen)
{
	unsigned v;

	if (datalen % 4 == 0)
		return 1;
	v = b64_value(src[datalen - 1]);
	return datalen % 4 == 2 ? (v & 0x0f) == 0 : (v & 0x03) == 0;
}

int
b64_decode_strict(unsigned char **out, size_t *outlen, const char *src,
		  size_t srclen, const char *what, struct err *e)
{
	size_t datalen;

	*out = NULL;
	*outlen = 0;
	if (srclen <= MAX_B64_INPUT && scan(&datalen, src, srclen) == 0 &&
	    !canonical(src, datalen))
		return err_set(e, EXIT_REJECTED,
			       "%s: non-canonical base64 (non-zero trailing "
			       "bits)",
			       what);
	return b64_decode(out, outlen, src, srclen, what, e);
}

/* The value of each base64 character of either alphabet (scan has
 * checked that only one is used); 0xff for the rest. */
static const unsigned char b64_values[256] = {
    ['A'] = 0,	['B'] = 1,  ['C'] = 2,	['D'] = 3,  ['E'] = 4,	['F'] = 5,
    ['G'] = 6,	['H'] = 7,  ['I'] = 8,	['J'] = 9,  ['K'] = 10, ['L'] = 11,
    ['M'] = 12, ['N'] = 13, ['O'] = 14, ['P'] = 15, ['Q'] = 16, ['R'] = 17,
    ['S'] = 18, ['T'] = 19, ['U'] = 20, ['V'] = 21, ['W'] = 22, ['X'] = 23,
    ['Y'] = 24, ['Z'] = 25, ['a'] = 26, ['b'] = 27, ['c'] = 28, ['d'] = 29,
    ['e'] = 30, ['f'] = 31, ['g'] = 32, ['h'] = 33, ['i'] = 34, ['j'] = 35,
    ['k'] = 36, ['l'] = 37, ['m'] = 38, ['n'] = 39, ['o'] = 40, ['p'] = 41,
    ['q'] = 42, ['r'] = 43, ['s'] = 44, ['t'] = 45, ['u'] = 46, ['v'] = 47,
    ['w'] = 48, ['x'] = 49, ['y'] = 50, ['z'] = 51, ['0'] = 52, ['1'] = 53,
    ['2'] = 54, ['3'] = 55, ['4'] = 56, ['5'] = 57, ['6'] = 58, ['7'] = 59,
    ['8'] = 60, ['9'] = 61, ['+'] = 62, ['-'] = 62, ['/'] = 63, ['_'] = 63,
};

int
b64_decode(unsigned char **out, size_t *outlen, const char *src, size_t srclen,
	   const char *what, struct err *e)
{
	const unsigned char *in = (const unsigned char *)src;
	size_t datalen, i, n = 0;
	unsigned char *buf;
	uint32_t v;

	*out = NULL;
	*outlen = 0;
	if (srclen > MAX_B64_INPUT)
		return err_set(e, EXIT_REJECTED, "%s: base64 too long", what);
	if (scan(&datalen, src, srclen) != 0)
		return err_set(e, EXIT_REJECTED, "%s: malformed base64", what);
	/* scan checked every character, so the table lookups below are
	 * all valid; one pass and one buffer. */
	buf = malloc(datalen / 4 * 3 + 3);
	if (buf == NULL)
		return err_set(e, EXIT_UNDECIDED, "%s: out of memory", what);
	for (i = 0; i + 4 <= datalen; i += 4) {
		v = (uint32_t)b64_values[in[i]] << 18 |
		    (uint32_t)b64_values[in[i + 1]] << 12 |
		    (uint32_t)b64_values[in[i + 2]] << 6 |
		    b64_values[in[i + 3]];
		buf[n++] = (unsigned char)(v >> 16);
		buf[n++] = (unsigned char)(v >> 8);
		buf[n++] = (unsigned char)v;
	}
	if (datalen - i >= 2) {
		v = (uint32_t)b64_values[in[i]] << 18 |
		    (uint32_t)b64_values[in[i + 1]] << 12;
		if (datalen - i == 3)
			v |= (uint32_t)b64_values[in[i + 2]] << 6;
		buf[n++] = (unsigned char)(v >> 16);
		if (datalen - i == 3)
			buf[n++] = (unsigned char)(v >> 8);
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
}

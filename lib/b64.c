/* Base64 on OpenSSL's EVP block coder (see b64.h). */
#include "lib/b64.h"

#include <openssl/evp.h>
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

int
b64_decode(unsigned char **out, size_t *outlen, const char *src, size_t srclen,
	   const char *what, struct err *e)
{
	unsigned char *std = NULL, *buf = NULL;
	size_t datalen, padded, i;
	int n, rc = 0;

	*out = NULL;
	*outlen = 0;
	if (srclen > MAX_B64_INPUT)
		return err_set(e, EXIT_REJECTED, "%s: base64 too long", what);
	if (scan(&datalen, src, srclen) != 0)
		return err_set(e, EXIT_REJECTED, "%s: malformed base64", what);
	padded = (datalen + 3) / 4 * 4;
	std = malloc(padded + 1);
	buf = malloc(padded / 4 * 3 + 1);
	if (std == NULL || buf == NULL) {
		rc = err_set(e, EXIT_UNDECIDED, "%s: out of memory", what);
		goto out;
	}
	for (i = 0; i < datalen; i++)
		std[i] = src[i] == '-' ? '+' : src[i] == '_' ? '/' : src[i];
	for (; i < padded; i++)
		std[i] = '=';
	n = EVP_DecodeBlock(buf, std, (int)padded);
	if (n < 0) {
		rc = err_set(e, EXIT_REJECTED, "%s: malformed base64", what);
		goto out;
	}
	/* EVP_DecodeBlock counts padding as zero bytes; drop them. */
	n -= (int)(padded - datalen);
	buf[n] = '\0';
	*out = buf;
	*outlen = (size_t)n;
	buf = NULL;
out:
	free(std);
	free(buf);
	return rc;
}

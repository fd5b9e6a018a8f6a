/* RFC 7512 PKCS#11 URI parser for pkcs11: KEYREFs (see p11uri.h). */
#include "keys/p11uri.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "lib/hex.h"

#define SCHEME "pkcs11:"

enum where { PATH_ATTR, QUERY_ATTR };

static const struct {
	const char *name;
	enum where where;
	size_t off; /* offset of the char array in struct p11uri */
} attrs[] = {
    {"token", PATH_ATTR, offsetof(struct p11uri, token)},
    {"manufacturer", PATH_ATTR, offsetof(struct p11uri, manufacturer)},
    {"serial", PATH_ATTR, offsetof(struct p11uri, serial)},
    {"model", PATH_ATTR, offsetof(struct p11uri, model)},
    {"object", PATH_ATTR, offsetof(struct p11uri, object)},
    {"type", PATH_ATTR, offsetof(struct p11uri, type)},
    {"slot-description", PATH_ATTR, offsetof(struct p11uri, slot_description)},
    {"slot-manufacturer", PATH_ATTR,
     offsetof(struct p11uri, slot_manufacturer)},
    {"slot-id", PATH_ATTR, offsetof(struct p11uri, slot_id)},
    {"library-manufacturer", PATH_ATTR,
     offsetof(struct p11uri, library_manufacturer)},
    {"library-description", PATH_ATTR,
     offsetof(struct p11uri, library_description)},
    {"module-path", QUERY_ATTR, offsetof(struct p11uri, module_path)},
    {"module-name", QUERY_ATTR, offsetof(struct p11uri, module_name)},
    {"pin-source", QUERY_ATTR, offsetof(struct p11uri, pin_source)},
};

int
p11uri_is(const char *ref)
{
	return strncasecmp(ref, SCHEME, strlen(SCHEME)) == 0;
}

/* Percent-decodes v[0..n) into out (cap bytes); -1 when malformed or long. */
static int
pct_decode(unsigned char *out, size_t cap, size_t *outlen, const char *v,
	   size_t n)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (o >= cap)
			return -1;
		if (v[i] != '%') {
			out[o++] = (unsigned char)v[i];
			continue;
		}
		if (i + 2 >= n)
			return -1;
		hi = hex_digit(v[i + 1]);
		lo = hi < 0 ? -1 : hex_digit(v[i + 2]);
		if (lo < 0)
			return -1;
		out[o++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	*outlen = o;
	return 0;
}

static int
set_attr(struct p11uri *u, unsigned *seen, enum where w, const char *a,
	 size_t n, struct err *e)
{
	const char *eq = memchr(a, '=', n);
	size_t nlen, vlen, i, dlen;
	const char *v;
	char *dst;

	if (eq == NULL || eq == a)
		return err_set(e, EXIT_USAGE,
			       "pkcs11 URI: attribute \"%.*s\" is not "
			       "NAME=VALUE",
			       (int)(n > 64 ? 64 : n), a);
	nlen = (size_t)(eq - a);
	v = eq + 1;
	vlen = n - nlen - 1;
	if (nlen == 9 && strncmp(a, "pin-value", 9) == 0)
		return err_set(e, EXIT_USAGE, /* SPEC-KEY-2 */
			       "pkcs11 URI: pin-value is refused (a PIN "
			       "never comes from the command line); use "
			       "pin-source=file:FILE or $MLATTEST_PKCS11_PIN");
	if (nlen == 2 && strncmp(a, "id", 2) == 0 && w == PATH_ATTR) {
		if (u->has_id)
			goto dup;
		if (pct_decode(u->id, sizeof(u->id), &u->idlen, v, vlen) != 0)
			goto badval;
		u->has_id = 1;
		return 0;
	}
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		if (strlen(attrs[i].name) != nlen ||
		    strncmp(attrs[i].name, a, nlen) != 0)
			continue;
		if (attrs[i].where != w)
			return err_set(e, EXIT_USAGE,
				       "pkcs11 URI: %s belongs in the %s",
				       attrs[i].name,
				       w == PATH_ATTR ? "query (after ?)"
						      : "path (before ?)");
		if (*seen & (1u << i))
			goto dup;
		*seen |= 1u << i;
		dst = (char *)u + attrs[i].off;
		if (pct_decode((unsigned char *)dst, P11URI_FIELD_MAX - 1,
			       &dlen, v, vlen) != 0 ||
		    memchr(dst, '\0', dlen) != NULL)
			goto badval;
		dst[dlen] = '\0';
		return 0;
	}
	return err_set(e, EXIT_USAGE, "pkcs11 URI: unknown attribute \"%.*s\"",
		       (int)(nlen > 64 ? 64 : nlen), a);
dup:
	return err_set(e, EXIT_USAGE, "pkcs11 URI: attribute %.*s given twice",
		       (int)(nlen > 64 ? 64 : nlen), a);
badval:
	return err_set(e, EXIT_USAGE,
		       "pkcs11 URI: bad value for %.*s (percent-encoding, NUL "
		       "byte or longer than %d bytes)",
		       (int)(nlen > 64 ? 64 : nlen), a,
		       nlen == 2 ? P11URI_ID_MAX : P11URI_FIELD_MAX - 1);
}

/* Splits s[0..n) at sep and sets each attribute. */
static int
parse_part(struct p11uri *u, unsigned *seen, enum where w, const char *s,
	   size_t n, char sep, struct err *e)
{
	const char *end = s + n, *p = s, *q;
	int rc;

	if (n == 0)
		return 0;
	while (p <= end) {
		q = memchr(p, sep, (size_t)(end - p));
		if (q == NULL)
			q = end;
		rc = set_attr(u, seen, w, p, (size_t)(q - p), e);
		if (rc != 0)
			return rc;
		p = q + 1;
	}
	return 0;
}

/* SPEC-KEY-1 */
int
p11uri_parse(struct p11uri *out, const char *s, struct err *e)
{
	size_t n = strlen(s), skip = strlen(SCHEME);
	const char *q;
	unsigned seen = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!p11uri_is(s))
		return err_set(e, EXIT_USAGE, "not a pkcs11: URI");
	if (n > P11URI_MAX)
		return err_set(e, EXIT_USAGE,
			       "pkcs11 URI: longer than %d bytes", P11URI_MAX);
	s += skip;
	n -= skip;
	q = memchr(s, '?', n);
	rc = parse_part(out, &seen, PATH_ATTR, s, q ? (size_t)(q - s) : n, ';',
			e);
	if (rc == 0 && q != NULL)
		rc = parse_part(out, &seen, QUERY_ATTR, q + 1,
				n - (size_t)(q - s) - 1, '&', e);
	if (rc == 0 && out->type[0] != '\0' &&
	    strcmp(out->type, "private") != 0 &&
	    strcmp(out->type, "public") != 0)
		rc = err_set(e, EXIT_USAGE,
			     "pkcs11 URI: type=%s: want private or public",
			     out->type);
	if (rc == 0 && out->pin_source[0] != '\0') {
		if (strncmp(out->pin_source, "file:", 5) != 0 ||
		    out->pin_source[5] == '\0')
			rc = err_set(e, EXIT_USAGE,
				     "pkcs11 URI: pin-source must be "
				     "file:FILE");
		else
			memmove(out->pin_source, out->pin_source + 5,
				strlen(out->pin_source + 5) + 1);
	}
	if (rc == 0 && out->token[0] == '\0' && out->serial[0] == '\0' &&
	    out->slot_id[0] == '\0')
		rc = err_set(e, EXIT_USAGE,
			     "pkcs11 URI: name the token (token=, serial= or "
			     "slot-id=)");
	if (rc == 0 && out->object[0] == '\0' && !out->has_id)
		rc = err_set(e, EXIT_USAGE,
			     "pkcs11 URI: name the key (object= or id=)");
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

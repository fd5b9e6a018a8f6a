/* The ListObjectsV2 response parser (see s3xml.h). */
#include "lib/s3xml.h"

#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 64

enum tag_kind { TAG_OPEN, TAG_EMPTY, TAG_CLOSE };

struct xp {
	const char *start, *p, *end;
	const char *src;
	struct err *e;
};

static int
bad(struct xp *x, const char *what)
{
	return err_set(x->e, EXIT_REJECTED,
		       "%s: bad listing XML at byte %zu: %s", x->src,
		       (size_t)(x->p - x->start), what);
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
skip_ws(struct xp *x)
{
	while (x->p < x->end && is_ws(*x->p))
		x->p++;
}

static int
name_char(char c, int first)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	    c == ':')
		return 1;
	return !first && ((c >= '0' && c <= '9') || c == '.' || c == '-');
}

static int
read_name(struct xp *x, char *out)
{
	size_t n = 0;

	while (x->p < x->end && name_char(*x->p, n == 0)) {
		if (n == NAME_MAX_LEN)
			return bad(x, "name too long");
		out[n++] = *x->p++;
	}
	out[n] = '\0';
	return n == 0 ? bad(x, "expected a name") : 0;
}

static int
expect(struct xp *x, char c)
{
	if (x->p >= x->end || *x->p != c)
		return bad(x, "unexpected character or end");
	x->p++;
	return 0;
}

/* Attributes are read for well-formedness and dropped. */
static int
attributes(struct xp *x)
{
	char name[NAME_MAX_LEN + 1];
	const char *q;
	char quote;

	for (;;) {
		skip_ws(x);
		if (x->p >= x->end || *x->p == '>' || *x->p == '/')
			return 0;
		if (read_name(x, name) != 0)
			return -EXIT_REJECTED;
		skip_ws(x);
		if (expect(x, '=') != 0)
			return -EXIT_REJECTED;
		skip_ws(x);
		if (x->p >= x->end || (*x->p != '"' && *x->p != '\''))
			return bad(x, "attribute value not quoted");
		quote = *x->p++;
		q = memchr(x->p, quote, (size_t)(x->end - x->p));
		if (q == NULL || memchr(x->p, '<', (size_t)(q - x->p)) != NULL)
			return bad(x, "bad attribute value");
		x->p = q + 1;
	}
}

/* At '<': reads one tag. Comments, CDATA, DOCTYPE and PIs are refused. */
static int
read_tag(struct xp *x, char *name, enum tag_kind *kind)
{
	if (expect(x, '<') != 0)
		return -EXIT_REJECTED;
	if (x->p < x->end && (*x->p == '!' || *x->p == '?'))
		return bad(x, "comments, CDATA, DOCTYPE and processing "
			      "instructions are not accepted");
	if (x->p < x->end && *x->p == '/') {
		x->p++;
		*kind = TAG_CLOSE;
		if (read_name(x, name) != 0)
			return -EXIT_REJECTED;
		skip_ws(x);
		return expect(x, '>');
	}
	if (read_name(x, name) != 0 || attributes(x) != 0)
		return -EXIT_REJECTED;
	*kind = TAG_OPEN;
	if (x->p < x->end && *x->p == '/') {
		x->p++;
		*kind = TAG_EMPTY;
	}
	return expect(x, '>');
}

static size_t
put_utf8(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int
char_ref(struct xp *x, const char *s, size_t n, unsigned long *cp)
{
	int hex = n > 0 && s[0] == 'x';
	size_t i = (size_t)hex;
	unsigned long v = 0;
	int d;

	if (i == n || n - i > 8)
		return bad(x, "bad character reference");
	for (; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (hex && s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else if (hex && s[i] >= 'A' && s[i] <= 'F')
			d = s[i] - 'A' + 10;
		else
			return bad(x, "bad character reference");
		v = v * (hex ? 16 : 10) + (unsigned long)d;
	}
	/* XML 1.0 Char: no NUL, no C0 but tab, LF, CR; no surrogates. */
	if ((v < 0x20 && v != 9 && v != 10 && v != 13) ||
	    (v >= 0xd800 && v <= 0xdfff) || v == 0xfffe || v == 0xffff ||
	    v > 0x10ffff)
		return bad(x, "character reference to a forbidden character");
	*cp = v;
	return 0;
}

/* At '&': decodes one reference into out (room for 4 bytes). */
static int
entity(struct xp *x, char *out, size_t *n)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {{"amp", '&'},
		     {"lt", '<'},
		     {"gt", '>'},
		     {"quot", '"'},
		     {"apos", '\''}};
	const char *s = x->p + 1, *semi;
	unsigned long cp = 0;
	size_t i, len;

	semi = memchr(s, ';',
		      (size_t)(x->end - s) < 12 ? (size_t)(x->end - s) : 12);
	if (semi == NULL)
		return bad(x, "unterminated entity");
	len = (size_t)(semi - s);
	if (len > 0 && s[0] == '#') {
		if (char_ref(x, s + 1, len - 1, &cp) != 0)
			return -EXIT_REJECTED;
		*n = put_utf8(out, cp);
		x->p = semi + 1;
		return 0;
	}
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strlen(named[i].name) == len &&
		    memcmp(s, named[i].name, len) == 0) {
			out[0] = named[i].c;
			*n = 1;
			x->p = semi + 1;
			return 0;
		}
	return bad(x, "unknown entity");
}

/*
 * Text up to the next '<', decoded, into out (cap bytes with the NUL;
 * out NULL: checked and dropped). *len gets its length.
 */
static int
read_text(struct xp *x, char *out, size_t cap, size_t *len)
{
	char tmp[4];
	size_t n = 0, k = 0;

	while (x->p < x->end && *x->p != '<') {
		unsigned char c = (unsigned char)*x->p;
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return bad(x, "control character in text");
		if (c == '&') {
			if (entity(x, tmp, &k) != 0)
				return -EXIT_REJECTED;
		} else {
			tmp[0] = (char)c;
			k = 1;
			x->p++;
		}
		if (n + k >= S3XML_MAX_TEXT || (out != NULL && n + k >= cap))
			return bad(x, "text value too long");
		if (out != NULL)
			memcpy(out + n, tmp, k);
		n += k;
	}
	if (out != NULL)
		out[n] = '\0';
	if (len != NULL)
		*len = n;
	return 0;
}

/* Only whitespace between elements of a container. */
static int
gap(struct xp *x)
{
	skip_ws(x);
	if (x->p >= x->end)
		return bad(x, "document ends inside an element");
	if (*x->p != '<')
		return bad(x, "text where elements were expected");
	return 0;
}

/* After <name>: its text and then </name>. */
static int
leaf(struct xp *x, const char *name, enum tag_kind kind, char *out, size_t cap,
     size_t *len)
{
	char close[NAME_MAX_LEN + 1];
	enum tag_kind k;

	if (kind == TAG_EMPTY) {
		out[0] = '\0';
		*len = 0;
		return 0;
	}
	if (read_text(x, out, cap, len) != 0 || read_tag(x, close, &k) != 0)
		return -EXIT_REJECTED;
	if (k != TAG_CLOSE || strcmp(close, name) != 0)
		return bad(x, "element inside a text value");
	return 0;
}

/* After <name>: everything up to the matching </name>, dropped. */
static int
skip(struct xp *x, const char *name, int depth)
{
	char child[NAME_MAX_LEN + 1];
	enum tag_kind k;

	if (depth > S3XML_MAX_DEPTH)
		return bad(x, "nested too deeply");
	for (;;) {
		if (read_text(x, NULL, 0, NULL) != 0)
			return -EXIT_REJECTED;
		if (x->p >= x->end)
			return bad(x, "document ends inside an element");
		if (read_tag(x, child, &k) != 0)
			return -EXIT_REJECTED;
		if (k == TAG_CLOSE)
			return strcmp(child, name) == 0
				   ? 0
				   : bad(x, "mismatched end tag");
		if (k == TAG_OPEN && skip(x, child, depth + 1) != 0)
			return -EXIT_REJECTED;
	}
}

static int
parse_size(unsigned long long *out, const char *s, size_t n)
{
	unsigned long long v = 0;
	size_t i;

	if (n == 0 || n > 19)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
contents(struct xp *x, struct s3xml_page *pg)
{
	char name[NAME_MAX_LEN + 1], val[S3XML_MAX_TEXT];
	struct s3xml_object *o;
	int have_key = 0, have_size = 0, have_etag = 0;
	enum tag_kind k;
	size_t len;

	if (dynarr_reserve((void **)&pg->v, &pg->cap, pg->n + 1, sizeof(*o),
			   S3XML_MAX_OBJECTS) != 0)
		return bad(x, "too many objects in one page");
	o = &pg->v[pg->n];
	memset(o, 0, sizeof(*o));
	for (;;) {
		if (gap(x) != 0 || read_tag(x, name, &k) != 0)
			return -EXIT_REJECTED;
		if (k == TAG_CLOSE) {
			if (strcmp(name, "Contents") != 0)
				return bad(x, "mismatched end tag");
			break;
		}
		if (strcmp(name, "Key") == 0) {
			if (have_key++ ||
			    leaf(x, name, k, val, sizeof(val), &len) != 0)
				return have_key > 1 ? bad(x, "two Keys")
						    : -EXIT_REJECTED;
			o->key_off = pg->keys.len;
			o->key_len = len;
			if (dynbuf_add(&pg->keys, val, len + 1) != 0)
				return bad(x, "keys too long");
		} else if (strcmp(name, "Size") == 0) {
			if (have_size++ ||
			    leaf(x, name, k, val, sizeof(val), &len) != 0)
				return have_size > 1 ? bad(x, "two Sizes")
						     : -EXIT_REJECTED;
			if (parse_size(&o->size, val, len) != 0)
				return bad(x, "Size is not a decimal number");
		} else if (strcmp(name, "ETag") == 0) {
			if (have_etag++ || leaf(x, name, k, o->etag,
						sizeof(o->etag), &len) != 0)
				return have_etag > 1 ? bad(x, "two ETags")
						     : -EXIT_REJECTED;
		} else if (k == TAG_OPEN && skip(x, name, 2) != 0) {
			return -EXIT_REJECTED;
		}
	}
	if (!have_key || !have_size || !have_etag)
		return bad(x, "Contents without Key, Size or ETag");
	pg->n++;
	return 0;
}

static int
truncated(struct xp *x, struct s3xml_page *pg, const char *name,
	  enum tag_kind k)
{
	char val[16];
	size_t len;

	if (leaf(x, name, k, val, sizeof(val), &len) != 0)
		return -EXIT_REJECTED;
	if (strcmp(val, "true") != 0 && strcmp(val, "false") != 0)
		return bad(x, "IsTruncated is not true or false");
	pg->truncated = strcmp(val, "true") == 0;
	return 0;
}

static int
root_body(struct xp *x, struct s3xml_page *pg)
{
	char name[NAME_MAX_LEN + 1];
	int seen_trunc = 0, seen_next = 0;
	enum tag_kind k;
	size_t len;

	for (;;) {
		if (gap(x) != 0 || read_tag(x, name, &k) != 0)
			return -EXIT_REJECTED;
		if (k == TAG_CLOSE)
			return strcmp(name, "ListBucketResult") == 0
				   ? 0
				   : bad(x, "mismatched end tag");
		if (strcmp(name, "Contents") == 0 && k == TAG_OPEN) {
			if (contents(x, pg) != 0)
				return -EXIT_REJECTED;
		} else if (strcmp(name, "IsTruncated") == 0) {
			if (seen_trunc++ || truncated(x, pg, name, k) != 0)
				return seen_trunc > 1
					   ? bad(x, "two IsTruncated")
					   : -EXIT_REJECTED;
		} else if (strcmp(name, "NextContinuationToken") == 0) {
			if (seen_next++ || leaf(x, name, k, pg->next,
						sizeof(pg->next), &len) != 0)
				return seen_next > 1
					   ? bad(x,
						 "two NextContinuationTokens")
					   : -EXIT_REJECTED;
		} else if (k == TAG_OPEN && skip(x, name, 1) != 0) {
			return -EXIT_REJECTED;
		}
	}
}

static int
prolog(struct xp *x)
{
	const char *q;

	if (x->end - x->p >= 3 && memcmp(x->p, "\xef\xbb\xbf", 3) == 0)
		x->p += 3;
	if (x->end - x->p >= 5 && memcmp(x->p, "<?xml", 5) == 0) {
		for (q = x->p; q + 1 < x->end; q++)
			if (q[0] == '?' && q[1] == '>')
				break;
		if (q + 1 >= x->end)
			return bad(x, "unterminated XML declaration");
		x->p = q + 2;
	}
	return 0;
}

int
s3xml_parse(struct s3xml_page *out, const char *buf, size_t len,
	    const char *src, struct err *e)
{
	struct xp x = {buf, buf, buf + len, src, e};
	char name[NAME_MAX_LEN + 1];
	enum tag_kind k;

	memset(out, 0, sizeof(*out));
	dynbuf_init(&out->keys, S3XML_MAX_BYTES);
	if (len > S3XML_MAX_BYTES)
		return err_set(e, EXIT_REJECTED,
			       "%s: listing larger than %zu bytes", src,
			       S3XML_MAX_BYTES);
	if (prolog(&x) != 0 || gap(&x) != 0 || read_tag(&x, name, &k) != 0)
		return -EXIT_REJECTED;
	if (k != TAG_OPEN || strcmp(name, "ListBucketResult") != 0)
		return bad(&x, "not a ListBucketResult");
	if (root_body(&x, out) != 0)
		return -EXIT_REJECTED;
	skip_ws(&x);
	if (x.p != x.end)
		return bad(&x, "content after the document");
	if (out->truncated && out->next[0] == '\0')
		return bad(&x, "truncated listing without a "
			       "NextContinuationToken");
	return 0;
}

const char *
s3xml_key(const struct s3xml_page *p, size_t i)
{
	return i < p->n ? p->keys.p + p->v[i].key_off : NULL;
}

void
s3xml_page_clear(struct s3xml_page *p)
{
	free(p->v);
	dynbuf_clear(&p->keys);
	memset(p, 0, sizeof(*p));
}

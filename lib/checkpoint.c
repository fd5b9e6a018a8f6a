/* Signed-note checkpoints (see checkpoint.h). */
#include "lib/checkpoint.h"

#include <stdlib.h>
#include <string.h>

#include "lib/b64.h"

#define EM_DASH "\xe2\x80\x94 "

/* The line at pos (without its newline) into line and n; -1 when no
 * newline ends it. */
static int
next_line(const char **line, size_t *n, const char *text, size_t len,
	  size_t *pos)
{
	const char *nl;

	if (*pos >= len)
		return -1;
	nl = memchr(text + *pos, '\n', len - *pos);
	if (nl == NULL)
		return -1;
	*line = text + *pos;
	*n = (size_t)(nl - *line);
	*pos += *n + 1;
	return 0;
}

static int
parse_size(uint64_t *out, const char *s, size_t n)
{
	uint64_t v = 0;
	size_t i;

	/* Decimal, no sign, no leading zero unless it is "0". */
	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
decode_exact(unsigned char *out, size_t want, const char *s, size_t n)
{
	unsigned char *buf = NULL;
	size_t got = 0;
	int ok;

	ok = b64_decode(&buf, &got, s, n, "hash", NULL) == 0 && got == want;
	if (ok)
		memcpy(out, buf, want);
	free(buf);
	return ok ? 0 : -1;
}

static int
parse_sig(struct checkpoint_sig *s, const char *line, size_t n)
{
	const char *sp;
	unsigned char *buf = NULL;
	size_t namelen, got = 0;
	int ok;

	if (n < 4 || memcmp(line, EM_DASH, 4) != 0)
		return -1;
	line += 4;
	n -= 4;
	sp = memchr(line, ' ', n);
	if (sp == NULL || sp == line)
		return -1;
	namelen = (size_t)(sp - line);
	if (namelen >= sizeof(s->name) || memchr(line, '\0', namelen) != NULL)
		return -1;
	memcpy(s->name, line, namelen);
	s->name[namelen] = '\0';
	ok = b64_decode(&buf, &got, sp + 1, n - namelen - 1, "signature",
			NULL) == 0 &&
	     got > 4 && got - 4 <= sizeof(s->sig);
	if (ok) {
		memcpy(s->hint, buf, 4);
		memcpy(s->sig, buf + 4, got - 4);
		s->siglen = got - 4;
	}
	free(buf);
	return ok ? 0 : -1;
}

static int
parse_body(struct checkpoint *c, const char *text, size_t len, size_t *pos,
	   struct err *e)
{
	const char *l;
	size_t n, i;

	if (next_line(&l, &n, text, len, pos) != 0 || n == 0 ||
	    n >= sizeof(c->origin) || memchr(l, '\0', n) != NULL)
		return err_set(e, EXIT_REJECTED, "checkpoint: no origin line");
	memcpy(c->origin, l, n);
	c->origin[n] = '\0';
	if (next_line(&l, &n, text, len, pos) != 0 ||
	    parse_size(&c->size, l, n) != 0)
		return err_set(e, EXIT_REJECTED,
			       "checkpoint: no tree size line");
	if (next_line(&l, &n, text, len, pos) != 0 ||
	    decode_exact(c->root, sizeof(c->root), l, n) != 0)
		return err_set(e, EXIT_REJECTED,
			       "checkpoint: no root hash line");
	/* Extension lines, then the empty line that ends the body. */
	for (i = 0;; i++) {
		if (next_line(&l, &n, text, len, pos) != 0 || i > 64)
			return err_set(e, EXIT_REJECTED,
				       "checkpoint: no empty line after the "
				       "body");
		if (n == 0)
			break;
	}
	c->body = text;
	c->bodylen = *pos - 1;
	return 0;
}

int
checkpoint_parse(struct checkpoint *out, const char *text, size_t len,
		 struct err *e)
{
	const char *l;
	size_t pos = 0, n;
	int rc;

	memset(out, 0, sizeof(*out));
	/* SPEC-KL-13 */
	if (len > CHECKPOINT_MAX_BYTES || memchr(text, '\0', len) != NULL)
		return err_set(e, EXIT_REJECTED,
			       "checkpoint: over %zu bytes or not text",
			       CHECKPOINT_MAX_BYTES);
	rc = parse_body(out, text, len, &pos, e);
	if (rc != 0)
		return rc;
	while (pos < len) {
		if (out->nsigs == CHECKPOINT_MAX_SIGS)
			return err_set(e, EXIT_REJECTED,
				       "checkpoint: more than %d signatures",
				       CHECKPOINT_MAX_SIGS);
		if (next_line(&l, &n, text, len, &pos) != 0 ||
		    parse_sig(&out->sigs[out->nsigs], l, n) != 0)
			return err_set(e, EXIT_REJECTED,
				       "checkpoint: malformed signature line "
				       "%zu",
				       out->nsigs + 1);
		out->nsigs++;
	}
	if (out->nsigs == 0)
		return err_set(e, EXIT_REJECTED, "checkpoint: no signature");
	return 0;
}

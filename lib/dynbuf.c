/* Growable buffers with a ceiling and overflow-checked growth (dynbuf.h). */
#include "lib/dynbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The doubled capacity, from min, that holds need; 0 when it overflows. */
static size_t
grown_cap(size_t cap, size_t need, size_t min, size_t max)
{
	size_t c = cap ? cap : min;

	while (c < need) {
		if (c > SIZE_MAX / 2)
			return need;
		c *= 2;
	}
	return c < max ? c : max;
}

void
dynbuf_init(struct dynbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

int
dynbuf_reserve(struct dynbuf *b, size_t n)
{
	size_t need, cap;
	char *np;

	if (n > b->max - b->len)
		return DYNBUF_TOOBIG;
	if (b->len + n == SIZE_MAX)
		return DYNBUF_NOMEM;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	/* The ceiling bounds len; the capacity may hold one NUL more. */
	cap = grown_cap(b->cap, need, 256,
			b->max == SIZE_MAX ? SIZE_MAX : b->max + 1);
	if (cap < need)
		cap = need;
	np = realloc(b->p, cap);
	if (np == NULL)
		return DYNBUF_NOMEM;
	b->p = np;
	b->cap = cap;
	return 0;
}

int
dynbuf_add(struct dynbuf *b, const void *s, size_t n)
{
	int rc = dynbuf_reserve(b, n);

	if (rc != 0)
		return rc;
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

void
dynbuf_clear(struct dynbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

int
dynarr_reserve(void **v, size_t *cap, size_t need, size_t size, size_t max)
{
	size_t c;
	void *nv;

	if (need <= *cap)
		return 0;
	if (need > max)
		return DYNBUF_TOOBIG;
	c = grown_cap(*cap, need, DYNARR_MIN_CAP, max);
	if (size == 0 || c > SIZE_MAX / size)
		return DYNBUF_NOMEM;
	nv = realloc(*v, c * size);
	if (nv == NULL)
		return DYNBUF_NOMEM;
	*v = nv;
	*cap = c;
	return 0;
}

/*
 * Growable buffers with a ceiling, after curl's dynbuf. Every buffer that
 * grows goes through here: growth doubles, every size is checked for
 * overflow, nothing grows past the ceiling its owner names (toobig), and a
 * failure leaves the contents, length and capacity as they were.
 */
#ifndef MLATTEST_LIB_DYNBUF_H
#define MLATTEST_LIB_DYNBUF_H

#include <stddef.h>

/* Results: 0, or one of these (negative). */
#define DYNBUF_NOMEM (-1)  /* out of memory, or a size that overflows */
#define DYNBUF_TOOBIG (-2) /* past the ceiling */

/*
 * Bytes, NUL-terminated once anything was added (p is NULL before). len
 * never exceeds max. Transparent so owners can read p and len; change it
 * only through the functions below.
 */
struct dynbuf {
	char *p;
	size_t len, cap, max;
};

/* An empty buffer that never holds more than max bytes. */
void dynbuf_init(struct dynbuf *b, size_t max);

/* Room for n more bytes and the NUL, without adding them. */
int dynbuf_reserve(struct dynbuf *b, size_t n);

/* Appends the n bytes at s (s may be NULL when n is 0). */
int dynbuf_add(struct dynbuf *b, const void *s, size_t n);

/* Frees the bytes and empties b, keeping its ceiling. */
void dynbuf_clear(struct dynbuf *b);

/*
 * Typed growable arrays kept by their owner as (pointer, capacity): makes
 * room for at least need elements of size bytes at *v (a T ** passed as
 * void **), doubling from DYNARR_MIN_CAP, never past max elements. *v and
 * *cap change only on success; new slots are not initialised.
 */
#define DYNARR_MIN_CAP 16
int dynarr_reserve(void **v, size_t *cap, size_t need, size_t size, size_t max);

#endif

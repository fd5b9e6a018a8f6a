/*
 * The canonical JSON encoder in-toto signatures cover. It mirrors
 * securesystemslib.formats.encode_canonical byte for byte; sorting UTF-8
 * keys bytewise gives Python's code point order (SPEC-LINK-1).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/canonjson.h"
#include "lib/dynbuf.h"

struct ckey {
	const char *s;
	size_t len;
	json_t *v;
};

static int
put(struct dynbuf *b, const char *s, size_t n, struct err *e)
{
	int rc = dynbuf_add(b, s, n);

	if (rc == DYNBUF_TOOBIG)
		return err_set(e, EXIT_REJECTED,
			       "canonical JSON larger than %zu bytes",
			       CANONJSON_MAX_BYTES);
	if (rc != 0)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	return 0;
}

/* SPEC-LINK-1: only '\' and '"' are escaped; all else is raw. */
static int
put_string(struct dynbuf *b, const char *s, size_t n, struct err *e)
{
	size_t i, run = 0;
	int rc = put(b, "\"", 1, e);

	for (i = 0; rc == 0 && i < n; i++) {
		if (s[i] != '\\' && s[i] != '"')
			continue;
		rc = put(b, s + run, i - run, e);
		if (rc == 0)
			rc = put(b, "\\", 1, e);
		run = i;
	}
	if (rc == 0)
		rc = put(b, s + run, n - run, e);
	return rc == 0 ? put(b, "\"", 1, e) : rc;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct ckey *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static int encode(struct dynbuf *b, const json_t *v, int depth, struct err *e);

static int
encode_object(struct dynbuf *b, const json_t *v, int depth, struct err *e)
{
	size_t n = json_object_size(v), i = 0;
	struct ckey *keys = NULL;
	void *it;
	int rc = 0;

	if (n > 0 && (keys = calloc(n, sizeof(*keys))) == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (it = json_object_iter((json_t *)v); it != NULL && i < n;
	     it = json_object_iter_next((json_t *)v, it), i++) {
		keys[i].s = json_object_iter_key(it);
		keys[i].len = json_object_iter_key_len(it);
		keys[i].v = json_object_iter_value(it);
	}
	if (n > 0)
		qsort(keys, n, sizeof(*keys), key_cmp);
	rc = put(b, "{", 1, e);
	for (i = 0; rc == 0 && i < n; i++) {
		if (i > 0)
			rc = put(b, ",", 1, e);
		if (rc == 0)
			rc = put_string(b, keys[i].s, keys[i].len, e);
		if (rc == 0)
			rc = put(b, ":", 1, e);
		if (rc == 0)
			rc = encode(b, keys[i].v, depth + 1, e);
	}
	free(keys);
	return rc == 0 ? put(b, "}", 1, e) : rc;
}

static int
encode_array(struct dynbuf *b, const json_t *v, int depth, struct err *e)
{
	size_t i;
	int rc = put(b, "[", 1, e);

	for (i = 0; rc == 0 && i < json_array_size(v); i++) {
		if (i > 0)
			rc = put(b, ",", 1, e);
		if (rc == 0)
			rc = encode(b, json_array_get(v, i), depth + 1, e);
	}
	return rc == 0 ? put(b, "]", 1, e) : rc;
}

static int
encode(struct dynbuf *b, const json_t *v, int depth, struct err *e)
{
	char num[32];
	int n;

	if (depth > CANONJSON_MAX_DEPTH)
		return err_set(e, EXIT_REJECTED,
			       "canonical JSON nested deeper than %d",
			       CANONJSON_MAX_DEPTH);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return encode_object(b, v, depth, e);
	case JSON_ARRAY:
		return encode_array(b, v, depth, e);
	case JSON_STRING:
		return put_string(b, json_string_value(v),
				  json_string_length(v), e);
	case JSON_INTEGER:
		n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			     json_integer_value(v));
		return put(b, num, (size_t)n, e);
	case JSON_TRUE:
		return put(b, "true", 4, e);
	case JSON_FALSE:
		return put(b, "false", 5, e);
	case JSON_NULL:
		return put(b, "null", 4, e);
	case JSON_REAL:
	default:
		return err_set(e, EXIT_REJECTED,
			       "canonical JSON has no floats (securesystemslib "
			       "refuses them)");
	}
}

int
canonjson_dump(char **out, size_t *len, const json_t *v, struct err *e)
{
	struct dynbuf b;
	int rc;

	*out = NULL;
	*len = 0;
	if (v == NULL)
		return err_set(e, EXIT_UNDECIDED, "no JSON value to encode");
	dynbuf_init(&b, CANONJSON_MAX_BYTES);
	rc = encode(&b, v, 0, e);
	if (rc != 0) {
		free(b.p);
		return rc;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

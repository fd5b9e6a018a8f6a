/*
 * The one way JSON comes in and goes out. Input is parsed by jansson with
 * duplicate keys rejected and trailing data refused; output uses one fixed
 * set of flags (compact, sorted keys) so the same value always gives the
 * same bytes.
 */
#ifndef MLATTEST_LIB_JSONIO_H
#define MLATTEST_LIB_JSONIO_H

#include <jansson.h>
#include <stddef.h>

#include "lib/err.h"

/* Fixed output flags: compact, sorted, 15 significant digits for reals. */
#define JSONIO_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15))
/* For files people read (policies, manifests, reports). */
#define JSONIO_PRETTY_FLAGS                                                    \
	(JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15))

/*
 * Parses buf as one JSON object (anything else is refused). src names the
 * input in error messages ("file.jsonl:3"). Malformed JSON, duplicate keys
 * at any depth, trailing data and NUL bytes are EXIT_REJECTED. *out is a
 * new reference.
 */
int jsonio_load_object(json_t **out, const void *buf, size_t len,
		       const char *src, struct err *e);

/*
 * Serialises v with flags into a new NUL-terminated buffer (*len excludes
 * the NUL; freed with free()).
 */
int jsonio_dump(char **out, size_t *len, const json_t *v, size_t flags,
		struct err *e);

/* The string member key of obj, or NULL when absent or not a string. */
const char *jsonio_str(const json_t *obj, const char *key);

/* jsonio_str, or dflt when that is NULL. */
const char *jsonio_str_or(const json_t *obj, const char *key, const char *dflt);

/*
 * Checks that every key of obj is in the NULL-terminated list allowed;
 * otherwise EXIT_REJECTED naming the key and src.
 */
int jsonio_only_keys(const json_t *obj, const char *const *allowed,
		     const char *src, struct err *e);

/*
 * Checked building of what we sign (SPEC-STM-5). Each takes ownership of
 * value, also on failure, and returns 0, or -EXIT_UNDECIDED filling e when
 * value is NULL (a json_string of text that is not UTF-8, a json_pack that
 * failed, no memory), when obj is not an object (arr not an array) or when
 * jansson refuses. A dropped result would sign a statement that says less
 * than the truth, so the result must be used.
 */
int jsonio_set(json_t *obj, const char *key, json_t *value, struct err *e)
    __attribute__((warn_unused_result));
int jsonio_append(json_t *arr, json_t *value, struct err *e)
    __attribute__((warn_unused_result));

/*
 * A new JSON string holding the URI s, with every byte that is not part of
 * valid UTF-8 written as %XX (uppercase hex), the octet RFC 3986 reads
 * back; valid UTF-8 is kept as is (SPEC-STM-6). NULL when out of memory.
 */
json_t *jsonio_uri(const char *s);

/* 1 when the NUL-terminated s is valid UTF-8 (what json_string takes). */
int jsonio_is_utf8(const char *s);

#endif

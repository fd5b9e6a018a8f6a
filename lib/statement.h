/*
 * in-toto Statement v1 (and v0.1 on read). A statement is parsed from the
 * exact payload bytes whose signature was verified; the parsed JSON is kept
 * and read through accessors.
 */
#ifndef MLATTEST_LIB_STATEMENT_H
#define MLATTEST_LIB_STATEMENT_H

#include <jansson.h>
#include <stddef.h>

#include "lib/err.h"

#define STATEMENT_V1 "https://in-toto.io/Statement/v1"
#define STATEMENT_V01 "https://in-toto.io/Statement/v0.1"
#define MAX_SUBJECTS 1000000

struct statement;

/*
 * Parses payload as a Statement. Rules (SPEC-STM-1..4): `_type` is v1 or
 * v0.1; `subject` a non-empty array of objects, each with a `digest` object
 * of string values carrying at least one accepted algorithm (v0.1 also
 * needs a non-empty `name`); `predicateType` a non-empty string;
 * `predicate` an object when present. Unknown fields are ignored.
 * Malformed input is EXIT_REJECTED with src in the message.
 */
int statement_parse(struct statement **out, const void *payload, size_t len,
		    const char *src, struct err *e);

/* Validates an already-parsed statement object the same way. */
int statement_check(const json_t *obj, const char *src, struct err *e);

void statement_free(struct statement *st);

/* Borrowed views. */
const json_t *statement_json(const struct statement *st);
const char *statement_type(const struct statement *st);
const char *statement_predicate_type(const struct statement *st);
const json_t *statement_subjects(const struct statement *st);
/* The predicate object, or NULL when unset. */
const json_t *statement_predicate(const struct statement *st);

/* 1 when some subject's DigestSet matches digests (digestset_match). */
int statement_has_subject(const struct statement *st, const json_t *digests);

#endif

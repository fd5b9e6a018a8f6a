/*
 * Predicate approval/v1 (spec/predicates/approval.md): a reviewer's
 * sign-off on one model digest for one stage; and the list and time
 * helpers the approval and intake predicates share.
 */
#ifndef MLATTEST_PREDICATES_APPROVAL_H
#define MLATTEST_PREDICATES_APPROVAL_H

#include <jansson.h>

#include "lib/err.h"

extern const char *const approval_stages[];
extern const char *const approval_decisions[];

/* 1 when s is in the NULL-terminated list. */
int pred_in_list(const char *s, const char *const *list);

/* 1 when s equals a string of the JSON array arr. */
int pred_in_list_json(const char *s, const json_t *arr);

/*
 * 1 when pred's key is an RFC 3339 time, or (required 0) is absent.
 */
int pred_time_ok(const json_t *pred, const char *key, int required);

/* Validates an approval predicate read from a verified statement. */
int pred_approval_check(const json_t *pred, const char *src, struct err *e);

#endif

/*
 * Predicates approval/v1 and intake/v1 (spec/predicates/approval.md,
 * spec/predicates/intake.md): a reviewer's sign-off on one model digest
 * for one stage, and the governance review of a base model.
 */
#ifndef MLATTEST_PREDICATES_APPROVAL_H
#define MLATTEST_PREDICATES_APPROVAL_H

#include <jansson.h>

#include "lib/err.h"

extern const char *const approval_stages[];
extern const char *const approval_decisions[];
extern const char *const intake_sourcings[];
extern const char *const intake_risk_tiers[];

/* 1 when s is in the NULL-terminated list. */
int pred_in_list(const char *s, const char *const *list);

/* 1 when s equals a string of the JSON array arr. */
int pred_in_list_json(const char *s, const json_t *arr);

/* Validate predicates read from verified statements. */
int pred_approval_check(const json_t *pred, const char *src, struct err *e);
int pred_intake_check(const json_t *pred, const char *src, struct err *e);

#endif

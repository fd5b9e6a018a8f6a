/*
 * Predicate intake/v1 (spec/predicates/intake.md): the governance review
 * of a base model.
 */
#ifndef MLATTEST_PREDICATES_INTAKE_H
#define MLATTEST_PREDICATES_INTAKE_H

#include <jansson.h>

#include "lib/err.h"

extern const char *const intake_sourcings[];
extern const char *const intake_risk_tiers[];

/* Validates an intake predicate read from a verified statement. */
int pred_intake_check(const json_t *pred, const char *src, struct err *e);

#endif

/*
 * Predicate type URIs minted by this project (spec/predicates/) and the
 * standard ones we read and write. One prefix for ours.
 */
#ifndef MLATTEST_PREDICATES_TYPES_H
#define MLATTEST_PREDICATES_TYPES_H

#include <jansson.h>

#include "lib/err.h"

#define PRED_PREFIX "https://mlattest.dev/attestation/"
#define PRED_DATASET PRED_PREFIX "dataset/v1"
#define PRED_EVALUATION PRED_PREFIX "evaluation/v1"
#define PRED_APPROVAL PRED_PREFIX "approval/v1"
#define PRED_INTAKE PRED_PREFIX "intake/v1"
#define PRED_REVOCATION PRED_PREFIX "revocation/v1"
#define PRED_SLSA_PROVENANCE "https://slsa.dev/provenance/v1"
#define PRED_SLSA_VSA "https://slsa.dev/verification_summary/v1"
#define PRED_TEST_RESULT "https://in-toto.io/attestation/test-result/v0.1"
#define PRED_OMS "https://model_signing/signature/v1.0"

/* A short name for a known predicate type ("dataset", "provenance"...),
 * or NULL when the type is not one we know. */
const char *pred_short_name(const char *type);

/*
 * The error of a strict json_unpack_ex (JSON_STRICT) over a predicate
 * object from src: EXIT_REJECTED, naming the first member the format did
 * not list as "src: unknown field "NAME"", else jansson's text.
 */
int pred_unpack_fail(const json_error_t *je, const char *src, struct err *e);

#endif

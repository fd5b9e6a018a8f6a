/*
 * verify report --format cyclonedx (spec/bom.md): a CycloneDX ML-BOM of
 * an artifact made only from the evidence verify policy verified and
 * counted, carrying the policy digest and verdict.
 */
#ifndef MLATTEST_VERIFY_BOM_H
#define MLATTEST_VERIFY_BOM_H

#include <jansson.h>

#include "verify/policyrun.h"

/* The CycloneDX BOM (spec version spec) of what v counted; NULL: memory. */
json_t *bom_build(const struct policy_view *v, const char *spec);

/*
 * The page of verify report --format html|markdown (spec/bom.md §4) of
 * what v decided and counted, with bom (bom_build's) for the elements.
 * Every untrusted string is escaped. Returns a new string (free()).
 */
char *html_page(const struct policy_view *v, const json_t *bom, int markdown);

/* 1 when argv asks verify report for a format this file makes. */
int bom_wanted(int argc, char **argv);

/* verify report --format cyclonedx|html|markdown (argv as cmd_report's). */
int cmd_bom(int argc, char **argv);

#endif

/*
 * verify report --format cyclonedx (spec/bom.md): a CycloneDX ML-BOM of
 * an artifact made only from the evidence verify policy verified and
 * counted, carrying the policy digest and verdict.
 */
#ifndef MLATTEST_VERIFY_BOM_H
#define MLATTEST_VERIFY_BOM_H

/* 1 when argv asks verify report for a format this file makes. */
int bom_wanted(int argc, char **argv);

/* verify report --format cyclonedx ... (argv as cmd_report's). */
int cmd_bom(int argc, char **argv);

#endif

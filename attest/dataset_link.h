/*
 * Linking resources to the dataset attestations that name them (attest run
 * --dataset, attest eval --dataset-attestation).
 */
#ifndef MLATTEST_ATTEST_DATASET_LINK_H
#define MLATTEST_ATTEST_DATASET_LINK_H

#include <jansson.h>
#include <stddef.h>

#include "lib/err.h"

/*
 * For each dataset attestation bundle, finds the dataset statements whose
 * subject matches a resource descriptor in rds (an array of RDs with an
 * "annotations" object) and marks it role "dataset" with the dataset's
 * name and the sha256 of the attestation line. A bundle that matches
 * nothing is EXIT_REJECTED (the data changed since it was attested).
 * Matching needs a name-binding digest (SPEC-DIG-4). A resource linked to a
 * shard-mode attestation is hashed again with its shard size (d, as the
 * resource was hashed otherwise) and takes that digest set (SPEC-TREE-2).
 */
struct digest_opts;
int dataset_link_resources(json_t *rds, const char *const *bundles, size_t n,
			   const struct digest_opts *d, struct err *e);

#endif

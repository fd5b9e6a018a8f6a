/*
 * Admission policies (spec/policy.md): named keys, and per-section rules
 * for datasets, training, base models, evaluation and approvals. Loading
 * is strict: an unknown field, a signer that names no key or a malformed
 * value is a usage error (a typo must never silently weaken a policy).
 */
#ifndef MLATTEST_VERIFY_POLICY_H
#define MLATTEST_VERIFY_POLICY_H

#include <jansson.h>

#include "keys/keyset.h"
#include "lib/err.h"
#include "predicates/evaluation.h"
#include "verify/evidence.h"

#define MAX_POLICY_BYTES ((size_t)1024 * 1024)
#define MAX_POLICY_METRICS 256

enum undeclared_rule {
	UNDECLARED_OFF,	   /* training.undeclaredInputs not given */
	UNDECLARED_DENY,   /* an undeclared input fails the rule */
	UNDECLARED_REPORT, /* they are named, the rule passes */
};

enum base_model_rule {
	BASE_ALLOW,		 /* a base model needs nothing */
	BASE_REQUIRE_INTAKE,	 /* an approved intake must exist for it */
	BASE_FORBID,		 /* training from a base model is refused */
	BASE_REQUIRE_PROVENANCE, /* the base model's own training must pass */
};

struct signers {
	int idx[EVIDENCE_MAX_KEYS]; /* indices into the policy keyset */
	size_t n;
};

struct keyless_idset;
struct policy {
	char path[512];
	char sha256[65];
	json_t *root;
	struct keyset *ks;
	/* SPEC-POL-18: keys named by a keyless identity; their slots follow
	 * the public keys (names[keyset_count(ks)..nkeys)). */
	struct keyless_idset *ids;
	const char *names[EVIDENCE_MAX_KEYS]; /* borrowed from root */
	size_t nkeys;
	long long max_age; /* 0: none */

	int has_dataset;
	struct signers dataset_signers;
	const json_t *allow_classifications; /* NULL: any */
	int require_license;
	const json_t *deny_licenses, *allow_licenses;

	int has_training;
	struct signers training_signers;
	const json_t *builder_ids; /* NULL: any */
	int require_success, require_attested_datasets;
	enum base_model_rule base_model;
	int require_tpm_quote;
	struct keyset *ak_ks; /* training.akKeys; NULL: any AK */
	const json_t *pcrs;   /* training.pcrs; NULL: any values */
	int require_trace;    /* training.requireTrace */
	enum undeclared_rule undeclared;
	const json_t *undeclared_prefixes; /* NULL: every path */

	int has_intake;
	struct signers intake_signers;
	const json_t *allow_risk_tiers; /* NULL: any */

	int has_evaluation;
	struct signers evaluation_signers;
	int require_held_out;
	struct threshold metrics[MAX_POLICY_METRICS];
	size_t nmetrics;

	int has_approval;
	struct signers approval_signers;
	const char *stage;
	long threshold;

	int has_revocation;
	struct signers revocation_signers;
	long long revocation_max_age; /* 0: only nextUpdate */
};

/*
 * Loads the policy at path: key files are relative to the policy's
 * directory, or inline PEM. A missing policy or key file is
 * EXIT_UNDECIDED; anything malformed is EXIT_USAGE, naming the field.
 */
int policy_load(struct policy **out, const char *path, struct err *e);
void policy_free(struct policy *p);

/* The policy name of key index i. */
const char *policy_key_name(const struct policy *p, size_t i);

#endif

/* SLSA Verification Summary v1 for an admission decision (spec/policy.md). */
#ifndef MLATTEST_VERIFY_VSA_H
#define MLATTEST_VERIFY_VSA_H

#include <jansson.h>

#include "keys/key.h"
#include "lib/err.h"
#include "lib/statement.h"
#include "verify/evidence.h"
#include "verify/policy.h"

#define VSA_VERIFIER_ID "https://mlattest.dev/verifier/verify-policy/v1"

/*
 * Signs a VSA with the key at keyref (loaded with ko) and writes it to path
 * (atomically;
 * *.jsonl appends): subject = the artifact, policy = the policy file and
 * its digest, inputAttestations = the evidence items marked in used,
 * verificationResult PASSED or FAILED.
 */
int vsa_write(const char *path, const char *keyref,
	      const struct key_load_opts *ko, const struct policy *p,
	      const json_t *artifact, const char *name,
	      const struct evidence *ev, const unsigned char *used, int passed,
	      struct err *e);

/*
 * SPEC-VER-8: 0 unless st is a VSA (PRED_SLSA_VSA) whose
 * verificationResult is not "PASSED"; then EXIT_REJECTED naming the
 * verdict, the resource and the policy. Every verify path calls it, so a
 * FAILED VSA never passes.
 */
int vsa_check_verdict(const struct statement *st, const char *src,
		      struct err *e);

/*
 * 0 when the VSA st was made under the policy file at path (its sha256
 * equals policy.digest.sha256), else EXIT_REJECTED naming both digests;
 * EXIT_UNDECIDED when the file cannot be read.
 */
int vsa_check_policy(const struct statement *st, const char *path,
		     const char *src, struct err *e);

#endif

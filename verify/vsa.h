/* SLSA Verification Summary v1 for an admission decision (spec/policy.md). */
#ifndef MLATTEST_VERIFY_VSA_H
#define MLATTEST_VERIFY_VSA_H

#include <jansson.h>

#include "lib/err.h"
#include "verify/evidence.h"
#include "verify/policy.h"

#define VSA_VERIFIER_ID "https://mlattest.dev/verifier/verify-policy/v1"

/*
 * Signs a VSA with the key at keyref and writes it to path (atomically;
 * *.jsonl appends): subject = the artifact, policy = the policy file and
 * its digest, inputAttestations = the evidence items marked in used,
 * verificationResult PASSED or FAILED.
 */
int vsa_write(const char *path, const char *keyref, const struct policy *p,
	      const json_t *artifact, const char *name,
	      const struct evidence *ev, const unsigned char *used, int passed,
	      struct err *e);

#endif

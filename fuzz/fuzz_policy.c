/*
 * Admission policies: policy_load on a file holding the input (key files
 * resolve relative to that file's directory, where there are none, so
 * keys must be inline PEM to load). Failures are usage errors, or
 * could-not-decide for missing key files; never a crash.
 */
#include "fuzz/fuzz.h"

#include "verify/policy.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct policy *p = NULL;
	size_t i;
	int rc;

	rc = policy_load(&p, fuzz_file("policy.json", data, size), &e);
	if (rc != 0) {
		fuzz_check_err(rc, &e);
		fuzz_check(e.code != EXIT_REJECTED,
			   "a bad policy is a usage error");
		fuzz_check(p == NULL, "no policy on failure");
		return 0;
	}
	fuzz_check(p->nkeys >= 1 && p->nkeys <= EVIDENCE_MAX_KEYS, "keys");
	fuzz_check(p->approval_signers.n <= EVIDENCE_MAX_KEYS &&
		       p->dataset_signers.n <= EVIDENCE_MAX_KEYS &&
		       p->training_signers.n <= EVIDENCE_MAX_KEYS &&
		       p->intake_signers.n <= EVIDENCE_MAX_KEYS &&
		       p->evaluation_signers.n <= EVIDENCE_MAX_KEYS,
		   "signers within EVIDENCE_MAX_KEYS");
	for (i = 0; i < p->approval_signers.n; i++)
		fuzz_check(p->approval_signers.idx[i] >= 0 &&
			       (size_t)p->approval_signers.idx[i] < p->nkeys,
			   "signer index");
	if (p->has_approval)
		fuzz_check(p->threshold >= 1 &&
			       (size_t)p->threshold <= p->approval_signers.n,
			   "threshold in range");
	policy_free(p);
	return 0;
}

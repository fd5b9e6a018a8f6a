/* The signed SLSA Verification Summary (see vsa.h). */
#include "verify/vsa.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys/keyset.h"
#include "keys/tpm.h"
#include "lib/bundle.h"
#include "lib/ids.h"
#include "lib/jsonio.h"
#include "lib/statement.h"
#include "predicates/types.h"

static json_t *
inputs(const struct evidence *ev, const unsigned char *used)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < ev->n; i++)
		if (used[i])
			json_array_append_new(
			    arr, json_pack("{s:s, s:{s:s}}", "name",
					   ev->items[i].src, "digest", "sha256",
					   ev->items[i].sha256));
	return arr;
}

int
vsa_write(const char *path, const char *keyref, const struct policy *p,
	  const json_t *artifact, const char *name, const struct evidence *ev,
	  const unsigned char *used, int passed, struct err *e)
{
	char now[RFC3339_LEN + 1], *body = NULL;
	struct dsse_envelope *env = NULL;
	struct key *k = NULL;
	json_t *st = NULL, *att = NULL;
	size_t len;
	int rc;

	rc = key_load_private_tcti(&k, keyref, getenv(TPM_TCTI_ENV), e);
	if (rc != 0)
		return rc;
	ids_rfc3339(now, time(NULL));
	st = json_pack(
	    "{s:s, s:[{s:s, s:O}], s:s, s:{s:{s:s, s:{s:s}}, s:s, s:s, "
	    "s:{s:s, s:{s:s}}, s:o, s:s, s:[s], s:s}}",
	    "_type", STATEMENT_V1, "subject", "name", name, "digest", artifact,
	    "predicateType", PRED_SLSA_VSA, "predicate", "verifier", "id",
	    VSA_VERIFIER_ID, "version", "mlattest", MLATTEST_VERSION,
	    "timeVerified", now, "resourceUri", name, "policy", "uri", p->path,
	    "digest", "sha256", p->sha256, "inputAttestations",
	    inputs(ev, used), "verificationResult",
	    passed ? "PASSED" : "FAILED", "verifiedLevels",
	    passed ? "ML_ADMISSION_POLICY_PASSED" : "FAILED", "slsaVersion",
	    "1.0");
	if (st == NULL)
		rc = err_set(e, EXIT_UNDECIDED, "cannot build the VSA");
	if (rc == 0)
		rc = jsonio_dump(&body, &len, st, JSONIO_FLAGS, e);
	if (rc == 0)
		rc = envelope_sign(&env, DSSE_INTOTO_TYPE,
				   (const unsigned char *)body, len, k, e);
	if (rc == 0) {
		att = dsse_to_json(env);
		rc = bundle_write(path, att, e);
	}
	json_decref(att);
	json_decref(st);
	dsse_free(env);
	free(body);
	key_free(k);
	return rc;
}

/* The signed SLSA Verification Summary (see vsa.h). */
#include "verify/vsa.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys/envelope.h"
#include "keys/keyset.h"
#include "keys/tpm.h"
#include "lib/bundle.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/ids.h"
#include "lib/jsonio.h"
#include "lib/statement.h"
#include "lib/text.h"
#include "predicates/types.h"

static json_t *
inputs(const struct evidence *ev, const unsigned char *used)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < ev->n; i++)
		if (used[i] &&
		    jsonio_append(arr,
				  json_pack("{s:s, s:{s:s}}", "name",
					    ev->items[i].src, "digest",
					    "sha256", ev->items[i].sha256),
				  NULL) != 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

int
vsa_write(const char *path, const char *keyref, const struct key_load_opts *ko,
	  const struct policy *p, const json_t *artifact, const char *name,
	  const struct evidence *ev, const unsigned char *used, int passed,
	  struct err *e)
{
	char now[RFC3339_LEN + 1], *body = NULL;
	struct dsse_envelope *env = NULL;
	struct key *k = NULL;
	json_t *st = NULL, *att = NULL;
	size_t len;
	int rc;

	rc = key_load_private_opts(&k, keyref, ko, e);
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
		rc = bundle_write(path, att, 1, e);
	}
	json_decref(att);
	json_decref(st);
	dsse_free(env);
	free(body);
	key_free(k);
	return rc;
}

int
vsa_check_verdict(const struct statement *st, const char *src, struct err *e)
{
	const json_t *pred = statement_predicate(st);
	const char *result = jsonio_str(pred, "verificationResult");
	char res[160], uri[300], pol[300];

	if (strcmp(statement_predicate_type(st), PRED_SLSA_VSA) != 0)
		return 0;
	if (result != NULL && strcmp(result, "PASSED") == 0)
		return 0;
	text_escape(res, sizeof(res), result ? result : "(missing)");
	text_escape(uri, sizeof(uri),
		    jsonio_str_or(pred, "resourceUri", "(no resourceUri)"));
	text_escape(pol, sizeof(pol),
		    jsonio_str_or(json_object_get(pred, "policy"), "uri",
				  "(no policy uri)"));
	return err_set(e, EXIT_REJECTED,
		       "%s: VSA verificationResult %s, not PASSED: the gate "
		       "did not admit %s under policy %s",
		       src, res, uri, pol);
}

int
vsa_check_policy(const struct statement *st, const char *path, const char *src,
		 struct err *e)
{
	const json_t *pol = json_object_get(statement_predicate(st), "policy");
	const char *want = jsonio_str(json_object_get(pol, "digest"), "sha256");
	unsigned char d[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1], shown[SHA256_HEX_LEN + 8];
	int rc;

	rc = hash_file_sha256(d, NULL, path, e);
	if (rc != 0)
		return rc;
	hex_encode(hex, d, SHA256_LEN);
	if (want != NULL && strcmp(want, hex) == 0)
		return 0;
	text_escape(shown, sizeof(shown), want ? want : "(none)");
	return err_set(e, EXIT_REJECTED,
		       "%s: the VSA was made under policy sha256:%s, not %s "
		       "(sha256:%s)",
		       src, shown, path, hex);
}

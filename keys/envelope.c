/* Signing DSSE envelopes (see envelope.h). */
#include "keys/envelope.h"

#include <stdlib.h>

int
envelope_sign(struct dsse_envelope **out, const char *type,
	      const unsigned char *body, size_t len, const struct key *k,
	      struct err *e)
{
	struct dsse_envelope *env = NULL;
	unsigned char *pae = NULL, *sig = NULL;
	size_t paelen, siglen;
	int rc;

	*out = NULL;
	rc = dsse_new(&env, type, body, len, e);
	if (rc != 0)
		return rc;
	/* SPEC-PAE-2: the signature covers the PAE, never the JSON. */
	rc = dsse_pae(&pae, &paelen, type, body, len, e);
	if (rc == 0)
		rc = key_sign(&sig, &siglen, k, pae, paelen, e);
	if (rc == 0)
		rc = dsse_add_sig(env, key_id(k), sig, siglen, e);
	free(pae);
	free(sig);
	if (rc != 0) {
		dsse_free(env);
		return rc;
	}
	*out = env;
	return 0;
}

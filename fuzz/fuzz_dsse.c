/*
 * DSSE envelope JSON: jsonio_load_object + dsse_from_json. A decoded
 * envelope must survive dsse_to_json and decode again to the same bytes,
 * and its PAE must have the length SPEC-PAE-1 gives.
 */
#include "fuzz/fuzz.h"

#include "lib/dsse.h"
#include "lib/jsonio.h"

static void
same_envelope(const struct dsse_envelope *a, const struct dsse_envelope *b)
{
	const unsigned char *pa, *pb;
	size_t la, lb, i;

	fuzz_check(strcmp(dsse_payload_type(a), dsse_payload_type(b)) == 0,
		   "payloadType survives a round trip");
	pa = dsse_payload(a, &la);
	pb = dsse_payload(b, &lb);
	fuzz_check(la == lb && memcmp(pa, pb, la) == 0,
		   "payload survives a round trip");
	fuzz_check(dsse_sig_count(a) == dsse_sig_count(b), "signature count");
	for (i = 0; i < dsse_sig_count(a); i++) {
		pa = dsse_sig(a, i, &la);
		pb = dsse_sig(b, i, &lb);
		fuzz_check(la == lb && la > 0 && memcmp(pa, pb, la) == 0,
			   "sig survives a round trip");
		fuzz_check(strcmp(dsse_keyid(a, i), dsse_keyid(b, i)) == 0,
			   "keyid survives a round trip");
	}
}

static void
check_pae(const struct dsse_envelope *env)
{
	struct err e = ERR_INIT;
	unsigned char *pae = NULL;
	const unsigned char *body;
	size_t paelen, bodylen, typelen;
	char head[64];
	int n;

	body = dsse_payload(env, &bodylen);
	typelen = strlen(dsse_payload_type(env));
	fuzz_check(dsse_pae(&pae, &paelen, dsse_payload_type(env), body,
			    bodylen, &e) == 0,
		   "dsse_pae");
	n = snprintf(head, sizeof(head), "DSSEv1 %zu  %zu ", typelen, bodylen);
	fuzz_check(paelen == (size_t)n + typelen + bodylen, "PAE length");
	fuzz_check(bodylen == 0 ||
		       memcmp(pae + paelen - bodylen, body, bodylen) == 0,
		   "PAE ends with the body");
	free(pae);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	struct dsse_envelope *env = NULL, *again = NULL;
	json_t *obj = NULL, *back = NULL;
	int rc;

	rc = jsonio_load_object(&obj, data, size, "fuzz", &e);
	if (rc != 0) {
		fuzz_check_err(rc, &e);
		fuzz_check(obj == NULL, "no object on failure");
		return 0;
	}
	rc = dsse_from_json(&env, obj, "fuzz", &e);
	if (rc != 0) {
		fuzz_check_err(rc, &e);
		fuzz_check(env == NULL, "no envelope on failure");
		goto out;
	}
	fuzz_check(dsse_sig_count(env) >= 1 &&
		       dsse_sig_count(env) <= MAX_ENVELOPE_SIGS,
		   "1..MAX_ENVELOPE_SIGS signatures");
	check_pae(env);
	back = dsse_to_json(env);
	fuzz_check(back != NULL, "dsse_to_json");
	fuzz_check(dsse_from_json(&again, back, "again", &e) == 0,
		   "emitted envelope decodes");
	same_envelope(env, again);
out:
	dsse_free(again);
	dsse_free(env);
	json_decref(back);
	json_decref(obj);
	return 0;
}

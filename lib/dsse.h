/*
 * DSSE envelopes (secure-systems-lab/dsse v1.0.2): the pre-authentication
 * encoding and the JSON envelope. An envelope is immutable once built; the
 * payload is kept as the decoded bytes that were signed, so a verifier
 * parses exactly the bytes whose signature it checked (SPEC-ENV-3).
 */
#ifndef MLATTEST_LIB_DSSE_H
#define MLATTEST_LIB_DSSE_H

#include <jansson.h>
#include <stddef.h>

#include "lib/err.h"

#define DSSE_INTOTO_TYPE "application/vnd.in-toto+json"
#define MAX_ENVELOPE_SIGS 64

struct dsse_envelope;

/*
 * PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
 * (SPEC-PAE-1). *out is new, freed with free().
 */
int dsse_pae(unsigned char **out, size_t *outlen, const char *type,
	     const unsigned char *body, size_t bodylen, struct err *e);

/*
 * A new envelope holding copies of type and body and no signatures.
 */
int dsse_new(struct dsse_envelope **out, const char *type,
	     const unsigned char *body, size_t bodylen, struct err *e);

/* Adds a signature (copied) with an optional keyid (NULL for none). */
int dsse_add_sig(struct dsse_envelope *env, const char *keyid,
		 const unsigned char *sig, size_t siglen, struct err *e);

/*
 * Decodes the envelope object obj. src names it in errors. Required:
 * payload (a string, may be empty), payloadType (a non-empty string) and
 * signatures (1 to
 * MAX_ENVELOPE_SIGS objects, each with a non-empty sig); keyid optional;
 * unknown fields ignored (SPEC-ENV-1). Base64 may be standard or URL-safe
 * (SPEC-ENV-2). Malformed input is EXIT_REJECTED.
 */
int dsse_from_json(struct dsse_envelope **out, const json_t *obj,
		   const char *src, struct err *e);

/*
 * The envelope as a new JSON object: payload and sig in standard padded
 * base64, keyid always written ("" when unset) (SPEC-ENV-4). NULL when out of
 * memory.
 */
json_t *dsse_to_json(const struct dsse_envelope *env);

void dsse_free(struct dsse_envelope *env);

/* Borrowed views. */
const char *dsse_payload_type(const struct dsse_envelope *env);
const unsigned char *dsse_payload(const struct dsse_envelope *env, size_t *len);
size_t dsse_sig_count(const struct dsse_envelope *env);
const unsigned char *dsse_sig(const struct dsse_envelope *env, size_t i,
			      size_t *len);
/* The keyid of signature i, "" when unset. Unauthenticated: a hint only. */
const char *dsse_keyid(const struct dsse_envelope *env, size_t i);

#endif

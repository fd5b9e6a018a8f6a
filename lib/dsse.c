/* DSSE pre-authentication encoding and envelope JSON (see dsse.h). */
#include "lib/dsse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/b64.h"
#include "lib/jsonio.h"

struct dsse_sigent {
	char *keyid;
	unsigned char *sig;
	size_t siglen;
};

struct dsse_envelope {
	char *type;
	unsigned char *body;
	size_t bodylen;
	struct dsse_sigent sigs[MAX_ENVELOPE_SIGS];
	size_t nsigs;
};

int
dsse_pae(unsigned char **out, size_t *outlen, const char *type,
	 const unsigned char *body, size_t bodylen, struct err *e)
{
	char head[128];
	size_t typelen = strlen(type), headlen, total;
	unsigned char *buf;
	int n;

	/* SPEC-PAE-1: lengths are ASCII decimal byte counts. */
	n = snprintf(head, sizeof(head), "DSSEv1 %zu ", typelen);
	headlen = (size_t)n;
	total = headlen + typelen + 1 + 20 + 1 + bodylen;
	buf = malloc(total);
	if (buf == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	memcpy(buf, head, headlen);
	memcpy(buf + headlen, type, typelen);
	headlen += typelen;
	n = snprintf(head, sizeof(head), " %zu ", bodylen);
	memcpy(buf + headlen, head, (size_t)n);
	headlen += (size_t)n;
	if (bodylen > 0)
		memcpy(buf + headlen, body, bodylen);
	*out = buf;
	*outlen = headlen + bodylen;
	return 0;
}

/* Makes *out own body (bodylen bytes and a NUL), also on failure. */
static int
envelope_take(struct dsse_envelope **out, const char *type, unsigned char *body,
	      size_t bodylen, struct err *e)
{
	struct dsse_envelope *env;

	*out = NULL;
	env = calloc(1, sizeof(*env));
	if (env == NULL) {
		free(body);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	env->body = body;
	env->bodylen = bodylen;
	env->type = strdup(type);
	if (env->type == NULL) {
		dsse_free(env);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	*out = env;
	return 0;
}

int
dsse_new(struct dsse_envelope **out, const char *type,
	 const unsigned char *body, size_t bodylen, struct err *e)
{
	unsigned char *copy = malloc(bodylen + 1);

	*out = NULL;
	if (copy == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	if (bodylen > 0)
		memcpy(copy, body, bodylen);
	copy[bodylen] = '\0';
	return envelope_take(out, type, copy, bodylen, e);
}

/* Makes env own sig, also on failure. */
static int
sig_take(struct dsse_envelope *env, const char *keyid, unsigned char *sig,
	 size_t siglen, struct err *e)
{
	struct dsse_sigent *s;

	if (env->nsigs == MAX_ENVELOPE_SIGS) {
		free(sig);
		return err_set(e, EXIT_REJECTED,
			       "more than %d signatures in one envelope",
			       MAX_ENVELOPE_SIGS);
	}
	s = &env->sigs[env->nsigs];
	s->keyid = strdup(keyid != NULL ? keyid : "");
	if (s->keyid == NULL) {
		free(sig);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	s->sig = sig;
	s->siglen = siglen;
	env->nsigs++;
	return 0;
}

int
dsse_add_sig(struct dsse_envelope *env, const char *keyid,
	     const unsigned char *sig, size_t siglen, struct err *e)
{
	unsigned char *copy = malloc(siglen > 0 ? siglen : 1);

	if (copy == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	memcpy(copy, sig, siglen);
	return sig_take(env, keyid, copy, siglen, e);
}

static int
decode_sig(struct dsse_envelope *env, const json_t *js, size_t i,
	   const char *src, struct err *e)
{
	const json_t *jsig = json_object_get(js, "sig");
	const json_t *jkid = json_object_get(js, "keyid");
	unsigned char *sig = NULL;
	char what[64];
	size_t siglen;
	int rc;

	if (!json_is_object(js) || !json_is_string(jsig))
		return err_set(e, EXIT_REJECTED,
			       "%s: signatures[%zu] has no \"sig\" string", src,
			       i);
	/* keyid may be absent, null or a string; unset equals empty. */
	if (jkid != NULL && !json_is_null(jkid) && !json_is_string(jkid))
		return err_set(e, EXIT_REJECTED,
			       "%s: signatures[%zu].keyid is not a string", src,
			       i);
	snprintf(what, sizeof(what), "signatures[%zu].sig", i);
	rc = b64_decode(&sig, &siglen, json_string_value(jsig),
			json_string_length(jsig), what, e);
	if (rc != 0)
		return err_prefix(e, "%s", src);
	if (siglen == 0) {
		free(sig);
		return err_set(e, EXIT_REJECTED, "%s: %s is empty", src, what);
	}
	rc = sig_take(env, json_string_value(jkid), sig, siglen, e);
	if (rc != 0)
		return err_prefix(e, "%s", src);
	return 0;
}

int
dsse_from_json(struct dsse_envelope **out, const json_t *obj, const char *src,
	       struct err *e)
{
	const json_t *jp = json_object_get(obj, "payload");
	const json_t *jt = json_object_get(obj, "payloadType");
	const json_t *js = json_object_get(obj, "signatures");
	struct dsse_envelope *env = NULL;
	unsigned char *body = NULL;
	size_t bodylen, i;
	int rc;

	*out = NULL;
	if (!json_is_string(jp) || !json_is_string(jt))
		return err_set(e, EXIT_REJECTED,
			       "%s: envelope needs string \"payload\" and "
			       "\"payloadType\"",
			       src);
	if (json_string_length(jt) == 0 ||
	    strlen(json_string_value(jt)) != json_string_length(jt))
		return err_set(e, EXIT_REJECTED, "%s: bad payloadType", src);
	if (!json_is_array(js) || json_array_size(js) == 0)
		return err_set(e, EXIT_REJECTED,
			       "%s: envelope has no signatures", src);
	if (json_array_size(js) > MAX_ENVELOPE_SIGS)
		return err_set(e, EXIT_REJECTED, "%s: more than %d signatures",
			       src, MAX_ENVELOPE_SIGS);
	rc = b64_decode(&body, &bodylen, json_string_value(jp),
			json_string_length(jp), "payload", e);
	if (rc != 0)
		return err_prefix(e, "%s", src);
	rc = envelope_take(&env, json_string_value(jt), body, bodylen, e);
	body = NULL;
	if (rc != 0)
		goto out;
	for (i = 0; i < json_array_size(js); i++) {
		rc = decode_sig(env, json_array_get(js, i), i, src, e);
		if (rc != 0)
			goto out;
	}
	*out = env;
	env = NULL;
out:
	free(body);
	dsse_free(env);
	return rc;
}

json_t *
dsse_to_json(const struct dsse_envelope *env)
{
	json_t *obj = NULL, *sigs = NULL;
	char *payload = NULL, *sig = NULL;
	size_t i;

	payload = b64_encode(env->body, env->bodylen);
	obj = json_object();
	sigs = json_array();
	if (payload == NULL || obj == NULL || sigs == NULL)
		goto fail;
	if (jsonio_set(obj, "payload", json_string(payload), NULL) != 0 ||
	    jsonio_set(obj, "payloadType", json_string(env->type), NULL) != 0)
		goto fail;
	for (i = 0; i < env->nsigs; i++) {
		json_t *s;
		sig = b64_encode(env->sigs[i].sig, env->sigs[i].siglen);
		if (sig == NULL)
			goto fail;
		s = json_pack("{s:s, s:s}", "keyid", env->sigs[i].keyid, "sig",
			      sig);
		free(sig);
		sig = NULL;
		if (jsonio_append(sigs, s, NULL) != 0)
			goto fail;
	}
	if (jsonio_set(obj, "signatures", sigs, NULL) != 0) {
		sigs = NULL;
		goto fail;
	}
	free(payload);
	return obj;
fail:
	free(payload);
	json_decref(sigs);
	json_decref(obj);
	return NULL;
}

void
dsse_free(struct dsse_envelope *env)
{
	size_t i;

	if (env == NULL)
		return;
	for (i = 0; i < env->nsigs; i++) {
		free(env->sigs[i].keyid);
		free(env->sigs[i].sig);
	}
	free(env->type);
	free(env->body);
	free(env);
}

const char *
dsse_payload_type(const struct dsse_envelope *env)
{
	return env->type;
}

const unsigned char *
dsse_payload(const struct dsse_envelope *env, size_t *len)
{
	*len = env->bodylen;
	return env->body;
}

size_t
dsse_sig_count(const struct dsse_envelope *env)
{
	return env->nsigs;
}

const unsigned char *
dsse_sig(const struct dsse_envelope *env, size_t i, size_t *len)
{
	*len = env->sigs[i].siglen;
	return env->sigs[i].sig;
}

const char *
dsse_keyid(const struct dsse_envelope *env, size_t i)
{
	return env->sigs[i].keyid;
}

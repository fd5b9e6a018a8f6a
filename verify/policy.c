/* Loading and checking admission policies (see policy.h). */
#include "verify/policy.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fileio.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/ids.h"
#include "lib/jsonio.h"
#include "lib/opt.h"
#include "predicates/approval.h"
#include "predicates/intake.h"
#include "predicates/dataset.h"
#include "verify/keyless.h"

static int
bad(struct err *e, const char *path, const char *what)
{
	return err_set(e, EXIT_USAGE, "%s: %s", path, what);
}

static int
only(const json_t *obj, const char *const *keys, const char *path,
     const char *section, struct err *e)
{
	char where[600];

	if (!json_is_object(obj))
		return err_set(e, EXIT_USAGE, "%s: \"%s\" must be an object",
			       path, section);
	snprintf(where, sizeof(where), "%s: %s", path, section);
	if (jsonio_only_keys(obj, keys, where, e) != 0)
		return -(e->code = EXIT_USAGE);
	return 0;
}

static int
get_bool(int *out, const json_t *obj, const char *key, const char *path,
	 struct err *e)
{
	const json_t *v = json_object_get(obj, key);

	*out = 0;
	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return err_set(e, EXIT_USAGE,
			       "%s: \"%s\" must be true or false", path, key);
	*out = json_is_true(v);
	return 0;
}

/* An optional array of strings; each must be in allowed when given. */
static int
get_strings(const json_t **out, const json_t *obj, const char *key,
	    const char *const *allowed, const char *path, struct err *e)
{
	const json_t *v = json_object_get(obj, key), *s;
	size_t i;

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!json_is_array(v))
		return err_set(e, EXIT_USAGE, "%s: \"%s\" must be an array",
			       path, key);
	json_array_foreach(v, i, s)
	{
		if (!json_is_string(s) ||
		    (allowed && !pred_in_list(json_string_value(s), allowed)))
			return err_set(
			    e, EXIT_USAGE,
			    "%s: \"%s\"[%zu] is not an allowed value", path,
			    key, i);
	}
	*out = v;
	return 0;
}

static int
get_signers(struct signers *s, const struct policy *p, const json_t *sec,
	    const char *section, struct err *e)
{
	const json_t *v = json_object_get(sec, "signers"), *name;
	size_t i, j, k;

	memset(s, 0, sizeof(*s));
	if (!json_is_array(v) || json_array_size(v) == 0)
		return err_set(
		    e, EXIT_USAGE,
		    "%s: %s.signers must be a non-empty array of key "
		    "names",
		    p->path, section);
	json_array_foreach(v, i, name)
	{
		const char *n = json_string_value(name);
		for (j = 0; n != NULL && j < p->nkeys; j++)
			if (strcmp(p->names[j], n) == 0)
				break;
		if (n == NULL || j == p->nkeys)
			return err_set(e, EXIT_USAGE,
				       "%s: %s.signers[%zu] names no key in "
				       "\"keys\"",
				       p->path, section, i);
		for (k = 0; k < s->n; k++)
			if (s->idx[k] == (int)j)
				return err_set(e, EXIT_USAGE,
					       "%s: %s.signers names \"%s\" "
					       "twice",
					       p->path, section, n);
		if (s->n == EVIDENCE_MAX_KEYS)
			return err_set(e, EXIT_USAGE, "%s: too many signers",
				       p->path);
		s->idx[s->n++] = (int)j;
	}
	return 0;
}

static int
load_key(struct policy *p, const char *name, const json_t *spec, struct err *e)
{
	static const char *const keys[] = {"publicKey", NULL};
	const char *v = jsonio_str(spec, "publicKey");
	char full[PATH_MAX], dir[PATH_MAX / 2];
	const char *slash = strrchr(p->path, '/');
	struct key *k = NULL;
	int rc;

	rc = only(spec, keys, p->path, name, e);
	if (rc != 0)
		return rc;
	if (v == NULL)
		return err_set(e, EXIT_USAGE, "%s: key \"%s\" has no publicKey",
			       p->path, name);
	if (strstr(v, "-----BEGIN") != NULL) {
		rc = key_load_public_pem(&k, v, strlen(v), name, e);
	} else {
		snprintf(dir, sizeof(dir), "%.*s",
			 slash ? (int)(slash - p->path) : 1,
			 slash ? p->path : ".");
		if (v[0] == '/')
			snprintf(full, sizeof(full), "%s", v);
		else if ((size_t)snprintf(full, sizeof(full), "%s/%.*s", dir,
					  PATH_MAX / 2 - 2, v) >= sizeof(full))
			return bad(e, p->path, "key path too long");
		rc = key_load_public(&k, full, e);
	}
	if (rc == -EXIT_REJECTED)
		e->code = EXIT_USAGE;
	if (rc != 0)
		return -e->code;
	p->names[p->nkeys++] = name;
	return keyset_add(p->ks, k, e);
}

/* The policy file's directory joined with a relative path v. */
static int
policy_relative(char full[PATH_MAX], const struct policy *p, const char *v,
		struct err *e)
{
	const char *slash = strrchr(p->path, '/');
	char dir[PATH_MAX / 2];

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - p->path) : 1,
		 slash ? p->path : ".");
	if (v[0] == '/')
		snprintf(full, PATH_MAX, "%s", v);
	else if ((size_t)snprintf(full, PATH_MAX, "%s/%.*s", dir,
				  PATH_MAX / 2 - 2, v) >= PATH_MAX)
		return bad(e, p->path, "path too long");
	return 0;
}

/* SPEC-POL-18: {"identity"|"identityRegexp", "issuer"|"issuerRegexp",
 * "trustedRoot"?}: a keyless Sigstore signer. */
static int
load_identity(struct policy *p, const char *name, const json_t *spec,
	      struct err *e)
{
	static const char *const keys[] = {"identity",	  "identityRegexp",
					   "issuer",	  "issuerRegexp",
					   "trustedRoot", NULL};
	struct keyless_identity w;
	const char *root = jsonio_str(spec, "trustedRoot");
	char full[PATH_MAX];
	int rc;

	rc = only(spec, keys, p->path, name, e);
	if (rc != 0)
		return rc;
	w.identity = jsonio_str(spec, "identity");
	w.identity_re = jsonio_str(spec, "identityRegexp");
	w.issuer = jsonio_str(spec, "issuer");
	w.issuer_re = jsonio_str(spec, "issuerRegexp");
	if (root != NULL && policy_relative(full, p, root, e) != 0)
		return -e->code;
	if (p->ids == NULL && keyless_idset_new(&p->ids, e) != 0)
		return -e->code;
	rc = keyless_idset_add(p->ids, p->nkeys, &w, root ? full : NULL, e);
	if (rc != 0)
		return err_prefix(e, "%s: key \"%s\"", p->path, name);
	p->names[p->nkeys++] = name;
	return 0;
}

static int
is_identity(const json_t *spec)
{
	return json_is_object(spec) &&
	       json_object_get(spec, "publicKey") == NULL &&
	       (json_object_get(spec, "identity") != NULL ||
		json_object_get(spec, "identityRegexp") != NULL);
}

static int
load_keys(struct policy *p, struct err *e)
{
	const json_t *keys = json_object_get(p->root, "keys");
	const char *name;
	json_t *spec;
	int rc, pass;

	if (!json_is_object(keys) || json_object_size(keys) == 0)
		return bad(e, p->path, "\"keys\" must name at least one key");
	if (json_object_size(keys) > EVIDENCE_MAX_KEYS)
		return bad(e, p->path, "too many keys");
	/* Public keys first, so a key's slot is its keyset index; the
	 * identities follow (SPEC-POL-18). */
	for (pass = 0; pass < 2; pass++) {
		json_object_foreach((json_t *)keys, name, spec)
		{
			if (is_identity(spec) != pass)
				continue;
			rc = pass ? load_identity(p, name, spec, e)
				  : load_key(p, name, spec, e);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

static int
load_dataset(struct policy *p, const json_t *s, struct err *e)
{
	static const char *const keys[] = {
	    "signers",	    "allowClassifications", "requireLicense",
	    "denyLicenses", "allowLicenses",	    NULL};
	int rc = only(s, keys, p->path, "dataset", e);

	p->has_dataset = 1;
	if (rc == 0)
		rc = get_signers(&p->dataset_signers, p, s, "dataset", e);
	if (rc == 0)
		rc = get_strings(&p->allow_classifications, s,
				 "allowClassifications",
				 dataset_classifications, p->path, e);
	if (rc == 0)
		rc = get_bool(&p->require_license, s, "requireLicense", p->path,
			      e);
	if (rc == 0)
		rc = get_strings(&p->deny_licenses, s, "denyLicenses", NULL,
				 p->path, e);
	if (rc == 0)
		rc = get_strings(&p->allow_licenses, s, "allowLicenses", NULL,
				 p->path, e);
	return rc;
}

/* training.pcrs: {"16": "<64 hex>", ...} for the sha256 bank. */
static int
check_pcrs(const json_t *pcrs, const char *path, struct err *e)
{
	const char *idx;
	json_t *v;
	long n;

	if (!json_is_object(pcrs) || json_object_size(pcrs) == 0)
		return bad(e, path,
			   "training.pcrs must be an object of PCR "
			   "index -> sha256 hex value");
	json_object_foreach((json_t *)pcrs, idx, v)
	{
		const char *hex = json_string_value(v);
		/* Plain decimal, no sign, space or leading zero. */
		if (strspn(idx, "0123456789") != strlen(idx) ||
		    (idx[0] == '0' && idx[1] != '\0') ||
		    opt_long(&n, idx, 0, 23, "training.pcrs", NULL) != 0 ||
		    hex == NULL || strlen(hex) != 64 ||
		    strspn(hex, "0123456789abcdef") != 64)
			return err_set(e, EXIT_USAGE,
				       "%s: training.pcrs: \"%s\" must map a "
				       "PCR index 0-23 to 64 lowercase hex "
				       "digits",
				       path, idx);
	}
	return 0;
}

/* training.akKeys: the TPM attestation keys whose quotes count. */
static int
load_tpm(struct policy *p, const json_t *s, struct err *e)
{
	const json_t *aks = json_object_get(s, "akKeys"), *name;
	size_t i, j;
	int rc = 0;

	p->pcrs = json_object_get(s, "pcrs");
	if (p->pcrs != NULL && check_pcrs(p->pcrs, p->path, e) != 0)
		return -EXIT_USAGE;
	if ((aks != NULL || p->pcrs != NULL) && !p->require_tpm_quote)
		return bad(e, p->path,
			   "training.akKeys and training.pcrs need "
			   "training.requireTpmQuote");
	if (aks == NULL)
		return 0;
	if (!json_is_array(aks) || json_array_size(aks) == 0)
		return bad(e, p->path,
			   "training.akKeys must be a non-empty "
			   "array of key names");
	rc = keyset_new(&p->ak_ks, e);
	json_array_foreach(aks, i, name)
	{
		const char *n = json_string_value(name);
		char *pem = NULL;
		size_t len;
		struct key *k = NULL;
		if (rc != 0)
			break;
		for (j = 0; n != NULL && j < p->nkeys; j++)
			if (strcmp(p->names[j], n) == 0)
				break;
		if (n != NULL && j < p->nkeys && j >= keyset_count(p->ks))
			return err_set(e, EXIT_USAGE,
				       "%s: training.akKeys[%zu] names an "
				       "identity, not a key",
				       p->path, i);
		if (n == NULL || j == p->nkeys)
			return err_set(e, EXIT_USAGE,
				       "%s: training.akKeys[%zu] names no key "
				       "in \"keys\"",
				       p->path, i);
		rc = key_public_pem(&pem, &len, keyset_get(p->ks, j), e);
		if (rc == 0)
			rc = key_load_public_pem(&k, pem, len, n, e);
		if (rc == 0)
			rc = keyset_add(p->ak_ks, k, e);
		free(pem);
	}
	return rc;
}

/* training.requireTrace, undeclaredInputs, undeclaredInputPrefixes. */
static int
load_trace(struct policy *p, const json_t *s, struct err *e)
{
	const json_t *u = json_object_get(s, "undeclaredInputs"), *v;
	const char *w = json_string_value(u);
	size_t i;
	int rc = get_bool(&p->require_trace, s, "requireTrace", p->path, e);

	if (rc == 0)
		rc = get_strings(&p->undeclared_prefixes, s,
				 "undeclaredInputPrefixes", NULL, p->path, e);
	if (rc != 0)
		return rc;
	if (u != NULL &&
	    (w == NULL || (strcmp(w, "deny") != 0 && strcmp(w, "report") != 0)))
		return bad(e, p->path,
			   "training.undeclaredInputs must be \"deny\" or "
			   "\"report\"");
	p->undeclared = w == NULL		 ? UNDECLARED_OFF
			: strcmp(w, "deny") == 0 ? UNDECLARED_DENY
						 : UNDECLARED_REPORT;
	if (p->undeclared_prefixes == NULL)
		return 0;
	if (p->undeclared == UNDECLARED_OFF)
		return bad(e, p->path,
			   "training.undeclaredInputPrefixes needs "
			   "training.undeclaredInputs");
	if (json_array_size(p->undeclared_prefixes) == 0)
		return bad(e, p->path,
			   "training.undeclaredInputPrefixes must not be "
			   "empty");
	json_array_foreach(p->undeclared_prefixes, i, v)
	{
		if (json_string_value(v)[0] != '/')
			return err_set(
			    e, EXIT_USAGE,
			    "%s: training.undeclaredInputPrefixes[%zu]"
			    " must be an absolute path",
			    p->path, i);
	}
	return 0;
}

static int
load_training(struct policy *p, const json_t *s, struct err *e)
{
	static const char *const keys[] = {"signers",
					   "builderIds",
					   "requireSuccess",
					   "requireAttestedDatasets",
					   "baseModel",
					   "requireTpmQuote",
					   "akKeys",
					   "pcrs",
					   "requireTrace",
					   "undeclaredInputs",
					   "undeclaredInputPrefixes",
					   NULL};
	static const char *const base[] = {"allow", "require-intake", "forbid",
					   "require-provenance", NULL};
	const char *bm = jsonio_str(s, "baseModel");
	int rc = only(s, keys, p->path, "training", e);

	p->has_training = 1;
	if (rc == 0)
		rc = get_signers(&p->training_signers, p, s, "training", e);
	if (rc == 0)
		rc = get_strings(&p->builder_ids, s, "builderIds", NULL,
				 p->path, e);
	if (rc == 0)
		rc = get_bool(&p->require_success, s, "requireSuccess", p->path,
			      e);
	if (rc == 0)
		rc = get_bool(&p->require_attested_datasets, s,
			      "requireAttestedDatasets", p->path, e);
	if (rc == 0)
		rc = get_bool(&p->require_tpm_quote, s, "requireTpmQuote",
			      p->path, e);
	if (rc == 0)
		rc = load_tpm(p, s, e);
	if (rc == 0)
		rc = load_trace(p, s, e);
	if (rc != 0)
		return rc;
	if (json_object_get(s, "baseModel") != NULL && !pred_in_list(bm, base))
		return bad(e, p->path,
			   "training.baseModel must be \"allow\", "
			   "\"require-intake\", \"require-provenance\" or "
			   "\"forbid\"");
	p->base_model = bm == NULL || strcmp(bm, "allow") == 0 ? BASE_ALLOW
			: strcmp(bm, "forbid") == 0	       ? BASE_FORBID
			: strcmp(bm, "require-provenance") == 0
			    ? BASE_REQUIRE_PROVENANCE
			    : BASE_REQUIRE_INTAKE;
	return 0;
}

static int
load_intake(struct policy *p, const json_t *s, struct err *e)
{
	static const char *const keys[] = {"signers", "allowRiskTiers", NULL};
	int rc = only(s, keys, p->path, "intake", e);

	p->has_intake = 1;
	if (rc == 0)
		rc = get_signers(&p->intake_signers, p, s, "intake", e);
	if (rc == 0)
		rc = get_strings(&p->allow_risk_tiers, s, "allowRiskTiers",
				 intake_risk_tiers, p->path, e);
	return rc;
}

static int
load_metric(struct threshold *t, const json_t *m, size_t i, const char *path,
	    struct err *e)
{
	static const char *const keys[] = {"name", "op", "value", NULL};
	const char *name = jsonio_str(m, "name");
	char where[64];
	int rc;

	snprintf(where, sizeof(where), "evaluation.metrics[%zu]", i);
	rc = only(m, keys, path, where, e);
	if (rc != 0)
		return rc;
	if (name == NULL || !eval_metric_name_ok(name) ||
	    eval_op_parse(&t->op, jsonio_str(m, "op")) != 0 ||
	    !json_is_number(json_object_get(m, "value")))
		return err_set(e, EXIT_USAGE,
			       "%s: %s needs name, op (>= > <= < ==) and a "
			       "numeric value",
			       path, where);
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->value = json_number_value(json_object_get(m, "value"));
	return 0;
}

static int
load_evaluation(struct policy *p, const json_t *s, struct err *e)
{
	static const char *const keys[] = {"signers", "requireHeldOut",
					   "metrics", NULL};
	const json_t *m = json_object_get(s, "metrics");
	size_t i;
	int rc = only(s, keys, p->path, "evaluation", e);

	p->has_evaluation = 1;
	if (rc == 0)
		rc = get_signers(&p->evaluation_signers, p, s, "evaluation", e);
	if (rc == 0)
		rc = get_bool(&p->require_held_out, s, "requireHeldOut",
			      p->path, e);
	if (rc != 0)
		return rc;
	if (m != NULL &&
	    (!json_is_array(m) || json_array_size(m) > MAX_POLICY_METRICS))
		return bad(e, p->path, "evaluation.metrics must be an array");
	for (i = 0; i < json_array_size(m); i++) {
		rc = load_metric(&p->metrics[i], json_array_get(m, i), i,
				 p->path, e);
		if (rc != 0)
			return rc;
	}
	p->nmetrics = json_array_size(m);
	return 0;
}

static int
load_approval(struct policy *p, const json_t *s, struct err *e)
{
	static const char *const keys[] = {"stage", "signers", "threshold",
					   NULL};
	const json_t *t = json_object_get(s, "threshold");
	int rc = only(s, keys, p->path, "approval", e);

	p->has_approval = 1;
	if (rc == 0)
		rc = get_signers(&p->approval_signers, p, s, "approval", e);
	if (rc != 0)
		return rc;
	p->stage = jsonio_str(s, "stage");
	if (!pred_in_list(p->stage, approval_stages))
		return bad(e, p->path,
			   "approval.stage must be staging, "
			   "production or retired");
	p->threshold = t == NULL ? 1 : (long)json_integer_value(t);
	if ((t != NULL && !json_is_integer(t)) || p->threshold < 1 ||
	    (size_t)p->threshold > p->approval_signers.n)
		return bad(e, p->path,
			   "approval.threshold must be an integer "
			   "from 1 to the number of signers");
	return 0;
}

static int
load_revocation(struct policy *p, const json_t *s, struct err *e)
{
	static const char *const keys[] = {"signers", "maxAge", NULL};
	const char *age = jsonio_str(s, "maxAge");
	int rc = only(s, keys, p->path, "revocation", e);

	p->has_revocation = 1;
	if (rc == 0)
		rc = get_signers(&p->revocation_signers, p, s, "revocation", e);
	if (rc == 0 && json_object_get(s, "maxAge") != NULL &&
	    (age == NULL ||
	     ids_parse_duration(&p->revocation_max_age, age) != 0))
		rc = bad(e, p->path,
			 "revocation.maxAge must be a duration such as "
			 "\"24h\"");
	return rc;
}

static int
load_sections(struct policy *p, struct err *e)
{
	static const char *const keys[] = {
	    "policyVersion", "keys",	   "dataset",  "training",
	    "intake",	     "evaluation", "approval", "maxAge",
	    "description",   "revocation", NULL};
	const json_t *r = p->root, *s;
	const char *age = jsonio_str(r, "maxAge");
	int rc = only(r, keys, p->path, "policy", e);

	if (rc != 0)
		return rc;
	if (json_integer_value(json_object_get(r, "policyVersion")) != 1 ||
	    !json_is_integer(json_object_get(r, "policyVersion")))
		return bad(e, p->path, "policyVersion must be 1");
	if (json_object_get(r, "maxAge") != NULL &&
	    (age == NULL || ids_parse_duration(&p->max_age, age) != 0))
		return bad(e, p->path,
			   "maxAge must be a duration such as "
			   "\"720h\" or \"30d\"");
	rc = load_keys(p, e);
	if (rc == 0 && (s = json_object_get(r, "dataset")) != NULL)
		rc = load_dataset(p, s, e);
	if (rc == 0 && (s = json_object_get(r, "training")) != NULL)
		rc = load_training(p, s, e);
	if (rc == 0 && (s = json_object_get(r, "intake")) != NULL)
		rc = load_intake(p, s, e);
	if (rc == 0 && (s = json_object_get(r, "evaluation")) != NULL)
		rc = load_evaluation(p, s, e);
	if (rc == 0 && (s = json_object_get(r, "approval")) != NULL)
		rc = load_approval(p, s, e);
	if (rc == 0 && (s = json_object_get(r, "revocation")) != NULL)
		rc = load_revocation(p, s, e);
	if (rc == 0 && json_object_get(r, "description") != NULL &&
	    !json_is_string(json_object_get(r, "description")))
		rc = bad(e, p->path, "description must be a string");
	if (rc == 0 && p->require_held_out && !p->has_training)
		rc = bad(e, p->path,
			 "evaluation.requireHeldOut needs a "
			 "\"training\" section to know the "
			 "training data");
	if (rc == 0 && !p->has_dataset && !p->has_training &&
	    !p->has_evaluation && !p->has_approval)
		rc = bad(e, p->path, "the policy has no rule section");
	if (rc == 0 && p->base_model == BASE_REQUIRE_INTAKE && !p->has_intake)
		rc = bad(e, p->path,
			 "training.baseModel \"require-intake\" "
			 "needs an \"intake\" section");
	return rc;
}

int
policy_load(struct policy **out, const char *path, struct err *e)
{
	unsigned char *text = NULL, d[SHA256_LEN];
	struct policy *p;
	size_t len;
	int rc;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	snprintf(p->path, sizeof(p->path), "%s", path);
	rc = file_read(&text, &len, path, MAX_POLICY_BYTES, e);
	if (rc == -EXIT_REJECTED)
		rc = -(e->code = EXIT_USAGE);
	if (rc == 0)
		rc = hash_sha256(d, text, len, e);
	if (rc == 0) {
		hex_encode(p->sha256, d, SHA256_LEN);
		rc = jsonio_load_object(&p->root, text, len, path, e);
		if (rc == -EXIT_REJECTED)
			rc = -(e->code = EXIT_USAGE);
	}
	if (rc == 0)
		rc = keyset_new(&p->ks, e);
	if (rc == 0)
		rc = load_sections(p, e);
	free(text);
	if (rc != 0) {
		policy_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

void
policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	keyset_free(p->ks);
	keyset_free(p->ak_ks);
	keyless_idset_free(p->ids);
	json_decref(p->root);
	free(p);
}

const char *
policy_key_name(const struct policy *p, size_t i)
{
	return i < p->nkeys ? p->names[i] : "?";
}

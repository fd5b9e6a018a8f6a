/*
 * Training provenance (training.h): the environment and parameter rules,
 * the parameters and salted commitments that go into the predicate, and
 * its internal parameters.
 */
#include "predicates/training.h"

#include <ctype.h>
#include <stdio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/hex.h"
#include "lib/hostinfo.h"
#include "lib/jsonio.h"

/* SPEC-RUN-2: recorded when set, unless they look secret. */
const char *const training_default_env[] = {
    "CUDA_VISIBLE_DEVICES",    "NVIDIA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES",
    "CUBLAS_WORKSPACE_CONFIG", "OMP_NUM_THREADS",	 "PYTHONHASHSEED",
    "TF_DETERMINISTIC_OPS",    TRAINING_SEED_ENV,	 NULL,
};

static int
name_is_secret(const char *name)
{
	static const char *const words[] = {"KEY",	"TOKEN",  "SECRET",
					    "PASSWORD", "PASSWD", "CREDENTIAL",
					    "AUTH",	NULL};
	char up[256];
	size_t i;

	for (i = 0; i < sizeof(up) - 1 && name[i] != '\0'; i++)
		up[i] = (char)toupper((unsigned char)name[i]);
	up[i] = '\0';
	for (i = 0; words[i] != NULL; i++)
		if (strstr(up, words[i]) != NULL)
			return 1;
	return 0;
}

/* The longest run of base64/hex-like characters in s. */
static size_t
longest_token_run(const char *s)
{
	size_t best = 0, cur = 0;

	for (; *s != '\0'; s++) {
		if (isalnum((unsigned char)*s) || *s == '+' || *s == '/' ||
		    *s == '_' || *s == '-' || *s == '=')
			cur++;
		else
			cur = 0;
		if (cur > best)
			best = cur;
	}
	return best;
}

static int
value_is_secret(const char *v)
{
	static const char *const prefixes[] = {
	    "ghp_",  "gho_", "ghs_", "github_pat_", "glpat-", "sk-", "xoxb-",
	    "xoxp-", "AKIA", "ASIA", "hf_",	    "eyJ",    NULL};
	size_t i;

	if (strstr(v, "-----BEGIN") != NULL ||
	    strncasecmp(v, "bearer ", 7) == 0 ||
	    strncasecmp(v, "basic ", 6) == 0)
		return 1;
	for (i = 0; prefixes[i] != NULL; i++)
		if (strncmp(v, prefixes[i], strlen(prefixes[i])) == 0 &&
		    strlen(v) >= strlen(prefixes[i]) + 8)
			return 1;
	/* URLs with user:password@ credentials. */
	if (strstr(v, "://") != NULL && strchr(v, '@') != NULL &&
	    strchr(strstr(v, "://") + 3, ':') != NULL)
		return 1;
	return longest_token_run(v) >= 32;
}

int
training_env_is_secret(const char *name, const char *value)
{
	return name_is_secret(name) ||
	       (value != NULL && value_is_secret(value));
}

static int
wanted(const char *name, size_t len, const char *const *extra, size_t nextra)
{
	size_t i;

	for (i = 0; training_default_env[i] != NULL; i++)
		if (strlen(training_default_env[i]) == len &&
		    strncmp(training_default_env[i], name, len) == 0)
			return 1;
	for (i = 0; i < nextra; i++)
		if (strlen(extra[i]) == len &&
		    strncmp(extra[i], name, len) == 0)
			return 1;
	return 0;
}

int
training_env(json_t **out, json_t **redacted, char *const *envp,
	     const char *const *extra, size_t nextra, struct err *e)
{
	json_t *env = json_object(), *red = json_array();
	char name[256];
	char *const *p;
	int rc = 0;

	if (env == NULL || red == NULL) {
		json_decref(env);
		json_decref(red);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	for (p = envp; rc == 0 && *p != NULL; p++) {
		const char *eq = strchr(*p, '=');
		size_t len = eq ? (size_t)(eq - *p) : 0;
		if (eq == NULL || len == 0 || len >= sizeof(name) ||
		    !wanted(*p, len, extra, nextra))
			continue;
		memcpy(name, *p, len);
		name[len] = '\0';
		if (training_env_is_secret(name, eq + 1))
			rc = jsonio_append(red, json_string(name), e);
		else
			rc = jsonio_set(env, name, json_string(eq + 1), e);
	}
	if (rc != 0) {
		json_decref(env);
		json_decref(red);
		return err_prefix(e, "environment variable %s", name);
	}
	*out = env;
	*redacted = red;
	return 0;
}

static int
commit_with(char *commitment, const unsigned char *salt, const char *name,
	    const char *value)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char d[32];
	int ok = ctx != NULL &&
		 EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
		 EVP_DigestUpdate(ctx, salt, TRAINING_SALT_LEN) == 1 &&
		 EVP_DigestUpdate(ctx, name, strlen(name)) == 1 &&
		 EVP_DigestUpdate(ctx, "=", 1) == 1 &&
		 EVP_DigestUpdate(ctx, value, strlen(value)) == 1 &&
		 EVP_DigestFinal_ex(ctx, d, NULL) == 1;

	EVP_MD_CTX_free(ctx);
	if (ok)
		hex_encode(commitment, d, sizeof(d));
	return ok ? 0 : -1;
}

int
training_commit(char *commitment, char *salt_hex, const char *name,
		const char *value, struct err *e)
{
	unsigned char salt[TRAINING_SALT_LEN];

	if (RAND_bytes(salt, sizeof(salt)) != 1 ||
	    commit_with(commitment, salt, name, value) != 0)
		return err_ossl(e, EXIT_UNDECIDED, "commitment for %s", name);
	hex_encode(salt_hex, salt, sizeof(salt));
	OPENSSL_cleanse(salt, sizeof(salt));
	return 0;
}

int
training_commit_check(const char *commitment, const char *salt_hex,
		      const char *name, const char *value)
{
	unsigned char salt[TRAINING_SALT_LEN];
	char got[65];

	if (hex_decode(salt, sizeof(salt), salt_hex) != 0 ||
	    commit_with(got, salt, name, value) != 0)
		return -1;
	return strcasecmp(got, commitment) == 0 ? 0 : -1;
}

/* The K of "K=V" (checked by the caller: an '=' is there) into name. */
static void
kv_name(char *name, size_t cap, const char *kv, const char **value)
{
	const char *eq = strchr(kv, '=');

	snprintf(name, cap, "%.*s", (int)(eq - kv), kv);
	*value = eq + 1;
}

int
training_params(json_t *ext, json_t **commitments, const char *const *pub,
		size_t npub, const char *const *priv, size_t npriv,
		struct err *e)
{
	json_t *pubo = json_object(), *privo = json_object();
	json_t *salts = json_object();
	char c[65], salt[65], name[256];
	const char *value;
	size_t i;
	int rc = 0;

	for (i = 0; i < npub; i++) {
		kv_name(name, sizeof(name), pub[i], &value);
		rc = jsonio_set(pubo, name, json_string(value), e);
		if (rc != 0)
			break;
	}
	for (i = 0; rc == 0 && i < npriv; i++) {
		kv_name(name, sizeof(name), priv[i], &value);
		rc = training_commit(c, salt, name, value, e);
		if (rc != 0)
			break;
		rc =
		    jsonio_set(privo, name, json_pack("{s:s}", "sha256", c), e);
		if (rc == 0)
			rc = jsonio_set(salts, name,
					json_pack("{s:s, s:s, s:s}", "salt",
						  salt, "value", value,
						  "commitment", c),
					e);
	}
	OPENSSL_cleanse(salt, sizeof(salt));
	OPENSSL_cleanse(name, sizeof(name));
	if (rc == 0)
		rc = jsonio_set(ext, "parameters", json_incref(pubo), e);
	if (rc == 0)
		rc =
		    jsonio_set(ext, "privateParameters", json_incref(privo), e);
	json_decref(pubo);
	json_decref(privo);
	*commitments = salts;
	return rc;
}

void
training_commitments_free(json_t *salts)
{
	const char *name, *field;
	json_t *entry, *v;

	json_object_foreach(salts, name, entry)
	{
		json_object_foreach(entry, field, v)
		{
			if (json_is_string(v))
				OPENSSL_cleanse((char *)json_string_value(v),
						json_string_length(v));
		}
	}
	json_decref(salts);
}

int
training_commitments_doc(json_t **out, json_t *salts, const char *invocation,
			 struct err *e)
{
	*out = json_pack("{s:i, s:s, s:s, s:O}", "version", 1, "invocationId",
			 invocation, "scheme",
			 "sha256(salt || name || \"=\" || value)", "parameters",
			 salts);
	if (*out == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	return 0;
}

json_t *
training_internal_params(const struct proc_result *res, const char *seed,
			 json_t *files, json_t *unchanged)
{
	json_t *host = NULL, *acc = NULL;
	json_t *in = json_object();
	int rc = 0;

	if (in == NULL ||
	    (json_array_size(files) > 0 &&
	     jsonio_set(in, "outputFiles", json_incref(files), NULL) != 0) ||
	    (json_array_size(unchanged) > 0 &&
	     jsonio_set(in, "unchangedOutputs", json_incref(unchanged), NULL) !=
		 0)) {
		json_decref(in);
		return NULL;
	}

	if (hostinfo_collect(&host, NULL) == 0)
		rc = jsonio_set(in, "host", host, NULL);
	if (rc == 0 && hostinfo_accelerators(&acc, NULL) == 0)
		rc = jsonio_set(in, "accelerators", acc, NULL);
	if (rc == 0 && seed != NULL)
		rc = jsonio_set(in, "seed", json_string(seed), NULL);
	if (rc == 0 && res->exited)
		rc = jsonio_set(in, "exitStatus", json_integer(res->exit_code),
				NULL);
	else if (rc == 0)
		rc = jsonio_set(in, "terminatedBySignal",
				json_integer(res->signal), NULL);
	if (rc != 0) {
		json_decref(in);
		return NULL;
	}
	return in;
}

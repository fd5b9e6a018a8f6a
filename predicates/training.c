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

int
training_path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (n == 1 && prefix[0] == '/')
		return path[0] == '/';
	return strncmp(path, prefix, n) == 0 &&
	       (path[n] == '\0' || path[n] == '/');
}

static const char *const trace_group_names[] = {"declared", "system",
						"undeclared"};

static json_t *
trace_entry(const struct training_trace_file *f)
{
	json_t *o;

	if (f->group != TRAINING_TRACE_UNDECLARED)
		return jsonio_uri(f->path);
	o = json_pack("{s:o}", "path", jsonio_uri(f->path));
	if (o != NULL && f->hashed) {
		char hex[65];
		hex_encode(hex, f->sha256, sizeof(f->sha256));
		if (jsonio_set(o, "sha256", json_string(hex), NULL) != 0 ||
		    jsonio_set(o, "size", json_integer((json_int_t)f->size),
			       NULL) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	if (o != NULL && f->written_first &&
	    jsonio_set(o, "writtenByRun", json_true(), NULL) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Appends f to arr unless the array is full; counts it either way. */
static int
trace_add(json_t *arr, json_t *counts, const char *name, json_t *entry)
{
	json_int_t n = json_integer_value(json_object_get(counts, name));

	if (jsonio_set(counts, name, json_integer(n + 1), NULL) != 0) {
		json_decref(entry);
		return -1;
	}
	if (json_array_size(arr) >= TRAINING_TRACE_MAX_LISTED) {
		json_decref(entry);
		return 0;
	}
	return jsonio_append(arr, entry, NULL);
}

static json_t *
trace_groups(void)
{
	return json_pack("{s:[], s:[], s:[]}", "declared", "system",
			 "undeclared");
}

static int
trace_files(json_t *tr, const struct training_trace *t)
{
	json_t *read = trace_groups(), *exec = trace_groups();
	json_t *rc_ = json_pack("{s:i, s:i, s:i}", "declared", 0, "system", 0,
				"undeclared", 0);
	json_t *ec = json_deep_copy(rc_), *written = json_array();
	json_t *wc = json_object();
	size_t i;
	int rc = read && exec && rc_ && ec && written && wc ? 0 : -1;

	for (i = 0; rc == 0 && i < t->nfiles; i++) {
		const struct training_trace_file *f = &t->files[i];
		const char *g = trace_group_names[f->group];
		if (f->flags & TRAINING_TRACE_READ)
			rc = trace_add(json_object_get(read, g), rc_, g,
				       trace_entry(f));
		if (rc == 0 && (f->flags & TRAINING_TRACE_EXEC))
			rc = trace_add(json_object_get(exec, g), ec, g,
				       trace_entry(f));
		if (rc == 0 && (f->flags & TRAINING_TRACE_WRITE) &&
		    f->write_outside)
			rc = trace_add(written, wc, "n", jsonio_uri(f->path));
	}
	if (rc == 0)
		rc = jsonio_set(tr, "read", read, NULL);
	else
		json_decref(read);
	if (rc == 0)
		rc = jsonio_set(tr, "executed", exec, NULL);
	else
		json_decref(exec);
	if (rc == 0)
		rc = jsonio_set(tr, "writtenOutsideOutputs", written, NULL);
	else
		json_decref(written);
	if (rc == 0)
		rc = jsonio_set(
		    tr, "counts",
		    json_pack("{s:O, s:O, s:I}", "read", rc_, "executed", ec,
			      "writtenOutsideOutputs",
			      json_integer_value(json_object_get(wc, "n"))),
		    NULL);
	json_decref(rc_);
	json_decref(ec);
	json_decref(wc);
	return rc;
}

/* SPEC-RUN-11 */
int
training_trace_record(json_t *in, const struct training_trace *t, struct err *e)
{
	json_t *tr = json_pack("{s:i, s:s, s:I, s:I, s:b, s:[], s:[]}",
			       "version", 1, "method", "ptrace-seccomp",
			       "processes", (json_int_t)t->processes, "threads",
			       (json_int_t)t->threads, "complete", t->complete,
			       "systemPrefixes", "notes");
	size_t i;
	int rc = tr != NULL ? 0 : -1;

	for (i = 0; rc == 0 && i < t->nsystem; i++)
		rc = jsonio_append(json_object_get(tr, "systemPrefixes"),
				   jsonio_uri(t->system_prefixes[i]), NULL);
	for (i = 0; rc == 0 && i < t->nnotes; i++)
		rc = jsonio_append(json_object_get(tr, "notes"),
				   json_string(t->notes[i]), NULL);
	if (rc == 0)
		rc = trace_files(tr, t);
	if (rc == 0)
		rc = jsonio_set(in, "trace", tr, NULL);
	else
		json_decref(tr);
	return rc == 0 ? 0 : err_set(e, EXIT_UNDECIDED, "out of memory");
}

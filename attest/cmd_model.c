/*
 * attest model: sign a model directory the way OpenSSF Model Signing v1.0
 * (model_signing's key method) does, writing model.sig: a Sigstore bundle
 * whose DSSE payload lists every file (or shard) and their root
 * (spec/predicates/oms.md).
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attest/attest.h"
#include "keys/keyopt.h"
#include "keys/tpm.h"
#include "lib/bundle.h"
#include "lib/dsse.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/jsonio.h"
#include "lib/opt.h"
#include "predicates/oms.h"

struct model_opts {
	struct key_load_opts ko; /* KEYOPT_SPECS and the environment */
	const char *key, *sig, *model, *links_within;
	const char **ignore; /* defaults, the signature, then --ignore */
	size_t nignore;
	unsigned long long shard_size;
	int allow_symlinks;
	char sigbuf[PATH_MAX], relbuf[PATH_MAX];
};

static int
shard_opt(void *opts, const struct opt_spec *row, const char *val,
	  struct err *e)
{
	struct model_opts *o = opts;
	long v;
	int rc =
	    opt_long(&v, val, 1, (long)OMS_MAX_SHARD_SIZE, "--shard-size", e);

	(void)row;
	if (rc == 0)
		o->shard_size = (unsigned long long)v;
	return rc;
}

/* After the defaults and the signature's slot that parse puts first. */
static int
ignore_opt(void *opts, const struct opt_spec *row, const char *val,
	   struct err *e)
{
	struct model_opts *o = opts;

	(void)row;
	if (oms_path_check(val, "--ignore", e) != 0)
		return -(e->code = EXIT_USAGE);
	o->ignore[o->nignore++] = val;
	return 0;
}

static const struct opt_spec model_rows[] = {
    {.type = OPT_STRING,
     .name = "key",
     .shortname = 'k',
     .off = offsetof(struct model_opts, key),
     .argname = "KEYREF",
     .help = "signing key: PEM file, pkcs11: URI or tpm:handle=|blob=|sealed=",
     .flags = OPT_REQUIRED},
    {.type = OPT_STRING,
     .name = "signature",
     .shortname = 's',
     .off = offsetof(struct model_opts, sig),
     .argname = "FILE",
     .help = "write the bundle here (default: MODEL_DIR/model.sig)"},
    {.type = OPT_CALL,
     .name = "shard-size",
     .off = offsetof(struct model_opts, shard_size),
     .argname = "N",
     .help = "hash files in shards of N bytes (method \"shards\")",
     .fn = shard_opt},
    {.type = OPT_CALL,
     .name = "ignore",
     .shortname = 'i',
     .off = offsetof(struct model_opts, ignore),
     .argname = "PATH",
     .help = "leave out this path (relative to MODEL_DIR); repeatable",
     .flags = OPT_MANY,
     .fn = ignore_opt},
    {.type = OPT_FLAG,
     .name = "allow-symlinks",
     .off = offsetof(struct model_opts, allow_symlinks),
     .help = "follow symlinks to files inside MODEL_DIR"},
    {.type = OPT_STRING,
     .name = "follow-links-within",
     .off = offsetof(struct model_opts, links_within),
     .argname = "DIR",
     .help = "follow symlinks to files anywhere under DIR (e.g. a HF cache)"},
    KEYOPT_SPECS(struct model_opts, ko),
    {.type = OPT_OPERAND,
     .off = offsetof(struct model_opts, model),
     .argname = "MODEL_DIR",
     .help = "MODEL_DIR",
     .flags = OPT_REQUIRED},
    {.type = OPT_END},
};

static const struct opt_cmd model_cmd = {
    "attest model",
    "Sign MODEL_DIR as an OpenSSF Model Signing v1.0 bundle (model_signing's "
    "key method).",
    model_rows};

static int
parse(struct model_opts *o, int argc, char **argv, struct err *e)
{
	int rc;

	o->ignore =
	    calloc((size_t)argc + OMS_N_DEFAULT_IGNORE + 1, sizeof(char *));
	if (o->ignore == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (; o->nignore < OMS_N_DEFAULT_IGNORE; o->nignore++)
		o->ignore[o->nignore] = digest_meta_paths[o->nignore];
	o->nignore++; /* the signature's slot, filled below */
	rc = opt_parse(o, &model_cmd, argc, argv, e);
	if (rc == 1)
		opt_cmd_help(stdout, &model_cmd);
	if (rc != 0)
		return rc;
	if (o->sig == NULL) {
		oms_default_signature(o->sigbuf, sizeof(o->sigbuf), o->model);
		o->sig = o->sigbuf;
	}
	/* The signature file itself is never signed. */
	rc = oms_sig_relative(o->relbuf, sizeof(o->relbuf), o->model, o->sig);
	if (rc < 0)
		return err_set(e, EXIT_UNDECIDED, "%s: cannot resolve", o->sig);
	/* SPEC-TREE-5: tree digests leave out only the default name, so a
	 * signature written into the model under another name would change
	 * the digest its provenance names. */
	if (rc == 1 && strcmp(o->relbuf, DIGEST_META_SIGNATURE) != 0)
		return err_set(e, EXIT_USAGE,
			       "--signature %s lies inside %s, whose tree "
			       "digest would then include it; write it as "
			       "%s/%s or outside the model",
			       o->sig, o->model, o->model,
			       DIGEST_META_SIGNATURE);
	o->ignore[OMS_N_DEFAULT_IGNORE] =
	    rc == 1 ? o->relbuf : DIGEST_META_SIGNATURE;
	return 0;
}

/* The subject name: the model's basename, as model_signing writes it. */
static int
model_name(char *out, size_t cap, const char *model, struct err *e)
{
	char real[PATH_MAX];

	if (realpath(model, real) == NULL)
		return err_sys(e, EXIT_UNDECIDED, errno, "%s", model);
	snprintf(out, cap, "%s", basename(real));
	return 0;
}

/* publicKey.hint: hex SHA-256 of the SPKI PEM text (model_signing). */
static int
pem_hint(char out[65], const struct key *k, struct err *e)
{
	unsigned char d[SHA256_LEN];
	char *pem = NULL;
	size_t len;
	int rc;

	rc = key_public_pem(&pem, &len, k, e);
	if (rc == 0)
		rc = hash_sha256(d, pem, len, e);
	if (rc == 0)
		hex_encode(out, d, SHA256_LEN);
	free(pem);
	return rc;
}

/* A DSSE envelope whose keyid is the bundle's hint (bundle.proto). */
static int
sign_body(struct dsse_envelope **out, const char *body, size_t len,
	  const struct key *k, const char *hint, struct err *e)
{
	unsigned char *pae = NULL, *sig = NULL;
	size_t plen, slen;
	int rc;

	rc = dsse_new(out, DSSE_INTOTO_TYPE, (const unsigned char *)body, len,
		      e);
	if (rc == 0)
		rc = dsse_pae(&pae, &plen, DSSE_INTOTO_TYPE,
			      (const unsigned char *)body, len, e);
	if (rc == 0)
		rc = key_sign(&sig, &slen, k, pae, plen, e);
	if (rc == 0)
		rc = dsse_add_sig(*out, hint, sig, slen, e);
	free(pae);
	free(sig);
	return rc;
}

int
cmd_model(int argc, char **argv)
{
	struct model_opts o;
	struct digest_opts d = DIGEST_OPTS_INIT;
	struct oms_serialization ser;
	struct digest_manifest *m = NULL;
	struct dsse_envelope *env = NULL;
	struct err e = ERR_INIT;
	struct key *k = NULL;
	json_t *st = NULL, *att = NULL;
	char name[PATH_MAX], hint[65], *body = NULL;
	struct stat sb;
	size_t len;
	int rc;

	memset(&o, 0, sizeof(o));
	o.ko = *attest_key_env();
	rc = parse(&o, argc, argv, &e);
	if (rc != 0)
		goto out;
	rc = key_load_private_opts(&k, o.key, &o.ko, &e);
	if (rc == 0)
		rc = model_name(name, sizeof(name), o.model, &e);
	if (rc != 0)
		goto out;
	d.shard_size = o.shard_size;
	d.allow_symlinks = o.allow_symlinks;
	d.links_within = o.links_within;
	d.ignore = o.ignore;
	d.n_ignore = o.nignore;
	rc = digest_tree(&m, o.model, &d, &e);
	if (rc != 0)
		goto out;
	ser.shard_size = o.shard_size;
	ser.allow_symlinks = o.allow_symlinks || o.links_within != NULL;
	ser.ignore = o.ignore;
	ser.n_ignore = o.nignore;
	rc = oms_statement_new(&st, name, m,
			       stat(o.model, &sb) == 0 && S_ISREG(sb.st_mode),
			       &ser, &e);
	if (rc == 0)
		rc = jsonio_dump(&body, &len, st, JSONIO_FLAGS, &e);
	if (rc == 0)
		rc = pem_hint(hint, k, &e);
	if (rc == 0)
		rc = sign_body(&env, body, len, k, hint, &e);
	if (rc != 0)
		goto out;
	att = bundle_sigstore_new(env, hint, &e);
	if (att == NULL) {
		rc =
		    e.code ? -e.code : err_set(&e, EXIT_UNDECIDED, "no memory");
		goto out;
	}
	rc = bundle_write(o.sig, att, 1, &e);
	if (rc == 0)
		attest_print(stdout, "signed %zu file(s) of %s (%s) into %s\n",
			     digest_manifest_count(m), o.model,
			     o.shard_size ? "shards" : "files", o.sig);
out:
	json_decref(att);
	json_decref(st);
	dsse_free(env);
	free(body);
	digest_manifest_free(m);
	key_free(k);
	free(o.ignore);
	if (rc == 1)
		return EXIT_PASS;
	return rc == 0 ? EXIT_PASS : attest_fail(&e);
}

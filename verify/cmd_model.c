/*
 * verify model: check an OpenSSF Model Signing v1.0 signature (ours or
 * model_signing's, key method) against a model directory: the signature
 * under --key, then every signed file or shard by name, and no unsigned
 * extras; every missing, changed and extra file is named
 * (spec/predicates/oms.md).
 */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "keys/keyset.h"
#include "lib/bundle.h"
#include "lib/fileio.h"
#include "lib/jsonio.h"
#include "lib/opt.h"
#include "lib/statement.h"
#include "lib/text.h"
#include "predicates/oms.h"
#include "verify/evidence.h"
#include "verify/jsonout.h"
#include "verify/keyless.h"
#include "verify/verify.h"

struct vmodel_opts {
	const char *key, *sig, *model, *json, *links_within;
	struct keyless_identity who;
	const char *trusted_root, *cert_chain;
	const char **ignore;
	size_t nignore;
	int ignore_unsigned;
	char sigbuf[PATH_MAX];
};

static const struct opt_spec vmodel_rows[] = {
    {.type = OPT_STRING,
     .name = "key",
     .shortname = 'k',
     .off = offsetof(struct vmodel_opts, key),
     .argname = "PUB",
     .help = "the signer's public key (PEM)"},
    {.type = OPT_STRING,
     .name = "signature",
     .shortname = 's',
     .off = offsetof(struct vmodel_opts, sig),
     .argname = "FILE",
     .help = "the bundle (default: MODEL_DIR/model.sig)"},
    {.type = OPT_FLAG,
     .name = "ignore-unsigned",
     .off = offsetof(struct vmodel_opts, ignore_unsigned),
     .help = "accept files that the signature does not list"},
    {.type = OPT_STRING,
     .name = "json",
     .off = offsetof(struct vmodel_opts, json),
     .argname = "FILE",
     .help =
	 "also write the result as JSON; - for stdout (text then on stderr)"},
    {.type = OPT_STRING,
     .name = "follow-links-within",
     .off = offsetof(struct vmodel_opts, links_within),
     .argname = "DIR",
     .help = "follow symlinks to files anywhere under DIR (e.g. a HF cache)"},
    {.type = OPT_STRING,
     .name = "certificate-identity",
     .off = offsetof(struct vmodel_opts, who.identity),
     .argname = "ID",
     .help = "sigstore method: the signing certificate's SAN must be ID"},
    {.type = OPT_STRING,
     .name = "certificate-identity-regexp",
     .off = offsetof(struct vmodel_opts, who.identity_re),
     .argname = "RE",
     .help = "sigstore method: the SAN must fully match the POSIX ERE RE"},
    {.type = OPT_STRING,
     .name = "certificate-oidc-issuer",
     .off = offsetof(struct vmodel_opts, who.issuer),
     .argname = "ISS",
     .help = "sigstore method: the OIDC issuer must be ISS"},
    {.type = OPT_STRING,
     .name = "certificate-oidc-issuer-regexp",
     .off = offsetof(struct vmodel_opts, who.issuer_re),
     .argname = "RE",
     .help = "sigstore method: the OIDC issuer must fully match RE"},
    {.type = OPT_STRING,
     .name = "trusted-root",
     .off = offsetof(struct vmodel_opts, trusted_root),
     .argname = "FILE",
     .help = "sigstore method: Sigstore TrustedRoot JSON (default: public "
	     "good)"},
    {.type = OPT_STRING,
     .name = "certificate-chain",
     .off = offsetof(struct vmodel_opts, cert_chain),
     .argname = "CA.pem",
     .help = "certificate method: the CA certificates the signer must chain "
	     "to"},
    {.type = OPT_LIST,
     .name = "ignore-paths",
     .off = offsetof(struct vmodel_opts, ignore),
     .noff = offsetof(struct vmodel_opts, nignore),
     .argname = "PATH",
     .help = "a file or directory of MODEL_DIR not to check; repeatable"},
    {.type = OPT_OPERAND,
     .off = offsetof(struct vmodel_opts, model),
     .argname = "MODEL_DIR",
     .help = "MODEL_DIR",
     .flags = OPT_REQUIRED},
    {.type = OPT_END},
};

static const struct opt_cmd vmodel_cmd = {
    "verify model",
    "Check an OpenSSF Model Signing v1.0 signature (key, sigstore or "
    "certificate\nmethod) against MODEL_DIR; name every missing, changed and "
    "extra file.",
    vmodel_rows};

/* What the walk over the fresh tree found. */
struct scan {
	const struct oms_signed *s;
	unsigned char *seen;
	int single_file, shards, ignore_unsigned;
	size_t bad;
	json_t *findings; /* [{change, path}] */
	int findings_bad; /* a finding could not be recorded in the report */
	char last[DIGEST_MAX_PATH + 16];
};

static int
parse(struct vmodel_opts *o, int argc, char **argv, struct err *e)
{
	char syn[ERR_MSG_MAX];
	int rc = opt_parse(o, &vmodel_cmd, argc, argv, e);

	if (rc == 1)
		opt_cmd_help(stdout, &vmodel_cmd);
	if (rc != 0)
		return rc;
	rc = keyless_opts_check(&o->who, e);
	if (rc != 0)
		return rc;
	/* SPEC-OMS-10: exactly one of the key, sigstore, certificate
	 * methods. */
	if ((o->key != NULL) +
		(o->who.identity != NULL || o->who.identity_re != NULL) +
		(o->cert_chain != NULL) !=
	    1) {
		opt_synopsis(syn, sizeof(syn), &vmodel_cmd);
		return err_set(e, EXIT_USAGE, "usage: %s", syn);
	}
	if (o->sig == NULL) {
		oms_default_signature(o->sigbuf, sizeof(o->sigbuf), o->model);
		o->sig = o->sigbuf;
	}
	return 0;
}

/* Prints one finding, once per file in shard mode. */
static void
report(struct scan *sc, const char *kind, const char *name)
{
	char shown[512], key[DIGEST_MAX_PATH + 16];
	size_t plen = oms_name_path_len(name, sc->shards);

	snprintf(key, sizeof(key), "%s %.*s", kind, (int)plen, name);
	sc->bad++;
	if (strcmp(key, sc->last) == 0)
		return;
	snprintf(sc->last, sizeof(sc->last), "%s", key);
	text_escape(shown, sizeof(shown), key + strlen(kind) + 1);
	verify_print(stdout, "FAIL  %-8s %s\n", kind, shown);
	if (jsonio_append(sc->findings,
			  json_pack("{s:s, s:s}", "change", kind, "path",
				    key + strlen(kind) + 1),
			  NULL) != 0)
		sc->findings_bad = 1;
}

static int
visit(void *arg, const char *fresh, const unsigned char digest[32])
{
	struct scan *sc = arg;
	char name[DIGEST_MAX_PATH + 64];
	long i;

	/* model_signing names a single-file model "." */
	if (sc->single_file)
		snprintf(name, sizeof(name), ".%s",
			 fresh + oms_name_path_len(fresh, sc->shards));
	else
		snprintf(name, sizeof(name), "%s", fresh);
	/* SPEC-OMS-7: by name, not by position. */
	i = oms_signed_find(sc->s, name);
	/* SPEC-OMS-9: a shard the signature lacks, of a file it lists (bytes
	 * appended at a shard boundary), changes that file; it is never an
	 * unsigned extra. */
	if (i < 0 && sc->shards &&
	    oms_signed_lists_path(sc->s, name,
				  oms_name_path_len(name, sc->shards))) {
		report(sc, "changed", name);
		return 0;
	}
	if (i < 0) {
		if (!sc->ignore_unsigned)
			report(sc, "extra", name);
		return 0;
	}
	sc->seen[i] = 1;
	if (memcmp(oms_signed_digest(sc->s, (size_t)i), digest, 32) != 0)
		report(sc, "changed", name);
	return 0;
}

/* SPEC-VER-1 through the evidence loader's one sequence. */
static int
check_signed(struct statement **st, struct bundle_entry *ent,
	     const struct keyset *ks, const char *sig, struct err *e)
{
	struct evidence_check chk;

	snprintf(ent->src, sizeof(ent->src), "%s", sig);
	evidence_check_entry(&chk, st, ent, ks, EVIDENCE_FIRST_SIGNER);
	if (chk.state == EVIDENCE_VERIFIED)
		return 0;
	if (e != NULL)
		*e = chk.err;
	return -chk.err.code;
}

/* The CA certificates of --certificate-chain (PEM). */
static int
load_anchors(STACK_OF(X509) * *out, const char *path, struct err *e)
{
	unsigned char *pem = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	X509 *x;
	int rc;

	*out = sk_X509_new_null();
	if (*out == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	rc = file_read(&pem, &len, path, (size_t)1 << 20, e);
	if (rc == 0 && (bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
	while (rc == 0 && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		if (sk_X509_num(*out) == 16 || !sk_X509_push(*out, x)) {
			X509_free(x);
			rc = err_set(e, EXIT_UNDECIDED,
				     "%s: more than 16 certificates", path);
		}
	}
	ERR_clear_error();
	if (rc == 0 && sk_X509_num(*out) == 0)
		rc =
		    err_set(e, EXIT_UNDECIDED, "%s: no PEM certificates", path);
	BIO_free(bio);
	free(pem);
	/* Without its trust anchors nothing is decided. */
	return rc != 0 ? -(e->code = EXIT_UNDECIDED) : 0;
}

/* SPEC-OMS-10: the sigstore and certificate methods (verify/keyless). */
static int
load_keyless(struct statement **st, const struct vmodel_opts *o,
	     const unsigned char *text, size_t len, struct err *e)
{
	struct keyless_opts ko = KEYLESS_OPTS_INIT;
	struct keyless_result r;
	struct trustroot *root = NULL;
	STACK_OF(X509) *anchors = NULL;
	char def[4096];
	int rc = 0;

	memset(&r, 0, sizeof(r));
	if (o->cert_chain != NULL) {
		rc = load_anchors(&anchors, o->cert_chain, e);
		ko.anchors = anchors;
	} else {
		rc = o->trusted_root
			 ? 0
			 : keyless_default_root(def, sizeof(def), e);
		if (rc == 0 &&
		    trustroot_load(
			&root, o->trusted_root ? o->trusted_root : def, e) != 0)
			rc = -(e->code = EXIT_UNDECIDED);
		ko.root = root;
		ko.who = &o->who;
	}
	if (rc == 0)
		rc = keyless_verify(&r, &ko, text, len, o->sig, e);
	if (rc == 0 && r.message)
		rc =
		    err_set(e, EXIT_REJECTED,
			    "%s: a model signature is a DSSE envelope", o->sig);
	if (rc == 0 && strcmp(r.payload_type, DSSE_INTOTO_TYPE) != 0)
		rc = err_set(e, EXIT_REJECTED, "%s: payloadType is not %s",
			     o->sig, DSSE_INTOTO_TYPE);
	if (rc == 0)
		rc = statement_parse(st, r.payload, r.payloadlen, o->sig, e);
	if (rc == 0 && o->cert_chain == NULL) {
		char who[600];

		text_escape(who, sizeof(who), r.identity);
		verify_print(stdout, "PASS  %s signed by %s\n", o->sig, who);
	}
	keyless_result_clear(&r);
	trustroot_free(root);
	sk_X509_pop_free(anchors, X509_free);
	return rc;
}

/* The signed bundle: decoded, signature, payloadType, statement. */
static int
load_signed(struct oms_signed **out, const struct vmodel_opts *o, struct err *e)
{
	struct bundle_entry ent;
	struct statement *st = NULL;
	struct keyset *ks = NULL;
	unsigned char *text = NULL;
	json_t *obj = NULL;
	size_t len;
	int rc;

	memset(&ent, 0, sizeof(ent));
	if (o->key == NULL) {
		rc = file_read(&text, &len, o->sig, MAX_BUNDLE_BYTES, e);
		if (rc == 0)
			rc = load_keyless(&st, o, text, len, e);
		if (rc == 0)
			rc = oms_signed_parse(out, statement_json(st), o->sig,
					      e);
		statement_free(st);
		free(text);
		return rc;
	}
	rc = keyset_new(&ks, e);
	if (rc == 0 && keyset_add_file(ks, o->key, e) != 0)
		rc = -(e->code = EXIT_UNDECIDED);
	if (rc == 0)
		rc = file_read(&text, &len, o->sig, MAX_BUNDLE_BYTES, e);
	if (rc == 0)
		rc = jsonio_load_object(&obj, text, len, o->sig, e);
	if (rc == 0)
		rc = oms_bundle_check(obj, o->sig, e);
	if (rc == 0)
		rc = bundle_parse_object(&ent, obj, o->sig, e);
	/* SPEC-OMS-6: the key is --key; hint and rawBytes are not trusted. */
	if (rc == 0)
		rc = check_signed(&st, &ent, ks, o->sig, e);
	if (rc == 0)
		rc = oms_signed_parse(out, statement_json(st), o->sig, e);
	statement_free(st);
	dsse_free(ent.env);
	free(ent.hint);
	json_decref(obj);
	free(text);
	keyset_free(ks);
	return rc;
}

static int
check_tree(const struct oms_signed *s, const struct vmodel_opts *o,
	   json_t *findings, struct err *e)
{
	const struct oms_serialization *ser = oms_signed_serialization(s);
	struct digest_opts d = DIGEST_OPTS_INIT;
	struct digest_manifest *m = NULL;
	struct scan sc;
	const char **ign = NULL;
	char rel[PATH_MAX];
	struct stat sb;
	size_t i, n = 0;
	int rc;

	memset(&sc, 0, sizeof(sc));
	sc.s = s;
	sc.findings = findings;
	sc.shards = ser->shard_size != 0;
	sc.ignore_unsigned = o->ignore_unsigned;
	sc.single_file = stat(o->model, &sb) == 0 && S_ISREG(sb.st_mode);
	sc.seen = calloc(oms_signed_count(s), 1);
	ign = calloc(ser->n_ignore + OMS_N_DEFAULT_IGNORE + o->nignore + 1,
		     sizeof(char *));
	if (sc.seen == NULL || ign == NULL) {
		rc = err_set(e, EXIT_UNDECIDED, "out of memory");
		goto out;
	}
	/* SPEC-OMS-8: the signed ignore_paths, model_signing's defaults and
	 * the signature file itself. */
	for (i = 0; i < ser->n_ignore; i++)
		ign[n++] = ser->ignore[i];
	for (i = 0; i < OMS_N_DEFAULT_IGNORE; i++)
		ign[n++] = digest_meta_paths[i];
	/* SPEC-OMS-10: --ignore-paths, relative to MODEL_DIR. */
	for (i = 0; i < o->nignore; i++)
		ign[n++] = o->ignore[i];
	if (oms_sig_relative(rel, sizeof(rel), o->model, o->sig) == 1)
		ign[n++] = rel;
	d.shard_size = ser->shard_size;
	d.allow_symlinks = ser->allow_symlinks;
	d.links_within = o->links_within;
	d.ignore = ign;
	d.n_ignore = n;
	rc = digest_tree(&m, o->model, &d, e);
	if (rc == 0)
		rc = digest_manifest_oms_each(m, DIGEST_ORDER_PATH, visit, &sc,
					      e);
	if (rc != 0)
		goto out;
	sc.last[0] = '\0';
	for (i = 0; i < oms_signed_count(s); i++)
		if (!sc.seen[i])
			report(&sc, "missing", oms_signed_name(s, i));
	if (sc.bad > 0)
		rc = err_set(e, EXIT_REJECTED,
			     "%s: %zu resource(s) differ from %s%s", o->model,
			     sc.bad, o->sig,
			     sc.findings_bad ? " (out of memory: the JSON "
					       "report lists only some)"
					     : "");
	else
		verify_print(stdout,
			     "PASS  %s matches %s (%zu resource(s), root in %s "
			     "order)\n",
			     o->model, o->sig, oms_signed_count(s),
			     oms_signed_order(s) == DIGEST_ORDER_NAME
				 ? "the spec's"
				 : "model_signing's");
out:
	digest_manifest_free(m);
	free(sc.seen);
	free(ign);
	return rc;
}

int
cmd_model(int argc, char **argv)
{
	struct vmodel_opts o;
	struct jsonout jo = JSONOUT_INIT;
	struct oms_signed *s = NULL;
	struct err e = ERR_INIT;
	json_t *findings = json_array();
	int rc, status;

	memset(&o, 0, sizeof(o));
	rc = parse(&o, argc, argv, &e);
	if (rc == 1) {
		json_decref(findings);
		return EXIT_PASS;
	}
	if (rc == 0)
		rc = jsonout_open(&jo, o.json, &e);
	if (rc == 0)
		rc = load_signed(&s, &o, &e);
	if (rc == 0)
		rc = check_tree(s, &o, findings, &e);
	oms_signed_free(s);
	free(o.ignore);
	status = jsonout_finish(&jo, o.model ? o.model : "", rc, &e, findings);
	json_decref(findings);
	return status;
}

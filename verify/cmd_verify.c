/*
 * verify (no subcommand): every attestation in the bundles must carry a
 * valid signature by one of the trusted keys over the PAE, have the in-toto
 * payloadType and hold a well-formed Statement; each --artifact must be a
 * subject of at least one verified statement (SPEC-VER-1..5): a file, a
 * directory hashed as a tree or sha256:HEX, and when none matches the
 * nearest subject is named (SPEC-VER-7). A VSA whose verificationResult
 * is not PASSED is rejected (SPEC-VER-8). With
 * --from the attestations come from an OCI registry and each must also
 * name the image as a subject (SPEC-OCI-10).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keys/keyset.h"
#include "lib/bundle.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/dynbuf.h"
#include "lib/jsonio.h"
#include "lib/oci.h"
#include "lib/opt.h"
#include "lib/statement.h"
#include "lib/text.h"
#include "lib/tsa.h"
#include "verify/artifact.h"
#include "verify/evidence.h"
#include "verify/jsonout.h"
#include "verify/keyless.h"
#include "verify/verify.h"
#include "verify/vsa.h"

struct verify_opts {
	const char **keys, **artifacts, **bundles, **froms;
	size_t nkeys, nartifacts, nbundles, nfroms;
	int json, insecure, require_ts;
	const char *tsa_cert;
	const char *links_within;
	struct keyless_identity who;
	const char *trusted_root;
};

/* SPEC-OUT-2: a bare --json has always meant stdout; "--json -" too. */
static int
json_opt(void *opts, const struct opt_spec *row, const char *next,
	 struct err *e)
{
	(void)row;
	(void)e;
	((struct verify_opts *)opts)->json = 1;
	return next != NULL && jsonout_is_stdout(next);
}

static const struct opt_spec verify_rows[] = {
    {.type = OPT_LIST,
     .name = "key",
     .shortname = 'k',
     .off = offsetof(struct verify_opts, keys),
     .noff = offsetof(struct verify_opts, nkeys),
     .argname = "PUB",
     .help = "trusted public key (PEM); repeatable"},
    {.type = OPT_LIST,
     .name = "artifact",
     .shortname = 'a',
     .off = offsetof(struct verify_opts, artifacts),
     .noff = offsetof(struct verify_opts, nartifacts),
     .argname = "PATH",
     .help = "file, directory (tree) or sha256:HEX that must be a verified "
	     "subject; repeatable"},
    {.type = OPT_CALL,
     .name = "json",
     .off = offsetof(struct verify_opts, json),
     .help =
	 "print a JSON report on stdout (also --json -); text then on stderr",
     .flags = OPT_PEEK,
     .fn = json_opt},
    {.type = OPT_LIST,
     .name = "from",
     .off = offsetof(struct verify_opts, froms),
     .noff = offsetof(struct verify_opts, nfroms),
     .argname = "REF",
     .help = "fetch the attestations for REGISTRY/REPO@sha256:HEX; repeatable"},
    {.type = OPT_FLAG,
     .name = "insecure",
     .off = offsetof(struct verify_opts, insecure),
     .help = "with --from: plain http, loopback registries only"},
    {.type = OPT_STRING,
     .name = "tsa-cert",
     .off = offsetof(struct verify_opts, tsa_cert),
     .argname = "CHAIN.pem",
     .help = "trusted TSA certificates (root included); checks RFC 3161 "
	     "timestamps"},
    {.type = OPT_FLAG,
     .name = "require-timestamp",
     .off = offsetof(struct verify_opts, require_ts),
     .help = "reject attestations without a timestamp checked by --tsa-cert"},
    {.type = OPT_STRING,
     .name = "follow-links-within",
     .off = offsetof(struct verify_opts, links_within),
     .argname = "DIR",
     .help =
	 "an --artifact directory's symlinks may point to files anywhere under "
	 "DIR (e.g. a HF cache)"},
    {.type = OPT_STRING,
     .name = "certificate-identity",
     .off = offsetof(struct verify_opts, who.identity),
     .argname = "ID",
     .help = "keyless: the signing certificate's SAN must be ID"},
    {.type = OPT_STRING,
     .name = "certificate-identity-regexp",
     .off = offsetof(struct verify_opts, who.identity_re),
     .argname = "RE",
     .help = "keyless: the SAN must fully match the POSIX ERE RE"},
    {.type = OPT_STRING,
     .name = "certificate-oidc-issuer",
     .off = offsetof(struct verify_opts, who.issuer),
     .argname = "ISS",
     .help = "keyless: the certificate's OIDC issuer must be ISS"},
    {.type = OPT_STRING,
     .name = "certificate-oidc-issuer-regexp",
     .off = offsetof(struct verify_opts, who.issuer_re),
     .argname = "RE",
     .help = "keyless: the OIDC issuer must fully match RE"},
    {.type = OPT_STRING,
     .name = "trusted-root",
     .off = offsetof(struct verify_opts, trusted_root),
     .argname = "FILE",
     .help = "Sigstore TrustedRoot JSON for keyless bundles (default: the "
	     "public-good root installed with mlattest)"},
    {.type = OPT_OPERANDS,
     .off = offsetof(struct verify_opts, bundles),
     .noff = offsetof(struct verify_opts, nbundles),
     .argname = "BUNDLE",
     .help = "BUNDLE"},
    {.type = OPT_END},
};

static const struct opt_cmd verify_cmd = {
    "verify",
    "Check that every attestation in the bundles (and fetched with --from) "
    "is\nsigned by a trusted key, or keyless by the identity given "
    "(Sigstore), and that\neach artifact is a subject of a verified "
    "statement or signed by a message signature.",
    verify_rows};

/* A statement that passed every check, kept for artifact matching. */
struct verified {
	struct statement *st;
	char src[256];
	const char *bundle; /* the file it came from; NULL for --from */
};

struct run {
	struct verify_opts o;
	struct keyset *ks;
	struct tsa_trust *tsa; /* NULL without --tsa-cert */
	struct verified *ok;   /* kept only when there are artifacts to match */
	size_t nok, cap;
	size_t nverified; /* statements that passed every check */
	size_t nseen;	  /* attestations (and unreadable bundles) seen */
	json_t *report;	  /* array of per-attestation results, for --json */
	json_t *arts;	  /* array of per-artifact results */
	int status;
	int report_bad; /* a result could not be recorded in the report */
	struct trustroot *root; /* loaded for the first keyless bundle */
	int root_failed;
	EVP_PKEY **pkeys; /* --key as EVP keys, for managed-key bundles */
	size_t npkeys;
	unsigned char (*digests)[SHA256_LEN]; /* of each --artifact file */
	int *has_digest, *blob_ok;
	size_t nblob; /* message signatures verified */
};

/* SPEC-STM-5: a result the JSON report cannot hold makes it undecided. */
static void
report_add(struct run *r, json_t *arr, json_t *row)
{
	if (jsonio_append(arr, row, NULL) != 0)
		r->report_bad = 1;
}

/* One attestation's result; the row is only built for --json. */
static void
attestation_row(struct run *r, json_t *row)
{
	r->nseen++;
	if (r->o.json)
		report_add(r, r->report, row);
	else
		json_decref(row);
}

static int
parse(struct verify_opts *o, int argc, char **argv, struct err *e)
{
	struct oci_ref ref;
	char syn[ERR_MSG_MAX];
	size_t i;
	int rc = opt_parse(o, &verify_cmd, argc, argv, e);

	if (rc == 1)
		opt_cmd_help(stdout, &verify_cmd);
	if (rc != 0)
		return rc;
	rc = keyless_opts_check(&o->who, e);
	if (rc != 0)
		return rc;
	if (o->nkeys == 0 && o->who.identity == NULL &&
	    o->who.identity_re == NULL) {
		opt_synopsis(syn, sizeof(syn), &verify_cmd);
		return err_set(e, EXIT_USAGE,
			       "at least one --key or --certificate-identity "
			       "is required (usage: %s)",
			       syn);
	}
	for (i = 0; i < o->nfroms; i++) {
		rc = oci_ref_parse(&ref, o->froms[i], e);
		if (rc == 0 && o->insecure && !ref.loopback)
			rc = err_set(e, EXIT_USAGE,
				     "--insecure is only allowed for loopback "
				     "registries (127.0.0.0/8, localhost, "
				     "[::1])");
		if (rc != 0)
			return rc;
	}
	if (o->nbundles > 0 || o->nfroms > 0)
		return 0;
	opt_synopsis(syn, sizeof(syn), &verify_cmd);
	return err_set(e, EXIT_USAGE,
		       "at least one BUNDLE or --from is required (usage: %s)",
		       syn);
}

static void
say_fail(struct run *r, const char *src, const struct err *e)
{
	json_t *row;

	r->status = verify_worst(r->status, e->code);
	verify_print(stdout, "FAIL  %s\n", e->msg);
	row = json_pack("{s:s, s:b, s:s}", "source", src, "verified", 0,
			"error", e->msg);
	attestation_row(r, row);
}

static json_t *
subject_list(const struct statement *st)
{
	const json_t *subs = statement_subjects(st);
	json_t *out = json_array();
	size_t i;

	for (i = 0; i < json_array_size(subs); i++) {
		const json_t *s = json_array_get(subs, i);
		if (jsonio_append(out,
				  json_pack("{s:s, s:O}", "name",
					    jsonio_str_or(s, "name", ""),
					    "digest",
					    json_object_get(s, "digest")),
				  NULL) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static void
say_pass(struct run *r, const char *src, const struct key *signer,
	 const struct statement *st)
{
	char ptype[160], first[160];
	const json_t *subs = statement_subjects(st);
	const char *name = jsonio_str(json_array_get(subs, 0), "name");
	json_t *row;

	text_escape(ptype, sizeof(ptype), statement_predicate_type(st));
	text_escape(first, sizeof(first), name ? name : "_");
	verify_print(stdout,
		     "PASS  %s  %s  signed by %.16s (%s)  subject %s%s\n", src,
		     ptype, key_id(signer), key_source(signer), first,
		     json_array_size(subs) > 1 ? " and more" : "");
	if (!r->o.json) {
		attestation_row(r, NULL);
		return;
	}
	row = json_pack("{s:s, s:b, s:s, s:s, s:s, s:o}", "source", src,
			"verified", 1, "keyid", key_id(signer), "predicateType",
			statement_predicate_type(st), "statementType",
			statement_type(st), "subjects", subject_list(st));
	attestation_row(r, row);
}

static int
keep(struct run *r, struct statement *st, const char *src, const char *bundle,
     struct err *e)
{
	r->nverified++;
	if (r->o.nartifacts == 0) { /* nothing to match it against */
		statement_free(st);
		return 0;
	}
	if (dynarr_reserve((void **)&r->ok, &r->cap, r->nok + 1, sizeof(*r->ok),
			   /* each bundle read has its own ceiling */
			   SIZE_MAX / sizeof(*r->ok)) != 0) {
		statement_free(st);
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	}
	r->ok[r->nok].st = st;
	r->ok[r->nok].bundle = bundle;
	snprintf(r->ok[r->nok].src, sizeof(r->ok[r->nok].src), "%s", src);
	r->nok++;
	return 0;
}

/* SPEC-OCI-10: an attestation fetched for an image must be about it. */
static int
about_image(const struct statement *st, const char *hex, const char *src,
	    struct err *e)
{
	json_t *want;
	int yes;

	if (hex == NULL)
		return 0;
	want = json_pack("{s:s}", "sha256", hex);
	if (want == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	yes = statement_has_subject(st, want);
	json_decref(want);
	return yes ? 0
		   : err_set(e, EXIT_REJECTED,
			     "%s: no subject is the image sha256:%s", src, hex);
}

/*
 * SPEC-TSA-4: every timestamp must verify against --tsa-cert; without it
 * they are reported unchecked. SPEC-TSA-6: --require-timestamp wants at
 * least one checked. Fills *times with the genTimes.
 */
static int
check_timestamps(json_t **times, const struct run *r,
		 const struct bundle_entry *ent, struct err *e)
{
	char when[TSA_TIME_MAX];
	const unsigned char *sig;
	size_t i, siglen;

	*times = json_array();
	if (*times == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	if (r->o.require_ts && (ent->nts == 0 || r->tsa == NULL))
		return err_set(e, EXIT_REJECTED,
			       "%s: no timestamp checked against --tsa-cert "
			       "(--require-timestamp)",
			       ent->src);
	if (ent->nts > 0 && r->tsa == NULL)
		verify_print(stdout,
			     "NOTE  %s  %zu timestamp(s) not checked (no "
			     "--tsa-cert)\n",
			     ent->src, ent->nts);
	sig = dsse_sig(ent->env, 0, &siglen);
	for (i = 0; r->tsa != NULL && i < ent->nts; i++) {
		if (tsa_verify(when, r->tsa, ent->ts[i].der, ent->ts[i].len,
			       sig, siglen, e) != 0)
			return err_prefix(e, "%s", ent->src);
		if (jsonio_append(*times, json_string(when), e) != 0)
			return err_prefix(e, "%s", ent->src);
		verify_print(stdout,
			     "TIME  %s  genTime %s (RFC 3161, trusted TSA)\n",
			     ent->src, when);
	}
	return 0;
}

/* The trusted root, loaded once for the first keyless bundle. */
static int
keyless_root(struct run *r, struct err *e)
{
	char def[4096];

	if (r->root != NULL)
		return 0;
	if (r->root_failed)
		return err_set(e, EXIT_UNDECIDED, "no usable trusted root");
	if (r->o.trusted_root == NULL &&
	    keyless_default_root(def, sizeof(def), e) != 0) {
		r->root_failed = 1;
		return -e->code;
	}
	if (trustroot_load(&r->root,
			   r->o.trusted_root ? r->o.trusted_root : def,
			   e) != 0) {
		r->root_failed = 1;
		/* SPEC-KL-2: without its trusted root nothing is decided. */
		return -(e->code = EXIT_UNDECIDED);
	}
	return 0;
}

static void
say_pass_keyless(struct run *r, const char *src, const struct keyless_result *k,
		 const struct statement *st, const char *artifact)
{
	char ptype[160], who[600], what[200];
	json_t *row;

	if (k->keyed)
		snprintf(who, sizeof(who), "a --key (%zu log entries)",
			 k->nentries);
	else
		text_escape(who, sizeof(who), k->identity);
	if (st != NULL)
		text_escape(ptype, sizeof(ptype), statement_predicate_type(st));
	text_escape(what, sizeof(what), artifact ? artifact : "");
	verify_print(stdout, "PASS  %s  %s  signed by %s%s%s%s\n", src,
		     st ? ptype : "message signature over", st ? "" : what,
		     st ? "" : "  signed by ", who, "");
	row = json_pack("{s:s, s:b, s:s, s:s, s:s}", "source", src, "verified",
			1, "identity", k->identity, "issuer", k->issuer, "kind",
			st ? "dsse" : "messageSignature");
	if (row != NULL && st != NULL &&
	    (jsonio_set(row, "predicateType",
			json_string(statement_predicate_type(st)), NULL) != 0 ||
	     jsonio_set(row, "subjects", subject_list(st), NULL) != 0))
		r->report_bad = 1;
	attestation_row(r, row);
}

/* SPEC-KL-6: a message signature counts for the --artifact it is over. */
static int
keyless_blob(struct run *r, const struct bundle_entry *ent,
	     struct keyless_opts *ko, struct keyless_result *k, struct err *e)
{
	size_t i;
	int rc = err_set(e, EXIT_REJECTED,
			 "%s: a message signature needs the artifact "
			 "(--artifact FILE or sha256:HEX)",
			 ent->src);

	for (i = 0; i < r->o.nartifacts; i++) {
		if (!r->has_digest[i])
			continue;
		ko->digest = r->digests[i];
		keyless_result_clear(k);
		err_clear(e);
		rc = keyless_verify(k, ko, ent->raw, ent->rawlen, ent->src, e);
		if (rc == 0) {
			r->blob_ok[i] = 1;
			r->nblob++;
			say_pass_keyless(r, ent->src, k, NULL,
					 r->o.artifacts[i]);
			return 0;
		}
		if (rc != -EXIT_REJECTED ||
		    strstr(e->msg, "not the artifact's") == NULL)
			return rc;
	}
	return rc;
}

/* SPEC-KL-1: bundles with a certificate, a message signature or log
 * entries are verified against the trusted root. */
static void
check_keyless(struct run *r, const struct bundle_entry *ent,
	      const char *image_hex, const char *bundle)
{
	struct keyless_opts ko = KEYLESS_OPTS_INIT;
	struct keyless_result k;
	struct statement *st = NULL;
	struct err e = ERR_INIT;

	memset(&k, 0, sizeof(k));
	if (keyless_root(r, &e) != 0) {
		say_fail(r, ent->src, &e);
		return;
	}
	ko.root = r->root;
	ko.who = &r->o.who;
	ko.keys = r->pkeys;
	ko.nkeys = r->npkeys;
	if (ent->message && r->o.nartifacts > 0) {
		if (keyless_blob(r, ent, &ko, &k, &e) != 0)
			say_fail(r, ent->src, &e);
		keyless_result_clear(&k);
		return;
	}
	if (keyless_verify(&k, &ko, ent->raw, ent->rawlen, ent->src, &e) != 0 ||
	    k.message) {
		if (e.code == 0)
			err_set(&e, EXIT_REJECTED,
				"%s: a message signature needs --artifact",
				ent->src);
		say_fail(r, ent->src, &e);
		keyless_result_clear(&k);
		return;
	}
	if (strcmp(k.payload_type, DSSE_INTOTO_TYPE) != 0)
		err_set(&e, EXIT_REJECTED, "%s: payloadType is not %s",
			ent->src, DSSE_INTOTO_TYPE);
	else if (statement_parse(&st, k.payload, k.payloadlen, ent->src, &e) ==
		     0 &&
		 about_image(st, image_hex, ent->src, &e) == 0 &&
		 vsa_check_verdict(st, ent->src, &e) == 0)
		say_pass_keyless(r, ent->src, &k, st, NULL);
	keyless_result_clear(&k);
	if (e.code != 0) {
		statement_free(st);
		say_fail(r, ent->src, &e);
		return;
	}
	if (keep(r, st, ent->src, bundle, &e) != 0)
		say_fail(r, ent->src, &e);
}

/*
 * SPEC-VER-1: decode, signature, payloadType, then parse those bytes.
 * image_hex: for attestations fetched for an image, else NULL.
 */
static void
check_entry(struct run *r, const struct bundle_entry *ent,
	    const char *image_hex, const char *bundle)
{
	struct evidence_check chk;
	struct statement *st = NULL;
	struct err e = ERR_INIT;
	json_t *times = NULL;

	if (ent->format == BUNDLE_SIGSTORE && ent->keyless) {
		check_keyless(r, ent, image_hex, bundle);
		return;
	}
	evidence_check_entry(&chk, &st, ent, r->ks, EVIDENCE_FIRST_SIGNER);
	if (chk.state != EVIDENCE_VERIFIED) {
		say_fail(r, ent->src, &chk.err);
		return;
	}
	if (about_image(st, image_hex, ent->src, &e) != 0 ||
	    vsa_check_verdict(st, ent->src, &e) != 0) {
		statement_free(st);
		say_fail(r, ent->src, &e);
		return;
	}
	if (check_timestamps(&times, r, ent, &e) != 0) {
		json_decref(times);
		statement_free(st);
		say_fail(r, ent->src, &e);
		return;
	}
	say_pass(r, ent->src, chk.signer.k, st);
	if (!r->o.json)
		json_decref(times);
	else if (jsonio_set(
		     json_array_get(r->report, json_array_size(r->report) - 1),
		     "timestamps", times, NULL) != 0)
		r->report_bad = 1;
	if (keep(r, st, ent->src, bundle, &e) != 0)
		say_fail(r, ent->src, &e);
}

struct bundle_visit {
	struct run *r;
	const char *path;
};

static int
check_one(void *ctx, const struct bundle_entry *ent, struct err *e)
{
	struct bundle_visit *v = ctx;

	(void)e;
	check_entry(v->r, ent, NULL, v->path);
	return 0;
}

/* One entry at a time, so memory does not grow with the bundle. */
static void
check_bundle(struct run *r, const char *path)
{
	struct bundle_visit v = {r, path};
	struct err e = ERR_INIT;

	if (bundle_each(path, check_one, &v, &e) != 0)
		say_fail(r, path, &e);
}

static void
check_from(struct run *r, const char *ref)
{
	struct oci_ref parsed;
	struct bundle *b = NULL;
	struct err e = ERR_INIT;
	size_t i;

	if (oci_ref_parse(&parsed, ref, &e) != 0 ||
	    evidence_fetch(&b, ref, r->o.insecure, getenv(OCI_AUTH_ENV), &e) !=
		0) {
		say_fail(r, ref, &e);
		return;
	}
	for (i = 0; i < bundle_count(b); i++)
		check_entry(r, bundle_get(b, i), parsed.hex, NULL);
	bundle_free(b);
}

static void
artifact_fail(struct run *r, const char *path, const struct err *e)
{
	r->status = verify_worst(r->status, e->code);
	verify_print(stdout, "FAIL  artifact %s\n", e->msg);
	report_add(r, r->arts,
		   json_pack("{s:s, s:b, s:s}", "path", path, "matched", 0,
			     "error", e->msg));
}

/* SPEC-VER-7: no match; name the nearest subject and what differs. */
static void
artifact_missing(struct run *r, const struct artifact *a, const char *shown)
{
	struct artifact_source *srcs =
	    calloc(r->nok ? r->nok : 1, sizeof(*srcs));
	struct err e = ERR_INIT;
	json_t *near = NULL, *row;
	size_t i;

	r->status = verify_worst(r->status, EXIT_REJECTED);
	for (i = 0; srcs != NULL && i < r->nok; i++) {
		srcs[i].st = r->ok[i].st;
		srcs[i].src = r->ok[i].src;
		srcs[i].bundle = r->ok[i].bundle;
	}
	if (srcs == NULL || artifact_nearest(&near, a, srcs, r->nok, &e) != 0)
		r->status = verify_worst(r->status, EXIT_UNDECIDED);
	free(srcs);
	verify_print(stdout,
		     "FAIL  artifact %s%s%s is not a subject of any verified "
		     "statement\n",
		     shown, a->kind == ARTIFACT_DIGEST ? "" : " ",
		     a->kind == ARTIFACT_DIGEST ? "" : a->shown);
	artifact_nearest_print(stdout, a, near);
	row = json_pack("{s:s, s:O, s:O, s:b, s:s}", "path", a->arg, "sha256",
			json_object_get(a->set, "sha256"), "digest", a->set,
			"matched", 0, "error",
			"not a subject of any verified statement");
	if (row != NULL && near != NULL &&
	    jsonio_set(row, "nearest", json_incref(near), NULL) != 0)
		r->report_bad = 1;
	report_add(r, r->arts, row);
	json_decref(near);
}

/* SPEC-VER-4, SPEC-VER-7: the artifact must be a verified subject. */
static void
check_artifact(struct run *r, size_t idx)
{
	const char *path = r->o.artifacts[idx];
	struct artifact a;
	struct err e = ERR_INIT;
	char shown[160];
	size_t i;

	if (r->blob_ok[idx]) {
		char hex[2 * SHA256_LEN + 1];

		hex_encode(hex, r->digests[idx], SHA256_LEN);
		text_escape(shown, sizeof(shown), path);
		verify_print(
		    stdout,
		    "PASS  artifact %s is signed by a verified message "
		    "signature\n",
		    shown);
		report_add(r, r->arts,
			   json_pack("{s:s, s:s, s:b, s:s}", "path", path,
				     "sha256", hex, "matched", 1, "source",
				     "messageSignature"));
		return;
	}

	if (artifact_open(&a, path, 0, r->o.links_within, &e) != 0) {
		artifact_clear(&a);
		artifact_fail(r, path, &e);
		return;
	}
	text_escape(shown, sizeof(shown), path);
	for (i = 0; i < r->nok; i++) {
		if (!artifact_in_statement(&a, r->ok[i].st))
			continue;
		verify_print(
		    stdout, "PASS  artifact %s%s%s is a subject of %s\n", shown,
		    a.kind == ARTIFACT_DIGEST ? "" : " ",
		    a.kind == ARTIFACT_DIGEST ? "" : a.shown, r->ok[i].src);
		report_add(r, r->arts,
			   json_pack("{s:s, s:O, s:O, s:b, s:s}", "path", path,
				     "sha256", json_object_get(a.set, "sha256"),
				     "digest", a.set, "matched", 1, "source",
				     r->ok[i].src));
		artifact_clear(&a);
		return;
	}
	artifact_missing(r, &a, shown);
	artifact_clear(&a);
}

static const char *
verdict(int status)
{
	switch (status) {
	case EXIT_PASS:
		return "pass";
	case EXIT_REJECTED:
		return "rejected";
	default:
		return "undecided";
	}
}

/* SHA-256 of each --artifact that is a file or sha256:HEX (SPEC-KL-6). */
static int
artifact_digests(struct run *r, struct err *e)
{
	const char *hex;
	struct artifact a;
	size_t i, n = r->o.nartifacts ? r->o.nartifacts : 1;

	r->digests = calloc(n, sizeof(*r->digests));
	r->has_digest = calloc(n, sizeof(int));
	r->blob_ok = calloc(n, sizeof(int));
	if (r->digests == NULL || r->has_digest == NULL || r->blob_ok == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < r->o.nartifacts; i++) {
		struct err ignored = ERR_INIT;

		/* A bad artifact is reported by check_artifact. */
		if (artifact_open(&a, r->o.artifacts[i], 0, r->o.links_within,
				  &ignored) == 0 &&
		    a.kind != ARTIFACT_TREE &&
		    (hex = jsonio_str(a.set, "sha256")) != NULL &&
		    hex_decode(r->digests[i], SHA256_LEN, hex) == 0)
			r->has_digest[i] = 1;
		artifact_clear(&a);
	}
	return 0;
}

static int
finish(struct run *r, struct jsonout *jo)
{
	struct err e = ERR_INIT;
	json_t *doc;
	int rc;

	fflush(stdout);
	verify_print(stderr,
		     "verify: %s (%zu of %zu attestations verified"
		     ", %zu artifacts checked)\n",
		     r->status == EXIT_PASS	  ? "PASS"
		     : r->status == EXIT_REJECTED ? "REJECTED"
						  : "COULD NOT DECIDE",
		     r->nverified + r->nblob, r->nseen, r->o.nartifacts);
	if (!r->o.json)
		return r->status;
	if (r->report_bad) {
		err_set(&e, EXIT_UNDECIDED,
			"cannot record every result in the JSON report");
		return verify_fail(&e);
	}
	doc = json_pack("{s:s, s:i, s:O, s:O}", "result", verdict(r->status),
			"exitCode", r->status, "attestations", r->report,
			"artifacts", r->arts);
	rc = doc != NULL ? jsonout_write(jo, doc, &e)
			 : err_set(&e, EXIT_UNDECIDED, "out of memory");
	json_decref(doc);
	return rc != 0 ? verify_fail(&e) : r->status;
}

int
cmd_verify(int argc, char **argv)
{
	struct run r;
	struct jsonout jo = JSONOUT_INIT;
	struct err e = ERR_INIT;
	size_t i;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = parse(&r.o, argc, argv, &e);
	if (rc != 0) {
		rc = rc == 1 ? EXIT_PASS : verify_fail(&e);
		goto out;
	}
	if (r.o.json && jsonout_open(&jo, "-", &e) != 0) {
		rc = verify_fail(&e);
		goto out;
	}
	r.report = json_array();
	r.arts = json_array();
	rc = keyset_new(&r.ks, &e);
	for (i = 0; rc == 0 && i < r.o.nkeys; i++)
		rc = keyset_add_file(r.ks, r.o.keys[i], &e);
	if (rc == 0)
		rc = keyless_keys(&r.pkeys, &r.npkeys, r.o.keys, r.o.nkeys, &e);
	if (rc == 0)
		rc = artifact_digests(&r, &e);
	if (rc == 0 && r.o.tsa_cert != NULL)
		rc = tsa_trust_load(&r.tsa, r.o.tsa_cert, &e);
	if (rc != 0) {
		/* Without its trusted keys verify cannot decide anything. */
		e.code = EXIT_UNDECIDED;
		rc = verify_fail(&e);
		goto out;
	}
	for (i = 0; i < r.o.nbundles; i++)
		check_bundle(&r, r.o.bundles[i]);
	for (i = 0; i < r.o.nfroms; i++)
		check_from(&r, r.o.froms[i]);
	for (i = 0; i < r.o.nartifacts; i++)
		check_artifact(&r, i);
	rc = finish(&r, &jo);
out:
	jsonout_close(&jo);
	for (i = 0; i < r.nok; i++)
		statement_free(r.ok[i].st);
	free(r.ok);
	json_decref(r.report);
	json_decref(r.arts);
	keyset_free(r.ks);
	tsa_trust_free(r.tsa);
	trustroot_free(r.root);
	for (i = 0; i < r.npkeys; i++)
		EVP_PKEY_free(r.pkeys[i]);
	free(r.pkeys);
	free(r.digests);
	free(r.has_digest);
	free(r.blob_ok);
	free(r.o.keys);
	free(r.o.artifacts);
	free(r.o.bundles);
	free(r.o.froms);
	return rc;
}

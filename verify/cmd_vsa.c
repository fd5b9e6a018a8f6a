/*
 * verify vsa: consume a gate's Verification Summary (SPEC-VER-8). Every
 * attestation in the files must be a VSA signed by a trusted gate key,
 * with verificationResult PASSED, about the artifact (a file, a directory
 * hashed as a tree, or sha256:HEX; SPEC-VER-7) and, with --policy, made
 * under that policy file.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/keyset.h"
#include "lib/bundle.h"
#include "lib/jsonio.h"
#include "lib/opt.h"
#include "lib/statement.h"
#include "lib/text.h"
#include "predicates/types.h"
#include "verify/artifact.h"
#include "verify/verify.h"
#include "verify/vsa.h"

struct vsa_opts {
	const char **keys, **files;
	size_t nkeys, nfiles;
	const char *artifact, *policy, *links_within;
};

static const struct opt_spec vsa_rows[] = {
    {.type = OPT_LIST,
     .name = "key",
     .shortname = 'k',
     .off = offsetof(struct vsa_opts, keys),
     .noff = offsetof(struct vsa_opts, nkeys),
     .argname = "PUB",
     .help = "trusted gate public key (PEM); repeatable",
     .flags = OPT_REQUIRED},
    {.type = OPT_STRING,
     .name = "artifact",
     .shortname = 'a',
     .off = offsetof(struct vsa_opts, artifact),
     .argname = "PATH",
     .help = "the model the VSA must be about: file, directory or sha256:HEX",
     .flags = OPT_REQUIRED | OPT_ONCE,
     .usage = "--artifact PATH|sha256:HEX"},
    {.type = OPT_STRING,
     .name = "policy",
     .off = offsetof(struct vsa_opts, policy),
     .argname = "POLICY.json",
     .help = "the VSA must have been made under this policy file"},
    {.type = OPT_STRING,
     .name = "follow-links-within",
     .off = offsetof(struct vsa_opts, links_within),
     .argname = "DIR",
     .help =
	 "an --artifact directory's symlinks may point to files anywhere under "
	 "DIR (e.g. a HF cache)"},
    {.type = OPT_OPERANDS,
     .off = offsetof(struct vsa_opts, files),
     .noff = offsetof(struct vsa_opts, nfiles),
     .argname = "VSA",
     .help = "VSA",
     .flags = OPT_REQUIRED},
    {.type = OPT_END},
};

static const struct opt_cmd vsa_cmd = {
    "verify vsa",
    "Check a gate's SLSA Verification Summary: signed by a trusted "
    "key,\nverificationResult PASSED, about ARTIFACT, under POLICY.",
    vsa_rows};

static int
parse(struct vsa_opts *o, int argc, char **argv, struct err *e)
{
	int rc = opt_parse(o, &vsa_cmd, argc, argv, e);

	if (rc == 1)
		opt_cmd_help(stdout, &vsa_cmd);
	if (rc != 0)
		return rc;
	return 0;
}

/* The subject and the verdict; in order, each check with its reason. */
static int
check_claim(const struct statement *st, const struct artifact *a,
	    const struct vsa_opts *o, const char *src, struct err *e)
{
	const json_t *sub = json_array_get(statement_subjects(st), 0);
	char name[300], shown[300];
	int rc;

	if (strcmp(statement_predicate_type(st), PRED_SLSA_VSA) != 0) {
		text_escape(name, sizeof(name), statement_predicate_type(st));
		return err_set(e, EXIT_REJECTED,
			       "%s: not a VSA (predicateType %s)", src, name);
	}
	rc = vsa_check_verdict(st, src, e);
	if (rc != 0)
		return rc;
	if (!artifact_in_statement(a, st)) {
		text_escape(name, sizeof(name),
			    jsonio_str_or(sub, "name", "_"));
		text_escape(shown, sizeof(shown),
			    jsonio_str_or(json_object_get(sub, "digest"),
					  "sha256", "(none)"));
		return err_set(e, EXIT_REJECTED,
			       "%s: the VSA is about %s (sha256:%s), not %s "
			       "(%s)",
			       src, name, shown, o->artifact, a->shown);
	}
	if (o->policy != NULL)
		return vsa_check_policy(st, o->policy, src, e);
	return 0;
}

static void
say_pass(const struct statement *st, const struct key *signer, const char *src)
{
	const json_t *pred = statement_predicate(st);
	char uri[300], pol[300], when[64];

	text_escape(uri, sizeof(uri), jsonio_str_or(pred, "resourceUri", "_"));
	text_escape(pol, sizeof(pol),
		    jsonio_str_or(json_object_get(pred, "policy"), "uri", "_"));
	text_escape(when, sizeof(when),
		    jsonio_str_or(pred, "timeVerified", "_"));
	verify_print(
	    stdout,
	    "PASS  %s  verificationResult PASSED for %s under policy %s "
	    "at %s, signed by %.16s (%s)\n",
	    src, uri, pol, when, key_id(signer), key_source(signer));
}

static int
check_entry(const struct bundle_entry *ent, const struct keyset *ks,
	    const struct artifact *a, const struct vsa_opts *o)
{
	const struct key *signer = NULL;
	struct statement *st = NULL;
	const unsigned char *body;
	struct err e = ERR_INIT;
	size_t len;
	int rc;

	if (ent->error.code != 0) {
		e = ent->error;
		rc = -ent->error.code;
	} else {
		rc =
		    keyset_verify_envelope(&signer, ks, ent->env, ent->src, &e);
	}
	if (rc == 0 &&
	    strcmp(dsse_payload_type(ent->env), DSSE_INTOTO_TYPE) != 0)
		rc = err_set(&e, EXIT_REJECTED, "%s: payloadType is not %s",
			     ent->src, DSSE_INTOTO_TYPE);
	if (rc == 0) {
		body = dsse_payload(ent->env, &len);
		rc = statement_parse(&st, body, len, ent->src, &e);
	}
	if (rc == 0)
		rc = check_claim(st, a, o, ent->src, &e);
	if (rc == 0)
		say_pass(st, signer, ent->src);
	else
		verify_print(stdout, "FAIL  %s\n", e.msg);
	statement_free(st);
	return rc == 0 ? EXIT_PASS : (e.code ? e.code : EXIT_UNDECIDED);
}

int
cmd_vsa(int argc, char **argv)
{
	struct vsa_opts o;
	struct artifact a;
	struct keyset *ks = NULL;
	struct bundle *b = NULL;
	struct err e = ERR_INIT;
	size_t i, j, n = 0;
	int rc, status = EXIT_PASS;

	memset(&o, 0, sizeof(o));
	memset(&a, 0, sizeof(a));
	rc = parse(&o, argc, argv, &e);
	if (rc != 0) {
		status = rc == 1 ? EXIT_PASS : verify_fail(&e);
		goto out;
	}
	rc = keyset_new(&ks, &e);
	for (i = 0; rc == 0 && i < o.nkeys; i++)
		rc = keyset_add_file(ks, o.keys[i], &e);
	if (rc != 0)
		e.code = EXIT_UNDECIDED;
	if (rc == 0)
		rc = artifact_open(&a, o.artifact, 0, o.links_within, &e);
	if (rc != 0) {
		status = verify_fail(&e);
		goto out;
	}
	for (i = 0; i < o.nfiles; i++) {
		if (bundle_read(&b, o.files[i], &e) != 0) {
			verify_print(stdout, "FAIL  %s\n", e.msg);
			status = verify_worst(status, e.code);
			err_clear(&e);
			continue;
		}
		for (j = 0; j < bundle_count(b); j++, n++)
			status = verify_worst(
			    status, check_entry(bundle_get(b, j), ks, &a, &o));
		bundle_free(b);
		b = NULL;
	}
	fflush(stdout);
	verify_print(stderr, "verify: %s (%zu VSA%s checked for %s)\n",
		     status == EXIT_PASS       ? "PASS"
		     : status == EXIT_REJECTED ? "REJECTED"
					       : "COULD NOT DECIDE",
		     n, n == 1 ? "" : "s", a.shown);
out:
	artifact_clear(&a);
	keyset_free(ks);
	free(o.keys);
	free(o.files);
	return status;
}

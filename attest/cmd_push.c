/*
 * attest push: store the attestations of a bundle about one image in its
 * OCI registry (cosign .att tag and OCI 1.1 referrers; spec/oci.md).
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "attest/attest.h"
#include "lib/fileio.h"
#include "lib/bundle.h"
#include "lib/oci.h"
#include "lib/opt.h"

enum { OPT_BUNDLE = 1, OPT_INSECURE, OPT_USER };

static const struct opt_def push_opts[] = {
    {OPT_BUNDLE, "bundle", 'b', "FILE",
     "attestations to push (.intoto.jsonl, envelope or Sigstore bundle)"},
    {OPT_INSECURE, "insecure", 0, NULL,
     "plain http; only for loopback registries"},
    {OPT_USER, "auth-file", 0, "FILE",
     "registry credentials USER:PASS, first line of FILE (or $" OCI_AUTH_ENV
     ")"},
    {0, NULL, 0, NULL, NULL},
};

#define PUSH_SYNOPSIS                                                          \
	"attest push [--insecure] [--auth-file FILE] --bundle FILE "           \
	"REGISTRY/REPO@sha256:HEX"

struct push_opts {
	const char *bundle, *ref, *auth_file;
	struct oci_opts oci;
};

static int
parse(struct push_opts *o, int argc, char **argv, struct err *e)
{
	struct opt_iter it;
	const char *val;
	int id, rc;

	opt_init(&it, argc, argv);
	while ((rc = opt_next(&it, push_opts, &id, &val, e)) == 1) {
		switch (id) {
		case OPT_HELP:
			opt_help(stdout, PUSH_SYNOPSIS,
				 "Push the attestations whose subject is the "
				 "image digest to its registry: the\ncosign "
				 "tag sha256-HEX.att and OCI 1.1 referrers. "
				 "Credentials: --auth-file or\n$" OCI_AUTH_ENV
				 "=USER:PASS (never on the command line).",
				 push_opts);
			return 1;
		case OPT_BUNDLE:
			o->bundle = val;
			break;
		case OPT_INSECURE:
			o->oci.insecure = 1;
			break;
		case OPT_USER:
			o->auth_file = val;
			break;
		default:
			if (o->ref != NULL)
				return err_set(e, EXIT_USAGE,
					       "one image reference at a time");
			o->ref = val;
		}
	}
	if (rc < 0)
		return rc;
	if (o->bundle == NULL || o->ref == NULL)
		return err_set(e, EXIT_USAGE, "usage: %s", PUSH_SYNOPSIS);
	return 0;
}

static void
say(void *arg, const char *msg)
{
	(void)arg;
	attest_print(stderr, "attest: %s\n", msg);
}

int
cmd_push(int argc, char **argv)
{
	struct push_opts o = {NULL, NULL, NULL, OCI_OPTS_INIT};
	unsigned char *creds = NULL;
	size_t clen = 0;
	struct err e = ERR_INIT;
	struct oci_ref ref;
	struct bundle *b = NULL;
	int rc;

	o.oci.note = say;
	rc = parse(&o, argc, argv, &e);
	if (rc == 1)
		return EXIT_PASS;
	if (rc == 0 && o.auth_file != NULL) {
		/* SPEC-OCI-11: secrets come from a file, never from argv. */
		rc = secret_read(&creds, &clen, o.auth_file,
				 MAX_CREDENTIAL_BYTES, 0, &e);
		if (rc == 0) {
			creds[strcspn((char *)creds, "\r\n")] = '\0';
			o.oci.auth = (const char *)creds;
		}
	}
	if (rc == 0 && o.oci.auth == NULL)
		o.oci.auth = getenv(OCI_AUTH_ENV);
	if (rc == 0)
		rc = oci_ref_parse(&ref, o.ref, &e);
	if (rc == 0)
		rc = bundle_read(&b, o.bundle, &e);
	if (rc == 0)
		rc = oci_push(o.ref, b, &o.oci, &e);
	bundle_free(b);
	secret_free(creds, clen);
	if (rc != 0)
		return attest_fail(&e);
	attest_print(stderr, "attest: pushed to %s\n", o.ref);
	return EXIT_PASS;
}

/*
 * attest push: store the attestations of a bundle about one image in its
 * OCI registry (cosign .att tag and OCI 1.1 referrers; spec/oci.md).
 */
#include <openssl/crypto.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "attest/attest.h"
#include "lib/fileio.h"
#include "lib/bundle.h"
#include "lib/oci.h"
#include "lib/opt.h"

struct push_opts {
	const char *bundle, *ref, *auth_file;
	struct oci_opts oci;
};

static const struct opt_spec push_rows[] = {
    {.type = OPT_STRING,
     .name = "bundle",
     .shortname = 'b',
     .off = offsetof(struct push_opts, bundle),
     .argname = "FILE",
     .help =
	 "attestations to push (.intoto.jsonl, envelope or Sigstore bundle)",
     .flags = OPT_REQUIRED},
    {.type = OPT_FLAG,
     .name = "insecure",
     .off = offsetof(struct push_opts, oci.insecure),
     .help = "plain http; only for loopback registries"},
    {.type = OPT_STRING,
     .name = "auth-file",
     .off = offsetof(struct push_opts, auth_file),
     .argname = "FILE",
     .help =
	 "registry credentials USER:PASS, first line of FILE (or $" OCI_AUTH_ENV
	 ")"},
    {.type = OPT_OPERAND,
     .off = offsetof(struct push_opts, ref),
     .argname = "REGISTRY/REPO@sha256:HEX",
     .help = "image reference",
     .flags = OPT_REQUIRED},
    {.type = OPT_END},
};

static const struct opt_cmd push_cmd = {
    "attest push",
    "Push the attestations whose subject is the image digest to its registry: "
    "the\ncosign tag sha256-HEX.att and OCI 1.1 referrers. Credentials: "
    "--auth-file or\n$" OCI_AUTH_ENV "=USER:PASS (never on the command line).",
    push_rows};

static int
parse(struct push_opts *o, int argc, char **argv, struct err *e)
{
	int rc = opt_parse(o, &push_cmd, argc, argv, e);

	if (rc == 1)
		opt_cmd_help(stdout, &push_cmd);
	if (rc != 0)
		return rc;
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

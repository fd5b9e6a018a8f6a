/* attest key: generate key pairs and export public keys. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/attest.h"
#include "lib/fileio.h"
#include "lib/opt.h"

enum { OPT_TYPE = 1, OPT_OUT };

static const struct opt_def generate_opts[] = {
    {OPT_TYPE, "type", 't', "TYPE",
     "ecdsa-p256 (default), ecdsa-p384, ecdsa-p521 or ed25519"},
    {OPT_OUT, "out", 'o', "NAME",
     "write NAME.key (PKCS#8 PEM, 0600) and NAME.pub (SPKI PEM)"},
    {0, NULL, 0, NULL, NULL},
};

static const struct opt_def public_opts[] = {
    {0, NULL, 0, NULL, NULL},
};

#define GENERATE_SYNOPSIS "attest key generate [--type TYPE] --out NAME"
#define PUBLIC_SYNOPSIS "attest key public KEYREF"

struct generate_opts {
	enum key_type type;
	const char *out;
};

static int
key_generate_cmd(int argc, char **argv)
{
	struct generate_opts o = {KEY_ECDSA_P256, NULL};
	char keypath[PATH_MAX], pubpath[PATH_MAX];
	struct err e = ERR_INIT;
	struct key *k = NULL;
	struct opt_iter it;
	char *pem = NULL;
	const char *val;
	size_t len;
	int id, rc;

	opt_init(&it, argc, argv);
	while ((rc = opt_next(&it, generate_opts, &id, &val, &e)) == 1) {
		if (id == OPT_HELP) {
			opt_help(stdout, GENERATE_SYNOPSIS,
				 "Generate a signing key pair.", generate_opts);
			return EXIT_PASS;
		} else if (id == OPT_TYPE) {
			if (key_type_parse(&o.type, val) != 0 ||
			    o.type == KEY_RSA) {
				err_set(&e, EXIT_USAGE,
					"--type: unknown key "
					"type \"%s\"",
					val);
				return attest_fail(&e);
			}
		} else if (id == OPT_OUT) {
			o.out = val;
		} else {
			err_set(&e, EXIT_USAGE, "unexpected argument \"%s\"",
				val);
			return attest_fail(&e);
		}
	}
	if (rc < 0)
		return attest_fail(&e);
	if (o.out == NULL) {
		err_set(&e, EXIT_USAGE, "--out NAME is required (usage: %s)",
			GENERATE_SYNOPSIS);
		return attest_fail(&e);
	}
	if ((size_t)snprintf(keypath, sizeof(keypath), "%s.key", o.out) >=
		sizeof(keypath) ||
	    (size_t)snprintf(pubpath, sizeof(pubpath), "%s.pub", o.out) >=
		sizeof(pubpath)) {
		err_set(&e, EXIT_USAGE, "--out: name too long");
		return attest_fail(&e);
	}
	rc = key_generate(&k, o.type, &e);
	if (rc == 0)
		rc = key_public_pem(&pem, &len, k, &e);
	if (rc == 0)
		rc = key_write_private(k, keypath, &e);
	if (rc == 0)
		rc = file_write_atomic(pubpath, pem, len, 0644, 0, &e);
	if (rc == 0)
		fprintf(stderr, "attest: wrote %s and %s (%s, keyid %s)\n",
			keypath, pubpath, key_type_name(o.type), key_id(k));
	free(pem);
	key_free(k);
	return rc == 0 ? EXIT_PASS : attest_fail(&e);
}

static int
key_public_cmd(int argc, char **argv)
{
	struct err e = ERR_INIT;
	const char *ref = NULL, *val;
	struct key *k = NULL;
	struct opt_iter it;
	char *pem = NULL;
	size_t len;
	int id, rc;

	opt_init(&it, argc, argv);
	while ((rc = opt_next(&it, public_opts, &id, &val, &e)) == 1) {
		if (id == OPT_HELP) {
			opt_help(stdout, PUBLIC_SYNOPSIS,
				 "Print the public key of KEYREF as SPKI PEM.",
				 public_opts);
			return EXIT_PASS;
		}
		if (ref != NULL) {
			err_set(&e, EXIT_USAGE, "one KEYREF only (usage: %s)",
				PUBLIC_SYNOPSIS);
			return attest_fail(&e);
		}
		ref = val;
	}
	if (rc < 0)
		return attest_fail(&e);
	if (ref == NULL) {
		err_set(&e, EXIT_USAGE, "KEYREF is required (usage: %s)",
			PUBLIC_SYNOPSIS);
		return attest_fail(&e);
	}
	rc = key_load_private(&k, ref, &e);
	if (rc == -EXIT_REJECTED)
		rc = key_load_public(&k, ref, &e);
	if (rc == 0)
		rc = key_public_pem(&pem, &len, k, &e);
	if (rc == 0 && fwrite(pem, 1, len, stdout) != len)
		rc = err_set(&e, EXIT_UNDECIDED, "stdout: write failed");
	free(pem);
	key_free(k);
	return rc == 0 ? EXIT_PASS : attest_fail(&e);
}

int
cmd_key(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "generate") == 0)
		return key_generate_cmd(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "public") == 0)
		return key_public_cmd(argc - 1, argv + 1);
	if (argc >= 2 &&
	    (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("usage: %s\n       %s\n", GENERATE_SYNOPSIS,
		       PUBLIC_SYNOPSIS);
		return EXIT_PASS;
	}
	fprintf(stderr, "attest: usage: %s\n       %s\n", GENERATE_SYNOPSIS,
		PUBLIC_SYNOPSIS);
	return EXIT_USAGE;
}

/*
 * attest key: generate key pairs, export public keys, create TPM keys and
 * seal software keys to a TPM.
 */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/attest.h"
#include "keys/keyopt.h"
#include "keys/p11uri.h"
#include "keys/pkcs11.h"
#include "keys/tpm.h"
#include "lib/fileio.h"
#include "lib/opt.h"

struct generate_opts {
	struct key_load_opts ko;
	enum key_type type;
	const char *out;
	const char *pkcs11;
	int encrypt;
};

struct public_opts {
	struct key_load_opts ko;
	const char *ref;
};

struct seal_opts {
	const char *tcti, *pcrs, *out, *in;
};

static int put_pem(const char *pem, size_t len, struct err *e);

static int
type_opt(void *opts, const struct opt_spec *row, const char *val, struct err *e)
{
	struct generate_opts *o = opts;

	(void)row;
	if (key_type_parse(&o->type, val) != 0 || o->type == KEY_RSA)
		return err_set(e, EXIT_USAGE, "--type: unknown key type \"%s\"",
			       val);
	return 0;
}

static int handle_opt(void *opts, const struct opt_spec *row, const char *val,
		      struct err *e);

#define TCTI_HELP "TPM to use (default: $" TPM_TCTI_ENV "; never guessed)"

static const struct opt_spec generate_rows[] = {
    {.type = OPT_CALL,
     .name = "type",
     .shortname = 't',
     .argname = "TYPE",
     .help = "ecdsa-p256 (default), ecdsa-p384, ecdsa-p521 or ed25519",
     .fn = type_opt},
    {.type = OPT_STRING,
     .name = "out",
     .shortname = 'o',
     .off = offsetof(struct generate_opts, out),
     .argname = "NAME",
     .help = "write NAME.key (PKCS#8 PEM, 0600) and NAME.pub (SPKI PEM)"},
    {.type = OPT_FLAG,
     .name = "encrypt",
     .off = offsetof(struct generate_opts, encrypt),
     .help = "encrypt NAME.key (AES-256, scrypt) with the --passphrase-file"},
    {.type = OPT_STRING,
     .name = "pkcs11",
     .off = offsetof(struct generate_opts, pkcs11),
     .argname = "URI",
     .help = "create the key pair on this PKCS#11 token instead (prints the "
	     "SPKI, or writes NAME.pub with --out)"},
    KEYOPT_SPECS(struct generate_opts, ko),
    {.type = OPT_END},
};

static const struct opt_spec public_rows[] = {
    {.type = OPT_STRING,
     .name = "key",
     .shortname = 'k',
     .off = offsetof(struct public_opts, ref),
     .argname = "KEYREF",
     .help = "the key (or give KEYREF as operand)"},
    {.type = OPT_STRING,
     .name = "tcti",
     .off = offsetof(struct public_opts, ko.tcti),
     .argname = "STR",
     .help = TCTI_HELP},
    KEYOPT_SPECS(struct public_opts, ko),
    {.type = OPT_OPERAND,
     .off = offsetof(struct public_opts, ref),
     .argname = "KEYREF",
     .help = "KEYREF",
     .usage = "KEYREF"},
    {.type = OPT_END},
};

static const struct opt_spec tpm_create_rows[] = {
    {.type = OPT_STRING,
     .name = "tcti",
     .off = offsetof(struct tpm_create_opts, tcti),
     .argname = "STR",
     .help = TCTI_HELP},
    {.type = OPT_CALL,
     .name = "handle",
     .off = offsetof(struct tpm_create_opts, handle),
     .argname = "0x81XXXXXX",
     .help = "persist the key at this owner handle",
     .fn = handle_opt},
    {.type = OPT_STRING,
     .name = "out",
     .shortname = 'o',
     .off = offsetof(struct tpm_create_opts, out),
     .argname = "FILE",
     .help = "or write it as a blob file only this TPM can load (0600)"},
    {.type = OPT_STRING,
     .name = "pcrs",
     .off = offsetof(struct tpm_create_opts, pcrs),
     .argname = "SPEC",
     .help = "sign only while these PCRs keep their current values, e.g. "
	     "sha256:16,23"},
    {.type = OPT_FLAG,
     .name = "restricted",
     .off = offsetof(struct tpm_create_opts, restricted),
     .help = "make an attestation key (quotes only, never signs "
	     "statements)"},
    {.type = OPT_END},
};

static const struct opt_spec tpm_seal_rows[] = {
    {.type = OPT_STRING,
     .name = "tcti",
     .off = offsetof(struct seal_opts, tcti),
     .argname = "STR",
     .help = TCTI_HELP},
    {.type = OPT_STRING,
     .name = "pcrs",
     .off = offsetof(struct seal_opts, pcrs),
     .argname = "SPEC",
     .help = "PCRs whose current values unseal it",
     .flags = OPT_REQUIRED},
    {.type = OPT_STRING,
     .name = "out",
     .shortname = 'o',
     .off = offsetof(struct seal_opts, out),
     .argname = "FILE",
     .help = "sealed key file to write (0600)",
     .flags = OPT_REQUIRED},
    {.type = OPT_OPERAND,
     .off = offsetof(struct seal_opts, in),
     .argname = "KEY.pem",
     .help = "KEY.pem",
     .flags = OPT_REQUIRED},
    {.type = OPT_END},
};

static const struct opt_cmd key_cmds_opt[] = {
    {"attest key generate",
     "Generate a signing key pair: into NAME.key and NAME.pub with --out "
     "NAME,\nor on a PKCS#11 token with --pkcs11 URI (--out then optional).",
     generate_rows},
    {"attest key public", "Print the public key of KEYREF as SPKI PEM.",
     public_rows},
    {"attest key tpm-create",
     "Create an ECC P-256 signing key inside the TPM; print its SPKI PEM on "
     "stdout\nand its KEYREF on stderr. Exactly one of --handle and --out.",
     tpm_create_rows},
    {"attest key tpm-seal",
     "Seal a software private key (e.g. Ed25519) to the TPM under a PCR "
     "policy;\nsign with it as tpm:sealed=FILE. Prints its SPKI PEM on "
     "stdout.",
     tpm_seal_rows},
};

#define GENERATE_CMD (&key_cmds_opt[0])
#define PUBLIC_CMD (&key_cmds_opt[1])
#define TPM_CREATE_CMD (&key_cmds_opt[2])
#define TPM_SEAL_CMD (&key_cmds_opt[3])

/* opt_parse for a key subcommand: 1 after printing --help. */
static int
key_parse(void *o, const struct opt_cmd *cmd, int argc, char **argv,
	  struct err *e)
{
	int rc = opt_parse(o, cmd, argc, argv, e);

	if (rc == 1)
		opt_cmd_help(stdout, cmd);
	return rc;
}

/* Writes k's private half to path, encrypted when o asks for it. */
static int
write_private(const struct key *k, const char *path,
	      const struct generate_opts *o, struct err *e)
{
	char *pass = NULL;
	size_t plen = 0;
	int rc;

	if (!o->encrypt)
		return key_write_private(k, path, e);
	rc = keyopt_secret_read(&pass, &plen, o->ko.passphrase_file,
				"passphrase file", e);
	if (rc == 0)
		rc = key_write_private_encrypted(k, path, pass, plen, e);
	keyopt_secret_free(pass, plen);
	return rc;
}

/* attest key generate --pkcs11 URI: the pair is made on the token. */
static int
generate_pkcs11(const struct generate_opts *o, const char *pubpath,
		struct err *e)
{
	char *pem = NULL;
	size_t len = 0;
	int rc;

	rc = pkcs11_generate(&pem, &len, o->pkcs11, o->type, &o->ko, e);
	if (rc == 0 && pubpath != NULL)
		rc = file_write_atomic(pubpath, pem, len, 0644, 0, e);
	else if (rc == 0)
		rc = put_pem(pem, len, e);
	if (rc == 0)
		attest_print(stderr,
			     "attest: created %s key on the token%s%s\n",
			     key_type_name(o->type), pubpath ? "; wrote " : "",
			     pubpath ? pubpath : "");
	free(pem);
	return rc;
}

static int
key_generate_cmd(int argc, char **argv)
{
	struct generate_opts o = {KEY_LOAD_OPTS_INIT, KEY_ECDSA_P256, NULL,
				  NULL, 0};
	char keypath[PATH_MAX], pubpath[PATH_MAX];
	struct err e = ERR_INIT;
	struct key *k = NULL;
	char syn[ERR_MSG_MAX];
	char *pem = NULL;
	size_t len;
	int rc;

	o.ko = *attest_key_env();
	rc = key_parse(&o, GENERATE_CMD, argc, argv, &e);
	if (rc != 0)
		return rc == 1 ? EXIT_PASS : attest_fail(&e);
	if (o.out == NULL && o.pkcs11 == NULL) {
		opt_synopsis(syn, sizeof(syn), GENERATE_CMD);
		err_set(&e, EXIT_USAGE, "--out NAME is required (usage: %s)",
			syn);
		return attest_fail(&e);
	}
	if (o.encrypt && (o.pkcs11 != NULL || o.ko.passphrase_file == NULL)) {
		err_set(&e, EXIT_USAGE,
			o.pkcs11 ? "--encrypt is for key files, not --pkcs11"
				 : "--encrypt needs --passphrase-file FILE (or "
				   "$" KEYOPT_PASSPHRASE_ENV ")");
		return attest_fail(&e);
	}
	if (o.pkcs11 != NULL && o.out == NULL)
		return generate_pkcs11(&o, NULL, &e) == 0 ? EXIT_PASS
							  : attest_fail(&e);
	if ((size_t)snprintf(keypath, sizeof(keypath), "%s.key", o.out) >=
		sizeof(keypath) ||
	    (size_t)snprintf(pubpath, sizeof(pubpath), "%s.pub", o.out) >=
		sizeof(pubpath)) {
		err_set(&e, EXIT_USAGE, "--out: name too long");
		return attest_fail(&e);
	}
	if (o.pkcs11 != NULL)
		return generate_pkcs11(&o, pubpath, &e) == 0 ? EXIT_PASS
							     : attest_fail(&e);
	rc = key_generate(&k, o.type, &e);
	if (rc == 0)
		rc = key_public_pem(&pem, &len, k, &e);
	if (rc == 0)
		rc = write_private(k, keypath, &o, &e);
	if (rc == 0)
		rc = file_write_atomic(pubpath, pem, len, 0644, 0, &e);
	if (rc == 0)
		attest_print(stderr,
			     "attest: wrote %s%s and %s (%s, keyid %s)\n",
			     keypath, o.encrypt ? " (encrypted)" : "", pubpath,
			     key_type_name(o.type), key_id(k));
	free(pem);
	key_free(k);
	return rc == 0 ? EXIT_PASS : attest_fail(&e);
}

static int
key_public_cmd(int argc, char **argv)
{
	struct public_opts o = {KEY_LOAD_OPTS_INIT, NULL};
	char syn[ERR_MSG_MAX];
	struct err e = ERR_INIT;
	struct key *k = NULL;
	char *pem = NULL;
	size_t len;
	int rc;

	o.ko = *attest_key_env();
	rc = key_parse(&o, PUBLIC_CMD, argc, argv, &e);
	if (rc != 0)
		return rc == 1 ? EXIT_PASS : attest_fail(&e);
	if (o.ref == NULL) {
		opt_synopsis(syn, sizeof(syn), PUBLIC_CMD);
		err_set(&e, EXIT_USAGE, "KEYREF is required (usage: %s)", syn);
		return attest_fail(&e);
	}
	rc = key_load_private_opts(&k, o.ref, &o.ko, &e);
	if ((rc == -EXIT_REJECTED || rc == -EXIT_USAGE) &&
	    strncmp(o.ref, "tpm:", 4) != 0 && !p11uri_is(o.ref) &&
	    strstr(e.msg, "passphrase") == NULL)
		rc = key_load_public(&k, o.ref, &e);
	if (rc == 0)
		rc = key_public_pem(&pem, &len, k, &e);
	if (rc == 0 && fwrite(pem, 1, len, stdout) != len)
		rc = err_set(&e, EXIT_UNDECIDED, "stdout: write failed");
	free(pem);
	key_free(k);
	return rc == 0 ? EXIT_PASS : attest_fail(&e);
}

/* Writes pem to stdout. */
static int
put_pem(const char *pem, size_t len, struct err *e)
{
	if (fwrite(pem, 1, len, stdout) != len || fflush(stdout) != 0)
		return err_set(e, EXIT_UNDECIDED, "stdout: write failed");
	return 0;
}

static int
handle_opt(void *opts, const struct opt_spec *row, const char *val,
	   struct err *e)
{
	char *end;
	unsigned long v;

	(void)row;
	if (strncmp(val, "0x", 2) != 0 || strlen(val) > 10 ||
	    strspn(val + 2, "0123456789abcdefABCDEF") != strlen(val + 2))
		v = 0;
	else
		v = strtoul(val, &end, 16);
	if (v < TPM_HANDLE_MIN || v > TPM_HANDLE_MAX)
		return err_set(e, EXIT_USAGE,
			       "--handle: expected 0x81000000-0x817fffff, got "
			       "\"%.20s\"",
			       val);
	((struct tpm_create_opts *)opts)->handle = (uint32_t)v;
	return 0;
}

static int
key_tpm_create_cmd(int argc, char **argv)
{
	struct tpm_create_opts o = {NULL, 0, NULL, NULL, 0};
	struct err e = ERR_INIT;
	char *keyref = NULL, *pem = NULL;
	size_t len = 0;
	int rc;

	rc = key_parse(&o, TPM_CREATE_CMD, argc, argv, &e);
	if (rc != 0)
		return rc == 1 ? EXIT_PASS : attest_fail(&e);
	if (o.tcti == NULL)
		o.tcti = getenv(TPM_TCTI_ENV);
	rc = tpm_create(&keyref, &pem, &len, &o, &e);
	if (rc == 0)
		rc = put_pem(pem, len, &e);
	if (rc == 0)
		attest_print(stderr, "attest: created TPM key %s\n", keyref);
	free(keyref);
	free(pem);
	return rc == 0 ? EXIT_PASS : attest_fail(&e);
}

static int
key_tpm_seal_cmd(int argc, char **argv)
{
	struct seal_opts o = {NULL, NULL, NULL, NULL};
	struct err e = ERR_INIT;
	char *pem = NULL;
	size_t len = 0;
	int rc;

	rc = key_parse(&o, TPM_SEAL_CMD, argc, argv, &e);
	if (rc != 0)
		return rc == 1 ? EXIT_PASS : attest_fail(&e);
	rc = tpm_seal(&pem, &len, o.tcti ? o.tcti : getenv(TPM_TCTI_ENV),
		      o.pcrs, o.in, o.out, &e);
	if (rc == 0)
		rc = put_pem(pem, len, &e);
	if (rc == 0)
		attest_print(stderr,
			     "attest: sealed %s as tpm:sealed=%s; %s itself is "
			     "still on disk\n",
			     o.in, o.out, o.in);
	free(pem);
	return rc == 0 ? EXIT_PASS : attest_fail(&e);
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} key_cmds[] = {
    {"generate", key_generate_cmd},
    {"public", key_public_cmd},
    {"tpm-create", key_tpm_create_cmd},
    {"tpm-seal", key_tpm_seal_cmd},
};

/* The four synopses, one a line, after "usage: ". */
static void
key_usage(FILE *f)
{
	char syn[1024];
	size_t i;

	for (i = 0; i < sizeof(key_cmds_opt) / sizeof(key_cmds_opt[0]); i++) {
		opt_synopsis(syn, sizeof(syn), &key_cmds_opt[i]);
		attest_print(f, "%s%s\n", i == 0 ? "usage: " : "       ", syn);
	}
}

int
cmd_key(int argc, char **argv)
{
	size_t i;

	for (i = 0; argc >= 2 && i < sizeof(key_cmds) / sizeof(key_cmds[0]);
	     i++)
		if (strcmp(argv[1], key_cmds[i].name) == 0)
			return key_cmds[i].fn(argc - 1, argv + 1);
	if (argc >= 2 &&
	    (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		key_usage(stdout);
		return EXIT_PASS;
	}
	attest_print(stderr, "attest: ");
	key_usage(stderr);
	return EXIT_USAGE;
}

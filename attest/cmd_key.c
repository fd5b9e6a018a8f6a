/*
 * attest key: generate key pairs, export public keys, create TPM keys and
 * seal software keys to a TPM.
 */
#include <limits.h>
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

enum {
	OPT_TYPE = 1,
	OPT_OUT,
	OPT_TCTI,
	OPT_HANDLE,
	OPT_PCRS,
	OPT_RESTRICTED,
	OPT_ENCRYPT,
	OPT_PKCS11,
	OPT_KEY,
};

static const struct opt_def generate_opts[] = {
    {OPT_TYPE, "type", 't', "TYPE",
     "ecdsa-p256 (default), ecdsa-p384, ecdsa-p521 or ed25519"},
    {OPT_OUT, "out", 'o', "NAME",
     "write NAME.key (PKCS#8 PEM, 0600) and NAME.pub (SPKI PEM)"},
    {OPT_ENCRYPT, "encrypt", 0, NULL,
     "encrypt NAME.key (AES-256, scrypt) with the --passphrase-file"},
    {OPT_PKCS11, "pkcs11", 0, "URI",
     "create the key pair on this PKCS#11 token instead (prints the SPKI, "
     "or writes NAME.pub with --out)"},
    KEYOPT_ROWS,
    {0, NULL, 0, NULL, NULL},
};

static int put_pem(const char *pem, size_t len, struct err *e);

#define TCTI_HELP "TPM to use (default: $" TPM_TCTI_ENV "; never guessed)"

static const struct opt_def public_opts[] = {
    {OPT_KEY, "key", 'k', "KEYREF", "the key (or give KEYREF as operand)"},
    {OPT_TCTI, "tcti", 0, "STR", TCTI_HELP},
    KEYOPT_ROWS,
    {0, NULL, 0, NULL, NULL},
};

static const struct opt_def tpm_create_opts[] = {
    {OPT_TCTI, "tcti", 0, "STR", TCTI_HELP},
    {OPT_HANDLE, "handle", 0, "0x81XXXXXX",
     "persist the key at this owner handle"},
    {OPT_OUT, "out", 'o', "FILE",
     "or write it as a blob file only this TPM can load (0600)"},
    {OPT_PCRS, "pcrs", 0, "SPEC",
     "sign only while these PCRs keep their current values, e.g. "
     "sha256:16,23"},
    {OPT_RESTRICTED, "restricted", 0, NULL,
     "make an attestation key (quotes only, never signs statements)"},
    {0, NULL, 0, NULL, NULL},
};

static const struct opt_def tpm_seal_opts[] = {
    {OPT_TCTI, "tcti", 0, "STR", TCTI_HELP},
    {OPT_PCRS, "pcrs", 0, "SPEC", "PCRs whose current values unseal it"},
    {OPT_OUT, "out", 'o', "FILE", "sealed key file to write (0600)"},
    {0, NULL, 0, NULL, NULL},
};

#define GENERATE_SYNOPSIS                                                      \
	"attest key generate [--type TYPE] --out NAME [--encrypt "             \
	"--passphrase-file FILE]\n       attest key generate [--type TYPE] "   \
	"--pkcs11 URI [--pkcs11-module PATH] [--out NAME]"
#define PUBLIC_SYNOPSIS                                                        \
	"attest key public [--tcti STR] [--passphrase-file FILE] "             \
	"[--pkcs11-module PATH] KEYREF"
#define TPM_CREATE_SYNOPSIS                                                    \
	"attest key tpm-create [--tcti STR] (--handle 0x81XXXXXX | --out "     \
	"FILE)\n       [--pcrs SPEC] [--restricted]"
#define TPM_SEAL_SYNOPSIS                                                      \
	"attest key tpm-seal [--tcti STR] --pcrs SPEC --out FILE KEY.pem"
#define ALL_SYNOPSES                                                           \
	GENERATE_SYNOPSIS "\n       " PUBLIC_SYNOPSIS                          \
			  "\n       " TPM_CREATE_SYNOPSIS                      \
			  "\n       " TPM_SEAL_SYNOPSIS

struct generate_opts {
	struct key_load_opts ko;
	enum key_type type;
	const char *out;
	const char *pkcs11;
	int encrypt;
};

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
	struct opt_iter it;
	char *pem = NULL;
	const char *val;
	size_t len;
	int id, rc;

	o.ko = *attest_key_env();
	opt_init(&it, argc, argv);
	while ((rc = opt_next(&it, generate_opts, &id, &val, &e)) == 1) {
		if (keyopt_set(&o.ko, id, val))
			continue;
		if (id == OPT_ENCRYPT) {
			o.encrypt = 1;
		} else if (id == OPT_PKCS11) {
			o.pkcs11 = val;
		} else if (id == OPT_HELP) {
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
	if (o.out == NULL && o.pkcs11 == NULL) {
		err_set(&e, EXIT_USAGE, "--out NAME is required (usage: %s)",
			GENERATE_SYNOPSIS);
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
	struct err e = ERR_INIT;
	struct key_load_opts ko = *attest_key_env();
	const char *ref = NULL, *val;
	struct key *k = NULL;
	struct opt_iter it;
	char *pem = NULL;
	size_t len;
	int id, rc;

	opt_init(&it, argc, argv);
	while ((rc = opt_next(&it, public_opts, &id, &val, &e)) == 1) {
		if (keyopt_set(&ko, id, val))
			continue;
		if (id == OPT_HELP) {
			opt_help(stdout, PUBLIC_SYNOPSIS,
				 "Print the public key of KEYREF as SPKI PEM.",
				 public_opts);
			return EXIT_PASS;
		}
		if (id == OPT_TCTI) {
			ko.tcti = val;
			continue;
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
	rc = key_load_private_opts(&k, ref, &ko, &e);
	if ((rc == -EXIT_REJECTED || rc == -EXIT_USAGE) &&
	    strncmp(ref, "tpm:", 4) != 0 && !p11uri_is(ref) &&
	    strstr(e.msg, "passphrase") == NULL)
		rc = key_load_public(&k, ref, &e);
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
parse_handle_opt(uint32_t *out, const char *val, struct err *e)
{
	char *end;
	unsigned long v;

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
	*out = (uint32_t)v;
	return 0;
}

static int
key_tpm_create_cmd(int argc, char **argv)
{
	struct tpm_create_opts o = {NULL, 0, NULL, NULL, 0};
	struct err e = ERR_INIT;
	char *keyref = NULL, *pem = NULL;
	struct opt_iter it;
	const char *val;
	size_t len = 0;
	int id, rc;

	opt_init(&it, argc, argv);
	while ((rc = opt_next(&it, tpm_create_opts, &id, &val, &e)) == 1) {
		rc = 0;
		if (id == OPT_HELP) {
			opt_help(stdout, TPM_CREATE_SYNOPSIS,
				 "Create an ECC P-256 signing key inside the "
				 "TPM; print its SPKI PEM on stdout\nand its "
				 "KEYREF on stderr.",
				 tpm_create_opts);
			return EXIT_PASS;
		} else if (id == OPT_TCTI) {
			o.tcti = val;
		} else if (id == OPT_HANDLE) {
			rc = parse_handle_opt(&o.handle, val, &e);
		} else if (id == OPT_OUT) {
			o.out = val;
		} else if (id == OPT_PCRS) {
			o.pcrs = val;
		} else if (id == OPT_RESTRICTED) {
			o.restricted = 1;
		} else {
			rc = err_set(&e, EXIT_USAGE,
				     "unexpected argument \"%s\" (usage: %s)",
				     val, TPM_CREATE_SYNOPSIS);
		}
		if (rc != 0)
			return attest_fail(&e);
	}
	if (rc < 0)
		return attest_fail(&e);
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
	const char *tcti = NULL, *pcrs = NULL, *out = NULL, *in = NULL, *val;
	struct err e = ERR_INIT;
	struct opt_iter it;
	char *pem = NULL;
	size_t len = 0;
	int id, rc;

	opt_init(&it, argc, argv);
	while ((rc = opt_next(&it, tpm_seal_opts, &id, &val, &e)) == 1) {
		if (id == OPT_HELP) {
			opt_help(stdout, TPM_SEAL_SYNOPSIS,
				 "Seal a software private key (e.g. Ed25519) "
				 "to the TPM under a PCR policy;\nsign with it "
				 "as tpm:sealed=FILE. Prints its SPKI PEM on "
				 "stdout.",
				 tpm_seal_opts);
			return EXIT_PASS;
		} else if (id == OPT_TCTI) {
			tcti = val;
		} else if (id == OPT_PCRS) {
			pcrs = val;
		} else if (id == OPT_OUT) {
			out = val;
		} else if (in == NULL) {
			in = val;
		} else {
			err_set(&e, EXIT_USAGE, "one KEY.pem only (usage: %s)",
				TPM_SEAL_SYNOPSIS);
			return attest_fail(&e);
		}
	}
	if (rc < 0)
		return attest_fail(&e);
	if (in == NULL || out == NULL || pcrs == NULL) {
		err_set(&e, EXIT_USAGE, "usage: %s", TPM_SEAL_SYNOPSIS);
		return attest_fail(&e);
	}
	rc = tpm_seal(&pem, &len, tcti ? tcti : getenv(TPM_TCTI_ENV), pcrs, in,
		      out, &e);
	if (rc == 0)
		rc = put_pem(pem, len, &e);
	if (rc == 0)
		attest_print(stderr,
			     "attest: sealed %s as tpm:sealed=%s; %s itself is "
			     "still on disk\n",
			     in, out, in);
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
		attest_print(stdout, "usage: %s\n", ALL_SYNOPSES);
		return EXIT_PASS;
	}
	attest_print(stderr, "attest: usage: %s\n", ALL_SYNOPSES);
	return EXIT_USAGE;
}

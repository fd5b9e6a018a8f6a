/* attest: make signed in-toto attestations. The command table lives here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/attest.h"
#include "keys/keyopt.h"
#include "keys/tpm.h"
#include "lib/opt.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
    {"key", cmd_key, "generate keys and export public keys"},
    {"sign", cmd_sign, "sign an in-toto Statement you wrote"},
    {"dataset", cmd_dataset, "attest a dataset: tree digests and manifest"},
    {"manifest", cmd_manifest, "hash a tree slice, or merge slices"},
    {"run", cmd_run, "wrap a training command: SLSA provenance"},
    {"eval", cmd_eval, "sign evaluation metrics with thresholds"},
    {"approve", cmd_approve, "sign an approval of a model for a stage"},
    {"intake", cmd_intake, "sign the governance review of a base model"},
    {"revoke", cmd_revoke,
     "sign a revocation list: revoked data, models, keys"},
    {"push", cmd_push, "store attestations for an image in its OCI registry"},
    {"model", cmd_model, "sign a model directory (OpenSSF Model Signing v1.0)"},
};

extern char **environ;

/* Key-loading defaults from the environment, read once by main. */
static struct key_load_opts key_env = KEY_LOAD_OPTS_INIT;

/* Object store credentials' sources, read once by main (lib/s3). */
static struct s3_env s3_env;

const struct s3_env *
attest_s3_env(void)
{
	return &s3_env;
}

const struct key_load_opts *
attest_key_env(void)
{
	return &key_env;
}

static void
key_env_read(void)
{
	key_env.tcti = getenv(TPM_TCTI_ENV);
	key_env.pkcs11_pin = getenv(KEYOPT_PIN_ENV);
	key_env.passphrase_file = getenv(KEYOPT_PASSPHRASE_ENV);
	s3_env.access_key_id = getenv("AWS_ACCESS_KEY_ID");
	s3_env.secret_access_key = getenv("AWS_SECRET_ACCESS_KEY");
	s3_env.session_token = getenv("AWS_SESSION_TOKEN");
	s3_env.region = getenv("AWS_REGION");
	if (s3_env.region == NULL)
		s3_env.region = getenv("AWS_DEFAULT_REGION");
	s3_env.shared_file = getenv("AWS_SHARED_CREDENTIALS_FILE");
	s3_env.profile = getenv("AWS_PROFILE");
	s3_env.home = getenv("HOME");
}

/* Set once by main before anything changes the environment. */
static char **caller_env;

char *const *
attest_caller_env(void)
{
	return caller_env;
}

/*
 * Copies the caller's environment, then quiets tpm2-tss, which logs to
 * stderr unless TSS2_LOG says otherwise and has no other switch. The copy
 * keeps TSS2_LOG out of a wrapped command's environment, and the token
 * PIN too (SPEC-KEY-2): the wrapped command never sees it.
 */
static int
env_setup(void)
{
	size_t n = 0, i, j = 0;

	while (environ[n] != NULL)
		n++;
	caller_env = calloc(n + 1, sizeof(*caller_env));
	if (caller_env == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], KEYOPT_PIN_ENV "=",
			    strlen(KEYOPT_PIN_ENV) + 1) != 0)
			caller_env[j++] = environ[i];
	return setenv("TSS2_LOG", "all+none", 0);
}

void
opt_cmd_help(FILE *f, const struct opt_cmd *cmd)
{
	size_t len = opt_cmd_usage(NULL, 0, cmd);
	char *buf = malloc(len + 1);

	if (buf == NULL) {
		fprintf(f, "usage: %s\n", cmd->name);
		return;
	}
	opt_cmd_usage(buf, len + 1, cmd);
	fputs(buf, f);
	free(buf);
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: attest COMMAND [OPTIONS] [ARGS]\n\n"
		   "Make signed in-toto attestations (DSSE envelopes or "
		   "Sigstore bundles).\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\n'attest COMMAND --help' describes a command. Exit "
		   "status: 0 ok, 1 rejected,\n2 usage error, 3 could not "
		   "complete (I/O or internal error).\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	key_env_read();
	if (env_setup() != 0) {
		attest_print(stderr, "attest: out of memory\n");
		return EXIT_UNDECIDED;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EXIT_PASS;
	}
	if (strcmp(argv[1], "--version") == 0) {
		attest_print(stdout, "attest %s\n", MLATTEST_VERSION);
		return EXIT_PASS;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	attest_print(stderr,
		     "attest: unknown command \"%s\" (see attest --help)\n",
		     argv[1]);
	return EXIT_USAGE;
}

/* verify: check attestations. The command table lives here. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "keys/keyopt.h"
#include "keys/tpm.h"
#include "lib/opt.h"
#include "lib/text.h"
#include "verify/verify.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Subcommands; with none of these first, plain signature verification. */
static const struct command commands[] = {
    {"dataset", cmd_dataset,
     "re-hash a dataset and name every file that changed"},
    {"policy", cmd_policy,
     "admission check of a model against a policy over a whole bundle"},
    {"lineage", cmd_lineage,
     "every subject whose lineage holds a digest: which models used the data"},
    {"report", cmd_report,
     "list every attestation, its signer and the lineage (text, json, dot)"},
    {"compare", cmd_compare,
     "compare two training runs' inputs and evaluation metrics"},
    {"model", cmd_model, "check an OpenSSF Model Signing v1.0 signature"},
    {"vsa", cmd_vsa,
     "check a gate's VSA: signed, PASSED, about the model, under the policy"},
};

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

/* Key-loading defaults from the environment, read once by main. */
static struct key_load_opts key_env = KEY_LOAD_OPTS_INIT;

/* Object store credentials' sources, read once by main (lib/s3). */
static struct s3_env s3_env;

const struct s3_env *
verify_s3_env(void)
{
	return &s3_env;
}

const struct key_load_opts *
verify_key_env(void)
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

/* Levenshtein distance of two short words (longer ones: far). */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[33], i, j;

	if (la > 32 || lb > 32)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j],
			       best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* SPEC-VER-9: a first word that is no file but near a command. */
static const char *
near_command(const char *word)
{
	struct stat st;
	size_t i, d, best = 3;
	const char *near = NULL;

	if (word[0] == '-' || strchr(word, '/') || stat(word, &st) == 0)
		return NULL;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		d = distance(word, commands[i].name);
		if (d < best && 2 * d < strlen(commands[i].name)) {
			best = d;
			near = commands[i].name;
		}
	}
	return near;
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: verify --key PUB [--key PUB]... [--artifact PATH]..."
		   " [--json]\n              [--from REF [--insecure]]... "
		   "[BUNDLE...]\n       verify --certificate-identity ID "
		   "--certificate-oidc-issuer ISS\n              "
		   "[--artifact PATH]... [BUNDLE...]\n"
		   "       verify COMMAND [OPTIONS] [ARGS]\n\n"
		   "commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\n'verify COMMAND --help' describes a command. Exit "
		   "status: 0 pass, 1 rejected,\n2 usage error, 3 could not "
		   "decide (missing file, I/O, internal error).\n");
}

/* A report that did not reach stdout (a full disk) is never a pass. */
static int
stdout_checked(int status)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return status;
	verify_print(stderr, "verify: cannot write standard output\n");
	return status == EXIT_PASS ? EXIT_UNDECIDED : status;
}

int
main(int argc, char **argv)
{
	size_t i;

	key_env_read();
	/* tpm2-tss logs to stderr unless TSS2_LOG says otherwise. */
	if (setenv("TSS2_LOG", "all+none", 0) != 0) {
		verify_print(stderr, "verify: out of memory\n");
		return EXIT_UNDECIDED;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0) {
		verify_print(stdout, "verify %s\n", MLATTEST_VERSION);
		return EXIT_PASS;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		verify_print(stdout, "\nWith no COMMAND:\n");
		fflush(stdout);
		return cmd_verify(2, (char *[]){argv[0], "--help", NULL});
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return stdout_checked(
			    commands[i].fn(argc - 1, argv + 1));
	if (near_command(argv[1]) != NULL) {
		verify_print(
		    stderr,
		    "verify: no such file %s; did you mean verify %s?\n",
		    argv[1], near_command(argv[1]));
		return EXIT_USAGE;
	}
	return stdout_checked(cmd_verify(argc, argv));
}

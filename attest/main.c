/* attest: make signed in-toto attestations. The command table lives here. */
#include <stdio.h>
#include <string.h>

#include "attest/attest.h"

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
    {"push", cmd_push, "store attestations for an image in its OCI registry"},
    {"model", cmd_model, "sign a model directory (OpenSSF Model Signing v1.0)"},
};

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

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EXIT_PASS;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("attest %s\n", MLATTEST_VERSION);
		return EXIT_PASS;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "attest: unknown command \"%s\" (see attest --help)\n",
		argv[1]);
	return EXIT_USAGE;
}

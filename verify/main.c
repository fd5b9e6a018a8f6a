/* verify: check attestations. The command table lives here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/opt.h"
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
    {"report", cmd_report,
     "list every attestation, its signer and the lineage (text, json, dot)"},
    {"compare", cmd_compare,
     "compare two training runs' inputs and evaluation metrics"},
    {"model", cmd_model, "check an OpenSSF Model Signing v1.0 signature"},
};

int
verify_fail(const struct err *e)
{
	int code = e->code ? e->code : EXIT_UNDECIDED;

	fprintf(stderr, "verify: %s\n", e->msg[0] ? e->msg : "failed");
	return code;
}

int
verify_worst(int status, int code)
{
	if (status == EXIT_REJECTED || code == EXIT_REJECTED)
		return EXIT_REJECTED;
	if (status == EXIT_UNDECIDED || code == EXIT_UNDECIDED)
		return EXIT_UNDECIDED;
	return status != EXIT_PASS ? status : code;
}

void
opt_help(FILE *f, const char *synopsis, const char *about,
	 const struct opt_def *defs)
{
	size_t len = opt_usage(NULL, 0, synopsis, about, defs);
	char *buf = malloc(len + 1);

	if (buf == NULL) {
		fprintf(f, "usage: %s\n", synopsis);
		return;
	}
	opt_usage(buf, len + 1, synopsis, about, defs);
	fputs(buf, f);
	free(buf);
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: verify --key PUB [--key PUB]... [--artifact PATH]..."
		   " [--json]\n              [--from REF [--insecure]]... "
		   "[BUNDLE...]\n       verify COMMAND [OPTIONS] [ARGS]\n\n"
		   "commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\n'verify COMMAND --help' describes a command. Exit "
		   "status: 0 pass, 1 rejected,\n2 usage error, 3 could not "
		   "decide (missing file, I/O, internal error).\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	/* tpm2-tss logs to stderr unless TSS2_LOG says otherwise. */
	if (setenv("TSS2_LOG", "all+none", 0) != 0) {
		fprintf(stderr, "verify: out of memory\n");
		return EXIT_UNDECIDED;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("verify %s\n", MLATTEST_VERSION);
		return EXIT_PASS;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		printf("\nWith no COMMAND:\n");
		fflush(stdout);
		return cmd_verify(2, (char *[]){argv[0], "--help", NULL});
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	return cmd_verify(argc, argv);
}

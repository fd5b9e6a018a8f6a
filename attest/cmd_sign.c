/* attest sign: sign an in-toto Statement the user wrote. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "attest/attest.h"
#include "keys/keyopt.h"
#include "keys/tpm.h"
#include "lib/fileio.h"
#include "lib/jsonio.h"
#include "lib/opt.h"

struct sign_opts {
	struct key_load_opts ko; /* KEYOPT_SPECS and the environment */
	const char *key;
	enum emit_format format;
	const char *bundle;
	const char *statement;
	const char *tsa;
	int force; /* replace a --bundle that is not .jsonl */
};

static const struct opt_spec sign_rows[] = {
    {.type = OPT_STRING,
     .name = "key",
     .shortname = 'k',
     .off = offsetof(struct sign_opts, key),
     .argname = "KEYREF",
     .help = "signing key: PEM file, pkcs11: URI or tpm:handle=|blob=|sealed=",
     .flags = OPT_REQUIRED},
    {.type = OPT_CALL,
     .name = "format",
     .shortname = 'f',
     .off = offsetof(struct sign_opts, format),
     .argname = "FMT",
     .help = "dsse (default: bare DSSE envelope) or sigstore (bundle v0.3)",
     .fn = emit_format_opt},
    {.type = OPT_STRING,
     .name = "bundle",
     .shortname = 'b',
     .off = offsetof(struct sign_opts, bundle),
     .argname = "FILE",
     .help = "write here; *.jsonl gets one line appended (default: stdout)"},
    {.type = OPT_FLAG,
     .name = "force",
     .off = offsetof(struct sign_opts, force),
     .help = "replace an existing --bundle whose name does not end in .jsonl"},
    {.type = OPT_STRING,
     .name = "tsa",
     .off = offsetof(struct sign_opts, tsa),
     .argname = "URL",
     .help = "RFC 3161 timestamp from this TSA (sigstore)"},
    KEYOPT_SPECS(struct sign_opts, ko),
    {.type = OPT_OPERAND,
     .off = offsetof(struct sign_opts, statement),
     .argname = "STATEMENT.json",
     .help = "statement",
     .flags = OPT_REQUIRED},
    {.type = OPT_END},
};

static const struct opt_cmd sign_cmd = {
    "attest sign",
    "Sign an in-toto Statement (v1 or v0.1) read from a file or - for stdin.",
    sign_rows};

static int
parse(struct sign_opts *o, int argc, char **argv, struct err *e)
{
	int rc = opt_parse(o, &sign_cmd, argc, argv, e);

	if (rc == 1)
		opt_cmd_help(stdout, &sign_cmd);
	if (rc != 0)
		return rc;
	/* Refuse before any work is done, not after. */
	return emit_bundle_check(o->bundle, o->force, e);
}

int
cmd_sign(int argc, char **argv)
{
	struct sign_opts o = {
	    KEY_LOAD_OPTS_INIT, NULL, EMIT_DSSE, NULL, NULL, NULL, 0};
	unsigned char *text = NULL;
	struct err e = ERR_INIT;
	struct key *k = NULL;
	json_t *st = NULL;
	size_t len;
	int rc;

	o.ko = *attest_key_env();
	rc = parse(&o, argc, argv, &e);
	if (rc == 1)
		return EXIT_PASS;
	if (rc != 0)
		return attest_fail(&e);
	rc = key_load_private_opts(&k, o.key, &o.ko, &e);
	if (rc == 0)
		rc = file_read(&text, &len, o.statement, MAX_STATEMENT_BYTES,
			       &e);
	if (rc == 0)
		rc = jsonio_load_object(&st, text, len, o.statement, &e);
	if (rc == 0)
		rc = emit_statement_tsa(st, o.statement, k, o.format, o.tsa,
					o.bundle, o.force, &e);
	json_decref(st);
	free(text);
	key_free(k);
	return rc == 0 ? EXIT_PASS : attest_fail(&e);
}

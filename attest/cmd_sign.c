/* attest sign: sign an in-toto Statement the user wrote. */
#include <stdio.h>
#include <stdlib.h>

#include "attest/attest.h"
#include "keys/keyopt.h"
#include "keys/tpm.h"
#include "lib/fileio.h"
#include "lib/jsonio.h"
#include "lib/opt.h"

enum { OPT_KEY = 1, OPT_FORMAT, OPT_BUNDLE, OPT_TSA, OPT_FORCE };

static const struct opt_def sign_opts[] = {
    {OPT_KEY, "key", 'k', "KEYREF",
     "signing key: PEM file, pkcs11: URI or tpm:handle=|blob=|sealed="},
    {OPT_FORMAT, "format", 'f', "FMT",
     "dsse (default: bare DSSE envelope) or sigstore (bundle v0.3)"},
    {OPT_BUNDLE, "bundle", 'b', "FILE",
     "write here; *.jsonl gets one line appended (default: stdout)"},
    {OPT_FORCE, "force", 0, NULL,
     "replace an existing --bundle whose name does not end in .jsonl"},
    {OPT_TSA, "tsa", 0, "URL", "RFC 3161 timestamp from this TSA (sigstore)"},
    KEYOPT_ROWS,
    {0, NULL, 0, NULL, NULL},
};

#define SIGN_SYNOPSIS                                                          \
	"attest sign --key KEYREF [--format dsse|sigstore] [--bundle FILE] "   \
	"[--tsa URL] STATEMENT.json"

struct sign_opts {
	struct key_load_opts ko; /* KEYOPT_ROWS and the environment */
	const char *key;
	enum emit_format format;
	const char *bundle;
	const char *statement;
	const char *tsa;
	int force; /* replace a --bundle that is not .jsonl */
};

static int
parse(struct sign_opts *o, int argc, char **argv, struct err *e)
{
	struct opt_iter it;
	const char *val;
	int id, rc;

	opt_init(&it, argc, argv);
	while ((rc = opt_next(&it, sign_opts, &id, &val, e)) == 1) {
		if (keyopt_set(&o->ko, id, val))
			continue;
		switch (id) {
		case OPT_HELP:
			opt_help(stdout, SIGN_SYNOPSIS,
				 "Sign an in-toto Statement (v1 or v0.1) read "
				 "from a file or - for stdin.",
				 sign_opts);
			return 1;
		case OPT_KEY:
			o->key = val;
			break;
		case OPT_FORMAT:
			rc = emit_format_parse(&o->format, val, e);
			if (rc != 0)
				return rc;
			break;
		case OPT_BUNDLE:
			o->bundle = val;
			break;
		case OPT_FORCE:
			o->force = 1;
			break;
		case OPT_TSA:
			o->tsa = val;
			break;
		default:
			if (o->statement != NULL)
				return err_set(e, EXIT_USAGE,
					       "one statement at a time");
			o->statement = val;
		}
	}
	if (rc < 0)
		return rc;
	if (o->key == NULL || o->statement == NULL)
		return err_set(e, EXIT_USAGE, "usage: %s", SIGN_SYNOPSIS);
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

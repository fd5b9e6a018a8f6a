/*
 * attest intake: the governance review of a foundation or third-party
 * model before anyone fine-tunes or deploys it: where it came from, how it
 * was sourced, the risk tier assigned, its licence and the evaluations it
 * passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/attest.h"
#include "keys/keyopt.h"
#include "keys/tpm.h"
#include "lib/bundle.h"
#include "lib/hash.h"
#include "lib/hex.h"
#include "lib/ids.h"
#include "lib/jsonio.h"
#include "lib/opt.h"
#include "lib/statement.h"
#include "predicates/approval.h"
#include "predicates/intake.h"
#include "predicates/types.h"

enum {
	OPT_KEY = 1,
	OPT_SOURCE,
	OPT_SOURCING,
	OPT_RISK,
	OPT_LICENSE,
	OPT_EVAL,
	OPT_BUNDLE,
	OPT_TSA,
	OPT_FORMAT,
	OPT_FORCE,
};

static const struct opt_def intake_opts[] = {
    {OPT_KEY, "key", 'k', "KEYREF", "the reviewer's signing key"},
    {OPT_SOURCE, "source", 0, "URI", "where the model came from"},
    {OPT_SOURCING, "sourcing", 0, "S", "open-weights, api, vendor or internal"},
    {OPT_RISK, "risk-tier", 0, "T", "low, medium, high or critical"},
    {OPT_LICENSE, "license", 0, "SPDX-ID", "the model's licence"},
    {OPT_EVAL, "eval", 0, "BUNDLE",
     "evaluation attestation of this model; repeatable"},
    {OPT_BUNDLE, "bundle", 'b', "FILE",
     "write here; *.jsonl gets one line appended (default: stdout)"},
    {OPT_FORCE, "force", 0, NULL,
     "replace an existing --bundle whose name does not end in .jsonl"},
    {OPT_TSA, "tsa", 0, "URL", "RFC 3161 timestamp from this TSA (sigstore)"},
    {OPT_FORMAT, "format", 'f', "FMT", "dsse (default) or sigstore"},
    KEYOPT_ROWS,
    {0, NULL, 0, NULL, NULL},
};

#define INTAKE_SYNOPSIS                                                        \
	"attest intake --key KEYREF --source URI --sourcing S --risk-tier T\n" \
	"       [--license SPDX-ID] [--eval BUNDLE]... [--bundle FILE] "       \
	"MODEL_PATH|sha256:HEX"

struct intake_opts {
	struct key_load_opts ko; /* KEYOPT_ROWS and the environment */
	const char *key, *source, *sourcing, *risk, *license, *bundle, *tsa,
	    *model;
	const char **evals;
	size_t nevals;
	enum emit_format format;
	int force; /* replace a --bundle that is not .jsonl */
};

static int
parse(struct intake_opts *o, int argc, char **argv, struct err *e)
{
	struct opt_iter it;
	const char *val;
	int id, rc;

	o->evals = calloc((size_t)argc, sizeof(char *));
	if (o->evals == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	opt_init(&it, argc, argv);
	while ((rc = opt_next(&it, intake_opts, &id, &val, e)) == 1) {
		if (keyopt_set(&o->ko, id, val))
			continue;
		rc = 0;
		switch (id) {
		case OPT_HELP:
			opt_help(stdout, INTAKE_SYNOPSIS,
				 "Sign the governance review of a base model.",
				 intake_opts);
			return 1;
		case OPT_KEY:
			o->key = val;
			break;
		case OPT_SOURCE:
			o->source = val;
			break;
		case OPT_SOURCING:
			o->sourcing = val;
			break;
		case OPT_RISK:
			o->risk = val;
			break;
		case OPT_LICENSE:
			o->license = val;
			break;
		case OPT_EVAL:
			o->evals[o->nevals++] = val;
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
		case OPT_FORMAT:
			rc = emit_format_parse(&o->format, val, e);
			break;
		default:
			if (o->model != NULL)
				return err_set(e, EXIT_USAGE,
					       "one MODEL_PATH at a time");
			o->model = val;
		}
		if (rc != 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (o->key == NULL || o->source == NULL || o->sourcing == NULL ||
	    o->risk == NULL || o->model == NULL)
		return err_set(e, EXIT_USAGE, "usage: %s", INTAKE_SYNOPSIS);
	if (!pred_in_list(o->sourcing, intake_sourcings))
		return err_set(e, EXIT_USAGE,
			       "--sourcing: expected open-weights, api, vendor "
			       "or internal, got \"%s\"",
			       o->sourcing);
	if (!pred_in_list(o->risk, intake_risk_tiers))
		return err_set(e, EXIT_USAGE,
			       "--risk-tier: expected low, medium, high or "
			       "critical, got \"%s\"",
			       o->risk);
	/* Refuse before any work is done, not after. */
	return emit_bundle_check(o->bundle, o->force, e);
}

/* Evaluations of this model in bundle: {digest, result} per statement. */
static int
collect_evals(json_t *out, const char *path, const json_t *subject,
	      struct err *e)
{
	const json_t *digest = json_object_get(subject, "digest");
	struct bundle *b = NULL;
	size_t i, found = 0;
	int rc = bundle_read(&b, path, e);

	for (i = 0; rc == 0 && i < bundle_count(b); i++) {
		const struct bundle_entry *ent = bundle_get(b, i);
		struct statement *st = NULL;
		unsigned char d[SHA256_LEN];
		char hex[SHA256_HEX_LEN + 1];
		const unsigned char *body;
		size_t len;
		if (ent->env == NULL)
			continue;
		body = dsse_payload(ent->env, &len);
		const char *result = NULL;
		if (statement_parse(&st, body, len, ent->src, NULL) == 0)
			result = jsonio_str(statement_predicate(st), "result");
		if (st != NULL &&
		    strcmp(statement_predicate_type(st), PRED_EVALUATION) ==
			0 &&
		    statement_has_subject(st, digest)) {
			hash_sha256(d, ent->raw, ent->rawlen, NULL);
			hex_encode(hex, d, SHA256_LEN);
			rc = jsonio_append(
			    out,
			    json_pack("{s:{s:s}, s:s}", "digest", "sha256", hex,
				      "result", result ? result : "unknown"),
			    e);
			found++;
		}
		statement_free(st);
	}
	bundle_free(b);
	if (rc == 0 && found == 0)
		rc = err_set(e, EXIT_REJECTED,
			     "%s: no evaluation of this model in the bundle",
			     path);
	return rc;
}

int
cmd_intake(int argc, char **argv)
{
	struct intake_opts o;
	char now[RFC3339_LEN + 1];
	struct err e = ERR_INIT;
	struct key *k = NULL;
	json_t *subject = NULL, *pred = NULL, *st = NULL;
	json_t *evals = json_array();
	size_t i;
	int rc;

	memset(&o, 0, sizeof(o));
	o.ko = *attest_key_env();
	rc = parse(&o, argc, argv, &e);
	if (rc == 0)
		rc = key_load_private_opts(&k, o.key, &o.ko, &e);
	if (rc == 0)
		rc = attest_subject(&subject, o.model, NULL, &e);
	for (i = 0; rc == 0 && i < o.nevals; i++)
		rc = collect_evals(evals, o.evals[i], subject, &e);
	if (rc == 0) {
		ids_rfc3339(now, time(NULL));
		pred = json_pack("{s:{s:s}, s:s, s:s, s:O, s:s, s:{s:s}}",
				 "source", "uri", o.source, "sourcing",
				 o.sourcing, "riskTier", o.risk, "evaluations",
				 evals, "reviewedOn", now, "reviewer", "keyid",
				 key_id(k));
		if (o.license != NULL)
			rc = jsonio_set(pred, "license", json_string(o.license),
					&e);
	}
	if (rc == 0) {
		st = json_pack("{s:s, s:[O], s:s, s:O}", "_type", STATEMENT_V1,
			       "subject", subject, "predicateType", PRED_INTAKE,
			       "predicate", pred);
		rc = emit_statement_tsa(st, o.model, k, o.format, o.tsa,
					o.bundle, o.force, &e);
	}
	json_decref(st);
	json_decref(pred);
	json_decref(subject);
	json_decref(evals);
	key_free(k);
	free(o.evals);
	if (rc == 1)
		return EXIT_PASS;
	return rc == 0 ? EXIT_PASS : attest_fail(&e);
}

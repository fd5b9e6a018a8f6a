/*
 * attest intake: the governance review of a foundation or third-party
 * model before anyone fine-tunes or deploys it: where it came from, how it
 * was sourced, the risk tier assigned, its licence and the evaluations it
 * passed.
 */
#include <stddef.h>
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

struct intake_opts {
	struct key_load_opts ko; /* KEYOPT_SPECS and the environment */
	const char *key, *source, *sourcing, *risk, *license, *bundle, *tsa,
	    *model;
	const char **evals;
	size_t nevals;
	enum emit_format format;
	int force; /* replace a --bundle that is not .jsonl */
};

static const struct opt_spec intake_rows[] = {
    {.type = OPT_STRING,
     .name = "key",
     .shortname = 'k',
     .off = offsetof(struct intake_opts, key),
     .argname = "KEYREF",
     .help = "the reviewer's signing key",
     .flags = OPT_REQUIRED},
    {.type = OPT_STRING,
     .name = "source",
     .off = offsetof(struct intake_opts, source),
     .argname = "URI",
     .help = "where the model came from",
     .flags = OPT_REQUIRED},
    {.type = OPT_CHOICE,
     .name = "sourcing",
     .off = offsetof(struct intake_opts, sourcing),
     .argname = "S",
     .help = "open-weights, api, vendor or internal",
     .flags = OPT_REQUIRED,
     .choices = intake_sourcings},
    {.type = OPT_CHOICE,
     .name = "risk-tier",
     .off = offsetof(struct intake_opts, risk),
     .argname = "T",
     .help = "low, medium, high or critical",
     .flags = OPT_REQUIRED,
     .choices = intake_risk_tiers},
    {.type = OPT_STRING,
     .name = "license",
     .off = offsetof(struct intake_opts, license),
     .argname = "SPDX-ID",
     .help = "the model's licence"},
    {.type = OPT_LIST,
     .name = "eval",
     .off = offsetof(struct intake_opts, evals),
     .noff = offsetof(struct intake_opts, nevals),
     .argname = "BUNDLE",
     .help = "evaluation attestation of this model; repeatable"},
    EMIT_OPT_ROWS(struct intake_opts),
    KEYOPT_SPECS(struct intake_opts, ko),
    {.type = OPT_OPERAND,
     .off = offsetof(struct intake_opts, model),
     .argname = "MODEL_PATH|sha256:HEX",
     .help = "MODEL_PATH",
     .flags = OPT_REQUIRED},
    {.type = OPT_END},
};

static const struct opt_cmd intake_cmd = {
    "attest intake", "Sign the governance review of a base model.",
    intake_rows};

static int
parse(struct intake_opts *o, int argc, char **argv, struct err *e)
{
	int rc = opt_parse(o, &intake_cmd, argc, argv, e);

	if (rc == 1)
		opt_cmd_help(stdout, &intake_cmd);
	if (rc != 0)
		return rc;
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

/*
 * attest approve: one reviewer's signed decision about one model digest
 * for one stage. Each approver signs with their own key; approvals live
 * side by side in one .intoto.jsonl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/attest.h"
#include "keys/keyopt.h"
#include "keys/tpm.h"
#include "lib/ids.h"
#include "lib/jsonio.h"
#include "lib/opt.h"
#include "lib/statement.h"
#include "predicates/approval.h"
#include "predicates/types.h"

enum {
	OPT_KEY = 1,
	OPT_STAGE,
	OPT_DECISION,
	OPT_REASON,
	OPT_EXPIRES,
	OPT_BUNDLE,
	OPT_TSA,
	OPT_FORMAT,
	OPT_FORCE,
	OPT_LINKS_WITHIN,
};

static const struct opt_def approve_opts[] = {
    {OPT_KEY, "key", 'k', "KEYREF", "the approver's signing key"},
    {OPT_STAGE, "stage", 's', "STAGE", "staging, production or retired"},
    {OPT_DECISION, "decision", 0, "D", "approve (default) or reject"},
    {OPT_REASON, "reason", 0, "TEXT", "why"},
    {OPT_EXPIRES, "expires", 0, "DURATION",
     "approval lapses after this long, e.g. 720h or 30d"},
    {OPT_BUNDLE, "bundle", 'b', "FILE",
     "write here; *.jsonl gets one line appended (default: stdout)"},
    {OPT_FORCE, "force", 0, NULL,
     "replace an existing --bundle whose name does not end in .jsonl"},
    {OPT_TSA, "tsa", 0, "URL", "RFC 3161 timestamp from this TSA (sigstore)"},
    {OPT_FORMAT, "format", 'f', "FMT", "dsse (default) or sigstore"},
    {OPT_LINKS_WITHIN, "follow-links-within", 0, "DIR",
     "follow symlinks to files anywhere under DIR (e.g. a HF cache)"},
    KEYOPT_ROWS,
    {0, NULL, 0, NULL, NULL},
};

#define APPROVE_SYNOPSIS                                                       \
	"attest approve --key KEYREF --stage staging|production|retired\n"     \
	"       [--decision approve|reject] [--reason TEXT] [--expires "       \
	"DURATION]\n       [--bundle FILE] ARTIFACT|sha256:HEX"

struct approve_opts {
	struct key_load_opts ko; /* KEYOPT_ROWS and the environment */
	const char *key, *stage, *decision, *reason, *expires, *bundle, *tsa;
	const char *artifact, *links_within;
	enum emit_format format;
	int force; /* replace a --bundle that is not .jsonl */
};

static int
parse(struct approve_opts *o, int argc, char **argv, struct err *e)
{
	struct opt_iter it;
	const char *val;
	long long secs;
	int id, rc;

	opt_init(&it, argc, argv);
	while ((rc = opt_next(&it, approve_opts, &id, &val, e)) == 1) {
		if (keyopt_set(&o->ko, id, val))
			continue;
		rc = 0;
		switch (id) {
		case OPT_HELP:
			opt_help(stdout, APPROVE_SYNOPSIS,
				 "Sign an approval (or rejection) of one model "
				 "digest for one stage.",
				 approve_opts);
			return 1;
		case OPT_KEY:
			o->key = val;
			break;
		case OPT_STAGE:
			o->stage = val;
			break;
		case OPT_DECISION:
			o->decision = val;
			break;
		case OPT_REASON:
			o->reason = val;
			break;
		case OPT_EXPIRES:
			if (ids_parse_duration(&secs, val) != 0)
				return err_set(
				    e, EXIT_USAGE,
				    "--expires: expected a duration "
				    "such as 720h, 30d or 1h30m, got "
				    "\"%s\"",
				    val);
			o->expires = val;
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
		case OPT_LINKS_WITHIN:
			o->links_within = val;
			break;
		default:
			if (o->artifact != NULL)
				return err_set(e, EXIT_USAGE,
					       "one ARTIFACT at a time");
			o->artifact = val;
		}
		if (rc != 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (o->key == NULL || o->stage == NULL || o->artifact == NULL)
		return err_set(e, EXIT_USAGE, "usage: %s", APPROVE_SYNOPSIS);
	if (!pred_in_list(o->stage, approval_stages))
		return err_set(e, EXIT_USAGE,
			       "--stage: expected staging, "
			       "production or retired, got \"%s\"",
			       o->stage);
	if (o->decision == NULL)
		o->decision = "approve";
	if (!pred_in_list(o->decision, approval_decisions))
		return err_set(e, EXIT_USAGE,
			       "--decision: expected approve or "
			       "reject, got \"%s\"",
			       o->decision);
	/* Refuse before any work is done, not after. */
	return emit_bundle_check(o->bundle, o->force, e);
}

int
cmd_approve(int argc, char **argv)
{
	struct approve_opts o;
	char now[RFC3339_LEN + 1], until[RFC3339_LEN + 1];
	struct err e = ERR_INIT;
	struct key *k = NULL;
	json_t *subject = NULL, *pred = NULL, *st = NULL;
	long long secs;
	time_t t = time(NULL);
	int rc;

	memset(&o, 0, sizeof(o));
	o.ko = *attest_key_env();
	rc = parse(&o, argc, argv, &e);
	if (rc == 0)
		rc = key_load_private_opts(&k, o.key, &o.ko, &e);
	if (rc == 0)
		rc = attest_subject(&subject, o.artifact, o.links_within, &e);
	if (rc == 0) {
		ids_rfc3339(now, t);
		pred = json_pack("{s:s, s:s, s:{s:s}, s:s}", "stage", o.stage,
				 "decision", o.decision, "approver", "keyid",
				 key_id(k), "approvedOn", now);
		if (o.reason != NULL)
			rc = jsonio_set(pred, "reason", json_string(o.reason),
					&e);
		if (rc == 0 && o.expires != NULL &&
		    ids_parse_duration(&secs, o.expires) == 0) {
			ids_rfc3339(until, t + (time_t)secs);
			rc = jsonio_set(pred, "expiresOn", json_string(until),
					&e);
		}
	}
	if (rc == 0) {
		st = json_pack("{s:s, s:[O], s:s, s:O}", "_type", STATEMENT_V1,
			       "subject", subject, "predicateType",
			       PRED_APPROVAL, "predicate", pred);
		rc = emit_statement_tsa(st, o.artifact, k, o.format, o.tsa,
					o.bundle, o.force, &e);
	}
	json_decref(st);
	json_decref(pred);
	json_decref(subject);
	key_free(k);
	if (rc == 1)
		return EXIT_PASS;
	return rc == 0 ? EXIT_PASS : attest_fail(&e);
}

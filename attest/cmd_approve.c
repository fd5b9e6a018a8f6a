/*
 * attest approve: one reviewer's signed decision about one model digest
 * for one stage. Each approver signs with their own key; approvals live
 * side by side in one .intoto.jsonl.
 */
#include <stddef.h>
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

struct approve_opts {
	struct key_load_opts ko; /* KEYOPT_SPECS and the environment */
	const char *key, *stage, *decision, *reason, *expires, *bundle, *tsa;
	const char *artifact, *links_within;
	enum emit_format format;
	int force; /* replace a --bundle that is not .jsonl */
};

static int
expires_opt(void *opts, const struct opt_spec *row, const char *val,
	    struct err *e)
{
	long long secs;

	if (ids_parse_duration(&secs, val) != 0)
		return err_set(e, EXIT_USAGE,
			       "--expires: expected a duration such as 720h, "
			       "30d or 1h30m, got \"%s\"",
			       val);
	*(const char **)(void *)((char *)opts + row->off) = val;
	return 0;
}

static const struct opt_spec approve_rows[] = {
    {.type = OPT_STRING,
     .name = "key",
     .shortname = 'k',
     .off = offsetof(struct approve_opts, key),
     .argname = "KEYREF",
     .help = "the approver's signing key",
     .flags = OPT_REQUIRED},
    {.type = OPT_CHOICE,
     .name = "stage",
     .shortname = 's',
     .off = offsetof(struct approve_opts, stage),
     .argname = "STAGE",
     .help = "staging, production or retired",
     .flags = OPT_REQUIRED,
     .choices = approval_stages},
    {.type = OPT_CHOICE,
     .name = "decision",
     .off = offsetof(struct approve_opts, decision),
     .argname = "D",
     .help = "approve (default) or reject",
     .choices = approval_decisions},
    {.type = OPT_STRING,
     .name = "reason",
     .off = offsetof(struct approve_opts, reason),
     .argname = "TEXT",
     .help = "why"},
    {.type = OPT_CALL,
     .name = "expires",
     .off = offsetof(struct approve_opts, expires),
     .argname = "DURATION",
     .help = "approval lapses after this long, e.g. 720h or 30d",
     .fn = expires_opt},
    EMIT_OPT_ROWS(struct approve_opts),
    {.type = OPT_STRING,
     .name = "follow-links-within",
     .off = offsetof(struct approve_opts, links_within),
     .argname = "DIR",
     .help = "follow symlinks to files anywhere under DIR (e.g. a HF cache)"},
    KEYOPT_SPECS(struct approve_opts, ko),
    {.type = OPT_OPERAND,
     .off = offsetof(struct approve_opts, artifact),
     .argname = "ARTIFACT|sha256:HEX",
     .help = "ARTIFACT",
     .flags = OPT_REQUIRED},
    {.type = OPT_END},
};

static const struct opt_cmd approve_cmd = {
    "attest approve",
    "Sign an approval (or rejection) of one model digest for one stage.",
    approve_rows};

static int
parse(struct approve_opts *o, int argc, char **argv, struct err *e)
{
	int rc = opt_parse(o, &approve_cmd, argc, argv, e);

	if (rc == 1)
		opt_cmd_help(stdout, &approve_cmd);
	if (rc != 0)
		return rc;
	if (o->decision == NULL)
		o->decision = "approve";
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

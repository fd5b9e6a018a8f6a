/*
 * attest eval: sign the metrics of one model on named eval datasets, with
 * each threshold's outcome. With "-- CMD" it runs the evaluation command
 * (as attest run does) and reads the metrics file the command wrote.
 * Exit 0 when every threshold holds, 1 when one fails (the attestation is
 * written either way: a failed evaluation is evidence too).
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest/attest.h"
#include "attest/dataset_link.h"
#include "keys/keyopt.h"
#include "keys/tpm.h"
#include "lib/fileio.h"
#include "attest/gitinfo.h"
#include "lib/ids.h"
#include "lib/jsonio.h"
#include "lib/opt.h"
#include "lib/proc.h"
#include "lib/statement.h"
#include "predicates/evaluation.h"
#include "predicates/tree.h"
#include "predicates/types.h"

struct eval_opts {
	struct key_load_opts ko; /* KEYOPT_SPECS and the environment */
	const char *key, *model, *harness, *metrics, *bundle, *tsa;
	const char **datasets, **roles, **dsatts;
	const char *role; /* of the --dataset options that follow */
	size_t ndatasets, ndsatts, nthresholds;
	struct threshold *thresholds;
	int test_result;
	enum emit_format format;
	struct digest_opts dopts;
	char **cmd;
	int ncmd;
	int force; /* replace a --bundle that is not .jsonl */
};

/* Each --dataset takes the --dataset-role given before it. */
static int
dataset_opt(void *opts, const struct opt_spec *row, const char *val,
	    struct err *e)
{
	struct eval_opts *o = opts;

	(void)row;
	(void)e;
	o->roles[o->ndatasets] = o->role;
	o->datasets[o->ndatasets++] = val;
	return 0;
}

static int
role_opt(void *opts, const struct opt_spec *row, const char *val, struct err *e)
{
	(void)row;
	if (!eval_role_ok(val))
		return err_set(e, EXIT_USAGE,
			       "--dataset-role: expected test, validation, "
			       "adversarial or fairness, got \"%s\"",
			       val);
	((struct eval_opts *)opts)->role = val;
	return 0;
}

static int
threshold_opt(void *opts, const struct opt_spec *row, const char *val,
	      struct err *e)
{
	struct eval_opts *o = opts;

	(void)row;
	return eval_threshold_parse(&o->thresholds[o->nthresholds++], val, e);
}

static const struct opt_spec eval_rows[] = {
    {.type = OPT_STRING,
     .name = "key",
     .shortname = 'k',
     .off = offsetof(struct eval_opts, key),
     .argname = "KEYREF",
     .help = "signing key: PEM file, pkcs11: URI or tpm:handle=|blob=|sealed=",
     .flags = OPT_REQUIRED},
    {.type = OPT_STRING,
     .name = "model",
     .shortname = 'm',
     .off = offsetof(struct eval_opts, model),
     .argname = "PATH",
     .help = "the model evaluated (the subject)",
     .flags = OPT_REQUIRED},
    {.type = OPT_CALL,
     .name = "dataset",
     .shortname = 'd',
     .off = offsetof(struct eval_opts, datasets),
     .argname = "PATH",
     .help = "eval dataset (file or directory); repeatable",
     .flags = OPT_REQUIRED | OPT_MANY,
     .fn = dataset_opt},
    {.type = OPT_CALL,
     .name = "dataset-role",
     .shortname = 'r',
     .off = offsetof(struct eval_opts, role),
     .argname = "ROLE",
     .help = "role of the --dataset options that follow: test (default), "
	     "validation, adversarial, fairness",
     .fn = role_opt},
    {.type = OPT_LIST,
     .name = "dataset-attestation",
     .off = offsetof(struct eval_opts, dsatts),
     .noff = offsetof(struct eval_opts, ndsatts),
     .argname = "BUNDLE",
     .help = "dataset attestation naming an eval dataset; repeatable"},
    {.type = OPT_STRING,
     .name = "harness",
     .off = offsetof(struct eval_opts, harness),
     .argname = "PATH|URI",
     .help = "evaluation code: a git work tree, a file or directory, or a URI"},
    {.type = OPT_STRING,
     .name = "metrics",
     .off = offsetof(struct eval_opts, metrics),
     .argname = "FILE",
     .help = "JSON object of name -> number (written by CMD when one is given)",
     .flags = OPT_REQUIRED},
    {.type = OPT_CALL,
     .name = "threshold",
     .shortname = 't',
     .off = offsetof(struct eval_opts, thresholds),
     .argname = "EXPR",
     .help = "e.g. 'accuracy>=0.9' (ops >= > <= < ==); repeatable",
     .flags = OPT_MANY,
     .fn = threshold_opt},
    {.type = OPT_FLAG,
     .name = "also-test-result",
     .off = offsetof(struct eval_opts, test_result),
     .help = "also emit an in-toto test-result v0.1 statement"},
    EMIT_OPT_ROWS(struct eval_opts),
    {.type = OPT_UINT,
     .name = "jobs",
     .shortname = 'j',
     .off = offsetof(struct eval_opts, dopts.jobs),
     .argname = "N",
     .help = "hashing threads (default: all CPUs)",
     .min = 1,
     .max = DIGEST_MAX_JOBS},
    {.type = OPT_STRING,
     .name = "follow-links-within",
     .off = offsetof(struct eval_opts, dopts.links_within),
     .argname = "DIR",
     .help = "follow symlinks to files anywhere under DIR (e.g. a HF cache)"},
    KEYOPT_SPECS(struct eval_opts, ko),
    {.type = OPT_REST,
     .off = offsetof(struct eval_opts, cmd),
     .noff = offsetof(struct eval_opts, ncmd),
     .argname = "CMD [ARG]..."},
    {.type = OPT_END},
};

static const struct opt_cmd eval_cmd = {
    "attest eval",
    "Sign the metrics of a model on eval datasets, with thresholds.\nExit 0 "
    "when all thresholds hold, 1 when one fails (still attested).",
    eval_rows};

static int
parse(struct eval_opts *o, int argc, char **argv, struct err *e)
{
	int rc;

	o->role = "test";
	o->datasets = calloc((size_t)argc, sizeof(char *));
	o->roles = calloc((size_t)argc, sizeof(char *));
	o->thresholds = calloc((size_t)argc, sizeof(*o->thresholds));
	if (!o->datasets || !o->roles || !o->thresholds)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	rc = opt_parse(o, &eval_cmd, argc, argv, e);
	if (rc == 1)
		opt_cmd_help(stdout, &eval_cmd);
	if (rc != 0)
		return rc;
	if (o->test_result && o->bundle != NULL &&
	    !str_has_suffix(o->bundle, ".jsonl"))
		return err_set(e, EXIT_USAGE,
			       "--also-test-result writes two statements: "
			       "--bundle must be a .jsonl file");
	/* Refuse before any work is done, not after. */
	return emit_bundle_check(o->bundle, o->force, e);
}

static json_t *
harness_rd(const char *h, const struct digest_opts *d, struct err *e)
{
	struct gitinfo *g = NULL;
	struct tree t;
	json_t *rd;

	if (strstr(h, "://") != NULL) {
		/* Signed and published: never with the user info a harness
		 * URL may carry (https://user:token@host/...). */
		char *clean = NULL;
		if (gitinfo_url_redact(&clean, h, e) != 0)
			return NULL;
		rd = json_pack("{s:o}", "uri", jsonio_uri(clean));
		free(clean);
		if (rd == NULL)
			err_set(e, EXIT_UNDECIDED, "--harness: out of memory");
		return rd;
	}
	if (gitinfo_read(&g, h, NULL) == 0 && gitinfo_dirty(g) == 0) {
		rd = json_pack("{s:s, s:{s:s}}", "name", h, "digest",
			       "gitCommit", gitinfo_commit(g));
		gitinfo_free(g);
		return rd;
	}
	gitinfo_free(g);
	if (tree_hash(&t, h, d, e) != 0) {
		tree_clear(&t);
		return NULL;
	}
	rd = tree_descriptor(&t);
	tree_clear(&t);
	return rd;
}

static int
hash_datasets(json_t **out, const struct eval_opts *o, struct err *e)
{
	json_t *arr = json_array();
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < o->ndatasets; i++) {
		struct tree t;
		rc = tree_hash(&t, o->datasets[i], &o->dopts, e);
		if (rc == 0) {
			json_t *rd = tree_descriptor(&t);
			rc = jsonio_set(rd, "annotations",
					json_pack("{s:s}", "role", o->roles[i]),
					e);
			if (rc == 0)
				rc = jsonio_append(arr, rd, e);
			else
				json_decref(rd);
			if (rc != 0)
				err_prefix(e, "%s", o->datasets[i]);
		}
		tree_clear(&t);
	}
	if (rc == 0 && o->ndsatts > 0)
		rc = dataset_link_resources(arr, o->dsatts, o->ndsatts,
					    &o->dopts, e);
	if (rc != 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

/* SPEC-EVAL-2: every threshold's metric must be present and hold. */
static json_t *
judge(const struct eval_opts *o, const json_t *metrics, int *all_pass)
{
	json_t *arr = json_array();
	size_t i;

	*all_pass = 1;
	for (i = 0; i < o->nthresholds; i++) {
		const struct threshold *t = &o->thresholds[i];
		const json_t *m = json_object_get(metrics, t->name);
		int ok = m != NULL &&
			 eval_compare(json_number_value(m), t->op, t->value);
		json_t *row = json_pack("{s:s, s:s, s:f, s:b}", "metric",
					t->name, "op", eval_op_str(t->op),
					"value", t->value, "passed", ok);
		if (m != NULL &&
		    jsonio_set(row, "observed", json_real(json_number_value(m)),
			       NULL) != 0) {
			json_decref(row);
			row = NULL;
		}
		if (jsonio_append(arr, row, NULL) != 0) {
			json_decref(arr);
			return NULL;
		}
		if (!ok && m != NULL)
			attest_print(
			    stderr,
			    "attest: threshold %s%s%.15g FAILED (observed "
			    "%.15g)\n",
			    t->name, eval_op_str(t->op), t->value,
			    json_number_value(m));
		else if (!ok)
			attest_print(
			    stderr,
			    "attest: threshold %s%s%.15g FAILED (no such "
			    "metric)\n",
			    t->name, eval_op_str(t->op), t->value);
		*all_pass &= ok;
	}
	return arr;
}

static int
run_command(json_t *pred, const struct eval_opts *o, struct err *e)
{
	struct proc_opts po = {NULL, NULL, NULL, 0, NULL};
	struct proc_result res;
	json_t *cmd = json_array();
	int i, rc;

	for (i = 0; i < o->ncmd; i++)
		if (jsonio_append(cmd, json_string(o->cmd[i]), e) != 0) {
			json_decref(cmd);
			return err_prefix(e, "command argument %d", i + 1);
		}
	if (jsonio_set(pred, "command", cmd, e) != 0)
		return -EXIT_UNDECIDED;
	/* SPEC-EVAL-3: the metrics must be the ones this run wrote. */
	if (unlink(o->metrics) != 0 && errno != ENOENT)
		return err_sys(e, EXIT_UNDECIDED, errno, "%s", o->metrics);
	po.envp = attest_caller_env();
	rc = proc_run(&res, o->cmd, &po, e);
	if (!res.started) {
		char why[ERR_MSG_MAX];
		memcpy(why, e->msg, sizeof(why));
		return err_set(e, 127, "%.400s; no attestation written", why);
	}
	if (rc == 0)
		rc = jsonio_set(pred, "exitStatus",
				json_integer(proc_status(&res)), e);
	if (rc == 0 && proc_status(&res) != 0)
		rc = err_set(e, proc_status(&res),
			     "the evaluation command failed with status %d; "
			     "no attestation written",
			     proc_status(&res));
	return rc;
}

static json_t *
test_result(const json_t *subject, const json_t *pred, int pass)
{
	json_t *passed = json_array(), *failed = json_array(), *cfg, *th;
	size_t i;
	int bad = 0;

	json_array_foreach(json_object_get(pred, "thresholds"), i, th)
	{
		char name[MAX_METRIC_NAME + 32];
		snprintf(name, sizeof(name), "%s%s%g",
			 json_string_value(json_object_get(th, "metric")),
			 json_string_value(json_object_get(th, "op")),
			 json_number_value(json_object_get(th, "value")));
		bad |= jsonio_append(json_is_true(json_object_get(th, "passed"))
					 ? passed
					 : failed,
				     json_string(name), NULL);
	}
	cfg = json_deep_copy(json_object_get(pred, "datasets"));
	if (json_object_get(pred, "harness") != NULL)
		bad |= jsonio_append(
		    cfg, json_incref(json_object_get(pred, "harness")), NULL);
	if (bad) {
		json_decref(passed);
		json_decref(failed);
		json_decref(cfg);
		return NULL;
	}
	return json_pack("{s:s, s:[O], s:s, s:{s:s, s:o, s:o, s:o}}", "_type",
			 STATEMENT_V1, "subject", subject, "predicateType",
			 PRED_TEST_RESULT, "predicate", "result",
			 pass ? "PASSED" : "FAILED", "configuration", cfg,
			 "passedTests", passed, "failedTests", failed);
}

static int
build_and_emit(const struct eval_opts *o, json_t *pred, const struct key *k,
	       int *pass, struct err *e)
{
	json_t *metrics = NULL, *st = NULL, *tr = NULL, *subject = NULL;
	struct tree t;
	int rc;

	rc = eval_metrics_load(&metrics, o->metrics, e);
	if (rc != 0)
		return rc;
	memset(&t, 0, sizeof(t));
	rc = jsonio_set(pred, "metrics", json_incref(metrics), e);
	if (rc == 0)
		rc = jsonio_set(pred, "thresholds", judge(o, metrics, pass), e);
	if (rc == 0)
		rc = jsonio_set(pred, "result",
				json_string(*pass ? "PASSED" : "FAILED"), e);
	if (rc == 0)
		rc = tree_hash(&t, o->model, &o->dopts, e);
	if (rc == 0) {
		subject = tree_descriptor(&t);
		rc = jsonio_set(pred, "model", json_incref(subject), e);
	}
	if (rc == 0) {
		st = json_pack("{s:s, s:[O], s:s, s:O}", "_type", STATEMENT_V1,
			       "subject", subject, "predicateType",
			       PRED_EVALUATION, "predicate", pred);
		rc = emit_statement_tsa(st, o->metrics, k, o->format, o->tsa,
					o->bundle, o->force, e);
	}
	if (rc == 0 && o->test_result) {
		tr = test_result(subject, pred, *pass);
		rc = emit_statement_tsa(tr, o->metrics, k, o->format, o->tsa,
					o->bundle, o->force, e);
	}
	tree_clear(&t);
	json_decref(metrics);
	json_decref(subject);
	json_decref(st);
	json_decref(tr);
	return rc;
}

int
cmd_eval(int argc, char **argv)
{
	char started[RFC3339_LEN + 1], finished[RFC3339_LEN + 1];
	struct eval_opts o;
	struct err e = ERR_INIT;
	struct key *k = NULL;
	json_t *pred = json_object(), *ds = NULL, *h;
	int rc, pass = 0;

	memset(&o, 0, sizeof(o));
	o.ko = *attest_key_env();
	rc = parse(&o, argc, argv, &e);
	if (rc == 0)
		rc = key_load_private_opts(&k, o.key, &o.ko, &e);
	if (rc == 0)
		rc = hash_datasets(&ds, &o, &e);
	if (rc == 0 && o.harness != NULL) {
		h = harness_rd(o.harness, &o.dopts, &e);
		if (h == NULL)
			rc = -e.code;
		if (rc == 0)
			rc = jsonio_set(pred, "harness", h, &e);
	}
	if (rc == 0)
		rc = jsonio_set(pred, "datasets", json_incref(ds), &e);
	if (rc == 0) {
		ids_rfc3339(started, time(NULL));
		if (o.ncmd > 0)
			rc = run_command(pred, &o, &e);
		ids_rfc3339(finished, time(NULL));
	}
	if (rc == 0)
		rc = jsonio_set(pred, "startedOn", json_string(started), &e);
	if (rc == 0)
		rc = jsonio_set(pred, "finishedOn", json_string(finished), &e);
	if (rc == 0)
		rc = build_and_emit(&o, pred, k, &pass, &e);
	json_decref(pred);
	json_decref(ds);
	key_free(k);
	free(o.datasets);
	free(o.roles);
	free(o.dsatts);
	free(o.thresholds);
	if (rc == 1)
		return EXIT_PASS;
	if (rc != 0)
		return attest_fail(&e);
	return pass ? EXIT_PASS : EXIT_REJECTED;
}

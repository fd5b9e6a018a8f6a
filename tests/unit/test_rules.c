/*
 * verify/rules: the policy rules apart from the command. Each row is a
 * policy and a set of signed statements in, and one verdict out (its
 * outcome, the start of its reason and its ATLAS tag) with the run's exit
 * code; every accept row has a tampered twin. Then the rule table itself
 * and the reasons entries were not counted (SPEC-POL-12).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys/envelope.h"
#include "keys/keyset.h"
#include "lib/bundle.h"
#include "lib/dsse.h"
#include "lib/jsonio.h"
#include "predicates/types.h"
#include "tests/unit/testutil.h"
#include "verify/evidence.h"
#include "verify/policy.h"
#include "verify/rules.h"

#define ART "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define OTHER "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define BUILDER "https://mlattest.dev/builders/attest-run/v1"
#define WHEN "2026-01-01T00:00:00Z"

enum { TRAINER, EVALUATOR, ALICE, BOB, MALLORY, NWHO };
static const char *const who_names[NWHO] = {"trainer", "evaluator", "alice",
					    "bob", "mallory"};
static struct key *keys[NWHO];
static struct policy *pol;
static char *dir;

/* mallory is no key of the policy; every other name is. */
static const char policy_text[] =
    "{\"policyVersion\": 1,"
    " \"keys\": {\"trainer\": {\"publicKey\": \"trainer.pub\"},"
    "  \"evaluator\": {\"publicKey\": \"evaluator.pub\"},"
    "  \"alice\": {\"publicKey\": \"alice.pub\"},"
    "  \"bob\": {\"publicKey\": \"bob.pub\"}},"
    " \"training\": {\"signers\": [\"trainer\"], \"builderIds\": [\"" BUILDER
    "\"], \"requireSuccess\": true},"
    " \"evaluation\": {\"signers\": [\"evaluator\"],"
    "  \"metrics\": [{\"name\": \"accuracy\", \"op\": \">=\", "
    "\"value\": 0.85}]},"
    " \"approval\": {\"stage\": \"production\", \"signers\": [\"alice\", "
    "\"bob\"], \"threshold\": 1}}";

static void
setup(void)
{
	struct err e = ERR_INIT;
	size_t i, len;
	char name[64], *path, *pem;

	dir = testutil_tmpdir();
	for (i = 0; i < NWHO; i++) {
		ck_assert_int_eq(key_generate(&keys[i], KEY_ED25519, &e), 0);
		ck_assert_int_eq(key_public_pem(&pem, &len, keys[i], &e), 0);
		snprintf(name, sizeof(name), "%s.pub", who_names[i]);
		path = testutil_join(dir, name);
		testutil_put(path, pem, len, 0644);
		free(path);
		free(pem);
	}
	path = testutil_join(dir, "policy.json");
	testutil_put(path, policy_text, strlen(policy_text), 0644);
	ck_assert_msg(policy_load(&pol, path, &e) == 0, "%s", e.msg);
	free(path);
}

static void
teardown(void)
{
	size_t i;

	policy_free(pol);
	for (i = 0; i < NWHO; i++)
		key_free(keys[i]);
	testutil_rmtree(dir);
	free(dir);
}

/* The statements rows are made of: who signs what, about which digest. */
enum stmt {
	END,
	PROV,	      /* trainer: provenance of ART, allowed builder, exit 0 */
	PROV_OTHER,   /* twin: about another model */
	PROV_BY_EVAL, /* twin: signed by the evaluator */
	PROV_BUILDER, /* twin: a builder the policy does not allow */
	PROV_FAILED,  /* twin: exit status 1 */
	EVAL,	      /* evaluator: accuracy 0.9 */
	EVAL_LOW,     /* twin: accuracy 0.5 */
	EVAL_BY_TRAINER, /* twin: signed by the trainer */
	APPR,		 /* alice approves for production */
	APPR_MALLORY,	 /* twin: by a key the policy does not name */
	APPR_STAGING,	 /* twin: for another stage */
	REJECT_BOB,	 /* bob rejects for production */
	PROV_TRACED,	 /* trainer: PROV with a clean, complete trace */
	PROV_SIDE,	 /* twin: its trace read /data/side.csv */
	PROV_CUT,	 /* twin: its trace counted 3 it did not list */
	PROV_PARTIAL,	 /* twin: an incomplete trace */
};

struct stmt_def {
	int who;
	const char *type, *subject, *pred;
};

#define PROV_PRED(builder, status)                                             \
	"{\"buildDefinition\": {\"buildType\": \"t\", "                        \
	"\"externalParameters\": {}, \"internalParameters\": "                 \
	"{\"exitStatus\": " status "}, \"resolvedDependencies\": []}, "        \
	"\"runDetails\": {\"builder\": {\"id\": \"" builder "\"}, "            \
	"\"metadata\": {\"finishedOn\": \"" WHEN "\"}}}"
#define EVAL_PRED(acc)                                                         \
	"{\"model\": {\"sha256\": \"" ART "\"}, \"datasets\": [{\"name\": "    \
	"\"test/\", \"digest\": {\"sha256\": \"" OTHER "\"}, "                 \
	"\"annotations\": {\"role\": \"test\"}}], "                            \
	"\"metrics\": {\"accuracy\": " acc "}, \"result\": \"PASSED\", "       \
	"\"finishedOn\": \"" WHEN "\"}"
#define APPR_PRED(stage, decision)                                             \
	"{\"stage\": \"" stage "\", \"decision\": \"" decision "\", "          \
	"\"approvedOn\": \"" WHEN "\"}"

#define TRACE_PRED(complete, und, n)                                           \
	"{\"buildDefinition\": {\"buildType\": \"t\", "                        \
	"\"externalParameters\": {}, \"internalParameters\": "                 \
	"{\"exitStatus\": 0, \"trace\": {\"complete\": " complete ", "         \
	"\"notes\": [\"a note\"], \"read\": {\"undeclared\": [" und "]}, "     \
	"\"executed\": {\"undeclared\": []}, \"counts\": {\"read\": "          \
	"{\"undeclared\": " n "}}}}, \"resolvedDependencies\": []}, "          \
	"\"runDetails\": {\"builder\": {\"id\": \"" BUILDER "\"}, "            \
	"\"metadata\": {\"finishedOn\": \"" WHEN "\"}}}"
#define SIDE "{\"path\": \"/data/side.csv\", \"sha256\": \"" OTHER "\"}"

static const struct stmt_def stmts[] = {
    [PROV_TRACED] = {TRAINER, PRED_SLSA_PROVENANCE, ART,
		     TRACE_PRED("true", "", "0")},
    [PROV_SIDE] = {TRAINER, PRED_SLSA_PROVENANCE, ART,
		   TRACE_PRED("true", SIDE, "1")},
    [PROV_CUT] = {TRAINER, PRED_SLSA_PROVENANCE, ART,
		  TRACE_PRED("true", "", "3")},
    [PROV_PARTIAL] = {TRAINER, PRED_SLSA_PROVENANCE, ART,
		      TRACE_PRED("false", "", "0")},
    [PROV] = {TRAINER, PRED_SLSA_PROVENANCE, ART, PROV_PRED(BUILDER, "0")},
    [PROV_OTHER] = {TRAINER, PRED_SLSA_PROVENANCE, OTHER,
		    PROV_PRED(BUILDER, "0")},
    [PROV_BY_EVAL] = {EVALUATOR, PRED_SLSA_PROVENANCE, ART,
		      PROV_PRED(BUILDER, "0")},
    [PROV_BUILDER] = {TRAINER, PRED_SLSA_PROVENANCE, ART,
		      PROV_PRED("https://example.com/evil", "0")},
    [PROV_FAILED] = {TRAINER, PRED_SLSA_PROVENANCE, ART,
		     PROV_PRED(BUILDER, "1")},
    [EVAL] = {EVALUATOR, PRED_EVALUATION, ART, EVAL_PRED("0.9")},
    [EVAL_LOW] = {EVALUATOR, PRED_EVALUATION, ART, EVAL_PRED("0.5")},
    [EVAL_BY_TRAINER] = {TRAINER, PRED_EVALUATION, ART, EVAL_PRED("0.9")},
    [APPR] = {ALICE, PRED_APPROVAL, ART, APPR_PRED("production", "approve")},
    [APPR_MALLORY] = {MALLORY, PRED_APPROVAL, ART,
		      APPR_PRED("production", "approve")},
    [APPR_STAGING] = {ALICE, PRED_APPROVAL, ART,
		      APPR_PRED("staging", "approve")},
    [REJECT_BOB] = {BOB, PRED_APPROVAL, ART, APPR_PRED("production", "reject")},
};

static void
add_stmt(struct bundle *b, size_t line, enum stmt s)
{
	const struct stmt_def *d = &stmts[s];
	struct dsse_envelope *env = NULL;
	struct err e = ERR_INIT;
	char *body, *text = NULL, src[32];
	size_t len, cap;
	json_t *j;

	cap = strlen(d->type) + strlen(d->pred) + 512;
	body = malloc(cap);
	ck_assert_ptr_nonnull(body);
	snprintf(body, cap,
		 "{\"_type\": \"https://in-toto.io/Statement/v1\", "
		 "\"subject\": [{\"name\": \"model.json\", \"digest\": "
		 "{\"sha256\": \"%s\"}}], \"predicateType\": \"%s\", "
		 "\"predicate\": %s}",
		 d->subject, d->type, d->pred);
	ck_assert_int_eq(envelope_sign(&env, DSSE_INTOTO_TYPE,
				       (const unsigned char *)body,
				       strlen(body), keys[d->who], &e),
			 0);
	j = dsse_to_json(env);
	ck_assert_int_eq(jsonio_dump(&text, &len, j, JSONIO_FLAGS, &e), 0);
	snprintf(src, sizeof(src), "ev.jsonl:%zu", line);
	ck_assert_int_eq(bundle_add_object(b, src, text, len, &e), 0);
	free(text);
	free(body);
	json_decref(j);
	dsse_free(env);
}

struct rule_row {
	const char *name;
	enum stmt ev[6]; /* END-terminated */
	const char *id;	 /* the verdict looked at */
	enum rule_outcome outcome;
	const char *reason; /* its reason starts so ("" for PASS) */
	const char *atlas;
	int exit; /* rules_verdict of the whole run */
};

#define GOOD PROV, EVAL, APPR

static const struct rule_row rule_rows[] = {
    {"provenance by the trainer",
     {GOOD, END},
     "training.provenance",
     RULE_PASS,
     "",
     "AML.T0010.003",
     EXIT_PASS},
    {"twin: provenance about another model",
     {PROV_OTHER, EVAL, APPR, END},
     "training.provenance",
     RULE_FAIL,
     "no training provenance for sha256:" ART " signed by a training key",
     "AML.T0010.003",
     EXIT_REJECTED},
    {"twin: provenance by the evaluator",
     {PROV_BY_EVAL, EVAL, APPR, END},
     "training.provenance",
     RULE_FAIL,
     "no training provenance for",
     "AML.T0010.003",
     EXIT_REJECTED},
    {"builder allowed",
     {GOOD, END},
     "training.builder",
     RULE_PASS,
     "",
     "AML.T0010",
     EXIT_PASS},
    {"twin: builder not allowed",
     {PROV_BUILDER, EVAL, APPR, END},
     "training.builder",
     RULE_FAIL,
     "ev.jsonl:1: builder id is not one the policy allows",
     "AML.T0010",
     EXIT_REJECTED},
    {"run succeeded",
     {GOOD, END},
     "training.success",
     RULE_PASS,
     "",
     "AML.T0010.003",
     EXIT_PASS},
    {"twin: run failed",
     {PROV_FAILED, EVAL, APPR, END},
     "training.success",
     RULE_FAIL,
     "ev.jsonl:1: the training run did not succeed (exit status non-zero)",
     "AML.T0010.003",
     EXIT_REJECTED},
    {"twin: no provenance, nothing to check",
     {EVAL, APPR, END},
     "training.success",
     RULE_FAIL,
     "no training provenance to check",
     "AML.T0010.003",
     EXIT_REJECTED},
    {"evaluation present",
     {GOOD, END},
     "evaluation.present",
     RULE_PASS,
     "",
     "AML.T0031",
     EXIT_PASS},
    {"twin: evaluation by the trainer",
     {PROV, EVAL_BY_TRAINER, APPR, END},
     "evaluation.present",
     RULE_FAIL,
     "no evaluation of the model signed by an evaluation key",
     "AML.T0031",
     EXIT_REJECTED},
    {"metrics hold",
     {GOOD, END},
     "evaluation.metrics",
     RULE_PASS,
     "",
     "AML.T0031",
     EXIT_PASS},
    {"twin: metric below the threshold",
     {PROV, EVAL_LOW, APPR, END},
     "evaluation.metrics",
     RULE_FAIL,
     "ev.jsonl:2: metric accuracy = 0.5 fails >= 0.85",
     "AML.T0031",
     EXIT_REJECTED},
    {"approved by a signer",
     {GOOD, END},
     "approval.threshold",
     RULE_PASS,
     "",
     "AML.T0010.003",
     EXIT_PASS},
    {"twin: approved by a key the policy does not name",
     {PROV, EVAL, APPR_MALLORY, END},
     "approval.threshold",
     RULE_FAIL,
     "0 of 1 required approvals for production",
     "AML.T0010.003",
     EXIT_REJECTED},
    {"twin: approved for another stage",
     {PROV, EVAL, APPR_STAGING, END},
     "approval.threshold",
     RULE_FAIL,
     "0 of 1 required approvals for production; ev.jsonl:3 approves stage "
     "staging, not production",
     "AML.T0010.003",
     EXIT_REJECTED},
    {"no reject",
     {GOOD, END},
     "approval.no-reject",
     RULE_PASS,
     "",
     "AML.T0010.003",
     EXIT_PASS},
    {"twin: a signer rejects",
     {GOOD, REJECT_BOB, END},
     "approval.no-reject",
     RULE_FAIL,
     "ev.jsonl:4: a signer rejected the model for production",
     "AML.T0010.003",
     EXIT_REJECTED},
};

/* Loads the row's statements as verify policy would, and runs the rules. */
static void
run_row(struct rules_run *run, struct evidence *ev, json_t **art,
	const enum stmt *list)
{
	struct bundle *b = NULL;
	struct err e = ERR_INIT;
	size_t i;

	ck_assert_int_eq(bundle_new(&b, &e), 0);
	for (i = 0; list[i] != END; i++)
		add_stmt(b, i + 1, list[i]);
	memset(ev, 0, sizeof(*ev));
	ck_assert_int_eq(evidence_add_bundle(ev, b, pol->ks, &e), 0);
	ck_assert_int_eq(evidence_finish(ev, &e), 0);
	bundle_free(b);
	*art = json_pack("{s:s}", "sha256", ART);
	ck_assert_int_eq(
	    rules_init(run, pol, ev, *art, "sha256:" ART, time(NULL), &e), 0);
	rules_evaluate(run);
}

static void
done(struct rules_run *run, struct evidence *ev, json_t *art)
{
	rules_clear(run);
	evidence_clear(ev);
	json_decref(art);
}

START_TEST(test_rule)
{
	const struct rule_row *r = &rule_rows[_i];
	const struct verdict *v = NULL;
	struct rules_run run;
	struct evidence ev;
	json_t *art;
	size_t i;

	run_row(&run, &ev, &art, r->ev);
	for (i = 0; i < run.nverdicts; i++)
		if (strcmp(run.verdicts[i].id, r->id) == 0)
			v = &run.verdicts[i];
	if (v == NULL) {
		ck_abort_msg("%s: no verdict %s", r->name, r->id);
		return;
	}
	ck_assert_msg(v->outcome == r->outcome, "%s: %s is %s (%s)", r->name,
		      r->id, rules_outcome_word(v->outcome), v->reason);
	ck_assert_msg(strncmp(v->reason, r->reason, strlen(r->reason)) == 0,
		      "%s: reason \"%s\", want \"%s\"", r->name, v->reason,
		      r->reason);
	if (r->outcome == RULE_PASS) {
		ck_assert_str_eq(v->reason, "");
		ck_assert_uint_ge(json_array_size(v->evidence), 1);
	}
	ck_assert_str_eq(v->atlas, r->atlas);
	ck_assert_ptr_nonnull(v->threat);
	ck_assert_msg(rules_verdict(&run) == r->exit, "%s: exit %d", r->name,
		      rules_verdict(&run));
	done(&run, &ev, art);
}
END_TEST

/* Every section row is complete and named once. */
START_TEST(test_table)
{
	size_t i, j;

	ck_assert_uint_ge(rules_count, 5);
	for (i = 0; i < rules_count; i++) {
		ck_assert_ptr_nonnull(rules_table[i].name);
		ck_assert_ptr_nonnull(rules_table[i].applies);
		ck_assert_ptr_nonnull(rules_table[i].check);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(rules_table[i].name,
					 rules_table[j].name);
	}
}
END_TEST

struct uncounted_row {
	enum stmt ev[6];
	const char *source, *reason;
};

/* SPEC-POL-12: why a verified entry did not count. */
static const struct uncounted_row uncounted_rows[] = {
    {{GOOD, APPR_STAGING, END},
     "ev.jsonl:4",
     "approval for stage staging, not production"},
    {{GOOD, PROV_OTHER, END},
     "ev.jsonl:4",
     "training provenance not about sha256:" ART
     " or the data of its training"},
    {{GOOD, EVAL_BY_TRAINER, END},
     "ev.jsonl:4",
     "evaluation signed by the trainer key, which is not an evaluation "
     "signer"},
};

START_TEST(test_uncounted)
{
	const struct uncounted_row *r = &uncounted_rows[_i];
	struct rules_run run;
	struct evidence ev;
	json_t *art, *u, *row;

	run_row(&run, &ev, &art, r->ev);
	u = rules_uncounted(&run);
	ck_assert_ptr_nonnull(u);
	ck_assert_uint_eq(json_array_size(u), 1);
	row = json_array_get(u, 0);
	ck_assert_str_eq(jsonio_str(row, "source"), r->source);
	ck_assert_str_eq(jsonio_str(row, "reason"), r->reason);
	/* The honest chain under it still admits. */
	ck_assert_int_eq(rules_verdict(&run), EXIT_PASS);
	json_decref(u);
	done(&run, &ev, art);
}
END_TEST

/* §5.8: the trace row under its own training sections. */
struct trace_row {
	const char *name, *training; /* the training section */
	enum stmt ev[2];
	const char *id;
	enum rule_outcome outcome;
	const char *reason; /* the reason starts so */
	int exit;
};

#define T_SIGNERS "\"signers\": [\"trainer\"]"
#define T_DENY T_SIGNERS ", \"undeclaredInputs\": \"deny\""
#define T_REPORT T_SIGNERS ", \"undeclaredInputs\": \"report\""
#define T_REQUIRE T_SIGNERS ", \"requireTrace\": true"
#define T_ELSEWHERE T_DENY ", \"undeclaredInputPrefixes\": [\"/scratch\"]"
#define T_THERE T_DENY ", \"undeclaredInputPrefixes\": [\"/data\"]"
#define UND "training.undeclared-inputs"

static const struct trace_row trace_rows[] = {
    {"deny: clean trace",
     T_DENY,
     {PROV_TRACED, END},
     UND,
     RULE_PASS,
     "",
     EXIT_PASS},
    {"twin: deny: a side file",
     T_DENY,
     {PROV_SIDE, END},
     UND,
     RULE_FAIL,
     "ev.jsonl:1: read 1 undeclared file: /data/side.csv (sha256:bbbbbbbbbbbb)",
     EXIT_REJECTED},
    {"twin: deny: no trace",
     T_DENY,
     {PROV, END},
     UND,
     RULE_FAIL,
     "ev.jsonl:1: the training run was not traced",
     EXIT_REJECTED},
    {"twin: deny: counted, not listed",
     T_DENY,
     {PROV_CUT, END},
     UND,
     RULE_FAIL,
     "ev.jsonl:1: read 0 undeclared files, 3 more the trace counted",
     EXIT_REJECTED},
    {"twin: deny: no provenance",
     T_DENY,
     {EVAL, END},
     UND,
     RULE_FAIL,
     "no training provenance to check",
     EXIT_REJECTED},
    {"report: a side file passes, named",
     T_REPORT,
     {PROV_SIDE, END},
     UND,
     RULE_PASS,
     "ev.jsonl:1: read 1 undeclared file: /data/side.csv",
     EXIT_PASS},
    {"prefixes elsewhere: not counted",
     T_ELSEWHERE,
     {PROV_SIDE, END},
     UND,
     RULE_PASS,
     "",
     EXIT_PASS},
    {"twin: prefixes covering it",
     T_THERE,
     {PROV_SIDE, END},
     UND,
     RULE_FAIL,
     "ev.jsonl:1: read 1 undeclared file",
     EXIT_REJECTED},
    {"require: traced",
     T_REQUIRE,
     {PROV_TRACED, END},
     "training.trace",
     RULE_PASS,
     "",
     EXIT_PASS},
    {"twin: require: untraced",
     T_REQUIRE,
     {PROV, END},
     "training.trace",
     RULE_FAIL,
     "ev.jsonl:1: the training run was not traced (attest run",
     EXIT_REJECTED},
    {"twin: require: incomplete",
     T_REQUIRE,
     {PROV_PARTIAL, END},
     "training.trace",
     RULE_FAIL,
     "ev.jsonl:1: the trace is incomplete: a note",
     EXIT_REJECTED},
};

START_TEST(test_trace)
{
	const struct trace_row *r = &trace_rows[_i];
	struct policy *saved = pol;
	const struct verdict *v = NULL;
	struct err e = ERR_INIT;
	struct rules_run run;
	struct evidence ev;
	char text[1024], *path;
	json_t *art;
	size_t i;

	snprintf(text, sizeof(text),
		 "{\"policyVersion\": 1, \"keys\": {\"trainer\": "
		 "{\"publicKey\": \"trainer.pub\"}}, \"training\": {%s}}",
		 r->training);
	path = testutil_join(dir, "trace.json");
	testutil_put(path, text, strlen(text), 0644);
	ck_assert_msg(policy_load(&pol, path, &e) == 0, "%s", e.msg);
	free(path);
	run_row(&run, &ev, &art, r->ev);
	for (i = 0; i < run.nverdicts; i++)
		if (strcmp(run.verdicts[i].id, r->id) == 0)
			v = &run.verdicts[i];
	ck_assert_msg(v != NULL, "%s: no verdict %s", r->name, r->id);
	if (v != NULL) {
		ck_assert_msg(v->outcome == r->outcome, "%s: %s (%s)", r->name,
			      rules_outcome_word(v->outcome), v->reason);
		ck_assert_msg(
		    strncmp(v->reason, r->reason, strlen(r->reason)) == 0,
		    "%s: reason \"%s\"", r->name, v->reason);
		ck_assert_str_eq(v->atlas, "AML.T0020");
	}
	ck_assert_int_eq(rules_verdict(&run), r->exit);
	done(&run, &ev, art);
	policy_free(pol);
	pol = saved;
}
END_TEST

static Suite *
rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_rule, 0,
			    sizeof(rule_rows) / sizeof(rule_rows[0]));
	tcase_add_test(tc, test_table);
	tcase_add_loop_test(tc, test_trace, 0,
			    sizeof(trace_rows) / sizeof(trace_rows[0]));
	tcase_add_loop_test(tc, test_uncounted, 0,
			    sizeof(uncounted_rows) / sizeof(uncounted_rows[0]));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return testutil_run(rules_suite());
}

/*
 * verify compare: two training runs side by side. Each bundle holds one
 * training provenance and the evaluations of its model, every attestation
 * verified under the given keys. This file loads and picks the evidence
 * and prints; the comparison itself is predicates/compare.c. The claimed inputs
 * must be the same (datasets and inputs, base model and container by digest,
 * code commit, public parameters, configs, command line, seed); the models may
 * differ (training is not deterministic); each metric on the same eval datasets
 * must agree within its tolerance. Private parameters are salted
 * commitments, different in every run: they are named and skipped.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys/keyset.h"
#include "lib/digestset.h"
#include "lib/jsonio.h"
#include "lib/opt.h"
#include "lib/statement.h"
#include "lib/text.h"
#include "predicates/compare.h"
#include "predicates/evaluation.h"
#include "predicates/types.h"
#include "verify/evidence.h"
#include "verify/jsonout.h"
#include "verify/verify.h"

struct tolerance {
	const char *name;
	size_t len;
	double delta;
	int used;
};

struct compare_opts {
	const char **keys, *bundles[2], *json;
	size_t nkeys, nbundles, ntols;
	struct tolerance *tols;
};

static int parse_tolerance(struct compare_opts *o, const char *s,
			   struct err *e);

static int
key_opt(void *opts, const struct opt_spec *row, const char *val, struct err *e)
{
	struct compare_opts *o = opts;

	(void)row;
	if (o->nkeys == EVIDENCE_MAX_KEYS)
		return err_set(e, EXIT_USAGE, "more than %d --key options",
			       EVIDENCE_MAX_KEYS);
	o->keys[o->nkeys++] = val;
	return 0;
}

static int
bundle_opt(void *opts, const struct opt_spec *row, const char *val,
	   struct err *e)
{
	struct compare_opts *o = opts;

	(void)row;
	if (o->nbundles == 2)
		return err_set(e, EXIT_USAGE,
			       "--bundle: exactly two (A and B)");
	o->bundles[o->nbundles++] = val;
	return 0;
}

static int
tolerance_opt(void *opts, const struct opt_spec *row, const char *val,
	      struct err *e)
{
	(void)row;
	return parse_tolerance(opts, val, e);
}

static const struct opt_spec compare_rows[] = {
    {.type = OPT_CALL,
     .name = "key",
     .shortname = 'k',
     .off = offsetof(struct compare_opts, keys),
     .argname = "PUB",
     .help = "trusted public key (PEM); repeatable",
     .flags = OPT_REQUIRED | OPT_MANY,
     .fn = key_opt},
    {.type = OPT_CALL,
     .name = "bundle",
     .shortname = 'b',
     .off = offsetof(struct compare_opts, bundles),
     .argname = "FILE",
     .help = "a run's provenance and evaluations; exactly twice (A, then B)",
     .flags = OPT_REQUIRED,
     .fn = bundle_opt,
     .usage = "--bundle A --bundle B"},
    {.type = OPT_CALL,
     .name = "tolerance",
     .shortname = 't',
     .off = offsetof(struct compare_opts, tols),
     .argname = "NAME=DELTA",
     .help = "metric NAME may differ by at most DELTA (absolute); default 0; "
	     "repeatable",
     .flags = OPT_MANY,
     .fn = tolerance_opt},
    {.type = OPT_STRING,
     .name = "json",
     .off = offsetof(struct compare_opts, json),
     .argname = "FILE",
     .help =
	 "also write the result as JSON; - for stdout (text then on stderr)"},
    {.type = OPT_END},
};

static const struct opt_cmd compare_cmd = {
    "verify compare",
    "Compare two training runs: their claimed inputs must be the same and "
    "the\nmetrics of their models on the same eval datasets must agree within "
    "tolerance.\nEvery attestation in A and B must verify under the keys. Exit "
    "0 consistent,\n1 divergent (or an attestation does not verify), 3 could "
    "not decide.",
    compare_rows};

struct side {
	const char *tag, *path;
	struct evidence ev;
	const struct evidence_item *prov;
	const json_t *bd, *ext;
	const struct evidence_item **evals;
	size_t nevals;
};

struct cmp {
	struct compare_opts o;
	struct keyset *ks;
	struct side s[2];
	size_t diffs;
	int undecided, rejected;
	json_t *lines; /* [{kind, text}], what say printed */
};

/* One result line; DIFFERS lines are the divergences. */
static void
say_text(void *arg, const char *what, const char *text)
{
	struct cmp *c = arg;

	if (strcmp(what, "DIFFERS") == 0)
		c->diffs++;
	verify_print(stdout, "%-8s %s\n", what, text);
	if (c->lines != NULL &&
	    jsonio_append(c->lines,
			  json_pack("{s:s, s:s}", "kind", what, "text", text),
			  NULL) != 0) {
		json_decref(c->lines);
		c->lines = NULL;
	}
}

static void
say(struct cmp *c, const char *what, const struct textbuf *b)
{
	say_text(c, what, b->s);
}

static int
parse_tolerance(struct compare_opts *o, const char *s, struct err *e)
{
	const char *eq = strchr(s, '=');
	struct tolerance *t = &o->tols[o->ntols];
	char *end = NULL;
	size_t i;

	if (eq == NULL || eq == s || (size_t)(eq - s) > MAX_METRIC_NAME)
		return err_set(e, EXIT_USAGE,
			       "--tolerance: expected NAME=DELTA, got \"%s\"",
			       s);
	errno = 0;
	t->delta = strtod(eq + 1, &end);
	if (eq[1] == '\0' || *end != '\0' || errno != 0 ||
	    !isfinite(t->delta) || t->delta < 0)
		return err_set(e, EXIT_USAGE,
			       "--tolerance: DELTA must be a finite number >= "
			       "0, got \"%s\"",
			       eq + 1);
	t->name = s;
	t->len = (size_t)(eq - s);
	for (i = 0; i < o->ntols; i++)
		if (o->tols[i].len == t->len &&
		    strncmp(o->tols[i].name, s, t->len) == 0)
			return err_set(e, EXIT_USAGE,
				       "--tolerance: %.*s given twice",
				       (int)t->len, s);
	o->ntols++;
	return 0;
}

static int
parse(struct compare_opts *o, int argc, char **argv, struct err *e)
{
	int rc;

	o->keys = calloc((size_t)argc, sizeof(char *));
	o->tols = calloc((size_t)argc, sizeof(*o->tols));
	if (o->keys == NULL || o->tols == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	rc = opt_parse(o, &compare_cmd, argc, argv, e);
	if (rc == 1)
		opt_cmd_help(stdout, &compare_cmd);
	if (rc != 0)
		return rc;
	if (o->nbundles != 2)
		return opt_usage_error(&compare_cmd, e);
	return 0;
}

static int
subject_of(const struct evidence_item *it, const struct evidence_item *prov)
{
	const json_t *subs = statement_subjects(prov->st);
	size_t i;

	for (i = 0; i < json_array_size(subs); i++)
		if (evidence_about(
			it, json_object_get(json_array_get(subs, i), "digest")))
			return 1;
	return 0;
}

static const char *
finished(const struct evidence_item *it)
{
	const char *f = jsonio_str(it->pred, "finishedOn");

	return f != NULL ? f : "";
}

/* 1 when a later evaluation of the same side on the same data exists. */
static int
superseded(const struct side *s, size_t i)
{
	const json_t *di = json_object_get(s->evals[i]->pred, "datasets");
	size_t j;
	int c;

	for (j = 0; j < s->nevals; j++) {
		if (j == i ||
		    !compare_same_datasets(
			di, json_object_get(s->evals[j]->pred, "datasets")))
			continue;
		c = strcmp(finished(s->evals[j]), finished(s->evals[i]));
		if (c > 0 || (c == 0 && j > i))
			return 1;
	}
	return 0;
}

/* The one provenance and the latest evaluation of its model per data. */
static int
pick(struct cmp *c, struct side *s, struct err *e)
{
	struct err pe = ERR_INIT;
	struct textbuf b;
	size_t i, n = 0, kept = 0;

	for (i = 0; i < s->ev.n; i++)
		if (strcmp(s->ev.items[i].type, PRED_SLSA_PROVENANCE) == 0) {
			s->prov = &s->ev.items[i];
			n++;
		}
	if (n != 1) {
		s->prov = NULL;
		memset(&b, 0, sizeof(b));
		textbuf_add(&b, "%s: %zu verified training provenances in ",
			    s->tag, n);
		textbuf_esc(&b, s->path, 200);
		textbuf_add(&b, "; compare needs exactly one");
		say(c, "UNDECIDED", &b);
		c->undecided = 1;
		return 0;
	}
	s->bd = json_object_get(s->prov->pred, "buildDefinition");
	s->ext = json_object_get(s->bd, "externalParameters");
	s->evals = calloc(s->ev.n, sizeof(*s->evals));
	if (s->evals == NULL)
		return err_set(e, EXIT_UNDECIDED, "out of memory");
	for (i = 0; i < s->ev.n; i++) {
		const struct evidence_item *it = &s->ev.items[i];
		if (strcmp(it->type, PRED_EVALUATION) != 0 ||
		    !subject_of(it, s->prov))
			continue;
		if (pred_eval_check(it->pred, it->src, &pe) != 0) {
			memset(&b, 0, sizeof(b));
			textbuf_add(&b, "%s: ", s->tag);
			textbuf_esc(&b, pe.msg, 400);
			say(c, "REJECTED", &b);
			c->rejected = 1;
			continue;
		}
		s->evals[s->nevals++] = it;
	}
	for (i = 0; i < s->nevals; i++)
		if (!superseded(s, i))
			s->evals[kept++] = s->evals[i];
	if (kept < s->nevals) {
		memset(&b, 0, sizeof(b));
		textbuf_add(
		    &b,
		    "%s: %zu evaluations repeat earlier ones on the same "
		    "data; comparing the latest of each",
		    s->tag, s->nevals - kept);
		say(c, "NOTE", &b);
	}
	s->nevals = kept;
	return 0;
}

static double
tolerance_for(void *arg, const char *name)
{
	struct cmp *c = arg;
	size_t i;

	for (i = 0; i < c->o.ntols; i++)
		if (strlen(name) == c->o.tols[i].len &&
		    strncmp(name, c->o.tols[i].name, c->o.tols[i].len) == 0) {
			c->o.tols[i].used = 1;
			return c->o.tols[i].delta;
		}
	return 0;
}

static int
load(struct cmp *c, struct side *s, struct err *e)
{
	struct textbuf b;
	size_t bad;
	int rc;

	rc = evidence_load(&s->ev, (const char *const *)&s->path, 1, c->ks, e);
	if (rc != 0)
		return rc;
	bad = s->ev.unverified + s->ev.malformed;
	memset(&b, 0, sizeof(b));
	textbuf_add(&b, "%s = ", s->tag);
	textbuf_esc(&b, s->path, 200);
	textbuf_add(&b, ": %zu of %zu attestations verified", s->ev.n,
		    s->ev.total);
	say(c, "BUNDLE", &b);
	if (bad) {
		memset(&b, 0, sizeof(b));
		textbuf_add(
		    &b,
		    "%s: %zu attestation(s) do not verify under the given "
		    "keys or are malformed",
		    s->tag, bad);
		say(c, "REJECTED", &b);
		c->rejected = 1;
	}
	return pick(c, s, e);
}

/* The two runs through predicates/compare, each line through say. */
static void
compare_runs(struct cmp *c)
{
	struct compare_ctx cc;
	size_t i, j;

	memset(&cc, 0, sizeof(cc));
	cc.say = say_text;
	cc.tolerance = tolerance_for;
	cc.arg = c;
	for (i = 0; i < 2; i++) {
		const struct side *s = &c->s[i];
		struct compare_run *r = &cc.run[i];

		r->tag = s->tag;
		r->bd = s->bd;
		r->ext = s->ext;
		r->subjects = statement_subjects(s->prov->st);
		r->evals = calloc(s->nevals + 1, sizeof(const json_t *));
		if (r->evals == NULL) {
			c->undecided = 1; /* out of memory: compare nothing */
			goto out;
		}
		for (j = 0; j < s->nevals; j++)
			r->evals[j] = s->evals[j]->pred;
		r->nevals = s->nevals;
	}
	compare_training(&cc);
	compare_models(&cc);
	compare_evals(&cc);
	if (cc.undecided)
		c->undecided = 1;
out:
	free(cc.run[0].evals);
	free(cc.run[1].evals);
}

static const char *
result_word(const struct cmp *c)
{
	return c->rejected    ? "rejected"
	       : c->diffs > 0 ? "divergent"
	       : c->undecided ? "undecided"
			      : "consistent";
}

static int
write_json(struct cmp *c, struct jsonout *jo, int status, struct err *e)
{
	json_t *doc;
	int rc;

	if (c->o.json == NULL)
		return status;
	doc = c->lines == NULL
		  ? NULL
		  : json_pack("{s:s, s:i, s:[s, s], s:I, s:O}", "result",
			      result_word(c), "exitCode", status, "bundles",
			      c->o.bundles[0], c->o.bundles[1], "differences",
			      (json_int_t)c->diffs, "lines", c->lines);
	rc = doc != NULL ? jsonout_write(jo, doc, e)
			 : err_set(e, EXIT_UNDECIDED, "out of memory");
	json_decref(doc);
	return rc != 0 ? rc : status;
}

static int
verdict(struct cmp *c)
{
	struct textbuf s;
	size_t i;
	int status;

	for (i = 0; i < c->o.ntols; i++)
		if (!c->o.tols[i].used) {
			memset(&s, 0, sizeof(s));
			textbuf_add(&s, "--tolerance %.*s matched no metric",
				    (int)c->o.tols[i].len, c->o.tols[i].name);
			say(c, "NOTE", &s);
		}
	status = c->rejected || c->diffs > 0 ? EXIT_REJECTED
		 : c->undecided		     ? EXIT_UNDECIDED
					     : EXIT_PASS;
	fflush(stdout);
	if (c->rejected)
		verify_print(stderr,
			     "verify: compare: REJECTED: some attestations "
			     "do not verify under the given keys\n");
	else if (c->diffs > 0)
		verify_print(stderr,
			     "verify: compare: DIVERGENT: %zu difference(s)\n",
			     c->diffs);
	else if (c->undecided)
		verify_print(stderr, "verify: compare: COULD NOT DECIDE\n");
	else
		verify_print(
		    stderr, "verify: compare: CONSISTENT: same claimed inputs, "
			    "metrics within tolerance\n");
	return status;
}

int
cmd_compare(int argc, char **argv)
{
	struct cmp c;
	struct jsonout jo = JSONOUT_INIT;
	struct err e = ERR_INIT;
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	c.s[0].tag = "A";
	c.s[1].tag = "B";
	rc = parse(&c.o, argc, argv, &e);
	if (rc == 1) {
		rc = EXIT_PASS; /* --help */
		goto out;
	}
	if (rc == 0)
		rc = jsonout_open(&jo, c.o.json, &e);
	c.lines = json_array();
	if (rc == 0)
		rc = keyset_new(&c.ks, &e);
	for (i = 0; rc == 0 && i < c.o.nkeys; i++)
		if (keyset_add_file(c.ks, c.o.keys[i], &e) != 0)
			rc = -(e.code = EXIT_UNDECIDED);
	for (i = 0; rc == 0 && i < 2; i++) {
		c.s[i].path = c.o.bundles[i];
		rc = load(&c, &c.s[i], &e);
	}
	if (rc == 0 && c.s[0].prov != NULL && c.s[1].prov != NULL &&
	    !c.undecided) {
		compare_runs(&c);
	}
	if (rc == 0)
		rc = write_json(&c, &jo, verdict(&c), &e);
out:
	jsonout_close(&jo);
	json_decref(c.lines);
	for (i = 0; i < 2; i++) {
		evidence_clear(&c.s[i].ev);
		free(c.s[i].evals);
	}
	keyset_free(c.ks);
	free(c.o.keys);
	free(c.o.tols);
	return rc < 0 ? verify_fail(&e) : rc;
}
